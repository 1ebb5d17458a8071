"""The incidents service's inbox: the other regions' incidents events applied to this
region's store (:mod:`tocsin.shared.replication.inbox`), so that their response plans,
incident records with their timelines and related items, and tags are read here too (the
replication set is the region keeper's: :mod:`tocsin.incidents.administration.regions`).
Tags given at creation travel in the created events and are applied with them.

Whole resources (a plan, a timeline event) follow the last writer by their stamps, an
incident record attribute by attribute (one region resolving it while another retitles it
keeps both); timeline events are added by either side and never lost; related items and
tags member by member, the latest addition or removal of each winning
(:mod:`tocsin.incidents.related.replicas`, :mod:`tocsin.shared.replication.tags`); a
deletion wins over an update that did not see it. A change of an incident or plan that
arrives before the incident or plan waits for it (:mod:`tocsin.shared.replication.parked`).
Nothing here emits an event or starts anything (engagements, runbooks, chat): the region
where the change was made did that.
Findings, event rules, integration keys and resource policies are applied by their own
modules (``findings.replicas``, ``event_rules.replicas``, ``administration.replicas``). The
other regions' data keys, wrapped, are kept beside this region's own
(:func:`tocsin.incidents.data_keys.store_shared`), so that what they sealed opens here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from tocsin.incidents.administration import replicas as administration_replicas
from tocsin.incidents.data_keys import store_shared
from tocsin.incidents.event_rules import replicas as event_rules_replicas
from tocsin.incidents.findings import replicas as findings_replicas
from tocsin.incidents.records import attributes, domain
from tocsin.incidents.related import replicas as related_items
from tocsin.incidents.timeline.domain import CUSTOM_TYPES
from tocsin.shared import codec
from tocsin.shared.contracts import incidents as c
from tocsin.shared.db.tags import TagStore
from tocsin.shared.keys import Keks, WrappedKey
from tocsin.shared.logging import get_logger
from tocsin.shared.replication import Inbox, Replicated
from tocsin.shared.replication.stamps import Applying
from tocsin.shared.replication.tags import put_tags, remove_tags

__all__ = ["apply", "inbox"]

log = get_logger(__name__)


def _ts(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _version(event: Any) -> int:
    return int(getattr(event, "resource_version", None) or 1)


# --- replication set ---------------------------------------------------------------------
# The set is applied by the region keeper (administration/regions.py), which merges the
# statuses region by region rather than taking the last writer's whole set. Its tags are
# applied here, in order with the set's ResourceTagged / ResourceUntagged.


async def _set_created(to: Applying, e: c.ReplicationSetCreated) -> None:
    await put_tags(to, e.arn, e.tags)


# --- response plans ----------------------------------------------------------------------


async def _plan(to: Applying, e: c.ResponsePlanCreated | c.ResponsePlanUpdated) -> None:
    plan = msgspec.convert(msgspec.to_builtins(e), domain.ResponsePlan)
    if await to.wins("response_plan", "name", e.name,
                     creates=isinstance(e, c.ResponsePlanCreated)):
        await to.conn.execute(
            "INSERT INTO response_plan (name, arn, doc, version) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (name) DO UPDATE SET arn = excluded.arn, doc = excluded.doc,"
            " version = greatest(response_plan.version, excluded.version)",
            plan.name, plan.arn, msgspec.to_builtins(plan), _version(e))
    if isinstance(e, c.ResponsePlanCreated) and await to.conn.fetchval(
            "SELECT true FROM response_plan WHERE name = $1", plan.name):
        # Its tags from its start, each unless changed later (an update of the plan, and
        # its tags, may have come before its creation).
        await put_tags(to, plan.arn, e.tags)


async def _plan_deleted(to: Applying, e: c.ResponsePlanDeleted) -> None:
    name = e.arn.rpartition(":response-plan/")[2]
    if await to.conn.execute("DELETE FROM response_plan WHERE name = $1", name) == "DELETE 0":
        await to.bury("response_plan", name)
    await TagStore.untag_all(to.conn, e.arn)


# --- incident records --------------------------------------------------------------------


async def _put_record(to: Applying, record: domain.IncidentRecord, version: int, *,
                      stamps: attributes.Stamps | None = None) -> None:
    """The record as the event has it; a new one is remembered as the origin's, with
    ``stamps`` on its attributes (made from an update that came before the creation:
    :func:`~tocsin.incidents.records.attributes.first_stamps`)."""
    await to.conn.execute(
        "INSERT INTO incident_record (arn, plan_name, status, impact, created_by,"
        " creation_time, dedupe_string, doc, version, home_region, field_hlc)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (arn) DO UPDATE SET status = excluded.status,"
        " impact = excluded.impact, doc = excluded.doc,"
        " version = greatest(incident_record.version, excluded.version)",
        record.arn, record.plan_name, record.status, record.impact,
        record.incident_record_source.created_by, _ts(record.creation_time),
        record.dedupe_string, msgspec.to_builtins(record), version, to.stamp.region,
        stamps or {})


async def _add_timeline(to: Applying, events: list[c.TimelineEvent]) -> None:
    """Add timeline events not there yet, to incidents this region holds."""
    if not events:
        return
    await to.conn.execute(
        "INSERT INTO timeline_event (incident_arn, event_id, event_time,"
        " event_updated_time, event_type, event_data, event_references, automatic)"
        " SELECT a, i, t, u, y, d, r::jsonb, y <> ALL($8::text[])"
        " FROM unnest($1::text[], $2::uuid[], $3::timestamptz[], $4::timestamptz[],"
        " $5::text[], $6::text[], $7::text[]) AS e(a, i, t, u, y, d, r)"
        " WHERE EXISTS (SELECT 1 FROM incident_record WHERE arn = a)"
        "   AND NOT EXISTS (SELECT 1 FROM replica_tombstone"
        "                   WHERE kind = 'timeline_event' AND key = i::text)"
        " ON CONFLICT (incident_arn, event_id) DO NOTHING",
        [e.incident_record_arn for e in events], [e.event_id for e in events],
        [_ts(e.event_time) for e in events], [_ts(e.event_updated_time) for e in events],
        [e.event_type for e in events], [e.event_data for e in events],
        [codec.encode(e.event_references).decode() for e in events], list(CUSTOM_TYPES))


async def _record_created(to: Applying, e: c.IncidentRecordCreated) -> None:
    record = msgspec.convert(msgspec.to_builtins(e.incident_record), domain.IncidentRecord)
    if await to.wins("incident_record", "arn", record.arn, creates=True):
        await _put_record(to, record, _version(e))
    else:
        # Held already by a later update that came first, which could only guess the
        # region the incident was opened in: the creation's region is.
        await to.conn.execute(
            "UPDATE incident_record SET home_region = $2 WHERE arn = $1"
            " AND home_region IS DISTINCT FROM $2", record.arn, to.stamp.region)
    if e.tags and await to.conn.fetchval("SELECT true FROM incident_record WHERE arn = $1",
                                         record.arn):
        # Its tags from its start, each unless changed later (a third region's update of
        # the record, and of its tags, may have come before its creation).
        await put_tags(to, record.arn, e.tags)
    await _add_timeline(to, e.timeline_events)
    await related_items.add_items(to, record.arn, e.related_items)


async def _record_updated(to: Applying, e: c.IncidentRecordUpdated) -> None:
    """The attributes the update changed, and those it brings as they were when it was
    made, each unless this region holds a later change of it (so a resolution here and a
    new title there both stay)."""
    record = msgspec.convert(msgspec.to_builtins(e.incident_record), domain.IncidentRecord)
    row = await to.conn.fetchrow(
        "SELECT doc, field_hlc FROM incident_record WHERE arn = $1 FOR UPDATE", record.arn)
    if row is None:
        if not await to.deleted("incident_record", record.arn):
            # Its creation is yet to come: every attribute as stamped where it was made.
            await _put_record(to, record, _version(e),
                              stamps=attributes.first_stamps(e, to.stamp))
        await _add_timeline(to, e.timeline_events)
        return
    doc, stamps = dict(row["doc"]), dict(row["field_hlc"])
    if attributes.merge(doc, stamps, msgspec.to_builtins(record),
                        attributes.brought(e, to.stamp), home=to.home):
        merged = msgspec.convert(doc, domain.IncidentRecord)
        try:
            async with to.conn.transaction():  # a savepoint
                await to.conn.execute(
                    "UPDATE incident_record SET status = $2, impact = $3, doc = $4,"
                    " field_hlc = $5, version = greatest(version, $6) WHERE arn = $1",
                    merged.arn, merged.status, merged.impact, msgspec.to_builtins(merged),
                    stamps, _version(e))
        except asyncpg.UniqueViolationError:
            # Re-opened there while this region opened another incident for its alarm:
            # this region's own stays the open one here.
            log.warning("inbox.reopen_conflict", incident_arn=merged.arn)
    await _add_timeline(to, e.timeline_events)


async def _record_deleted(to: Applying, e: c.IncidentRecordDeleted) -> None:
    if await to.conn.execute("DELETE FROM incident_record WHERE arn = $1",
                             e.arn) == "DELETE 0":
        await to.bury("incident_record", e.arn)
    await TagStore.untag_all(to.conn, e.arn)


# --- timeline and related items ----------------------------------------------------------
# Another region's change of an incident may arrive before its creation (a third region's
# streams are read apart): it waits for the incident (Applying.holds), never dropped.


async def _holds(to: Applying, incident_arn: str) -> bool:
    return await to.holds("incident_record", "arn", incident_arn)


async def _timeline_created(to: Applying, e: c.TimelineEventCreated) -> None:
    if await _holds(to, e.incident_record_arn):
        await _add_timeline(to, [e])


async def _timeline_updated(to: Applying, e: c.TimelineEventUpdated) -> None:
    if not await _holds(to, e.incident_record_arn) \
            or not await to.wins("timeline_event", "event_id", e.event_id):
        return
    await _add_timeline(to, [e])
    await to.conn.execute(
        "UPDATE timeline_event SET event_time = $3, event_updated_time = $4,"
        " event_type = $5, event_data = $6, event_references = $7,"
        " version = greatest(version, $8) WHERE incident_arn = $1 AND event_id = $2",
        e.incident_record_arn, e.event_id, _ts(e.event_time), _ts(e.event_updated_time),
        e.event_type, e.event_data, e.event_references, _version(e))


async def _timeline_deleted(to: Applying, e: c.TimelineEventDeleted) -> None:
    if await to.conn.execute("DELETE FROM timeline_event WHERE event_id = $1",
                             e.event_id) == "DELETE 0":
        await to.bury("timeline_event", e.event_id)


async def _triggers_joined(to: Applying, e: c.IncidentTriggersJoined) -> None:
    if await _holds(to, e.incident_record_arn):
        await _add_timeline(to, e.timeline_events)


async def _item_added(to: Applying, e: c.RelatedItemAdded) -> None:
    if not await _holds(to, e.incident_record_arn):
        return
    await related_items.add_items(to, e.incident_record_arn, [e.item])
    await _add_timeline(to, e.timeline_events)


async def _item_removed(to: Applying, e: c.RelatedItemRemoved) -> None:
    if not await _holds(to, e.incident_record_arn):
        return
    await related_items.remove_item(to, e.incident_record_arn, e.item)
    await _add_timeline(to, e.timeline_events)


# --- tags --------------------------------------------------------------------------------
# A tag of an incident or plan waits for it; each key's latest change wins, whether it
# was made at the resource's creation or later (tocsin.shared.replication.tags).


async def _tags_apply(to: Applying, arn: str) -> bool:
    if ":incident-record/" in arn:
        return await _holds(to, arn)
    if ":response-plan/" in arn:
        return await to.holds("response_plan", "name", arn.rpartition(":response-plan/")[2])
    return True


async def _tagged(to: Applying, e: c.ResourceTagged) -> None:
    if await _tags_apply(to, e.resource_arn):
        await put_tags(to, e.resource_arn, e.tags)


async def _untagged(to: Applying, e: c.ResourceUntagged) -> None:
    if await _tags_apply(to, e.resource_arn):
        await remove_tags(to, e.resource_arn, e.tag_keys)


_APPLY: dict[type[Any], Callable[[Applying, Any], Awaitable[None]]] = {
    c.ReplicationSetCreated: _set_created,
    c.ResponsePlanCreated: _plan,
    c.ResponsePlanUpdated: _plan,
    c.ResponsePlanDeleted: _plan_deleted,
    c.IncidentRecordCreated: _record_created,
    c.IncidentRecordUpdated: _record_updated,
    c.IncidentRecordResolved: _record_updated,
    c.IncidentRecordDeleted: _record_deleted,
    c.TimelineEventCreated: _timeline_created,
    c.TimelineEventUpdated: _timeline_updated,
    c.TimelineEventDeleted: _timeline_deleted,
    c.IncidentTriggersJoined: _triggers_joined,
    c.RelatedItemAdded: _item_added,
    c.RelatedItemRemoved: _item_removed,
    c.ResourceTagged: _tagged,
    c.ResourceUntagged: _untagged,
}


_APPLY_ELSEWHERE: dict[type[Any], Callable[[Applying, Any], Awaitable[None]]] = {
    **administration_replicas.APPLY, **event_rules_replicas.APPLY, **findings_replicas.APPLY}
"""Policies, keys, rules and findings: their own modules apply them."""


async def apply(replicated: Replicated, keks: Keks) -> None:
    """Apply one incidents event of another region; the types kept per region are
    skipped."""
    event = replicated.event.event
    if isinstance(event, c.DataKeyShared):
        await store_shared(replicated.to.conn, keks, WrappedKey(
            key_id=event.key_id, wrapped=event.wrapped, region=replicated.to.stamp.region),
            hlc=replicated.to.stamp.hlc)
        return
    step = _APPLY.get(type(event)) or _APPLY_ELSEWHERE.get(type(event))
    if step is not None:
        await step(replicated.to, event)


def inbox(keks: Keks) -> Inbox:
    """The incidents service's inbox, for its kernel table (``keks``: this region's access
    to the key-encryption key, to tell whether another region's re-wrapped key unwraps)."""

    async def apply_here(replicated: Replicated) -> None:
        await apply(replicated, keks)

    return Inbox(union=c.IncidentsEvent, apply=apply_here)
