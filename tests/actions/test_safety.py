"""No failure of an action or a form validator becomes an HTTP 500 carrying the tracker.

Each test goes through rasa-sdk's real HTTP app (`create_app`) around the
executor the action server builds (`build_executor`), posts the request Rasa
would post — a tracker holding the person's name, phone and ID number — and
checks the status, what the person is told, and that nothing of the tracker is
in the response body or in any log line.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.endpoint import create_app
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sanic import Sanic

from actions import case_status, eligibility
from actions.answer_reader import AnswerReader
from actions.assistance import ActionApplyAssistance, ActionDeclineOffer
from actions.case_form import ValidateCaseForm
from actions.case_submission import CaseNews, WithCaseNews
from actions.handoff import ActionHandoff
from actions.runtime import Runtime
from actions.safety import HANDOFF_BUTTON, SORRY
from actions.server import build_executor
from actions.vocabulary import FactVocabulary
from cases import validation
from cases.factory import CaseServices
from cases.outbox import OutboxState
from knowledge.deployment import Deployment
from knowledge.eligibility import Question, RuleSet
from knowledge.places import Gazetteer
from tests.actions.conftest import DOMAIN, run, slots_set, tracker

NAME = "王秀英"
PHONE = "13812345678"
ID_NUMBER = "370402199001011238"
PERSONAL = (NAME, PHONE, ID_NUMBER)
# What the person gave earlier in the application: in the tracker of every request.
HISTORY = {
    "case_consent": True,
    "applicant_type": "individual",
    "contact_name": NAME,
    "id_number": ID_NUMBER,
}

Post = Callable[[str, Tracker], Awaitable[tuple[int, str, dict[str, Any]]]]


class FailingSearcher:
    """A searcher with a bug: it fails on every question (quoting it, as errors do)."""

    index = SimpleNamespace(passages=[])

    def search(self, question: str, k: int = 5, place: Any = None, documents: Any = None) -> Any:
        raise RuntimeError(f"index corrupt while searching {question!r}")


def action_call(name: str, state: Tracker) -> dict[str, Any]:
    """The body Rasa 3.6 posts to the action server (RemoteAction._action_call_format)."""
    return {
        "next_action": name,
        "sender_id": state.sender_id,
        "tracker": state.current_state(),
        "domain": DOMAIN,
        "version": "3.6.21",
    }


@pytest.fixture
async def post(
    rules: RuleSet,
    questions: dict[str, Question],
    deployment: Deployment,
    gazetteer: Gazetteer,
    vocabulary: FactVocabulary,
    answer_reader: AnswerReader,
    open_cases: Callable[..., CaseServices],
    case_env: dict[str, str],
) -> AsyncIterator[Post]:
    """Posts an action call to the real rasa-sdk app, served on a free loopback port."""
    runtime = Runtime(
        searcher=FailingSearcher(),  # type: ignore[arg-type]
        rules=rules,
        questions=questions,
        deployment=deployment,
        gazetteer=gazetteer,
        vocabulary=vocabulary,
        answers=answer_reader,
        cases=open_cases(case_env),
    )
    app = create_app(build_executor(runtime), cors_origins=[])
    app.config.TOUCHUP = False  # Sanic's code rewriting works once a process
    server = await app.create_server(
        host="127.0.0.1", port=0, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    port = server.server.sockets[0].getsockname()[1]
    session = aiohttp.ClientSession()

    async def post_(name: str, state: Tracker) -> tuple[int, str, dict[str, Any]]:
        url = f"http://127.0.0.1:{port}/webhook"
        async with session.post(url, json=action_call(name, state)) as response:
            body = await response.text()
            return response.status, body, await response.json(content_type=None)

    try:
        yield post_
    finally:
        await session.close()
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
        Sanic.unregister_app(app)


def assert_nothing_personal(*texts: str) -> None:
    for text in texts:
        for value in PERSONAL:
            assert value not in text


def failing(message: str) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"{message}: {args!r}")

    return fail


def is_sorry(responses: list[dict[str, Any]]) -> bool:
    return [(r["text"], r["buttons"]) for r in responses] == [(SORRY, [HANDOFF_BUTTON])]


# -- actions -------------------------------------------------------------------------------


async def test_a_failing_answer_is_a_polite_reply_not_the_tracker(
    post: Post, caplog: pytest.LogCaptureFixture
) -> None:
    state = tracker(f"我叫{NAME}，电话{PHONE}，专利被仿冒了怎么办", "ask_policy", HISTORY)
    with caplog.at_level(logging.DEBUG):
        status, body, result = await post("action_answer_policy", state)
    assert status == 200
    assert is_sorry(result["responses"])
    assert result["events"] == []
    assert_nothing_personal(body, caplog.text)
    assert "action_answer_policy failed: RuntimeError" in caplog.text


async def test_whatever_action_rasa_calls_a_failure_is_answered_politely(
    post: Post, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A bug every action meets: reading the tracker fails.
    monkeypatch.setattr(Tracker, "get_slot", failing("slot unreadable"))
    monkeypatch.setattr(Tracker, "get_latest_entity_values", failing("entities unreadable"))
    state = tracker(f"我的身份证号{ID_NUMBER}", "inform", HISTORY, form="case_form")
    names = list(DOMAIN["actions"])
    assert "validate_case_form" in names and "action_submit_case" in names
    with caplog.at_level(logging.DEBUG):
        for name in names:
            status, body, _ = await post(name, state)
            assert status == 200, name
            assert_nothing_personal(body)
    assert_nothing_personal(caplog.text)


# -- form validators -------------------------------------------------------------------------


async def test_a_failing_case_form_asks_the_same_question_again(
    post: Post, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(validation, "mobile", failing("mobile rules broken"))
    state = tracker(
        f"手机{PHONE}", "inform", HISTORY | {"requested_slot": "contact_phone"}, form="case_form"
    )
    with caplog.at_level(logging.DEBUG):
        status, body, result = await post("validate_case_form", state)
    assert status == 200
    assert is_sorry(result["responses"])
    # Nothing changes: the phone is still to be given, and it is asked again.
    assert slots_set(result["events"]) == {"contact_phone": None, "requested_slot": "contact_phone"}
    assert_nothing_personal(body, caplog.text)
    assert "validate_case_form failed: ValueError" in caplog.text


async def test_a_failing_eligibility_check_keeps_the_facts_it_had(
    post: Post, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(eligibility, "facts_needed", failing("rules broken"))
    # Rasa's mapping took "我们公司" as a new applicant type before the validator ran.
    state = tracker(
        f"我们公司的专利，联系人{NAME} {PHONE}",
        "inform",
        {"applicant_type": "individual", "requested_slot": "ip_type"},
        form="eligibility_form",
        set_now={"applicant_type": "micro_small_enterprise", "ip_type": "patent"},
    )
    with caplog.at_level(logging.DEBUG):
        status, body, result = await post("validate_eligibility_form", state)
    assert status == 200
    assert is_sorry(result["responses"])
    assert slots_set(result["events"]) == {
        "applicant_type": "individual",
        "ip_type": None,
        "requested_slot": "ip_type",
    }
    assert_nothing_personal(body, caplog.text)
    assert "validate_eligibility_form failed: ValueError" in caplog.text


async def test_a_failing_case_lookup_asks_for_the_number_again(
    post: Post, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(case_status, "read_case_number", failing("number rules broken"))
    state = tracker(
        f"WQ-2026-000123，登记的手机{PHONE}",
        "query_case",
        {"requested_slot": "lookup_number"},
        form="case_lookup_form",
    )
    with caplog.at_level(logging.DEBUG):
        status, body, result = await post("validate_case_lookup_form", state)
    assert status == 200
    assert is_sorry(result["responses"])
    assert slots_set(result["events"]) == {"lookup_number": None, "requested_slot": "lookup_number"}
    assert_nothing_personal(body, caplog.text)


@pytest.mark.parametrize(("text", "intent"), [("/ask_human", "ask_human"), ("再见", "goodbye")])
async def test_a_failing_validator_still_lets_the_person_leave(
    post: Post, monkeypatch: pytest.MonkeyPatch, text: str, intent: str
) -> None:
    # A bug every turn meets: the order of the questions.
    monkeypatch.setattr(ValidateCaseForm, "required_slots", failing("order broken"))
    state = tracker(text, intent, HISTORY | {"requested_slot": "contact_phone"}, form="case_form")
    status, body, result = await post("validate_case_form", state)
    assert status == 200
    # The form steps aside for the turn, as for any message that is no answer,
    # so the rules hand over to a person or say goodbye.
    assert result["responses"] == []
    assert {"event": "action_execution_rejected", "name": "case_form"}.items() <= (
        result["events"][-1].items()
    )
    assert_nothing_personal(body)


# -- news before an answer -----------------------------------------------------------------


class DeskWithNews:
    """A desk holding one application delivered since the person was told it was queued."""

    def __init__(self) -> None:
        self.told: list[str] = []

    async def news_for(self, sender: str) -> list[Any]:
        entry = SimpleNamespace(
            key="k1",
            reference="LS-20261121-7KQ4P2",
            state=OutboxState.DELIVERED,
            case_number="WQ-2026-000123",
        )
        return [] if self.told else [entry]

    async def mark_told(self, entry: Any) -> None:
        self.told.append(entry.key)

    async def waiting_for(self, sender: str) -> bool:
        return False


class BrokenAnswer(Action):
    def name(self) -> str:
        return "action_broken"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(text="half an answer")
        raise RuntimeError(f"{PHONE} leaked in an error")


def test_news_told_before_a_failing_answer_is_not_lost(deployment: Deployment) -> None:
    desk = DeskWithNews()
    news = CaseNews(desk, deployment)  # type: ignore[arg-type]
    events, messages = run(
        WithCaseNews(BrokenAnswer(), news),
        tracker("谢谢", "thank", {"case_queued": True, "case_reference": "LS-20261121-7KQ4P2"}),
    )
    assert desk.told == ["k1"]
    assert [(m.get("custom") or {}).get("type") for m in messages] == ["case_created", None]
    assert "WQ-2026-000123" in messages[0]["text"]
    assert messages[1]["text"] == SORRY
    assert slots_set(events)["case_number"] == "WQ-2026-000123"


# -- the actions that just answer ------------------------------------------------------------


def test_handoff_gives_the_hotline_and_an_event_channels_act_on(deployment: Deployment) -> None:
    events, [message] = run(ActionHandoff(deployment), tracker("转人工", "ask_human"))
    assert "12345" in message["text"] and "全天24小时" in message["text"]
    assert message["custom"]["type"] == "handoff" and message["custom"]["hotline"] == "12345"
    assert slots_set(events)["pending_offer"] is None


def test_applying_opens_the_form_and_a_declined_offer_is_cleared() -> None:
    events, [apply] = run(ActionApplyAssistance(), tracker("我要申请援助", "apply_assistance"))
    assert "申请" in apply["text"]
    assert slots_set(events) == {"pending_offer": None}
    events, _ = run(
        ActionDeclineOffer(), tracker("不用了", "deny", slots={"pending_offer": "handoff"})
    )
    assert slots_set(events) == {"pending_offer": None}
