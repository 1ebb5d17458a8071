"""The incidents service's composition root."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from importlib.metadata import version

from tocsin.incidents import api, findings, ingest_api, integration_keys, plan_engagements, rules
from tocsin.incidents.engaging import Engaging, engagement_consumers
from tocsin.incidents.ingest import Ingestion
from tocsin.incidents.intake import AlarmIntake
from tocsin.incidents.settings import Settings
from tocsin.incidents.usecases import Deps
from tocsin.shared.bus import (
    RpcServer,
    alarms_stream,
    changes_stream,
    connect,
    consume,
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
    """Open the pool and the bus, migrate, and yield the request server, the findings
    and alarm consumers and the outbox relay."""
    async with AsyncExitStack() as stack:
        pool = await stack.enter_async_context(
            create_pool(settings.database_url, schema=settings.schema,
                        max_size=settings.pool_max))
        await apply_migrations(pool, package="tocsin.incidents.migrations")
        bus = await stack.enter_async_context(
            connect(settings.nats_servers, name="tocsin-incidents"))
        await ensure_stream(bus.js, events_stream(settings.region))
        await ensure_stream(bus.js, changes_stream())
        await ensure_stream(bus.js, alarms_stream())
        deps = Deps(pool=pool, clock=clock_for(settings.clock_scale, settings.clock_epoch),
                    region=settings.region, account=settings.account,
                    partition=settings.arn_partition, findings_window=settings.findings_window,
                    bus=bus)
        router = rules.RuleRouter(pool)
        ingestion = Ingestion(deps, bus)
        probe = PostgresProbe(pool)
        server = RpcServer(bus, service="incidents", version=version("tocsin-incidents"),
                           handlers={**api.operations(deps),
                                     **ingest_api.operations(deps, ingestion, router),
                                     **rules.operations(deps, router),
                                     **integration_keys.operations(deps),
                                     **plan_engagements.operations(deps)},
                           concurrency=settings.rpc_concurrency, status=probe.status,
                           description="Tocsin incidents: response plans and incident records")
        workers: list[Worker] = [server.serve,
                                 plan_engagements.PlanEngagements(deps).reserve_existing]
        workers += [functools.partial(consume, bus, c) for c in engagement_consumers(
            Engaging(deps, bus, fallback_contact=settings.fallback_contact),
            region=settings.region, schema=settings.schema)]
        workers.append(functools.partial(consume, bus, findings.consumer(
            deps, durable=f"{settings.schema}-findings",
            filter_subject=settings.changes_filter)))
        workers.append(AlarmIntake(
            ingestion, bus, pool, router=router, durable=f"{settings.schema}-alarms",
            filter_subject=settings.alarms_filter, dlq_subject=settings.alarms_dlq,
            max_bytes=settings.alarm_max_bytes, max_deliver=settings.alarm_max_deliver,
            timeout=settings.alarm_timeout))
        workers.append(probe.run)
        if settings.outbox_relay:
            relay = OutboxRelay(pool, bus, poll_interval=settings.outbox_poll_interval)
            workers.append(relay.run)
        yield workers
