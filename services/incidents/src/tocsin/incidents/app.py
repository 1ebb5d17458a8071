"""The incidents service's composition root: its table for the service kernel."""

from __future__ import annotations

from tocsin.incidents import api
from tocsin.incidents.administration import handlers as administration
from tocsin.incidents.event_rules import handlers as event_rules
from tocsin.incidents.findings import handlers as findings
from tocsin.incidents.ingestion import handlers as ingestion
from tocsin.incidents.ingestion.alarm_stream import AlarmIntake
from tocsin.incidents.ingestion.triggers import Ingestion
from tocsin.incidents.records import plan_engagements
from tocsin.incidents.records.engaging import Engaging, engagement_consumers
from tocsin.incidents.runbooks import consumer as runbook_events
from tocsin.incidents.settings import Settings
from tocsin.incidents.usecases import Deps
from tocsin.shared.bus import alarms_stream, changes_stream, events_stream
from tocsin.shared.clock import clock_for
from tocsin.shared.kernel import Kernel, Opened, Service

__all__ = ["KERNEL", "lifespan"]


async def table(opened: Opened[Settings]) -> Service:
    """The request server, the engagement, findings and alarm consumers, and the
    reservation of existing plans' engagements."""
    settings, pool, bus = opened.settings, opened.pool, opened.bus
    deps = Deps(pool=pool, clock=clock_for(settings.clock_scale, settings.clock_epoch),
                region=settings.region, account=settings.account,
                partition=settings.arn_partition, findings_window=settings.findings_window,
                bus=bus)
    router = event_rules.RuleRouter(pool)
    alarm_ingestion = Ingestion(deps, bus)
    return Service(
        operations={**api.operations(deps),
                    **ingestion.operations(deps, alarm_ingestion, router),
                    **event_rules.operations(deps, router),
                    **administration.operations(deps),
                    **plan_engagements.operations(deps)},
        consumers=[
            *engagement_consumers(
                Engaging(deps, bus, fallback_contact=settings.fallback_contact),
                region=settings.region, schema=settings.schema),
            findings.consumer(deps, durable=f"{settings.schema}-findings",
                              filter_subject=settings.changes_filter),
            runbook_events(deps, durable=f"{settings.schema}-runbooks"),
        ],
        workers=[
            plan_engagements.PlanEngagements(deps).reserve_existing,
            AlarmIntake(alarm_ingestion, bus, pool, router=router,
                        durable=f"{settings.schema}-alarms",
                        filter_subject=settings.alarms_filter, dlq_subject=settings.alarms_dlq,
                        max_bytes=settings.alarm_max_bytes,
                        max_deliver=settings.alarm_max_deliver, timeout=settings.alarm_timeout),
        ],
    )


KERNEL = Kernel[Settings](
    name="incidents",
    description="Tocsin incidents: response plans and incident records",
    streams=lambda settings: [events_stream(settings.region), changes_stream(),
                              alarms_stream()],
    table=table,
)
lifespan = KERNEL.lifespan
