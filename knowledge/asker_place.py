"""Whose place a message names: the asker's own, or someone else's.

"我们是临沂的厂子，听说你们枣庄中心挺负责" names two places. 临沂 is where the
asker is; 枣庄 is where the centre is, named because the person is talking to
it. Counting every place named would call this asker local to 枣庄 and tell a
real person the wrong thing about assistance. A place is the asker's only when
the words tie it to them or to their matter:

* a self-description: 我们是临沂的, 我住在薛城, 我们厂在滕州, 公司注册在杭州,
  我们滕州的工作室, or a message that opens with one (临沂的企业, 临沂的，…);
* where the matter happened: 事情发生在枣庄的展会上, 在江苏被人侵权;
* a bare answer to "where are you": 滕州, 在薛城, 峄城区的.

Everything else is someone else's place: the centre's (你们枣庄中心, 枣庄的中心,
中国（枣庄）知识产权维权援助中心), the other party's (侵权那家厂子在外省),
or a place asked about (瑶海区对假冒商标怎么处理, 听说枣庄有政策).

Words that place the asker without a name (本地, 我们这边, 外地, 在你们这里被侵权)
are read the same way and reported as "here" or "elsewhere".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from knowledge.normalize import remove_invisible, to_simplified
from knowledge.places import Gazetteer, Place
from knowledge.settings import KnowledgeSettings


class Vicinity(Enum):
    """A place said without a name, relative to the centre the person writes to."""

    HERE = "here"  # 本地, 我们这边, 在你们这里
    ELSEWHERE = "elsewhere"  # 外地, 外省, 国外


class Role(Enum):
    """Whose place a mention is."""

    ASKER = "asker"  # where the person or their business is
    MATTER = "matter"  # where the matter happened
    CENTRE = "centre"  # the centre addressed, or another body of a place (保护中心, 法院)
    OTHER_PARTY = "other_party"  # where the infringer or the other side is
    TOPIC = "topic"  # a place asked about


OWN_ROLES = frozenset({Role.ASKER, Role.MATTER})


@dataclass(frozen=True)
class Mention:
    surface: str  # as written (after simplification): 临沂, 外地
    role: Role
    place: Place | None = None  # None for a place said without a name
    vicinity: Vicinity | None = None
    negated: bool = False  # 不在枣庄, 不是本地的: the asker says they are not there
    start: int = 0  # where it stands in the cleaned text (`cleaned`)
    end: int = 0


@dataclass(frozen=True)
class AskerPlace:
    """The asker's places in one message, and what else it names.

    `places` holds the named places of the person and of their matter, in
    reading order, the narrowest of each (枣庄滕州 is 滕州); `here`/`elsewhere`
    say whether the words place either of them without a name (不在本地 is
    elsewhere); `not_places` are places the asker says they are not in
    (不在枣庄). `topics` are places asked about, which an answer should
    respect but which say nothing about the asker.
    """

    places: tuple[Place, ...]
    here: bool
    elsewhere: bool
    topics: tuple[Place, ...]
    mentions: tuple[Mention, ...]
    not_places: tuple[Place, ...] = ()

    @property
    def known(self) -> bool:
        """Whether the words say anything about where the asker (or the matter) is."""
        return bool(self.places) or self.here or self.elsewhere

    def jurisdiction(self, home: Place | None = None) -> tuple[Place, ...]:
        """The places whose rules apply to the asker: the named ones, else `home` for "here".

        `home` is the centre's own place (the deployment's city): someone who
        says 本地 or 在你们这里 is under its rules. "Elsewhere" names no rules.
        """
        if self.places:
            return self.places
        if self.here and home is not None:
            return (home,)
        return ()


# -- the words -----------------------------------------------------------------

_MARK = "＠"  # stands for another mention inside a clause's context
_CLAUSE = re.compile(r"[，。！？；：,.!?;:\s…~～]+")
_HALF_TO_FULL = str.maketrans({"(": "（", ")": "）"})

# Said without a name. Longest first, so 你们这边 is not read as 这边; a bare
# 这 only after 在/住 (住这, 在这发生的), never as in 这个.
_NOT_THIS = "(?![个些样么种次件位家])"
_HERE_WORDS = (
    "我们这边|我们这儿|我们这里|我们当地|我们本地|我们市|我们区|我们县|"
    "咱们这边|咱们这儿|咱们这里|咱们当地|咱们市|咱这边|咱这儿|咱这里|咱市|"
    "你们这边|你们这儿|你们这里|你们那边|你们那儿|你们那里|你们当地|你们这个市|你们市|"
    "贵地|贵市|本地|本市|本区|本县|当地|市里|这边|这里|这儿|这个市|这个区|"
    f"我们这{_NOT_THIS}|咱们这{_NOT_THIS}|你们这{_NOT_THIS}|(?<=[在住])这{_NOT_THIS}"
)
_ELSEWHERE_WORDS = (
    "外地|外省|外市|外县|省外|市外|异地|别的城市|其他城市|别的地方|其他地方|别处|"
    "另一个市|别的市|别的省|其他省|外面|外边|国外|海外|境外|外国"
)
_VAGUE = re.compile(f"(?P<here>{_HERE_WORDS})|(?P<elsewhere>{_ELSEWHERE_WORDS})")
# 我们这边 places the speaker by itself. 本地 does not (本地是指哪些地方 asks
# about it), nor does 这边 (这边能帮忙吗 is the centre) or 外地 (外地人乱用 is
# the other party): those need words that tie them to the asker.
_SELF_VAGUE = re.compile(r"^(?:我们|咱们|咱)")
_CENTRE_VAGUE = re.compile(r"^(?:你们|贵)")

# Who can be "we": the person, their household, their business. 家 and 人
# only as words of their own (not 国家, 专家, 别人, 商人).
_SELF = (
    "我们|我|俺们|俺|咱们|咱|本人|我司|我厂|我方|本公司|本厂|本店|家里|老家|户口|户籍|"
    "(?<![别他有坏犯疑商工])人|公司|厂子|工厂|厂|店铺|门店|网店|店|企业|单位|作坊|工作室|"
    "总部|集团|合作社|仓库|基地|注册地|住所|(?<![国大专作厂商卖买那这有别])家"
)
# Verbs that put the subject somewhere.
_LOCATE = (
    "注册在|注册于|注册地是|注册地在|住在|住|位于|地处|来自|落户在|落户|设在|开在|办在|建在|"
    "搬到|搬去|定居在|定居|生活在|工作在|出生在|出生于|是在|是|在"
)
# Between subject and verb: adverbs and the thing owned (我们厂在), never a
# verb of wanting, going or asking (我想在枣庄申请 says nothing of where I am).
_SUBJECT_GAP = r"[^，你您想要去到找问听说能可请让被给对跟和与告帮]{0,6}?"
# Between verb and place: only words that keep the verb's meaning (我们是在安徽的).
_AFTER_VERB = r"(?:你们|咱们|咱|一家|一个|这边|那边|在)*"
_ASKER_LEFT = re.compile(f"(?:{_SELF}){_SUBJECT_GAP}(?:{_LOCATE}){_AFTER_VERB}{_MARK}*$")
# "我们滕州的工作室", "老家临沂", "咱们枣庄": a possessor opening the clause.
_APPOSITION = re.compile(f"^(?:我们|我|俺们|俺|咱们|咱|老家|户口|户籍)(?:是|在)?{_MARK}*$")
_LOCATED = re.compile(f"(?:{_LOCATE}){_AFTER_VERB}{_MARK}*$")
# A clause whose subject is the one already speaking: "现在在北京上班", "在瑶海区开了个店".
_ELIDED_LEFT = re.compile(
    r"^(?:现在|目前|一直|也|都|还|平时|常年|长期|已经|本来|就|当然)*(?:不|没|没有)?"
    r"(?:是在|在|住在|家住|住|属于|是)$"
)
_LIVES = re.compile(
    r"^[^，]{0,2}?(?:上班|工作|打工|生活|居住|住|读书|上学|开店|开厂|办厂|经营|做生意|创业|"
    r"开了|开个|办了|注册)"
)

# Someone other than the asker as the subject: the place is theirs.
_OTHER_PARTY = re.compile(
    r"(?<![我们俺咱])(?:对方|对手|侵权|被告|原告|那家|那个厂|厂家|他们|他|她|人家|别人|别家|卖家|商家|抢注|"
    r"仿冒|假冒|盗版|山寨|嫌疑|第三方|有人|有家|有个|一些人|不少人|很多人)"
)
# The matter happened there: 发生在…, or 在… followed by what befell the asker.
_MATTER_LEFT = re.compile(f"在(?:你们|咱们|我们|咱)?{_MARK}*$")
_EVENT = re.compile(
    r"^[^，]{0,8}?(?:被|遭|让人|叫人|给人|发现|碰到|遇到|看到|买到|侵权|仿冒|假冒|盗版|抄袭|"
    r"山寨|冒用|盗用|起诉|告了|告我|纠纷|出事|出了|发生|参展|参加|展会|博览会|展销会|交易会)"
)
_HAPPENED = re.compile(
    f"(?:发生在|发生于|出在|出事在|事情是在|事情在)(?:你们|咱们|我们|咱)?{_MARK}*$"
)
# A body of a place, not a place where anyone is: 枣庄中心, 枣庄的中心,
# （枣庄）知识产权维权援助中心, 瑶海区政府, 合肥的保护中心.
_BODY = re.compile(
    r"^）?(?:的|这边的?|那边的?|那个|这个)?(?:市|区|县)?"
    r"(?:知识产权|维权|援助|保护|市场监督管理|市场监管|市监|监管|综合服务|服务|人民|中级人民)*"
    r"(?:分中心|中心|局|法院|中院|仲裁委员会|仲裁委|仲裁院|政府|部门|工作站|公证处)"
)
_ADDRESSED = re.compile(r"(?:你们|您们|你们的|贵)(?:这边的?|那边的?|那个|这个)?$")
# A message that opens by saying who asks: 临沂的企业，… / 瑶海一家做轴承的厂 / 外地企业.
_GREETINGS = (
    r"(?:你好|您好|请问|问一下|问下|咨询一下|咨询下|想问一下|想问下|我想问一下|我想咨询一下|"
    r"老师|同志|领导|在吗|麻烦问下|麻烦问一下|打扰一下)+"
)
_GREETING = re.compile(f"^{_GREETINGS}$")
_GREETING_HEAD = re.compile(f"^{_GREETINGS}")
_OPENING = re.compile(
    f"^{_MARK}*(?:的|这边的?|那边的?)?(?:一家|一个|个|家)?"
    r"(?:[^，的对在有和与跟]{0,5}的|[^，的对在有和与跟]{0,4})?"
    r"(?:企业|公司|厂子|工厂|厂|个体户|个体工商户|商户|作坊|门店|店|工作室|合作社|老板|农户|"
    r"人|学校|高校|协会|律所|单位)"
)
# A clause that is only a place: the answer to "where are you?". Its other
# characters are particles, yes/no and "I am in".
_FILLER = re.compile(f"^[是对嗯哦啊呀呢吧了的在就都也不没我们俺咱那这边里儿人家{_MARK}]*$")
_SELFISH_FILLER = re.compile(r"[的在是我俺咱人家]")
# 不在枣庄, 我们不是这边的, 不属于本地: the asker is not there.
_NEGATED = re.compile(
    f"(?:不|没|没有|并不|并没有|并非)(?:是在|是|在|住在|属于|算)?(?:你们|咱们|我们|咱|这个)?{_MARK}*$"
)
_YES_NO = re.compile(r"^(?:是|是的|对|对的|嗯|不是|不|没有|不在|在|没)$")


def cleaned(text: str) -> str:
    """The text mentions are read from and located in: simplified, invisible marks removed."""
    return to_simplified(remove_invisible(text)).translate(_HALF_TO_FULL)


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    place: Place | None
    vicinity: Vicinity | None


def _spans(clause: str, gazetteer: Gazetteer) -> list[_Span]:
    spans = [_Span(f.start, f.end, f.place, None) for f in gazetteer.find(clause)]
    taken = {i for s in spans for i in range(s.start, s.end)}
    for match in _VAGUE.finditer(clause):
        if taken.intersection(range(match.start(), match.end())):
            continue
        # 枣庄这边 is 枣庄, said twice.
        if match.start() > 0 and match.start() - 1 in taken:
            continue
        vicinity = Vicinity.HERE if match.group("here") else Vicinity.ELSEWHERE
        spans.append(_Span(match.start(), match.end(), None, vicinity))
    return sorted(spans, key=lambda s: s.start)


def _masked(clause: str, spans: list[_Span]) -> tuple[str, list[int]]:
    """The clause with each mention as one mark, and each mention's index in it."""
    out: list[str] = []
    positions: list[int] = []
    cursor = 0
    for span in spans:
        out.append(clause[cursor : span.start])
        positions.append(sum(len(part) for part in out))
        out.append(_MARK)
        cursor = span.end
    out.append(clause[cursor:])
    return "".join(out), positions


