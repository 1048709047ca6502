"""The channel's settings: on only with WECHAT_TOKEN, every bad value stops start-up."""

from __future__ import annotations

import pytest
from aiohttp import web

from connectors.__main__ import main
from connectors.app import init_app
from connectors.errors import ConfigError
from connectors.settings import Environment
from connectors.wechat import WECHAT_SETTINGS, setup_wechat
from connectors.wechat.settings import WeChatSettings
from tests.connectors.conftest import gateway_settings
from tests.connectors.wechat.conftest import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    OLD_AES_KEY,
    TOKEN,
    WECHAT_VARS,
)

BASE = {"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": APP_SECRET}


def test_channel_is_off_without_token() -> None:
    assert WeChatSettings.from_env({}) is None
    assert WeChatSettings.from_env({"WECHAT_APP_ID": APP_ID, "WECHAT_TOKEN": "  "}) is None
    app = web.Application()
    assert setup_wechat(app, {}) is False
    assert WECHAT_SETTINGS not in app
    assert not list(app.router.routes())


async def test_gateway_without_token_has_no_wechat_route(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in WECHAT_VARS:
        monkeypatch.delenv(var, raising=False)
    app = init_app(gateway_settings("http://127.0.0.1:5005"))
    assert not any(r.resource and r.resource.canonical == "/wechat" for r in app.router.routes())


def test_defaults_plain_mode() -> None:
    settings = WeChatSettings.from_env(BASE)
    assert settings is not None
    assert not settings.safe_mode
    assert settings.api_base == "https://api.weixin.qq.com"
    assert (settings.reply_timeout, settings.api_connect_timeout, settings.api_read_timeout) == (
        4.0,
        3.0,
        5.0,
    )
    assert (settings.max_reply_bytes, settings.max_clock_skew) == (2000, 300.0)


def test_safe_mode_with_previous_key_and_overrides() -> None:
    settings = WeChatSettings.from_env(
        BASE
        | {
            "WECHAT_ENCODING_AES_KEY": AES_KEY,
            "WECHAT_ENCODING_AES_KEY_PREVIOUS": OLD_AES_KEY,
            "WECHAT_API_BASE": "http://127.0.0.1:9/",
            "WECHAT_REPLY_TIMEOUT": "3.5",
            "WECHAT_API_READ_TIMEOUT": "2",
        }
    )
    assert settings is not None
    assert settings.safe_mode
    assert settings.aes_key is not None and len(settings.aes_key) == 32
    assert settings.previous_aes_key is not None and settings.previous_aes_key != settings.aes_key
    assert settings.api_base == "http://127.0.0.1:9"
    assert (settings.reply_timeout, settings.api_read_timeout) == (3.5, 2.0)


def test_secrets_stay_out_of_repr() -> None:
    settings = WeChatSettings.from_env(BASE | {"WECHAT_ENCODING_AES_KEY": AES_KEY})
    text = repr(settings)
    assert TOKEN not in text
    assert APP_SECRET not in text
    assert "aes_key" not in text


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"WECHAT_ENCODING_AES_KEY": AES_KEY[:-1]}, "WECHAT_ENCODING_AES_KEY must be 43"),
        ({"WECHAT_ENCODING_AES_KEY": AES_KEY[:-1] + "="}, "WECHAT_ENCODING_AES_KEY must be 43"),
        ({"WECHAT_ENCODING_AES_KEY_PREVIOUS": "x" * 10}, "PREVIOUS must be 43"),
        ({"WECHAT_ENCODING_AES_KEY_PREVIOUS": OLD_AES_KEY}, "WECHAT_ENCODING_AES_KEY is not"),
        ({"WECHAT_APP_ID": ""}, "WECHAT_APP_ID is required"),
        ({"WECHAT_APP_SECRET": ""}, "WECHAT_APP_SECRET is required"),
        ({"WECHAT_TOKEN": "with space"}, "WECHAT_TOKEN must be"),
        # WeChat accepts 3-32 characters; a 4-character token falls to one signature in seconds.
        ({"WECHAT_TOKEN": "abcd"}, "WECHAT_TOKEN must be 16-32"),
        ({"WECHAT_TOKEN": "a1" * 7 + "b"}, "WECHAT_TOKEN must be 16-32"),
        ({"WECHAT_TOKEN": "a" * 33}, "WECHAT_TOKEN must be 16-32"),
        ({"WECHAT_API_BASE": "api.weixin.qq.com"}, "WECHAT_API_BASE"),
        ({"WECHAT_REPLY_TIMEOUT": "5"}, "WECHAT_REPLY_TIMEOUT"),
        ({"WECHAT_REPLY_TIMEOUT": "soon"}, "WECHAT_REPLY_TIMEOUT has an invalid value"),
        ({"WECHAT_API_CONNECT_TIMEOUT": "0"}, "WECHAT_API_CONNECT_TIMEOUT"),
        ({"WECHAT_MAX_REPLY_BYTES": "4096"}, "WECHAT_MAX_REPLY_BYTES"),
    ],
)
def test_invalid_settings_stop_with_one_line(changes: dict[str, str], reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as caught:
        WeChatSettings.from_env(BASE | changes)
    assert "\n" not in str(caught.value)
    assert AES_KEY not in str(caught.value) and APP_SECRET not in str(caught.value)


def test_a_token_of_16_characters_is_enough() -> None:
    settings = WeChatSettings.from_env(BASE | {"WECHAT_TOKEN": "a1" * 8})
    assert settings is not None and settings.token == "a1" * 8


SAFE = BASE | {"WECHAT_ENCODING_AES_KEY": AES_KEY}


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        (BASE, "WECHAT_ENCODING_AES_KEY is required when GATEWAY_ENV=production"),
        (SAFE | {"WECHAT_MAX_CLOCK_SKEW": "0"}, "WECHAT_MAX_CLOCK_SKEW must be above 0"),
        (SAFE | {"WECHAT_API_BASE": "http://api.weixin.qq.com"}, "WECHAT_API_BASE must be https"),
    ],
)
def test_production_refuses_what_development_allows(env: dict[str, str], reason: str) -> None:
    assert WeChatSettings.from_env(env) is not None  # development: allowed
    with pytest.raises(ConfigError, match=reason) as caught:
        WeChatSettings.from_env(env, production=True)
    assert "\n" not in str(caught.value)


