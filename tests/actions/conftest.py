"""Actions are tested the way rasa-sdk calls them: a Tracker in, events and messages out."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_reader import AnswerReader
from actions.vocabulary import FactVocabulary
from cases.backend import CaseBackend
from cases.crypto import new_key
from cases.factory import CaseServices
from cases.settings import CaseSettings
from knowledge.deployment import Deployment, deployment_from_env
from knowledge.documents import load_corpus
from knowledge.eligibility import Question, RuleSet, load_questions, load_rules
from knowledge.places import Gazetteer
from knowledge.settings import KnowledgeSettings

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
PAYLOAD = re.compile(r"/(?P<intent>\w+)(?P<entities>\{.*\})?")


@pytest.fixture(scope="session")
def deployment() -> Deployment:
    return deployment_from_env({})


@pytest.fixture(scope="session")
def rules(deployment: Deployment) -> RuleSet:
    return load_rules(deployment.eligibility_rules, load_corpus(ROOT / "knowledge" / "corpus"))


@pytest.fixture(scope="session")
def questions(rules: RuleSet, deployment: Deployment) -> dict[str, Question]:
    return load_questions(deployment.eligibility_questions, rules, deployment.city)


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_file(KnowledgeSettings().places)


@pytest.fixture(scope="session")
def vocabulary(rules: RuleSet) -> FactVocabulary:
    return FactVocabulary.from_nlu(ROOT / "nlu_data" / "entities.yml", rules.facts)


@pytest.fixture(scope="session")
def answer_reader(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    rules: RuleSet,
    questions: dict[str, Question],
    deployment: Deployment,
    gazetteer: Gazetteer,
    vocabulary: FactVocabulary,
) -> AnswerReader:
    """The forms' answer reader with the bundled e5, started as the action server starts it.

    Its fit is kept in pytest's cache folder: the first session on a clone fits
    it (a minute or two on two cores), later ones load it in a blink; a changed
    example, vocabulary or model makes a new fit (answer_model.fingerprint).
    """
    from knowledge.embedding import E5Backend

    cache = getattr(request.config, "cache", None)
    folder = cache.mkdir("answer-reader") if cache else tmp_path_factory.mktemp("answer-reader")

    def places(text: str) -> bool | None:
        return deployment.in_region(text, gazetteer)

    return AnswerReader.start(
        E5Backend(),
        vocabulary,
        rules.facts,
        option_labels={fact: question.options for fact, question in questions.items()},
        cache_dir=Path(folder),
        places=places,
    )


def tracker(
    text: str,
    intent: str,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    form: str | None = None,
    set_now: dict[str, Any] | None = None,
    *,
    confidence: float = 0.95,
    message_id: str = "m-1",
    sender: str = "test",
    metadata: dict[str, Any] | None = None,
    bot_said: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A tracker whose latest message is `text`, classified as `intent`.

    `set_now` are slots Rasa's own mappings set from this message (as its
    action_extract_slots does before the form validation runs); `bot_said`
    are dispatcher messages already sent after it (as BotUttered events).
    """
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "message_id": message_id,
        "metadata": metadata or {},
    }
    all_slots = {name: None for name in DOMAIN["slots"]} | {"requested_slot": None} | (slots or {})
    all_slots |= set_now or {}
    # The history that set `slots`, then the message, then what Rasa set from it.
    events = [{"event": "slot", "name": k, "value": v} for k, v in (slots or {}).items()]
    events.append({"event": "user", "text": text, "parse_data": message})
    events += [{"event": "slot", "name": k, "value": v} for k, v in (set_now or {}).items()]
    events += [
        {
            "event": "bot",
            "text": m.get("text"),
            "data": {"buttons": m.get("buttons"), "custom": m.get("custom")},
        }
        for m in bot_said or []
    ]
    active = {"name": form} if form else {}
    return Tracker(sender, all_slots, message, events, False, None, active, "action_listen")


