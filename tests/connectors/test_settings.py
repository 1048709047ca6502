"""Settings from the environment and a YAML file, checked at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web
from cryptography.fernet import Fernet

from connectors.__main__ import main
from connectors.errors import ConfigError
from connectors.settings import Environment, GatewaySettings

SECRET = "x" * 32


def test_defaults_without_environment() -> None:
    settings = GatewaySettings.from_env({})
    assert (settings.host, settings.port, settings.rasa_url) == (
        "0.0.0.0",  # noqa: S104 - the default under test
        8080,
        "http://127.0.0.1:5005",
    )
    assert (settings.rasa_connect_timeout, settings.rasa_read_timeout) == (2.0, 15.0)
    assert settings.max_message_chars == 2000
    assert settings.busy_text == "系统繁忙，请稍后再试。"
    assert settings.rasa_token is None
    assert settings.secret_is_ephemeral
    assert len(settings.secret) == 32


def test_each_process_gets_its_own_ephemeral_secret() -> None:
    assert GatewaySettings.from_env({}).secret != GatewaySettings.from_env({}).secret


def test_environment_overrides() -> None:
    settings = GatewaySettings.from_env(
        {
            "GATEWAY_HOST": "127.0.0.1",
            "GATEWAY_PORT": "9000",
            "RASA_URL": "http://rasa:5005/",
            "RASA_TOKEN": "tok",
            "RASA_CONNECT_TIMEOUT": "1.5",
            "RASA_READ_TIMEOUT": "30",
            "MAX_MESSAGE_CHARS": "500",
            "BUSY_TEXT": "请稍候再试。",
            "GATEWAY_SECRET": SECRET,
        }
    )
    assert (settings.host, settings.port, settings.rasa_url) == (
        "127.0.0.1",
        9000,
        "http://rasa:5005",
    )
    assert (settings.rasa_connect_timeout, settings.rasa_read_timeout) == (1.5, 30.0)
    assert (settings.max_message_chars, settings.busy_text, settings.rasa_token) == (
        500,
        "请稍候再试。",
        "tok",
    )
    assert (settings.secret, settings.secret_is_ephemeral) == (SECRET.encode(), False)


def test_secrets_stay_out_of_repr() -> None:
    settings = GatewaySettings.from_env({"GATEWAY_SECRET": SECRET, "RASA_TOKEN": "tok-123"})
    assert SECRET not in repr(settings)
    assert "tok-123" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"GATEWAY_ENV": "production"}, "GATEWAY_SECRET is required"),
        ({"GATEWAY_SECRET": "short"}, "at least 32"),
        ({"GATEWAY_PORT": "eighty"}, "GATEWAY_PORT"),
        ({"GATEWAY_PORT": "70000"}, "GATEWAY_PORT"),
        ({"RASA_URL": "localhost:5005"}, "RASA_URL"),
        ({"RASA_READ_TIMEOUT": "0"}, "RASA_READ_TIMEOUT"),
        ({"MAX_MESSAGE_CHARS": "-1"}, "MAX_MESSAGE_CHARS"),
        ({"GATEWAY_ENV": "staging"}, "GATEWAY_ENV"),
    ],
)
def test_invalid_settings_stop_with_one_line(env: dict[str, str], reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as caught:
        GatewaySettings.from_env(env)
    assert "\n" not in str(caught.value)


CASE_KEY = Fernet.generate_key().decode()
PRODUCTION = {
    "GATEWAY_ENV": "production",
    "GATEWAY_SECRET": SECRET,
    "RASA_TOKEN": "r" * 32,
    "CASE_ENCRYPTION_KEY": CASE_KEY,
}


def test_production_with_secret_starts() -> None:
    settings = GatewaySettings.from_env(PRODUCTION | {"GATEWAY_ENV": "Production"})
    assert settings.environment is Environment.PRODUCTION
    assert not settings.secret_is_ephemeral


def _without(env: dict[str, str], *names: str) -> dict[str, str]:
    return {key: value for key, value in env.items() if key not in names}


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        (PRODUCTION | {"RASA_TOKEN": "r" * 31}, "RASA_TOKEN must have at least 32 characters"),
        (PRODUCTION | {"GATEWAY_SECRET": "g" * 31}, "GATEWAY_SECRET must have at least 32"),
        # The console's case lookup opens the SQL case store: its key must be explicit.
        (_without(PRODUCTION, "CASE_ENCRYPTION_KEY"), "CASE_ENCRYPTION_KEY is required"),
        (PRODUCTION | {"CASE_ENCRYPTION_KEY": "not-a-key"}, "CASE_ENCRYPTION_KEY must be Fernet"),
        (PRODUCTION | {"CASE_BACKEND": "paper"}, "CASE_BACKEND must be one of"),
    ],
)
def test_production_refuses_what_is_unsafe(env: dict[str, str], reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as caught:
        GatewaySettings.from_env(env)
    assert "\n" not in str(caught.value)
    assert CASE_KEY not in str(caught.value)


def test_development_keeps_its_defaults() -> None:
    """`make run`: short tokens and the generated key file stay allowed."""
    dev = _without(PRODUCTION, "GATEWAY_ENV", "CASE_ENCRYPTION_KEY") | {"RASA_TOKEN": "tok"}
    assert GatewaySettings.from_env(dev).environment is Environment.DEVELOPMENT


def test_production_with_the_centres_case_system_needs_no_case_key() -> None:
    env = _without(PRODUCTION, "CASE_ENCRYPTION_KEY") | {
        "CASE_BACKEND": "http",
        "CASE_API_URL": "https://cases.example.org/api",
        "CASE_API_TOKEN": "t" * 32,
    }
    assert GatewaySettings.from_env(env).environment is Environment.PRODUCTION


def _never_serve(*args: object, **kwargs: object) -> None:
    raise AssertionError("the gateway started serving")


def test_main_stops_on_a_missing_case_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(web, "run_app", _never_serve)
    assert main(_without(PRODUCTION, "CASE_ENCRYPTION_KEY")) == 2
    err = capsys.readouterr().err
    assert err.startswith("gateway: CASE_ENCRYPTION_KEY is required when GATEWAY_ENV=production")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_yaml_file_under_environment(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yml"
    config.write_text("port: 8181\nrasa_read_timeout: 20\nbusy_text: 忙\n", encoding="utf-8")
    settings = GatewaySettings.from_env({"GATEWAY_CONFIG": str(config), "GATEWAY_PORT": "8282"})
    assert (settings.port, settings.rasa_read_timeout, settings.busy_text) == (8282, 20.0, "忙")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("secret: abc\n", "secrets belong in the environment"),
        ("rasa_token: abc\n", "secrets belong in the environment"),
        ("prot: 1\n", "unknown setting"),
        ("- a list\n", "mapping"),
        ("port: [\n", "cannot be read"),
    ],
)
def test_bad_yaml_file_is_refused(tmp_path: Path, text: str, reason: str) -> None:
    config = tmp_path / "gateway.yml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=reason):
        GatewaySettings.from_env({"GATEWAY_CONFIG": str(config)})


def test_missing_yaml_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        GatewaySettings.from_env({"GATEWAY_CONFIG": str(tmp_path / "absent.yml")})


def test_main_stops_on_a_missing_secret(capsys: pytest.CaptureFixture[str]) -> None:
    assert main({"GATEWAY_ENV": "production"}) == 2
    err = capsys.readouterr().err
    assert err == "gateway: GATEWAY_SECRET is required when GATEWAY_ENV=production\n"
