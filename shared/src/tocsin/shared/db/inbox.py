"""The inbox: which events a consumer has already taken effect for."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

__all__ = ["already_processed", "newly_processed"]


async def already_processed(conn: asyncpg.Connection, *, consumer: str, event_id: str) -> bool:
    """Record ``event_id`` for ``consumer`` in the current transaction.

    Returns True when it was recorded before: the caller skips its effect and acks.
    """
    inserted = await conn.fetchval(
        "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING RETURNING true", consumer, event_id)
    return inserted is None


async def newly_processed(conn: asyncpg.Connection, *, consumer: str,
                          event_ids: Sequence[str]) -> set[str]:
    """Record ``event_ids`` for ``consumer`` in the current transaction, in one statement.

    Returns those not recorded before: the caller takes effect for these only.
    """
    rows = await conn.fetch(
        "INSERT INTO inbox (consumer, event_id) SELECT DISTINCT $1, unnest($2::text[])"
        " ON CONFLICT DO NOTHING RETURNING event_id", consumer, list(event_ids))
    return {row["event_id"] for row in rows}
