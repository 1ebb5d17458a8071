"""The other regions' events, mirrored here: the streams that carry a replication set.

Each region is its own JetStream domain (the region's name), joined to the others by leaf
connections. Every other region ``R`` of the replication set has, in this region's domain,
a stream ``EVENTS_<R>`` that mirrors R's own ``EVENTS_<R>`` through R's API prefix
``$JS.<r>.API`` (``reference/nats.md``): same sequences, same subjects
(``events.<r>.>``), read here even while R is unreachable, caught up when it is back. A
mirror has no subjects of its own, so nothing published here lands in it.

A region learns of a set it was added to from the set's own events, which reach it only
through a mirror: so whoever keeps the mirrors also creates, in each other region's
domain, that region's mirror of this one (:func:`ensure_mirrored_in`).

Health: ``mirror.active`` (seconds since the origin was last heard, heartbeats included),
not ``lag``, which stays 0 while the link is cut (``reference/nats.md`` §0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import msgspec
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    ExternalStream,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamInfo,
    StreamSource,
)

from tocsin.shared.bus.streams import events_stream
from tocsin.shared.logging import get_logger

__all__ = ["MIRROR_OF", "SILENT_AFTER", "MirrorHealth", "ensure_mirror", "ensure_mirrored_in",
           "health", "health_of", "live", "mirror_config", "mirror_name", "mirror_of", "mirrors",
           "remove_mirror",
           "unreachable"]

log = get_logger(__name__)

MIRROR_OF = "tocsin-mirror-of"
"""Stream metadata: the region a mirror copies (its name exactly as the region spells it)."""
SILENT_AFTER = 10.0
"""Seconds without a word from a region's mirror (messages or heartbeats, about one a
second when healthy) after which that region counts as degraded."""
LIST_PAGE = 256
"""Streams per page of JetStream's stream list."""
MAX_PAGES = 64
"""Most pages read: a domain with more streams than that is not Tocsin's alone."""
REMOTE_TIMEOUT = 2.0
"""Seconds a request to another region's JetStream API may take."""


def mirror_name(region: str) -> str:
    """``EVENTS_<REGION>``: the origin stream's name, and its mirror's in every region."""
    return str(events_stream(region).name)


def mirror_config(origin: str) -> StreamConfig:
    """The mirror of region ``origin``'s ``EVENTS_<ORIGIN>`` in another region's domain: kept
    as long as the origin keeps it."""
    source = events_stream(origin)
    name = mirror_name(origin)
    return StreamConfig(
        name=name,
        description=f"Tocsin state changes in region {origin} (mirror)",
        mirror=StreamSource(name=name, external=ExternalStream(api=f"$JS.{origin}.API")),
        retention=RetentionPolicy.LIMITS, storage=StorageType.FILE, discard=DiscardPolicy.OLD,
        max_age=source.max_age, metadata={MIRROR_OF: origin})


async def ensure_mirror(js: JetStreamContext, origin: str) -> bool:
    """Make ``origin``'s mirror exist in ``js``'s domain; True when it was created now.

    A stream of that name that is no mirror (the domain is ``origin``'s own) is left alone.
    """
    config = mirror_config(origin)
    try:
        info = await js.stream_info(str(config.name))
    except nats.js.errors.NotFoundError:
        try:
            await js.add_stream(config)
        except nats.js.errors.BadRequestError:  # another instance made it meanwhile
            return False
        log.info("mirror.created", origin=origin)
        return True
    if info.config.mirror is None:
        log.warning("mirror.name_taken", stream=config.name, origin=origin)
    return False


async def ensure_mirrored_in(nc: Client, *, here: str, there: str,
                             timeout: float = REMOTE_TIMEOUT) -> bool:
    """Make region ``there`` mirror this region (``here``) in its own domain, through its
    API over the leaf connection; True when created now.

    Raises:
        nats.js.errors.ServiceUnavailableError, nats.errors.TimeoutError: no JetStream of
            domain ``there`` answers (no leaf connection to it, or it is down); see
            :func:`unreachable`.
    """
    return await ensure_mirror(nc.jetstream(domain=there, timeout=timeout), here)


