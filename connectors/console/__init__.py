"""The hotline console: agents sign in at /console to search the policies, check
eligibility, look up cases and see what the bot could not answer; the hotline's
own systems search through /api/v1/search with a key.

The browser side is plain HTML, CSS and JavaScript in static/; this package is
the gateway's side. See connectors/README.md ("Hotline console") for the
modules and their tests, and `python -m connectors.console.accounts` for the
accounts.
"""

from __future__ import annotations

from connectors.console.routes import setup_console

__all__ = ["setup_console"]
