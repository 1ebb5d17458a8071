"""Events parked for a resource not held yet (:mod:`tocsin.shared.replication.parked`):
released once it is here or deleted, in the order parked; one that fails when applied
again is kept for the next release and holds back nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from tocsin.shared import codec
from tocsin.shared.db import apply_migrations, create_pool, transaction
from tocsin.shared.replication.parked import ArrivedEarly, park, release

CONSUMER = "things-inbox"


@pytest_asyncio.fixture
async def pool(database_url: str, isolation: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with create_pool(database_url, schema=f"{isolation['schema_prefix']}things") as p:
        await apply_migrations(p)
        await p.execute("CREATE TABLE thing (name text PRIMARY KEY)")
        yield p


def _event(n: int) -> codec.Envelope:
    return codec.make_envelope(type="ThingChanged", service="things", region="ra",
                               data={"n": n})


async def _park(pool: asyncpg.Pool, name: str, *events: codec.Envelope) -> None:
    async with transaction(pool) as conn:
        for event in events:
            await park(conn, ArrivedEarly("thing", "name", name), event, consumer=CONSUMER)


async def test_events_wait_for_their_resource_then_go_in_the_order_parked(
        pool: asyncpg.Pool) -> None:
    await _park(pool, "x", _event(1), _event(2))
    await _park(pool, "y", _event(3))
    await _park(pool, "gone", _event(4))
    seen: list[int] = []

    async def apply(envelope: codec.Envelope) -> None:
        seen.append(envelope.data["n"])

    async with transaction(pool) as conn:
        assert await release(conn, consumer=CONSUMER, apply=apply) == 0
        await conn.execute("INSERT INTO thing VALUES ('x')")
        await conn.execute("INSERT INTO replica_tombstone (kind, key, hlc) VALUES"
                           " ('thing', 'gone', 1)")
        assert await release(conn, consumer=CONSUMER, apply=apply) == 3
    assert seen == [1, 2, 4]
    assert await pool.fetchval("SELECT key FROM replica_parked") == "y"


@pytest.mark.expected_error_logs("parked\\.apply_failed")
async def test_an_event_that_fails_again_is_kept_and_the_others_go(
        pool: asyncpg.Pool) -> None:
    await _park(pool, "x", _event(1), _event(2))
    seen: list[int] = []

    async def apply(envelope: codec.Envelope) -> None:
        if envelope.data["n"] == 1:
            raise RuntimeError("a bug")
        seen.append(envelope.data["n"])

    async with transaction(pool) as conn:
        await conn.execute("INSERT INTO thing VALUES ('x')")
        assert await release(conn, consumer=CONSUMER, apply=apply) == 1
    assert seen == [2]
    kept = await pool.fetchval("SELECT envelope FROM replica_parked")
    assert codec.decode(kept, codec.Envelope).data == {"n": 1}
