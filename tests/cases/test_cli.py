"""The staff CLI, run in-process on SQLite and PostgreSQL, plus one real `python -m cases`.

What matters most here is what must never happen: a full phone number on a
screen nobody asked to unmask, an unmasked view without an audit entry
written first, a CSV that runs a formula in Excel, a purge of a case still
being handled.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.fernet import Fernet

import cases.retention as retention
from cases.cli import main
from cases.cli.export import HEADER
from cases.crypto import new_key
from cases.errors import BackendUnavailable
from cases.model import CaseApplication, CaseRecord, CaseStatus, utc_now
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from cases.sql.engine import current_revision, make_engine
from tests.cases.factories import application, credit_code, id_number, organisation

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13912345678"
ENV = {"USER": "tester"}


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def run(
    settings: CaseSettings | None,
    *argv: str,
    env: dict[str, str] | None = None,
    stdin: str = "",
    stdout: io.StringIO | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Result:
    out, err = stdout or io.StringIO(), io.StringIO()
    code = main(
        list(argv),
        env=ENV if env is None else env,
        settings=settings,
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
        clock=clock,
    )
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def at(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend
) -> Iterator[Callable[[datetime], SqlCaseBackend]]:
    """Stores whose clock stands at a given moment, for cases created or closed long ago.

    Built on the (migrated) store of `sql_backend`, whose own clock is now.
    """
    engines = []

    def backend(moment: datetime) -> SqlCaseBackend:
        engine = make_engine(case_settings.database_url, case_settings.database_schema)
        engines.append(engine)
        return SqlCaseBackend(engine, case_settings.cipher(), clock=lambda: moment)

    yield backend
    for engine in engines:
        engine.dispose()


def create(backend: SqlCaseBackend, app: CaseApplication | None = None) -> CaseRecord:
    return backend.create_now(app or application(), os.urandom(8).hex())


def kinds(backend: SqlCaseBackend, number: str) -> list[str]:
    return [event.kind for event in backend.events(number)]


# -- list ------------------------------------------------------------------------


def test_list_is_masked(case_settings: CaseSettings, sql_backend: SqlCaseBackend) -> None:
    first = create(sql_backend, application(id_number=id_number()))
    create(sql_backend, organisation(contact_name="李建国", phone="13811112222"))
    result = run(case_settings, "list")
    assert result.code == 0, result.err
    header, *rows, total = result.out.splitlines()
    assert header.split() == [
        "案件编号",
        "提交时间",
        "状态",
        "申请人类型",
        "联系人",
        "手机",
        "渠道",
    ]
    assert rows[0].split()[0] == first.case_number
    assert "王**" in rows[0] and "139****5678" in rows[0] and "个人" in rows[0]
    assert "李**" in rows[1] and "138****2222" in rows[1] and "小微企业" in rows[1]
    assert CaseStatus.SUBMITTED.label in rows[0] and "网站" in rows[0]
    assert total == "共 2 件。"
    for secret in (PHONE, "13811112222", "王秀英", "李建国", id_number()):
        assert secret not in result.text

    lines = run(case_settings, "list", "--json").out.splitlines()
    objects = [json.loads(line) for line in lines]
    assert [o["phone"] for o in objects] == ["139****5678", "138****2222"]
    assert objects[0]["contact_name"] == "王**"
    assert objects[1]["applicant_type_label"] == "小微企业"
    assert PHONE not in "".join(lines)


def test_list_filters_by_status_and_beijing_day(
    case_settings: CaseSettings, at: Callable[[datetime], SqlCaseBackend]
) -> None:
    # 16:30 UTC on the 19th is half past midnight on the 20th in Beijing.
    late = create(at(datetime(2026, 11, 19, 16, 30, tzinfo=UTC)))
    early = create(at(datetime(2026, 11, 19, 15, 30, tzinfo=UTC)))
    at(datetime(2026, 11, 19, 16, 40, tzinfo=UTC)).update_status_now(
        late.case_number, CaseStatus.ACCEPTED
    )

    def numbers(*argv: str) -> list[str]:
        return [
            json.loads(line)["case_number"] for line in run(case_settings, *argv).out.splitlines()
        ]

    assert numbers("list", "--json", "--since", "2026-11-20") == [late.case_number]
    assert numbers("list", "--json", "--until", "2026-11-19") == [early.case_number]
    assert numbers("list", "--json", "--status", "accepted") == [late.case_number]
    assert numbers("list", "--json", "--status", "已受理") == [late.case_number]
    assert numbers("list", "--json", "--limit", "1") == [early.case_number]  # oldest first
    nothing = run(case_settings, "list", "--status", "closed")
    assert (nothing.code, nothing.out) == (0, "没有符合条件的案件。\n")
    backwards = run(case_settings, "list", "--since", "2026-11-21", "--until", "2026-11-20")
    assert backwards.code == 2 and "--since" in backwards.err


# -- show ------------------------------------------------------------------------


def test_show_is_masked_with_eligibility_and_history(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend
) -> None:
    record = create(
        sql_backend,
        organisation(
            id_number=id_number(),
            description=f"对方仿冒我们的产品，请回电 {PHONE}。",
            eligibility={
                "consultation": True,
                "infringement_opinion": False,
                "financial_assistance": "review",
                "referral": "overseas_center",
                "basis": [
                    {"section": "四（一）", "outcome": "consultation", "explain": "可以咨询"}
                ],
            },
        ),
    )
    sql_backend.update_status_now(record.case_number, CaseStatus.ACCEPTED, "材料齐全", "李四")
    result = run(case_settings, "show", record.case_number.lower())
    assert result.code == 0, result.err
    out = result.out
    for shown in (
        record.case_number,
        "王**",
        "139****5678",
        "3704**********",
        "9137**********",
        "枣庄市薛城区鲁南精工机械有限公司",
        "专利",
        "电商平台上被侵权",
        "请回电 139****5678",
        "公益咨询：可以",
        "侵权判定参考意见：不适用",
        "资金援助：需中心审核",
        "转介：国家海外知识产权纠纷应对指导中心",
        "可以咨询（依据第四（一）条）",
        "提交  system  渠道：网站",
        "状态变更  李四  已提交，等待中心审核 → 已受理；备注：材料齐全",
        "--unmask --reason",
    ):
        assert shown in out, shown
    for secret in (PHONE, "王秀英", id_number(), credit_code()):
        assert secret not in result.text
    assert kinds(sql_backend, record.case_number) == ["created", "status"]

    data = json.loads(run(case_settings, "show", record.case_number, "--json").out)
    assert data["masked"] is True
    assert data["application"]["phone"] == "139****5678"
    assert [e["kind"] for e in data["events"]] == ["created", "status"]


def test_unmask_needs_a_reason(case_settings: CaseSettings, sql_backend: SqlCaseBackend) -> None:
    record = create(sql_backend)
    result = run(case_settings, "show", record.case_number, "--unmask")
    assert (result.code, result.out) == (2, "")
    assert "--reason" in result.err and "用法错误" in result.err
    assert run(case_settings, "show", record.case_number, "--reason", "看看").code == 2
    assert run(case_settings, "show", record.case_number, "--unmask", "--reason", " ").code == 2
    assert kinds(sql_backend, record.case_number) == ["created"]


class _AuditWitness(io.StringIO):
    """stdout that notes which events existed when the first character was printed."""

    def __init__(self, backend: SqlCaseBackend, number: str) -> None:
        super().__init__()
        self.backend, self.number = backend, number
        self.seen: list[str] | None = None

    def write(self, text: str) -> int:
        if self.seen is None:
            self.seen = kinds(self.backend, self.number)
        return super().write(text)


def test_unmask_is_audited_before_anything_is_shown(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend
) -> None:
    record = create(sql_backend, application(id_number=id_number()))
    witness = _AuditWitness(sql_backend, record.case_number)
    result = run(
        case_settings,
        "show",
        record.case_number,
        "--unmask",
        "--reason",
        "电话回访",
        stdout=witness,
    )
    assert result.code == 0, result.err
    assert witness.seen == ["created", "unmasked"]
    assert PHONE in result.out and "王秀英" in result.out and id_number() in result.out
    event = sql_backend.events(record.case_number)[-1]
    assert (event.kind, event.actor, event.detail) == ("unmasked", "tester", {"reason": "电话回访"})

    run(
        case_settings,
        "show",
        record.case_number,
        "--unmask",
        "--reason",
        "复核",
        "--actor",
        "张科长",
    )
    event = sql_backend.events(record.case_number)[-1]
    assert event.actor == "张科长"
    assert event.detail == {"reason": "复核", "os_user": "tester"}


def test_unmask_shows_nothing_when_the_audit_fails(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = create(sql_backend)

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise BackendUnavailable("case database: OperationalError")

    monkeypatch.setattr(SqlCaseBackend, "record_event", refuse)
    result = run(case_settings, "show", record.case_number, "--unmask", "--reason", "回访")
    assert (result.code, result.out) == (1, "")
    assert "数据库" in result.err and PHONE not in result.err


def test_unknown_case(case_settings: CaseSettings, sql_backend: SqlCaseBackend) -> None:
    for argv in (["show", "WQ-2026-999999"], ["status", "WQ-2026-999999", "accepted"]):
        result = run(case_settings, *argv)
        assert (result.code, result.out) == (1, "")
        assert result.err == "没有编号为 WQ-2026-999999 的案件，请核对编号\n"
    # A phone number typed where the case number belongs is not echoed back.
    typo = run(case_settings, "show", PHONE)
    assert typo.code == 2 and "WQ-2026-000123" in typo.err and PHONE not in typo.err


# -- export ----------------------------------------------------------------------


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_export_masked_csv(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend, tmp_path: Path
) -> None:
    formulas = ['=HYPERLINK("http://x","点")', "+1", "-2+3", "@SUM(A1)"]
    records = [create(sql_backend, application(description=text)) for text in formulas]
    target = tmp_path / "导出.csv"
    result = run(case_settings, "export", "--output", str(target))
    assert result.code == 0, result.err
    assert "4 件" in result.out and "已遮盖" in result.out
    header, *rows = read_csv(target)
    assert header == list(HEADER)
    assert header[:4] == ["案件编号", "状态", "提交时间", "最后更新"]
    column = {name: header.index(name) for name in header}
    assert [row[column["案件编号"]] for row in rows] == [r.case_number for r in records]
    assert {row[column["手机"]] for row in rows} == {"139****5678"}
    assert {row[column["联系人"]] for row in rows} == {"王**"}
    assert [row[column["情况描述"]] for row in rows] == ["'" + text for text in formulas]
    assert rows[0][column["资金援助"]] == "需中心审核"
    assert PHONE not in target.read_text(encoding="utf-8-sig")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".tmp") == []
    for record in records:
        event = sql_backend.events(record.case_number)[-1]
        assert (event.kind, event.actor) == ("exported", "tester")
        assert event.detail == {"reason": None, "unmasked": False, "file": str(target)}


def test_export_never_overwrites_without_force(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend, tmp_path: Path
) -> None:
    record = create(sql_backend)
    target = tmp_path / "cases.csv"
    target.write_text("keep me", encoding="utf-8")
    refused = run(case_settings, "export", "--output", str(target))
    assert refused.code == 1 and "--force" in refused.err
    assert target.read_text(encoding="utf-8") == "keep me"
    assert kinds(sql_backend, record.case_number) == ["created"]

    forced = run(case_settings, "export", "--output", str(target), "--force")
    assert forced.code == 0, forced.err
    assert read_csv(target)[1][0] == record.case_number
    assert run(case_settings, "export", "--output", str(tmp_path / "x.xlsx")).code == 2


def test_export_unmasked_is_audited(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend, tmp_path: Path
) -> None:
    record = create(sql_backend, application(id_number=id_number()))
    target = tmp_path / "full.csv"
    no_reason = run(case_settings, "export", "--output", str(target), "--unmask")
    assert no_reason.code == 2 and not target.exists()
    result = run(
        case_settings, "export", "--output", str(target), "--unmask", "--reason", "移交法院"
    )
    assert result.code == 0, result.err
    header, row = read_csv(target)
    # Long digit strings get a leading tab so Excel keeps them as text.
    assert row[header.index("手机")] == "\t" + PHONE
    assert row[header.index("身份证号")] == "\t" + id_number()
    assert row[header.index("联系人")] == "王秀英"
    event = sql_backend.events(record.case_number)[-1]
    assert event.kind == "exported"
    assert event.detail == {"reason": "移交法院", "unmasked": True, "file": str(target)}

    empty = run(
        case_settings, "export", "--output", str(tmp_path / "none.csv"), "--status", "closed"
    )
    assert empty.code == 1 and not (tmp_path / "none.csv").exists()


# -- status ----------------------------------------------------------------------


def test_status_changes(case_settings: CaseSettings, sql_backend: SqlCaseBackend) -> None:
    record = create(sql_backend)
    result = run(case_settings, "status", record.case_number, "accepted", "--note", "材料齐全")
    assert result.code == 0, result.err
    assert result.out == f"案件 {record.case_number}：「已提交，等待中心审核」→「已受理」。\n"
    event = sql_backend.events(record.case_number)[-1]
    assert (event.kind, event.actor) == ("status", "tester")
    assert event.detail == {"from": "submitted", "to": "accepted", "note": "材料齐全"}

    same = run(case_settings, "status", record.case_number, "已受理")
    assert same.code == 0 and "无需更改" in same.out

    back = run(case_settings, "status", record.case_number, "submitted")
    assert back.code == 1 and back.out == ""
    assert "不能改为「已提交，等待中心审核」" in back.err
    assert "可改为：in_progress（办理中）、transferred（已移交其他机构办理）" in back.err

    assert run(case_settings, "status", record.case_number, "closed", "--actor", "王五").code == 0
    assert sql_backend.events(record.case_number)[-1].actor == "王五"
    final = run(case_settings, "status", record.case_number, "accepted")
    assert final.code == 1 and "已结束" in final.err
    closed = sql_backend.get_now(record.case_number)
    assert closed is not None and closed.status is CaseStatus.CLOSED

    unknown = run(case_settings, "status", record.case_number, "done")
    assert unknown.code == 2 and "accepted（已受理）" in unknown.err


# -- purge -----------------------------------------------------------------------


def test_purge_only_finished_cases_past_retention(
    case_settings: CaseSettings,
    sql_backend: SqlCaseBackend,
    at: Callable[[datetime], SqlCaseBackend],
) -> None:
    long_ago = utc_now() - timedelta(days=400)
    then = at(long_ago)
    old_closed = create(then)
    then.update_status_now(old_closed.case_number, CaseStatus.REJECTED)
    old_open = create(then)  # still waiting: kept however old
    recent_closed = create(sql_backend)
    sql_backend.update_status_now(recent_closed.case_number, CaseStatus.WITHDRAWN)
    env = {**ENV, "CASE_RETENTION_DAYS": "365"}

    dry = run(case_settings, "purge", "--dry-run", env=env)
    assert dry.code == 0, dry.err
    assert old_closed.case_number in dry.out and "365 天" in dry.out
    assert old_open.case_number not in dry.out and recent_closed.case_number not in dry.out
    assert sql_backend.count() == 3

    declined = run(case_settings, "purge", env=env, stdin="no\n")
    assert declined.code == 1 and "输入 yes 确认" in declined.err
    assert sql_backend.count() == 3

    done = run(case_settings, "purge", env=env, stdin="yes\n")
    assert done.code == 0, done.err
    assert "已删除 1 件" in done.out
    assert sql_backend.get_now(old_closed.case_number) is None
    assert sql_backend.get_now(old_open.case_number) is not None
    assert sql_backend.get_now(recent_closed.case_number) is not None
    assert kinds(sql_backend, old_closed.case_number) == ["purged"]  # a tombstone, no history
    assert sql_backend.events(old_closed.case_number)[-1].actor == "tester"
    gone = run(case_settings, "show", old_closed.case_number)
    assert gone.code == 1 and "超过保存期限被删除" in gone.err

    # --retention-days beats the environment; --yes does not ask.
    everything = run(case_settings, "purge", "--retention-days", "1", "--yes", env=env)
    assert everything.code == 0 and "没有需要删除的案件" in everything.out
    later = run(
        case_settings,
        "purge",
        "--retention-days",
        "1",
        "--yes",
        env=env,
        clock=lambda: utc_now() + timedelta(days=2),
    )
    assert "已删除 1 件" in later.out
    assert sql_backend.get_now(recent_closed.case_number) is None
    assert sql_backend.get_now(old_open.case_number) is not None


def test_default_retention(monkeypatch: pytest.MonkeyPatch) -> None:
    import knowledge.deployment

    def deployment(**fields: Any) -> Callable[..., Any]:
        return lambda env=None: SimpleNamespace(**fields)

    monkeypatch.setattr(knowledge.deployment, "deployment_from_env", deployment())
    assert retention.default_retention_days({}) == 1095  # Deployment without `cases` yet
    cases_config = SimpleNamespace(retention_days=730)
    monkeypatch.setattr(knowledge.deployment, "deployment_from_env", deployment(cases=cases_config))
    assert retention.default_retention_days({}) == 730
    assert retention.retention_days({"CASE_RETENTION_DAYS": "30"}) == 30
    assert retention.retention_days({}) == 730
    with pytest.raises(retention.ConfigurationError):
        retention.retention_days({"CASE_RETENTION_DAYS": "three years"})


def test_default_retention_of_the_real_deployment() -> None:
    days = retention.default_retention_days({})
    assert isinstance(days, int) and days >= 1


# -- keys and schema ---------------------------------------------------------------


def test_keygen_prints_a_valid_key() -> None:
    result = run(None, "keygen")
    assert result.code == 0
    Fernet(result.out.strip().encode("ascii"))
    assert "CASE_ENCRYPTION_KEY" in result.err


def test_rotate_key(case_settings: CaseSettings, sql_backend: SqlCaseBackend) -> None:
    record = create(sql_backend, application(id_number=id_number()))
    old, new = case_settings.encryption_keys, new_key()
    assert run(case_settings, "rotate-key").code == 1  # only one key given: nothing to rotate to
    result = run(replace(case_settings, encryption_keys=f"{new},{old}"), "rotate-key")
    assert result.code == 0, result.err
    assert result.out == "已用新密钥重新加密 1 件案件的个人信息。\n"

    rotated = SqlCaseBackend.open(replace(case_settings, encryption_keys=new))
    try:
        assert rotated.get_now(record.case_number) == record
    finally:
        rotated.engine.dispose()
    stale = run(case_settings, "show", record.case_number)
    assert stale.code == 1 and "密钥" in stale.err


def test_migrate_prints_the_revision(case_settings: CaseSettings) -> None:
    first = run(case_settings, "migrate")
    assert first.code == 0, first.err
    engine = make_engine(case_settings.database_url, case_settings.database_schema)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    assert revision and first.out == f"已建立数据库结构，版本 {revision}。\n"
    assert run(case_settings, "migrate").out == f"数据库结构已是最新版本：{revision}。\n"


# -- the command line itself ---------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["lst"], "命令"),
        ([], "缺少参数"),
        (["list", "--limit", "0"], "正整数"),
        (["list", "--lim", "3"], "无法识别的参数"),
        (["list", "--since", "2026/11/01"], "年-月-日"),
    ],
)
def test_usage_errors(argv: Sequence[str], expected: str) -> None:
    result = run(None, *argv)
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("用法错误：") and expected in result.err
    assert result.err.count("\n") == 1


def test_help_is_chinese() -> None:
    result = run(None, "show", "-h")
    assert result.code == 0
    assert result.out.startswith("用法：python -m cases show")
    assert "--unmask" in result.out and "案件编号" in result.out


def test_unreachable_database_names_no_password() -> None:
    url = "postgresql+psycopg://staff:s3cret@127.0.0.1:9/cases"
    result = run(None, "--database-url", url, "list", env={**ENV, "CASE_ENCRYPTION_KEY": new_key()})
    assert result.code == 1
    assert "连不上案件数据库" in result.err and "s3cret" not in result.err
    http = run(
        None, "list", env={"CASE_BACKEND": "http", "CASE_API_URL": "x", "CASE_API_TOKEN": "t"}
    )
    assert http.code == 1 and "CASE_BACKEND=http" in http.err


def test_python_m_cases(case_settings: CaseSettings, sql_backend: SqlCaseBackend) -> None:
    record = create(sql_backend)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "USER": "tester",
        "CASE_DATABASE_URL": case_settings.database_url,
        "CASE_ENCRYPTION_KEY": case_settings.encryption_keys or "",
        "CASE_DATABASE_SCHEMA": case_settings.database_schema or "",
    }

    def cases(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cases", *argv],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
        )

    listed = cases("list")
    assert listed.returncode == 0, listed.stderr
    assert record.case_number in listed.stdout and "139****5678" in listed.stdout
    assert PHONE not in listed.stdout + listed.stderr
    missing = cases("show", "WQ-2026-999999")
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr == "没有编号为 WQ-2026-999999 的案件，请核对编号\n"


def test_typed_control_characters_do_not_reach_the_terminal(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend
) -> None:
    text = "网店仿冒\x1b]0;owned\x07\x1b[2J\n第二行\u202e反向"
    record = create(sql_backend, application(description=text))
    for argv in ([], ["--unmask", "--reason", "核对"]):
        result = run(case_settings, "show", record.case_number, *argv)
        assert "\x1b" not in result.out and "\x07" not in result.out and "\u202e" not in result.out
        assert "  网店仿冒]0;owned[2J\n  第二行反向\n" in result.out


def test_a_wrong_database_address_is_noticed(tmp_path: Path) -> None:
    env = {**ENV, "CASE_ENCRYPTION_KEY": new_key()}
    fresh = run(None, "--database-url", f"sqlite:///{tmp_path / 'typo.db'}", "list", env=env)
    assert (fresh.code, fresh.out) == (0, "没有符合条件的案件。\n")
    assert "原本不存在" in fresh.err
    again = run(None, "list", env={**env, "CASE_DATABASE_URL": f"sqlite:///{tmp_path / 'typo.db'}"})
    assert again.err == ""
    garbled = run(None, "list", "--database-url", "not a url", env=env)
    assert garbled.code == 1 and "数据库地址的格式不对" in garbled.err
