"""What the conversation store may write, event by event (bot/conversation_privacy.py)."""

from __future__ import annotations

import json
from typing import Any

from bot.conversation_privacy import (
    FORGOTTEN,
    SEALED,
    Progress,
    ends_application,
    forget,
    mask_known,
    open_events,
    protect,
    replay,
)
from cases.crypto import FieldCipher, new_key

CIPHER = FieldCipher([new_key()])
STORY = "对方在展会上公开展示了与我们外观设计专利几乎一模一样的产品，还向客户报价"


def user(text: str, **parse: Any) -> dict[str, Any]:
    return {"event": "user", "timestamp": 1.0, "text": text,
            "parse_data": {"text": text, "intent": {"name": "inform"}, **parse}}  # fmt: skip


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "timestamp": 1.0, "name": name, "value": value}


def bot(text: str) -> dict[str, Any]:
    return {"event": "bot", "timestamp": 1.0, "text": text, "data": {}}


def test_an_answer_to_a_personal_question_is_written_as_a_placeholder() -> None:
    entities = [{"entity": "phone_number", "value": "139 0532 9876", "start": 3, "end": 16}]
    written = protect(
        [user("电话是139 0532 9876", entities=entities), slot("contact_phone", "13905329876")],
        Progress(requested_slot="contact_phone"),
        CIPHER,
    )
    text = json.dumps(written, ensure_ascii=False)
    assert "9876" not in text.replace("〔", "")  # nothing of the number, in any field
    assert written[0]["text"] == "〔手机号已删除〕"
    assert written[0]["parse_data"]["entities"][0]["entity"] == "phone_number"  # the name stays
    assert CIPHER.decrypt(written[1]["value"][SEALED]) == "13905329876"


def test_other_text_is_written_with_known_values_and_numbers_masked() -> None:
    before = Progress(values={"contact_name": "司马相如", "case_description": STORY})
    summary = f"请核对：联系人 司马相如，情况：{STORY[:30]}…"
    written = protect([bot(summary), user("多久能有结果？我手机138.1234.5678")], before, CIPHER)
    assert written[0]["text"] == "请核对：联系人 司***，情况：〔情况描述已删除〕…"
    assert written[1]["text"] == "多久能有结果？我手机138.****.5678"


def test_the_progress_follows_the_events() -> None:
    progress = replay([slot("requested_slot", "contact_name"), slot("contact_name", "李雷")])
    assert progress.answering == "联系人姓名" and progress.application_open
    progress.after(slot("contact_name", None))
    progress.after({"event": "active_loop", "name": None})
    assert not progress.application_open


def test_reading_opens_sealed_values_and_drops_forgotten_or_unreadable_ones() -> None:
    other = FieldCipher([new_key()]).encrypt("13800000000")
    stored = [
        slot("contact_phone", {SEALED: CIPHER.encrypt("13912345678")}),
        slot("id_number", {FORGOTTEN: "3704**********1238"}),
        slot("contact_phone", {SEALED: other}),
        slot("case_consent", True),
    ]
    assert [event["value"] for event in open_events(stored, CIPHER)] == [
        "13912345678", None, None, True,
    ]  # fmt: skip


def test_forgetting_masks_every_value_the_conversation_ever_held() -> None:
    stored = [
        user("我叫司马相如，想申请援助"),
        slot("contact_name", {SEALED: CIPHER.encrypt("司马相如")}),
        slot("case_description", {SEALED: CIPHER.encrypt(STORY)}),
        bot(f"好的司马相如。情况：{STORY[:20]}…"),
        slot("contact_name", None),
    ]
    forgotten = forget(stored, CIPHER)
    text = json.dumps(forgotten, ensure_ascii=False)
    assert "司马相如" not in text and STORY[:16] not in text and SEALED not in text
    assert forgotten[0]["text"] == "我叫司***，想申请援助"
    assert forgotten[1]["value"] == {FORGOTTEN: "司***"}
    assert forget(forgotten, CIPHER) == forgotten  # forgetting twice changes nothing


def test_an_application_ends_when_a_personal_slot_is_cleared_or_the_conversation_restarts() -> None:
    cleared = [slot("contact_name", None), slot("contact_phone", None)]
    assert ends_application(cleared, replay(cleared))
    restart = [{"event": "restart", "timestamp": 1.0}]
    assert ends_application(restart, replay(restart))
    going = [slot("contact_phone", "13912345678"), slot("case_key", None)]
    assert not ends_application(going, replay(going))


def test_a_refused_answer_does_not_end_the_application() -> None:
    """A validator refusing the credit code clears that slot only: name and phone stay."""
    earlier = [slot("contact_name", "李雷"), slot("contact_phone", "13912345678")]
    refused = [slot("credit_code", None), slot("requested_slot", "credit_code")]
    assert not ends_application(refused, replay(earlier + refused))


def test_a_long_value_is_found_from_its_beginning() -> None:
    masked = mask_known(f"情况：{STORY[:24]}…（略）", {STORY: "〔情况描述已删除〕"})
    assert masked == "情况：〔情况描述已删除〕…（略）"
    assert mask_known("张三", {"张三": "张*"}) == "张*"
