"""`setup_console(app)`: everything the hotline console adds to the gateway, in one place.

Routes:

    GET  /console                       the console (sign-in page when not signed in)
    GET  /console/login                 the sign-in page
    GET  /console/static/{file}         console.css, console.js, login.js
    POST /console/api/login             sign in          (sign_in.py)
    POST /console/api/logout            sign out
    GET  /console/api/session           who, and the CSRF token
    GET  /api/v1/search?q=…&k=…         the knowledge engine (search_api.py)
    GET  /console/api/eligibility       the quick check's form
    POST /console/api/eligibility       the quick check (eligibility_api.py)
    GET  /console/api/cases/{number}    a case, masked (cases_api.py)
    POST /console/api/cases/{number}/unmask
    GET  /console/api/unresolved        unanswered questions and 👎 answers

and around them: the guard (session, same-site and CSRF checks on
/console/api/*), the recorder of unanswered chat questions, `no-store` on
every console and search answer, `WWW-Authenticate` on a refused search.
Nothing here touches the network or the disk when the app is built: the
database is created on first use, the engine, rules and case store are
loaded by the first request that needs them (lazy.py).
"""

from __future__ import annotations

import asyncio
import functools

from aiohttp import web

from cases.backend import CaseBackend
from connectors.console.account_store import AccountStore
from connectors.console.auth import console_guard
from connectors.console.case_directory import CaseDirectory, open_case_backend
from connectors.console.cases_api import case_unmask, case_view
from connectors.console.db import ConsoleDatabase
from connectors.console.eligibility import EligibilityBook, load_book
from connectors.console.eligibility_api import eligibility_check, eligibility_form
from connectors.console.keys import (
    ACCOUNTS,
    CASES,
    ELIGIBILITY,
    SEARCHER,
    SESSIONS,
    THROTTLE,
    UNANSWERED,
)
from connectors.console.lazy import Lazy
from connectors.console.no_answer import UnansweredRecorder
from connectors.console.pages import Pages
from connectors.console.paths import (
    API_PREFIX,
    CASES_PATH,
    CONSOLE_PAGE,
    ELIGIBILITY_PATH,
    SEARCH_PATH,
    SESSION_PATH,
    SIGN_IN_PAGE,
    SIGN_IN_PATH,
    SIGN_OUT_PATH,
    STATIC_PREFIX,
    UNRESOLVED_PATH,
)
from connectors.console.privacy import install_query_hiding
from connectors.console.search_api import search
from connectors.console.searching import Searching, load_searcher
from connectors.console.session_store import SessionStore
from connectors.console.sign_in import session, sign_in, sign_out
from connectors.console.throttle import SignInThrottle
from connectors.console.unanswered import UnansweredStore
from connectors.console.unresolved_api import unresolved
from connectors.erasure import add_erasure_listener
from connectors.typedefs import SETTINGS, TURN_OBSERVERS
from knowledge.settings import KnowledgeSettings


def setup_console(app: web.Application) -> None:
    """Add the console's routes, stores, checks and headers to the gateway `app`."""
    settings = app[SETTINGS]
    db = ConsoleDatabase(settings.console_db_path)
    app[ACCOUNTS] = AccountStore(db)
    app[SESSIONS] = SessionStore(
        db, settings.console_idle_minutes * 60.0, settings.console_session_hours * 3600.0
    )
    app[THROTTLE] = SignInThrottle()
    app[UNANSWERED] = UnansweredStore(db)
    knowledge = KnowledgeSettings.from_env()
    app[SEARCHER] = Lazy[Searching](
        lambda: load_searcher(knowledge), "knowledge engine", "政策检索暂时不可用，请稍后再试。"
    )
    app[ELIGIBILITY] = Lazy[EligibilityBook](
        lambda: load_book(knowledge), "eligibility rules", "资格速查暂时不可用，请稍后再试。"
    )
    app[CASES] = CaseDirectory(
        Lazy[CaseBackend](open_case_backend, "case store", "案件库暂时无法访问，请稍后再试。")
    )
    install_query_hiding()  # the search question travels in the query string
    app.middlewares.append(console_guard())
    app[TURN_OBSERVERS].append(UnansweredRecorder(app))
    add_erasure_listener(app, functools.partial(_forget_unanswered, app))
    app.on_response_prepare.append(_private_headers)
    app.on_cleanup.append(_close_cases)

    pages = Pages()
    app.router.add_get(CONSOLE_PAGE, pages.console_page)
    app.router.add_get(SIGN_IN_PAGE, pages.sign_in_page)
    for name, asset in pages.files.items():
        app.router.add_get(STATIC_PREFIX + name, asset.handle)
    app.router.add_post(SIGN_IN_PATH, sign_in)
    app.router.add_post(SIGN_OUT_PATH, sign_out)
    app.router.add_get(SESSION_PATH, session)
    app.router.add_get(SEARCH_PATH, search)
    app.router.add_get(ELIGIBILITY_PATH, eligibility_form)
    app.router.add_post(ELIGIBILITY_PATH, eligibility_check)
    app.router.add_get(CASES_PATH + "/{number}", case_view)
    app.router.add_post(CASES_PATH + "/{number}/unmask", case_unmask)
    app.router.add_get(UNRESOLVED_PATH, unresolved)


async def _forget_unanswered(app: web.Application, conversation: str) -> None:
    await asyncio.to_thread(app[UNANSWERED].forget, conversation)


async def _private_headers(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """`on_response_prepare`: answers about agents, cases and searches are never cached."""
    if request.path.startswith(API_PREFIX) or request.path == SEARCH_PATH:
        response.headers["Cache-Control"] = "no-store"
        if request.path == SEARCH_PATH and response.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="console"'


async def _close_cases(app: web.Application) -> None:
    await app[CASES].close()
