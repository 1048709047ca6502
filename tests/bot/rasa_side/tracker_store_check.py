"""Scenarios run against Rasa's real SQL tracker store, in Rasa's own environment.

Run by tests/bot/test_tracker_store.py with .venv-rasa's Python (Rasa does
not install on the test suite's Python 3.11):

    python tracker_store_check.py DATABASE_URL OUT_JSON

Each scenario drives `PrivateSQLTrackerStore` the way Rasa's processor does
(retrieve, update, save) and records what a person with a copy of the
database file would read, and what Rasa reads back. The test asserts on it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversation_settings import ConversationSettings
from bot.tracker_store import PrivateSQLTrackerStore
from cases.crypto import new_key

NAME, PHONE_TYPED, PHONE = "欧阳娜娜", "138.1234.5678", "13812345678"
ID_TYPED, ID = "370402 19900101 1238", "370402199001011238"
STORY = "我们厂设计的保温杯外观被隔壁县一家工厂原样照抄，在网上低价卖，损失很大"
DOMAIN = Domain.load("bot/domain.yml")


def settings(key: str, **changes: Any) -> ConversationSettings:
    values: dict[str, Any] = {"retention_days": 30, "draft_minutes": 60, "keys": key}
    return ConversationSettings(**(values | changes))


def open_store(url: str, key: str) -> PrivateSQLTrackerStore:
    return PrivateSQLTrackerStore(domain=DOMAIN, host=url, settings=settings(key))


def raw(store: PrivateSQLTrackerStore, sender: str) -> list[str]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        )
        return [str(row[0]) for row in rows]


def user(text: str, intent: str = "inform", entities: list[dict] | None = None) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.9}, entities or [])


async def turn(store: PrivateSQLTrackerStore, sender: str, *events: Any) -> DialogueStateTracker:
    """One turn as Rasa's processor runs it: retrieve, add the turn's events, save."""
    tracker = await store.get_or_create_tracker(sender)
    for event in events:
        tracker.update(event)
    await store.save(tracker)
    return tracker


def asking(slot: str, question: str) -> list[Any]:
    return [SlotSet("requested_slot", slot), BotUttered(question)]


async def application(url: str, key: str) -> dict[str, Any]:
    """An application from first word to record, as the form's turns write it."""
    store, sender, out = open_store(url, key), "web:application", {}
    await turn(
        store, sender, user(f"我叫{NAME}，想申请援助", "apply_assistance"),
        ActionExecuted("case_form"), ActiveLoop("case_form"), *asking("case_consent", "您同意吗？"),
    )  # fmt: skip
    await turn(store, sender, user("同意", "affirm"), SlotSet("case_consent", True),
               *asking("contact_name", "请问怎么称呼您？"))  # fmt: skip
    await turn(store, sender, user(f"我是{NAME}"), SlotSet("contact_name", NAME),
               *asking("contact_phone", f"好的，{NAME}。请留一个手机号。"))  # fmt: skip
    phone_entity = [{"entity": "phone_number", "value": PHONE_TYPED, "start": 0, "end": 13}]
    await turn(store, sender, user(PHONE_TYPED, entities=phone_entity),
               SlotSet("contact_phone", PHONE), *asking("id_number", "请输入身份证号。"))  # fmt: skip
    await turn(store, sender, user(ID_TYPED), SlotSet("id_number", ID),
               *asking("case_description", "请说说发生了什么。"))  # fmt: skip
    summary = f"请核对：联系人 {NAME}，手机 138****5678，情况：{STORY[:20]}…"
    tracker = await turn(store, sender, user(STORY), SlotSet("case_description", STORY),
                         *asking("case_confirmed", summary))  # fmt: skip
    out["while_open"] = raw(store, sender)
    reopened = await open_store(url, key).retrieve(sender)  # a Rasa restart
    out["slots_after_restart"] = {
        slot: reopened.get_slot(slot) if reopened else None
        for slot in ("contact_name", "contact_phone", "id_number", "case_description")
    }
    del tracker
    cleared = [SlotSet(slot, None) for slot in
               ("contact_name", "contact_phone", "id_number", "case_description", "requested_slot")]  # fmt: skip
    await turn(store, sender, user("确认", "affirm"), *cleared, ActiveLoop(None),
               BotUttered("申请已登记，案件编号 WQ-2026-482913。"))  # fmt: skip
    out["after_record"] = raw(store, sender)
    tracker = await store.retrieve_full_tracker(sender)
    out["slots_after_record"] = {"contact_name": tracker.get_slot("contact_name") if tracker else 0}
    return out


