"""From the gateway's chat messages to what a WeChat person reads.

WeChat text messages have no buttons and no rich sources, so a reply becomes
one plain text: each message's text (markdown made plain), its sources as
short lines "出处：《title》文号 section", and its buttons as numbered options
(the person answers with the number; memory.py remembers what it stands for).
A `handoff` custom payload is not text: it asks the channel to transfer the
person to customer service (转人工). An answer with nothing to read and no
handoff becomes the busy text: a person is never left with silence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from connectors.chat_cli import format_citation
from connectors.messages import Button, ChatMessage, Citation
from connectors.wechat.plaintext import markdown_to_plain
from connectors.wechat.xmlcodec import strip_control

HANDOFF_TYPE = "handoff"
CITATION_PREFIX = "出处："
CHOOSE_PROMPT = "回复数字即可选择："


@dataclass(frozen=True)
class Answer:
    """What to tell one person for one message.

    Attributes:
        text: the whole plain text; the channel cuts it into messages.
        buttons: the options numbered in `text`, in order (empty: none offered).
        handoff: transfer the person to customer service after the text.
    """

    text: str
    buttons: list[Button] = field(default_factory=list)
    handoff: bool = False


def render(messages: Sequence[ChatMessage], busy_text: str) -> Answer:
    """One Answer for the chat messages Rasa's reply was folded into."""
    blocks: list[str] = []
    buttons: list[Button] = []
    handoff = False
    for message in messages:
        lines: list[str] = []
        text = markdown_to_plain(strip_control(message.get("text", "")))
        if text:
            lines.append(text)
        lines.extend(citation_lines(message.get("citations", [])))
        offered = message.get("buttons", [])
        if offered:
            lines.append(CHOOSE_PROMPT)
            for button in offered:
                buttons.append(button)
                lines.append(f"{len(buttons)}. {strip_control(button['title']).strip()}")
        custom = message.get("custom")
        if isinstance(custom, dict) and custom.get("type") == HANDOFF_TYPE:
            handoff = True
        if lines:
            blocks.append("\n".join(lines))
    text = "\n\n".join(blocks)
    if not text and not handoff:
        text = busy_text
    return Answer(text=text, buttons=buttons, handoff=handoff)


def citation_lines(citations: Sequence[Citation]) -> list[str]:
    """One line per distinct source, "出处：《title》文号 section", in the order given."""
    lines: list[str] = []
    for citation in citations:
        # Only string fields: the action server's payload is not checked field by field.
        clean = {k: v for k, v in citation.items() if isinstance(v, str)}
        source = format_citation(cast(Citation, clean))
        if not source:
            continue
        line = CITATION_PREFIX + strip_control(source)
        if line not in lines:
            lines.append(line)
    return lines
