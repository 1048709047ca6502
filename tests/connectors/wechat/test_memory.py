"""Per-person memory: bounded, forgets on request, keeps undelivered text in order."""

from __future__ import annotations

from connectors.messages import Button
from connectors.wechat.memory import MAX_UNDELIVERED_BYTES, PersonMemory

BUTTONS: list[Button] = [
    {"title": "自测", "payload": "/check_eligibility"},
    {"title": "申请", "payload": "/apply_assistance"},
]


def test_choice_by_number() -> None:
    memory = PersonMemory()
    memory.offer("o1", BUTTONS)
    assert memory.choice("o1", "2") == "/apply_assistance"
    assert memory.choice("o1", "１") == "/check_eligibility"
    for text in ("0", "3", "二", "2.", "", "-1"):
        assert memory.choice("o1", text) is None
    assert memory.choice("o2", "1") is None
    memory.offer("o1", [])
    assert memory.choice("o1", "1") is None


def test_people_are_bounded_least_recently_used_first() -> None:
    memory = PersonMemory(max_people=2)
    memory.offer("a", BUTTONS)
    memory.offer("b", BUTTONS)
    assert memory.choice("a", "1")  # "a" used: "b" is now the oldest
    memory.offer("c", BUTTONS)
    assert memory.knows("a") and memory.knows("c")
    assert not memory.knows("b")


def test_undelivered_texts_kept_in_order_capped_and_handed_over_once() -> None:
    memory = PersonMemory()
    memory.keep_undelivered("o1", ["一", "二"])
    memory.keep_undelivered("o1", ["三", ""])
    assert memory.take_undelivered("o1") == ["一", "二", "三"]
    assert memory.take_undelivered("o1") == []
    big = "字" * (MAX_UNDELIVERED_BYTES // 6)
    memory.keep_undelivered("o1", ["旧"])
    dropped = memory.keep_undelivered("o1", [big, big, big])
    kept = memory.take_undelivered("o1")
    assert dropped > 0
    assert kept[-1] == big and "旧" not in kept


def test_forget_drops_everything_about_one_person() -> None:
    memory = PersonMemory()
    memory.offer("o1", BUTTONS)
    memory.keep_undelivered("o1", ["x"])
    memory.owe_transfer("o1")
    memory.offer("o2", BUTTONS)
    memory.forget("o1")
    assert not memory.knows("o1")
    assert not memory.take_transfer("o1")
    assert memory.knows("o2")
