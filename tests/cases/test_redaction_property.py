"""Property: every number a validator accepts, written any way it accepts, is masked.

The validators (cases/validation.py) and the redaction (cases/privacy.py) read
typed numbers through one normaliser. These tests generate numbers that are
valid by construction, write them the way people do — full-width or circled
digits, lower-case letters, spaces, dashes, dots and brackets anywhere
between the characters, a country code before a mobile number — check that
the validator accepts the result, put it inside surrounding text, and check
that `redact` leaves nothing of the number readable and the text around it
untouched.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cases.privacy import redact
from cases.validation import (
    CREDIT_ALPHABET,
    Checked,
    compact_number,
    credit_check_char,
    credit_code,
    id_card,
    id_check_char,
    mobile,
)

TODAY = date(2026, 12, 4)
PROVINCES = ["11", "13", "23", "31", "37", "44", "51", "65", "71", "81", "91"]
# What people put between digits (NFKC turns the full-width ones into ASCII).
SEPARATORS = [" ", "  ", "-", "—", "–", ".", "·", "(", ")", "\u3000", "\t", "－", "（", "）", "．"]
# Text around a number: Chinese, letters, punctuation; the character right
# beside the number is never a letter or digit (that would make it part of
# a longer token, which is not a number anyone typed on its own).
AROUND = st.text(alphabet="电话身份证号码是我的请联系信用代码abcXYZ，。：:；！？ =\"'", max_size=12)
# Reproducible in CI (no example database, the same examples every run), and
# more of them than the default: each is cheap.
PROPERTY = settings(max_examples=400, derandomize=True, database=None, deadline=None)
BOUNDARY = st.sampled_from(["，", "。", "：", "是", "号", " ", "\n", "=", '"', "（"])


def digit_forms(char: str) -> list[str]:
    """The ways one character of a number is typed."""
    forms = [char]
    if char.isdigit():
        forms.append(chr(ord(char) + 0xFEE0))  # full-width
        forms.append("⓪" if char == "0" else chr(0x2460 + int(char) - 1))  # circled
    elif char.isalpha():
        forms += [char.lower(), chr(ord(char) + 0xFEE0)]
    return forms


@st.composite
def written(draw: st.DrawFn, value: str) -> str:
    """`value` as a person might type it."""
    out = []
    for index, char in enumerate(value):
        if index and draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(SEPARATORS)))
        out.append(draw(st.sampled_from(digit_forms(char))))
    return "".join(out)


@st.composite
def mobiles(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from([f"1{d}" for d in "3456789"]))
    third = draw(st.integers(0, 9))
    assume(f"{prefix}{third}" not in {"140", "141", "142", "143", "144"})
    rest = "".join(str(draw(st.integers(0, 9))) for _ in range(8))
    number = draw(written(f"{prefix}{third}{rest}"))
    country = draw(st.sampled_from(["", "", "+86", "+86 ", "0086", "0086-", "86 "]))
    return country + number


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(PROVINCES)) + "".join(
        str(draw(st.integers(0, 9))) for _ in range(4)
    )
    born = date(1900, 1, 1) + timedelta(days=draw(st.integers(0, (TODAY - date(1900, 1, 1)).days)))
    body = f"{region}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return draw(written(body + id_check_char(body)))


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from("123456789ANY"))
    kind = draw(st.sampled_from(CREDIT_ALPHABET))
    region = "".join(str(draw(st.integers(0, 9))) for _ in range(6))
    organisation = "".join(draw(st.sampled_from(CREDIT_ALPHABET)) for _ in range(9))
    body = f"{authority}{kind}{region}{organisation}"
    return draw(written(body + credit_check_char(body)))


def assert_masked(typed: str, checked: Checked, prefix: str, suffix: str) -> None:
    assert checked.ok, (typed, checked.message)
    value = checked.value or ""
    text = prefix + typed + suffix
    masked = redact(text)
    assert value not in compact_number(masked).upper(), (text, masked)
    assert masked.startswith(prefix) and masked.endswith(suffix), (text, masked)
    assert redact(masked) == masked


@PROPERTY
@given(mobiles(), AROUND, BOUNDARY, BOUNDARY, AROUND)
def test_every_accepted_mobile_number_is_masked(
    typed: str, before: str, left: str, right: str, after: str
) -> None:
    assert_masked(typed, mobile(typed), before + left, right + after)


@PROPERTY
@given(id_numbers(), AROUND, BOUNDARY, BOUNDARY, AROUND)
def test_every_accepted_id_number_is_masked(
    typed: str, before: str, left: str, right: str, after: str
) -> None:
    assert_masked(typed, id_card(typed, today=TODAY), before + left, right + after)


@PROPERTY
@given(credit_codes(), AROUND, BOUNDARY, BOUNDARY, AROUND)
def test_every_accepted_credit_code_is_masked(
    typed: str, before: str, left: str, right: str, after: str
) -> None:
    assert_masked(typed, credit_code(typed), before + left, right + after)


def test_the_formats_people_use_are_accepted_and_masked() -> None:
    """The shapes the review found unmasked, each accepted by its validator."""
    for typed in [
        "138.1234.5678",
        "138 1234-5678",
        "(138)1234-5678",
        "138—1234—5678",
        "１３８１２３４５６７８",
        "①③⑧①②③④⑤⑥⑦⑧",
    ]:
        assert_masked(typed, mobile(typed), "联系电话：", "，谢谢")
    for typed in [
        "370402 19900101 1238",
        "370402-19900101-1238",
        "３７０４０２１９９００１０１１２３８",
    ]:
        assert_masked(typed, id_card(typed, today=TODAY), "身份证 ", "。")
