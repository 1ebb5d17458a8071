"""The contacts service's composition root."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from importlib.metadata import version

from tocsin.contacts import api
from tocsin.contacts.due import Due, due_consumer
from tocsin.contacts.engagements import EngagementHandlers, incident_arn_of
from tocsin.contacts.failures import DeadLetters, dead_letter_consumer
from tocsin.contacts.incident_state import IncidentState, incidents_consumer
from tocsin.contacts.replication import ReplicationSetDeletion, replication_consumer
from tocsin.contacts.settings import Settings
from tocsin.contacts.usecases import Deps
from tocsin.shared.bus import (
    RpcServer,
    connect,
    consume,
    deliveries_stream,
    ensure_stream,
    events_stream,
)
from tocsin.shared.clock import clock_for
from tocsin.shared.db import OutboxRelay, apply_migrations, create_pool
from tocsin.shared.outage import PostgresProbe
from tocsin.shared.runner import Worker

__all__ = ["lifespan"]


@asynccontextmanager
async def lifespan(settings: Settings) -> AsyncIterator[Sequence[Worker]]:
    """Open the pool and the bus, migrate, and yield the request server, the consumers of
    the escalation service's due stages and retries, of the incidents service's
    resolutions, of the notifications service's dead letters and of the replication set's
    deletion, and the outbox relay."""
    async with AsyncExitStack() as stack:
        pool = await stack.enter_async_context(
            create_pool(settings.database_url, schema=settings.schema,
                        max_size=settings.pool_max))
        await apply_migrations(pool, package="tocsin.contacts.migrations")
        bus = await stack.enter_async_context(
            connect(settings.nats_servers, name="tocsin-contacts"))
        await ensure_stream(bus.js, events_stream(settings.region))
        await ensure_stream(bus.js, deliveries_stream(settings.region))
        clock = clock_for(settings.clock_scale, settings.clock_epoch)
        deps = Deps(pool=pool, clock=clock, region=settings.region, account=settings.account,
                    partition=settings.arn_partition, bus=bus)
        probe = PostgresProbe(pool)
        server = RpcServer(bus, service="contacts", version=version("tocsin-contacts"),
                           handlers=api.operations(deps),
                           concurrency=settings.rpc_concurrency, status=probe.status,
                           description="Tocsin contacts: contacts, plans, rotations, pages")
        engagements = EngagementHandlers(deps)
        due = Due(pool, engagements)
        workers: list[Worker] = [server.serve, functools.partial(consume, bus, due_consumer(
            due, region=settings.region, schema=settings.schema))]
        workers.append(functools.partial(consume, bus, dead_letter_consumer(
            DeadLetters(pool, clock, settings.region, incident_arn_of),
            region=settings.region, schema=settings.schema)))
        workers.append(functools.partial(consume, bus, replication_consumer(
            ReplicationSetDeletion(pool), region=settings.region, schema=settings.schema)))
        workers.append(functools.partial(consume, bus, incidents_consumer(
            IncidentState(engagements), region=settings.region, schema=settings.schema)))
        workers.append(probe.run)
        if settings.outbox_relay:
            relay = OutboxRelay(pool, bus, poll_interval=settings.outbox_poll_interval)
            workers.append(relay.run)
        yield workers
