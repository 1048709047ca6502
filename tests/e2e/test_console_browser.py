"""The hotline agents' console in a real browser — Debian's Chromium, headless.

An agent account is made with the accounts CLI, as an administrator would,
and the gateway is restarted with that console database, a bearer key for
the hotline's own systems, and the case store read directly (the SQL store
the reference case system writes, as a centre on the embedded store has it);
it is restored afterwards. The agent signs in through the login page and uses
the console the way they would on the phone: search as they type, copy an
answer with the keyboard, run the eligibility quick check, look up a case a
person just applied for and unmask it with a reason, see what the bot could
not answer; and is sent back to the login page after the idle timeout.
Screenshots go to artifacts/console/.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect

from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from tests.e2e.applicant import CASE_NUMBER, answers, fill_form, text_of
from tests.e2e.conftest import Conversation
from tests.e2e.processes import ROOT, Stack

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "artifacts" / "console"
SEARCH_TIMEOUT_MS = 60_000  # the first search loads the knowledge engine
AGENT = "zhang.wei"
PASSWORD = "e2e-console-password-1"
API_KEY = "e2e-console-key-" + "k" * 32
HOSTILE = '<img src=x onerror="window.__pwned=1">'


def console_db(stack: Stack) -> Path:
    return stack.workdir / "console" / "console.db"


@pytest.fixture(scope="module")
def console(stack: Stack) -> Iterator[str]:
    """The gateway restarted with a console database holding one agent, and a bearer key."""
    db = console_db(stack)
    db.parent.mkdir(parents=True, exist_ok=True)
    accounts = [str(ROOT / ".venv" / "bin" / "python"), "-m", "connectors.console.accounts"]
    added = subprocess.run(
        [*accounts, "add", AGENT, "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ) | {"CONSOLE_DB_PATH": str(db)},
        check=False,
    )
    assert added.returncode == 0, added.stderr
    changes = {
        "CONSOLE_DB_PATH": str(db),
        "CONSOLE_API_KEYS": API_KEY,
        # Case lookup straight from the store the reference case system keeps.
        "CASE_BACKEND": "sql",
        "CASE_DATABASE_URL": stack.env["CASE_SERVER_DATABASE_URL"],
        "CASE_ENCRYPTION_KEY": stack.env["CASE_SERVER_ENCRYPTION_KEY"],
    }
    with stack.gateway_with(changes) as url:
        yield url


@dataclass
class Agent:
    """A browser tab of the console, driven the way an agent would."""

    context: BrowserContext
    page: Page
    gateway: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Only script errors: a refused sign-in or an unknown case logs its 401/404 as well.
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dismiss)
        self.search = self.page.locator("#search")
        self.results = self.page.locator("#results > li")

    def _dismiss(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def sign_in(self, password: str = PASSWORD) -> None:
        self.page.locator("#name").fill(AGENT)
        self.page.locator("#password").fill(password)
        self.page.get_by_role("button", name="登录").click()

    def open_signed_in(self) -> None:
        self.page.goto(self.gateway + "/console")
        expect(self.page).to_have_url(re.compile(r"/console/login$"))
        self.sign_in()
        expect(self.page).to_have_url(self.gateway + "/console")
        expect(self.page.locator("#agent-name")).to_have_text(AGENT)

    def type_search(self, text: str) -> None:
        self.search.click()
        self.search.press_sequentially(text, delay=20)  # no Enter: the console searches alone

    def wait_search(self) -> None:
        expect(self.page.locator("#search-status")).not_to_have_text(
            re.compile(r"^(正在检索…)?$"), timeout=SEARCH_TIMEOUT_MS
        )


@pytest.fixture
def agent(browser: Browser, console: str) -> Iterator[Agent]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield Agent(context, context.new_page(), console)
    context.close()


def test_sign_in_refuses_a_wrong_password_then_opens_the_console(agent: Agent) -> None:
    page = agent.page
    page.goto(agent.gateway + "/console")
    expect(page).to_have_url(agent.gateway + "/console/login")
    agent.sign_in("not-the-password-at-all")
    expect(page.locator("#notice")).to_have_text("账号或密码不正确。")
    expect(page).to_have_url(agent.gateway + "/console/login")
    expect(page.locator("#password")).to_have_value("")

    agent.sign_in()
    expect(page).to_have_url(agent.gateway + "/console")
    expect(page.locator("#agent-name")).to_have_text(AGENT)
    expect(page.locator("#search")).to_be_focused()
    cookies = agent.context.cookies(agent.gateway)
    assert cookies, "no session cookie"
    assert all(c["httpOnly"] for c in cookies)
    assert all(c["sameSite"] == "Strict" for c in cookies)
    assert page.evaluate("document.cookie") == ""  # the script cannot read it
    assert agent.errors == []


def test_search_as_you_type_and_copy_with_the_keyboard(agent: Agent) -> None:
    agent.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=agent.gateway)
    agent.open_signed_in()
    question = "展会上发现侵权怎么办"
    agent.type_search(question)
    agent.wait_search()
    expect(agent.page.locator("#search-status")).to_contain_text("找到")
    count = agent.results.count()
    assert count >= 2
    for item in agent.results.all():
        expect(item.locator(".citation")).to_contain_text(re.compile(r"《.+》"))
    assert agent.page.locator("#results mark").count() > 0  # the searched words, marked
    expect(agent.results.first).to_have_attribute("aria-selected", "true")

    agent.search.press("ArrowDown")
    expect(agent.results.nth(1)).to_have_attribute("aria-selected", "true")
    expect(agent.results.first).to_have_attribute("aria-selected", "false")
    agent.search.press("Enter")
    expect(agent.page.locator("#toast")).to_contain_text("已复制第 2 条")
    copied = agent.page.evaluate("navigator.clipboard.readText()")
    # Exactly the second result's ready-to-read answer, as the search API gives it.
    query = urllib.parse.urlencode({"q": question, "k": "8"})
    expected = agent.page.evaluate(
        "url => fetch(url).then(r => r.json()).then(b => b.results[1])",
        f"/api/v1/search?{query}",
    )
    assert copied == expected["answer"]
    assert re.search(r"——《.+》", copied)
    assert len(copied.split("——")[0].strip()) > 10  # the answer text itself, not only the source
    assert agent.errors == []


def test_markup_typed_into_the_search_stays_text(agent: Agent) -> None:
    agent.open_signed_in()
    agent.search.fill(HOSTILE)
    agent.wait_search()
    expect(agent.search).to_have_value(HOSTILE)
    page = agent.page
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img").count() == 0
    assert page.locator("#results [onerror], #results script").count() == 0
    assert agent.dialogs == []
    assert agent.errors == []


def test_eligibility_quick_check_cites_its_clauses(agent: Agent) -> None:
    agent.open_signed_in()
    selects = agent.page.locator("#eligibility-fields select")
    expect(selects.first).to_be_visible()
    for choice in selects.all():
        choice.select_option(index=1)  # the first real answer after "（未知）"
    agent.page.locator("#eligibility-form").get_by_role("button", name="查询").click()
    result = agent.page.locator("#eligibility-result")
    expect(result.locator(".outcomes")).to_be_visible()
    expect(result).to_contain_text("资金援助")
    expect(result).to_contain_text("符合条件")
    clauses = result.locator(".basis li")
    assert clauses.count() >= 1
    for clause in clauses.all():
        expect(clause).to_contain_text(re.compile(r"依据 《.+》"))
        assert clause.locator("q").inner_text().strip()
    assert agent.errors == []


def test_an_unknown_case_number_is_not_found(agent: Agent) -> None:
    agent.open_signed_in()
    agent.page.locator("#case-number").fill("WQ-2026-999999")
    agent.page.locator("#case-form").get_by_role("button", name="查询").click()
    result = agent.page.locator("#case-result")
    expect(result).to_have_text("没有这个编号的案件，请核对编号。")
    text = result.inner_text()
    assert "Traceback" not in text and "Error" not in text
    expect(agent.page.locator("#unmask-form")).to_be_hidden()
    assert agent.errors == []


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


def test_search_api_takes_a_bearer_key(console: str) -> None:
    url = console + "/api/v1/search?" + urllib.parse.urlencode({"q": "专利侵权", "k": "3"})
    status, headers, body = _get(url, {"Authorization": f"Bearer {API_KEY}"})
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Cache-Control"] == "no-store"
    assert 1 <= len(body["results"]) <= 3
    assert all("《" in result["answer"] for result in body["results"])

    status, headers, body = _get(url, {})
    assert status == 401
    assert body["error"] == "unauthorized"
    assert headers["WWW-Authenticate"].startswith("Bearer")
    status, _, _ = _get(url, {"Authorization": "Bearer " + "x" * 48})
    assert status == 401


def test_screenshot_of_a_working_console(agent: Agent) -> None:
    agent.open_signed_in()
    agent.type_search("专利被侵权可以申请资金援助吗")
    agent.wait_search()
    expect(agent.results.first).to_be_visible()
    for choice in agent.page.locator("#eligibility-fields select").all():
        choice.select_option(index=1)
    agent.page.locator("#eligibility-form").get_by_role("button", name="查询").click()
    expect(agent.page.locator("#eligibility-result .outcomes")).to_be_visible()
    assert agent.page.evaluate("document.documentElement.scrollWidth") <= 1280
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    agent.page.screenshot(path=str(ARTIFACTS / "console.png"), full_page=True)
    assert agent.errors == []


def case_events(stack: Stack, number: str) -> list[Any]:
    """The case's history as the case store itself holds it."""
    settings = CaseSettings(
        database_url=stack.env["CASE_SERVER_DATABASE_URL"],
        encryption_keys=stack.env["CASE_SERVER_ENCRYPTION_KEY"],
    )
    store = SqlCaseBackend.open(settings)
    try:
        return list(store.events(number))
    finally:
        store.engine.dispose()


