"""python -m cases list | show | export | status | purge | keygen | rotate-key | migrate | outbox"""

from __future__ import annotations

import logging
import os
import sys

from cases.cli import main
from cases.privacy import install_redaction

# Before anything can log: a case record must never reach a log line unmasked.
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
install_redaction()
try:
    status = main()
    sys.stdout.flush()
except BrokenPipeError:
    # `python -m cases list | head`: the reader left; not an error. Point stdout
    # at /dev/null so the interpreter's final flush does not complain either.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status = 0
raise SystemExit(status)
