"""Batched writes against real PostgreSQL: concurrent calls share a transaction and a
statement, each gets its own answer once its write has committed, a failed batch fails
each of its calls, a caller gone before its batch began writes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import asyncpg
import pytest
import pytest_asyncio

from tocsin.shared.db import create_pool
from tocsin.shared.db.batched import Batched


@pytest_asyncio.fixture
async def pool(database_url: str, isolation: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with create_pool(database_url, schema=f"{isolation['schema_prefix']}batched") as p:
        await p.execute("CREATE TABLE IF NOT EXISTS item (name text PRIMARY KEY, tx bigint)")
        yield p


async def _insert(conn: asyncpg.Connection, names: Sequence[str]) -> list[int]:
    """One statement for the whole batch; each name's answer is its transaction id."""
    rows = await conn.fetch(
        "INSERT INTO item SELECT n, txid_current() FROM unnest($1::text[]) AS n"
        " ON CONFLICT (name) DO NOTHING RETURNING name, tx", list(names))
    tx = {r["name"]: r["tx"] for r in rows}
    return [tx[name] for name in names]


class TestBatched:
    async def test_concurrent_calls_share_transactions(self, pool: asyncpg.Pool) -> None:
        """64 concurrent calls commit in fewer transactions than calls; each answer is its
        own item's, and its row is there once the call returns."""
        batched = Batched(pool, _insert, runners=2)
        names = [f"item-{n}" for n in range(64)]

        async def call(name: str) -> int:
            tx = await batched(name)
            assert await pool.fetchval("SELECT tx FROM item WHERE name = $1", name) == tx
            return tx

        txs = await asyncio.gather(*(call(name) for name in names))
        assert len(set(txs)) < 64
        assert await pool.fetchval("SELECT count(*) FROM item") == 64

    async def test_a_failed_batch_fails_each_of_its_calls(self, pool: asyncpg.Pool) -> None:
        """A write that fails (here: an answer missing for a name that was there already,
        as an outage would fail it) commits nothing of its batch and raises in each
        caller; the next calls go on."""
        await pool.execute("INSERT INTO item VALUES ('taken', 0)")
        batched = Batched(pool, _insert, runners=1)
        outcomes = await asyncio.gather(*(batched(f"first-{n}") for n in range(5)),
                                        batched("taken"), return_exceptions=True)
        assert all(isinstance(o, KeyError) for o in outcomes)
        assert await pool.fetchval("SELECT count(*) FROM item WHERE name LIKE 'first-%'") == 0
        assert isinstance(await batched("later"), int)

    async def test_a_caller_gone_before_its_batch_writes_nothing(self,
                                                                 pool: asyncpg.Pool) -> None:
        batched = Batched(pool, _insert, runners=1)
        first = asyncio.create_task(batched("first"))
        await asyncio.sleep(0)  # its runner has taken it; the next ones queue behind
        gone = asyncio.create_task(batched("gone"))
        stays = asyncio.create_task(batched("stays"))
        await asyncio.sleep(0)
        gone.cancel()
        await first
        await stays
        with pytest.raises(asyncio.CancelledError):
            await gone
        names = {r["name"] for r in await pool.fetch("SELECT name FROM item")}
        assert names == {"first", "stays"}
