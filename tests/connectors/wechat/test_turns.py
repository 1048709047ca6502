"""One turn per message: who replies passively, who answers `success`, and expiry."""

from __future__ import annotations

import asyncio

from connectors.wechat.turns import Outcome, TurnRegistry

OUTCOME = Outcome(["答案"])


def loop_time() -> float:
    return asyncio.get_running_loop().time()


async def test_outcome_in_time_is_passive_and_later_copies_share_it() -> None:
    registry = TurnRegistry()
    turn, created = registry.claim("o1:1")
    assert created
    waiter = asyncio.create_task(turn.wait(loop_time() + 1))
    retry = asyncio.create_task(turn.wait(loop_time() + 1))
    await asyncio.sleep(0)
    assert turn.settle(OUTCOME)
    assert await waiter == OUTCOME
    assert await retry == OUTCOME
    turn.written(True)
    turn.written(True)
    assert await turn.passive_delivered(1)
    assert registry.claim("o1:1") == (turn, False)


async def test_too_late_switches_to_the_api_and_copies_answer_success() -> None:
    turn, _ = TurnRegistry().claim("o1:2")
    assert await turn.wait(loop_time() + 0.02) is None
    assert turn.by_api
    assert await turn.wait(loop_time() + 1) is None  # a retry: at once
    assert not turn.settle(OUTCOME)  # nobody replies passively


async def test_outcome_nobody_waits_for_goes_by_api() -> None:
    turn, _ = TurnRegistry().claim("o1:3")
    assert not turn.settle(OUTCOME)
    assert turn.by_api


async def test_unwritten_reply_falls_back_to_the_api() -> None:
    turn, _ = TurnRegistry().claim("o1:4")
    waiter = asyncio.create_task(turn.wait(loop_time() + 1))
    await asyncio.sleep(0)
    assert turn.settle(OUTCOME)
    await waiter
    turn.written(False)
    assert not await turn.passive_delivered(1)
    assert turn.by_api


async def test_finished_turns_expire_and_registry_is_bounded() -> None:
    now = [0.0]
    registry = TurnRegistry(ttl=10, max_turns=3, clock=lambda: now[0])
    running, _ = registry.claim("a:0")
    for i in range(1, 4):
        turn, _ = registry.claim(f"b:{i}")
        registry.finish(turn)
    assert len(registry) <= 3
    assert registry.claim("a:0") == (running, False)  # in flight: never dropped
    now[0] = 11
    registry.claim("c:1")
    assert registry.claim("b:3")[1]  # expired, so a new turn
    registry.forget("c:")
    assert registry.claim("c:1")[1] is False  # c:1 is still in flight: kept
