"""The asyncpg pool of one service, bound to that service's schema."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from tocsin.shared import codec, errors

__all__ = ["create_pool", "transaction"]


async def _init(conn: asyncpg.Connection) -> None:
    # jsonb columns round-trip as Python values, encoded with msgspec.
    await conn.set_type_codec("jsonb", schema="pg_catalog", format="text",
                              encoder=lambda v: codec.encode(v).decode(),
                              decoder=lambda s: codec.decode(s, Any))


class _Connection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection that ends itself once its protocol is found stuck
    (``InternalClientError``: asyncpg left an operation of a session the server ended
    marked in progress), so that the pool opens a new one instead of handing it out
    again."""

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await self._ended_if_stuck(super().execute(*args, **kwargs))

    async def _execute(self, *args: Any, **kwargs: Any) -> Any:
        # Every fetch, fetchrow and fetchval, and execute with arguments, goes through it.
        return await self._ended_if_stuck(super()._execute(*args, **kwargs))

    async def _ended_if_stuck(self, operation: Awaitable[Any]) -> Any:
        try:
            return await operation
        except asyncpg.InternalClientError:
            self.terminate()
            raise


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Return a connection to the pool as it is.

    Tocsin's code leaves no session state behind (no SET, no temporary tables, advisory
    locks and listeners are released explicitly), so asyncpg's default reset query would
    only add a round trip to every request.
    """


@asynccontextmanager
async def create_pool(dsn: str, *, schema: str, min_size: int = 2,
                      max_size: int = 20) -> AsyncIterator[asyncpg.Pool]:
    """A pool whose connections use ``schema``; the schema is created if missing."""
    _check_identifier(schema)
    for attempt in range(30):
        try:
            conn = await asyncpg.connect(dsn)
            break
        except (OSError, asyncpg.CannotConnectNowError):
            if attempt == 29:
                raise
            await asyncio.sleep(0.5)
    try:
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    except asyncpg.UniqueViolationError:
        pass  # another instance created it at the same moment
    finally:
        await conn.close()
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init, reset=_keep_session,
        connection_class=_Connection,
        server_settings={"search_path": schema, "application_name": f"tocsin-{schema}"})
    try:
        yield pool
    finally:
        try:
            await asyncio.wait_for(pool.close(), timeout=10)
        except (Exception, asyncio.CancelledError):
            pool.terminate()
            raise


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside a transaction; lost serialisation races become a retryable error."""
    async with pool.acquire() as conn:
        try:
            async with conn.transaction():
                yield conn
        except (asyncpg.SerializationError, asyncpg.DeadlockDetectedError) as exc:
            raise errors.ThrottlingError(f"concurrent change, try again: {exc}") from None


def _check_identifier(name: str) -> None:
    if not name or not all(c.isalnum() or c == "_" for c in name) or name[0].isdigit():
        raise ValueError(f"invalid schema name {name!r}")
