"""Hotline agents' accounts: names, password hashes, enabled or not.

`authenticate` costs one scrypt computation whatever happens — unknown name,
disabled account, wrong or right password — by checking a dummy hash when
there is no real one, so the time a sign-in takes does not tell whether a
name exists. Changing a password, disabling or removing an account ends the
account's sessions in the same transaction.
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from connectors.console.db import ConsoleDatabase
from connectors.console.passwords import (
    DEFAULT_PARAMS,
    ScryptParams,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 128
# Letters (Chinese too), digits, dot, dash, underscore: safe in the audit
# trail and on a terminal, long enough for a name, short enough for a column.
_NAME = re.compile(r"^[\w.-]{2,32}$")


class AccountError(Exception):
    """An account operation refused; the message is Chinese and safe to print."""


def clean_name(raw: str) -> str:
    """The account name in its stored form (NFKC, trimmed).

    Raises:
        AccountError: not 2-32 letters, digits, `.`, `-` or `_`.
    """
    name = unicodedata.normalize("NFKC", raw).strip()
    if not _NAME.fullmatch(name):
        raise AccountError("账号名须为 2-32 个字母、汉字、数字或 . - _")
    return name


def check_new_password(password: str) -> None:
    """Raises AccountError for a password too short or too long to accept."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"密码至少 {MIN_PASSWORD_CHARS} 个字符")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"密码最多 {MAX_PASSWORD_CHARS} 个字符")


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    disabled: bool
    created_at: float
    last_sign_in_at: float | None


_COLUMNS = "id, name, disabled, created_at, last_sign_in_at"


def _account(row: tuple[object, ...]) -> Account:
    last = row[4]
    return Account(
        id=int(str(row[0])),
        name=str(row[1]),
        disabled=bool(row[2]),
        created_at=float(str(row[3])),
        last_sign_in_at=None if last is None else float(str(last)),
    )


class AccountStore:
    """Accounts in the console database.

    Args:
        db: the console database.
        params: scrypt cost of new hashes.
        clock: wall-clock seconds (the times are shown to people).
    """

    def __init__(
        self,
        db: ConsoleDatabase,
        *,
        params: ScryptParams = DEFAULT_PARAMS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self._params = params
        self._clock = clock
        # Checked when a name has no hash, so that path costs what a real check
        # costs. Random salt and key: it matches no password, and making it
        # needs no scrypt run of its own.
        self._dummy = dummy_hash(params)

    def add(self, name: str, password: str) -> Account:
        """Create an enabled account.

        Raises:
            AccountError: bad name or password, or the name is taken.
        """
        name = clean_name(name)
        check_new_password(password)
        encoded = hash_password(password, self._params)
        try:
            with self.db.connect() as connection:
                connection.execute(
                    "INSERT INTO accounts (name, password_hash, created_at) VALUES (?, ?, ?)",
                    (name, encoded, self._clock()),
                )
        except sqlite3.IntegrityError as exc:
            raise AccountError(f"账号 {name} 已存在") from exc
        account = self.get(name)
        if account is None:  # just inserted; typed Optional
            raise AccountError(f"账号 {name} 未能保存")
        return account

    def get(self, name: str) -> Account | None:
        with self.db.connect() as connection:
            row = connection.execute(
                f"SELECT {_COLUMNS} FROM accounts WHERE name = ?",  # noqa: S608 - constant columns
                (unicodedata.normalize("NFKC", name).strip(),),
            ).fetchone()
        return None if row is None else _account(row)

    def list(self) -> list[Account]:
        with self.db.connect() as connection:
            rows = connection.execute(
                f"SELECT {_COLUMNS} FROM accounts ORDER BY name"  # noqa: S608 - constant columns
            ).fetchall()
        return [_account(row) for row in rows]

    def _existing(self, connection: sqlite3.Connection, name: str) -> int:
        row = connection.execute("SELECT id FROM accounts WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise AccountError(f"没有账号 {name}")
        return int(row[0])

    def set_password(self, name: str, password: str) -> None:
        """New password; every session of the account ends (a stolen one too)."""
        name = clean_name(name)
        check_new_password(password)
        encoded = hash_password(password, self._params)
        with self.db.connect() as connection:
            account_id = self._existing(connection, name)
            connection.execute(
                "UPDATE accounts SET password_hash = ? WHERE id = ?", (encoded, account_id)
            )
            connection.execute("DELETE FROM sessions WHERE account_id = ?", (account_id,))

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable (ending every session at once) or enable again."""
        name = clean_name(name)
        with self.db.connect() as connection:
            account_id = self._existing(connection, name)
            connection.execute(
                "UPDATE accounts SET disabled = ? WHERE id = ?", (int(disabled), account_id)
            )
            if disabled:
                connection.execute("DELETE FROM sessions WHERE account_id = ?", (account_id,))

    def remove(self, name: str) -> None:
        """Delete the account and its sessions (the case audit trail keeps the name)."""
        name = clean_name(name)
        with self.db.connect() as connection:
            account_id = self._existing(connection, name)
            connection.execute("DELETE FROM sessions WHERE account_id = ?", (account_id,))
            connection.execute("DELETE FROM accounts WHERE id = ?", (account_id,))

    def authenticate(self, name: str, password: str) -> Account | None:
        """The enabled account with this name and password, or None.

        Exactly one scrypt verification on every path, so a refusal takes
        about as long for a name that does not exist as for a wrong password.
        """
        try:
            wanted = clean_name(name)
        except AccountError:
            wanted = None
        row = None
        if wanted is not None:
            with self.db.connect() as connection:
                row = connection.execute(
                    f"SELECT {_COLUMNS}, password_hash FROM accounts WHERE name = ?",  # noqa: S608
                    (wanted,),
                ).fetchone()
        encoded = str(row[5]) if row is not None else self._dummy
        matches = verify_password(password, encoded)
        if row is None or not matches:
            return None
        account = _account(row)
        if account.disabled:
            return None
        with self.db.connect() as connection:
            connection.execute(
                "UPDATE accounts SET last_sign_in_at = ? WHERE id = ?", (self._clock(), account.id)
            )
            if needs_rehash(encoded, self._params):
                connection.execute(
                    "UPDATE accounts SET password_hash = ? WHERE id = ?",
                    (hash_password(password, self._params), account.id),
                )
        return account
