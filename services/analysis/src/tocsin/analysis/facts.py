"""The key times of every incident, kept from incidents' and contacts' events, so that a
per-incident metric is one row and an aggregate one query (the ``incident_facts`` table).

Events of one incident arrive on two streams in no fixed order (a page can be read before
this service has seen the incident start), so every write is an upsert that only moves a
"first" time earlier: applying the same events in any order, or twice, gives the same row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
from nats.aio.msg import Msg

from tocsin.analysis.durations import DURATIONS, KeyTimes
from tocsin.shared import codec
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import incidents as ci
from tocsin.shared.contracts.base import decode
from tocsin.shared.db import transaction

__all__ = ["GROUPS", "FactsConsumer", "FactsStore", "incident_fact", "page_fact"]

JSON = dict[str, Any]

TRIGGER = "SSM Incident Trigger"


def _at(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


class FactsStore:
    """Reads and writes of ``incident_facts``."""

    @staticmethod
    async def started(conn: asyncpg.Connection, record: ci.IncidentRecord, *, plan_arn: str,
                      detected: datetime | None) -> None:
        declared = _at(record.creation_time)
        await conn.execute(
            "INSERT INTO incident_facts (incident_arn, response_plan_arn, impact, declared,"
            " detected) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (incident_arn) DO UPDATE SET response_plan_arn = $2, impact = $3,"
            " declared = $4, detected = LEAST(incident_facts.detected, $5)",
            record.arn, plan_arn, record.impact, declared, detected or declared)

    @staticmethod
    async def changed(conn: asyncpg.Connection, record: ci.IncidentRecord) -> None:
        """The record after an update: its impact, and resolved or open again."""
        await conn.execute(
            "INSERT INTO incident_facts (incident_arn, impact, declared, resolved)"
            " VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (incident_arn) DO UPDATE SET impact = $2, resolved = $4",
            record.arn, record.impact, _at(record.creation_time),
            _at(record.resolved_time) if record.status == "RESOLVED" else None)

    @staticmethod
    async def first(conn: asyncpg.Connection, incident_arn: str, column: str,
                    at: datetime) -> None:
        """Move ``column`` (``first_engaged``, ``first_ack`` or ``detected``) to ``at`` when
        earlier."""
        assert column in ("first_engaged", "first_ack", "detected")
        await conn.execute(
            f"INSERT INTO incident_facts (incident_arn, {column}) VALUES ($1, $2)"
            f" ON CONFLICT (incident_arn) DO UPDATE SET {column} ="
            f" LEAST(incident_facts.{column}, $2)", incident_arn, at)

    @staticmethod
    async def edited(conn: asyncpg.Connection, incident_arn: str, *,
                     impact_started: datetime | None, detected: datetime | None,
                     mitigated: datetime | None) -> None:
        """The key times an analysis records (None clears)."""
        await conn.execute(
            "INSERT INTO incident_facts (incident_arn, impact_started, detected_edited,"
            " mitigated) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (incident_arn) DO UPDATE SET impact_started = $2,"
            " detected_edited = $3, mitigated = $4",
            incident_arn, impact_started, detected, mitigated)

    @staticmethod
    async def impact(conn: asyncpg.Connection, incident_arn: str) -> int | None:
        value = await conn.fetchval("SELECT impact FROM incident_facts WHERE incident_arn = $1",
                                    incident_arn)
        return int(value) if value is not None else None

    @staticmethod
    async def deleted(conn: asyncpg.Connection, incident_arn: str) -> None:
        await conn.execute("DELETE FROM incident_facts WHERE incident_arn = $1", incident_arn)

    @staticmethod
    async def key_times(conn: asyncpg.Connection, incident_arn: str) -> KeyTimes | None:
        row = await conn.fetchrow(
            "SELECT impact_started, COALESCE(detected_edited, detected) AS detected, declared,"
            " first_engaged, first_ack, mitigated, resolved"
            " FROM incident_facts WHERE incident_arn = $1", incident_arn)
        return KeyTimes(**dict(row)) if row else None

    @staticmethod
    async def aggregate(conn: asyncpg.Connection, *, group_by: str, start: datetime,
                        end: datetime) -> list[asyncpg.Record]:
        """Per group of the resolved incidents declared in [start, end): the count, and the
        count, mean, p50 and p90 of every duration (invalid and missing ones left out)."""
        # Each duration is computed once per row in the inner query; each group sorts it
        # once for both percentiles (percentile_cont over an array of fractions).
        durations, measures = [], []
        for i, (name, (frm, to)) in enumerate(DURATIONS.items()):
            a = {"start": "COALESCE(impact_started, declared)",
                 "impactStarted": "impact_started"}[frm]
            b = _END[to]
            durations.append(f"CASE WHEN {b} >= {a} THEN EXTRACT(EPOCH FROM {b} - {a})"
                             f"::float8 END AS d{i}")
            measures.append(
                f"count(d{i}) AS \"{name}.count\", avg(d{i}) AS \"{name}.mean\","
                f" percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY d{i})"
                f" AS \"{name}.pct\"")
        rows: list[asyncpg.Record] = await conn.fetch(
            f"SELECT grp, count(*) AS incidents, {', '.join(measures)}"
            f" FROM (SELECT {GROUPS[group_by]} AS grp, {', '.join(durations)}"
            "  FROM incident_facts WHERE resolved IS NOT NULL"
            "  AND declared >= $1 AND declared < $2) f GROUP BY grp ORDER BY grp", start, end)
        return rows


_END = {"detected": "COALESCE(detected_edited, detected)", "firstEngaged": "first_engaged",
        "firstAcknowledged": "first_ack", "mitigated": "mitigated", "resolved": "resolved"}

GROUPS = {"RESPONSE_PLAN": "COALESCE(response_plan_arn, '')",
          "IMPACT": "COALESCE(impact::text, '')",
          "MONTH": "to_char(declared AT TIME ZONE 'UTC', 'YYYY-MM')"}
"""``groupBy`` → the SQL of a fact's group."""


