"""Token buckets per key, on a clock the test moves by hand."""

from __future__ import annotations

import pytest

from connectors.widget.buckets import KeyedBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_allows_a_burst_then_waits_for_the_rate() -> None:
    clock = Clock()
    buckets = KeyedBuckets(6, clock=clock)  # 6 a minute: one token every 10 s
    assert [buckets.take("a") for _ in range(6)] == [0.0] * 6
    assert buckets.take("a") == pytest.approx(10.0)
    clock.now += 4
    assert buckets.take("a") == pytest.approx(6.0)  # refused: nothing taken
    clock.now += 6
    assert buckets.take("a") == 0.0
    assert buckets.take("a") == pytest.approx(10.0)


def test_keys_do_not_share_a_bucket() -> None:
    buckets = KeyedBuckets(1, clock=Clock())
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    assert buckets.take("b") == 0.0


def test_refill_stops_at_capacity() -> None:
    clock = Clock()
    buckets = KeyedBuckets(2, clock=clock)
    buckets.take("a")
    clock.now += 3600  # an hour idle does not bank 120 tokens
    assert [buckets.take("a") == 0.0 for _ in range(3)] == [True, True, False]


def test_idle_buckets_are_forgotten() -> None:
    clock = Clock()
    buckets = KeyedBuckets(60, clock=clock)  # refills completely in 60 s
    for key in "abc":
        buckets.take(key)
    clock.now += 30
    buckets.take("d")
    assert len(buckets) == 4
    clock.now += 31  # a, b, c are full again; d is not
    buckets.take("e")
    assert len(buckets) == 2


def test_the_number_of_keys_is_capped() -> None:
    clock = Clock()
    buckets = KeyedBuckets(1, max_keys=3, clock=clock)
    for key in "abcd":
        buckets.take(key)
    assert len(buckets) == 3
    assert buckets.take("a") == 0.0  # the oldest was dropped: it starts full again
    assert buckets.take("d") > 0  # the newest was kept


@pytest.mark.parametrize(("per_minute", "max_keys"), [(0, 10), (-1, 10), (5, 0)])
def test_nonsense_limits_are_refused(per_minute: int, max_keys: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        KeyedBuckets(per_minute, max_keys=max_keys)
