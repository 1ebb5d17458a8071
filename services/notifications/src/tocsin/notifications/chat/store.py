"""Chat's table: ``chat_post``, one row per (event, target) posted, so an event
redelivered after a partial failure posts only what is missing. The insert is ``ON CONFLICT
DO NOTHING``: no database error here has a domain meaning."""

from __future__ import annotations

import asyncpg

__all__ = ["ChatPostStore"]


class ChatPostStore:
    """The ``chat_post`` table."""

    @staticmethod
    async def posted(conn: asyncpg.Connection, event_id: str, target: str) -> bool:
        """Whether ``event_id`` was posted to ``target`` (a webhook URL's digest) already."""
        return bool(await conn.fetchval(
            "SELECT true FROM chat_post WHERE event_id = $1 AND target = $2",
            event_id, target))

    @staticmethod
    async def record(conn: asyncpg.Connection, event_id: str, target: str) -> None:
        await conn.execute("INSERT INTO chat_post (event_id, target) VALUES ($1, $2)"
                           " ON CONFLICT DO NOTHING", event_id, target)