def test_a_new_application_is_masked_until_unmasked_with_a_reason(
    agent: Agent, stack: Stack
) -> None:
    applicant = Conversation(stack)
    answer = answers("网店盗用我们注册的商标卖同款货，想请中心帮忙维权")
    fill_form(applicant, answer)
    [number] = CASE_NUMBER.findall(text_of(applicant.send("确认")))
    phone = "".join(answer["contact_phone"].split())

    agent.open_signed_in()
    page = agent.page
    page.locator("#case-number").fill(number.lower())  # typed carelessly
    page.locator("#case-form").get_by_role("button", name="查询").click()
    result = page.locator("#case-result")
    expect(result.locator(".masked-note")).to_be_visible()
    expect(result).to_contain_text(number)
    expect(result).to_contain_text(f"{phone[:3]}****{phone[-4:]}")
    expect(result).to_contain_text("张**")
    assert phone not in result.inner_text() and "张晓梅" not in result.inner_text()

    unmask = page.locator("#unmask-form")
    expect(unmask).to_be_visible()
    unmask.get_by_role("button", name="查看完整信息").click()  # no reason: nothing shown
    expect(page.locator("#toast")).to_contain_text("请先填写查看完整信息的理由")
    expect(page.locator("#unmask-reason")).to_be_focused()
    expect(result.locator(".masked-note")).to_be_visible()

    reason = "申请人来电要求更正联系电话"
    page.locator("#unmask-reason").fill(reason)
    unmask.get_by_role("button", name="查看完整信息").click()
    expect(result.locator(".unmasked-note")).to_be_visible()
    expect(result).to_contain_text(phone)
    expect(result).to_contain_text("张晓梅")
    expect(result.locator(".events")).to_contain_text("查看完整信息")
    expect(result.locator(".events")).to_contain_text(AGENT)
    expect(unmask).to_be_hidden()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "case-unmasked.png"), full_page=True)

    audited = [e for e in case_events(stack, number) if e.kind == "unmasked"]
    assert [(e.actor, e.detail.get("reason")) for e in audited] == [(AGENT, reason)]
    assert agent.errors == []