def run(action: Action, state: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(events, messages) of one run of `action`."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, DOMAIN))
    return list(events), dispatcher.messages


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# -- the case actions: async runs, Rasa's form loop, a fresh case store ------------------


async def act(action: Action, state: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(events, messages) of one run of `action`, in the test's own event loop
    (the case desk's clients belong to the loop that first uses them)."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, state, DOMAIN)
    assert "None" not in said(dispatcher.messages)  # a Python None never reaches a person
    return list(events), dispatcher.messages


def said(messages: list[dict[str, Any]]) -> str:
    """Everything the person reads in `messages`: texts and button titles."""
    parts = []
    for message in messages:
        parts.append(message.get("text") or "")
        parts += [button["title"] for button in message.get("buttons") or []]
    return "\n".join(parts)


@dataclass
class Turn:
    """What one user message led to inside a form."""

    messages: list[dict[str, Any]]
    rejected: bool = False  # the form declined the message: the rules answer it
    done: bool = False  # the form ended (requested_slot set to None)
    asked: str | None = None  # the slot asked next

    @property
    def text(self) -> str:
        return said(self.messages)


class FormLoop:
    """Rasa's form loop as the action server sees it (rasa/core/actions/forms.py).

    Each message: action_extract_slots fills the from_entity slots; the form's
    validation action runs; a turn that fills no slot while one is requested is
    rejected (its events dropped, the rules answer instead); otherwise the
    events are applied and the first requested_slot they set is asked with its
    action_ask_* — unless the last one is None, which ends the form.
    """

    def __init__(
        self,
        validation: Action,
        asks: list[Any],
        *,
        sender: str = "test",
        slots: dict[str, Any] | None = None,
    ) -> None:
        self.validation = validation
        self.form = validation.name().removeprefix("validate_")
        self.asks = {ask.name(): ask for ask in asks}
        self.sender = sender
        self.slots: dict[str, Any] = dict.fromkeys([*DOMAIN["slots"], "requested_slot"])
        self.slots |= slots or {}
        self.asked: list[str] = []  # every slot asked, in order
        self.transcript: list[dict[str, Any]] = []  # every bot message
        self.active = False
        self._count = 0
        self._last: Tracker | None = None

    def _from_entities(self, intent: str, entities: list[dict[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, slot in DOMAIN["slots"].items():
            for mapping in slot.get("mappings", []):
                if mapping.get("type") != "from_entity" or intent in mapping.get("not_intent", []):
                    continue
                for entity in entities:
                    if entity["entity"] == mapping["entity"]:
                        found[name] = entity["value"]
        return found

    async def say(
        self,
        text: str,
        intent: str | None = None,
        *,
        entities: list[dict[str, Any]] | None = None,
        confidence: float = 0.95,
        message_id: str | None = None,
    ) -> Turn:
        """The person sends `text`; a button payload (/affirm, /inform{...}) is read
        as Rasa reads it, anything else is `inform` unless `intent` says otherwise."""
        payload = PAYLOAD.fullmatch(text)
        if intent is None and payload:
            intent = payload["intent"]
            values = json.loads(payload["entities"] or "{}")
            entities = entities or [{"entity": k, "value": v} for k, v in values.items()]
        intent = intent or "inform"
        self._count += 1
        set_now = self._from_entities(intent, entities or [])
        self._last = tracker(
            text,
            intent,
            self.slots,
            entities,
            self.form if self.active else None,
            set_now,
            confidence=confidence,
            message_id=message_id or f"{self.sender}-m{self._count}",
            sender=self.sender,
        )
        self.slots |= set_now
        form_slots = DOMAIN["forms"][self.form]["required_slots"]
        extracted = any(name in form_slots for name in set_now)
        return await self._run(self._last, may_reject=not extracted)

    async def resume(self) -> Turn:
        """The form running again after a rule answered the message it rejected."""
        assert self._last is not None
        state = tracker(
            self._last.latest_message["text"],
            self._last.latest_message["intent"]["name"],
            self.slots,
            form=self.form,
            message_id=self._last.latest_message["message_id"],
            sender=self.sender,
        )
        # The history Rasa sends shows that the form stepped aside for this message.
        state.events.append({"event": "action_execution_rejected", "name": self.form})
        return await self._run(state, may_reject=False)

    async def _run(self, state: Tracker, *, may_reject: bool) -> Turn:
        events, messages = await act(self.validation, state)
        if any(e.get("event") == "action_execution_rejected" for e in events):
            return Turn(messages, rejected=True)  # the validator stepped aside
        slots = [e for e in events if e.get("event") == "slot"]
        filled = [e for e in slots if e["name"] != "requested_slot"]
        if may_reject and self.active and self.slots.get("requested_slot") and not filled:
            return Turn(messages, rejected=True)
        self.active = True
        self.slots |= {e["name"]: e["value"] for e in slots}
        requested = [e["value"] for e in slots if e["name"] == "requested_slot"]
        if requested and requested[-1] is None:
            return self._record(Turn(messages, done=True))
        slot = requested[0] if requested else self._next_missing()
        if slot is None:
            self.slots["requested_slot"] = None
            return self._record(Turn(messages, done=True))
        self.slots["requested_slot"] = slot
        ask = self.asks.get(f"action_ask_{self.form}_{slot}") or self.asks[f"action_ask_{slot}"]
        # The ask action sees what the validator said this turn, as Rasa shows it.
        state = tracker("", "inform", self.slots, sender=self.sender, bot_said=messages)
        _, question = await act(ask, state)
        self.asked.append(slot)
        return self._record(Turn(messages + question, asked=slot))

    def _next_missing(self) -> str | None:
        required = DOMAIN["forms"][self.form]["required_slots"]
        return next((name for name in required if self.slots.get(name) is None), None)

    def _record(self, turn: Turn) -> Turn:
        if turn.done:
            self.active = False
        self.transcript += turn.messages
        return turn


@pytest.fixture
def case_env(tmp_path: Path) -> dict[str, str]:
    """The case adapter's environment for a fresh SQLite store and outbox."""
    return {
        "CASE_DATABASE_URL": f"sqlite:///{tmp_path / 'cases.db'}",
        "CASE_ENCRYPTION_KEY": new_key(),
        "CASE_OUTBOX_PATH": str(tmp_path / "outbox.db"),
        "CASE_SUBMIT_BUDGET": "3",
    }


@pytest.fixture
async def open_cases() -> AsyncIterator[Callable[..., CaseServices]]:
    """Opens CaseServices from an environment, as the action server does; closes them after."""
    opened: list[CaseServices] = []

    def open_(env: dict[str, str], backend: CaseBackend | None = None) -> CaseServices:
        services = CaseServices.open(CaseSettings.from_env(env), backend)
        opened.append(services)
        return services

    yield open_
    for services in opened:
        await services.close()
