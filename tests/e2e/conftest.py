"""One running assistant for the whole e2e session: real processes over HTTP."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from knowledge.settings import KnowledgeSettings
from tests.e2e.processes import ROOT, Stack
from tests.e2e.wechat import WeChatApi, WeChatPerson


@pytest.fixture(scope="session")
def wechat_api() -> Iterator[WeChatApi]:
    api = WeChatApi()
    api.start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    rasa_model: Any,
    real_settings: KnowledgeSettings,
    wechat_api: WeChatApi,
) -> Iterator[Stack]:
    stack = Stack(
        tmp_path_factory.mktemp("e2e"), rasa_model, real_settings.data_dir, wechat_api.url
    )
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


class Conversation:
    """A person talking to the assistant through the gateway's chat API."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.session_id = ""

    def send(self, text: str) -> list[dict[str, Any]]:
        body = json.dumps({"session_id": self.session_id, "text": text}).encode()
        request = urllib.request.Request(
            f"{self.stack.gateway}/api/v1/chat",
            data=body,
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            payload = json.load(response)
        self.session_id = payload["session_id"]
        return list(payload["messages"])

    def tracker(self) -> dict[str, Any]:
        sender = "web:" + self.session_id.split(".")[0]
        url = f"{self.stack.rasa}/conversations/{sender}/tracker?token=e2e-token"
        with urllib.request.urlopen(url, timeout=30) as response:
            return dict(json.load(response))

    def slots(self) -> dict[str, Any]:
        return dict(self.tracker()["slots"])


@pytest.fixture
def talk(stack: Stack) -> Conversation:
    return Conversation(stack)


@pytest.fixture
def follower(stack: Stack, wechat_api: WeChatApi) -> WeChatPerson:
    return WeChatPerson(stack.gateway, wechat_api)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, installed by the project's script when missing — never skipped."""
    result = subprocess.run(
        [str(ROOT / "scripts" / "ensure-chromium")], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/ensure-chromium failed:\n{result.stderr.strip()}", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Browser]:
    """One headless Chromium for every browser test of the session."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