def _role(left: str, right: str, surface: str, opening: bool, bare: bool) -> Role:
    """Whose place a mention is, from the clause's words before and after it."""
    if bare:
        return Role.ASKER
    asker = _ASKER_LEFT.search(left) or _APPOSITION.search(left)
    if _HAPPENED.search(left):
        return Role.MATTER  # 侵权发生在本地
    if asker and _OTHER_PARTY.search(left[max(asker.start() - 4, 0) :]):
        return Role.OTHER_PARTY  # 侵权那家厂子在外省
    if not asker and _OTHER_PARTY.search(left[-8:]) and _LOCATED.search(left):
        return Role.OTHER_PARTY  # 对方在杭州
    if _MATTER_LEFT.search(left) and _EVENT.search(right):
        return Role.MATTER
    if _BODY.search(right):
        return Role.CENTRE
    if asker or _elided_self(left, right):
        return Role.ASKER
    if _CENTRE_VAGUE.search(surface) or _ADDRESSED.search(left):
        return Role.CENTRE
    if _SELF_VAGUE.search(surface):
        return Role.ASKER
    if opening and not left.strip(_MARK) and (_OPENING.search(right) or _selfish_bare(right)):
        return Role.ASKER
    return Role.TOPIC


def _elided_self(left: str, right: str) -> bool:
    """现在在北京上班, 一直在这边, 在本地注册的: the speaker, unnamed, is somewhere."""
    return bool(_ELIDED_LEFT.search(left)) and (
        not right or bool(_FILLER.match(right)) or bool(_LIVES.search(right))
    )


