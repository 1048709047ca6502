"""The web widget in a real browser — Debian's Chromium, headless — against the running assistant.

Two pages carry the widget: the gateway's own demo page (same origin, strict
CSP) and a stand-in for a centre's website on another origin, with no CSP
and hostile CSS, which is where escaping and style isolation really show.
Screenshots go to artifacts/widget/.

Chromium comes from Debian (scripts/ensure-chromium installs it when
missing); Playwright's own browser download cannot work on these machines.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from connectors.widget.feedback import FeedbackStore, Rating
from tests.e2e.applicant import CASE_NUMBER, answers, asked
from tests.e2e.processes import ROOT, Stack

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "artifacts" / "widget"
REPLY_TIMEOUT_MS = 90_000  # a first policy question warms the search; Rasa on two cores
HOSTILE = "<img src=x onerror=\"window.__xss='widget'\">"

SITE_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>某市知识产权维权援助中心</title>
<style>
  /* A site's CSS that would wreck any widget not isolated from it. */
  * { color: #f0f !important; font-family: serif !important; }
  button { display: none !important; }
  div, section { background: #ff0 !important; border: 5px dashed red !important; }
</style></head>
<body><h1>某市知识产权维权援助中心</h1><p>欢迎访问。</p>
<script src="{gateway}/widget.js" async data-title="维权援助在线咨询"
        data-color="#b3261e" data-position="left"></script>
</body></html>
"""


@dataclass
class WidgetStack:
    """The running assistant, a centre's site on another origin, and where ratings land."""

    gateway: str
    site: str
    feedback: FeedbackStore


def _site_server(gateway: str) -> ThreadingHTTPServer:
    page = SITE_PAGE.replace("{gateway}", gateway).encode()

    class Site(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows failures
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Site)


