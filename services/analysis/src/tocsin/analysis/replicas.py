"""The analysis service's inbox: the other regions' analysis events applied to this
region's store (:mod:`tocsin.shared.replication.inbox`), so that their post-incident
analyses (fields, questions and answers, recommendations, checklist, timeline) and their
action items (OpsItems, with their related items) are read here too.

An analysis converges member by member (its attributes, and each answer, recommendation
decision, overview field and checklist item: two regions answering different questions
keep both answers), each by its last writer's stamp; an OpsItem follows its last writer
whole, a timeline point on its own (points added in both regions are all kept); a
deletion wins over a change that did not see it; related items of an OpsItem are added by
either side. Applying starts nothing here: no reminder of another region's overdue action
item (the region that made it reminds its owner, and reschedules when another region
changes it), no related item on the incident (its region added it, and the incidents
inbox brings it).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from tocsin.analysis.facts import FactsStore, incident_fact, page_fact
from tocsin.analysis.opsitems_store import OpsItemRow
from tocsin.analysis.reminders import reschedule
from tocsin.analysis.store import AnalysisRow, TimelinePoint
from tocsin.shared.bus import Bus
from tocsin.shared.contracts import analysis as ca
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import incidents as ci
from tocsin.shared.logging import get_logger
from tocsin.shared.replication import Inbox, Replicated, run_inbox
from tocsin.shared.replication.stamps import Applying, Stamp
from tocsin.shared.runner import Worker

__all__ = ["INBOX", "apply", "facts_readers"]

JSON = dict[str, Any]

log = get_logger(__name__)

_ANALYSIS = AnalysisRow.__struct_fields__
_OPS_ITEM = OpsItemRow.__struct_fields__


# --- analyses ----------------------------------------------------------------------------


_MEMBERS = ("name", "status", "metric_queries", "impact_started", "detected", "mitigated",
            "completed_by", "completed_at", "completed_with_open_items")
"""Attributes that converge one by one (:func:`_merge`)."""
_MAPS = ("overview", "answers", "decisions", "checklist")
"""Maps whose entries converge one by one (``answers.<questionId>``...)."""
_NEVER = Stamp(0, "")
"""The stamp of a member unchanged since the analysis was created (alike everywhere)."""


def _stamps(raw: JSON, home: str) -> dict[str, Stamp]:
    return {member: Stamp(int(hlc), origin or home) for member, (hlc, origin) in raw.items()}


def _merge(mine: AnalysisRow, my_stamps: dict[str, Stamp], theirs: ca.AnalysisState
           ) -> tuple[AnalysisRow, JSON]:
    """The analysis with, member by member, the later change of the two; and the stamps
    of the result (as ``field_hlc`` keeps them)."""
    their_stamps = _stamps(dict(theirs.field_stamps), "")
    merged: JSON = msgspec.structs.asdict(mine)
    stamps = dict(my_stamps)

    def later(member: str) -> bool:
        theirs_at = their_stamps.get(member, _NEVER)
        if theirs_at > my_stamps.get(member, _NEVER):
            stamps[member] = theirs_at
            return True
        return False

    for member in _MEMBERS:
        if later(member):
            merged[member] = getattr(theirs, member)
    for name in _MAPS:
        entries = dict(merged[name])
        incoming = getattr(theirs, name)
        prefix = f"{name}."
        keys = set(entries) | set(incoming) | {m[len(prefix):] for m in
                                               (*their_stamps, *my_stamps)
                                               if m.startswith(prefix)}
        for key in keys:
            if later(prefix + key):
                if key in incoming:
                    entries[key] = incoming[key]
                else:  # removed there (a restored recommendation, a cleared field)
                    entries.pop(key, None)
        merged[name] = entries
    if later("last_modified"):
        merged.update(last_modified_by=theirs.last_modified_by,
                      last_modified_at=theirs.last_modified_at)
    return AnalysisRow(**merged), {m: [s.hlc, s.region] for m, s in stamps.items()}


async def _analysis(to: Applying, state: ca.AnalysisState | None, *, creates: bool) -> None:
    """The analysis as the event has it: whole when this region has none (and it was not
    deleted), else merged member by member with this region's (:func:`_merge`)."""
    if state is None:  # published before events carried the analysis
        return
    found = await to.conn.fetchrow(
        f"SELECT {', '.join(_ANALYSIS)}, field_hlc FROM analysis WHERE arn = $1 FOR UPDATE",
        state.arn)
    if found is None:
        if not (await to.recreating("analysis", state.arn) if creates
                else not await to.deleted("analysis", state.arn)):
            return
        row = AnalysisRow(**{f: getattr(state, f) for f in _ANALYSIS})
        stamps: JSON = {m: [hlc, origin] for m, (hlc, origin) in state.field_stamps.items()}
    else:
        row, stamps = _merge(AnalysisRow(**{f: found[f] for f in _ANALYSIS}),
                             _stamps(dict(found["field_hlc"]), to.home), state)
    values = [*(getattr(row, f) for f in _ANALYSIS), stamps]
    try:
        async with to.conn.transaction():  # a savepoint
            await to.conn.execute(
                f"INSERT INTO analysis ({', '.join(_ANALYSIS)}, field_hlc) VALUES"
                f" ({', '.join(f'${i}' for i in range(1, len(values) + 1))})"
                " ON CONFLICT (arn) DO UPDATE SET "
                + ", ".join(f"{f} = excluded.{f}" for f in (*_ANALYSIS, "field_hlc")
                            if f != "arn"),
                *values)
    except asyncpg.UniqueViolationError:
        # Both regions made an analysis of one incident while cut off: each keeps its own
        # (an incident has one analysis per region's store).
        log.warning("inbox.analysis_of_incident_exists", analysis_arn=state.arn,
                    incident_arn=state.incident_arn)
        return
    # The key times the analysis records, as UpdateAnalysis keeps them for the metrics.
    await FactsStore.edited(to.conn, row.incident_arn, impact_started=row.impact_started,
                            detected=row.detected, mitigated=row.mitigated)


