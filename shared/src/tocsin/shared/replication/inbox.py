"""The inbox: a service applies the events of the other regions of the set to its store.

Each other region's ``EVENTS_<REGION>`` is mirrored into this region's JetStream (a
mirror has no subjects of its own: its messages keep their origin subjects,
``events.<region>.<service>.<Type>``). The inbox finds those mirrors, again every
``TOCSIN_INBOX_RESCAN`` seconds so that a region added to the set later is picked up, and
reads each through a durable consumer ``<schema>-inbox`` filtered on the service's own
events. Each event is decoded into the service's contract and handed to its apply
function in a transaction with its inbox entry, then acknowledged: an event applied
twice changes nothing. An event that arrives before the resource it belongs to (no order
holds across regions' streams) is parked in that transaction and applied with the event
that brings its resource (:mod:`.parked`); each look for mirrors also applies any that
another instance's concurrent transaction made ready.

A fetched batch of one mirror is applied in one transaction, in stream order, its inbox
entries written in one statement (:func:`_apply_batch`): a region catching up on
another's minutes of changes pays a commit per batch, not per change. When any of its
events fails, or arrives early and must be parked, the batch is undone and each of its
events applied alone, in a transaction of its own (:func:`_apply_one`), to an outcome of
its own: one failing event holds back none of the others.

An apply function writes the store only: it emits no event (so no region re-publishes
another's change) and starts nothing meant for the origin region (no pages, runbooks or
timers); the origin region's own consumers did that there. It decides what wins with the
:class:`~tocsin.shared.replication.stamps.Applying` it is given.

A service declares it in its kernel table (:class:`tocsin.shared.kernel.Service`)::

    Service(..., inbox=Inbox(union=IncidentsEvent, apply=replicas.apply))
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from nats.aio.msg import Msg
from nats.js.api import StreamInfo

from tocsin.shared import codec
from tocsin.shared.bus import Bus, Consumer, consume
from tocsin.shared.contracts.base import types_of
from tocsin.shared.db import already_processed, newly_processed, transaction
from tocsin.shared.events import Received, received, typed
from tocsin.shared.logging import get_logger
from tocsin.shared.replication import parked
from tocsin.shared.replication.parked import ArrivedEarly, park
from tocsin.shared.replication.stamps import Applying, applying, stamp_of
from tocsin.shared.runner import pause

__all__ = ["Inbox", "Replicated", "mirrored_region", "release", "run_inbox"]

log = get_logger(__name__)

PREFIX = "EVENTS_"
BATCH = 32
"""Most events of one mirror applied in one transaction: what an apply function's own
savepoints (an incident's update takes one) add up to stays under the 64 subtransactions
PostgreSQL keeps track of cheaply."""


@dataclass(frozen=True, slots=True)
class Replicated:
    """One event of another region, as an apply function receives it."""

    event: Received[Any]
    """The typed event and its envelope (``event.event``, ``event.region``...)."""
    to: Applying
    """The transaction it is applied in, and who wins (:mod:`.stamps`)."""


@dataclass(frozen=True, kw_only=True)
class Inbox:
    """A service's inbox, declared in its kernel table."""

    union: Any
    """The service's event contract (``tocsin.shared.contracts.<service>``'s union)."""
    apply: Callable[[Replicated], Awaitable[None]]
    """Applies one event to the store, in the transaction it is given."""


def mirrored_region(info: StreamInfo, home: str) -> str | None:
    """The region whose ``EVENTS_<REGION>`` the stream mirrors (or sources, alone), or
    None when it is no such replica (this region's own stream, any other stream)."""
    name = info.config.name or ""
    if not name.startswith(PREFIX):
        return None
    origins = [info.config.mirror] if info.config.mirror else list(info.config.sources or [])
    if len(origins) != 1 or not origins[0].name.startswith(PREFIX):
        return None
    region = origins[0].name[len(PREFIX):].lower()
    return None if region == home.lower() else region


async def _replicas(bus: Bus, home: str) -> dict[str, str]:
    """Stream name → the region it mirrors, for every replica in this JetStream."""
    found: dict[str, str] = {}
    offset = 0
    while True:
        page = await bus.js.streams_info(offset=offset)
        for info in page:
            region = mirrored_region(info, home)
            if region is not None and info.config.name:
                found[info.config.name] = region
        if not page or len(page) < 256:  # the server's page size
            return found
        offset += len(page)


async def _apply_or_park(conn: asyncpg.Connection, inbox: Inbox, event: Received[Any], *,
                         consumer: str, home: str) -> bool:
    """Apply one event of another region, or park it when its resource has not arrived
    (:mod:`.parked`); whether it was applied."""
    to = await applying(conn, stamp_of(event.envelope), home=home)
    try:
        async with conn.transaction():  # a savepoint: parking undoes what it wrote
            await inbox.apply(Replicated(event, to))
    except ArrivedEarly as early:
        await park(conn, early, event.envelope, consumer=consumer)
        log.info("inbox.parked", event_type=event.type, event_id=event.id,
                 region=event.region, waits_for=early.kind, key=early.key)
        return False
    return True


async def _apply_one(conn: asyncpg.Connection, inbox: Inbox, event: Received[Any], *,
                     consumer: str, home: str) -> None:
    """Apply one event of another region in ``conn``'s transaction, with its inbox entry,
    or park it; once applied, the events it makes ready."""
    if await already_processed(conn, consumer=consumer, event_id=event.id):
        return
    if await _apply_or_park(conn, inbox, event, consumer=consumer, home=home):
        await release(conn, inbox, consumer=consumer, home=home)


async def _apply_batch(conn: asyncpg.Connection, inbox: Inbox,
                       events: list[Received[Any]], *, consumer: str, home: str) -> None:
    """Apply ``events`` (of one mirror, in its order) in ``conn``'s transaction, each as
    :func:`_apply_one` does, but their inbox entries in one statement, with no savepoint,
    and looking for parked events to release after each only when some are parked: one
    that arrived early raises :class:`ArrivedEarly`, for the caller to undo the batch and
    apply each alone, where it is parked."""
    new = await newly_processed(conn, consumer=consumer, event_ids=[e.id for e in events])
    others_parked = await parked.waiting(conn, consumer=consumer)
    for event in events:
        if event.id not in new:
            continue  # applied before (or earlier in this batch)
        new.discard(event.id)
        to = await applying(conn, stamp_of(event.envelope), home=home)
        await inbox.apply(Replicated(event, to))
        if others_parked:
            await release(conn, inbox, consumer=consumer, home=home)
    if not others_parked:
        # What another mirror's reader parked while this batch ran, and one of its events
        # brought: now, as one event alone would, rather than at the next look.
        await release(conn, inbox, consumer=consumer, home=home)


async def release(conn: asyncpg.Connection, inbox: Inbox, *, consumer: str,
                  home: str) -> int:
    """Apply, in ``conn``'s transaction, the events ``consumer`` parked whose resource
    is here now (or deleted), and those that these make ready in turn
    (:func:`.parked.release`); how many were ready."""
    async def apply(envelope: codec.Envelope) -> None:
        event = received(envelope, inbox.union)
        if await _apply_or_park(conn, inbox, event, consumer=consumer, home=home):
            log.info("inbox.unparked", event_type=event.type, event_id=event.id,
                     region=event.region)

    return await parked.release(conn, consumer=consumer, apply=apply)


async def run_inbox(bus: Bus, pool: asyncpg.Pool, inbox: Inbox, stop: asyncio.Event, *,
                    service: str, region: str, schema: str, rescan: float = 10.0,
                    durable: str | None = None) -> None:
    """Read ``service``'s events in every mirror of another region until ``stop``, looking
    for new ones every ``rescan`` seconds. A runner worker. ``durable`` names the consumer
    (``<schema>-inbox`` by default: a service's own inbox; another service's events read
    by this one under a name of its own)."""
    durable = durable or f"{schema}-inbox"
    # A type this version does not know (a region running a newer one) is acknowledged
    # unread rather than refused: it is nothing this region can apply yet.
    known = frozenset(types_of(inbox.union))

    def ours(envelope: codec.Envelope) -> bool:
        """Whether the inbox applies it: never this region's own change, whatever a mirror
        holds."""
        return envelope.region != region and envelope.type in known

    async def handle(event: Received[Any], msg: Msg) -> None:
        if ours(event.envelope):
            async with transaction(pool) as conn:
                await _apply_one(conn, inbox, event, consumer=durable, home=region)

    async def handle_batch(batch: list[tuple[codec.Envelope, Msg]]) -> None:
        # An event that does not fit its contract raises here: each alone rejects it.
        events = [received(envelope, inbox.union) for envelope, _ in batch if ours(envelope)]
        if events:
            async with transaction(pool) as conn:
                await _apply_batch(conn, inbox, events, consumer=durable, home=region)

    async def sweep() -> None:
        """Apply what waits for a resource that arrived through another instance's
        transaction, concurrent with the one that parked it."""
        try:
            async with transaction(pool) as conn:
                await release(conn, inbox, consumer=durable, home=region)
        except Exception as exc:  # PostgreSQL away for a moment: the next look does it
            log.warning("inbox.parked_unreleased", error=repr(exc))

    handler = typed(inbox.union, handle, only=known)
    readers: dict[str, tuple[asyncio.Event, asyncio.Task[None]]] = {}

    async def read(stream: str, origin: str, gone: asyncio.Event) -> None:
        consumer = Consumer(stream=stream, durable=durable, handler=handler,
                            together=handle_batch, batch=BATCH,
                            filter_subject=f"events.{origin}.{service}.>")
        try:
            await consume(bus, consumer, gone)
        except Exception as exc:  # the mirror deleted meanwhile: the next look decides
            log.warning("inbox.reader_stopped", stream=stream, error=repr(exc))
        finally:
            readers.pop(stream, None)

    try:
        while True:
            try:
                replicas = await _replicas(bus, region)
            except Exception as exc:  # NATS gone for a moment: look again later
                log.warning("inbox.streams_unknown", error=repr(exc))
                replicas = None
            if replicas is not None:
                for stream, origin in replicas.items():
                    if stream not in readers:
                        log.info("inbox.reading", stream=stream, region=origin)
                        gone = asyncio.Event()
                        readers[stream] = (gone, asyncio.create_task(
                            read(stream, origin, gone)))
                for stream in set(readers) - set(replicas):
                    log.info("inbox.mirror_gone", stream=stream)
                    readers[stream][0].set()
            await sweep()
            if await pause(stop, rescan):
                return
    finally:
        for gone, _ in list(readers.values()):
            gone.set()
        tasks = [task for _, task in list(readers.values())]
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)
