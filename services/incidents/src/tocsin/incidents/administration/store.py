"""SQL for resource policies and integration keys (tags are :mod:`tocsin.shared.db.tags`);
each function runs on the caller's connection, so a handler composes it with its outbox
event in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec

from tocsin.shared.errors import NotFoundError

__all__ = ["IntegrationKey", "IntegrationKeyStore", "PolicyStore"]


def _ts(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class IntegrationKey(msgspec.Struct, rename="camel", kw_only=True, frozen=True,
                     omit_defaults=True):
    """A webhook credential of a response plan, without its secret."""

    id: str
    response_plan_arn: str
    created_time: float
    expires_time: float | None = None
    last_used_time: float | None = None


class PolicyStore:
    """The ``resource_policy`` table, on the caller's connection."""

    @staticmethod
    async def insert(conn: asyncpg.Connection, plan_name: str, policy_id: str,
                     document: str, *, plan_arn: str) -> None:
        """Raises NotFoundError when the plan is gone (deleted since it was looked up)."""
        try:
            async with conn.transaction():  # a savepoint: the caller's transaction goes on
                await conn.execute(
                    "INSERT INTO resource_policy (policy_id, plan_name, document)"
                    " VALUES ($1, $2, $3)", policy_id, plan_name, document)
        except asyncpg.ForeignKeyViolationError:
            raise NotFoundError(f"Response plan {plan_arn} does not exist",
                                resource_type="RESPONSE_PLAN", resource_id=plan_arn) from None

    @staticmethod
    async def page(conn: asyncpg.Connection, plan_name: str, *, after: int | None,
                   limit: int) -> list[asyncpg.Record]:
        """Rows ``(position, policy_id, document, origin)`` in the order they were put
        (``origin``: the region it was put in, None for this one)."""
        rows: list[asyncpg.Record] = await conn.fetch(
            "SELECT position, policy_id, document, origin FROM resource_policy"
            " WHERE plan_name = $1 AND ($2::bigint IS NULL OR position > $2)"
            " ORDER BY position LIMIT $3", plan_name, after, limit)
        return rows

    @staticmethod
    async def delete(conn: asyncpg.Connection, plan_name: str, policy_id: str) -> bool:
        return bool(await conn.fetchval(
            "DELETE FROM resource_policy WHERE plan_name = $1 AND policy_id = $2"
            " RETURNING true", plan_name, policy_id))


class IntegrationKeyStore:
    """The ``integration_key`` table. Expiry and last use are wall-clock times (the
    database's ``now()``), whatever the plan clock's scale."""

    USE_GRANULARITY = timedelta(minutes=1)
    """``last_used_time`` is written at most this often per key, so a busy webhook does not
    rewrite its key's row on every call."""

    @staticmethod
    async def add_key(conn: asyncpg.Connection, *, key_id: str, plan_name: str, digest: str,
                      at: float, expires: float | None = None) -> None:
        await conn.execute(
            "INSERT INTO integration_key (id, plan_name, key_digest, created_time,"
            " expires_time) VALUES ($1, $2, $3, $4, $5)", key_id, plan_name, digest, _ts(at),
            _ts(expires) if expires is not None else None)

    @staticmethod
    async def keys(conn: asyncpg.Connection, plan_name: str) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await conn.fetch(
            "SELECT id, created_time, expires_time, last_used_time FROM integration_key"
            " WHERE plan_name = $1 ORDER BY created_time, id", plan_name)
        return rows

    @staticmethod
    async def use_key(conn: asyncpg.Connection | asyncpg.Pool,
                      digest: str) -> asyncpg.Record | None:
        """``(id, plan_name)`` of the unexpired key with this digest, its use recorded; None
        when there is none."""
        row: asyncpg.Record | None = await conn.fetchrow(
            "SELECT id, plan_name, last_used_time IS NULL"
            "   OR last_used_time < now() - $2::interval AS stale"
            " FROM integration_key WHERE key_digest = $1"
            " AND (expires_time IS NULL OR expires_time > now())",
            digest, IntegrationKeyStore.USE_GRANULARITY)
        if row is not None and row["stale"]:
            await conn.execute("UPDATE integration_key SET last_used_time = now()"
                               " WHERE id = $1", row["id"])
        return row

    @staticmethod
    async def delete_key(conn: asyncpg.Connection, key_id: str) -> bool:
        return bool(await conn.fetchval(
            "DELETE FROM integration_key WHERE id = $1 RETURNING true", key_id))