async def _points(to: Applying, analysis_arn: str, points: list[ca.AnalysisTimelinePoint],
                  *, creates: bool) -> None:
    """Timeline points of an analysis held here, each unless this region holds a later
    write of it, or (an edit, not ``creates``) its deletion."""
    analysis_id = await to.conn.fetchval("SELECT id FROM analysis WHERE arn = $1",
                                         analysis_arn)
    if analysis_id is None:
        return
    for state in points:
        if not await to.wins("analysis_timeline", "point_id", state.point_id,
                             creates=creates):
            continue
        p = TimelinePoint(**msgspec.structs.asdict(state))
        await to.conn.execute(
            "INSERT INTO analysis_timeline (analysis_id, point_id, source_event_id,"
            " event_time, event_type, event_data, edited) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (analysis_id, point_id) DO UPDATE SET"
            " source_event_id = excluded.source_event_id, event_time = excluded.event_time,"
            " event_type = excluded.event_type, event_data = excluded.event_data,"
            " edited = excluded.edited",
            analysis_id, p.point_id, p.source_event_id, p.event_time, p.event_type,
            p.event_data, p.edited)


async def _points_removed(to: Applying, point_ids: list[str]) -> None:
    for point_id in point_ids:
        if await to.conn.execute("DELETE FROM analysis_timeline WHERE point_id = $1",
                                 point_id) == "DELETE 0":
            await to.bury("analysis_timeline", point_id)


async def _created(to: Applying, e: ca.AnalysisCreated) -> None:
    await _analysis(to, e.analysis, creates=True)
    await _points(to, e.analysis_arn, e.points, creates=True)


async def _updated(to: Applying, e: ca.AnalysisUpdated) -> None:
    await _analysis(to, e.analysis, creates=False)
    await _points(to, e.analysis_arn, e.points_added, creates=True)
    await _points(to, e.analysis_arn, e.points_changed, creates=False)
    await _points_removed(to, e.points_removed)


async def _changed(to: Applying, e: ca.AnalysisCompleted | ca.RecommendationAccepted) -> None:
    await _analysis(to, e.analysis, creates=False)


async def _deleted(to: Applying, e: ca.AnalysisDeleted) -> None:
    # Its timeline goes with it (each point leaving its tombstone).
    if await to.conn.execute("DELETE FROM analysis WHERE arn = $1",
                             e.analysis_arn) == "DELETE 0":
        await to.bury("analysis", e.analysis_arn)


# --- OpsItems ----------------------------------------------------------------------------


def _moment(epoch: Any) -> datetime | None:
    return datetime.fromtimestamp(float(epoch), UTC) if epoch is not None else None


def _ops_item_row(e: ca.OpsItemCreated | ca.OpsItemUpdated) -> OpsItemRow:
    """The stored OpsItem from the ``GetOpsItem`` shape its event carries."""
    view = e.ops_item
    return OpsItemRow(
        id=view["OpsItemId"], ops_item_type=view["OpsItemType"], title=view["Title"],
        description=view.get("Description", ""), source=view["Source"],
        status=view["Status"], priority=view.get("Priority"), severity=view.get("Severity"),
        category=view.get("Category"), operational_data=view.get("OperationalData") or {},
        notifications=view.get("Notifications") or [],
        related_ops_items=view.get("RelatedOpsItems") or [],
        actual_start_time=_moment(view.get("ActualStartTime")),
        actual_end_time=_moment(view.get("ActualEndTime")),
        planned_start_time=_moment(view.get("PlannedStartTime")),
        planned_end_time=_moment(view.get("PlannedEndTime")),
        owner_contact_arn=e.owner_contact_arn, response_plan_arn=e.response_plan_arn,
        resolved_at=e.resolved_at, created_by=view["CreatedBy"],
        created_time=_moment(view["CreatedTime"]) or datetime.now(UTC),
        last_modified_by=view["LastModifiedBy"],
        last_modified_time=_moment(view["LastModifiedTime"]) or datetime.now(UTC),
        version=int(view.get("Version") or 1))


