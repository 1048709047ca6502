"""What the bot really said in each web conversation, so a 👍/👎 can only name a real answer.

The feedback API takes the answer being rated from the browser, and the 👎
answers are shown to every agent in the console's 未解决问题 list. Without a
check, anyone holding a session id could put any text there dressed up as
the bot's answer. `DeliveredAnswers` is a turn observer (connectors/observers.py)
that remembers a digest of each answer Rasa gave on the web channel, per
conversation; the feedback API accepts an answer only when it is one of them.

The widget rates what it showed: the texts of one reply joined by line
breaks, trimmed, and cut by `clip(answer, 1500)` to 1499 UTF-16 units and an
ellipsis (static/widget.js). Both that form and the whole text are
remembered, as 16-byte BLAKE2b digests, so memory stays small whatever the
answers' length: at most `max_turns` answers for each of `max_conversations`
conversations, the conversation unused longest forgotten first.

In memory, per process: behind several gateway processes a rating must
reach the process that served the conversation (sticky sessions), or it is
refused as unknown. A restart forgets what was said; ratings of answers
given before it are refused, which loses a few ratings and nothing else.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, deque
from collections.abc import Sequence

from connectors.messages import RasaMessage, to_chat_messages
from connectors.observers import Turn

WEB_CHANNEL = "web"  # the metadata channel of /api/v1/chat (app.py)
CLIP_UNITS = 1500  # widget.js FEEDBACK_ANSWER_CHARS
ELLIPSIS = "…"
MAX_CONVERSATIONS = 5_000
MAX_TURNS = 40  # about the widget's 80 history entries, half of them answers


def _digest(text: str) -> bytes:
    # Browsers may send a lone surrogate where clip() cut a pair in two.
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def shown_answer(messages: Sequence[RasaMessage]) -> str:
    """A reply as the widget shows and rates it: its texts joined by line breaks, trimmed."""
    chat = to_chat_messages(list(messages), "")
    return "\n".join(m["text"] for m in chat if m["text"]).strip()


def clipped(text: str, limit: int = CLIP_UNITS) -> str:
    """`text` as widget.js `clip` cuts it: counted in UTF-16 units, the last one an ellipsis."""
    units = text.encode("utf-16-le", "surrogatepass")
    if len(units) <= 2 * limit:
        return text
    return units[: 2 * (limit - 1)].decode("utf-16-le", "surrogatepass") + ELLIPSIS


class DeliveredAnswers:
    """Digests of the answers given in each web conversation (bounded; see module docstring).

    Args:
        max_conversations: conversations remembered at once.
        max_turns: answers remembered per conversation, the newest.
    """

    def __init__(
        self, max_conversations: int = MAX_CONVERSATIONS, max_turns: int = MAX_TURNS
    ) -> None:
        self._max_conversations = max_conversations
        self._max_turns = max_turns
        self._answers: OrderedDict[str, deque[frozenset[bytes]]] = OrderedDict()

    async def __call__(self, turn: Turn) -> None:
        """The turn observer: remember what a web conversation was told."""
        if turn.channel == WEB_CHANNEL:
            self.remember(turn.sender_id, shown_answer(turn.messages))

    def remember(self, conversation: str, answer: str) -> None:
        if not answer:
            return
        answers = self._answers.get(conversation)
        if answers is None:
            while len(self._answers) >= self._max_conversations:
                self._answers.popitem(last=False)
            answers = self._answers[conversation] = deque(maxlen=self._max_turns)
        answers.append(frozenset({_digest(answer), _digest(clipped(answer))}))
        self._answers.move_to_end(conversation)

    async def forget(self, conversation: str) -> None:
        """The erasure listener: nothing of the conversation is kept."""
        self._answers.pop(conversation, None)

    def was_delivered(self, conversation: str, answer: str) -> bool:
        """Whether `answer` (as the widget sends it, trimmed) was given in `conversation`."""
        digest = _digest(answer)
        return any(digest in forms for forms in self._answers.get(conversation, ()))