@pytest.fixture(scope="module")
def widget_stack(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetStack]:
    """The gateway restarted to let the centre's site embed the widget; restored afterwards."""
    server = _site_server(stack.gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://localhost:{server.server_address[1]}"  # another host: cross-origin
    feedback_db = tmp_path_factory.mktemp("widget") / "feedback.db"
    changes = {"WIDGET_ALLOWED_ORIGINS": site, "FEEDBACK_DB_PATH": str(feedback_db)}
    try:
        with stack.gateway_with(changes) as url:
            yield WidgetStack(url, site, FeedbackStore(feedback_db))
    finally:
        server.shutdown()


@dataclass
class Widget:
    """A page with the widget, driven the way a person would."""

    page: Page
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        # Playwright's CSS locators go through open shadow roots.
        self.launcher = self.page.locator("[data-role=launcher]")
        self.input = self.page.locator("[data-role=input]")
        self.send_button = self.page.locator("[data-role=send]")
        self.bot = self.page.locator("[data-role=bot-message]")
        self.user = self.page.locator(".msg.user")
        self.panel = self.page.get_by_role("dialog")

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.input).to_be_focused()

    def wait_reply(self, before: int) -> None:
        expect(self.bot.nth(before)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        expect(self.send_button).to_be_enabled()

    def ask(self, text: str) -> None:
        before = self.bot.count()
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_reply(before)

    def tap(self, title: str) -> None:
        """Press the live quick-reply button with exactly this title."""
        before = self.bot.count()
        chips = self.page.locator(".chip:not([disabled])")
        chips.filter(has_text=re.compile(f"^{re.escape(title)}$")).click()
        self.wait_reply(before)

    def stored(self) -> dict[str, Any]:
        raw = self.page.evaluate("() => Object.values(sessionStorage)")
        assert len(raw) == 1
        return dict(json.loads(raw[0]))

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def desktop(browser: Browser, widget_stack: WidgetStack) -> Iterator[Widget]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    yield Widget(context.new_page())
    context.close()


def test_policy_answer_on_a_centre_site_cites_and_opens_the_passage(
    desktop: Widget, widget_stack: WidgetStack
) -> None:
    desktop.page.goto(widget_stack.site)
    launcher_box = desktop.launcher.bounding_box()
    assert launcher_box is not None and launcher_box["x"] < 640  # data-position="left"
    desktop.open()  # visible although the site hides every button: the shadow root holds
    expect(desktop.launcher).to_have_css("background-color", "rgb(179, 38, 30)")  # data-color
    desktop.ask("电商平台上的专利侵权怎么处理")
    cite = desktop.page.locator(".cite").first
    expect(cite).to_be_visible()
    expect(cite).to_contain_text(re.compile(r"《.+》.+号 \S+"))
    passage = desktop.page.locator(".passage").first
    expect(passage).to_be_hidden()
    cite.click()
    expect(passage).to_be_visible()
    expect(cite).to_have_attribute("aria-expanded", "true")
    assert len(passage.inner_text().strip()) > 20
    desktop.shot("desktop-citation.png")

    desktop.page.get_by_role("button", name="有帮助").last.click()
    expect(desktop.page.get_by_text("谢谢反馈").last).to_be_visible()
    expect(desktop.page.get_by_role("button", name="有帮助").last).to_be_disabled()
    entries = widget_stack.feedback.recent(5)
    for _ in range(20):  # the POST runs after the click returns
        if entries:
            break
        desktop.page.wait_for_timeout(250)
        entries = widget_stack.feedback.recent(5)
    assert [(e.rating, e.question) for e in entries] == [
        (Rating.UP, "电商平台上的专利侵权怎么处理")
    ]
    assert desktop.errors == []  # no CORS refusal, no script error


def test_eligibility_check_with_buttons_ends_in_a_result_card(
    desktop: Widget, widget_stack: WidgetStack
) -> None:
    desktop.page.goto(widget_stack.gateway + "/")
    desktop.open()
    desktop.ask("援助资格自测")
    for title in ["被别人侵权", "专利", "个人", "是", "是，有困难"]:
        desktop.tap(title)
        expect(desktop.user.last).to_have_text(title)  # the title is shown, not the payload
    card = desktop.page.get_by_role("group", name="援助资格自测结果")
    expect(card).to_be_visible()
    expect(card).to_contain_text("符合资金援助条件")
    expect(card).to_contain_text("由本中心受理")
    expect(card).to_contain_text("可以申请")
    basis = card.locator(".cite").first
    expect(basis).to_contain_text("枣市监中心字〔2020〕42号")
    basis.click()
    expect(card.locator(".passage").first).to_contain_text("“")
    assert "/inform" not in desktop.page.locator("[role=log]").inner_text()
    # Buttons of earlier questions no longer act; only the last answer's do.
    expect(desktop.page.locator(".chip:not([disabled])")).to_have_count(2)
    card.scroll_into_view_if_needed()
    desktop.shot("desktop-eligibility.png")
    assert desktop.errors == []  # the strict CSP blocked nothing the widget needs


def test_a_reload_keeps_the_conversation(desktop: Widget, widget_stack: WidgetStack) -> None:
    desktop.page.goto(widget_stack.gateway + "/")
    desktop.open()
    desktop.ask("你好")
    session_id = desktop.stored()["sessionId"]
    shown = desktop.page.locator("[role=log]").inner_text()
    desktop.page.reload()
    expect(desktop.panel).to_be_visible()  # it was open: it stays open
    expect(desktop.user).to_have_text(["你好"])
    assert desktop.page.locator("[role=log]").inner_text() == shown
    desktop.ask("谢谢")
    assert desktop.stored()["sessionId"] == session_id  # the same conversation goes on
    expect(desktop.bot.last).to_contain_text("不客气")


def test_markup_stays_text_in_input_and_in_replies(
    desktop: Widget, widget_stack: WidgetStack
) -> None:
    page = desktop.page
    page.goto(widget_stack.site)  # no CSP here: only the widget's own care keeps it inert
    desktop.open()
    typed = HOSTILE + "<script>window.__xss='script'</script>"
    desktop.ask(typed)
    expect(desktop.user.last).to_have_text(typed)
    expect(page.get_by_text(typed, exact=True)).to_be_visible()

    # Replies are text too, in every place a reply can put words.
    session_id = desktop.stored()["sessionId"]
    reply = {
        "session_id": session_id,
        "messages": [
            {
                "text": HOSTILE,
                "buttons": [{"title": HOSTILE, "payload": "/deny"}],
                "citations": [{"title": HOSTILE, "doc_number": "<b>1</b>", "text": HOSTILE}],
            },
            {
                "text": "您的情况：" + HOSTILE,
                "custom": {
                    "type": "eligibility_result",
                    "result": {
                        "financial_assistance": HOSTILE,
                        "referral": HOSTILE,
                        "basis": [{"title": HOSTILE, "quote": HOSTILE, "explain": HOSTILE}],
                    },
                },
            },
            {"text": "转人工", "custom": {"type": "handoff", "hotline": "javascript:alert(1)"}},
        ],
    }

    def hostile_reply(route: Route) -> None:
        route.fulfill(
            status=200,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": widget_stack.site},
            body=json.dumps(reply),
        )

    page.route(widget_stack.gateway + "/api/v1/chat", hostile_reply)
    desktop.ask("再问一次")
    for cite in page.locator(".cite").all():
        cite.click()
    expect(page.get_by_text(HOSTILE, exact=True).first).to_be_visible()
    assert page.locator("img").count() == 0
    assert page.evaluate("window.__xss") is None
    assert desktop.dialogs == []
    hrefs = [a.get_attribute("href") for a in page.locator("a").all()]
    assert hrefs == ["tel:1"]  # digits only: no javascript: URL


def test_on_a_phone_the_panel_fills_the_screen(browser: Browser, widget_stack: WidgetStack) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 667},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    try:
        phone = Widget(context.new_page())
        phone.page.goto(widget_stack.gateway + "/")
        phone.launcher.tap()
        expect(phone.panel).to_be_visible()
        assert phone.panel.bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 667}
        expect(phone.launcher).to_be_hidden()  # the panel covers it; its close button is there
        for part in (phone.input, phone.send_button):
            box = part.bounding_box()
            assert box is not None
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375
            assert box["y"] + box["height"] <= 667
        before = phone.bot.count()
        phone.page.get_by_role("button", name="转人工服务").tap()
        phone.wait_reply(before)
        expect(phone.user.last).to_have_text("转人工")
        expect(phone.bot.last).to_contain_text("12345")
        expect(phone.page.locator("a.call")).to_have_attribute("href", "tel:12345")
        assert phone.page.evaluate("document.documentElement.scrollWidth") <= 375
        phone.shot("phone.png")
        phone.page.get_by_role("button", name="关闭").tap()
        expect(phone.panel).to_be_hidden()
        expect(phone.launcher).to_be_visible()
        assert phone.errors == []
    finally:
        context.close()