def test_production_with_safe_mode_starts() -> None:
    settings = WeChatSettings.from_env(SAFE, production=True)
    assert settings is not None and settings.safe_mode


def _production(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> dict[str, str]:
    for var in WECHAT_VARS:
        monkeypatch.delenv(var, raising=False)
    return {
        "GATEWAY_ENV": "production",
        "GATEWAY_SECRET": "g" * 32,
        "RASA_TOKEN": "r" * 32,
        "CASE_BACKEND": "http",  # the console's lookup opens no SQL store
        "CASE_API_URL": "http://127.0.0.1:9",
        "CASE_API_TOKEN": "c" * 32,
    } | env


def _never_serve(*args: object, **kwargs: object) -> None:
    raise AssertionError("the gateway started serving")


def test_plain_mode_stops_a_production_gateway(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(web, "run_app", _never_serve)
    env = _production(monkeypatch, BASE)
    assert main(env) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "gateway: WECHAT_ENCODING_AES_KEY is required when GATEWAY_ENV=production"
    )
    assert err.count("\n") == 1 and "Traceback" not in err


def test_production_wechat_needs_rasa_token(monkeypatch: pytest.MonkeyPatch) -> None:
    env = _production(monkeypatch, SAFE)
    del env["RASA_TOKEN"]
    settings = gateway_settings("http://127.0.0.1:5005", environment=Environment.PRODUCTION)
    with pytest.raises(ConfigError, match="RASA_TOKEN is required"):
        init_app(settings, env)


def test_invalid_settings_stop_the_gateway_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    for var, value in (BASE | {"WECHAT_ENCODING_AES_KEY": "too-short"}).items():
        monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError, match="43"):
        init_app(gateway_settings("http://127.0.0.1:5005"))
