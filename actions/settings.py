"""Settings of the action server, from the environment.

    ACTIONS_HOST      where to listen (127.0.0.1: only Rasa calls it)
    ACTIONS_PORT      5055
    NLU_ENTITIES      the NLU synonyms file, reused to read facts from free text
                      (nlu_data/entities.yml)
The knowledge engine and the deployment read their own variables
(knowledge/settings.py, knowledge/deployment.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ActionSettings:
    host: str = "127.0.0.1"
    port: int = 5055
    nlu_entities: Path = ROOT / "nlu_data" / "entities.yml"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ActionSettings:
        env = os.environ if env is None else env
        port = env.get("ACTIONS_PORT", "5055")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise SystemExit(f"ACTIONS_PORT must be a port number, not {port!r}")
        return cls(
            host=env.get("ACTIONS_HOST", "127.0.0.1"),
            port=int(port),
            nlu_entities=Path(env.get("NLU_ENTITIES", str(cls.nlu_entities))),
        )