def test_a_question_the_bot_could_not_answer_reaches_the_curators_list(
    agent: Agent, stack: Stack
) -> None:
    # Questions about intellectual property that no policy document answers.
    asked_here = ["发明专利从申请到授权一般要审查多长时间？", "外观设计专利的年费每年要交多少钱？"]
    person = Conversation(stack)
    refused = []
    for question in asked_here:
        messages = person.send(question)
        if any((m.get("custom") or {}).get("type") == "no_answer" for m in messages):
            refused.append(question)
        person.send("不用了")
    assert refused, "the bot answered every question: pick questions the corpus cannot answer"

    agent.open_signed_in()
    unanswered = agent.page.locator("#unanswered > li")
    agent.page.locator("#unresolved-refresh").click()
    for question in refused:
        expect(unanswered.filter(has_text=question)).to_have_count(1)
    assert agent.errors == []


def test_an_idle_session_is_sent_back_to_sign_in(agent: Agent, stack: Stack) -> None:
    agent.open_signed_in()
    # Half an hour passes without a request: move the session's clock, not the test's.
    with sqlite3.connect(console_db(stack)) as db:
        db.execute("UPDATE sessions SET last_seen_at = last_seen_at - 31 * 60")
    agent.type_search("专利侵权")
    expect(agent.page).to_have_url(agent.gateway + "/console/login?expired=1")
    expect(agent.page.locator("#notice")).to_have_text("登录已过期，请重新登录。")
    agent.page.goto(agent.gateway + "/console")  # the old cookie no longer opens it
    expect(agent.page).to_have_url(re.compile(r"/console/login$"))
    agent.sign_in()
    expect(agent.page).to_have_url(agent.gateway + "/console")
    assert agent.errors == []
