"""A service's ``tag`` table (resource ARN, key, value), on the caller's connection.

Each service that tags resources creates the table in its own schema; the AWS APIs differ
only in how tags travel (a map in ssm-incidents, a list of ``{Key, Value}`` in
ssm-contacts), which their handlers translate.
"""

from __future__ import annotations

import asyncpg

__all__ = ["TagStore"]


class TagStore:
    """Tags of resources, by ARN."""

    @staticmethod
    async def tags(conn: asyncpg.Connection, arn: str) -> dict[str, str]:
        rows = await conn.fetch(
            "SELECT key, value FROM tag WHERE resource_arn = $1 ORDER BY key", arn)
        return {r["key"]: r["value"] for r in rows}

    @staticmethod
    async def put(conn: asyncpg.Connection, arn: str, tags: dict[str, str]) -> None:
        """Add or overwrite ``tags`` on ``arn``."""
        await TagStore.put_on_each(conn, [(arn, tags)])

    @staticmethod
    async def put_on_each(conn: asyncpg.Connection,
                          tagged: list[tuple[str, dict[str, str]]]) -> None:
        """Add or overwrite the tags of several resources ``(ARN, tags)`` in one statement."""
        rows = [(arn, k, v) for arn, tags in tagged for k, v in tags.items()]
        if rows:
            await conn.execute(
                "INSERT INTO tag (resource_arn, key, value)"
                " SELECT * FROM unnest($1::text[], $2::text[], $3::text[])"
                " ON CONFLICT (resource_arn, key) DO UPDATE SET value = EXCLUDED.value",
                [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])

    @staticmethod
    async def untag(conn: asyncpg.Connection, arn: str, keys: list[str]) -> list[str]:
        """Remove ``keys``; returns those that were there."""
        rows = await conn.fetch(
            "DELETE FROM tag WHERE resource_arn = $1 AND key = ANY($2::text[]) RETURNING key",
            arn, keys)
        return sorted(r["key"] for r in rows)

    @staticmethod
    async def untag_all(conn: asyncpg.Connection, arn: str) -> None:
        """A deleted resource takes its tags with it."""
        await conn.execute("DELETE FROM tag WHERE resource_arn = $1", arn)
