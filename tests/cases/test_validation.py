"""Validators on what people really type; check characters come from oracles written here.

The oracles below re-implement each standard's check character independently
of `cases.validation`, so a wrong weight table there cannot make the tests
agree with it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

import pytest

from cases.validation import (
    Checked,
    PatentKind,
    Problem,
    credit_code,
    id_card,
    mobile,
    patent_number,
    trademark_number,
)

TODAY = date(2025, 6, 1)


def with_id_check(body: str) -> str:
    """GB 11643-1999: ISO 7064 MOD 11-2 over 17 digits."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, ...
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def with_credit_check(body: str) -> str:
    """GB 32100-2015: weights 3^i mod 31, check = 31 - sum mod 31 (31 → 0)."""
    total = sum(ALPHABET.index(c) * (3**i % 31) for i, c in enumerate(body))
    return body + ALPHABET[(31 - total % 31) % 31]


def patent_check(body: str) -> str:
    """CNIPA application number: weights 2..9, 2..5; sum mod 11; 10 → X."""
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    pairs = zip(body, weights[: len(body)], strict=True)
    return "0123456789X"[sum(int(d) * w for d, w in pairs) % 11]


def test_oracles_agree_with_published_examples() -> None:
    assert with_id_check("11010519491231002") == "11010519491231002X"  # GB 11643 example
    assert with_credit_check("91350100M000100Y4") == "91350100M000100Y43"
    assert patent_check("201910123456") == "X"


def test_result_is_frozen_and_ok_means_no_problem() -> None:
    result = mobile("13812345678")
    assert result.ok and result.message == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.value = "x"  # type: ignore[misc]
    refused = mobile("")
    assert not refused.ok and refused.value is None


# --- mobile -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "+86 138-1234-5678",
        "１３８１２３４５６７８",
        "＋８６ １３８－１２３４－５６７８",
        "(+86) 138 1234 5678",
        "008613812345678",
        "8613812345678",
        "138.1234.5678",
        " 138 1234 5678 ",
    ],
)
def test_mobile_accepts_common_spellings(text: str) -> None:
    assert mobile(text) == Checked("13812345678", None, "")


@pytest.mark.parametrize("number", ["14512345678", "14712345678", "16612345678", "19912345678"])
def test_mobile_accepts_ordinary_ranges(number: str) -> None:
    assert mobile(number).ok


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("14012345678", Problem.IOT_NUMBER),
        ("14112345678", Problem.IOT_NUMBER),
        ("144 1234 5678", Problem.IOT_NUMBER),
        ("12345678901", Problem.BAD_PREFIX),
        ("10012345678", Problem.BAD_PREFIX),
        ("010-12345678", Problem.BAD_PREFIX),
        ("0531-12345678", Problem.BAD_PREFIX),
        ("1381234567", Problem.WRONG_LENGTH),
        ("138123456789", Problem.WRONG_LENGTH),
        ("+86", Problem.WRONG_LENGTH),
        ("138abcd5678", Problem.BAD_CHARACTERS),
        ("一三八一二三四五六七八", Problem.BAD_CHARACTERS),
        ("手机13812345678", Problem.BAD_CHARACTERS),
        ("+852 6123 4567", Problem.NOT_MAINLAND),
        ("", Problem.EMPTY),
        ("   ", Problem.EMPTY),
        ("\u3000", Problem.EMPTY),
        (None, Problem.EMPTY),
    ],
)
def test_mobile_refusals(text: str | None, problem: Problem) -> None:
    result = mobile(text)
    assert result.problem is problem and result.value is None and result.message


def test_mobile_messages_say_what_is_wrong() -> None:
    assert "物联网" in mobile("14012345678").message
    assert "10位" in mobile("1381234567").message
    assert "座机" in mobile("010-12345678").message
    messages = {mobile(t).message for t in ["", "14012345678", "12345678901", "1381", "13a"]}
    assert len(messages) == 5


# --- identity cards -------------------------------------------------------------

