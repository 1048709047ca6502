"""`setup_widget(app)`: everything the web widget adds to the gateway, in one place.

Routes:

    GET     /                  the demo page (a centre's home page with the widget)
    GET     /widget.js         the widget, for `<script src=".../widget.js" async>`
    GET     /static/demo.css   the demo page's style
    GET     /static/favicon.svg
    POST    /api/v1/feedback   👍/👎 on an answer -> 204
    OPTIONS /api/v1/chat, /api/v1/feedback   CORS preflight

and around the chat and feedback APIs: the origin check, the rate limits,
the CORS and security headers; and a turn observer that remembers what the
bot said in each web conversation, the only answers that may be rated
(delivered.py). Called once from `init_app` after its own routes; nothing
here touches the network, and the disk only to read the static files and the
deployment file (the feedback database is opened on first use).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping

from aiohttp import web

from connectors.erasure import add_erasure_listener
from connectors.typedefs import SETTINGS, TURN_OBSERVERS
from connectors.widget.assets import CSS_TYPE, SVG_TYPE, static_asset, widget_script
from connectors.widget.cors import CorsPolicy
from connectors.widget.delivered import DeliveredAnswers
from connectors.widget.demo import demo_page
from connectors.widget.feedback import FeedbackStore
from connectors.widget.feedback_api import post_feedback
from connectors.widget.feedback_settings import FeedbackLimits
from connectors.widget.keys import DELIVERED, FEEDBACK
from connectors.widget.limits import RateLimits, add_retry_after, rate_limit_middleware
from connectors.widget.paths import API_PATHS, FEEDBACK_PATH
from connectors.widget.security import add_security_headers

DAY = "public, max-age=86400"


async def _forget_feedback(app: web.Application, conversation: str) -> None:
    await asyncio.to_thread(app[FEEDBACK].forget, conversation)


def setup_widget(app: web.Application, env: Mapping[str, str] | None = None) -> None:
    """Add the widget's routes, checks and headers to the gateway `app`.

    FEEDBACK_* are read from `env`, the process's environment by default.
    """
    settings = app[SETTINGS]
    cors = CorsPolicy(settings.widget_allowed_origins)
    limits = FeedbackLimits.from_env(env)
    app[FEEDBACK] = FeedbackStore(
        settings.feedback_db_path, retention_days=limits.retention_days, max_rows=limits.max_rows
    )
    app[DELIVERED] = DeliveredAnswers()
    app[TURN_OBSERVERS].append(app[DELIVERED])
    add_erasure_listener(app, app[DELIVERED].forget)
    add_erasure_listener(app, functools.partial(_forget_feedback, app))
    # After app.py's error middleware, so refusals here become its JSON
    # answers; the origin check first, so a foreign page spends no tokens.
    app.middlewares.append(cors.middleware())
    app.middlewares.append(rate_limit_middleware(RateLimits.from_settings(settings)))
    app.on_response_prepare.append(cors.on_response_prepare)
    app.on_response_prepare.append(add_retry_after)
    app.on_response_prepare.append(add_security_headers)

    app.router.add_get("/", demo_page().handle)
    app.router.add_get("/widget.js", widget_script().handle)
    app.router.add_get("/static/demo.css", static_asset("demo.css", CSS_TYPE, DAY).handle)
    app.router.add_get("/static/favicon.svg", static_asset("favicon.svg", SVG_TYPE, DAY).handle)
    app.router.add_post(FEEDBACK_PATH, post_feedback)
    for path in sorted(API_PATHS):
        app.router.add_route("OPTIONS", path, cors.preflight)
