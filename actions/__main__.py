"""python -m actions: the action server on ACTIONS_HOST:ACTIONS_PORT (127.0.0.1:5055)."""

import logging
import sys

from actions.server import serve
from actions.settings import ActionSettings
from knowledge.errors import KnowledgeError

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
try:
    serve(ActionSettings.from_env())
except KnowledgeError as exc:
    print(f"action server: {exc}", file=sys.stderr)
    raise SystemExit(2) from exc