def _detected(events: list[ci.TimelineEvent]) -> datetime | None:
    times = [e.event_time for e in events if e.event_type == TRIGGER]
    return _at(min(times)) if times else None


class FactsConsumer:
    """Keeps ``incident_facts`` from incidents' and contacts' events."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def on_incidents_event(self, event: codec.Envelope, msg: Msg) -> None:
        del msg
        if event.type not in _INCIDENT_TYPES:
            return
        data = decode(event.type, event.data, ci.IncidentsEvent)
        async with transaction(self._pool) as conn:
            await incident_fact(conn, data)

    async def on_contacts_event(self, event: codec.Envelope, msg: Msg) -> None:
        del msg
        if event.type not in ("PageCreated", "PageAccepted", "PageReceiptRecorded"):
            return
        fact = page_fact(decode(event.type, event.data, cc.ContactsEvent))
        if fact is not None:
            async with transaction(self._pool) as conn:
                await FactsStore.first(conn, *fact)


async def incident_fact(conn: asyncpg.Connection, data: Any) -> None:
    """What an incidents event says of its incident's key times (in any region's
    events: the inbox applies the other regions' too)."""
    match data:
        case ci.IncidentRecordCreated():
            await FactsStore.started(conn, data.incident_record,
                                     plan_arn=data.response_plan_arn,
                                     detected=_detected(data.timeline_events))
        case ci.IncidentRecordUpdated():  # and IncidentRecordResolved
            await FactsStore.changed(conn, data.incident_record)
        case ci.IncidentTriggersJoined():
            detected = _detected(data.timeline_events)
            if detected is not None:
                await FactsStore.first(conn, data.incident_record_arn, "detected", detected)
        case ci.IncidentRecordDeleted():
            await FactsStore.deleted(conn, data.arn)


def page_fact(data: Any) -> tuple[str, str, datetime] | None:
    """The incident, the key time (``first_engaged``, ``first_ack``) and its time a
    contacts event gives, if any."""
    match data:
        case cc.PageCreated(incident_id=str(incident)):
            return incident, "first_engaged", data.sent_time
        case cc.PageAccepted(accept_type="READ", incident_id=str(incident)):
            return incident, "first_ack", data.accept_time
        case cc.PageReceiptRecorded(receipt_type="READ", incident_id=str(incident)):
            return incident, "first_ack", data.receipt_time
    return None


_INCIDENT_TYPES = frozenset({"IncidentRecordCreated", "IncidentRecordUpdated",
                             "IncidentRecordResolved", "IncidentTriggersJoined",
                             "IncidentRecordDeleted"})
