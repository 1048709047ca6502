"""make run starts the reference case system exactly when nothing else would answer."""

from __future__ import annotations

import sys

import pytest

from tests.e2e.processes import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import run


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("CASE_BACKEND", "CASE_API_URL", "CASE_API_TOKEN", "CASE_SERVER_PORT",
                 "CASE_SERVER_TOKEN", "GATEWAY_SECRET"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GATEWAY_SECRET", "x" * 40)
    return monkeypatch


def test_the_embedded_store_needs_no_case_system(clean_env: pytest.MonkeyPatch) -> None:
    env = run.environment()
    assert run.processes(env) == ["actions", "rasa", "gateway"]
    assert "CASE_API_URL" not in env


def test_http_backend_without_a_url_gets_the_reference_server(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("CASE_BACKEND", "http")
    env = run.environment()
    assert run.processes(env)[0] == "cases"
    assert env["CASE_API_URL"] == "http://127.0.0.1:8090"
    assert env["CASE_API_TOKEN"] == env["CASE_SERVER_TOKEN"] and len(env["CASE_API_TOKEN"]) >= 24


def test_a_centres_own_case_system_is_used_as_configured(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CASE_BACKEND", "http")
    clean_env.setenv("CASE_API_URL", "https://cases.example.org")
    clean_env.setenv("CASE_API_TOKEN", "centre-token")
    env = run.environment()
    assert "cases" not in run.processes(env)
    assert env["CASE_API_URL"] == "https://cases.example.org"
    assert env["CASE_API_TOKEN"] == "centre-token"


def test_procfile_has_an_entry_for_every_process_run_starts() -> None:
    entries = {
        line.split(":", 1)[0]
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert entries == {"cases", "actions", "rasa", "gateway"}
