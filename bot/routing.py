"""Which intent a message gets once its sentence shape is read (bot/components/question_router.py).

Kept free of Rasa imports so the rule is tested with the rest of the code.
"""

from __future__ import annotations

from knowledge.utterance import asks, asks_about_process, asks_about_service, asks_what

ANSWER = "ask_policy"
# A question never belongs to these: a question inside one is the question.
STATEMENTS = frozenset({"inform"})
# These may end like a question ("在吗", "是吗"); only a question word makes one.
SHORT_REPLIES = frozenset({"affirm", "deny", "greet", "thank"})


def routed_intent(intent: str | None, text: str) -> str | None:
    """The intent a message gets once its shape is read; None to keep the classifier's."""
    if intent in STATEMENTS and asks(text):
        return ANSWER
    if intent in SHORT_REPLIES and asks_what(text):
        return ANSWER
    # Asking for the service stays a request; asking what it takes is a question.
    if intent == "apply_assistance" and asks_about_service(text):
        return ANSWER
    if intent == "check_eligibility" and asks_about_process(text):
        return ANSWER
    return None
