"""The routes the widget's browser code calls, and what each may carry.

Kept apart so the CORS, rate-limit and route modules agree on them without
importing one another (or app.py, which imports this package).
"""

from __future__ import annotations

CHAT_PATH = "/api/v1/chat"  # served by connectors/app.py
FEEDBACK_PATH = "/api/v1/feedback"
# The cross-origin, rate-limited API: what a page on another site may call.
API_PATHS = frozenset({CHAT_PATH, FEEDBACK_PATH})
# A rating carries one question and one answer: a few hundred characters,
# well under 8 KiB even at three UTF-8 bytes a character.
FEEDBACK_MAX_BYTES = 8 * 1024
