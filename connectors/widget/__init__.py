"""The web widget: one script tag puts a help button and a chat panel on any page.

The browser side is plain JavaScript in static/widget.js; this package is
the gateway's side of it — serving the script and a demo page, the CORS and
rate-limit checks around the chat API, and the 👍/👎 feedback store. See
connectors/README.md ("Web widget") for the modules and their tests.
"""

from __future__ import annotations

from connectors.widget.feedback import FeedbackEntry, FeedbackStore, Rating
from connectors.widget.routes import setup_widget

__all__ = ["FeedbackEntry", "FeedbackStore", "Rating", "setup_widget"]