SAMPLE_ID = with_id_check("37040219900101123")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        ("110105 19491231 002X", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        (SAMPLE_ID, SAMPLE_ID),
        (with_id_check("11010520000229001"), None),  # 2000 is a leap year
        (with_id_check("44030620240229002"), None),  # so is 2024
        (with_id_check("11010519000101001"), None),  # earliest year allowed
        (with_id_check("11010520250601001"), None),  # born today
        (with_id_check("81000019800101001"), None),  # Hong Kong residence permit
        (with_id_check("83000019800101001"), None),  # Taiwan residence permit
        (with_id_check("91000019800101001"), None),
        (with_id_check("65010219851130123"), None),
    ],
)
def test_id_card_accepts(text: str, value: str | None) -> None:
    result = id_card(text, today=TODAY)
    assert result.ok, result.message
    assert result.value == (value or text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", Problem.EMPTY),
        (None, Problem.EMPTY),
        ("11010519491231002", Problem.WRONG_LENGTH),
        ("11010519491231002X1", Problem.WRONG_LENGTH),
        ("370402900101123", Problem.WRONG_LENGTH),  # old 15-digit number
        ("11010519491231002Y", Problem.BAD_CHARACTERS),
        ("1101051949123l002X", Problem.BAD_CHARACTERS),  # letter l for 1
        ("11010X19491231002X", Problem.BAD_CHARACTERS),
        ("X10105194912310021", Problem.BAD_CHARACTERS),
        (with_id_check("99010519491231002"), Problem.BAD_REGION),
        (with_id_check("00010519491231002"), Problem.BAD_REGION),
        (with_id_check("16010519491231002"), Problem.BAD_REGION),
        (with_id_check("11010520230229001"), Problem.BAD_BIRTH_DATE),  # 2023 not leap
        (with_id_check("11010519000229001"), Problem.BAD_BIRTH_DATE),  # 1900 not leap
        (with_id_check("11010519901301001"), Problem.BAD_BIRTH_DATE),  # month 13
        (with_id_check("11010519900431001"), Problem.BAD_BIRTH_DATE),  # April 31
        (with_id_check("11010518991231001"), Problem.BAD_BIRTH_DATE),  # before 1900
        (with_id_check("11010520250602001"), Problem.BAD_BIRTH_DATE),  # tomorrow
        (with_id_check("11010520300101001"), Problem.BAD_BIRTH_DATE),
        ("110105194912310021", Problem.CHECK_MISMATCH),
    ],
)
def test_id_card_refusals(text: str | None, problem: Problem) -> None:
    result = id_card(text, today=TODAY)
    assert result.problem is problem and result.value is None and result.message


@pytest.mark.parametrize("wrong", sorted(set("0123456789X") - {SAMPLE_ID[-1]}))
def test_id_card_every_wrong_check_character_is_refused(wrong: str) -> None:
    assert id_card(SAMPLE_ID[:17] + wrong, today=TODAY).problem is Problem.CHECK_MISMATCH


def test_id_card_catches_swapped_digits() -> None:
    swapped = "11010519491231020X"  # last two body digits of the standard's example swapped
    assert with_id_check(swapped[:17]) != swapped
    assert id_card(swapped, today=TODAY).problem is Problem.CHECK_MISMATCH


def test_id_card_messages_are_specific() -> None:
    assert "15位" in id_card("370402900101123").message
    assert "17位" in id_card("11010519491231002").message
    assert "“99”" in id_card(with_id_check("99010519491231002")).message
    assert "晚于今天" in id_card(with_id_check("11010520300101001"), today=TODAY).message
    assert "“20230229”" in id_card(with_id_check("11010520230229001")).message


def test_id_card_uses_the_real_date_by_default() -> None:
    assert id_card("11010519491231002X").ok


# --- unified social credit codes ------------------------------------------------

CREDIT_CODES = [
    "91350100M000100Y43",  # the commonly cited example
    with_credit_check("91110000600037341"),
    with_credit_check("12100000400000624"),
    with_credit_check("51100000500000000"),
    with_credit_check("92440300MA5D12345"),  # 个体工商户
    with_credit_check("Y1110000MA01ABCDE"),
    with_credit_check("31110000400000000"),  # law firm (司法行政)
    with_credit_check("N2110000MA0000000"),
    with_credit_check("A1100000MA0000000"),
]


