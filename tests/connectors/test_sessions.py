"""Signed session ids, and one conversation's messages handled one at a time, in order."""

from __future__ import annotations

import asyncio
import random

import pytest

from connectors.errors import ConversationBusy
from connectors.sessions import ConversationLocks, SessionSigner

SIGNER = SessionSigner(b"k" * 32)


def test_issued_id_verifies_to_the_same_conversation() -> None:
    issued = SIGNER.issue()
    verified = SIGNER.verify(issued.session_id)
    assert issued.is_new
    assert verified is not None
    assert not verified.is_new
    assert verified.key == issued.key
    assert verified.sender_id == f"web:{issued.key}"


def test_ids_are_unique() -> None:
    assert len({SIGNER.issue().session_id for _ in range(1000)}) == 1000


def test_id_from_another_secret_is_refused() -> None:
    other = SessionSigner(b"x" * 32).issue()
    assert SIGNER.verify(other.session_id) is None


def test_chosen_random_part_cannot_be_claimed() -> None:
    # A client picking someone's random part must also produce its tag.
    victim = SIGNER.issue()
    forged_tag = "A" * 22
    assert SIGNER.verify(f"{victim.key}.{forged_tag}") is None


@pytest.mark.parametrize("position", [0, 10, 23, 25, 40, 46])
def test_any_tampered_character_is_refused(position: int) -> None:
    session_id = SIGNER.issue().session_id
    changed = "B" if session_id[position] != "B" else "C"
    tampered = session_id[:position] + changed + session_id[position + 1 :]
    assert SIGNER.verify(tampered) is None


@pytest.mark.parametrize(
    "value", [None, 42, "", "abc", "a" * 24 + "." + "b" * 21, "web:abc", ["x"], "é" * 47]
)
def test_malformed_ids_are_refused(value: object) -> None:
    assert SIGNER.verify(value) is None


def test_resolve_keeps_a_genuine_id_and_replaces_a_foreign_one() -> None:
    genuine = SIGNER.issue().session_id
    assert SIGNER.resolve(genuine).session_id == genuine
    fresh = SIGNER.resolve("forged.id")
    assert fresh.is_new
    assert SIGNER.verify(fresh.session_id) is not None


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        SessionSigner(b"")


async def test_one_conversation_runs_one_at_a_time_in_order() -> None:
    locks = ConversationLocks(max_pending=10)
    events: list[tuple[str, int]] = []
    rng = random.Random(7)

    async def handle(i: int) -> None:
        async with locks.hold("a"):
            events.append(("start", i))
            await asyncio.sleep(rng.random() / 200)
            events.append(("end", i))

    await asyncio.gather(*(handle(i) for i in range(10)))
    assert events == [(kind, i) for i in range(10) for kind in ("start", "end")]
    assert len(locks) == 0  # idle conversations leave nothing behind


async def test_different_conversations_run_concurrently() -> None:
    locks = ConversationLocks()
    both_inside = asyncio.Event()
    inside = 0

    async def handle(key: str) -> None:
        nonlocal inside
        async with locks.hold(key):
            inside += 1
            if inside == 2:
                both_inside.set()
            await asyncio.wait_for(both_inside.wait(), timeout=1)

    await asyncio.gather(handle("a"), handle("b"))
    assert len(locks) == 0


async def test_lock_is_released_when_the_handler_fails() -> None:
    locks = ConversationLocks()
    with pytest.raises(RuntimeError):
        async with locks.hold("a"):
            raise RuntimeError("boom")
    assert len(locks) == 0
    async with locks.hold("a"):
        assert locks.pending("a") == 1


async def test_too_many_queued_messages_are_refused() -> None:
    locks = ConversationLocks(max_pending=2)
    gate = asyncio.Event()

    async def hold() -> None:
        async with locks.hold("a"):
            await gate.wait()

    tasks = [asyncio.create_task(hold()) for _ in range(2)]
    await asyncio.sleep(0)
    assert locks.pending("a") == 2
    with pytest.raises(ConversationBusy):
        async with locks.hold("a"):
            pass
    gate.set()
    await asyncio.gather(*tasks)
    assert len(locks) == 0


async def test_cancelled_waiter_does_not_leak() -> None:
    locks = ConversationLocks()
    gate = asyncio.Event()

    async def hold() -> None:
        async with locks.hold("a"):
            await gate.wait()

    holder = asyncio.create_task(hold())
    waiter = asyncio.create_task(hold())
    await asyncio.sleep(0)
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    assert locks.pending("a") == 1
    gate.set()
    await holder
    assert len(locks) == 0