async def refused(url: str, key: str) -> dict[str, Any]:
    """A validator refusing one answer clears that slot only; the application goes on."""
    store, sender = open_store(url, key), "web:refused"
    await turn(store, sender, SlotSet("contact_name", NAME), SlotSet("contact_phone", PHONE),
               *asking("credit_code", "请填写统一社会信用代码。"))  # fmt: skip
    await turn(store, sender, user("91370400MA3C8B9X2"), SlotSet("credit_code", None),
               BotUttered("统一社会信用代码应为18位"), *asking("credit_code", "请再填一次。"))  # fmt: skip
    tracker = await open_store(url, key).retrieve(sender)
    return {
        "contact_name": tracker.get_slot("contact_name") if tracker else None,
        "contact_phone": tracker.get_slot("contact_phone") if tracker else None,
    }


async def replace(url: str, key: str) -> dict[str, Any]:
    """PUT /conversations/{id}/tracker/events: the server saves a tracker made from the body."""
    store, sender = open_store(url, key), "wx:replace"
    await turn(store, sender, user("你好", "greet"), BotUttered("您好"))
    await turn(store, sender, user(f"我叫{NAME}"), BotUttered("好的"))
    before = len(raw(store, sender))
    await store.save(DialogueStateTracker.from_dict(sender, [], DOMAIN.slots))
    emptied = len(raw(store, sender))
    gone = await store.retrieve(sender) is None
    await turn(store, sender, user("你好", "greet"), BotUttered("您好"))
    restarted = len(raw(store, sender))
    return {"before": before, "emptied": emptied, "gone": gone, "restarted": restarted}


async def aged(store: PrivateSQLTrackerStore, sender: str, age: float, draft: bool) -> None:
    """A conversation whose every event is `age` seconds old; a phone typed if `draft`."""
    tracker = await store.get_or_create_tracker(sender)
    tracker.update(user("你好", "greet"))
    if draft:
        tracker.update(SlotSet("contact_phone", PHONE))
    for event in tracker.events:
        event.timestamp = time.time() - age
    await store.save(tracker)


async def sweep(url: str, key: str) -> dict[str, Any]:
    """Old conversations go; an application idle past draft_minutes is forgotten."""
    store = open_store(url, key)
    for sender, age in (("web:old", 31 * 86400), ("web:recent", 3600), ("web:draft", 2 * 3600)):
        await aged(store, sender, age, draft=sender == "web:draft")
    fresh = await turn(store, "web:fresh-draft", SlotSet("contact_phone", PHONE))
    del fresh
    store.sweep(time.time())
    draft = await store.retrieve("web:draft")
    fresh_draft = await store.retrieve("web:fresh-draft")
    return {
        "old": raw(store, "web:old"),
        "recent": len(raw(store, "web:recent")),
        "draft_raw": raw(store, "web:draft"),
        "draft_phone": draft.get_slot("contact_phone") if draft else "missing",
        "fresh_draft_phone": fresh_draft.get_slot("contact_phone") if fresh_draft else "missing",
    }


async def lost_key(url: str, key: str) -> dict[str, Any]:
    """A value sealed under a key no longer given reads back as no value, not a crash."""
    await turn(open_store(url, key), "web:lost-key", SlotSet("contact_phone", PHONE))
    tracker = await open_store(url, new_key()).retrieve("web:lost-key")
    return {"phone": tracker.get_slot("contact_phone") if tracker else "missing"}


async def for_the_command_line(url: str, key: str) -> dict[str, Any]:
    """Conversations left for `python -m bot.conversations purge` to find."""
    store = open_store(url, key)
    await turn(store, "cli:fresh", user("你好", "greet"))  # the store's own first sweep
    for sender, age in (("cli:old", 31 * 86400), ("cli:recent", 3600), ("cli:draft", 7200)):
        await aged(store, sender, age, draft=sender == "cli:draft")
    return {"key": key}


async def main(url: str, out: str) -> None:
    key = new_key()
    report = {
        "application": await application(url, key),
        "refused": await refused(url, key),
        "replace": await replace(url, key),
        "sweep": await sweep(url, key),
        "lost_key": await lost_key(url, key),
        "command_line": await for_the_command_line(url, key),
    }
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        report["mode"] = oct(path.stat().st_mode & 0o777)
        report["file"] = path.read_bytes().decode("latin-1")  # every byte, free pages too
    Path(out).write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
