"""What can go wrong with a case record, in terms the caller can act on.

Messages never carry personal data: they end up in logs and HTTP bodies.
"""

from __future__ import annotations


class CaseError(Exception):
    """Base of every case-adapter error."""


class BackendUnavailable(CaseError):
    """The case system did not answer (down, too slow, refused): try again later.

    Nothing is known about whether the record was written; a retry with the
    same idempotency key settles it.
    """


class IdempotencyConflict(CaseError):
    """The idempotency key was already used for a different application."""


class InvalidApplication(CaseError):
    """The application is incomplete or malformed; retrying will not help."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class InvalidTransition(CaseError):
    """A status change the case's current status does not allow."""


class CaseNotFound(CaseError):
    """No case with that number."""


class ConfigurationError(CaseError):
    """The case adapter is configured wrongly (missing key, unknown backend)."""