def test_keyboard_only(desktop: Widget, widget_stack: WidgetStack) -> None:
    page = desktop.page
    page.goto(widget_stack.gateway + "/")
    desktop.launcher.focus()
    page.keyboard.press("Enter")
    expect(desktop.panel).to_be_visible()
    expect(desktop.input).to_be_focused()
    expect(desktop.launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator("[role=log]")).to_have_attribute("aria-live", "polite")
    assert desktop.panel.get_attribute("aria-labelledby")
    page.keyboard.type("第一行")
    page.keyboard.press("Shift+Enter")  # a line break, not a send
    page.keyboard.type("第二行")
    expect(desktop.input).to_have_value("第一行\n第二行")
    before = desktop.bot.count()
    page.keyboard.press("Enter")
    desktop.wait_reply(before)
    expect(desktop.user.last).to_have_text("第一行\n第二行")
    expect(desktop.input).to_have_value("")
    expect(desktop.input).to_be_focused()
    page.keyboard.press("Escape")
    expect(desktop.panel).to_be_hidden()
    expect(desktop.launcher).to_be_focused()
    expect(desktop.launcher).to_have_attribute("aria-expanded", "false")


def _asked(widget: Widget) -> str | None:
    """The slot of the form question the widget last showed (its stored copy keeps `custom`)."""
    entries = widget.stored()["entries"]
    return asked(entries[-1]["messages"]) if entries and entries[-1]["type"] == "bot" else None


