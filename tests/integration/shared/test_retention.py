"""The inbox's and client tokens' retention against real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
import pytest_asyncio

from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.shared.config import ConfigError, load
from tocsin.shared.db import apply_migrations, create_pool
from tocsin.shared.db.retention import prune, retain, shared_tables


@pytest_asyncio.fixture
async def pool(database_url: str, isolation: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with create_pool(database_url, schema=f"{isolation['schema_prefix']}kept") as p:
        await apply_migrations(p)
        yield p


async def fill(pool: asyncpg.Pool, old: int, new: int) -> None:
    """``old`` rows of each table 40 days old, ``new`` rows an hour old."""
    for n, age in [*((i, timedelta(days=40)) for i in range(old)),
                   *((old + i, timedelta(hours=1)) for i in range(new))]:
        await pool.execute("INSERT INTO inbox (consumer, event_id, processed_at)"
                           " VALUES ('c', $1, now() - $2::interval)", str(n), age)
        await pool.execute("INSERT INTO client_token (operation, principal, token, fingerprint,"
                           " created_at) VALUES ('Op', 'p', $1, 'f', now() - $2::interval)",
                           str(n), age)
        await pool.execute("INSERT INTO replica_parked (consumer, kind, key_column, key,"
                           " envelope, parked_at) VALUES ('c', 'page', 'arn', $1, '{}',"
                           " now() - $2::interval)", str(n), age)


KEEP = shared_tables(inbox=timedelta(days=31), client_token=timedelta(days=31))


async def test_rows_past_their_retention_go_in_batches_and_the_rest_stay(
        pool: asyncpg.Pool) -> None:
    await fill(pool, old=5, new=3)
    assert await prune(pool, KEEP, batch=2) == {"inbox": 5, "client_token": 5,
                                                "replica_parked": 5}
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 3
    assert await pool.fetchval("SELECT count(*) FROM client_token") == 3
    assert await pool.fetchval("SELECT count(*) FROM replica_parked") == 3
    assert await prune(pool, KEEP) == {"inbox": 0, "client_token": 0, "replica_parked": 0}


async def test_the_worker_prunes_as_it_starts_and_stops_when_told(pool: asyncpg.Pool) -> None:
    await fill(pool, old=2, new=1)
    stop = asyncio.Event()
    stop.set()
    await asyncio.wait_for(retain(pool, KEEP, stop), 10)
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 1


def test_the_inbox_outlives_the_events_stream() -> None:
    env = {"TOCSIN_NATS_URL": "nats://x", "TOCSIN_DATABASE_URL": "postgresql://x"}
    assert load(IncidentsSettings, env).inbox_retention_days == 31
    with pytest.raises(ConfigError, match="TOCSIN_INBOX_RETENTION_DAYS"):
        load(IncidentsSettings, {**env, "TOCSIN_INBOX_RETENTION_DAYS": "7"})


async def test_a_table_of_plan_times_is_pruned_by_the_plan_clock(pool: asyncpg.Pool) -> None:
    """Rows are old by the time given (a plan clock ahead of real time), not the server's."""
    await fill(pool, old=0, new=2)
    ahead = datetime.now(UTC) + timedelta(days=40)
    assert await prune(pool, KEEP, now=ahead) == {"inbox": 2, "client_token": 2,
                                                  "replica_parked": 2}
