"""Submitting a confirmed application: one case per confirmation, an honest answer
when the case system is away, the real number with the next message, nothing
personal kept in the conversation, and no exception out of the action.

The case services are opened from an environment exactly as the action server
opens them (CaseSettings.from_env → CaseServices.open), over a fresh SQLite
store; the case system "behind HTTP" is the reference server on loopback, made
to fail with its fault plan, or a port nobody listens on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor

from actions import case_text
from actions.case_form import FORM_STATE_SLOTS, NO_NUMBER, PERSONAL_SLOTS, idempotency_key
from actions.case_submission import (
    ActionCancelCase,
    ActionCaseNews,
    ActionSubmitCase,
    CaseNews,
    WithCaseNews,
)
from actions.handoff import ActionHandoff
from actions.safety import SORRY
from cases import outbox as outbox_module
from cases.crypto import new_key
from cases.factory import CaseServices
from cases.model import CaseStatus
from cases.outbox import OutboxState
from cases.server.app import make_app
from cases.server.faults import FaultPlan
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from knowledge.deployment import Deployment
from tests.actions.conftest import DOMAIN, act, slots_set, tracker
from tests.cases import factories
from tests.cases.factories import application

PHONE = "13912345678"
NAME = "王秀英"
DESCRIPTION = "有人在淘宝上卖仿冒我外观设计专利的产品，上个月发现的。"
SENDER = "wx-o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
TOKEN = "test-token-0123456789"

OpenCases = Callable[..., CaseServices]


def confirmed(sender: str = SENDER, message_id: str = "m-confirm", **slots: Any) -> dict[str, Any]:
    """The slots as the case form leaves them when the person confirmed."""
    return {
        "case_consent": True,
        "consent_at": "2026-11-20T09:30:00+00:00",
        "applicant_type": "individual",
        "ip_type": "patent",
        "contact_name": NAME,
        "contact_phone": PHONE,
        "ip_number": NO_NUMBER,
        "case_description": DESCRIPTION,
        "issue_type": "ecommerce",
        "case_confirmed": True,
        "case_key": idempotency_key(sender, message_id),
        "case_attempts": 0,
        "requested_slot": None,
    } | slots


def confirmation(sender: str = SENDER, message_id: str = "m-confirm", **slots: Any) -> Tracker:
    """The tracker action_submit_case sees right after the form ended."""
    return tracker(
        "确认提交",
        "affirm",
        confirmed(sender, message_id, **slots),
        sender=sender,
        message_id=message_id,
        metadata={"channel": "wechat"},
    )


def kinds(messages: list[dict[str, Any]]) -> list[str | None]:
    return [(m.get("custom") or {}).get("type") for m in messages]


def assert_forgotten(events: list[dict[str, Any]]) -> None:
    """Nothing the person typed for the application stays in the conversation."""
    slots = slots_set(events)
    for slot in (*PERSONAL_SLOTS, *FORM_STATE_SLOTS):
        assert slot in slots and slots[slot] is None, slot


def store_of(cases: CaseServices) -> SqlCaseBackend:
    backend = cases.desk.backend
    assert isinstance(backend, SqlCaseBackend)
    return backend


# -- the case system answers ------------------------------------------------------------


async def test_a_confirmed_application_gets_its_case_number(
    open_cases: OpenCases, case_env: dict[str, str], deployment: Deployment
) -> None:
    cases = open_cases(case_env)
    events, messages = await act(ActionSubmitCase(cases.desk, deployment), confirmation())
    [message] = messages
    number = message["custom"]["case_number"]
    assert re.fullmatch(r"WQ-\d{4}-\d{6}", number)
    assert message["text"] == case_text.submitted(number, deployment)
    assert f"申请已提交，案件编号：{number}" in message["text"]
    assert deployment.cases.service_promise in message["text"]
    assert message["custom"] == {
        "type": "case_created",
        "case_number": number,
        "status": "submitted",
    }
    assert_forgotten(events)
    slots = slots_set(events)
    assert slots["case_number"] == number
    assert slots["case_reference"] is None and slots["case_queued"] is False
    record = await cases.desk.backend.get(number)
    assert record is not None and record.status is CaseStatus.SUBMITTED
    stored = record.application
    assert (stored.contact_name, stored.phone, stored.description) == (NAME, PHONE, DESCRIPTION)
    assert (stored.channel, stored.ip_type, stored.ip_number) == ("wechat", "patent", None)
    assert store_of(cases).count() == 1
    # The outbox keeps the number, not the application: personal data is stored once.
    entry = cases.desk.outbox.get(idempotency_key(SENDER, "m-confirm"))
    assert entry is not None and entry.state is OutboxState.DELIVERED and entry.announced
    assert cases.desk.outbox.application(entry.key) is None


async def test_an_organisation_is_recorded_with_its_code_and_an_individual_without(
    open_cases: OpenCases, case_env: dict[str, str], deployment: Deployment
) -> None:
    cases = open_cases(case_env)
    action = ActionSubmitCase(cases.desk, deployment)
    code = "91370400MA3C8B9X2J"
    _, [made] = await act(
        action,
        confirmation(
            message_id="m-1",
            applicant_type="micro_small_enterprise",
            organization_name="鲁南精工",
            credit_code=code,
        ),
    )
    record = await cases.desk.backend.get(made["custom"]["case_number"])
    assert record is not None and record.application.credit_code == code
    # Changed to an individual after typing the company: the company is not sent.
    _, [person] = await act(
        action,
        confirmation("another-conversation", "m-2", organization_name="鲁南精工", credit_code=code),
    )
    record = await cases.desk.backend.get(person["custom"]["case_number"])
    assert record is not None
    assert (record.application.organization_name, record.application.credit_code) == (None, None)


async def test_the_same_confirmation_twice_makes_one_case(
    open_cases: OpenCases, case_env: dict[str, str], deployment: Deployment
) -> None:
    cases = open_cases(case_env)
    action = ActionSubmitCase(cases.desk, deployment)
    _, [first] = await act(action, confirmation(message_id="m-7"))
    _, [again] = await act(action, confirmation(message_id="m-7"))  # Rasa re-running it
    _, [resent] = await act(action, confirmation(message_id="m-8"))  # 确认 sent once more
    numbers = {m["custom"]["case_number"] for m in (first, again, resent)}
    assert len(numbers) == 1
    assert again["text"] == first["text"] == resent["text"]
    assert store_of(cases).count() == 1


@pytest.mark.parametrize(
    ("slots", "said"),
    [
        ({"case_consent": False, "case_confirmed": None, "case_key": None}, case_text.NO_CONSENT),
        ({"case_stopped": True, "case_confirmed": None, "case_key": None}, case_text.STOPPED),
    ],
)
async def test_no_consent_or_stopped_records_nothing(
    open_cases: OpenCases,
    case_env: dict[str, str],
    deployment: Deployment,
    slots: dict[str, Any],
    said: str,
) -> None:
    cases = open_cases(case_env)
    events, messages = await act(ActionSubmitCase(cases.desk, deployment), confirmation(**slots))
    assert [m["text"] for m in messages] == [said]
    assert_forgotten(events)
    assert store_of(cases).count() == 0
    assert cases.desk.outbox.pending_count() == 0
    assert not await cases.desk.waiting_for(SENDER)


async def test_an_incomplete_application_is_refused_and_not_recorded(
    open_cases: OpenCases, case_env: dict[str, str], deployment: Deployment
) -> None:
    cases = open_cases(case_env)
    events, [message] = await act(
        ActionSubmitCase(cases.desk, deployment), confirmation(contact_phone="12345")
    )
    assert message["text"] == case_text.rejected(deployment)
    assert deployment.hotline.number in message["text"]
    assert_forgotten(events)
    assert store_of(cases).count() == 0 and cases.desk.outbox.pending_count() == 0


# -- the case system is away ---------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_case_system_that_is_down_queues_the_application(
    open_cases: OpenCases,
    case_env: dict[str, str],
    deployment: Deployment,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cases = open_cases(
        case_env
        | {
            "CASE_BACKEND": "http",
            "CASE_API_URL": f"http://127.0.0.1:{closed_port()}",
            "CASE_API_TOKEN": TOKEN,
            "CASE_SUBMIT_BUDGET": "0.4",
            "CASE_API_CONNECT_TIMEOUT": "0.2",
        }
    )
    started = time.monotonic()
    with caplog.at_level(logging.INFO):
        events, [message] = await act(ActionSubmitCase(cases.desk, deployment), confirmation())
    assert time.monotonic() - started < 2.0  # the person is not kept waiting
    reference = message["custom"]["reference"]
    assert re.fullmatch(r"LS-\d{8}-[A-Z2-9]{6}", reference)
    assert message["custom"]["type"] == "case_queued"
    assert message["text"] == case_text.queued(reference, deployment)
    assert "安全保存，不会丢失" in message["text"] and "不用重复提交" in message["text"]
    assert "案件编号：" not in message["text"] and "WQ-" not in message["text"]  # none yet
    assert deployment.hotline.number in message["text"]
    assert_forgotten(events)
    slots = slots_set(events)
    assert slots["case_reference"] == reference and slots["case_queued"] is True
    assert "case_number" not in slots
    # The outbox holds it, encrypted, ready for the relay.
    key = idempotency_key(SENDER, "m-confirm")
    entry = cases.desk.outbox.get(key)
    assert entry is not None and entry.state is OutboxState.PENDING and entry.attempts == 1
    held = cases.desk.outbox.application(key)
    assert held is not None and (held.phone, held.description) == (PHONE, DESCRIPTION)
    assert PHONE.encode() not in Path(case_env["CASE_OUTBOX_PATH"]).read_bytes()
    assert PHONE not in caplog.text and NAME not in caplog.text
    # Asked again while still down: the same reference, still one entry.
    _, [again] = await act(ActionSubmitCase(cases.desk, deployment), confirmation())
    assert again["custom"]["reference"] == reference
    assert cases.desk.outbox.pending_count() == 1


@dataclass
class Server:
    url: str
    plan: FaultPlan
    store: SqlCaseBackend


@pytest.fixture
async def case_server(tmp_path: Path) -> AsyncIterator[Server]:
    """The reference case system on loopback, over its own SQLite store, with faults."""
    store = SqlCaseBackend.open(
        CaseSettings(
            database_url=f"sqlite:///{tmp_path / 'server.db'}",
            encryption_keys=new_key(),
            outbox_path=tmp_path / "unused-outbox.db",
        )
    )
    plan = FaultPlan()
    runner = web.AppRunner(make_app(store, TOKEN, plan), shutdown_timeout=0.2)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield Server(f"http://127.0.0.1:{runner.addresses[0][1]}", plan, store)
    finally:
        await runner.cleanup()
        await store.close()


@pytest.fixture
def over_http(case_env: dict[str, str], case_server: Server) -> dict[str, str]:
    return case_env | {
        "CASE_BACKEND": "http",
        "CASE_API_URL": case_server.url,
        "CASE_API_TOKEN": TOKEN,
        "CASE_SUBMIT_BUDGET": "0.5",
    }


@pytest.fixture
def retry_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The relay may retry a failed entry at once instead of after 15 s."""
    monkeypatch.setattr(outbox_module, "FIRST_RETRY", timedelta(0))


