"""Where the case key lives, and what production refuses.

The key must not sit beside the data it protects (every backup of data/ would
carry it); an installation that already keeps it there must not lose access
to its data; and in production (GATEWAY_ENV=production) no key is generated:
the store refuses to open without an explicit CASE_ENCRYPTION_KEY.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest

from cases.cli import main
from cases.crypto import FieldCipher, new_key
from cases.errors import ConfigurationError
from cases.factory import CaseServices
from cases.server.__main__ import ServerSettings
from cases.settings import DATA, ROOT, SECRETS, CaseSettings
from cases.sql import SqlCaseBackend

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def production(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "GATEWAY_ENV": "production",
        "CASE_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'cases.db'}",
        "CASE_ENCRYPTION_KEY_FILE": str(tmp_path / "secrets" / "case-encryption.key"),
        "CASE_OUTBOX_PATH": str(tmp_path / "data" / "outbox.db"),
        **extra,
    }


def test_production_refuses_to_open_the_store_without_an_explicit_key(tmp_path: Path) -> None:
    settings = CaseSettings.from_env(production(tmp_path))
    for opening in (SqlCaseBackend.open, CaseServices.open):
        with pytest.raises(ConfigurationError) as caught:
            opening(settings)
        reason = str(caught.value)
        assert "\n" not in reason and CHINESE.search(reason)
        assert "CASE_ENCRYPTION_KEY" in reason and "GATEWAY_ENV=production" in reason
    # No key was generated, no database or outbox created.
    assert not (tmp_path / "secrets").exists() and not (tmp_path / "data").exists()

    store = SqlCaseBackend.open(
        CaseSettings.from_env(production(tmp_path, CASE_ENCRYPTION_KEY=new_key()))
    )
    store.engine.dispose()


def test_production_does_not_take_a_key_file_either(tmp_path: Path) -> None:
    """Not even one that exists: production keys come from the deployment's secrets."""
    key_file = tmp_path / "secrets" / "case-encryption.key"
    key_file.parent.mkdir()
    key_file.write_text(new_key() + "\n", encoding="ascii")
    settings = CaseSettings.from_env(production(tmp_path, GATEWAY_ENV="Production"))
    with pytest.raises(ConfigurationError, match="CASE_ENCRYPTION_KEY"):
        settings.cipher()


def test_the_staff_cli_says_why_in_one_chinese_line(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["list"], env={"USER": "tester", **production(tmp_path)}, stdout=out, stderr=err)
    assert code == 1 and out.getvalue() == ""
    [line] = err.getvalue().splitlines()
    assert "生产模式" in line and "CASE_ENCRYPTION_KEY" in line


def test_the_reference_case_system_in_production_needs_its_key(tmp_path: Path) -> None:
    env = {
        "GATEWAY_ENV": "production",
        "CASE_SERVER_TOKEN": "t",
        "CASE_SERVER_DATABASE_URL": f"sqlite:///{tmp_path / 'case-system.db'}",
    }
    with pytest.raises(ConfigurationError, match="CASE_SERVER_ENCRYPTION_KEY") as caught:
        ServerSettings.from_env(env)
    assert "\n" not in str(caught.value) and CHINESE.search(str(caught.value))
    assert ServerSettings.from_env({**env, "CASE_SERVER_ENCRYPTION_KEY": new_key()}).store


def test_the_key_file_lives_outside_the_data_folder_by_default() -> None:
    settings = CaseSettings.from_env({})
    assert (
        settings.key_file
        == SECRETS / "case-encryption.key"
        == ROOT / "secrets" / ("case-encryption.key")
    )
    assert not settings.key_file.is_relative_to(ROOT / "data")
    assert settings.legacy_key_file == DATA / "encryption.key"
    chosen = CaseSettings.from_env({"CASE_ENCRYPTION_KEY_FILE": "/srv/keys/case.key"})
    assert chosen.key_file == Path("/srv/keys/case.key") and chosen.legacy_key_file is None
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/secrets/" in ignored


def test_a_new_key_file_is_private_in_a_private_folder(tmp_path: Path) -> None:
    settings = CaseSettings(
        database_url=f"sqlite:///{tmp_path / 'data' / 'cases.db'}",
        key_file=tmp_path / "secrets" / "case-encryption.key",
    )
    token = settings.cipher().encrypt("13912345678")
    assert (settings.key_file.stat().st_mode & 0o777) == 0o600
    assert (settings.key_file.parent.stat().st_mode & 0o777) == 0o700
    assert settings.cipher().decrypt(token) == "13912345678"  # the same key, read back


def test_a_key_at_the_old_place_keeps_working_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old_key = new_key()
    legacy = tmp_path / "data" / "cases" / "encryption.key"
    legacy.parent.mkdir(parents=True)
    legacy.write_text(old_key + "\n", encoding="ascii")
    written_before = FieldCipher([old_key]).encrypt("王秀英")
    settings = CaseSettings(
        database_url=f"sqlite:///{tmp_path / 'data' / 'cases' / 'cases.db'}",
        key_file=tmp_path / "secrets" / "case-encryption.key",
        legacy_key_file=legacy,
    )
    with caplog.at_level(logging.WARNING, logger="cases"):
        cipher = settings.cipher()
    assert cipher.decrypt(written_before) == "王秀英"
    assert not settings.key_file.exists()  # no second key made beside the first
    [warning] = [r.getMessage() for r in caplog.records if r.name == "cases.settings"]
    assert str(legacy) in warning and str(settings.key_file) in warning
    assert (legacy.stat().st_mode & 0o777) == 0o600  # written 0644 by hand: tightened
