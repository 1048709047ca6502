"""What can go wrong with a case record, in terms the caller can act on.

Messages never carry personal data: they end up in logs and HTTP bodies.

    CaseError
    ├── BackendUnavailable     the case system did not answer; retry with the same key
    ├── IdempotencyConflict    the key belongs to another application
    ├── InvalidApplication     incomplete or malformed; retrying will not help
    ├── InvalidTransition      a status change the current status does not allow
    ├── CaseNotFound           no case with that number
    └── ConfigurationError     missing or wrong key, unknown backend, unsafe in production
        └── DecryptionFailed   a stored value was written under a key not configured
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


class DecryptionFailed(ConfigurationError):
    """A stored value cannot be decrypted with any configured key.

    A configuration problem (the key it was written with is not in
    CASE_ENCRYPTION_KEY), kept apart so that the outbox relay can set such a
    row aside instead of stopping at it.
    """
