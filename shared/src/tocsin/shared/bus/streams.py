"""The JetStream streams of the external contract, declared idempotently at start-up."""

from __future__ import annotations

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

from tocsin.shared.logging import get_logger

__all__ = ["alarms_stream", "audit_stream", "audit_subject", "changes_stream",
           "deliveries_stream", "ensure_stream", "events_stream", "events_subject"]

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


def audit_stream(region: str, *, retention_days: float = 90.0) -> StreamConfig:
    """``AUDIT_<REGION>``: one CloudTrail record per call of every API, webhook and console
    action in a region, on ``audit.<region>.<api>.<eventName>`` (the gateway writes them and
    answers ``cloudtrail`` ``LookupEvents`` from them). Kept ``retention_days``
    (``TOCSIN_AUDIT_RETENTION_DAYS``); the record's event id is its ``Nats-Msg-Id``, so a
    publish retried after a lost acknowledgement is stored once."""
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


async def ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    """Create the stream, or bring an existing one to ``config``; safe to call from every
    instance at once."""
    assert config.name
    try:
        await js.stream_info(config.name)
    except nats.js.errors.NotFoundError:
        try:
            await js.add_stream(config)
            log.info("stream.created", stream=config.name)
            return
        except nats.js.errors.BadRequestError:
            pass  # another instance created it between our two calls
    await js.update_stream(config)