async def test_three_503s_then_created_is_one_case_and_its_number_is_told(
    open_cases: OpenCases, over_http: dict[str, str], case_server: Server, deployment: Deployment
) -> None:
    cases = open_cases(over_http | {"CASE_SUBMIT_BUDGET": "8"})
    case_server.plan.configure({"fail_next": 3, "fail_status": 503})
    events, [message] = await act(ActionSubmitCase(cases.desk, deployment), confirmation())
    [record] = case_server.store.list_cases()
    assert case_server.plan.to_json()["creates_seen"] == 4  # three refused, one stored
    assert message["custom"]["case_number"] == record.case_number
    assert record.case_number in message["text"]
    assert slots_set(events)["case_number"] == record.case_number


@pytest.mark.usefixtures("retry_at_once")
async def test_when_the_case_system_returns_the_next_message_tells_the_number_once(
    open_cases: OpenCases, over_http: dict[str, str], case_server: Server, deployment: Deployment
) -> None:
    cases = open_cases(over_http)
    case_server.plan.configure({"fail_next": 1000})  # every create answered 503
    _, [queued] = await act(ActionSubmitCase(cases.desk, deployment), confirmation())
    reference = queued["custom"]["reference"]
    assert case_server.store.count() == 0
    assert await cases.desk.relay_once() == 0  # still down: still waiting
    case_server.plan.clear()
    assert await cases.desk.relay_once() == 1
    assert await cases.desk.relay_once() == 0  # nothing left to deliver
    assert case_server.store.count() == 1
    [record] = case_server.store.list_cases()
    assert record.application.phone == PHONE

    # The person's next message, whatever it is, is preceded by the number.
    news = CaseNews(cases.desk, deployment)
    answer = WithCaseNews(ActionHandoff(deployment), news)
    later = tracker(
        "转人工",
        "ask_human",
        {"case_queued": True, "case_reference": reference},
        sender=SENDER,
    )
    events, messages = await act(answer, later)
    assert kinds(messages) == ["case_created", "handoff"]
    told = messages[0]
    assert told["text"] == case_text.delivered_later(reference, record.case_number, deployment)
    assert f"临时编号 {reference}" in told["text"] and record.case_number in told["text"]
    assert told["custom"]["reference"] == reference
    slots = slots_set(events)
    assert slots["case_number"] == record.case_number
    assert slots["case_reference"] is None and slots["case_queued"] is False
    # Told once: the next message is answered plainly.
    _, messages = await act(answer, later)
    assert kinds(messages) == ["handoff"]
    assert not await cases.desk.waiting_for(SENDER)