@pytest.mark.parametrize("code", CREDIT_CODES)
def test_credit_code_accepts(code: str) -> None:
    assert credit_code(code) == Checked(code, None, "")


@pytest.mark.parametrize(
    "text", ["91350100m000100y43", "9135 0100 M000 100Y 43", "９１３５０１００Ｍ０００１００Ｙ４３"]
)
def test_credit_code_normalises(text: str) -> None:
    assert credit_code(text).value == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "position"), [(c, p) for c in CREDIT_CODES[:3] for p in range(18)]
)
def test_credit_code_refuses_any_single_changed_character(code: str, position: int) -> None:
    changed = ALPHABET[(ALPHABET.index(code[position]) + 1) % len(ALPHABET)]
    mutated = code[:position] + changed + code[position + 1 :]
    assert credit_code(mutated).problem in {Problem.CHECK_MISMATCH, Problem.BAD_AUTHORITY}
    if position:
        assert credit_code(mutated).problem is Problem.CHECK_MISMATCH


@pytest.mark.parametrize(
    ("text", "problem", "hint"),
    [
        ("", Problem.EMPTY, "18位"),
        (None, Problem.EMPTY, "18位"),
        ("91350100M000100Y4", Problem.WRONG_LENGTH, "17位"),
        ("91350100M000100Y431", Problem.WRONG_LENGTH, "19位"),
        ("91350100O000100Y43", Problem.BAD_CHARACTERS, "数字0"),
        ("9135010OM000100Y43", Problem.BAD_CHARACTERS, "I、O、Z、S、V"),
        ("9I350100M000100Y43", Problem.BAD_CHARACTERS, "数字1"),
        ("91350100M000100V43", Problem.BAD_CHARACTERS, "I、O、Z、S、V"),
        ("91350100_M000100Y43", Problem.BAD_CHARACTERS, "“_”"),
        (with_credit_check("B1350100M000100Y4"), Problem.BAD_AUTHORITY, "“B”"),
        ("91350100M000100Y44", Problem.CHECK_MISMATCH, "校验码"),
    ],
)
def test_credit_code_refusals(text: str | None, problem: Problem, hint: str) -> None:
    result = credit_code(text)
    assert result.problem is problem and result.value is None
    assert hint in result.message


# --- patent numbers ----------------------------------------------------------------


def application(body: str, *, prefix: str = "ZL", dot: str = ".") -> str:
    return f"{prefix}{body}{dot}{patent_check(body)}"


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("ZL201910123456.X", "201910123456.X", PatentKind.INVENTION),
        ("zl 2019 1 0123456 . x", "201910123456.X", PatentKind.INVENTION),
        ("CN201910123456.X", "201910123456.X", PatentKind.INVENTION),
        ("201910123456X", "201910123456.X", PatentKind.INVENTION),
        ("ZL201910123456。X", "201910123456.X", PatentKind.INVENTION),
        ("ＺＬ２０１９１０１２３４５６．Ｘ", "201910123456.X", PatentKind.INVENTION),
        (application("202020123456"), None, PatentKind.UTILITY_MODEL),
        (application("202130654321", prefix=""), None, PatentKind.DESIGN),
        (application("201980012345", prefix="CN"), None, PatentKind.PCT),
        (application("200390000001"), None, PatentKind.PCT),
        (application("98123456"), None, PatentKind.INVENTION),  # before 2003
        (application("02212345", prefix=""), None, PatentKind.UTILITY_MODEL),
        (application("85100001"), None, PatentKind.INVENTION),
        ("CN110123456B", "CN110123456B", PatentKind.INVENTION),
        ("cn 110123456 b", "CN110123456B", PatentKind.INVENTION),
        ("110123456A", "CN110123456A", PatentKind.INVENTION),
        ("CN209876543U", "CN209876543U", PatentKind.UTILITY_MODEL),
        ("CN305123456S", "CN305123456S", PatentKind.DESIGN),
        ("CN1234567A", "CN1234567A", PatentKind.INVENTION),  # seven-digit, before 2007
        ("CN2345678Y", "CN2345678Y", PatentKind.UTILITY_MODEL),
    ],
)
def test_patent_number_accepts(text: str, value: str | None, kind: PatentKind) -> None:
    result = patent_number(text, today=TODAY)
    assert result.ok, result.message
    expected = value or f"{text.removeprefix('ZL').removeprefix('CN')[:-2]}.{text[-1]}"
    assert result.value == expected
    assert result.kind is kind


