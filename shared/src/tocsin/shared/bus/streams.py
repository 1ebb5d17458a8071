"""The JetStream streams of the external contract, declared idempotently at start-up."""

from __future__ import annotations

import asyncio
import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

from tocsin.shared import metrics
from tocsin.shared.logging import get_logger
from tocsin.shared.outage import backoff
from tocsin.shared.runner import pause

__all__ = ["alarms_stream", "audit_stream", "audit_subject", "changes_stream",
           "deliveries_stream", "ensure_stream", "events_stream", "events_subject",
           "events_subjects", "sized", "watch_streams"]

log = get_logger(__name__)

DAY = 24 * 3600.0


def events_stream(region: str) -> StreamConfig:
    """``EVENTS_<REGION>``: every state change of every service in a region."""
    return StreamConfig(
        name=f"EVENTS_{region.upper()}",
        description=f"Tocsin state changes in region {region}",
        subjects=[f"events.{region}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=30 * DAY,
        # Long enough that an outbox relay restarted after a crash republishes into the
        # window, so the stream keeps each event once.
        duplicate_window=3600.0,
    )


def deliveries_stream(region: str) -> StreamConfig:
    """``DELIVERIES_<REGION>``: requests to send something to a person (activation codes,
    pages) on ``deliveries.<region>.<kind>``, for the notifications service
    (:mod:`tocsin.shared.contracts.deliveries`).

    They carry addresses and codes, so they stay apart from ``EVENTS_<REGION>`` and are
    kept one day only: a request nobody sent within a day is stale (an activation code
    expires long before).
    """
    return StreamConfig(
        name=f"DELIVERIES_{region.upper()}",
        description=f"Tocsin delivery requests (activation codes, pages) in region {region}",
        subjects=[f"deliveries.{region}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=DAY,
        # As for events: an outbox relay restarted after a crash republishes into it.
        duplicate_window=3600.0,
    )


def events_subject(region: str, service: str, event_type: str) -> str:
    """The subject of one event type of one service."""
    return f"events.{region}.{service}.{event_type}"


def events_subjects(region: str, service: str, event_types: Iterable[str]) -> tuple[str, ...]:
    """The subjects of several event types of one service, for a consumer that handles
    those alone (:attr:`~tocsin.shared.bus.consumer.Consumer.filter_subject`)."""
    return tuple(events_subject(region, service, t) for t in sorted(event_types))


def audit_stream(region: str, *, retention_days: float = 90.0) -> StreamConfig:
    """``AUDIT_<REGION>``: one CloudTrail record per call of every API, webhook and console
    action in a region, on ``audit.<region>.<api>.<eventName>`` (the gateway writes them and
    answers ``cloudtrail`` ``LookupEvents`` from them). Kept ``retention_days``
    (``TOCSIN_AUDIT_RETENTION_DAYS``). A message holds one record or, for calls made at
    the same time, an array of them (``tocsin.gateway.audit_batches``); its first record's
    event id is its ``Nats-Msg-Id``, so a publish retried after a lost acknowledgement is
    stored once."""
    return StreamConfig(
        name=f"AUDIT_{region.upper()}",
        description=f"Tocsin audit trail (CloudTrail records) of region {region}",
        subjects=[f"audit.{region}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=retention_days * DAY,
        duplicate_window=600.0,
    )


def audit_subject(region: str, api: str, event_name: str) -> str:
    """The subject of the audit records of one operation of one API."""
    return f"audit.{region}.{api}.{event_name}"


def alarms_stream() -> StreamConfig:
    """``ALARMS``: the EventBridge-shaped events that publishers send to ``alarms.<source>``."""
    return StreamConfig(
        name="ALARMS",
        description="Alarm and event messages from event publishers",
        subjects=["alarms.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=7 * DAY,
        duplicate_window=600.0,
    )


def changes_stream() -> StreamConfig:
    """``CHANGES``: the deployment and change events CI/CD tools send to ``changes.<source>``
    (:mod:`tocsin.shared.contracts.changes`); the incidents service keeps them as findings."""
    return StreamConfig(
        name="CHANGES",
        description="Deployment and change events from CI/CD tools",
        subjects=["changes.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=7 * DAY,
        duplicate_window=600.0,
    )


def sized(config: StreamConfig, *, replicas: int = 1,
          max_bytes: Mapping[str, int] | None = None) -> StreamConfig:
    """``config`` as a deployment keeps it: on ``replicas`` servers of its JetStream cluster
    (``TOCSIN_STREAM_REPLICAS``: 1, or 3 in production) and, when ``max_bytes`` names its
    kind (``EVENTS`` for ``EVENTS_<REGION>``; ``TOCSIN_STREAM_MAX_BYTES``), at most that
    many bytes (on each replica), the oldest messages dropped first; else bounded by age
    alone.

    No byte limit by default: the server reserves each stream's ``max_bytes`` from its
    storage at creation, so limits sized for production would refuse streams on a laptop
    or a test server shared by many regions. ``deploy/README.md`` gives the sizes.
    """
    kind = str(config.name).partition("_")[0]
    return dataclasses.replace(config, num_replicas=replicas,
                               max_bytes=(max_bytes or {}).get(kind, -1))


async def ensure_stream(js: JetStreamContext, config: StreamConfig, *,
                        update: bool = True, replicas: int = 1,
                        max_bytes: Mapping[str, int] | None = None) -> None:
    """Create the stream, or bring an existing one to ``config`` (:func:`sized` by
    ``replicas`` and ``max_bytes``); safe to call from every instance at once.

    An existing stream already so configured is left alone. ``update=False`` (a service
    that declares the stream but does not own it: its identity may not update it, so
    that it cannot shorten the stream's retention either) leaves a differing one to its
    owner, saying so.

    A JetStream that does not answer in time (a cluster still placing a replicated
    stream's group, or electing a leader) is asked again, up to
    :data:`DECLARE_ATTEMPTS` times; the declaration is the same whichever call took.
    """
    config = sized(config, replicas=replicas, max_bytes=max_bytes)
    for attempt in range(1, DECLARE_ATTEMPTS + 1):
        try:
            await _declare(js, config, update=update)
            return
        except (nats.errors.TimeoutError, nats.js.errors.ServiceUnavailableError) as exc:
            if attempt == DECLARE_ATTEMPTS:
                raise
            log.warning("stream.declare_retried", stream=config.name, error=repr(exc))
            await asyncio.sleep(backoff(attempt, base=0.5, cap=5.0))


DECLARE_ATTEMPTS = 6
"""Tries at declaring a stream before start-up fails (about 15 s of back-off)."""


async def _declare(js: JetStreamContext, config: StreamConfig, *, update: bool) -> None:
    assert config.name
    try:
        info = await js.stream_info(config.name)
    except nats.js.errors.NotFoundError:
        try:
            await js.add_stream(config)
            log.info("stream.created", stream=config.name)
            return
        except nats.js.errors.BadRequestError:
            # Another instance created it between our two calls.
            info = await js.stream_info(config.name)
    have = info.config.as_dict()
    if all(have.get(key) == value for key, value in config.as_dict().items()):
        return
    if not update:
        log.info("stream.update_left_to_owner", stream=config.name)
        return
    await js.update_stream(config)


async def watch_streams(js: JetStreamContext, streams: Sequence[str],
                        stop: asyncio.Event) -> None:
    """Every :data:`~tocsin.shared.metrics.LAG_INTERVAL` seconds, report the size of each
    of ``streams`` and how long since each mirror or source of theirs last heard from its
    origin. A runner worker."""
    while not await pause(stop, metrics.LAG_INTERVAL):
        for name in streams:
            try:
                info = await js.stream_info(name)
            except Exception as exc:  # NATS gone for a moment: keep the last figures
                log.debug("stream.info_unknown", stream=name, error=repr(exc))
                continue
            metrics.STREAM_MESSAGES.labels(name).set(info.state.messages)
            metrics.STREAM_BYTES.labels(name).set(info.state.bytes)
            for source in ([info.mirror] if info.mirror else []) + list(info.sources or []):
                # nats-py leaves ``active`` in raw nanoseconds; -1 (or none): never heard.
                active = source.active
                seconds = math.inf if active is None or active < 0 else active / 1e9
                metrics.STREAM_SOURCE_ACTIVE.labels(name, source.name).set(seconds)
