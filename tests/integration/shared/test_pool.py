"""The services' asyncpg pool against real PostgreSQL: a connection found stuck is not
handed out again."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tocsin.shared.db import create_pool
from tocsin.shared.testing import wait_for


@pytest.mark.parametrize("call", ["fetchval", "execute"])
async def test_a_stuck_connection_is_replaced(database_url: str, isolation: dict[str, str],
                                              monkeypatch: pytest.MonkeyPatch,
                                              call: str) -> None:
    """asyncpg reports a connection whose protocol still marks an operation of a session the
    server ended as in progress with ``InternalClientError`` (injected here): the pool's
    next connection is a new one, and it works."""
    async with create_pool(database_url, schema=f"{isolation['schema_prefix']}pool",
                           min_size=1, max_size=1) as pool:
        async with pool.acquire() as conn:
            stuck = await conn.fetchval("SELECT pg_backend_pid()")

        async def refuse(*args: Any, **kwargs: Any) -> Any:
            raise asyncpg.InternalClientError(
                "cannot switch to state 11; another operation (2) is in progress")

        with monkeypatch.context() as patched:
            patched.setattr(asyncpg.Connection, "_execute" if call == "fetchval" else call,
                            refuse)
            with pytest.raises(asyncpg.InternalClientError):
                async with pool.acquire() as conn:
                    await getattr(conn, call)("SELECT 1")
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT pg_backend_pid()") != stuck

        async def ended() -> bool:
            return not await pool.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", stuck)

        await wait_for(ended)