@pytest.mark.usefixtures("retry_at_once")
async def test_a_queued_application_the_case_system_refuses_later_is_not_left_unsaid(
    open_cases: OpenCases, over_http: dict[str, str], case_server: Server, deployment: Deployment
) -> None:
    cases = open_cases(over_http)
    case_server.plan.configure({"fail_next": 1000})
    confirmed = confirmation()
    _, [queued] = await act(ActionSubmitCase(cases.desk, deployment), confirmed)
    reference = queued["custom"]["reference"]
    # Meanwhile the case system recorded something else under the same key,
    # so the relay's create is answered 422 and the entry is settled.
    case_server.store.create_now(
        factories.application(description="另一份申请"), str(confirmed.get_slot("case_key"))
    )
    case_server.plan.clear()
    assert await cases.desk.relay_once() == 0
    assert not cases.desk.outbox.due()
    news = ActionCaseNews(CaseNews(cases.desk, deployment))
    events, [message] = await act(
        news, tracker("你好", "greet", {"case_queued": True}, sender=SENDER)
    )
    assert message["custom"] == {"type": "case_not_recorded", "reference": reference}
    assert reference in message["text"] and "未能登记" in message["text"]
    assert slots_set(events)["case_queued"] is False
    _, again = await act(news, tracker("谢谢", "thank", {"case_queued": False}, sender=SENDER))
    assert again == []  # said once
    assert case_server.store.count() == 1


