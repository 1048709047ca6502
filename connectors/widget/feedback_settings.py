"""How long ratings are kept and how many, from the environment, checked at start-up.

    FEEDBACK_RETENTION_DAYS  days a rating is kept                     (90; 1-3650)
    FEEDBACK_MAX_ROWS        ratings kept at most, the newest          (10000; 1-1000000)

Read by `setup_widget` while the gateway is built (as the WeChat channel reads
its own WECHAT_*), so a bad value stops the gateway with one line instead of
surfacing on the first rating.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from connectors.errors import ConfigError
from connectors.widget.feedback import DEFAULT_MAX_ROWS, DEFAULT_RETENTION_DAYS


@dataclass(frozen=True)
class FeedbackLimits:
    retention_days: int = DEFAULT_RETENTION_DAYS
    max_rows: int = DEFAULT_MAX_ROWS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FeedbackLimits:
        """Raises ConfigError naming the variable when a value is not a whole number in range."""
        env = os.environ if env is None else env
        return cls(
            retention_days=_whole(env, "FEEDBACK_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 3650),
            max_rows=_whole(env, "FEEDBACK_MAX_ROWS", DEFAULT_MAX_ROWS, 1_000_000),
        )


def _whole(env: Mapping[str, str], name: str, default: int, highest: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= highest:
        raise ConfigError(f"{name} must be a whole number from 1 to {highest}, not {raw!r}")
    return int(raw)
