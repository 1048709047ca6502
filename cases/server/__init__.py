"""The reference case system: the HTTP API `HttpCaseBackend` talks to, over the SQL store.

The centre may run its own case system; this one implements the same contract
(openapi.yaml next to this file) so the HTTP path can be developed, run and
tested without it. `python -m cases.server` starts it; `cases.server.app`
builds the application.

This package's top level holds only the contract's constants, so the client
can share them without importing the server (aiohttp.web, the store).
"""

from __future__ import annotations

import re

API_PREFIX = "/api/v1"
CASES_PATH = f"{API_PREFIX}/cases"
HEALTH_PATH = "/health"
FAULTS_PATH = "/_faults"

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Keys travel in a header and end up in a unique column of 128 characters:
# plain ASCII that needs no quoting, and short enough for the column.
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,128}")

__all__ = [
    "API_PREFIX",
    "CASES_PATH",
    "FAULTS_PATH",
    "HEALTH_PATH",
    "IDEMPOTENCY_KEY",
    "IDEMPOTENCY_KEY_HEADER",
    "REPLAYED_HEADER",
]
