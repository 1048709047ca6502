"""A resource loaded once, on first use, in a worker thread, and shared.

The knowledge engine (about 5 s to load the e5 model), the eligibility rules
and the case store are needed only when an agent uses the console, and most
gateways (and every widget or WeChat test) never do; so they are loaded on
the first request that needs them, off the event loop, once — concurrent
first requests wait for the same load. A failed load is logged and answered
with 503; it is retried, but not more than once every `retry_seconds`, so a
broken index is not reloaded on every keystroke in the search box.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from connectors.console.errors import ConsoleUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")


class Lazy(Generic[T]):
    """A value made by `load` in a thread on the first `get()`.

    Args:
        load: makes the value; blocking is fine, it runs in a worker thread.
        what: what it is, for the log.
        message: what a person is told while it cannot be loaded.
        retry_seconds: how long a failure is remembered before loading again.
    """

    def __init__(
        self,
        load: Callable[[], T],
        what: str,
        message: str,
        *,
        retry_seconds: float = 10.0,
    ) -> None:
        self._load = load
        self.what = what
        self._message = message
        self._retry_seconds = retry_seconds
        self._value: T | None = None
        self._failed_at: float | None = None
        self._lock: asyncio.Lock | None = None  # made inside the running loop

    @classmethod
    def ready(cls, value: T, what: str = "value") -> Lazy[T]:
        """An already loaded value (tests inject fakes this way)."""
        lazy = cls(lambda: value, what, "")
        lazy._value = value
        return lazy

    @property
    def loaded(self) -> T | None:
        """The value if it has been loaded, without loading it."""
        return self._value

    async def get(self) -> T:
        """The value, loading it first if needed.

        Raises:
            ConsoleUnavailable: loading failed (now, or within the last retry_seconds).
        """
        if self._value is not None:
            return self._value
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._value is not None:
                return self._value
            now = time.monotonic()
            if self._failed_at is not None and now - self._failed_at < self._retry_seconds:
                raise ConsoleUnavailable(f"{self.what} failed recently", message=self._message)
            try:
                value = await asyncio.to_thread(self._load)
            except Exception as exc:
                # Loading reads files and models that can fail in many ways; the
                # console must stay up and say so, whatever the cause.
                self._failed_at = time.monotonic()
                log.exception("console: loading the %s failed", self.what)
                raise ConsoleUnavailable(
                    f"loading the {self.what} failed: {type(exc).__name__}",
                    message=self._message,
                ) from exc
            self._value = value
            self._failed_at = None
            log.info("console: %s loaded", self.what)
            return value
