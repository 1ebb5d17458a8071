"""The contacts service's composition root: its table for the service kernel."""

from __future__ import annotations

import asyncio
import functools
from datetime import timedelta

import asyncpg

from tocsin.contacts import api
from tocsin.contacts.channels.store import index_sealed_addresses, seal_plaintext_addresses
from tocsin.contacts.engagements.due import Due, due_consumer
from tocsin.contacts.engagements.failures import DeadLetters, dead_letter_consumer
from tocsin.contacts.engagements.handlers import EngagementHandlers
from tocsin.contacts.engagements.incident_state import IncidentState, incidents_consumer
from tocsin.contacts.replicas import INBOX
from tocsin.contacts.replication import ReplicationSetDeletion, replication_consumer
from tocsin.contacts.settings import Settings
from tocsin.contacts.usecases import Deps
from tocsin.shared.bus import consume, deliveries_stream, events_stream
from tocsin.shared.clock import clock_for
from tocsin.shared.db.retention import retain
from tocsin.shared.errors import TocsinError
from tocsin.shared.kernel import Kernel, Opened, Service
from tocsin.shared.keys import KeyRing, keks_from, remote_key_ring
from tocsin.shared.logging import get_logger
from tocsin.shared.replication.tags import tombstones_kept
from tocsin.shared.replication.takeovers import engagement_watch
from tocsin.shared.runner import after, pause

__all__ = ["KERNEL", "lifespan"]

log = get_logger(__name__)

TAKEOVERS_INBOX = "contacts-takeovers"
"""The inbox of the other regions' takeovers applied here."""


async def table(opened: Opened[Settings]) -> Service:
    """The request server, and the consumers of the escalation service's due stages and
    retries (fenced by the takeovers of engagements, which a worker reads from the other
    regions), of the notifications service's dead letters, of the replication set's
    deletion and of the incidents service's resolutions, and the inbox of the other
    regions' contacts events and the retention of its tags' tombstones."""
    settings, pool = opened.settings, opened.pool
    clock = clock_for(settings.clock_scale, settings.clock_epoch)
    keys = remote_key_ring(opened.bus, keks_from(settings), status=opened.status)
    deps = Deps(pool=pool, clock=clock, region=settings.region, account=settings.account,
                partition=settings.arn_partition, bus=opened.bus, keys=keys,
                quotas=settings.quotas)
    engagements = EngagementHandlers(deps)
    region, schema = settings.region, settings.schema
    takeovers = engagement_watch(pool, opened.bus, region=region, schema=schema,
                                 inbox=TAKEOVERS_INBOX,
                                 takeover_seconds=settings.region_takeover_seconds,
                                 interval=settings.region_check_interval)
    due = due_consumer(Due(pool, engagements, region=region), region=region, schema=schema)
    return Service(
        operations=api.operations(deps),
        consumers=[
            dead_letter_consumer(DeadLetters(pool, clock, region,
                                             principal=engagements.tocsin_principal),
                                 region=region, schema=schema),
            replication_consumer(ReplicationSetDeletion(pool), region=region, schema=schema),
            incidents_consumer(IncidentState(engagements), region=region, schema=schema),
        ],
        workers=[
            # After a start, no stage work before the other regions' takeovers are
            # caught up with: one of this region's engagements may run elsewhere now.
            after(takeovers.ready, functools.partial(consume, opened.bus, due)),
            takeovers.run,
            functools.partial(_seal_old_addresses, pool, keys),
            functools.partial(retain, pool, tombstones_kept(
                timedelta(days=settings.inbox_retention_days))),
        ],
        inbox=INBOX,
    )


async def _seal_old_addresses(pool: asyncpg.Pool, keys: KeyRing, stop: asyncio.Event) -> None:
    """Seal the channel addresses stored before encryption at rest, and index those sealed
    before blind indexes, once the data key is reachable (the incidents service may start
    after this one)."""
    attempt = 0
    while True:
        try:
            sealed = await seal_plaintext_addresses(pool, keys)
            indexed = await index_sealed_addresses(pool, keys)
        except TocsinError as exc:  # no data key yet, or the incidents service is not up
            attempt += 1
            if attempt == 1 or attempt % 20 == 0:
                log.warning("channels.addresses_not_sealed_yet", error=exc.message)
            if await pause(stop, min(30.0, 0.5 * 2 ** min(attempt, 6))):
                return
            continue
        if sealed:
            log.info("channels.addresses_sealed", count=sealed)
        if indexed:
            log.info("channels.addresses_indexed", count=indexed)
        await stop.wait()  # a worker that returns would stop the service
        return


KERNEL = Kernel[Settings](
    name="contacts",
    description="Tocsin contacts: contacts, plans, rotations, pages",
    streams=lambda settings: [events_stream(settings.region),
                              deliveries_stream(settings.region)],
    table=table,
)
lifespan = KERNEL.lifespan
