"""The redaction filter for Rasa's own logs (loaded by bot/logging.yml).

Rasa runs in its own Python 3.10 environment and never imports the product's
packages for its work; this one hook brings in the same masking the action
server and the gateway use, so a phone or ID number typed by a person is
masked in every line Rasa logs too — and, for a conversation holding an open
application, the person's own name and story as well (bot/log_context.py).
"""

from __future__ import annotations

import logging

from bot.log_context import ConversationRedactingFilter
from cases.privacy import install_redaction


def redacting_filter() -> logging.Filter:
    """Called by logging.config.dictConfig: installs the record factory as well,
    so handlers Rasa adds later are covered too."""
    install_redaction()
    return ConversationRedactingFilter()
