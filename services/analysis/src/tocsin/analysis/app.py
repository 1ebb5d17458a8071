"""The analysis service's composition root: its table for the service kernel."""

from __future__ import annotations

import aiohttp

from tocsin.analysis import api
from tocsin.analysis.deps import Deps
from tocsin.analysis.facts import FactsConsumer
from tocsin.analysis.graphs import Graphs
from tocsin.analysis.incidents import IncidentsClient
from tocsin.analysis.parents import RelatedItems
from tocsin.analysis.reminders import OverduePager, timer_worker
from tocsin.analysis.replicas import INBOX, facts_readers
from tocsin.analysis.settings import Settings
from tocsin.analysis.takeovers import own_takeovers, takeover_watch
from tocsin.analysis.template_source import TemplateSource
from tocsin.shared import codec
from tocsin.shared.bus import Consumer, events_stream
from tocsin.shared.bus.consumer import incident_lane
from tocsin.shared.clock import clock_for
from tocsin.shared.kernel import Kernel, Opened, Service
from tocsin.shared.runner import after

__all__ = ["KERNEL", "incident_lane", "lifespan"]


async def table(opened: Opened[Settings]) -> Service:
    """Requests; consumers of incidents' and contacts' events (the metrics' key times, the
    parent OpsItems) and of its own (related items, overdue reminders); the reminders'
    timers, held back after a start until the other regions' takeovers are caught up with;
    the inbox of the other regions' analyses and action items, the readers of their
    incidents' and contacts' events for the key times, and of every region's takeovers."""
    settings = opened.settings
    deps = Deps(pool=opened.pool, bus=opened.bus, settings=settings,
                clock=clock_for(settings.clock_scale, settings.clock_epoch))
    session = None
    if settings.prometheus_url:
        session = await opened.stack.enter_async_context(aiohttp.ClientSession())
    graphs = Graphs(settings.prometheus_url, IncidentsClient(opened.bus), session)
    facts = FactsConsumer(opened.pool)
    related = RelatedItems(deps)
    pager = OverduePager(deps)
    takeovers = takeover_watch(opened.pool, opened.bus, region=settings.region,
                               schema=settings.schema,
                               takeover_seconds=settings.region_takeover_seconds,
                               interval=settings.region_check_interval)
    stream = f"EVENTS_{settings.region.upper()}"
    events = f"events.{settings.region}"

    async def on_incidents(event: codec.Envelope, msg: object) -> None:
        await facts.on_incidents_event(event, msg)  # type: ignore[arg-type]
        await related.on_incidents_event(event, msg)  # type: ignore[arg-type]

    async def on_own(event: codec.Envelope, msg: object) -> None:
        await related.on_own_event(event, msg)  # type: ignore[arg-type]
        await pager.on_event(event, msg)  # type: ignore[arg-type]

    return Service(
        operations=api.operations(deps, TemplateSource(opened.bus), graphs),
        consumers=[
            # One incident's events in order (a reopening before its resolution), up to 8
            # incidents at once.
            Consumer(stream=stream, durable=f"{settings.schema}-incidents",
                     filter_subject=f"{events}.incidents.>", handler=on_incidents,
                     concurrency=8, lane=incident_lane),
            Consumer(stream=stream, durable=f"{settings.schema}-contacts",
                     filter_subject=f"{events}.contacts.>", handler=facts.on_contacts_event,
                     concurrency=8),
            Consumer(stream=stream, durable=f"{settings.schema}-own",
                     filter_subject=f"{events}.analysis.>", handler=on_own),
            own_takeovers(opened.pool, region=settings.region, schema=settings.schema),
        ],
        # After a start, no reminder fires before the other regions' takeovers are caught
        # up with: one of this region's action items may be reminded elsewhere now.
        timers=[after(takeovers.ready, timer_worker(deps).run)],
        workers=[*facts_readers(opened.bus, opened.pool, region=settings.region,
                                schema=settings.schema, rescan=settings.inbox_rescan),
                 takeovers.run],
        inbox=INBOX,
    )


KERNEL = Kernel[Settings](
    name="analysis",
    description="Tocsin analysis: post-incident analyses, action items and metrics",
    streams=lambda settings: [events_stream(settings.region)],
    table=table,
)
lifespan = KERNEL.lifespan
