"""The console's settings: defaults, the environment, and the API keys kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.errors import ConfigError
from connectors.settings import GatewaySettings

KEY_A, KEY_B = "a" * 32, "b" * 40


def test_defaults() -> None:
    settings = GatewaySettings.from_env({})
    assert settings.console_db_path == Path("data/console/console.db")
    assert (settings.console_idle_minutes, settings.console_session_hours) == (30, 12)
    assert settings.console_api_keys == ()


def test_from_the_environment() -> None:
    settings = GatewaySettings.from_env(
        {
            "CONSOLE_DB_PATH": "/srv/console.db",
            "CONSOLE_IDLE_MINUTES": "15",
            "CONSOLE_SESSION_HOURS": "8",
            "CONSOLE_API_KEYS": f" {KEY_A} , {KEY_B},",
        }
    )
    assert settings.console_db_path == Path("/srv/console.db")
    assert (settings.console_idle_minutes, settings.console_session_hours) == (15, 8)
    assert settings.console_api_keys == (KEY_A, KEY_B)
    assert KEY_A not in repr(settings) and KEY_B not in repr(settings)


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"CONSOLE_API_KEYS": "short-key"}, "CONSOLE_API_KEYS"),
        ({"CONSOLE_IDLE_MINUTES": "0"}, "CONSOLE_IDLE_MINUTES"),
        ({"CONSOLE_IDLE_MINUTES": "half"}, "CONSOLE_IDLE_MINUTES"),
        ({"CONSOLE_SESSION_HOURS": "-1"}, "CONSOLE_SESSION_HOURS"),
        ({"CONSOLE_IDLE_MINUTES": "120", "CONSOLE_SESSION_HOURS": "1"}, "must not exceed"),
    ],
)
def test_bad_values_stop_the_start(env: dict[str, str], reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as caught:
        GatewaySettings.from_env(env)
    assert "short-key" not in str(caught.value)


def test_api_keys_are_refused_in_the_yaml_file(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yml"
    config.write_text(f"console_api_keys: [{KEY_A}]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="secrets belong in the environment"):
        GatewaySettings.from_env({"GATEWAY_CONFIG": str(config)})
    config.write_text("console_idle_minutes: 10\n", encoding="utf-8")
    assert GatewaySettings.from_env({"GATEWAY_CONFIG": str(config)}).console_idle_minutes == 10
