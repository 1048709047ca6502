"""The conversation store keeps personal data only as long as it is needed — proven
against Rasa's real SQLTrackerStore, on SQLite and on PostgreSQL.

The scenarios run in Rasa's own environment (tests/bot/rasa_side/
tracker_store_check.py); here we read what they recorded: the rows a copy of
the database would show, and what Rasa reads back.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "tests" / "bot" / "rasa_side" / "tracker_store_check.py"
POSTGRES = os.environ.get("TEST_TRACKER_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
NAME, PHONE, ID = "欧阳娜娜", "13812345678", "370402199001011238"
STORY = "我们厂设计的保温杯外观被隔壁县一家工厂原样照抄"


def _postgres(statement: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5) as connection:
        connection.execute(statement)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def report(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp(f"tracker-{request.param}")
    env = dict(os.environ) | {
        "PYTHONPATH": str(ROOT),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "TRACKER_ENCRYPTION_KEY_FILE": str(folder / "key"),
    }
    schema = f"test_tracker_{uuid.uuid4().hex[:10]}"
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'tracker.db'}"
    else:
        try:
            _postgres(f'CREATE SCHEMA "{schema}"')
        except Exception as exc:  # the production profile must be tested, never skipped
            pytest.fail(f"PostgreSQL at {POSTGRES} is needed for this test: {exc}")
        url, env["POSTGRESQL_SCHEMA"] = POSTGRES, schema
    out = folder / "report.json"
    request.node.tracker_env = {"TRACKER_URL": url} | (
        {"POSTGRESQL_SCHEMA": schema} if request.param == "postgresql" else {}
    )
    try:
        result = subprocess.run(
            [str(ROOT / ".venv-rasa" / "bin" / "python"), "-W", "ignore", str(CHECK), url, str(out)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        yield json.loads(out.read_text(encoding="utf-8")) | {"env": request.node.tracker_env}
    finally:
        if request.param == "postgresql":
            _postgres(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def readable(rows: list[str]) -> str:
    """What a person with a copy of the database reads in these rows."""
    return "\n".join(json.dumps(json.loads(row), ensure_ascii=False) for row in rows)


def test_personal_answers_and_values_are_never_written_in_plain_text(
    report: dict[str, Any],
) -> None:
    written = readable(report["application"]["while_open"])
    assert PHONE not in written and "1234.5678" not in written
    assert ID not in written and "19900101" not in written
    assert STORY not in written and f"我是{NAME}" not in written
    assert "〔联系人姓名已删除〕" in written and "__sealed__" in written


def test_a_rasa_restart_in_the_middle_of_an_application_loses_nothing(
    report: dict[str, Any],
) -> None:
    slots = report["application"]["slots_after_restart"]
    assert slots["contact_name"] == NAME and slots["contact_phone"] == PHONE
    assert slots["id_number"] == ID and slots["case_description"].startswith(STORY)


def test_once_recorded_nothing_of_the_application_can_be_read_back(report: dict[str, Any]) -> None:
    written = readable(report["application"]["after_record"])
    # The name the person typed in their very first message is masked too.
    assert NAME not in written and "欧阳" not in written and PHONE not in written
    assert STORY[:16] not in written and "__sealed__" not in written
    assert "我叫欧***，想申请援助" in written and "138****5678" in written
    assert report["application"]["slots_after_record"] == {"contact_name": None}


def test_a_refused_answer_keeps_the_application_going(report: dict[str, Any]) -> None:
    """The form clears a refused slot; that must not forget the answers already given."""
    assert report["refused"] == {"contact_name": NAME, "contact_phone": PHONE}


def test_replacing_a_conversation_really_deletes_it(report: dict[str, Any]) -> None:
    replaced = report["replace"]
    assert replaced["before"] > 0 and replaced["emptied"] == 0 and replaced["gone"]
    assert replaced["restarted"] > 0  # and the person can start afresh


def test_old_conversations_are_deleted_and_idle_applications_forgotten(
    report: dict[str, Any],
) -> None:
    swept = report["sweep"]
    assert swept["old"] == [] and swept["recent"] > 0
    assert PHONE not in readable(swept["draft_raw"]) and "138****5678" in readable(
        swept["draft_raw"]
    )
    assert swept["draft_phone"] is None  # the form will ask again
    assert swept["fresh_draft_phone"] == PHONE  # someone still typing keeps their answers


def test_a_lost_key_reads_as_no_value(report: dict[str, Any]) -> None:
    assert report["lost_key"] == {"phone": None}


def sqlite_only(report: dict[str, Any]) -> None:
    if not report["env"]["TRACKER_URL"].startswith("sqlite"):
        pytest.skip("PostgreSQL keeps no file of ours")


def test_the_sqlite_file_is_readable_by_its_owner_only(report: dict[str, Any]) -> None:
    sqlite_only(report)
    assert report["mode"] == "0o600"


def test_nothing_rewritten_lingers_in_the_sqlite_file(report: dict[str, Any]) -> None:
    """Rows are stored as JSON with \\u escapes; old versions must not stay in free pages."""
    sqlite_only(report)
    escaped = json.dumps(NAME)[1:-1]
    assert escaped not in report["file"] and PHONE not in report["file"]


def test_the_purge_command_forgets_idle_applications_and_deletes_old_conversations(
    report: dict[str, Any],
) -> None:
    """`python -m bot.conversations purge`, run by cron where Rasa may be stopped."""
    env = (
        dict(os.environ)
        | report["env"]
        | {
            "TRACKER_ENCRYPTION_KEY": report["command_line"]["key"],
        }
    )
    python = str(ROOT / ".venv" / "bin" / "python")
    command = [python, "-m", "bot.conversations", "purge"]
    dry = subprocess.run([*command, "--dry-run"], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert "申请 1 份" in dry.stdout and "对话 1 个" in dry.stdout and "试运行" in dry.stdout
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "1 个对话已删除" in done.stdout
    rows = stored(report["env"])
    assert "cli:old" not in rows and "cli:recent" in rows and "cli:fresh" in rows
    assert PHONE not in rows["cli:draft"] and "138****5678" in rows["cli:draft"]


def stored(env: dict[str, str]) -> dict[str, str]:
    """Each conversation's rows, readable, straight from the database."""
    import sqlalchemy as sa

    url = env["TRACKER_URL"].replace("postgresql://", "postgresql+psycopg://")
    schema = env.get("POSTGRESQL_SCHEMA")
    engine = sa.create_engine(
        url, connect_args={"options": f"-csearch_path={schema}"} if schema else {}
    )
    out: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for sender, data in connection.execute(
            sa.text("SELECT sender_id, data FROM events ORDER BY id")
        ):
            out.setdefault(sender, []).append(data)
    engine.dispose()
    return {sender: readable(rows) for sender, rows in out.items()}
