"""make run starts the reference case system exactly when nothing else would answer."""

from __future__ import annotations

import subprocess
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


def test_rasa_takes_any_token_even_one_that_looks_like_an_option() -> None:
    """token_urlsafe begins with '-' about once in 64 runs; Rasa's parser must not choke."""
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("rasa:"))
    command = (
        line.split(":", 1)[1].replace("$RASA_TOKEN", "-Xq9_token").replace("$RASA_PORT", "5005")
    )
    probe = (
        "import shlex, sys\n"
        "from rasa.__main__ import create_argument_parser\n"
        "args = create_argument_parser().parse_args(shlex.split(sys.argv[1])[1:])\n"
        "print(args.auth_token)\n"
    )
    result = subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "python"), "-W", "ignore", "-c", probe, command],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "-Xq9_token"
