"""The part of a long message that search and intent recognition read.

A person may send up to 2,000 characters (the gateway's MAX_MESSAGE_CHARS).
Embedding all of them with e5 and mending their typos costs seconds of CPU
where a question costs milliseconds, so a few long messages would saturate
the action server and Rasa. Search and the NLU read a bounded part instead:
the message itself when it fits, else its opening (who is asking, about
which right) and its end (where a long story puts its question), half the
room each, each cut moved to the nearest pause (punctuation or a space) so
no word is cut in two.

The whole text is still kept where it is needed (the case form reads the
full description from the message). How the bound was chosen is in
`knowledge/README.md`.

Pure Python with no imports beyond the standard library: Rasa's custom
components import it in Rasa's own Python 3.10 environment.
"""

from __future__ import annotations

import re

# Characters read at most. A dev-set question is at most 96 characters long
# (95 % are at most 46), and search time grows with the text embedded: 80
# characters cost under 3x a typical question's search.
READ_LIMIT = 80
JOINER = "…"  # stands for the part left out; not a letter, so no word spans it
SNAP = 12  # how far (characters) a cut moves to land on a pause
_PAUSE = re.compile(r"[\s,.!?;:，。！？；：、…—]")


def kept_spans(text: str, limit: int = READ_LIMIT) -> list[tuple[int, int]]:
    """The (start, end) spans of `text` that are read: all of it when it fits,
    else its opening and its end, together at most `limit` - 1 characters."""
    if len(text) <= limit:
        return [(0, len(text))]
    room = limit - len(JOINER)
    head_end = room // 2
    tail_start = len(text) - (room - head_end)
    for at in range(head_end - 1, max(head_end - SNAP, 0) - 1, -1):
        if _PAUSE.match(text, at):
            head_end = at + 1
            break
    for at in range(tail_start, min(tail_start + SNAP, len(text) - 1)):
        if _PAUSE.match(text, at):
            tail_start = at + 1
            break
    return [(0, head_end), (tail_start, len(text))]


def bounded(text: str, limit: int = READ_LIMIT) -> str:
    """What is read of `text`: itself when it fits, else opening + "…" + end."""
    return JOINER.join(text[start:end] for start, end in kept_spans(text, limit))
