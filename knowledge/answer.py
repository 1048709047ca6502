"""Turn search results into an answer a person can read on a phone.

The answer is the sentences of the best passage that carry the question's
words (not the whole item when the item is long), then the citation, then a
few related items. Used by the bot and by the hotline console's copy button,
so both say the same thing with the same source. When the clause is another
region's rule than the asker's, the answer says whose it is
(`jurisdiction_note`, knowledge.jurisdiction).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.jurisdiction import jurisdiction_note
from knowledge.passages import Passage
from knowledge.places import Place
from knowledge.searcher import SearchResponse
from knowledge.structure import sentences

EXCERPT_CHARS = 260  # how much of a clause fits before the citation on a phone screen
RELATED = 3


@dataclass(frozen=True)
class Answer:
    excerpt: str
    passage: Passage
    related: list[Passage]
    # "这是合肥市瑶海区的规定，不一定适用于您所在的地方。" when the clause is
    # another region's rule; empty when it applies or nobody said where.
    jurisdiction_note: str = ""

    @property
    def citation(self) -> str:
        return self.passage.citation

    def text(self, max_chars: int = 600, with_note: bool = True) -> str:
        """Excerpt and citation, within `max_chars`; then the jurisdiction note, if any.

        A caller that shows the note elsewhere passes `with_note=False`.
        """
        source = f"\n——{self.citation}"
        if with_note and self.jurisdiction_note:
            source += f"\n（{self.jurisdiction_note}）"
        room = max(max_chars - len(source), 40)
        excerpt = self.excerpt if len(self.excerpt) <= room else self.excerpt[: room - 1] + "…"
        return excerpt + source


def _score(sentence: str, terms: Sequence[str]) -> float:
    # Longer matched terms say more (惩罚性赔偿 over 赔偿), so weigh by length.
    return sum(len(term) for term in terms if term and term in sentence)


def excerpt(passage: Passage, terms: Sequence[str], max_chars: int = EXCERPT_CHARS) -> str:
    """The sentences of `passage` that answer: the best one, grown with its neighbours.

    Short passages are returned whole. A long one keeps its sentences in
    document order, starting from the best-matching one and adding the next
    best matching ones while they fit.
    """
    text = passage.text.replace("\n", "")
    if len(text) <= max_chars:
        return text
    parts = sentences(text)
    scores = [_score(s, terms) for s in parts]
    chosen: set[int] = set()
    used = 0
    for index in sorted(range(len(parts)), key=lambda i: (-scores[i], i)):
        if scores[index] <= 0 and chosen:
            break
        if used + len(parts[index]) > max_chars and chosen:
            continue
        chosen.add(index)
        used += len(parts[index])
    ordered = sorted(chosen)
    out = ""
    for previous, index in zip([None, *ordered], ordered, strict=False):
        gap = previous is not None and index != previous + 1
        out += ("……" if gap else "") + parts[index]
    if ordered and ordered[0] > 0:
        out = "……" + out
    return out[: max_chars + 40]


def compose(
    response: SearchResponse,
    related: int = RELATED,
    *,
    asker: Sequence[Place] = (),
    home: Place | None = None,
) -> Answer | None:
    """The answer for an answerable response; None when there is nothing to answer from.

    `asker` are the places the person named as theirs (knowledge.asker_place)
    and `home` the centre's own city: given either, the answer notes when the
    clause is another region's rule (measured against `home` when the person
    named no place).
    """
    if not response.answerable or not response.results:
        return None
    best = response.results[0].passage
    others = [hit.passage for hit in response.results[1:] if hit.passage.chunk_id != best.chunk_id]
    note = jurisdiction_note(best, asker, home)
    return Answer(excerpt(best, response.terms), best, others[:related], note)


def button_title(passage: Passage, max_chars: int = 18) -> str:
    """A short label for a related clause: section and its title or opening words."""
    label = passage.item_title or passage.text.split("。")[0]
    label = label if len(label) <= max_chars else label[: max_chars - 1] + "…"
    return f"{passage.section} {label}".strip()
