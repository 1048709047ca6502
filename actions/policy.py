"""Answer a policy question from the corpus, with the source named — or say there is none."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.case_text import personal_data_answer
from actions.conversation_memory import FactReader
from actions.personal_data_questions import asks_about_personal_data
from actions.safety import HANDOFF_BUTTON
from cases.privacy import redact
from knowledge.answer import button_title, compose
from knowledge.asker_place import read_asker_place
from knowledge.bounded import bounded
from knowledge.deployment import Deployment
from knowledge.errors import KnowledgeError
from knowledge.fact_answers import answer_fact, missing_fact_text, named_document
from knowledge.fact_questions import FactKind, fact_question
from knowledge.followup import Followup, level_named, read_followup
from knowledge.followup_scope import FollowupScope
from knowledge.passages import Passage
from knowledge.places import Gazetteer, Place
from knowledge.searcher import Searcher
from knowledge.utterance import tells_own_story

MAX_MESSAGE = 600  # characters: what fits on a phone screen
CHECK_OFFER = "要不要帮您看看能不能申请援助？几个问题就能知道。"
CHECK_BUTTONS = [
    {"title": "看看能否申请援助", "payload": "/check_eligibility"},
    {"title": "不用了", "payload": "/deny"},
]


# A question put to the centre (你们管不管商标, or typed in the middle of its
# check or application) is about its assistance service: "测这个要花钱吗"
# means the assistance, which the words alone do not say.
CENTRE_CONTEXT = "知识产权维权援助"
ADDRESSES_CENTRE = re.compile(r"你们|您们|贵中心|贵单位|咱们中心|这个中心")


def in_centres_context(question: str) -> str:
    if "维权援助" in question:
        return question
    return f"{CENTRE_CONTEXT} {question}"


def citation_payload(passages: list[Passage]) -> dict[str, Any]:
    """Citations as structured data; each channel renders them its own way."""
    return {
        "type": "citations",
        "citations": [
            {
                "doc_id": p.doc_id,
                "title": p.title,
                "doc_number": p.doc_number,
                "section": p.section,
                "citation": p.citation,
                "text": p.text,
            }
            for p in passages
        ],
    }


def passage_button(passage: Passage) -> dict[str, str]:
    payload = json.dumps({"passage": passage.chunk_id}, ensure_ascii=False)
    return {"title": button_title(passage), "payload": f"/ask_policy{payload}"}


class ActionAnswerPolicy(Action):
    """Search the corpus; answer with the clause and its citation, or offer a person."""

    def __init__(
        self,
        searcher: Searcher,
        deployment: Deployment,
        gazetteer: Gazetteer,
        facts: FactReader,
    ) -> None:
        self._searcher = searcher
        self._deployment = deployment
        self._gazetteer = gazetteer
        self._facts = facts
        self._by_id = {p.chunk_id: p for p in searcher.index.passages}
        # Each document's place and level, to answer "省里呢" from the province's.
        self._scope = FollowupScope.of(searcher.index.passages, gazetteer)

    def name(self) -> str:
        return "action_answer_policy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        tapped = next(tracker.get_latest_entity_values("passage"), None)
        if tapped and tapped in self._by_id:
            return self._show(dispatcher, self._by_id[tapped])
        text = tracker.latest_message.get("text") or ""
        kind = fact_question(text)
        if kind is not None:
            return self._document_fact(dispatcher, kind, text, tracker.get_slot("last_doc"))
        if asks_about_personal_data(text):
            # The centre's own handling answers it, not a policy document.
            dispatcher.utter_message(text=personal_data_answer(self._deployment))
            return [SlotSet("pending_offer", None)]
        in_form = tracker.active_loop_name is not None
        # Facts told outside a form are kept for the check (inside one, the
        # form reads its answers itself).
        told = {} if in_form else self._facts.facts_in(text)
        remembered: list[EventType] = [SlotSet(fact, value) for fact, value in told.items()]
        followup = self._followup(text, tracker)
        question = followup.query if followup else text
        asker = read_asker_place(question, self._gazetteer)
        home = self._gazetteer.place(self._deployment.city)
        own = asker.jurisdiction(home)
        scope = self._jurisdiction_scope(text, followup, own, tracker.get_slot("last_doc"))
        searched = self._scope.without_jurisdiction(question) if scope is not None else question
        if followup is None and (in_form or ADDRESSES_CENTRE.search(text)):
            searched = in_centres_context(searched)
        places = own if scope is None else ()
        try:
            # Embedding and search are CPU work: keep them off the event loop.
            response = await asyncio.to_thread(
                self._searcher.search, searched, 4, place=places or None, documents=scope
            )
        except KnowledgeError:
            dispatcher.utter_message(
                text="抱歉，政策文件暂时查不了。请稍后再试，或者转人工。", buttons=[HANDOFF_BUTTON]
            )
            return [*remembered, SlotSet("pending_offer", "handoff")]
        answer = compose(response, asker=asker.places, home=home)
        if answer is None:
            return [*remembered, *self._no_basis(dispatcher, response.reason)]
        dispatcher.utter_message(
            text=answer.text(MAX_MESSAGE),
            buttons=[passage_button(p) for p in answer.related],
            json_message=citation_payload([answer.passage]),
        )
        events = [
            *remembered,
            SlotSet("pending_offer", None),
            SlotSet("passage", None),
            # The topic a follow-up ("那专利呢") is read against; numbers masked,
            # as in every text kept outside the application.
            SlotSet("last_question", redact(bounded(question))),
            SlotSet("last_doc", answer.passage.doc_id),
        ]
        if self._offers_check(tracker, text, told, in_form):
            dispatcher.utter_message(text=CHECK_OFFER, buttons=CHECK_BUTTONS)
            events.append(SlotSet("pending_offer", "check_eligibility"))
        return events

    @staticmethod
    def _offers_check(tracker: Tracker, text: str, told: dict[str, Any], in_form: bool) -> bool:
        """Offer the check (never force it) to someone who told their own case."""
        if in_form or tracker.get_slot("eligibility_result") is not None:
            return False
        return bool(told.get("issue_type") or tells_own_story(text))

    def _followup(self, text: str, tracker: Tracker) -> Followup | None:
        previous = tracker.get_slot("last_question")
        if not previous:
            return None
        return read_followup(text, previous, self._names_in(previous), self._names_in(text))

    def _jurisdiction_scope(
        self, text: str, followup: Followup | None, own: tuple[Place, ...], last_doc: str | None
    ) -> frozenset[str] | None:
        """The documents a question is limited to, None for all: those a follow-up
        switched to (国家层面呢), or the level the asker named of their own place
        (我们是合肥的企业，省里有什么规定 asks 安徽's rules)."""
        if followup is not None:
            return self._scope.documents_for(followup, last_doc)
        level = level_named(text)
        if level is not None and own:
            return self._scope.documents_at(level, own[0])
        return None

    def _document_fact(
        self, dispatcher: CollectingDispatcher, kind: FactKind, text: str, last_doc: str | None
    ) -> list[EventType]:
        """Who issued a document, when, its 文号…: from its header, not its clauses."""
        facts = self._searcher.document_facts
        doc_id = named_document(text, self._searcher.documents, facts) or last_doc
        known = facts.get(doc_id or "")
        found = answer_fact(kind, known) if known is not None else None
        if found is None:
            dispatcher.utter_message(text=missing_fact_text(kind, known))
            return [SlotSet("last_doc", doc_id)] if known is not None else []
        dispatcher.utter_message(
            text=f"{found.text}\n——{found.citation}",
            json_message={"type": "citations", "citations": [found.citation_dict()]},
        )
        return [SlotSet("pending_offer", None), SlotSet("last_doc", found.doc_id)]

    def _names_in(self, text: str) -> list[str]:
        """Place names as the text writes them (瑶海区, or 瑶海), to swap in a follow-up."""
        return [
            next((alias for alias in place.names if alias in text), place.name)
            for place in self._gazetteer.mentions(text)
        ]

    def _show(self, dispatcher: CollectingDispatcher, passage: Passage) -> list[EventType]:
        text = passage.text.replace("\n", "")
        source = f"\n——{passage.citation}"
        room = MAX_MESSAGE - len(source)
        dispatcher.utter_message(
            text=(text if len(text) <= room else text[: room - 1] + "…") + source,
            json_message=citation_payload([passage]),
        )
        return [SlotSet("passage", None)]

    def _no_basis(self, dispatcher: CollectingDispatcher, reason: str | None) -> list[EventType]:
        if reason == "empty_query":
            dispatcher.utter_message(text="请用文字说说您遇到的问题，我帮您查政策。")
            return []
        line = self._deployment.hotline
        dispatcher.utter_message(
            text=(
                "抱歉，现有的政策文件里没有能回答这个问题的内容，我不凭猜测回答。"
                f"可以换个说法再问，或者转人工：{line.name} {line.number}（{line.hours}）。"
                "需要转人工吗？"
            ),
            buttons=[HANDOFF_BUTTON, {"title": "不用了", "payload": "/deny"}],
            # Machine-readable for the channels: the console lists these
            # questions for the knowledge curators.
            json_message={"type": "no_answer", "reason": reason or "no_basis"},
        )
        return [SlotSet("pending_offer", "handoff")]
