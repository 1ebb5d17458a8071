"""The runbooks service's composition root: its table for the service kernel."""

from __future__ import annotations

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
from tocsin.shared.bus import events_stream
from tocsin.shared.bus.consumer import Consumer
from tocsin.shared.clock import clock_for
from tocsin.shared.kernel import Kernel, Opened, Service
from tocsin.shared.timers import TimerWorker

__all__ = ["KERNEL", "lifespan"]


def _timer(row: asyncpg.Record) -> Timer:
    return Timer(id=row["id"], execution_id=row["execution_id"],
                 step_execution_id=row["step_execution_id"], kind=row["kind"],
                 attempt=row["attempt"])


async def table(opened: Opened[Settings]) -> Service:
    """The request server, the engine's consumer of the service's own events, the durable
    timers, the work runner and its lease sweep, the response plans' runbook starter, and
    the inbox of the other regions' documents and executions."""
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
    stream = f"EVENTS_{settings.region.upper()}"
    return Service(
        operations=api.operations(documents, executions, incidents),
        consumers=[
            Consumer(stream=stream, durable=f"{settings.schema}-engine",
                     filter_subject=f"events.{settings.region}.runbooks.>",
                     handler=executions.on_event, concurrency=settings.engine_concurrency,
                     batch=64),
            Consumer(stream=stream, durable=f"{settings.schema}-incidents",
                     filter_subject=f"events.{settings.region}.incidents.IncidentRecordCreated",
                     handler=incidents.on_incident_created, concurrency=8),
        ],
        timers=[timers.run],
        workers=[runner.run, runner.sweep],
        inbox=INBOX,
    )


KERNEL = Kernel[Settings](
    name="runbooks",
    description="Tocsin runbooks: SSM Automation documents and executions",
    streams=lambda settings: [events_stream(settings.region)],
    table=table,
)
lifespan = KERNEL.lifespan
