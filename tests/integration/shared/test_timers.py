"""The shared durable timers (tocsin.shared.timers) on a table of their own, against real
PostgreSQL: no escalation code is involved but the check that its table fits the template."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from tocsin.shared.clock import ManualClock
from tocsin.shared.db import create_pool, transaction
from tocsin.shared.testing import wait_for
from tocsin.shared.timers import TABLE_TEMPLATE, Timers, TimerTable, TimerWorker

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)

TABLE = TimerTable(name="job_timer", channel="tocsin_test_job_timer",
                   columns=(("job", "text"), ("attempt", "int")))
TIMERS = Timers(TABLE)


async def _create_tables(conn: asyncpg.Connection) -> None:
    await conn.execute(TABLE_TEMPLATE.format(table=TABLE.name))
    await conn.execute("ALTER TABLE job_timer ADD COLUMN job text NOT NULL,"
                       " ADD COLUMN attempt int NOT NULL DEFAULT 0")
    # What firing writes in its transaction (the outbox's stand-in): one row per firing.
    await conn.execute("CREATE TABLE fired (timer_id text NOT NULL, job text NOT NULL,"
                       " due_at timestamptz NOT NULL, fired_at timestamptz NOT NULL)")


@pytest_asyncio.fixture
async def pool(database_url: str, isolation: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with create_pool(database_url, schema=f"{isolation['schema_prefix']}jobs") as p:
        async with p.acquire() as conn:
            await _create_tables(conn)
        yield p


async def _fire(conn: asyncpg.Connection, timers: list[asyncpg.Record], now: datetime) -> None:
    await conn.executemany("INSERT INTO fired VALUES ($1, $2, $3, $4)",
                           [(t["id"], t["job"], t["due_at"], now) for t in timers])


def _worker(pool: asyncpg.Pool, clock: Any, **kwargs: Any) -> TimerWorker[asyncpg.Record]:
    return TimerWorker(pool, clock, TIMERS, decode=lambda r: r, fire=_fire, **kwargs)


async def _schedule(pool: asyncpg.Pool, timers: list[tuple[str, datetime, str]],
                    now: datetime = T0) -> set[str]:
    async with transaction(pool) as conn:
        return await TIMERS.schedule(conn, [(i, due, (job, 0)) for i, due, job in timers],
                                     now=now)


async def _states(pool: asyncpg.Pool) -> dict[str, str]:
    return {r["id"]: r["state"] for r in await pool.fetch("SELECT id, state FROM job_timer")}


class TestScheduling:
    async def test_an_id_is_scheduled_once(self, pool: asyncpg.Pool) -> None:
        """Scheduling the same id again (a redelivered event) adds nothing."""
        assert await _schedule(pool, [("a", T0, "x"), ("b", T0, "y")]) == {"a", "b"}
        assert await _schedule(pool, [("a", T0, "x"), ("c", T0, "z")]) == {"c"}
        assert await _states(pool) == {"a": "pending", "b": "pending", "c": "pending"}

    async def test_values_for_the_wrong_columns_are_refused(self, pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn:
            with pytest.raises(ValueError, match="1 values for 2 columns"):
                await TIMERS.schedule(conn, [("a", T0, ("x",))], now=T0)


class TestFiring:
    async def test_two_workers_fire_each_timer_once(self, pool: asyncpg.Pool) -> None:
        """300 due timers, two workers claiming 7 at a time: each timer is written by one
        firing, and both workers' counts add up to 300."""
        clock = ManualClock(T0)
        await _schedule(pool, [(f"t{n}", T0 - timedelta(seconds=n % 10), f"j{n}")
                               for n in range(300)])
        workers = [_worker(pool, clock, batch=7, max_sleep=0.05) for _ in range(2)]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(w.run(stop)) for w in workers]

        async def all_fired() -> bool:
            return await pool.fetchval("SELECT count(*) FROM fired") >= 300

        await wait_for(all_fired, timeout=30)
        stop.set()
        await asyncio.gather(*tasks)
        rows = await pool.fetch("SELECT timer_id, count(*) AS n FROM fired GROUP BY timer_id")
        assert len(rows) == 300 and {r["n"] for r in rows} == {1}
        assert sum(w.fired for w in workers) == 300
        assert set((await _states(pool)).values()) == {"fired"}

    async def test_never_early_and_a_cancelled_timer_never_fires(
            self, pool: asyncpg.Pool) -> None:
        """Timers fire when plan time reaches them, not before; a cancelled one never does.
        The worker sleeps in plan time and on NOTIFY only (its real-time bound is longer
        than the test), so the firings also show that both wake it."""
        clock = ManualClock(T0)
        worker = _worker(pool, clock, batch=100, max_sleep=600)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        await _schedule(pool, [("early", T0 + timedelta(seconds=10), "a"),
                               ("cancelled", T0 + timedelta(seconds=10), "b"),
                               ("late", T0 + timedelta(seconds=20), "c")])
        async with transaction(pool) as conn:
            cancelled = await TIMERS.cancel(conn, now=T0, where="job = $2", args=("b",))
        assert [r["id"] for r in cancelled] == ["cancelled"]

        async def fired(*ids: str) -> bool:
            return {r["timer_id"] for r in await pool.fetch("SELECT timer_id FROM fired")} \
                == set(ids)

        await _schedule(pool, [("now", T0, "d")])  # due at once: only NOTIFY wakes the worker
        await wait_for(lambda: fired("now"))
        await clock.advance(9.999)  # not yet due: the round it waits for fires nothing
        assert await fired("now")
        await clock.advance(0.001)
        await wait_for(lambda: fired("now", "early"))
        await clock.advance(10)
        # "late" fires after the earlier-due "cancelled" would have: the barrier.
        await wait_for(lambda: fired("now", "early", "late"))
        stop.set()
        await task
        for row in await pool.fetch("SELECT * FROM fired"):
            assert row["fired_at"] >= row["due_at"]
        assert await _states(pool) == {"now": "fired", "early": "fired", "late": "fired",
                                       "cancelled": "cancelled"}
        async with transaction(pool) as conn:  # a fired timer is not cancelled afterwards
            assert await TIMERS.cancel(conn, now=clock.now()) == []

    async def test_a_timer_not_yet_due_is_not_claimed(self, pool: asyncpg.Pool) -> None:
        clock = ManualClock(T0)
        await _schedule(pool, [("soon", T0 + timedelta(microseconds=1), "a")])
        worker = _worker(pool, clock)
        assert await worker.fire_once() == 0
        await clock.advance(0.000001)
        assert await worker.fire_once() == 1

    async def test_a_worker_killed_mid_claim_leaves_its_timers_to_another(
            self, pool: asyncpg.Pool, database_url: str, isolation: dict[str, str]) -> None:
        """A worker that claimed timers and died before committing fired nothing: while its
        transaction lives, another skips the rows it holds; once its backend is gone, the
        other fires them, once."""
        clock = ManualClock(T0)
        await _schedule(pool, [(f"t{n}", T0, "j") for n in range(5)])
        dying = await asyncpg.connect(
            database_url, server_settings={"search_path": f"{isolation['schema_prefix']}jobs"})
        try:
            pid = await dying.fetchval("SELECT pg_backend_pid()")
            await dying.execute("BEGIN")
            assert len(await TIMERS.claim(dying, now=T0, limit=3)) == 3
            other = _worker(pool, clock, batch=100)
            assert await other.fire_once() == 2  # the two the dying claim does not hold
            assert await pool.fetchval("SELECT pg_terminate_backend($1)", pid)

            async def fired_rest() -> bool:
                await other.fire_once()
                return await pool.fetchval("SELECT count(*) FROM fired") >= 5

            await wait_for(fired_rest)
        finally:
            dying.terminate()
        rows = await pool.fetch("SELECT timer_id, count(*) AS n FROM fired GROUP BY timer_id")
        assert len(rows) == 5 and {r["n"] for r in rows} == {1}

    async def test_finished_timers_are_pruned_after_the_retention(
            self, pool: asyncpg.Pool) -> None:
        await _schedule(pool, [("old", T0, "a"), ("pending", T0 + timedelta(days=1), "b")])
        async with transaction(pool) as conn:
            await TIMERS.claim(conn, now=T0, limit=10)
        async with pool.acquire() as conn:
            assert await TIMERS.prune(conn, before=T0) == 0  # finished at T0, not before
            assert await TIMERS.prune(conn, before=T0 + timedelta(seconds=1)) == 1
        assert await _states(pool) == {"pending": "pending"}


