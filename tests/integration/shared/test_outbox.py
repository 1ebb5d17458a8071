"""The outbox relay against real PostgreSQL and JetStream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import nats.js.errors
import pytest
import pytest_asyncio

from tocsin.shared import codec
from tocsin.shared.bus import Bus, ensure_stream, events_stream
from tocsin.shared.db import (
    OutboxRelay,
    apply_migrations,
    create_pool,
    transaction,
    write_event,
    write_events,
)
from tocsin.shared.testing import wait_for


@pytest_asyncio.fixture
async def pool(database_url: str, isolation: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with create_pool(database_url, schema=f"{isolation['schema_prefix']}outbox") as p:
        await apply_migrations(p)
        yield p


def event(region: str, n: int) -> codec.Envelope:
    return codec.make_envelope(type="ThingHappened", service="tests", region=region,
                               data={"n": n})


async def test_written_events_carry_the_transactions_stamp(pool: asyncpg.Pool,
                                                           isolation: dict[str, str]) -> None:
    """The insert stamps each event with the clock of its transaction (the stamp its
    replicated rows get); the rest of the envelope is as written, in order."""
    region = isolation["region"]
    written = [event(region, n) for n in range(3)]
    async with transaction(pool) as conn:
        await write_events(conn, written[:1])
        await write_events(conn, written[1:])
        stamp = await conn.fetchval("SELECT hlc_now()")
    rows = await pool.fetch("SELECT payload FROM outbox ORDER BY seq")
    stored = [codec.decode(r["payload"], codec.Envelope) for r in rows]
    assert [e.hlc for e in stored] == [stamp] * 3
    assert [msgspec.structs.replace(e, hlc=None) for e in stored] == written
    await pool.execute("DELETE FROM outbox")


class TestOutboxRelay:
    async def test_publishes_committed_events_in_order(self, pool: asyncpg.Pool, bus: Bus,
                                                       isolation: dict[str, str]) -> None:
        """Committed events reach the stream in commit order; rolled-back ones never do."""
        region = isolation["region"]
        await ensure_stream(bus.js, events_stream(region))
        relay = OutboxRelay(pool, bus, poll_interval=0.1)
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run(stop))
        for n in range(5):
            async with transaction(pool) as conn:
                await write_event(conn, event(region, n))
        with pytest.raises(RuntimeError):
            async with transaction(pool) as conn:
                await write_event(conn, event(region, 99))
                raise RuntimeError("the business change failed")
        stream = f"EVENTS_{region.upper()}"

        async def five() -> bool:
            return (await bus.js.stream_info(stream)).state.messages == 5

        await wait_for(five)
        stop.set()
        await task
        sub = await bus.js.subscribe(f"events.{region}.>", ordered_consumer=True)
        got = [codec.decode((await sub.next_msg(timeout=2)).data, codec.Envelope).data["n"]
               for _ in range(5)]
        await sub.unsubscribe()
        assert got == [0, 1, 2, 3, 4]
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 0

    async def test_crash_after_publish_stores_the_event_once(
            self, pool: asyncpg.Pool, bus: Bus, isolation: dict[str, str]) -> None:
        """A relay that dies after publishing but before deleting its rows makes the next
        relay publish them again, and the stream keeps each event once."""
        region = isolation["region"]
        await ensure_stream(bus.js, events_stream(region))
        async with transaction(pool) as conn:
            await write_event(conn, event(region, 1))

        class DiesBeforeDelete(Bus):
            async def publish_batch(self, *args, **kwargs):  # type: ignore[no-untyped-def]
                acks = await super().publish_batch(*args, **kwargs)
                raise ConnectionResetError("relay process died")
                return acks

        with pytest.raises(ConnectionResetError):
            await OutboxRelay(pool, DiesBeforeDelete(bus.nc)).publish_pending()
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 1
        assert await OutboxRelay(pool, bus).publish_pending() == 1
        info = await bus.js.stream_info(f"EVENTS_{region.upper()}")
        assert info.state.messages == 1
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 0

    async def test_a_refused_batch_stays_in_the_outbox(
            self, pool: asyncpg.Pool, bus: Bus, isolation: dict[str, str]) -> None:
        """A batch one of whose messages no stream takes is published again whole: its
        rows stay, and no acknowledgement is left awaited; once the stream is there, every
        event is stored once and in order."""
        region = isolation["region"]
        async with transaction(pool) as conn:
            for n in range(3):
                await write_event(conn, event(region, n))
        with pytest.raises(nats.js.errors.NoStreamResponseError):
            await OutboxRelay(pool, bus).publish_pending()
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 3
        assert bus.js.publish_async_pending() == 0
        await ensure_stream(bus.js, events_stream(region))
        assert await OutboxRelay(pool, bus).publish_pending() == 3
        sub = await bus.js.subscribe(f"events.{region}.>", ordered_consumer=True)
        got = [codec.decode((await sub.next_msg(timeout=2)).data, codec.Envelope).data["n"]
               for _ in range(3)]
        await sub.unsubscribe()
        assert got == [0, 1, 2]
        assert (await bus.js.stream_info(f"EVENTS_{region.upper()}")).state.messages == 3

    async def test_one_relay_at_a_time(self, pool: asyncpg.Pool, bus: Bus,
                                       isolation: dict[str, str]) -> None:
        """A second relay on the same schema stands by until the first one stops."""
        region = isolation["region"]
        await ensure_stream(bus.js, events_stream(region))
        first, second = await _relay_and_standby(pool, bus)
        await wait_for(lambda: _relaying(pool, 2))
        locks = await pool.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
        assert locks == 1
        await _standby_takes_over(pool, bus, region, first, second)

    async def test_a_standby_that_loses_its_connection_takes_another(
            self, pool: asyncpg.Pool, bus: Bus, isolation: dict[str, str]) -> None:
        """The standby relay's connection is dropped by the server while it waits for the
        lock: it stands by again on a new one, and relays once the first relay stops."""
        region = isolation["region"]
        await ensure_stream(bus.js, events_stream(region))
        first, second = await _relay_and_standby(pool, bus)
        standby = await wait_for(lambda: pool.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1"
            " AND query = 'SELECT pg_try_advisory_lock($1)' AND pid NOT IN"
            " (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)",
            f"tocsin-{isolation['schema_prefix']}outbox"))
        assert await pool.fetchval("SELECT pg_terminate_backend($1)", standby)

        async def standing_by_again() -> bool:
            return await pool.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1"
                " AND query = 'SELECT pg_try_advisory_lock($1)' AND pid <> $2",
                f"tocsin-{isolation['schema_prefix']}outbox", standby) > 0

        await wait_for(standing_by_again)
        assert not second[1].done()
        await _standby_takes_over(pool, bus, region, first, second)


Running = tuple[asyncio.Event, "asyncio.Task[None]"]
"""A relay's stop event and its task."""


