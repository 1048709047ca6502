"""Files holding personal data or keys: readable and writable by their owner only.

SQLite creates a database 0644 (less the umask), so on a shared machine every
local user could read the case store and the outbox. The file is therefore
created here, empty and 0600, before SQLite opens it; SQLite gives the WAL,
shared-memory and journal files the mode of their database, so they follow.
A file an older version left readable by others is tightened when opened
(only one this process owns: another owner's choice is not ours to change).
Folders created for such files are 0700.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_folder(path: Path) -> None:
    """Create `path` and any missing parents 0700; existing folders are left as they are."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            folder.mkdir(mode=PRIVATE_FOLDER)


def tighten(path: Path) -> None:
    """Take away group and other access from an existing file this process owns."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid != os.getuid() or not stat.S_IMODE(info.st_mode) & 0o077:
        return
    path.chmod(PRIVATE_FILE)
    log.warning("%s was readable by other users; now 0600", path)


def private_sqlite(database: Path) -> None:
    """Make sure the SQLite file `database` exists 0600 (with its companions) before use.

    An empty file is a valid empty database to SQLite.
    """
    private_folder(database.parent)
    try:
        descriptor = os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        pass
    else:
        os.close(descriptor)
    for path in (database, *(Path(f"{database}{suffix}") for suffix in SQLITE_COMPANIONS)):
        tighten(path)


def write_private(path: Path, text: str) -> bool:
    """Write `text` to a new file `path`, 0600, whole or not at all; False if it exists.

    Written under a temporary name and linked into place, so a process that
    races this one either finds no file or the complete one, never half a key.
    """
    private_folder(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        temporary.unlink(missing_ok=True)
