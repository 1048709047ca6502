"""python -m bot.conversations: look after the assistant's conversation store.

    purge [--dry-run]   forget applications left half-filled past the
                        deployment's draft_minutes, and delete conversations
                        quiet for its retention_days (Rasa's store does both
                        every few minutes while it runs; this is for a cron
                        job or a server where Rasa is stopped)

Reads TRACKER_URL (and POSTGRESQL_SCHEMA) like Rasa, and the settings of
bot/conversation_settings.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from bot import conversation_store
from bot.conversation_privacy import forget
from bot.conversation_settings import ConversationSettings
from cases.errors import ConfigurationError

DEFAULT_URL = "sqlite:///data/rasa/tracker.db"
DAY = 86400.0


def engine_from_env(env: Mapping[str, str]) -> sa.engine.Engine:
    """The tracker database as Rasa opens it, with the driver this environment has."""
    url = env.get("TRACKER_URL", "").strip() or DEFAULT_URL
    if url.startswith(("postgresql://", "postgres://")):
        try:
            import psycopg2  # noqa: F401 - Rasa's environment has this driver
        except ImportError:
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
    else:
        conversation_store.owner_only(url)
    schema = env.get("POSTGRESQL_SCHEMA", "").strip()
    arguments = {"options": f"-csearch_path={schema}"} if schema and "postgres" in url else {}
    return sa.create_engine(url, connect_args=arguments)


def purge(settings: ConversationSettings, engine: sa.engine.Engine, dry_run: bool) -> str:
    now = time.time()
    drafts = conversation_store.idle_drafts(engine, now - settings.draft_minutes * 60)
    stale = conversation_store.stale_conversations(engine, now - settings.retention_days * DAY)
    rule = (
        f"超过{settings.draft_minutes}分钟未完成的申请 {len(drafts)} 份；"
        f"最后一条消息早于{settings.retention_days}天前的对话 {len(stale)} 个"
    )
    if dry_run:
        return f"将处理：{rule}（试运行，未做任何改动）"
    cipher = settings.cipher
    for sender_id in drafts:
        conversation_store.rewrite_conversation(
            engine, sender_id, lambda events: forget(events, cipher)
        )
    deleted = conversation_store.purge_conversations(engine, now - settings.retention_days * DAY)
    return f"已处理：{rule}；其中申请信息已永久遮盖，{deleted} 个对话已删除。"


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(prog="python -m bot.conversations")
    commands = parser.add_subparsers(dest="command", required=True)
    purging = commands.add_parser("purge", help="忘记超时未完成的申请，删除过期对话")
    purging.add_argument("--dry-run", action="store_true", help="只统计，不改动")
    args = parser.parse_args(argv)
    try:
        settings = ConversationSettings.from_env(env)
        engine = engine_from_env(env)
        print(purge(settings, engine, args.dry_run))
    except ConfigurationError as exc:
        print(f"conversations: {exc}", file=sys.stderr)
        return 2
    except sa.exc.SQLAlchemyError as exc:
        print(
            f"conversations: 对话数据库出错 / database error: {type(exc).__name__}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