async def _ops_item(to: Applying, e: ca.OpsItemCreated | ca.OpsItemUpdated) -> None:
    """The OpsItem as the event has it, unless this region holds a later write of it; an
    item made here, changed elsewhere, gets its reminder rescheduled here (its owner is
    reminded by the region that made it, once)."""
    row = msgspec.structs.replace(_ops_item_row(e), home_region=to.stamp.region)
    if not await to.wins("ops_item", "id", row.id, creates=isinstance(e, ca.OpsItemCreated)):
        return
    values = [getattr(row, f) for f in _OPS_ITEM]
    home = await to.conn.fetchval(
        f"INSERT INTO ops_item ({', '.join(_OPS_ITEM)}) VALUES"
        f" ({', '.join(f'${i}' for i in range(1, len(values) + 1))})"
        " ON CONFLICT (id) DO UPDATE SET "
        + ", ".join(f"{f} = excluded.{f}" for f in _OPS_ITEM if f not in ("id", "home_region"))
        + " RETURNING home_region", *values)
    if home is None:
        await reschedule(to.conn, msgspec.structs.replace(row, home_region=None),
                         now=datetime.now(UTC))


async def _associated(to: Applying, e: ca.OpsItemRelatedItemAssociated) -> None:
    """Added, by either side, to an OpsItem held here (once it is, when another region's
    association arrives before the item)."""
    if not await to.holds("ops_item", "id", e.ops_item_id):
        return
    await to.conn.execute(
        "INSERT INTO ops_item_related_item (association_id, ops_item_id, association_type,"
        " resource_type, resource_uri, created_by, created_time)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        e.association_id, e.ops_item_id, e.association_type, e.resource_type,
        e.resource_uri, e.principal or to.stamp.region,
        e.created_time or datetime.fromtimestamp(to.stamp.hlc / 1_000_000, UTC))


_APPLY: dict[type[Any], Callable[[Applying, Any], Awaitable[None]]] = {
    ca.AnalysisCreated: _created,
    ca.AnalysisUpdated: _updated,
    ca.AnalysisCompleted: _changed,
    ca.RecommendationAccepted: _changed,
    ca.AnalysisDeleted: _deleted,
    ca.OpsItemCreated: _ops_item,
    ca.OpsItemUpdated: _ops_item,
    ca.OpsItemRelatedItemAssociated: _associated,
}


async def apply(replicated: Replicated) -> None:
    """Apply one analysis event of another region (``QuestionAnswered`` and the other
    recommendation events come with the ``AnalysisUpdated`` that carries their change;
    an overdue reminder is its region's)."""
    step = _APPLY.get(type(replicated.event.event))
    if step is not None:
        await step(replicated.to, replicated.event.event)


INBOX = Inbox(union=ca.AnalysisEvent, apply=apply)
"""The analysis service's inbox, for its kernel table."""


# --- the key times of the other regions' incidents ---------------------------------------


async def _incident_facts(replicated: Replicated) -> None:
    await incident_fact(replicated.to.conn, replicated.event.event)


async def _page_facts(replicated: Replicated) -> None:
    fact = page_fact(replicated.event.event)
    if fact is not None:
        await FactsStore.first(replicated.to.conn, *fact)


def facts_readers(bus: Bus, pool: asyncpg.Pool, *, region: str, schema: str,
                  rescan: float) -> list[Worker]:
    """Workers that read the other regions' incidents and contacts events from their
    mirrors into ``incident_facts`` (as this region's own are, :mod:`.facts`), so that an
    analysis shows its incident's key times and metrics in every region, and the response
    metrics count every region's incidents. The facts only ever move a first time earlier
    or take the record's latest state, so events of several regions, in any order, give
    the same row."""
    return [functools.partial(
        run_inbox, bus, pool, Inbox(union=union, apply=apply_fact), service=service,
        region=region, schema=schema, rescan=rescan, durable=f"{schema}-facts-{service}")
        for service, union, apply_fact in (
            ("incidents", ci.IncidentsEvent, _incident_facts),
            ("contacts", cc.ContactsEvent, _page_facts))]
