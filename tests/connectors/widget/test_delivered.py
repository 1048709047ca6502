"""The record of what the bot said: per web conversation, bounded, matching the widget's clip."""

from __future__ import annotations

import json

from connectors.observers import Turn
from connectors.widget.delivered import DeliveredAnswers, clipped, shown_answer


def turn(sender: str, *texts: str, channel: str = "web") -> Turn:
    return Turn(channel, sender, "问", [{"recipient_id": sender, "text": t} for t in texts])


async def test_a_reply_is_remembered_as_the_widget_shows_it() -> None:
    delivered = DeliveredAnswers()
    await delivered(turn("web:a", "第一段。", "第二段。"))
    assert delivered.was_delivered("web:a", "第一段。\n第二段。")
    assert not delivered.was_delivered("web:a", "第一段。")
    assert not delivered.was_delivered("web:b", "第一段。\n第二段。")


async def test_wechat_turns_are_not_web_answers() -> None:
    delivered = DeliveredAnswers()
    await delivered(turn("wx:openid", "答", channel="wechat"))
    assert not delivered.was_delivered("wx:openid", "答")


async def test_memory_is_bounded_and_the_oldest_conversation_goes_first() -> None:
    delivered = DeliveredAnswers(max_conversations=3, max_turns=2)
    for sender in ("web:a", "web:b", "web:c"):
        await delivered(turn(sender, f"答{sender}"))
    await delivered(turn("web:a", "答web:a 又一次"))  # a is used again: b is now the oldest
    await delivered(turn("web:d", "答web:d"))
    assert not delivered.was_delivered("web:b", "答web:b")
    assert delivered.was_delivered("web:a", "答web:a")
    for n in range(3):
        await delivered(turn("web:a", f"第{n}答"))
    assert not delivered.was_delivered("web:a", "答web:a")  # only the newest two per conversation
    assert delivered.was_delivered("web:a", "第2答")


def test_clip_counts_utf16_units_as_the_browser_does() -> None:
    text = "甲" * 1498 + "😀" + "乙" * 10  # the emoji is two UTF-16 units, at 1498-1499
    cut = clipped(text)
    # JavaScript's slice(0, 1499) keeps the first half of the pair; JSON carries it escaped.
    sent = json.loads(json.dumps(cut))
    assert sent == "甲" * 1498 + "\ud83d" + "…"
    assert clipped("短") == "短"


async def test_a_clipped_answer_with_a_split_emoji_is_recognised() -> None:
    delivered = DeliveredAnswers()
    text = "甲" * 1498 + "😀" + "乙" * 10
    await delivered(turn("web:a", text))
    assert delivered.was_delivered("web:a", "甲" * 1498 + "\ud83d" + "…")


def test_custom_only_elements_add_no_text() -> None:
    messages = [{"text": "请选择："}, {"custom": {"type": "form_question", "slot": "ip_type"}}]
    assert shown_answer(messages) == "请选择："