@pytest.mark.usefixtures("retry_at_once")
async def test_a_record_made_while_the_bot_gave_up_waiting_is_not_made_twice(
    open_cases: OpenCases, over_http: dict[str, str], case_server: Server, deployment: Deployment
) -> None:
    cases = open_cases(over_http)
    # The case system stores the case but answers only after the budget is spent.
    case_server.plan.configure({"delay_after_commit": 1.5})
    _, [queued] = await act(ActionSubmitCase(cases.desk, deployment), confirmation())
    assert queued["custom"]["type"] == "case_queued"
    assert case_server.store.count() == 1  # stored, though the bot could not know
    assert await cases.desk.relay_once() == 1  # same key: the server replays its record
    assert case_server.store.count() == 1
    # action_case_news, before the small-talk answer, tells it and settles the slot.
    events, [told] = await act(
        ActionCaseNews(CaseNews(cases.desk, deployment)),
        tracker("谢谢", "thank", {"case_queued": True}, sender=SENDER),
    )
    [record] = case_server.store.list_cases()
    assert told["custom"]["case_number"] == record.case_number
    assert slots_set(events)["case_queued"] is False
    _, silent = await act(
        ActionCaseNews(CaseNews(cases.desk, deployment)),
        tracker("谢谢", "thank", {"case_queued": True}, sender=SENDER),
    )
    assert silent == []


