"""The incidents service's composition root: its table for the service kernel."""

from __future__ import annotations

import functools
from datetime import timedelta

from tocsin.incidents import api, replicas
from tocsin.incidents.administration import handlers as administration
from tocsin.incidents.administration.regions import RegionKeeper
from tocsin.incidents.canary.handlers import Canary, CanarySettings
from tocsin.incidents.data_keys import ensure_data_key, make_data_key_later, serve_data_keys
from tocsin.incidents.duplicates.handlers import Duplicates
from tocsin.incidents.event_rules import handlers as event_rules
from tocsin.incidents.findings import handlers as findings
from tocsin.incidents.ingestion import handlers as ingestion
from tocsin.incidents.ingestion.alarm_stream import AlarmIntake
from tocsin.incidents.ingestion.batch import Batch
from tocsin.incidents.ingestion.triggers import Ingestion
from tocsin.incidents.records import plan_engagements
from tocsin.incidents.records.engaging import (
    Engaging,
    acknowledgement_timeouts,
    engagement_consumers,
)
from tocsin.incidents.runbooks import consumer as runbook_events
from tocsin.incidents.settings import Settings
from tocsin.incidents.timeline.handlers import TimelineHandlers
from tocsin.incidents.usecases import Deps, Quotas
from tocsin.shared.bus import alarms_stream, changes_stream, consume, events_stream
from tocsin.shared.clock import clock_for
from tocsin.shared.db.retention import retain
from tocsin.shared.kernel import Kernel, Opened, Service
from tocsin.shared.keys import GET_DATA_KEYS, keks_from
from tocsin.shared.replication.tags import tombstones_kept
from tocsin.shared.replication.takeovers import engagement_watch
from tocsin.shared.runner import after

__all__ = ["KERNEL", "lifespan"]

TAKEOVERS_INBOX = "incidents-takeovers"
"""The inbox of the other regions' takeovers applied here."""


async def table(opened: Opened[Settings]) -> Service:
    """The request server, the engagement, findings and alarm consumers, the reservation
    of existing plans' engagements, the replication set's regions (their mirrors and the
    set as other regions change it), the other regions' takeovers of engagements (which
    fence re-engagements after acknowledgement timeouts), the canary when one is
    configured, the inbox of the other regions' incidents events and the retention of
    its tombstones."""
    settings, pool, bus = opened.settings, opened.pool, opened.bus
    inbox_retention = timedelta(days=settings.inbox_retention_days)
    keks = keks_from(settings)
    deps = Deps(pool=pool, clock=clock_for(settings.clock_scale, settings.clock_epoch),
                region=settings.region, account=settings.account,
                partition=settings.arn_partition, findings_window=settings.findings_window,
                bus=bus, keks=keks, quotas=Quotas(
                    response_plans=settings.quota_response_plans, rules=settings.quota_rules))
    data_key_later = [] if await ensure_data_key(pool, keks, region=settings.region) else [
        functools.partial(make_data_key_later, pool, keks, region=settings.region)]
    router = event_rules.RuleRouter(pool)
    alarm_ingestion = Ingestion(deps, bus)
    canary = [Canary(pool, bus, deps.clock, CanarySettings(
        region=settings.region, contact_arn=settings.canary_contact,
        response_plan_arn=settings.canary_response_plan,
        interval=settings.canary_interval, window=settings.canary_window)).run
    ] if settings.canary_contact else []
    duplicates = Duplicates(deps)
    engaging = Engaging(deps, bus, fallback_contact=settings.fallback_contact)
    takeovers = engagement_watch(pool, bus, region=settings.region, schema=settings.schema,
                                 inbox=TAKEOVERS_INBOX,
                                 takeover_seconds=settings.region_takeover_seconds,
                                 interval=settings.region_check_interval)
    return Service(
        operations={**api.operations(deps),
                    **ingestion.operations(deps, alarm_ingestion, router),
                    **event_rules.operations(deps, router),
                    **administration.operations(deps),
                    **plan_engagements.operations(deps),
                    GET_DATA_KEYS: serve_data_keys(pool),
                    # Not an AWS operation: the console's Edit on a responder's own notes.
                    "TimelineEventAuthors": TimelineHandlers(deps).timeline_event_authors},
        consumers=[
            *engagement_consumers(engaging, region=settings.region, schema=settings.schema),
            findings.consumer(deps, durable=f"{settings.schema}-findings",
                              filter_subject=settings.changes_filter),
            runbook_events(deps, durable=f"{settings.schema}-runbooks"),
        ],
        workers=[
            # After a start, no acknowledgement timeout is acted on before the other
            # regions' takeovers are caught up with: its engagement may run elsewhere now.
            after(takeovers.ready, functools.partial(consume, bus, acknowledgement_timeouts(
                engaging, region=settings.region, schema=settings.schema))),
            takeovers.run,
            plan_engagements.PlanEngagements(deps).reserve_existing,
            AlarmIntake(alarm_ingestion, Batch(deps, alarm_ingestion), bus, pool, router=router,
                        durable=f"{settings.schema}-alarms",
                        filter_subject=settings.alarms_filter, dlq_subject=settings.alarms_dlq,
                        max_bytes=settings.alarm_max_bytes,
                        max_deliver=settings.alarm_max_deliver, timeout=settings.alarm_timeout),
            RegionKeeper(deps, bus, schema=settings.schema,
                         interval=settings.region_check_interval,
                         unreachable_after=settings.region_unreachable_after).run,
            *data_key_later,
            # Tombstones of removed related items and tags, kept as long as an addition
            # they stand against can still arrive (tocsin.incidents.related.replicas).
            functools.partial(retain, pool, {
                **tombstones_kept(inbox_retention),
                "related_item_removed": ("removed_at", inbox_retention)}),
        ],
        timers=[*canary, duplicates.run],
        inbox=duplicates.inbox(replicas.inbox(keks)),
    )


KERNEL = Kernel[Settings](
    name="incidents",
    description="Tocsin incidents: response plans and incident records",
    streams=lambda settings: [events_stream(settings.region), changes_stream(),
                              alarms_stream()],
    table=table,
)
lifespan = KERNEL.lifespan
