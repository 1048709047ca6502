"""The built-in case store: SQLAlchemy over SQLite (default) or PostgreSQL."""

from cases.sql.store import SqlCaseBackend

__all__ = ["SqlCaseBackend"]