def test_an_application_leaves_no_personal_data_in_the_host_pages_storage(
    desktop: Widget, widget_stack: WidgetStack
) -> None:
    answer = answers("网店卖仿冒我们注册商标的鲁南牌五金工具，链接一直没下架，损失不小。")
    answer["contact_phone"] = "139.0532." + answer["contact_phone"][-4:]  # a format people type
    phone_digits = re.sub(r"\D", "", answer["contact_phone"])
    page = desktop.page
    page.goto(widget_stack.gateway + "/")
    desktop.open()
    desktop.ask("我想申请知识产权维权援助")
    for _ in range(15):
        slot = _asked(desktop)
        assert slot is not None, desktop.bot.last.inner_text()
        if slot == "case_confirmed":
            break
        desktop.ask(answer[slot])
    assert _asked(desktop) == "case_confirmed"
    log = page.locator("[role=log]")
    expect(log).to_contain_text(answer["contact_name"])  # the page itself shows it, until reload
    shown_before = desktop.user.count()

    personal = [
        answer["contact_name"],
        answer["contact_phone"],
        phone_digits,
        answer["ip_number"],
        "12345678",
        answer["case_description"][:12],
    ]
    everything = page.evaluate(
        "() => JSON.stringify(Object.entries(sessionStorage)) + JSON.stringify(Object.entries(localStorage))"
    )
    for value in personal:
        assert value not in everything, value

    page.reload()
    expect(desktop.panel).to_be_visible()
    expect(desktop.user).to_have_count(shown_before)  # the conversation is still there
    expect(log).to_contain_text("已填写。为保护个人信息")
    expect(log).to_contain_text("申请信息摘要含个人信息")
    for value in personal:
        assert value not in log.inner_text(), value
    desktop.tap("确认提交")  # and it goes on from where it was
    expect(desktop.bot.last).to_contain_text(CASE_NUMBER)
    everything = page.evaluate("() => JSON.stringify(Object.entries(sessionStorage))")
    for value in personal:
        assert value not in everything, value
    assert desktop.errors == []


def test_deleting_my_information_clears_the_conversation_on_the_page_too(
    desktop: Widget, widget_stack: WidgetStack, stack: Stack
) -> None:
    desktop.page.goto(widget_stack.site)
    desktop.open()
    desktop.ask("我们的外观设计专利被别人仿了，能申请援助吗？")
    session = desktop.stored()["sessionId"]
    sender = "web:" + session.split(".")[0]
    desktop.input.fill("删除我的信息")
    desktop.input.press("Enter")
    expect(desktop.bot.last).to_contain_text(
        "已删除您在本次对话中的全部记录", timeout=REPLY_TIMEOUT_MS
    )
    expect(desktop.page.locator(".rate")).to_have_count(0)  # a confirmation, not an answer to rate
    desktop.shot("erased.png")
    stored = desktop.stored()
    assert "外观设计" not in json.dumps(stored, ensure_ascii=False)
    assert [entry["type"] for entry in stored["entries"]] == ["bot"]
    expect(desktop.user).to_have_count(0)  # nothing of what was typed is shown any more
    desktop.page.reload()
    expect(desktop.panel).to_be_visible()  # it was open: it stays open
    expect(desktop.bot.last).to_contain_text("已删除您在本次对话中的全部记录")
    expect(desktop.user).to_have_count(0)
    # And Rasa has nothing of it either.
    url = f"{stack.rasa}/conversations/{sender}/tracker?token=e2e-token"
    with urllib.request.urlopen(url, timeout=30) as response:
        tracker = json.load(response)
    assert "外观设计" not in json.dumps(tracker, ensure_ascii=False)