def _selfish_bare(right: str) -> bool:
    """临沂的 / 在临沂 opening a message: a place and the particle that makes it one's own."""
    return bool(right) and bool(_FILLER.match(right)) and bool(_SELFISH_FILLER.search(right))


def read_mentions(text: str, gazetteer: Gazetteer) -> list[Mention]:
    """Every place a message names (or says without a name), with whose it is."""
    clean = cleaned(text)
    bounds = [(m.start(), m.end()) for m in re.finditer(f"(?:(?!{_CLAUSE.pattern}).)+", clean)]
    clauses = [clean[start:end] for start, end in bounds]
    found = [(c, _spans(c, gazetteer)) for c in clauses]
    # A message of nothing but places and particles answers "where are you?".
    bare = any(spans for _, spans in found) and all(
        _YES_NO.match(c) or (spans and _FILLER.match(_masked(c, spans)[0])) for c, spans in found
    )
    opening = next((i for i, c in enumerate(clauses) if not _GREETING.match(c)), 0)
    mentions: list[Mention] = []
    for index, (clause, spans) in enumerate(found):
        masked, positions = _masked(clause, spans)
        for span, at in zip(spans, positions, strict=True):
            left = masked[:at]
            if index == opening:
                left = _GREETING_HEAD.sub("", left)
            surface = clause[span.start : span.end]
            role = _role(left, masked[at + 1 :], surface, index == opening, bare)
            negated = role in OWN_ROLES and bool(_NEGATED.search(left))
            offset = bounds[index][0]
            mentions.append(
                Mention(
                    surface,
                    role,
                    span.place,
                    span.vicinity,
                    negated,
                    offset + span.start,
                    offset + span.end,
                )
            )
    return mentions