async def test_news_is_only_for_its_own_conversation(
    open_cases: OpenCases, case_env: dict[str, str], deployment: Deployment
) -> None:
    cases = open_cases(case_env)
    await act(ActionSubmitCase(cases.desk, deployment), confirmation())
    events, messages = await act(
        ActionCaseNews(CaseNews(cases.desk, deployment)),
        tracker("你好", "greet", sender="someone-else"),
    )
    assert messages == [] and events == []


class DeskWithoutOutbox:
    """A desk whose outbox cannot be read."""

    async def news_for(self, sender: str) -> list[Any]:
        raise OSError(f"database is locked for {sender}")


async def test_news_that_cannot_be_read_does_not_spoil_the_answer(
    deployment: Deployment, caplog: pytest.LogCaptureFixture
) -> None:
    news = CaseNews(DeskWithoutOutbox(), deployment)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR):
        events, messages = await act(
            WithCaseNews(ActionHandoff(deployment), news),
            tracker("转人工", "ask_human", {"case_queued": True}, sender=SENDER),
        )
    assert kinds(messages) == ["handoff"]
    assert slots_set(events) == {"pending_offer": None}  # case_queued left as it was
    assert "OSError" in caplog.text and SENDER not in caplog.text


# -- a key that does not fit -------------------------------------------------------------------


async def test_a_key_reused_for_a_changed_application_asks_to_confirm_again(
    open_cases: OpenCases, case_env: dict[str, str], deployment: Deployment
) -> None:
    cases = open_cases(case_env)
    action = ActionSubmitCase(cases.desk, deployment)
    await act(action, confirmation(message_id="m-1"))
    changed = confirmation(message_id="m-1", contact_phone="13900001111")
    events, [message] = await act(action, changed)
    assert message["text"] == case_text.CONFLICT
    assert "还没有提交" in message["text"] and "再核对一次" in message["text"]
    assert slots_set(events) == {"case_confirmed": None, "case_key": None}
    assert {"event": "followup", "name": "case_form"} in [
        {"event": e["event"], "name": e.get("name")} for e in events
    ]
    assert store_of(cases).count() == 1
    # What the person gave is still there to confirm again.
    assert "contact_phone" not in slots_set(events)


async def test_a_key_the_case_system_knows_for_another_application(
    open_cases: OpenCases, case_env: dict[str, str], deployment: Deployment
) -> None:
    cases = open_cases(case_env)
    key = idempotency_key(SENDER, "m-1")
    await cases.desk.backend.create(application(contact_name="李雷"), idempotency_key=key)
    action = ActionSubmitCase(cases.desk, deployment)
    _, [message] = await act(action, confirmation(message_id="m-1"))
    assert message["text"] == case_text.CONFLICT
    entry = cases.desk.outbox.get(key)
    assert entry is not None and entry.state is OutboxState.CONFLICT
    assert cases.desk.outbox.application(key) is None  # nothing kept for a refused entry
    # Confirmed again (a new message, so a new key): now it is recorded.
    _, [made] = await act(action, confirmation(message_id="m-2"))
    assert made["custom"]["type"] == "case_created"
    assert store_of(cases).count() == 2


# -- limits -----------------------------------------------------------------------------------


