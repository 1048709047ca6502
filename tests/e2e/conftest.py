"""One running assistant for the whole e2e session: real processes over HTTP."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from knowledge.settings import KnowledgeSettings
from tests.e2e.processes import Stack


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, rasa_model: Any, real_settings: KnowledgeSettings
) -> Iterator[Stack]:
    stack = Stack(tmp_path_factory.mktemp("e2e"), rasa_model, real_settings.data_dir)
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
