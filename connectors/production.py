"""What GATEWAY_ENV=production refuses at start-up, beyond the gateway's own settings.

`make run` is development: random secrets, a generated case key beside the
data, plain-mode WeChat. A centre's server must not start like that by
accident, so production mode stops with one line (ConfigError, exit status
2) when

* RASA_TOKEN is set with fewer than 32 characters: it opens Rasa's HTTP
  API, which reads and replaces every conversation (`make run` generates 32);
* the console's case lookup would open the built-in SQL case store and
  CASE_ENCRYPTION_KEY is not set explicitly (the embedded default writes a
  key file beside the data it protects, into every backup), or is not a
  valid key, or any CASE_* setting is invalid — found now, not at the first
  lookup during a call.

GATEWAY_SECRET (settings.py), console keys (settings.py) and the WeChat
channel (wechat/settings.py: safe mode, a token of 16 or more, a clock-skew
window) have their own production checks where they are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from cases.crypto import FieldCipher
from cases.errors import ConfigurationError
from cases.settings import CaseSettings
from connectors.errors import ConfigError

if TYPE_CHECKING:
    from connectors.settings import GatewaySettings

MIN_RASA_TOKEN_CHARS = 32
_WHERE = "when GATEWAY_ENV=production"


def check_production(settings: GatewaySettings, env: Mapping[str, str]) -> None:
    """Refuse a production start-up that is unsafe.

    Raises:
        ConfigError: the first problem found, in one line without secrets.
    """
    if settings.rasa_token is not None and len(settings.rasa_token) < MIN_RASA_TOKEN_CHARS:
        raise ConfigError(
            f"RASA_TOKEN must have at least {MIN_RASA_TOKEN_CHARS} characters {_WHERE}"
        )
    check_case_store(env)


def check_case_store(env: Mapping[str, str]) -> None:
    """The case store the console opens has an explicit, valid key.

    Raises:
        ConfigError: CASE_* invalid, or the SQL store without CASE_ENCRYPTION_KEY.
    """
    try:
        cases = CaseSettings.from_env(env)
        if cases.backend != "sql":
            return  # the centre's own case system keeps its data; nothing to decrypt here
        if not cases.encryption_keys:
            raise ConfigError(
                f"CASE_ENCRYPTION_KEY is required {_WHERE} (make one with `python -m cases keygen`)"
            )
        FieldCipher.from_keys(cases.encryption_keys)
    except ConfigurationError as exc:
        raise ConfigError(" ".join(str(exc).split())) from exc
