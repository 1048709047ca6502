"""One Rasa turn per WeChat message, however often WeChat delivers it.

WeChat waits five seconds for a reply and then sends the same message again,
up to three times. Each message therefore gets one `Turn`, found again by its
dedup key (FromUserName+MsgId, or FromUserName+CreateTime+Event for events):
the first request starts the work, every later copy shares its outcome.

Who tells the person is decided in one place, without races (asyncio runs one
step at a time, and each decision below happens without an `await`):

* requests wait for the outcome until their own deadline; a request that gets
  it replies passively with the first message;
* when the last waiting request gives up, the turn switches to `by_api`: the
  request answers `success`, and the whole outcome goes by 客服消息;
* a copy arriving after that answers `success` at once; a copy arriving after
  a passive reply gets the same passive reply again (WeChat only retries when
  our answer did not reach it).

Finished turns are kept for a while (WeChat's retries come within seconds) and
dropped after `ttl`; the registry never holds more than `max_turns`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

RETRY_WINDOW = 300.0  # seconds a finished turn is remembered
MAX_TURNS = 20_000


@dataclass(frozen=True)
class Outcome:
    """What a turn tells the person: texts in order, then maybe a transfer to 人工客服."""

    parts: list[str] = field(default_factory=list)
    transfer: bool = False


class Turn:
    """The shared state of one message and its retries."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.outcome: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.by_api = False  # the outcome goes (or went) entirely by 客服消息
        self.finished_at: float | None = None
        self._waiting = 0  # requests waiting for the outcome
        self._writers = 0  # requests writing a passive reply
        self._written = asyncio.Event()
        self._written_ok = False

    def settle(self, outcome: Outcome) -> bool:
        """Publish the outcome; True when a waiting request will reply passively."""
        self.outcome.set_result(outcome)
        if self._waiting == 0:
            self.by_api = True
        return not self.by_api

    async def wait(self, deadline: float) -> Outcome | None:
        """The outcome for a passive reply, or None when this request answers `success`.

        A request that gets an outcome must call `written` once its reply is sent.
        """
        if self.by_api:
            return None
        if not self.outcome.done():
            self._waiting += 1
            try:
                timeout = max(deadline - asyncio.get_running_loop().time(), 0.0)
                await asyncio.wait_for(asyncio.shield(self.outcome), timeout)
            except TimeoutError:
                pass
            finally:
                self._waiting -= 1
            if not self.outcome.done():
                if self._waiting == 0:
                    self.by_api = True
                return None
        if self.by_api:
            return None
        self._writers += 1
        return self.outcome.result()

    def written(self, ok: bool) -> None:
        """A passive reply was sent (ok) or could not be (the connection was gone)."""
        self._writers -= 1
        self._written_ok = self._written_ok or ok
        if ok or self._writers <= 0:
            self._written.set()

    async def passive_delivered(self, timeout: float) -> bool:
        """Whether a passive reply went out; False (and by_api) if none did in time."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._written.wait(), timeout)
        if not self._written_ok:
            self.by_api = True  # later copies answer `success`: the API has it now
        return self._written_ok


class TurnRegistry:
    """Turns by dedup key: in flight, or finished within the retry window."""

    def __init__(
        self,
        ttl: float = RETRY_WINDOW,
        max_turns: int = MAX_TURNS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._turns: OrderedDict[str, Turn] = OrderedDict()
        self._ttl = ttl
        self._max_turns = max_turns
        self._clock = clock

    def __len__(self) -> int:
        return len(self._turns)

    def claim(self, key: str) -> tuple[Turn, bool]:
        """The turn for `key`, and whether this call created it (the caller runs it)."""
        self._expire()
        turn = self._turns.get(key)
        if turn is not None:
            return turn, False
        turn = self._turns[key] = Turn(key)
        return turn, True

    def find(self, key: str) -> Turn | None:
        """The turn for `key` if one is running or remembered; never creates one."""
        self._expire()
        return self._turns.get(key)

    def finish(self, turn: Turn) -> None:
        """Mark a turn done; finished turns stay in the order they finished."""
        turn.finished_at = self._clock()
        if self._turns.get(turn.key) is turn:
            self._turns.move_to_end(turn.key)

    def forget(self, prefix: str) -> None:
        """Drop the finished turns whose key starts with `prefix` (one person's)."""
        for key in [k for k, t in self._turns.items() if k.startswith(prefix)]:
            if self._turns[key].finished_at is not None:
                del self._turns[key]

    def _expire(self) -> None:
        now = self._clock()
        excess = len(self._turns) - self._max_turns + 1
        stale: list[str] = []
        # Finished turns are ordered by finish time; the few in flight are skipped.
        for key, turn in self._turns.items():
            if turn.finished_at is None:
                continue
            if now - turn.finished_at < self._ttl and len(stale) >= excess:
                break
            stale.append(key)
        for key in stale:
            del self._turns[key]
