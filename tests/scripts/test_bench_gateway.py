"""make bench's gateway report: the longest accepted messages beside a question.

The measuring itself starts every process (make bench runs it); this checks
what the report says about a given set of results, never a timing.
"""

from __future__ import annotations

import sys
from typing import Any

from tests.e2e.processes import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import bench_gateway


def stats(p50: float) -> dict[str, float]:
    return {
        "p50": p50,
        "p95": p50 * 1.5,
        "p99": p50 * 2,
        "max_ms": p50 * 2,
        "qps": 1000 / p50,
        "n": 40,
    }


def report(search_long: float, chat_long: float) -> dict[str, Any]:
    by_clients = {str(c): stats(40.0) for c in bench_gateway.CLIENTS}
    return {
        "machine": {
            "cpu": "test",
            "cores": 2,
            "ram_gb": 8,
            "python": "3.11",
            "load_1min": 0.1,
            "model": "e5",
        },
        "floor": {"p50": 20.0, "p95": 30.0, "qps_8_threads": 40.0},
        "results": {
            "search": by_clients,
            "search_long": {"1": stats(search_long)},
            "chat": {str(c): stats(400.0) for c in bench_gateway.CLIENTS},
            "chat_long": {"1": stats(chat_long)},
            "wechat": {str(c): stats(400.0) for c in bench_gateway.CLIENTS},
        },
    }


def test_the_longest_messages_are_reported_against_a_question() -> None:
    text = bench_gateway.format_report(report(search_long=100.0, chat_long=1600.0))
    assert "search_long" in text and "chat_long" in text
    assert (
        "search, longest accepted message (200 chars), 1 client: p50 100.0 ms = 2.5× a question's 40.0 ms ≤ 3×: met"
        in text
    )
    assert (
        "chat, longest accepted message (2,000 chars), 1 client: p50 1600.0 ms = 4.0× a question's 400.0 ms ≤ 3×: NOT met"
        in text
    )


def test_the_long_messages_are_the_longest_each_api_accepts() -> None:
    assert bench_gateway.LONGEST_CHAT == 2000
    assert bench_gateway.MAX_QUERY_CHARS == 200
