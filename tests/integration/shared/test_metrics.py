"""The shared kernel pieces measure themselves (tocsin.shared.metrics), against real NATS
and PostgreSQL: what a service gets with no code of its own. Figures are read from the
process's registry as a scrape would, before and after, since tests share it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from nats.js.api import StreamConfig
from prometheus_client import REGISTRY

from tocsin.shared import codec, errors, metrics
from tocsin.shared.bus import (
    Bus,
    Consumer,
    RpcRequest,
    RpcServer,
    consume,
    ensure_stream,
    events_stream,
)
from tocsin.shared.clock import ManualClock
from tocsin.shared.db import (
    OutboxRelay,
    apply_migrations,
    create_pool,
    transaction,
    watch_backlog,
    write_event,
)
from tocsin.shared.testing import wait_for
from tocsin.shared.timers import TABLE_TEMPLATE, Timers, TimerTable, TimerWorker


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture(autouse=True)
def quick_looks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lag and backlog looked at every 0.1 s instead of every few seconds."""
    monkeypatch.setattr(metrics, "LAG_INTERVAL", 0.1)


@pytest_asyncio.fixture
async def pool(database_url: str, isolation: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with create_pool(database_url, schema=f"{isolation['schema_prefix']}m") as p:
        await apply_migrations(p)
        yield p


async def test_the_rpc_server_counts_requests_by_operation_and_outcome(
        bus: Bus, isolation: dict[str, str]) -> None:
    service = isolation["region"]

    async def echo(req: RpcRequest) -> Any:
        return {}

    async def missing(req: RpcRequest) -> Any:
        raise errors.NotFoundError("no such thing")

    stop = asyncio.Event()
    server = RpcServer(bus, service=service, version="1.0.0",
                       handlers={"Echo": echo, "Missing": missing})
    task = asyncio.create_task(server.serve(stop))
    await asyncio.wait_for(server.started.wait(), 10)
    for _ in range(3):
        await bus.request(f"tocsin.rpc.{service}.Echo", {})
    with pytest.raises(errors.NotFoundError):
        await bus.request(f"tocsin.rpc.{service}.Missing", {})
    stop.set()
    await task
    assert value("tocsin_rpc_requests_total", service=service, operation="Echo",
                 outcome="ok") == 3
    assert value("tocsin_rpc_requests_total", service=service, operation="Missing",
                 outcome="client_error") == 1
    assert value("tocsin_rpc_request_seconds_count", service=service, operation="Echo") == 3


async def test_a_consumer_counts_outcomes_redeliveries_and_its_lag(
        bus: Bus, isolation: dict[str, str]) -> None:
    name = f"M{isolation['region'].upper()}"
    durable = f"{name}-metrics"
    await ensure_stream(bus.js, StreamConfig(name=name, subjects=[f"{name}.>"]))
    release = asyncio.Event()
    retried: set[int] = set()

    async def handle(event: codec.Envelope, msg: Any) -> None:
        n = event.data["n"]
        if n == 0:
            await release.wait()  # holds the rest back: they are the consumer's lag
        if n == 1 and n not in retried:
            retried.add(n)
            raise errors.RetryLater("once more", delay=0.1)
        if n == 2:
            raise errors.Reject("never")

    for n in range(5):
        e = codec.make_envelope(type="T", service="s", region="r", data={"n": n})
        await bus.publish(f"{name}.e", codec.encode(e), msg_id=e.id)
    stop = asyncio.Event()
    task = asyncio.create_task(consume(bus, Consumer(
        stream=name, durable=durable, filter_subject=f"{name}.>", handler=handle, batch=1),
        stop))

    def lag() -> float:
        return sum(value("tocsin_consumer_lag", stream=name, durable=durable, state=s)
                   for s in ("pending", "ack_pending"))

    await wait_for(lambda: lag() == 5, timeout=10)
    release.set()
    await wait_for(lambda: value("tocsin_consumer_messages_total", durable=durable,
                                 outcome="ack") == 4, timeout=10)
    await wait_for(lambda: lag() == 0, timeout=10)
    stop.set()
    await task
    assert value("tocsin_consumer_messages_total", durable=durable, outcome="nak") == 1
    assert value("tocsin_consumer_messages_total", durable=durable, outcome="term") == 1
    assert value("tocsin_consumer_redeliveries_total", durable=durable) == 1


async def test_the_outbox_backlog_and_what_the_relay_publishes(
        pool: asyncpg.Pool, bus: Bus, isolation: dict[str, str]) -> None:
    region, schema = isolation["region"], f"{isolation['schema_prefix']}m"
    await ensure_stream(bus.js, events_stream(region))
    for n in range(3):
        async with transaction(pool) as conn:
            await write_event(conn, codec.make_envelope(type="ThingHappened", service="t",
                                                        region=region, data={"n": n}))
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_backlog(pool, schema, stop))
    await wait_for(lambda: value("tocsin_outbox_backlog", schema=schema) == 3, timeout=10)
    relay = asyncio.create_task(OutboxRelay(pool, bus, poll_interval=0.1).run(stop))
    await wait_for(lambda: value("tocsin_outbox_published_total", schema=schema) == 3,
                   timeout=10)
    await wait_for(lambda: value("tocsin_outbox_backlog", schema=schema) == 0, timeout=10)
    stop.set()
    await asyncio.gather(watcher, relay)


