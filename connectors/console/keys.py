"""Typed application and request keys of the console (see connectors/typedefs.py for why).

Tests replace `SEARCHER`, `CASES` and `SESSIONS` after `init_app` and before
the server starts, to run without the model, with their own case store and
with a clock they move.
"""

from __future__ import annotations

from aiohttp import web

from connectors.console.account_store import AccountStore
from connectors.console.case_directory import CaseDirectory
from connectors.console.eligibility import EligibilityBook
from connectors.console.lazy import Lazy
from connectors.console.searching import Searching
from connectors.console.session_store import AgentSession, SessionStore
from connectors.console.throttle import SignInThrottle
from connectors.console.unanswered import UnansweredStore

ACCOUNTS = web.AppKey("console_accounts", AccountStore)
SESSIONS = web.AppKey("console_sessions", SessionStore)
THROTTLE = web.AppKey("console_throttle", SignInThrottle)
SEARCHER: web.AppKey[Lazy[Searching]] = web.AppKey("console_searcher")
ELIGIBILITY: web.AppKey[Lazy[EligibilityBook]] = web.AppKey("console_eligibility")
CASES = web.AppKey("console_cases", CaseDirectory)
UNANSWERED = web.AppKey("console_unanswered", UnansweredStore)

AGENT = web.RequestKey("console_agent", AgentSession)  # set by the guard on /console/api/*