def read_asker_place(text: str, gazetteer: Gazetteer) -> AskerPlace:
    """The asker's places in `text`, told apart from the centre's and those asked about."""
    mentions = read_mentions(text, gazetteer)
    own = [m for m in mentions if m.role in OWN_ROLES]
    named = list(dict.fromkeys(m.place for m in own if m.place is not None and not m.negated))
    # 枣庄滕州, 合肥市蜀山区: the narrower place says it all.
    places = tuple(p for p in named if not any(q != p and q.within(p) for q in named))
    topics = tuple(
        dict.fromkeys(
            m.place
            for m in mentions
            if m.role is Role.TOPIC and m.place is not None and m.place not in places
        )
    )
    # 不在本地 is elsewhere; 不在外地, here.
    said = [_flipped(m.vicinity) if m.negated else m.vicinity for m in own]
    return AskerPlace(
        places=places,
        here=Vicinity.HERE in said,
        elsewhere=Vicinity.ELSEWHERE in said,
        topics=topics,
        mentions=tuple(mentions),
        not_places=tuple(dict.fromkeys(m.place for m in own if m.place and m.negated)),
    )


def _flipped(vicinity: Vicinity | None) -> Vicinity | None:
    if vicinity is None:
        return None
    return Vicinity.ELSEWHERE if vicinity is Vicinity.HERE else Vicinity.HERE


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return Gazetteer.from_file(KnowledgeSettings.from_env().places)


def asker_place(text: str, gazetteer: Gazetteer | None = None) -> AskerPlace:
    """The asker's places in a question, for answering from their jurisdiction.

    Uses the deployment's gazetteer unless one is given.
    """
    return read_asker_place(text, gazetteer or default_gazetteer())