T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
TABLE = TimerTable(name="metered_timer", channel="tocsin_test_metered_timer")
TIMERS = Timers(TABLE)


async def test_timers_fired_how_late_and_how_overdue(pool: asyncpg.Pool) -> None:
    """Fired timers are counted with their lateness; a firing that finds another service
    unavailable is retried (the timer waits in the table, the worker lives on)."""
    async with pool.acquire() as conn:
        await conn.execute(TABLE_TEMPLATE.format(table=TABLE.name))
    before = value("tocsin_timers_fired_total", table=TABLE.name)
    late_before = value("tocsin_timer_lateness_seconds_count", table=TABLE.name)
    clock = ManualClock(T0 + timedelta(seconds=10))
    calls: list[str] = []

    async def fire(conn: asyncpg.Connection, timers: list[asyncpg.Record],
                   now: datetime) -> None:
        first = not calls
        calls.extend(t["id"] for t in timers)
        if first:
            raise errors.ServiceUnavailable("nobody answers yet")

    worker = TimerWorker(pool, clock, TIMERS, decode=lambda r: r, fire=fire)
    async with transaction(pool) as conn:
        await TIMERS.schedule(conn, [(f"t{n}", T0 + timedelta(seconds=n), ()) for n in (1, 2)],
                              now=T0)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    await wait_for(lambda: len(calls) == 4 and value(
        "tocsin_timers_fired_total", table=TABLE.name) - before == 2, timeout=10)
    stop.set()
    await task
    assert calls == ["t1", "t2", "t1", "t2"]  # the failed round rolled back, then again
    assert value("tocsin_timers_fired_total", table=TABLE.name) - before == 2
    assert value("tocsin_timer_lateness_seconds_count", table=TABLE.name) - late_before == 2
    # Fired 9 and 8 plan seconds late: past the 5 s bucket, within the 15 s one.
    assert value("tocsin_timer_lateness_seconds_bucket", table=TABLE.name, le="5.0") == 0
    assert value("tocsin_timer_lateness_seconds_bucket", table=TABLE.name, le="15.0") == 2


async def test_the_event_loop_tasks_are_counted_at_each_scrape() -> None:
    """The gauge is read from another thread (the metrics server's) and follows the loop."""
    metrics.count_tasks(asyncio.get_running_loop())
    before = await asyncio.to_thread(value, "tocsin_event_loop_tasks")
    sleepers = [asyncio.create_task(asyncio.sleep(30)) for _ in range(5)]
    try:
        assert await asyncio.to_thread(value, "tocsin_event_loop_tasks") == before + 5
    finally:
        for task in sleepers:
            task.cancel()
