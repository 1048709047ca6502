"""Route a message that asks something to the policy answer, whatever else it does.

The intent classifier learns what a message is about; whether it *asks*
is a matter of sentence shape that a few dozen examples cannot teach. A
story with a question ("我们厂的外观设计被人在拼多多上仿了，应该怎么维权？") came out
as `inform` and started the eligibility form; "申请援助要准备什么材料" came out as
`apply_assistance` and started the application; "多久能有结果" asked in the
middle of the consent step was taken as a failed answer. Here such messages
become `ask_policy`: the question is answered first, the facts in it are kept
(actions/conversation_memory.py), and the check or the application is offered.

Asking *for* the service stays what it is: "我能申请援助吗" is the eligibility
check, "能帮我申请援助吗" the application. Runs after the intent classifier
and before the fallback classifier; the original intent stays readable as
`routed_from`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.routing import routed_intent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class QuestionRouter(GraphComponent):
    """Re-labels question-shaped messages as `ask_policy` (see the module's note)."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "QuestionRouter":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            routed = routed_intent(intent.get("name"), message.get(TEXT) or "")
            if routed is None:
                continue
            confidence = max(float(intent.get("confidence") or 0.0), 0.9)
            message.set("routed_from", intent.get("name"), add_to_output=True)
            message.set(INTENT, {"name": routed, "confidence": confidence}, add_to_output=True)
            ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") != routed]
            message.set(
                "intent_ranking",
                [{"name": routed, "confidence": confidence}, *ranking],
                add_to_output=True,
            )
        return messages
