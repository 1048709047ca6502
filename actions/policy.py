"""Answer a policy question from the corpus, with the source named — or say there is none."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.safety import HANDOFF_BUTTON
from knowledge.answer import button_title, compose
from knowledge.deployment import Deployment
from knowledge.errors import KnowledgeError
from knowledge.passages import Passage
from knowledge.searcher import Searcher

MAX_MESSAGE = 600  # characters: what fits on a phone screen


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

    def __init__(self, searcher: Searcher, deployment: Deployment) -> None:
        self._searcher = searcher
        self._deployment = deployment
        self._by_id = {p.chunk_id: p for p in searcher.index.passages}

    def name(self) -> str:
        return "action_answer_policy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        tapped = next(tracker.get_latest_entity_values("passage"), None)
        if tapped and tapped in self._by_id:
            return self._show(dispatcher, self._by_id[tapped])
        question = tracker.latest_message.get("text") or ""
        try:
            # Embedding and search are CPU work: keep them off the event loop.
            response = await asyncio.to_thread(self._searcher.search, question, 4)
        except KnowledgeError:
            dispatcher.utter_message(
                text="抱歉，政策文件暂时查不了。请稍后再试，或者转人工。", buttons=[HANDOFF_BUTTON]
            )
            return [SlotSet("pending_offer", "handoff")]
        answer = compose(response)
        if answer is None:
            return self._no_basis(dispatcher, response.reason)
        dispatcher.utter_message(
            text=answer.text(MAX_MESSAGE),
            buttons=[passage_button(p) for p in answer.related],
            json_message=citation_payload([answer.passage]),
        )
        return [SlotSet("pending_offer", None), SlotSet("passage", None)]

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
