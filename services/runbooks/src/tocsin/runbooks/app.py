"""The runbooks service's composition root: its table for the service kernel."""

from __future__ import annotations

import functools
import uuid
from datetime import timedelta

import aiohttp
import asyncpg

from tocsin.runbooks import api
from tocsin.runbooks.actions import build_deps
from tocsin.runbooks.documents.handlers import DocumentHandlers
from tocsin.runbooks.executions.approvals import ApprovalPager
from tocsin.runbooks.executions.engine import Engine, Timer
from tocsin.runbooks.executions.handlers import ExecutionHandlers
from tocsin.runbooks.executions.work import WorkRunner
from tocsin.runbooks.incidents import IncidentRunbooks
from tocsin.runbooks.replicas import INBOX
from tocsin.runbooks.settings import Settings
from tocsin.runbooks.takeovers import own_takeovers, takeover_watch
from tocsin.shared.bus import consume, events_stream
from tocsin.shared.bus.consumer import Consumer
from tocsin.shared.clock import clock_for
from tocsin.shared.kernel import Kernel, Opened, Service
from tocsin.shared.runner import after
from tocsin.shared.timers import TimerWorker

__all__ = ["KERNEL", "lifespan"]


def _timer(row: asyncpg.Record) -> Timer:
    return Timer(id=row["id"], execution_id=row["execution_id"],
                 step_execution_id=row["step_execution_id"], kind=row["kind"],
                 attempt=row["attempt"])


async def table(opened: Opened[Settings]) -> Service:
    """The request server, the engine's consumer of the service's own events, the durable
    timers, the work runner and its lease sweep (the engine, the timers and the sweep held
    back after a start until the other regions' takeovers are caught up with), the response
    plans' runbook starter, the inbox of the other regions' documents and executions, and
    the readers of every region's takeovers."""
    settings, pool, bus = opened.settings, opened.pool, opened.bus
    clock = clock_for(settings.clock_scale, settings.clock_epoch)
    arns = settings.arns
    http = await opened.stack.enter_async_context(aiohttp.ClientSession())
    deps = build_deps(settings, bus, http)
    engine = Engine(pool=pool, clock=clock, arns=arns, claim=f"{uuid.uuid4()}",
                    lease_seconds=settings.step_lease_seconds)
    runner = WorkRunner(engine, deps, sweep_interval=settings.sweep_interval)
    documents = DocumentHandlers(pool=pool, clock=clock, account=settings.account,
                                 region=settings.region)
    executions = ExecutionHandlers(pool=pool, engine=engine, runner=runner,
                                   approvals=ApprovalPager(bus=bus, pool=pool))
    incidents = IncidentRunbooks(bus=bus, pool=pool, executions=executions,
                                 arns=arns, timeout=10.0)
    async with pool.acquire() as conn:
        await engine.timers.check_table(conn)
    await documents.install_builtins()
    timers = TimerWorker(pool, clock, engine.timers, decode=_timer, fire=engine.fire,
                         batch=settings.timer_batch, max_sleep=settings.timer_max_sleep,
                         retention=timedelta(days=1))
    takeovers = takeover_watch(pool, bus, region=settings.region, schema=settings.schema,
                               takeover_seconds=settings.region_takeover_seconds,
                               interval=settings.region_check_interval)
    stream = f"EVENTS_{settings.region.upper()}"
    engine_events = Consumer(stream=stream, durable=f"{settings.schema}-engine",
                             filter_subject=f"events.{settings.region}.runbooks.>",
                             handler=executions.on_event,
                             concurrency=settings.engine_concurrency, batch=64)
    # After a start, no step, timer or lost lease is acted on before the other regions'
    # takeovers are caught up with: one of this region's executions may run elsewhere now.
    ready = takeovers.ready
    return Service(
        operations=api.operations(documents, executions, incidents),
        consumers=[
            Consumer(stream=stream, durable=f"{settings.schema}-incidents",
                     filter_subject=f"events.{settings.region}.incidents.IncidentRecordCreated",
                     handler=incidents.on_incident_created, concurrency=8),
            own_takeovers(pool, region=settings.region, schema=settings.schema),
        ],
        timers=[after(ready, timers.run)],
        workers=[after(ready, functools.partial(consume, bus, engine_events)), runner.run,
                 after(ready, runner.sweep), takeovers.run],
        inbox=INBOX,
    )


KERNEL = Kernel[Settings](
    name="runbooks",
    description="Tocsin runbooks: SSM Automation documents and executions",
    streams=lambda settings: [events_stream(settings.region)],
    table=table,
)
lifespan = KERNEL.lifespan
