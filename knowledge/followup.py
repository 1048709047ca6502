"""Read an elliptical follow-up against the question before it.

"瑶海区对假冒商标怎么处理的" then "那专利呢？" asks how 瑶海区 handles patent
infringement; "省里有没有类似的" asks the same of the province; "具体由哪个
部门负责" asks who does it. Alone, those turns retrieve nothing useful. The
rule is general: a short turn that leans on the one before (那…呢, 省里,
具体, 这个) is read as the previous question with the turn's own words put in
place of the ones of the same kind (a right for a right, a place or level for
a place), followed by the turn itself. A turn that stands on its own (a full
question, a new topic) is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Kinds of words a follow-up swaps: the right in question, and the level.
RIGHTS = (
    "发明专利", "实用新型", "外观设计", "专利", "注册商标", "商标", "著作权", "版权",
    "地理标志", "商业秘密", "植物新品种", "集成电路布图设计", "域名",
)  # fmt: skip
LEVEL_WORDS = {
    "national": re.compile(r"国家层面|国家级|国家的|国家|全国|中央|国务院|国知局"),
    "provincial": re.compile(r"省里|省级|省的|省一级|全省|省内|省上|本省"),
    "city": re.compile(r"市里|市级|市的|市一级|全市|市上|本市"),
    "district": re.compile(r"区里|区级|区县|区的|县里|县级"),
}
# A turn that leans on the previous one: where it starts, how it ends, what it points at.
_LEANING_START = re.compile(
    r"^(那|那么|那要是|如果是|要是|还有|另外|再问|顺便|换成|换作|改成|省里|市里|区里|县里|国家|全国|"
    r"具体|这个|那个|这些|那些|它|其中|同样|也|对于|关于|至于|而且|并且|然后|和|跟)"
)
_LEANING_END = re.compile(r"(呢|怎么样|如何|咋样|吗)[\s？?。.!！]*$")
_POINTING = re.compile(
    r"类似|同样|一样|这个|那个|这些|那些|上面|刚才|前面|上述|该|这条|那条|这项|其"
)
_PUNCT = re.compile(r"[\s，,。.!！？?、；;：:“”\"'‘’（）()]")
MAX_FOLLOWUP_CHARS = 18  # content characters; a longer turn carries its own subject


def content_length(text: str) -> int:
    return len(_PUNCT.sub("", text))


def leans_on_previous(text: str) -> bool:
    """Whether the turn only makes sense after the one before it."""
    text = text.strip()
    if not text or content_length(text) > MAX_FOLLOWUP_CHARS:
        return False
    return bool(_LEANING_START.search(text) or _LEANING_END.search(text) or _POINTING.search(text))


def rights_in(text: str) -> list[str]:
    found: list[str] = []
    remaining = text
    for right in RIGHTS:  # longest forms first within each family
        if right in remaining:
            found.append(right)
            remaining = remaining.replace(right, "\x00")
    return found


def level_named(text: str) -> str | None:
    """The administrative level a turn points to (省里 → provincial), if any."""
    for level, pattern in LEVEL_WORDS.items():
        if pattern.search(text):
            return level
    return None


@dataclass(frozen=True)
class Followup:
    """The query to search, and what the turn switched (for the jurisdiction of the answer)."""

    query: str
    level: str | None  # a level the turn named: answer from that level's document
    places: tuple[str, ...]  # place names the turn put in place of the previous ones


def read_followup(
    text: str,
    previous: str | None,
    previous_places: Sequence[str] = (),
    new_places: Sequence[str] = (),
) -> Followup | None:
    """The turn as a full question, or None when it stands on its own.

    `previous_places` are the place names written in the previous question and
    `new_places` those the turn names (the caller reads both with its
    gazetteer); a named place replaces the previous ones.
    """
    if not previous or not leans_on_previous(text):
        return None
    merged = previous
    new_rights = rights_in(text)
    if new_rights:
        for old in rights_in(previous):
            merged = merged.replace(old, new_rights[0])
    if new_places:
        for old in previous_places:
            merged = merged.replace(old, new_places[0])
    level = level_named(text)
    if level is not None or new_places:
        # The old place would pull the answer back to the old document.
        for old in previous_places:
            merged = merged.replace(old, "")
    own = own_words(text, new_places)
    # What the turn itself asks (展会上被仿了, 恶意诉讼, 哪个部门负责) weighs
    # as much as the whole previous question, which only says what it is about.
    query = f"{merged} {text} {own}" if own else f"{merged} {text}"
    return Followup(query=query.strip(), level=level, places=tuple(new_places))


_ASIDES = re.compile(
    r"^(那么|那要是|如果是|要是|那|还有|另外|再问|顺便|换成|换作|改成|具体|对于|关于|至于|而且|并且|然后)"
)
_QUESTION_END = re.compile(r"(呢|吗|么|嘛|怎么样|如何|咋样)$")
# Question frames that ask nothing by themselves (有没有类似的).
_FRAMES = re.compile(r"有没有|是不是|能不能|可不可以|会不会|也有|也是|的$")
# A document named as a pointer (国家那个文件里呢) asks nothing new.
_DOCUMENT_WORDS = re.compile(r"(文件|规定|政策|意见|办法|要点|方案|通知)(里|中|上)?")
MIN_OWN_CHARS = 3


def own_words(text: str, places: Sequence[str] = ()) -> str:
    """The words of a turn that ask something new: not a right, place, level or pointer."""
    rest = _PUNCT.sub("", text)
    for word in (*RIGHTS, *places):
        rest = rest.replace(word, "")
    for pattern in LEVEL_WORDS.values():
        rest = pattern.sub("", rest)
    rest = _DOCUMENT_WORDS.sub("", _POINTING.sub("", rest))
    rest = _QUESTION_END.sub("", _ASIDES.sub("", rest))
    rest = _FRAMES.sub("", rest)
    return rest if len(rest) >= MIN_OWN_CHARS else ""
