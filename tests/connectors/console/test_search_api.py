"""GET /api/v1/search: who may search, what q and k may be, and what comes back."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from connectors.app import init_app
from connectors.console.errors import ConsoleUnavailable
from connectors.console.keys import SEARCHER
from connectors.console.lazy import Lazy
from connectors.console.privacy import hide_search_query
from connectors.console.searching import Searching
from knowledge.errors import IndexMissingError, KnowledgeError
from tests.connectors.conftest import FakeRasa, gateway_settings
from tests.connectors.console.conftest import (
    API_KEY,
    PASSAGES,
    Console,
    FakeSearcher,
    MakeConsole,
)

BEARER = {"Authorization": f"Bearer {API_KEY}"}
CLI_KEYS = {"doc_id", "title", "doc_number", "section", "text", "score"}


async def test_a_signed_in_agent_searches(console: Console) -> None:
    await console.signed_in()
    response = await console.client.get("/api/v1/search", params={"q": " 专利援助 ", "k": "2"})
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    expected = console.searcher.search("专利援助", 2).to_dict()  # what the CLI's --json prints
    expected_results = expected.pop("results")
    assert {key: body[key] for key in expected} == expected
    assert body["query"] == "专利援助"
    assert body["answerable"] is True
    assert len(body["results"]) == len(expected_results) == 2
    for result, wanted in zip(body["results"], expected_results, strict=True):
        assert set(wanted) >= CLI_KEYS
        assert {key: result[key] for key in wanted} == wanted  # extra fields only added
    assert console.searcher.calls[0] == ("专利援助", 2)  # stripped, k passed on


async def test_results_carry_highlights_and_a_ready_answer(console: Console) -> None:
    await console.signed_in()
    body = await (await console.client.get("/api/v1/search", params={"q": "专利援助"})).json()
    first = body["results"][0]
    text = PASSAGES[0].text
    marked = [text[start:end] for start, end in first["highlights"]]
    assert marked == ["专利", "援助", "专利"]
    assert first["answer"] == f"{text}\n——{PASSAGES[0].citation}"
    assert (
        first["citation"]
        == "《关于贯彻落实〈关于强化知识产权保护的意见〉的实施意见》枣市监中心字〔2020〕42号 四（二）3"
    )
    assert body["terms"] == ["专利", "援助"]


async def test_a_valid_bearer_key_searches_without_a_session(console: Console) -> None:
    response = await console.client.get("/api/v1/search", params={"q": "专利"}, headers=BEARER)
    assert response.status == 200
    assert len((await response.json())["results"]) == 2


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {API_KEY}x",
        f"Bearer {API_KEY[:-1]}",
        "Bearer ",
        f"Basic {API_KEY}",
        API_KEY,
    ],
)
async def test_a_wrong_key_is_401_even_with_a_session(console: Console, header: str) -> None:
    await console.signed_in()  # a valid cookie does not rescue a bad key
    response = await console.client.get(
        "/api/v1/search", params={"q": "专利"}, headers={"Authorization": header}
    )
    assert response.status == 401
    assert await response.json() == {
        "error": "unauthorized",
        "message": "API 密钥无效，请检查 Authorization 请求头。",
    }
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="console"'
    assert console.searcher.calls == []


async def test_nobody_gets_401_in_chinese(console: Console) -> None:
    response = await console.client.get("/api/v1/search", params={"q": "专利"})
    assert response.status == 401
    body = await response.json()
    assert body["error"] == "unauthorized"
    assert body["message"] == "请先登录坐席工作台，或在 Authorization 中提供有效的 API 密钥。"
    assert console.searcher.calls == []


async def test_no_keys_configured_means_no_key_works(make_console: MakeConsole) -> None:
    console = await make_console(console_api_keys=())
    response = await console.client.get("/api/v1/search", params={"q": "专利"}, headers=BEARER)
    assert response.status == 401


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "请输入要查询的问题。"),
        ({"q": "   "}, "请输入要查询的问题。"),
        ({"q": "专" * 201}, "问题太长了，请控制在 200 字以内。"),
        ({"q": "专利", "k": "0"}, "结果条数 k 应为 1 到 20。"),
        ({"q": "专利", "k": "21"}, "结果条数 k 应为 1 到 20。"),
        ({"q": "专利", "k": "-1"}, "结果条数 k 应为 1 到 20。"),
        ({"q": "专利", "k": "5.0"}, "结果条数 k 应为 1 到 20。"),
        ({"q": "专利", "k": "五"}, "结果条数 k 应为 1 到 20。"),
        ({"q": "专利", "k": "１"}, "结果条数 k 应为 1 到 20。"),  # a full-width digit
    ],
)
async def test_q_and_k_are_validated(
    console: Console, params: dict[str, str], message: str
) -> None:
    response = await console.client.get("/api/v1/search", params=params, headers=BEARER)
    assert response.status == 400
    assert await response.json() == {"error": "bad_query", "message": message}
    assert console.searcher.calls == []


@pytest.mark.parametrize(("params", "k"), [({}, 5), ({"k": "1"}, 1), ({"k": "20"}, 20)])
async def test_k_defaults_to_5_and_reaches_20(
    console: Console, params: dict[str, str], k: int
) -> None:
    response = await console.client.get(
        "/api/v1/search", params={"q": "专" * 200, **params}, headers=BEARER
    )
    assert response.status == 200
    assert console.searcher.calls == [("专" * 200, k)]


async def test_searches_run_off_the_event_loop(console: Console) -> None:
    await console.client.get("/api/v1/search", params={"q": "专利"}, headers=BEARER)
    assert console.searcher.threads
    assert threading.get_ident() not in console.searcher.threads


async def test_the_engine_is_loaded_once_in_a_thread_and_shared(
    make_console: MakeConsole,
) -> None:
    loads: list[int] = []
    fake = FakeSearcher()

    def load() -> Searching:
        loads.append(threading.get_ident())
        return fake

    console = await make_console(searcher=Lazy[Searching](load, "engine", "检索不可用"))
    assert loads == []  # nothing is loaded before the first search
    answers = await asyncio.gather(
        *(
            console.client.get("/api/v1/search", params={"q": f"专利{i}"}, headers=BEARER)
            for i in range(4)
        )
    )
    assert [a.status for a in answers] == [200] * 4
    assert len(loads) == 1 and loads[0] != threading.get_ident()
    assert len(fake.calls) == 4


async def test_an_engine_that_cannot_load_is_a_503(make_console: MakeConsole) -> None:
    def load() -> Searching:
        raise FileNotFoundError("data/index/current")

    console = await make_console(
        searcher=Lazy[Searching](load, "engine", "政策检索暂时不可用，请稍后再试。")
    )
    response = await console.client.get("/api/v1/search", params={"q": "专利"}, headers=BEARER)
    assert response.status == 503
    assert await response.json() == {
        "error": "console_unavailable",
        "message": "政策检索暂时不可用，请稍后再试。",
    }


async def test_an_engine_error_is_a_503(make_console: MakeConsole) -> None:
    class Broken:
        def search(self, query: str, k: int = 5) -> Any:
            raise KnowledgeError("index vanished")

    console = await make_console(searcher=Lazy[Searching].ready(Broken()))
    response = await console.client.get("/api/v1/search", params={"q": "专利"}, headers=BEARER)
    assert response.status == 503
    assert (await response.json())["message"] == "政策检索暂时不可用，请稍后再试。"


async def test_the_gateway_never_builds_a_missing_index(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_rasa: FakeRasa
) -> None:
    """The real loader (no fake): an index that is not there is a 503, not a build."""
    index = tmp_path / "no-index"
    monkeypatch.setenv("KNOWLEDGE_DATA_DIR", str(index))
    app = init_app(gateway_settings(fake_rasa.url, console_db_path=tmp_path / "c.db"))
    searcher = app[SEARCHER]
    assert searcher.loaded is None  # nothing loaded while the app is built
    with pytest.raises(ConsoleUnavailable) as caught:
        await searcher.get()
    assert caught.value.message == "政策检索暂时不可用，请稍后再试。"
    assert isinstance(caught.value.__cause__, IndexMissingError)
    assert not index.exists()
    with pytest.raises(ConsoleUnavailable, match="failed recently"):
        await searcher.get()  # not retried on every keystroke


def test_the_question_is_hidden_in_request_lines() -> None:
    assert hide_search_query('"GET /api/v1/search?q=%E5%BC%A0%E4%B8%89&k=5 HTTP/1.1"') == (
        '"GET /api/v1/search?q=[hidden]&k=5 HTTP/1.1"'
    )
    assert hide_search_query("GET /api/v1/search?k=5&q=abc") == "GET /api/v1/search?k=5&q=[hidden]"
    assert hide_search_query("GET /other?q=abc") == "GET /other?q=abc"


async def test_the_access_log_never_shows_the_question(
    console: Console, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    response = await console.client.get(
        "/api/v1/search", params={"q": "zhangsan-lives-at-42", "k": "3"}, headers=BEARER
    )
    assert response.status == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert any("/api/v1/search?q=[hidden]&k=3" in line for line in lines), lines
    assert "zhangsan" not in caplog.text
