"""Typed application keys of the widget (see connectors/typedefs.py for why AppKeys).

Kept in this package rather than connectors/typedefs.py because typedefs is
imported by this package's modules: a key there naming a class from here
would make the two import each other.
"""

from __future__ import annotations

from aiohttp import web

from connectors.widget.delivered import DeliveredAnswers
from connectors.widget.feedback import FeedbackStore

FEEDBACK = web.AppKey("widget_feedback", FeedbackStore)  # ratings; the console reads them too
DELIVERED = web.AppKey("widget_delivered", DeliveredAnswers)  # what may be rated, per conversation