async def test_a_burst_from_one_conversation_makes_at_most_three_cases(
    open_cases: OpenCases, case_env: dict[str, str], deployment: Deployment
) -> None:
    cases = open_cases(case_env)
    action = ActionSubmitCase(cases.desk, deployment)
    burst = [
        confirmation(
            message_id=f"burst-{n}",
            contact_phone=f"1390000{n:04d}",
            case_description=f"{DESCRIPTION}（第{n}份）",
        )
        for n in range(100)
    ]
    results = await asyncio.gather(*(act(action, state) for state in burst))
    messages = [message for _, answer in results for message in answer]
    assert len(messages) == 100
    assert kinds(messages).count("case_created") == 3
    limited = [m for m in messages if (m.get("custom") or {}).get("reason") == "case_limit"]
    assert len(limited) == 97
    assert {m["text"] for m in limited} == {case_text.limited(3, deployment)}
    assert "一天内最多提交3份申请" in limited[0]["text"]
    assert deployment.hotline.number in limited[0]["text"]
    assert SORRY not in {m["text"] for m in messages}
    assert store_of(cases).count() == 3
    for events, _ in results:
        assert_forgotten(events)


async def test_one_phone_number_is_limited_across_conversations(
    open_cases: OpenCases, case_env: dict[str, str], deployment: Deployment
) -> None:
    cases = open_cases(case_env)
    action = ActionSubmitCase(cases.desk, deployment)
    for n in range(4):
        sender = f"conversation-{n}"
        _, [message] = await act(
            action, confirmation(sender, case_description=f"{DESCRIPTION}（第{n}份）")
        )
        expected = "case_created" if n < 3 else "handoff"
        assert kinds([message]) == [expected]
    assert store_of(cases).count() == 3


# -- failures stay inside -------------------------------------------------------------------------


class BrokenDesk:
    """A desk whose store fails in a way nobody planned for."""

    async def submit(self, application: Any, *, key: str, sender: str) -> Any:
        raise RuntimeError(
            f"disk full while writing {application.phone} {application.contact_name}"
        )


async def test_an_exception_inside_never_leaves_the_action(
    deployment: Deployment, caplog: pytest.LogCaptureFixture
) -> None:
    action = ActionSubmitCase(BrokenDesk(), deployment)  # type: ignore[arg-type]
    with caplog.at_level(logging.DEBUG):
        events, messages = await act(action, confirmation())
    # Nothing was kept, so the person is told so, and what they typed is let go.
    assert_forgotten(events)
    assert [m["text"] for m in messages] == [case_text.not_saved(deployment)]
    assert "没能保存" in messages[0]["text"]
    assert messages[0]["buttons"] == [{"title": "转人工", "payload": "/ask_human"}]
    assert "RuntimeError" in caplog.text
    assert PHONE not in caplog.text and NAME not in caplog.text


async def test_the_action_server_answers_and_does_not_fail_with_the_tracker(
    deployment: Deployment, caplog: pytest.LogCaptureFixture
) -> None:
    # The way Rasa calls it: a JSON request to the executor; an exception here
    # would become an HTTP 500 whose body and log carry the whole tracker.
    executor = ActionExecutor()
    executor.register_action(ActionSubmitCase(BrokenDesk(), deployment))  # type: ignore[arg-type]
    state = confirmation()
    call = {
        "next_action": "action_submit_case",
        "sender_id": SENDER,
        "version": "3.6.21",
        "domain": DOMAIN,
        "tracker": {
            "sender_id": SENDER,
            "slots": state.slots,
            "latest_message": state.latest_message,
            "events": state.events,
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "case_form",
        },
    }
    with caplog.at_level(logging.DEBUG):
        result = await executor.run(call)
    assert result is not None
    assert [r["text"] for r in result.responses] == [case_text.not_saved(deployment)]
    assert PHONE not in json.dumps(result.events, ensure_ascii=False)
    assert PHONE not in caplog.text


# -- leaving the form -------------------------------------------------------------------------------


async def test_leaving_the_form_clears_what_was_typed() -> None:
    events, [message] = await act(
        ActionCancelCase(), tracker("转人工", "ask_human", {"contact_name": NAME})
    )
    assert message["text"] == "申请没有提交，您刚才填写的信息已清除。"
    assert_forgotten(events)
    events, messages = await act(ActionCancelCase(), tracker("再见", "goodbye"))
    assert messages == []  # nothing was typed, nothing to say
    assert_forgotten(events)