async def _relay_and_standby(pool: asyncpg.Pool, bus: Bus) -> tuple[Running, Running]:
    """Two relays on one schema: the first relaying, the second started after it."""
    first_stop, second_stop = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(OutboxRelay(pool, bus, poll_interval=0.1).run(first_stop))
    await wait_for(lambda: _relaying(pool, 1))
    second = asyncio.create_task(OutboxRelay(pool, bus, poll_interval=0.1).run(second_stop))
    return (first_stop, first), (second_stop, second)


async def _standby_takes_over(pool: asyncpg.Pool, bus: Bus, region: str, first: Running,
                              second: Running) -> None:
    """Stop the first relay; an event committed then is published by the second."""
    first[0].set()
    await first[1]
    async with transaction(pool) as conn:
        await write_event(conn, event(region, 7))

    async def published() -> bool:
        return (await bus.js.stream_info(f"EVENTS_{region.upper()}")).state.messages == 1

    await wait_for(published)
    second[0].set()
    await second[1]


class TestRidesOutAPostgresRestart:
    async def test_relay_resumes_on_a_new_connection_and_listens_again(
            self, own_postgres: Any, bus: Bus, isolation: dict[str, str]) -> None:
        """PostgreSQL restarts under a running relay: the relay does not fail, and an event
        committed after the restart is published on the NOTIFY of its commit (the poll
        interval is far longer than the test), so LISTEN was established again."""
        region = isolation["region"]
        await ensure_stream(bus.js, events_stream(region))
        stream = f"EVENTS_{region.upper()}"
        async with create_pool(own_postgres.url, schema="outbox", min_size=1) as pool:
            await apply_migrations(pool)
            relay = OutboxRelay(pool, bus, poll_interval=600)
            stop = asyncio.Event()
            task = asyncio.create_task(relay.run(stop))

            async def stored(n: int) -> bool:
                return (await bus.js.stream_info(stream)).state.messages == n

            async with transaction(pool) as conn:
                await write_event(conn, event(region, 0))
            await wait_for(lambda: stored(1), timeout=10)

            await asyncio.to_thread(own_postgres.stop)
            await asyncio.to_thread(own_postgres.start)

            async def committed(n: int) -> bool:
                try:
                    async with transaction(pool) as conn:
                        await write_event(conn, event(region, n))
                    return True
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    return False  # the pool's old connections, dropped one by one

            await wait_for(lambda: committed(1), timeout=30)
            await wait_for(lambda: stored(2), timeout=10)
            assert not task.done()
            stop.set()
            await task


async def _relaying(pool: asyncpg.Pool, sessions: int) -> bool:
    """Whether ``sessions`` relays have begun a session: each holds a connection of ``pool``
    from before it tries the lock until it stops."""
    return pool.get_size() - pool.get_idle_size() >= sessions
