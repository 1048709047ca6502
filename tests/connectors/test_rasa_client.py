"""RasaClient against a real fake Rasa server: answers, and every way it fails."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from connectors.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from connectors.observers import Turn
from connectors.rasa_client import RasaClient, RasaTimeouts
from tests.connectors.conftest import FakeRasa

TIMEOUTS = RasaTimeouts(connect=0.5, read=0.3)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_send_posts_the_rest_channel_body(
    fake_rasa: FakeRasa, http: aiohttp.ClientSession
) -> None:
    client = RasaClient(http, fake_rasa.url + "/", TIMEOUTS)
    answer = await client.send("web:abc", "专利被侵权怎么办", {"channel": "web"})
    assert answer == [{"recipient_id": "web:abc", "text": "收到：专利被侵权怎么办"}]
    assert fake_rasa.received == [
        {"sender": "web:abc", "message": "专利被侵权怎么办", "metadata": {"channel": "web"}}
    ]


async def test_empty_answer_is_an_empty_list(
    fake_rasa: FakeRasa, http: aiohttp.ClientSession
) -> None:
    fake_rasa.reply = lambda sender, text: []
    assert await RasaClient(http, fake_rasa.url, TIMEOUTS).send("web:a", "你好") == []


async def test_absent_rasa_is_unavailable(
    absent_rasa_url: str, http: aiohttp.ClientSession
) -> None:
    with pytest.raises(UpstreamUnavailable) as caught:
        await RasaClient(http, absent_rasa_url, TIMEOUTS).send("web:a", "你好")
    assert isinstance(caught.value.__cause__, aiohttp.ClientError)


async def test_slow_rasa_times_out(fake_rasa: FakeRasa, http: aiohttp.ClientSession) -> None:
    fake_rasa.mode = "slow"
    with pytest.raises(UpstreamTimeout) as caught:
        await RasaClient(http, fake_rasa.url, TIMEOUTS).send("web:a", "你好")
    assert isinstance(caught.value.__cause__, TimeoutError)


@pytest.mark.parametrize(
    ("mode", "detail"),
    [("error", "HTTP 500"), ("not_json", "not JSON"), ("not_list", "not a list")],
)
async def test_unusable_answers_are_upstream_errors(
    fake_rasa: FakeRasa, http: aiohttp.ClientSession, mode: str, detail: str
) -> None:
    fake_rasa.mode = mode
    with pytest.raises(UpstreamError) as caught:
        await RasaClient(http, fake_rasa.url, TIMEOUTS).send("web:a", "你好")
    assert type(caught.value) is UpstreamError
    assert detail in caught.value.detail
    assert "你好" not in caught.value.detail  # what the person typed stays out of the log


async def test_list_of_non_objects_is_refused(
    fake_rasa: FakeRasa, http: aiohttp.ClientSession
) -> None:
    fake_rasa.reply = lambda sender, text: ["just a string"]  # type: ignore[list-item]
    with pytest.raises(UpstreamError, match="not an object"):
        await RasaClient(http, fake_rasa.url, TIMEOUTS).send("web:a", "你好")


async def test_is_up(
    fake_rasa: FakeRasa, absent_rasa_url: str, http: aiohttp.ClientSession
) -> None:
    assert await RasaClient(http, fake_rasa.url, TIMEOUTS).is_up()
    fake_rasa.mode = "error"
    assert not await RasaClient(http, fake_rasa.url, TIMEOUTS).is_up()
    assert not await RasaClient(http, absent_rasa_url, TIMEOUTS).is_up()


def test_timeouts_cap_the_total_wait() -> None:
    timeout = RasaTimeouts(connect=2, read=15).client_timeout()
    assert (timeout.connect, timeout.sock_read, timeout.total) == (2, 15, 17)


async def test_observers_hear_every_answered_turn_and_none_that_failed(
    fake_rasa: FakeRasa, http: aiohttp.ClientSession
) -> None:
    heard: list[Turn] = []

    async def listen(turn: Turn) -> None:
        heard.append(turn)

    client = RasaClient(http, fake_rasa.url, TIMEOUTS, observers=[listen])
    answer = await client.send("wx:o123", "商标被抢注", {"channel": "wechat"})
    await client.send("web:a", "/ask_human")
    fake_rasa.mode = "error"
    with pytest.raises(UpstreamError):
        await client.send("web:a", "你好")
    assert heard == [
        Turn("wechat", "wx:o123", "商标被抢注", answer),
        Turn(
            "unknown",
            "web:a",
            "/ask_human",
            [{"recipient_id": "web:a", "text": "收到：/ask_human"}],
        ),
    ]


async def test_a_failing_observer_costs_nothing_but_a_log_line(
    fake_rasa: FakeRasa, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    heard: list[str] = []

    async def broken(turn: Turn) -> None:
        raise RuntimeError("listener bug")

    async def fine(turn: Turn) -> None:
        heard.append(turn.text)

    client = RasaClient(http, fake_rasa.url, TIMEOUTS, observers=[broken, fine])
    answer = await client.send("web:a", "你好", {"channel": "web"})
    assert answer == [{"recipient_id": "web:a", "text": "收到：你好"}]
    assert heard == ["你好"]  # the next listener still hears it
    assert "turn observer" in caplog.text and "listener bug" in caplog.text