@pytest.mark.parametrize("wrong", sorted(set("0123456789X") - {"X"}))
def test_patent_number_refuses_wrong_check_digit(wrong: str) -> None:
    result = patent_number(f"ZL201910123456.{wrong}", today=TODAY)
    assert result.problem is Problem.CHECK_MISMATCH and result.kind is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", Problem.EMPTY),
        (None, Problem.EMPTY),
        ("ZL98123456.7", Problem.CHECK_MISMATCH),  # the right check digit is 9
        ("201910123456", Problem.BAD_FORMAT),  # check digit left out
        (application("201950123456"), Problem.BAD_FORMAT),  # no type 5
        (application("209910123456"), Problem.BAD_FORMAT),  # year in the future
        (application("199910123456"), Problem.BAD_FORMAT),  # 12 digits before 2003
        (application("05123456"), Problem.BAD_FORMAT),  # 8 digits after 2003
        ("CN110123456U", Problem.BAD_FORMAT),  # invention number, utility letter
        ("CN11012345B", Problem.BAD_FORMAT),
        ("US10123456B2", Problem.BAD_FORMAT),
        ("发明专利", Problem.BAD_FORMAT),
        ("ZL2019101234.56X", Problem.BAD_FORMAT),
    ],
)
def test_patent_number_refusals(text: str | None, problem: Problem) -> None:
    result = patent_number(text, today=TODAY)
    assert result.problem is problem and result.value is None and result.message


def test_patent_number_messages() -> None:
    assert "校验位" in patent_number("201910123456").message
    assert "ZL201910123456.X" in patent_number("abc").message
    assert "“5”" in patent_number(application("201950123456")).message
    assert PatentKind.DESIGN.label == "外观设计"


# --- trademark registration numbers ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12345678", "12345678"),
        ("第12345678号", "12345678"),
        ("第 1234 号", "1234"),
        ("１２３４５６７８", "12345678"),
        ("1", "1"),
        ("第123456号", "123456"),
    ],
)
def test_trademark_number_accepts(text: str, value: str) -> None:
    assert trademark_number(text) == Checked(value, None, "")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", Problem.EMPTY),
        (None, Problem.EMPTY),
        ("第号", Problem.EMPTY),
        ("123456789", Problem.WRONG_LENGTH),
        ("12a45", Problem.BAD_CHARACTERS),
        ("G1234567", Problem.BAD_CHARACTERS),
        ("第一二三号", Problem.BAD_CHARACTERS),
        ("1234-5678", Problem.BAD_CHARACTERS),
    ],
)
def test_trademark_number_refusals(text: str | None, problem: Problem) -> None:
    result = trademark_number(text)
    assert result.problem is problem and result.value is None and result.message


# --- all validators --------------------------------------------------------------


@pytest.mark.parametrize(
    "validator", [mobile, id_card, credit_code, patent_number, trademark_number]
)
@pytest.mark.parametrize("blank", [None, "", " ", "\t\n", "\u3000\u3000"])
def test_blank_is_empty_with_its_own_message(
    validator: Callable[[str | None], Checked], blank: str | None
) -> None:
    result = validator(blank)
    assert result.problem is Problem.EMPTY
    assert result.message


def test_empty_messages_differ_between_validators() -> None:
    validators = [mobile, id_card, credit_code, patent_number, trademark_number]
    assert len({v("").message for v in validators}) == len(validators)
