"""How many cases one agent may look up: walking through case numbers is the threat.

A signed-in agent sees any case by its number, masked; a stolen session, a
curious colleague or a script could walk the numbers and collect every
case's status, masked phone and kind of right. Case numbers are no longer
sequential (cases/sql/numbers.py), but a walk still finds what exists. So
each agent's lookups are counted, masked ones and unmasking alike:

    rule                                   limit   why
    different case numbers in 10 minutes     20    one caller at a time: a case every
                                                   half minute is already a busy line
    different case numbers in 24 hours      150    about twice the calls of a busy shift
    lookups of any kind in 10 minutes        60    the same case reopened in a loop

Opening a case already looked up within the window again does not count
against the first two rules: the caller is still on the line. A number with
no case counts (that is what a walk looks like); a refused lookup counts
nothing, so waiting always helps. A malformed number is refused (400) before
it is counted. Agents who really need more go through the case system.

The counts are kept in the console database, shared by every gateway
process and by restarts; rows older than a day are deleted as new ones come.
The case store's own audit trail (a `viewed` event per lookup) is written
separately by case_directory.py.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from connectors.console.db import ConsoleDatabase
from connectors.errors import RequestError

Clock = Callable[[], float]
DAY = 24 * 3600.0


class LookupThrottled(RequestError):
    """An agent looked up more cases than the limits allow (429, with Retry-After).

    Args:
        rule: which limit, for the log.
        retry_after: seconds until one more lookup is accepted.
    """

    status = 429
    code = "lookup_throttled"

    def __init__(self, rule: str, retry_after: float) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"case lookups over the limit ({rule}); retry in {retry_after:.0f} s",
            message=f"查询案件过于频繁，请 {minutes} 分钟后再试。",
        )
        self.retry_after = max(1, math.ceil(retry_after))


@dataclass(frozen=True)
class Rule:
    window: float  # seconds
    limit: int
    distinct: bool  # count different case numbers, not lookups

    def wait(self, lookups: list[tuple[str, float]], number: str, now: float) -> float:
        """Seconds until `number` may be looked up under this rule; 0.0 when it may now.

        Args:
            lookups: (case number, time) of the agent's lookups, oldest first.
        """
        recent = [(n, at) for n, at in lookups if at > now - self.window]
        if self.distinct:
            latest: dict[str, float] = {}
            for seen, at in recent:
                latest[seen] = at
            if number in latest or len(latest) < self.limit:
                return 0.0
            times = sorted(latest.values())
        else:
            times = [at for _, at in recent]
            if len(times) < self.limit:
                return 0.0
        # The lookup that must leave the window before the count is under the limit.
        return times[len(times) - self.limit] + self.window - now


RULES = {
    "distinct per 10 minutes": Rule(600.0, 20, distinct=True),
    "distinct per day": Rule(DAY, 150, distinct=True),
    "lookups per 10 minutes": Rule(600.0, 60, distinct=False),
}


class CaseLookupLimits:
    """The rules above over the console database (blocking; call from a thread).

    Args:
        clock: wall-clock seconds (shared across processes through the database).
    """

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock

    def admit(self, db: ConsoleDatabase, agent: str, number: str) -> None:
        """Count this lookup, or raise LookupThrottled without counting it."""
        now = self._clock()
        with db.connect() as connection:
            connection.execute("BEGIN IMMEDIATE")  # count and add as one step
            connection.execute("DELETE FROM case_lookups WHERE at <= ?", (now - DAY,))
            lookups = [
                (str(row[0]), float(row[1]))
                for row in connection.execute(
                    "SELECT case_number, at FROM case_lookups WHERE agent = ? ORDER BY at",
                    (agent,),
                )
            ]
            waits = {name: rule.wait(lookups, number, now) for name, rule in RULES.items()}
            rule, wait = max(waits.items(), key=lambda item: item[1])
            if wait > 0:
                raise LookupThrottled(rule, wait)
            connection.execute(
                "INSERT INTO case_lookups (agent, case_number, at) VALUES (?, ?, ?)",
                (agent, number, now),
            )
