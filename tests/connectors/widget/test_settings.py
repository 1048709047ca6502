"""The widget's settings: origins as browsers write them, limits, proxies, the feedback file."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.errors import ConfigError
from connectors.settings import GatewaySettings


def test_defaults() -> None:
    settings = GatewaySettings.from_env({})
    assert settings.feedback_db_path == Path("data/feedback/feedback.db")
    assert settings.widget_allowed_origins == ()
    assert (settings.rate_limit_ip_per_minute, settings.rate_limit_session_per_minute) == (30, 20)
    assert settings.trusted_proxies == ("127.0.0.1", "::1")


def test_environment() -> None:
    settings = GatewaySettings.from_env(
        {
            "FEEDBACK_DB_PATH": "/var/lib/ipr/feedback.db",
            "WIDGET_ALLOWED_ORIGINS": " https://WWW.Example.org:443/ , http://localhost:8000,",
            "RATE_LIMIT_IP_PER_MINUTE": "60",
            "RATE_LIMIT_SESSION_PER_MINUTE": "0",
            "TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1",
        }
    )
    assert settings.feedback_db_path == Path("/var/lib/ipr/feedback.db")
    # Normalised to what a browser puts in the Origin header, so exact match works.
    assert settings.widget_allowed_origins == ("https://www.example.org", "http://localhost:8000")
    assert (settings.rate_limit_ip_per_minute, settings.rate_limit_session_per_minute) == (60, 0)
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.0.2.1/32")


def test_yaml_lists(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yml"
    config.write_text(
        "widget_allowed_origins:\n  - https://a.example\n  - https://b.example:8443\n"
        "trusted_proxies: [127.0.0.1]\nrate_limit_ip_per_minute: 10\n",
        encoding="utf-8",
    )
    settings = GatewaySettings.from_env({"GATEWAY_CONFIG": str(config)})
    assert settings.widget_allowed_origins == ("https://a.example", "https://b.example:8443")
    assert settings.trusted_proxies == ("127.0.0.1/32",)
    assert settings.rate_limit_ip_per_minute == 10


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"WIDGET_ALLOWED_ORIGINS": "null"}, "WIDGET_ALLOWED_ORIGINS"),
        ({"WIDGET_ALLOWED_ORIGINS": "*"}, "WIDGET_ALLOWED_ORIGINS"),
        ({"WIDGET_ALLOWED_ORIGINS": "https://a.example/chat"}, "WIDGET_ALLOWED_ORIGINS"),
        ({"WIDGET_ALLOWED_ORIGINS": "www.example.org"}, "WIDGET_ALLOWED_ORIGINS"),
        ({"WIDGET_ALLOWED_ORIGINS": "https://user@a.example"}, "WIDGET_ALLOWED_ORIGINS"),
        ({"WIDGET_ALLOWED_ORIGINS": "https://a.example:99999"}, "WIDGET_ALLOWED_ORIGINS"),
        ({"RATE_LIMIT_IP_PER_MINUTE": "-1"}, "RATE_LIMIT_IP_PER_MINUTE"),
        ({"RATE_LIMIT_SESSION_PER_MINUTE": "many"}, "RATE_LIMIT_SESSION_PER_MINUTE"),
        ({"TRUSTED_PROXIES": "proxy.local"}, "TRUSTED_PROXIES"),
    ],
)
def test_bad_values_stop_the_start(env: dict[str, str], reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        GatewaySettings.from_env(env)