class TestTable:
    async def test_a_table_lacking_a_column_is_named(self, pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn:
            await TIMERS.check_table(conn)
            await conn.execute("ALTER TABLE job_timer DROP COLUMN attempt")
            with pytest.raises(RuntimeError, match=r"lacks columns \['attempt'\]"):
                await TIMERS.check_table(conn)

    async def test_the_escalation_timer_table_fits_the_template(
            self, database_url: str, isolation: dict[str, str]) -> None:
        from tocsin.escalation.store import TIMERS as ESCALATION_TIMERS
        from tocsin.shared.db import apply_migrations

        async with create_pool(database_url,
                               schema=f"{isolation['schema_prefix']}escalation") as p:
            await apply_migrations(p, package="tocsin.escalation.migrations")
            async with p.acquire() as conn:
                await ESCALATION_TIMERS.check_table(conn)


class TestRidesOutAPostgresRestart:
    async def test_the_worker_resumes_and_listens_again(
            self, own_postgres: Any, isolation: dict[str, str]) -> None:
        """PostgreSQL restarts under a running worker: the worker does not fail, and a timer
        scheduled after the restart fires on the NOTIFY of its commit (the worker's sleep
        bound is longer than the test), so LISTEN was established again."""
        clock = ManualClock(T0)
        async with create_pool(own_postgres.url, schema="jobs", min_size=1) as pool:
            async with pool.acquire() as conn:
                await _create_tables(conn)
            worker = _worker(pool, clock, max_sleep=600)
            stop = asyncio.Event()
            task = asyncio.create_task(worker.run(stop))
            await _schedule(pool, [("before", T0, "a")])

            async def fired(n: int) -> bool:
                return await pool.fetchval("SELECT count(*) FROM fired") == n

            await wait_for(lambda: fired(1))
            await asyncio.to_thread(own_postgres.stop)
            await asyncio.to_thread(own_postgres.start)

            async def scheduled() -> bool:
                try:
                    await _schedule(pool, [("after", T0, "b")])  # again if a try was lost
                    return True
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    return False  # the pool's old connections, dropped one by one

            await wait_for(scheduled, timeout=30)
            await wait_for(lambda: fired(2), timeout=15)
            await _schedule(pool, [("later", T0, "c")])  # fires on its NOTIFY alone
            await wait_for(lambda: fired(3), timeout=15)
            assert not task.done()
            stop.set()
            await task
