"""Masking helpers, `redact` on realistic log lines, and the logging hooks."""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from collections.abc import Iterator

import pytest

from cases.privacy import (
    RedactingFilter,
    install_redaction,
    mask_credit_code,
    mask_id,
    mask_name,
    mask_phone,
    redact,
)
from cases.validation import credit_code


def test_masks() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id("370402199001011234") == "3704**********1234"
    assert mask_id("370402900101123") == "3704*******1123"
    assert mask_credit_code("91350100M000100Y43") == "9135**********0Y43"
    assert mask_phone("1234") == "****"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张**"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("张", "*"),
        ("", ""),
        (" 李四 ", "李*"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


LOG_LINE = (
    "2026-03-14 10:00:01,123 INFO actions.intake: case WQ-2026-000123 opened, "
    "phone 13812345678, id 370402199001011234, filed 2026, amount 50000元, "
    "patent ZL201910123456.X"
)


def test_redact_masks_only_phone_and_id_in_a_log_line() -> None:
    assert redact(LOG_LINE) == (
        "2026-03-14 10:00:01,123 INFO actions.intake: case WQ-2026-000123 opened, "
        "phone 138****5678, id 3704**********1234, filed 2026, amount 50000元, "
        "patent ZL201910123456.X"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话：13812345678。", "电话：138****5678。"),
        ("+86 138-1234-5678", "+86 138-****-5678"),
        ("+8613812345678", "+86138****5678"),
        ("0086 13812345678", "0086 138****5678"),
        ("138 1234 5678", "138 **** 5678"),
        ("TEL13812345678", "TEL138****5678"),
        ("１３８１２３４５６７８", "１３８****５６７８"),
        ("身份证11010519491231002X，", "身份证1101**********002X，"),
        ("id=11010519491231002x;", "id=1101**********002x;"),
        ("old id 370402900101123 here", "old id 3704*******1123 here"),
        ("信用代码91350100M000100Y43", "信用代码9135**********0Y43"),
        ("code 91350100m000100y43", "code 9135**********0y43"),
        ("两个号码13812345678和13912345678", "两个号码138****5678和139****5678"),
        # A letter glued before an ID first looks like a credit code; the ID is still found.
        ("编号d370402199001011238", "编号d3704**********1238"),
        ("138.1234.5678", "138.****.5678"),
        ("(138)1234-5678", "(138)****-5678"),
        ("①③⑧①②③④⑤⑥⑦⑧", "①③⑧****⑤⑥⑦⑧"),
        ("370402 19900101 1238", "3704** ******** 1238"),
    ],
)
def test_redact_finds_personal_numbers(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "case WQ-2026-000123 created",
        "year 2026, 50000元, 12,345.67 yuan",
        "order 202603141234567890123",  # 21 digits: part of a longer number
        "ts=1712345678901",  # 13-digit epoch milliseconds
        "ts=1712345678",
        "sha 2f1c3e9a7b6d5c4e3f2a1b0c9d8e7f6a",
        "trace 13812345678901",  # phone-like but glued to more digits
        "91350100M000100Y44",  # credit-code shaped, wrong check character
        "ABCDEFGHJK12345678",
        "patent CN110123456B, application 201910123456.X",
        "no digits at all",
        "",
    ],
)
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def test_shaped_tokens_that_fail_the_check_really_are_invalid() -> None:
    assert not credit_code("91350100M000100Y44").ok
    assert not credit_code("ABCDEFGHJK12345678").ok


def test_a_phone_at_the_end_of_a_failed_credit_candidate_is_still_masked() -> None:
    token = "ABCDEFG13812345678"  # 18 characters of the credit alphabet
    assert not credit_code(token).ok
    assert redact(f"x {token} y") == "x ABCDEFG138****5678 y"


def test_redact_sees_numbers_inside_json_with_escaped_chinese() -> None:
    # How Rasa's debug log prints a message: an escape's hex digit ("\u8bc1")
    # sits right before the number and must not hide it.
    line = json.dumps({"text": "我手机13905329876，身份证370402198802141230，码91350100M000100Y43"})
    masked = redact(line)
    assert "13905329876" not in masked and "139****9876" in masked
    assert "370402198802141230" not in masked and "3704**********1230" in masked
    assert "91350100M000100Y43" not in masked
    assert json.loads(masked)["text"].startswith("我手机139****9876，身份证")


def test_redact_is_idempotent() -> None:
    once = redact(LOG_LINE + " +86 138-1234-5678 91350100M000100Y43")
    assert redact(once) == once


