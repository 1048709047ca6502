"""The console's routes, kept apart so the guard, the pages and the handlers agree."""

from __future__ import annotations

CONSOLE_PAGE = "/console"
SIGN_IN_PAGE = "/console/login"
STATIC_PREFIX = "/console/static/"
API_PREFIX = "/console/api/"  # everything under it needs a session, except signing in
SIGN_IN_PATH = "/console/api/login"
SIGN_OUT_PATH = "/console/api/logout"
SESSION_PATH = "/console/api/session"
ELIGIBILITY_PATH = "/console/api/eligibility"
CASES_PATH = "/console/api/cases"
UNRESOLVED_PATH = "/console/api/unresolved"
SEARCH_PATH = "/api/v1/search"  # agents (cookie) and the hotline's systems (bearer key)
# The console's requests are a few hundred bytes of JSON.
MAX_BODY_BYTES = 8 * 1024
