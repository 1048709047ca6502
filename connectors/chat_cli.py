"""python -m connectors.chat_cli: talk to the assistant from a terminal.

For a person trying the assistant (or a developer checking a dialogue) without
a browser: it posts each line to the gateway's /api/v1/chat, keeps the
session id between lines, prints the bot's texts with their sources, and
numbers the buttons so that typing a number presses one. It uses only the
standard library and blocking I/O: one person, one line at a time.
"""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any, cast
from urllib.parse import urlsplit

from connectors.messages import Button, ChatMessage, Citation

DEFAULT_URL = "http://127.0.0.1:8080"
TIMEOUT_SECONDS = 40.0  # longer than the gateway's own wait for Rasa
PROMPT = "您："
WELCOME = "知识产权维权援助智能助手。输入问题后回车；输入按钮前的数字即可选择；Ctrl-D 退出。"
GOODBYE = "再见。"
UNREADABLE = "助手服务的回复无法识别，请稍后再试。"


class ChatUnavailable(Exception):
    """The gateway cannot be reached or refused the message; the text says why, in Chinese."""


class ChatClient:
    """Posts messages to one gateway and remembers the conversation's session id.

    Args:
        base_url: the gateway's root, e.g. http://127.0.0.1:8080.
        timeout: seconds to wait for an answer.
    """

    def __init__(self, base_url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        if urlsplit(base_url).scheme not in {"http", "https"}:
            raise ValueError(f"not an http(s) URL: {base_url}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session_id: str | None = None

    def send(self, text: str) -> list[ChatMessage]:
        """Send one message and return the bot's messages.

        Raises:
            ChatUnavailable: the gateway is down, timed out or refused the message.
        """
        body: dict[str, Any] = {"text": text}
        if self.session_id:
            body["session_id"] = self.session_id
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.base_url + "/api/v1/chat",
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                reply = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise ChatUnavailable(_refusal(exc)) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ChatUnavailable(f"连接不上助手服务（{self.base_url}），请确认它已启动。") from exc
        except ValueError as exc:
            raise ChatUnavailable(UNREADABLE) from exc
        if not isinstance(reply, dict):
            raise ChatUnavailable(UNREADABLE)
        self.session_id = reply.get("session_id") or self.session_id
        return cast(list[ChatMessage], reply.get("messages") or [])


def _refusal(exc: urllib.error.HTTPError) -> str:
    """The gateway's Chinese error message, or a generic line if it sent none."""
    try:
        message = json.loads(exc.read()).get("message")
    except (ValueError, AttributeError, OSError):
        message = None
    return message if isinstance(message, str) else f"请求失败（HTTP {exc.code}），请稍后再试。"


def resolve_input(line: str, buttons: Sequence[Button]) -> str:
    """What to send for a typed line: a button's payload if the line is its number.

    Full-width digits count too: a Chinese input method in full-width mode types "２".
    """
    choice = line.strip()
    if choice.isdecimal() and 1 <= int(choice) <= len(buttons):
        return buttons[int(choice) - 1]["payload"]
    return choice


def format_citation(citation: Citation) -> str:
    """《title》文号 section, leaving out whatever the citation does not carry."""
    title = citation.get("title", "").strip("《》")
    head = f"《{title}》" if title else ""
    return " ".join(
        p for p in (head + citation.get("doc_number", ""), citation.get("section", "")) if p
    )


def render(messages: Sequence[ChatMessage]) -> tuple[list[str], list[Button]]:
    """The lines to print for one reply, and its buttons in the order they are numbered."""
    lines: list[str] = []
    buttons: list[Button] = []
    for message in messages:
        if message.get("text"):
            lines.append(f"助手：{message['text']}")
        for citation in message.get("citations", []):
            lines.append(f"  依据：{format_citation(citation)}")
        for button in message.get("buttons", []):
            buttons.append(button)
            lines.append(f"  [{len(buttons)}] {button['title']}")
    return lines, buttons


def run(
    client: ChatClient,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> int:
    """The conversation loop; returns 0 when the person leaves (Ctrl-D or Ctrl-C)."""
    write(WELCOME)
    buttons: list[Button] = []
    try:
        while True:
            line = read(PROMPT)
            text = resolve_input(line, buttons)
            if not text:
                continue
            try:
                messages = client.send(text)
            except ChatUnavailable as exc:
                write(str(exc))
                continue
            lines, buttons = render(messages)
            for printed in lines:
                write(printed)
    except (EOFError, KeyboardInterrupt):
        write("\n" + GOODBYE)
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and start the conversation."""
    parser = argparse.ArgumentParser(
        prog="python -m connectors.chat_cli", description="在终端里与助手对话"
    )
    parser.add_argument("--url", default=DEFAULT_URL, help=f"网关地址（默认 {DEFAULT_URL}）")
    args = parser.parse_args(argv)
    try:
        client = ChatClient(args.url)
    except ValueError:
        parser.error(f"网关地址应以 http:// 或 https:// 开头：{args.url}")
    return run(client)


if __name__ == "__main__":
    raise SystemExit(main())
