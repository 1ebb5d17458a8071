"""The escalation service's composition root."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from importlib.metadata import version

from tocsin.escalation import api
from tocsin.escalation.events import Events
from tocsin.escalation.plans import Plans, plan_consumers
from tocsin.escalation.settings import Settings
from tocsin.escalation.timers import timer_worker
from tocsin.shared.bus import RpcServer, connect, consume, ensure_stream, events_stream
from tocsin.shared.clock import clock_for
from tocsin.shared.db import OutboxRelay, apply_migrations, create_pool
from tocsin.shared.outage import PostgresProbe
from tocsin.shared.runner import Worker

__all__ = ["lifespan"]


@asynccontextmanager
async def lifespan(settings: Settings) -> AsyncIterator[Sequence[Worker]]:
    """Open the pool and the bus, migrate, and yield the request server, the timer
    worker, the contacts and incidents events consumers and the outbox relay."""
    async with AsyncExitStack() as stack:
        pool = await stack.enter_async_context(
            create_pool(settings.database_url, schema=settings.schema,
                        max_size=settings.pool_max))
        await apply_migrations(pool, package="tocsin.escalation.migrations")
        bus = await stack.enter_async_context(
            connect(settings.nats_servers, name="tocsin-escalation"))
        await ensure_stream(bus.js, events_stream(settings.region))
        clock = clock_for(settings.clock_scale, settings.clock_epoch)
        events = Events(settings.region)
        probe = PostgresProbe(pool)
        server = RpcServer(bus, service="escalation", version=version("tocsin-escalation"),
                           handlers=api.operations(pool),
                           concurrency=settings.rpc_concurrency, status=probe.status,
                           description="Tocsin escalation: durable stage timers")
        timers = timer_worker(pool, clock, events, batch=settings.timer_batch,
                              max_sleep=settings.timer_max_sleep,
                              retention=timedelta(hours=settings.timer_retention_hours))
        plans = Plans(pool, clock, events, repeats=settings.escalation_repeats,
                      ack_timeout=timedelta(minutes=settings.ack_timeout_minutes)
                      if settings.ack_timeout_minutes else None)
        workers: list[Worker] = [server.serve, timers.run]
        workers += [functools.partial(consume, bus, c) for c in plan_consumers(
            plans, region=settings.region, schema=settings.schema)]
        workers.append(probe.run)
        if settings.outbox_relay:
            relay = OutboxRelay(pool, bus, poll_interval=settings.outbox_poll_interval)
            workers.append(relay.run)
        yield workers
