"""After an application through the chat API, no file the run wrote can name the applicant.

The person types their numbers the way people do — a phone in brackets and
dashes, another in full-width digits with long dashes, an ID number in
groups — and tells their story. Afterwards every file of the run is read as
raw bytes: Rasa's conversation store, the action server's outbox, the case
system's database, every process's log (Rasa's at --debug). None may hold
the name, a phone or the ID number in any spelling, or the story; every
database and key file is readable by its owner only. A second person gives
their name and phone and then gives up: what they typed goes too.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from tests.e2e.applicant import CASE_NUMBER, asked, text_of
from tests.e2e.conftest import Conversation
from tests.e2e.processes import Stack

pytestmark = pytest.mark.slow

NAME, OTHER_NAME = "欧阳秀兰", "司马长风"
PHONE_TYPED, PHONE = "我的手机是(139)0532-8866", "13905328866"
SECOND_PHONE_TYPED, SECOND_PHONE = "１３９—０５３２—８８６７", "13905328867"
ID_TYPED, ID = "370402 19900101 1238", "370402199001011238"
OTHER_PHONE = "13905328868"
STORY = f"有人在网上卖假冒我们注册商标的茶叶，请打{SECOND_PHONE_TYPED}找我，身份证{ID_TYPED}。"
ANSWERS = {
    "case_consent": "同意",
    "applicant_type": "我是个人",
    "ip_type": "商标",
    "contact_name": f"我叫{NAME}",
    "contact_phone": PHONE_TYPED,
    "ip_number": "第12345678号",
    "case_description": STORY,
    "case_fix": "没问题",
}


def apply(talk: Conversation) -> str:
    messages = talk.send("我想申请知识产权维权援助")
    for _ in range(15):
        slot = asked(messages)
        assert slot is not None, text_of(messages)
        if slot == "case_confirmed":
            reply = text_of(talk.send("确认"))
            numbers = CASE_NUMBER.findall(reply)
            assert numbers, reply
            return numbers[0]
        messages = talk.send(ANSWERS[slot])
    raise AssertionError("the form never reached the confirmation")


def give_up(talk: Conversation) -> None:
    """Consent, name and phone given, then “算了”: the application is abandoned."""
    given = {"case_consent": "同意", "applicant_type": "个人", "ip_type": "专利",
             "contact_name": f"我叫{OTHER_NAME}", "contact_phone": OTHER_PHONE}  # fmt: skip
    messages = talk.send("我要申请援助")
    for _ in range(10):
        slot = asked(messages)
        assert slot in given, text_of(messages)
        messages = talk.send(given[slot])
        if slot == "contact_phone":
            break
    talk.send("算了，不申请了")


def spellings() -> dict[str, str]:
    """Everything that must not be readable, as text and as Rasa's JSON writes it."""
    plain = {
        "name": NAME, "other name": OTHER_NAME, "surname+given": NAME[1:],
        "phone": PHONE, "phone typed": "0532-8866", "second phone": SECOND_PHONE,
        "second phone typed": SECOND_PHONE_TYPED, "other phone": OTHER_PHONE, "id": ID, "id typed": ID_TYPED,
        "birth date": "19900101", "story": STORY[:12],
    }  # fmt: skip
    escaped = {f"{k} (json)": json.dumps(v)[1:-1] for k, v in plain.items() if not v.isascii()}
    return plain | escaped


def test_no_file_of_the_run_names_the_applicant(stack: Stack) -> None:
    applicant = Conversation(stack)
    number = apply(applicant)
    quitter = Conversation(stack)
    give_up(quitter)
    time.sleep(2)  # the outbox relay and the logs settle

    leaks = []
    files = [path for path in sorted(stack.workdir.rglob("*")) if path.is_file()]
    assert {p.name for p in files} >= {"tracker.db", "outbox.db", "case-system.db", "rasa.log"}
    for path in files:
        raw = path.read_bytes()
        text = raw.decode("utf-8", errors="replace") + raw.decode("latin-1")
        leaks += [f"{path.name}: {what}" for what, value in spellings().items() if value in text]
    assert not leaks, "\n".join(leaks)

    # Both applications are over: nothing of theirs is left to open, even with the key.
    # (Other tests of the session may leave a draft half-filled; those are not looked at.)
    senders = ["web:" + talk.session_id.split(".")[0] for talk in (applicant, quitter)]
    tracker = sqlite3.connect(stack.workdir / "tracker.db")
    sealed = tracker.execute(
        "SELECT COUNT(*) FROM events WHERE sender_id IN (?, ?) AND data LIKE '%__sealed__%'",
        senders,
    )
    assert sealed.fetchone()[0] == 0
    tracker.close()
    assert number.startswith("WQ-")

    loose = [
        f"{path.name} {oct(path.stat().st_mode & 0o777)}"
        for path in files
        if path.suffix in (".db", ".key") or path.name.endswith(("-wal", "-shm"))
        if path.stat().st_mode & 0o077
    ]
    assert not loose, loose
