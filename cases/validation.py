"""Checks of the numbers a person types while opening a case.

Each validator takes raw text as typed in a chat and returns a `Checked`: the
normalised value, or a problem code plus a short Chinese message that the
chatbot repeats verbatim as its retry prompt. That is why a message names what
is wrong *and* what is expected, and why each failure has its own message:
"格式不对" alone makes people retype the same mistake.

Validators never raise on user input. They normalise first (full-width to
half-width via NFKC, spaces, case, country codes) so that only real mistakes
are refused. The rules follow:

* mobile numbers: MIIT numbering plan, 1[3-9]x; 140–144 are IoT/data-only;
* identity cards: GB 11643-1999 (ISO 7064 MOD 11-2 check character);
* unified social credit codes: GB 32100-2015;
* patent numbers: CNIPA application-number format (2003 and before 2003)
  with its MOD 11 check digit, and grant/publication numbers (CN…B/U/S);
* trademark registration numbers: CNIPA, up to 8 digits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import Enum


class _Code(str, Enum):  # noqa: UP042 - see below
    # enum.StrEnum is Python 3.11+; this module is also imported by the log
    # filter Rasa loads, and Rasa runs on Python 3.10.
    def __str__(self) -> str:
        return str(self.value)


class Problem(_Code):
    """Why a value was refused; stable codes for analytics and tests."""

    EMPTY = "empty"
    BAD_CHARACTERS = "bad_characters"
    WRONG_LENGTH = "wrong_length"
    BAD_PREFIX = "bad_prefix"
    IOT_NUMBER = "iot_number"
    NOT_MAINLAND = "not_mainland"
    BAD_REGION = "bad_region"
    BAD_BIRTH_DATE = "bad_birth_date"
    BAD_AUTHORITY = "bad_authority"
    BAD_FORMAT = "bad_format"
    CHECK_MISMATCH = "check_mismatch"


class PatentKind(_Code):
    """The kind of patent a number belongs to, as far as the number tells."""

    INVENTION = "invention"
    UTILITY_MODEL = "utility_model"
    DESIGN = "design"
    PCT = "pct"  # PCT application entering the Chinese national phase

    @property
    def label(self) -> str:
        """The Chinese name shown to people."""
        return _PATENT_LABELS[self]


_PATENT_LABELS = {
    PatentKind.INVENTION: "发明",
    PatentKind.UTILITY_MODEL: "实用新型",
    PatentKind.DESIGN: "外观设计",
    PatentKind.PCT: "PCT国际申请",
}


@dataclass(frozen=True)
class Checked:
    """The outcome of one check: a normalised value, or a problem and a message."""

    value: str | None
    problem: Problem | None
    message: str

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class PatentChecked(Checked):
    """A checked patent number, with its kind when the number reveals it."""

    kind: PatentKind | None = None


def _accept(value: str) -> Checked:
    return Checked(value, None, "")


def _refuse(problem: Problem, message: str) -> Checked:
    return Checked(None, problem, message)


def _compact(text: str | None) -> str:
    """NFKC (full-width → ASCII) and every kind of whitespace removed."""
    if text is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# --- one normaliser for typed numbers -----------------------------------------

# What people put between the digits of a number they type (after NFKC, which
# turns full-width and circled digits into ASCII and full-width punctuation
# into its ASCII twin): spaces of every kind, hyphens and dashes, dots, middle
# dots, brackets. The validators drop them, and the log redaction
# (cases/privacy.py) reads numbers across them, from this one definition: a
# number the validators accept is a number the redaction masks.
NUMBER_SEPARATORS = frozenset("-‐‑‒–—―−﹣.·・•()")


def is_number_separator(char: str) -> bool:
    """True for one character people type between the digits of a number."""
    return char.isspace() or char in NUMBER_SEPARATORS


def compact_number(text: str | None) -> str:
    """`text` as NFKC with every number separator removed: "１３８-1234 ⑤⑥⑦⑧" → "13812345678"."""
    normal = unicodedata.normalize("NFKC", text or "")
    return "".join(char for char in normal if not is_number_separator(char))


# --- mobile numbers --------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_IOT_PREFIXES = frozenset({"140", "141", "142", "143", "144"})


def mobile(text: str | None) -> Checked:
    """A mainland mobile number as 11 ASCII digits.

    IoT/data-only numbers (140–144) are refused: they cannot take a call, and a
    case officer who cannot reach the person cannot help them.
    """
    digits = compact_number(text)
    if not digits:
        return _refuse(Problem.EMPTY, "请留一个手机号，方便工作人员联系您。")
    if digits.startswith("+"):
        if not digits.startswith("+86"):
            return _refuse(
                Problem.NOT_MAINLAND, "目前只能登记中国大陆手机号（+86），请换一个大陆手机号。"
            )
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not re.fullmatch(r"[0-9]*", digits):
        return _refuse(
            Problem.BAD_CHARACTERS,
            "手机号只能是数字，里面好像混进了字母或符号，请重新输入11位手机号。",
        )
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        return _refuse(Problem.BAD_PREFIX, "这看起来是座机号码，请留一个11位的手机号。")
    if len(digits) != 11:
        return _refuse(
            Problem.WRONG_LENGTH,
            f"手机号应为11位数字，您输入的是{len(digits)}位，请检查是否多输或漏输。",
        )
    if not _MOBILE.fullmatch(digits):
        return _refuse(
            Problem.BAD_PREFIX, "手机号应以13到19开头，这个号码开头不对，请核对后重新输入。"
        )
    if digits[:3] in _IOT_PREFIXES:
        return _refuse(
            Problem.IOT_NUMBER,
            "140到144开头的是物联网卡号码，不能作为联系电话，请留一个常用手机号。",
        )
    return _accept(digits)


# --- resident identity cards (GB 11643-1999) -------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"  # indexed by the weighted sum mod 11
_PROVINCES = frozenset(
    str(code)
    for code in [
        *range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
        *range(50, 55), *range(61, 66), 71, 81, 82, 83, 91,
    ]
)  # fmt: skip


def id_check_char(body: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) of 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def _birth_problem(digits: str, today: date) -> str | None:
    """What is wrong with the YYYYMMDD birth date, in Chinese, or None."""
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return f"身份证号第7到14位是出生日期，“{digits}”不是一个真实的日期，请核对。"
    if born.year < 1900:
        return f"身份证号里的出生年份是{born.year}年，不太可能，请核对第7到10位。"
    if born > today:
        return f"身份证号里的出生日期（{born:%Y年%m月%d日}）晚于今天，请核对第7到14位。"
    return None


def id_card(text: str | None, *, today: date | None = None) -> Checked:
    """An 18-character resident identity card number, check character upper-case.

    Written in groups ("370402 19900101 1238") or with dashes is fine: the
    separators every typed number may have are dropped first.

    Args:
        text: what the person typed.
        today: the reference date for "born in the future"; tests pin it.
    """
    number = compact_number(text).upper()
    if not number:
        return _refuse(Problem.EMPTY, "请填写18位的居民身份证号码。")
    if not re.fullmatch(r"[0-9X]*", number):
        return _refuse(
            Problem.BAD_CHARACTERS,
            "身份证号只能由数字组成，只有最后一位可以是字母X，请检查后重新输入。",
        )
    if len(number) == 15:
        return _refuse(Problem.WRONG_LENGTH, "这是15位的旧身份证号，请填写现在使用的18位号码。")
    if len(number) != 18:
        return _refuse(
            Problem.WRONG_LENGTH,
            f"身份证号应为18位，您输入的是{len(number)}位，请检查是否多输或漏输。",
        )
    if "X" in number[:17]:
        return _refuse(
            Problem.BAD_CHARACTERS, "身份证号只有最后一位可以是字母X，请检查后重新输入。"
        )
    if number[:2] not in _PROVINCES:
        return _refuse(
            Problem.BAD_REGION,
            f"身份证号前两位是省份代码，“{number[:2]}”不是有效的代码，请核对开头几位。",
        )
    birth = _birth_problem(number[6:14], today or date.today())
    if birth:
        return _refuse(Problem.BAD_BIRTH_DATE, birth)
    if id_check_char(number[:17]) != number[17]:
        return _refuse(
            Problem.CHECK_MISMATCH,
            "身份证号校验没通过，可能有一位输错或前后颠倒了，请对照证件逐位核对。",
        )
    return _accept(number)


# --- unified social credit codes (GB 32100-2015) ---------------------------

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_AUTHORITIES = frozenset("123456789ANY")
_LOOKALIKES = {"I": "数字1", "O": "数字0", "Z": "数字2", "S": "数字5"}


def credit_check_char(body: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def _credit_character_message(bad: str) -> str:
    if bad in "IOZSV":
        hint = f"，这里的“{bad}”可能是{_LOOKALIKES[bad]}" if bad in _LOOKALIKES else ""
        return f"统一社会信用代码不使用字母I、O、Z、S、V{hint}，请对照营业执照核对。"
    return f"统一社会信用代码只由数字和大写字母组成，“{bad}”不该出现在里面，请核对。"


def credit_code(text: str | None) -> Checked:
    """An 18-character unified social credit code, upper-case (separators dropped)."""
    code = compact_number(text).upper()
    if not code:
        return _refuse(Problem.EMPTY, "请填写18位的统一社会信用代码，营业执照上就有。")
    bad = next((c for c in code if c not in CREDIT_ALPHABET), None)
    if bad is not None:
        return _refuse(Problem.BAD_CHARACTERS, _credit_character_message(bad))
    if len(code) != 18:
        return _refuse(
            Problem.WRONG_LENGTH,
            f"统一社会信用代码应为18位，您输入的是{len(code)}位，请对照营业执照核对。",
        )
    if code[0] not in _AUTHORITIES:
        return _refuse(
            Problem.BAD_AUTHORITY,
            f"统一社会信用代码第一位应是数字1到9或字母A、N、Y，这里是“{code[0]}”，请核对。",
        )
    if credit_check_char(code[:17]) != code[17]:
        return _refuse(
            Problem.CHECK_MISMATCH,
            "统一社会信用代码最后一位校验码对不上，可能有一位输错了，请逐位核对。",
        )
    return _accept(code)


# --- patent numbers (CNIPA) -------------------------------------------------

_PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_APPLICATION = re.compile(r"(?:ZL|CN)?(?P<body>[0-9]{12}|[0-9]{8})\.?(?P<check>[0-9X])")
_PUBLICATION = re.compile(r"(?:CN)?(?P<number>[0-9]{9}|[0-9]{7})(?P<letter>[ABCUYSD])")
_TYPE_DIGIT_KINDS = {
    "1": PatentKind.INVENTION,
    "2": PatentKind.UTILITY_MODEL,
    "3": PatentKind.DESIGN,
    "8": PatentKind.PCT,  # PCT invention
    "9": PatentKind.PCT,  # PCT utility model
}
_LETTER_KINDS = {
    **dict.fromkeys("ABC", (PatentKind.INVENTION, "1")),
    **dict.fromkeys("UY", (PatentKind.UTILITY_MODEL, "2")),
    **dict.fromkeys("SD", (PatentKind.DESIGN, "3")),
}
_PATENT_FORMAT = (
    "没认出这个专利号。申请号一般像“ZL201910123456.X”（12位数字、一个点、一位校验位），"
    "公告号像“CN110123456B”，请核对后重新输入。"
)


def patent_check_char(body: str) -> str:
    """The check digit of a 12-digit (or pre-2003 8-digit) application number."""
    total = sum(int(d) * w for d, w in zip(body, _PATENT_WEIGHTS, strict=False))
    return "0123456789X"[total % 11]


def _refuse_patent(problem: Problem, message: str) -> PatentChecked:
    return PatentChecked(None, problem, message)


def _application(body: str, check: str, today: date) -> PatentChecked:
    if len(body) == 12:
        year, type_digit, type_position = int(body[:4]), body[4], 5
        if not 2003 <= year <= today.year:
            return _refuse_patent(
                Problem.BAD_FORMAT,
                f"专利申请号前4位是申请年份，“{year}”不对（这种号码从2003年开始使用），请核对。",
            )
    else:  # before October 2003: two-digit year
        two = int(body[:2])
        year, type_digit, type_position = (1900 + two if two >= 85 else 2000 + two), body[2], 3
        if not 1985 <= year <= 2003:
            return _refuse_patent(
                Problem.BAD_FORMAT,
                f"这种较短的专利号只用于1985到2003年，开头的“{body[:2]}”对不上，请核对。",
            )
    kind = _TYPE_DIGIT_KINDS.get(type_digit)
    if kind is None:
        return _refuse_patent(
            Problem.BAD_FORMAT,
            f"专利申请号第{type_position}位表示专利类型，应是1、2、3、8或9，这里是“{type_digit}”，请核对。",
        )
    if patent_check_char(body) != check:
        return _refuse_patent(
            Problem.CHECK_MISMATCH,
            "专利号最后一位校验位对不上，可能有一位输错了，请对照专利证书或受理通知书核对。",
        )
    return PatentChecked(f"{body}.{check}", None, "", kind)


def patent_number(text: str | None, *, today: date | None = None) -> PatentChecked:
    """A patent application number (`201910123456.X`) or publication number (`CN110123456B`).

    `ZL`/`CN` prefixes are dropped from application numbers: the value is the
    number itself, which is what CNIPA's search takes.
    """
    number = _compact(text).upper().replace("。", ".")
    if not number:
        return _refuse_patent(Problem.EMPTY, "请填写专利号，例如“ZL201910123456.X”。")
    if match := _APPLICATION.fullmatch(number):
        return _application(match["body"], match["check"], today or date.today())
    if match := _PUBLICATION.fullmatch(number):
        kind, first_digit = _LETTER_KINDS[match["letter"]]
        if match["number"][0] != first_digit:
            return _refuse_patent(
                Problem.BAD_FORMAT, "公告号的数字和末尾字母对应的专利类型不一致，请对照证书核对。"
            )
        return PatentChecked(f"CN{match['number']}{match['letter']}", None, "", kind)
    if re.fullmatch(r"(?:ZL|CN)?[0-9]{12}", number):
        return _refuse_patent(
            Problem.BAD_FORMAT,
            "专利申请号最后还有一位校验位（点后面的数字或X），请把完整号码发给我。",
        )
    return _refuse_patent(Problem.BAD_FORMAT, _PATENT_FORMAT)


# --- trademark registration numbers -----------------------------------------


def trademark_number(text: str | None) -> Checked:
    """A trademark registration number: 1 to 8 digits, "第…号" removed."""
    number = _compact(text).removeprefix("第").removesuffix("号")
    if not number:
        return _refuse(Problem.EMPTY, "请填写商标注册号，商标注册证上“第×××号”里的数字就是。")
    if not re.fullmatch(r"[0-9]+", number):
        return _refuse(
            Problem.BAD_CHARACTERS,
            "商标注册号只由数字组成，例如注册证上写“第12345678号”，就填12345678。",
        )
    if len(number) > 8:
        return _refuse(
            Problem.WRONG_LENGTH, f"商标注册号最多8位数字，您输入了{len(number)}位，请核对。"
        )
    return _accept(number)
