"""The feedback store: masked and capped on the way in, newest first on the way out, WAL,
and nothing kept past its retention or beyond its row limit."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.widget.feedback import FeedbackStore, Rating


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "sub" / "feedback.db")


def test_nothing_is_created_until_first_use(store: FeedbackStore) -> None:
    assert not store.path.parent.exists()
    assert store.recent() == []
    assert store.path.exists()


def test_personal_numbers_are_masked_before_storing(store: FeedbackStore) -> None:
    entry = store.record(
        "web:abc",
        "down",
        "我的电话13812345678，身份证370402199001011234，怎么申请？",
        "请拨打 12345。",
    )
    assert entry.question == "我的电话138****5678，身份证3704**********1234，怎么申请？"
    with sqlite3.connect(store.path) as raw:
        stored = raw.execute("SELECT question, answer FROM feedback").fetchone()
    assert stored == (entry.question, "请拨打 12345。")
    assert "13812345678" not in store.path.read_bytes().decode("utf-8", "replace")


def test_recent_is_newest_first_and_filters_by_rating(store: FeedbackStore) -> None:
    for i, rating in enumerate(["up", "down", "up", "down", "down"]):
        store.record(f"web:{i}", rating, f"问题{i}", f"回答{i}")
    assert [e.question for e in store.recent(3)] == ["问题4", "问题3", "问题2"]
    downs = store.recent(10, rating=Rating.DOWN)
    assert [e.conversation for e in downs] == ["web:4", "web:3", "web:1"]
    assert all(e.rating is Rating.DOWN for e in downs)
    assert [e.answer for e in store.recent(10, "up")] == ["回答2", "回答0"]
    newest = store.recent(1)[0]
    assert newest.created_at.tzinfo is not None and newest.id == 5


@pytest.mark.parametrize("limit", [0, -1, 1001])
def test_recent_refuses_a_silly_limit(store: FeedbackStore, limit: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        store.recent(limit)


def test_ratings_are_up_or_down(store: FeedbackStore) -> None:
    with pytest.raises(ValueError):
        store.record("web:a", "meh", "问", "答")
    with pytest.raises(ValueError):
        store.recent(10, rating="meh")


def test_the_database_is_in_wal_mode(store: FeedbackStore) -> None:
    store.record("web:a", "up", "问", "答")
    with sqlite3.connect(store.path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_writers_in_several_threads(store: FeedbackStore) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: store.record(f"web:{i}", "up", "问", "答"), range(40)))
    assert len(store.recent(100)) == 40


def test_a_second_store_on_the_same_file_reads_what_the_first_wrote(
    store: FeedbackStore,
) -> None:
    store.record("web:a", "down", "问", "答")
    console = FeedbackStore(store.path)  # the hotline console, in another process
    assert [e.conversation for e in console.recent(5, "down")] == ["web:a"]


@dataclass
class Now:
    """A wall clock that moves only when the test says so."""

    at: datetime = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


def stored_rows(store: FeedbackStore) -> list[tuple[str, str]]:
    with sqlite3.connect(store.path) as raw:
        return raw.execute("SELECT question, answer FROM feedback ORDER BY id").fetchall()


def test_ratings_older_than_the_retention_are_deleted(tmp_path: Path) -> None:
    now = Now()
    store = FeedbackStore(tmp_path / "feedback.db", retention_days=30, clock=now)
    store.record("web:a", "down", "旧问题", "旧回答")
    now.at += timedelta(days=29)
    store.record("web:b", "down", "新问题", "新回答")
    assert [e.question for e in store.recent(10)] == ["新问题", "旧问题"]
    now.at += timedelta(days=1, seconds=1)  # the first is now past 30 days
    assert [e.question for e in store.recent(10)] == ["新问题"]
    assert stored_rows(store) == [("新问题", "新回答")]  # deleted, not just hidden


def test_the_default_retention_is_90_days(tmp_path: Path) -> None:
    now = Now()
    store = FeedbackStore(tmp_path / "feedback.db", clock=now)
    store.record("web:a", "up", "问", "答")
    now.at += timedelta(days=89)
    assert len(store.recent(10)) == 1
    now.at += timedelta(days=1, seconds=1)
    assert store.recent(10) == []


def test_the_table_keeps_at_most_max_rows(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.db", max_rows=5)
    for i in range(8):
        store.record(f"web:{i}", "down", f"问题{i}", f"回答{i}")
    assert [q for q, _ in stored_rows(store)] == [f"问题{i}" for i in range(3, 8)]


def test_long_comments_are_capped(store: FeedbackStore) -> None:
    entry = store.record("web:a", "down", "问" * 3000, "答" * 5000)
    assert (len(entry.question), len(entry.answer)) == (500, 1500)
    [(question, answer)] = stored_rows(store)
    assert (len(question), len(answer)) == (500, 1500)


@pytest.mark.parametrize(("retention_days", "max_rows"), [(0, 10), (-1, 10), (30, 0)])
def test_silly_limits_are_refused(tmp_path: Path, retention_days: int, max_rows: int) -> None:
    with pytest.raises(ValueError):
        FeedbackStore(tmp_path / "f.db", retention_days=retention_days, max_rows=max_rows)