def test_redact_is_fast_enough_for_every_log_line() -> None:
    lines = [LOG_LINE, "GET /health 200 1.2ms", "plain words " * 10] * 1000
    start = time.perf_counter()
    for line in lines:
        redact(line)
    assert time.perf_counter() - start < 1.0  # about 30 ms on a laptop


# --- logging hooks ---------------------------------------------------------------


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A non-propagating logger whose one handler writes to a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(f"tests.cases.privacy.{id(stream)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield logger, stream
    logger.removeHandler(handler)


@pytest.fixture
def restore_record_factory() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)


def test_filter_masks_formatted_message_with_args(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.handlers[0].addFilter(RedactingFilter())
    logger.info(
        "来电 %s 身份证 %s 案件 %s 年份 %d",
        "13812345678",
        "370402199001011234",
        "WQ-2026-000123",
        2026,
    )
    assert stream.getvalue() == (
        "INFO 来电 138****5678 身份证 3704**********1234 案件 WQ-2026-000123 年份 2026\n"
    )


def test_filter_masks_tracebacks(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.handlers[0].addFilter(RedactingFilter())
    try:
        raise ValueError("cannot reach 13812345678")
    except ValueError:
        logger.exception("intake failed for %s", "13912345678")
    output = stream.getvalue()
    assert "Traceback (most recent call last)" in output
    assert "ValueError: cannot reach 138****5678" in output
    assert "intake failed for 139****5678" in output
    assert "13812345678" not in output and "13912345678" not in output


def test_filter_masks_string_extras_and_stack_info(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    handler = logger.handlers[0]
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(message)s phone=%(phone)s"))
    logger.info("new case", extra={"phone": "13812345678"}, stack_info=True)
    output = stream.getvalue()
    assert "new case phone=138****5678" in output
    assert "13812345678" not in output


def test_filter_keeps_a_clean_record_untouched() -> None:
    try:
        raise KeyError("WQ-2026-000123")
    except KeyError:
        exc_info = sys.exc_info()
    args = ("WQ-2026-000123", 2026)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "case %s in %d", args, exc_info)
    assert RedactingFilter().filter(record) is True
    assert record.msg == "case %s in %d" and record.args == args
    assert record.exc_info is exc_info and record.exc_text is None


def test_filter_survives_a_bad_format_string(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.handlers[0].addFilter(RedactingFilter())
    logger.info("%s and %s", "13812345678")  # one argument short
    assert "138****5678" in stream.getvalue()
    assert "13812345678" not in stream.getvalue()


@pytest.mark.usefixtures("restore_record_factory")
def test_install_filters_existing_handlers(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    install_redaction(logger)
    assert any(isinstance(f, RedactingFilter) for f in logger.handlers[0].filters)
    logger.warning("phone %s", "13812345678")
    assert stream.getvalue() == "WARNING phone 138****5678\n"


@pytest.mark.usefixtures("restore_record_factory")
def test_install_covers_handlers_added_later(captured: tuple[logging.Logger, io.StringIO]) -> None:
    install_redaction(captured[0])
    # A logger and handler made after the call, with no filter of ours on them:
    # only the record factory can mask what they print.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    later = logging.getLogger("tests.cases.privacy.later")
    later.propagate = False
    later.addHandler(handler)
    try:
        try:
            raise RuntimeError("callback 13912345678 failed")
        except RuntimeError:
            later.exception("phone %s", "13812345678")
    finally:
        later.removeHandler(handler)
    output = stream.getvalue()
    assert not handler.filters
    assert "phone 138****5678" in output and "RuntimeError: callback 139****5678 failed" in output
    assert "13812345678" not in output and "13912345678" not in output


@pytest.mark.usefixtures("restore_record_factory")
def test_install_twice_adds_nothing_twice(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, _ = captured
    install_redaction(logger)
    factory = logging.getLogRecordFactory()
    install_redaction(logger)
    assert logging.getLogRecordFactory() is factory
    assert sum(isinstance(f, RedactingFilter) for f in logger.handlers[0].filters) == 1


@pytest.mark.usefixtures("restore_record_factory")
def test_install_defaults_to_the_root_logger() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    root.addHandler(handler)
    try:
        install_redaction()
        assert any(isinstance(f, RedactingFilter) for f in handler.filters)
    finally:
        root.removeHandler(handler)
        for each in root.handlers:  # pytest's own capture handlers
            for f in [f for f in each.filters if isinstance(f, RedactingFilter)]:
                each.removeFilter(f)
