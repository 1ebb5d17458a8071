"""The escalation service's composition root."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from importlib.metadata import version

from tocsin.escalation import api
from tocsin.escalation.events import Events
from tocsin.escalation.plans import Plans, plan_consumer
from tocsin.escalation.settings import Settings
from tocsin.escalation.timers import TimerWorker
from tocsin.shared.bus import RpcServer, connect, consume, ensure_stream, events_stream
from tocsin.shared.clock import clock_for
from tocsin.shared.db import OutboxRelay, apply_migrations, create_pool
from tocsin.shared.runner import Worker

__all__ = ["lifespan"]


@asynccontextmanager
async def lifespan(settings: Settings) -> AsyncIterator[Sequence[Worker]]:
    """Open the pool and the bus, migrate, and yield the request server, the contacts
    events consumer, the timer worker and the outbox relay."""
    async with AsyncExitStack() as stack:
        pool = await stack.enter_async_context(
            create_pool(settings.database_url, schema=settings.schema,
                        max_size=settings.pool_max))
        await apply_migrations(pool, package="tocsin.escalation.migrations")
        bus = await stack.enter_async_context(
            connect(settings.nats_servers, name="tocsin-escalation"))
        await ensure_stream(bus.js, events_stream(settings.region))
        clock = clock_for(settings.clock_scale)
        events = Events(settings.region)
        server = RpcServer(bus, service="escalation", version=version("tocsin-escalation"),
                           handlers=api.operations(pool),
                           concurrency=settings.rpc_concurrency,
                           description="Tocsin escalation: durable stage timers")
        timers = TimerWorker(pool, bus, clock, events, scale=settings.clock_scale,
                             batch=settings.timer_batch, lease=settings.timer_lease,
                             max_sleep=settings.timer_max_sleep,
                             fire_timeout=settings.fire_timeout)
        workers: list[Worker] = [
            server.serve,
            functools.partial(consume, bus, plan_consumer(
                Plans(pool, clock, events), region=settings.region, schema=settings.schema)),
            timers.run,
        ]
        if settings.outbox_relay:
            relay = OutboxRelay(pool, bus, poll_interval=settings.outbox_poll_interval)
            workers.append(relay.run)
        yield workers