async def remove_mirror(js: JetStreamContext, origin: str) -> bool:
    """Delete ``origin``'s mirror from ``js``'s domain; False when there was none."""
    try:
        info = await js.stream_info(mirror_name(origin))
    except nats.js.errors.NotFoundError:
        return False
    if info.config.mirror is None:  # not a mirror: never ours to delete
        return False
    await js.delete_stream(mirror_name(origin))
    log.info("mirror.removed", origin=origin)
    return True


async def mirror_of(js: JetStreamContext, origin: str) -> StreamInfo | None:
    """The info of ``origin``'s mirror in ``js``'s domain; None when there is none."""
    try:
        info = await js.stream_info(mirror_name(origin))
    except nats.js.errors.NotFoundError:
        return None
    return info if info.mirror is not None else None


async def mirrors(js: JetStreamContext) -> dict[str, StreamInfo]:
    """Every region mirrored in ``js``'s domain → its mirror stream's info."""
    found: dict[str, StreamInfo] = {}
    offset = 0
    for _ in range(MAX_PAGES):
        page = await js.streams_info(offset)
        for info in page:
            origin = (info.config.metadata or {}).get(MIRROR_OF)
            if origin and info.mirror is not None:
                found[origin] = info
        if len(page) < LIST_PAGE:
            break
        offset += len(page)
    return found


class MirrorHealth(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """How one other region's mirror fares here, as ``/healthz`` reports it."""

    region: str
    status: str
    """``ok``, or ``degraded`` once silent longer than :data:`SILENT_AFTER`."""
    active: float | None
    """Seconds since the region was last heard; None: never."""
    lag: int
    """Messages the mirror knows it still lacks (stays 0 while the link is cut)."""
    messages: int
    error: str | None = None


def active_seconds(info: StreamInfo) -> float | None:
    """Seconds since the mirror last heard from its origin (nats-py leaves ``active`` in
    nanoseconds; negative or missing: never)."""
    active = info.mirror.active if info.mirror is not None else None
    return None if active is None or active < 0 else active / 1e9


def health_of(region: str, info: StreamInfo) -> MirrorHealth:
    active = active_seconds(info)
    error = info.mirror.error if info.mirror is not None else None
    silent = active is None or active > SILENT_AFTER or not math.isfinite(active)
    return MirrorHealth(
        region=region, status="degraded" if silent else "ok",
        active=round(active, 3) if active is not None else None,
        lag=int(info.mirror.lag or 0) if info.mirror is not None else 0,
        messages=info.state.messages,
        error=str(error.get("description") if isinstance(error, dict) else error)
        if error else None)


async def health(js: JetStreamContext, *, expected: Iterable[str] = ()) -> list[MirrorHealth]:
    """The health of every mirror in ``js``'s domain, by region; a region of ``expected``
    with no mirror here is degraded (never heard)."""
    found = await mirrors(js)
    out = [health_of(region, info) for region, info in sorted(found.items())]
    out += [MirrorHealth(region=r, status="degraded", active=None, lag=0, messages=0,
                         error="no mirror of this region here yet")
            for r in sorted(set(expected) - set(found))]
    return out


def live(report: Sequence[MirrorHealth], regions: Iterable[str]) -> bool:
    """Whether the mirror of every one of ``regions`` is here and heard from lately."""
    by_region = {h.region: h for h in report}
    return all(r in by_region and by_region[r].status == "ok" for r in regions)


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says no JetStream answered over the leaf connections."""
    return isinstance(exc, (nats.js.errors.ServiceUnavailableError,
                            nats.errors.NoRespondersError, nats.errors.TimeoutError,
                            TimeoutError))
