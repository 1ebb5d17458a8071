"""The contacts service's composition root: its table for the service kernel."""

from __future__ import annotations

from tocsin.contacts import api
from tocsin.contacts.engagements.due import Due, due_consumer
from tocsin.contacts.engagements.failures import DeadLetters, dead_letter_consumer
from tocsin.contacts.engagements.handlers import EngagementHandlers
from tocsin.contacts.engagements.incident_state import IncidentState, incidents_consumer
from tocsin.contacts.replication import ReplicationSetDeletion, replication_consumer
from tocsin.contacts.settings import Settings
from tocsin.contacts.usecases import Deps
from tocsin.shared.bus import deliveries_stream, events_stream
from tocsin.shared.clock import clock_for
from tocsin.shared.kernel import Kernel, Opened, Service

__all__ = ["KERNEL", "lifespan"]


async def table(opened: Opened[Settings]) -> Service:
    """The request server, and the consumers of the escalation service's due stages and
    retries, of the notifications service's dead letters, of the replication set's
    deletion and of the incidents service's resolutions."""
    settings, pool = opened.settings, opened.pool
    clock = clock_for(settings.clock_scale, settings.clock_epoch)
    deps = Deps(pool=pool, clock=clock, region=settings.region, account=settings.account,
                partition=settings.arn_partition, bus=opened.bus)
    engagements = EngagementHandlers(deps)
    region, schema = settings.region, settings.schema
    return Service(
        operations=api.operations(deps),
        consumers=[
            due_consumer(Due(pool, engagements), region=region, schema=schema),
            dead_letter_consumer(DeadLetters(pool, clock, region,
                                             principal=engagements.tocsin_principal),
                                 region=region, schema=schema),
            replication_consumer(ReplicationSetDeletion(pool), region=region, schema=schema),
            incidents_consumer(IncidentState(engagements), region=region, schema=schema),
        ],
    )


KERNEL = Kernel[Settings](
    name="contacts",
    description="Tocsin contacts: contacts, plans, rotations, pages",
    streams=lambda settings: [events_stream(settings.region),
                              deliveries_stream(settings.region)],
    table=table,
)
lifespan = KERNEL.lifespan
