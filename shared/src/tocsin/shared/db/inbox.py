"""The inbox: which events a consumer has already taken effect for."""

from __future__ import annotations

import asyncpg

__all__ = ["already_processed"]


async def already_processed(conn: asyncpg.Connection, *, consumer: str, event_id: str) -> bool:
    """Record ``event_id`` for ``consumer`` in the current transaction.

    Returns True when it was recorded before: the caller skips its effect and acks.
    """
    inserted = await conn.fetchval(
        "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING RETURNING true", consumer, event_id)
    return inserted is None
