"""The analysis service's inbox: the other regions' analysis events applied to this
region's store (:mod:`tocsin.shared.replication.inbox`), so that their post-incident
analyses (fields, questions and answers, recommendations, checklist, timeline) and their
action items (OpsItems, with their related items) are read here too.

An analysis converges member by member (its attributes, and each answer, recommendation
decision, overview field and checklist item: two regions answering different questions
keep both answers), each by its last writer's stamp; an OpsItem follows its last writer
whole, a timeline point on its own (points added in both regions are all kept); a
deletion wins over a change that did not see it; related items of an OpsItem are added by
either side. Two analyses of one incident, made in two regions apart, become one: the one
created first, holding what either recorded (:func:`_analysis`). Applying starts nothing
here: an action item's reminder is kept here as a standby copy, which fires only in the
region that reminds its owner (its own, or the one that took that one over,
:mod:`tocsin.analysis.reminders`), and another region's reminder counts this region's copy
as sent; no related item on the incident (its region added it, and the incidents inbox
brings it).
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
from tocsin.analysis.reminders import reminded, reschedule
from tocsin.analysis.store import AnalysisRow, TimelinePoint, state_of
from tocsin.shared.bus import Bus
from tocsin.shared.contracts import analysis as ca
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import incidents as ci
from tocsin.shared.logging import get_logger
from tocsin.shared.replication import Inbox, Replicated, run_inbox
from tocsin.shared.replication.stamps import Applying, Stamp, applying
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


_Held = tuple[AnalysisRow, dict[str, Stamp], str | None]
"""An analysis held here: its row, its members' stamps, the analysis it was merged into."""


async def _held(to: Applying, arn: str) -> _Held | None:
    """The analysis held here, locked (merged into none: None as the third)."""
    found = await to.conn.fetchrow(
        f"SELECT {', '.join(_ANALYSIS)}, field_hlc, merged_into FROM analysis"
        " WHERE arn = $1 FOR UPDATE", arn)
    if found is None:
        return None
    return (AnalysisRow(**{f: found[f] for f in _ANALYSIS}),
            _stamps(dict(found["field_hlc"]), to.home), found["merged_into"])


async def _write(to: Applying, row: AnalysisRow, stamps: JSON, merged_into: str | None
                 ) -> None:
    values = [*(getattr(row, f) for f in _ANALYSIS), stamps, merged_into]
    columns = (*_ANALYSIS, "field_hlc", "merged_into")
    await to.conn.execute(
        f"INSERT INTO analysis ({', '.join(columns)}) VALUES"
        f" ({', '.join(f'${i}' for i in range(1, len(values) + 1))})"
        " ON CONFLICT (arn) DO UPDATE SET "
        + ", ".join(f"{f} = excluded.{f}" for f in columns if f != "arn"), *values)


def _first(one: AnalysisRow, other: AnalysisRow) -> AnalysisRow:
    """Of two analyses of one incident, the one kept: created first (then by ARN), in
    every region alike."""
    return min(one, other, key=lambda r: (r.created_at, r.arn))


def _joined(row: AnalysisRow, stamps: dict[str, Stamp], other: AnalysisRow,
            other_stamps: dict[str, Stamp], home: str) -> tuple[AnalysisRow, JSON]:
    """``row`` with what ``other`` changed later, member by member (:func:`_merge`)."""
    return _merge(row, stamps, state_of(
        other, {m: [s.hlc, s.region] for m, s in other_stamps.items()}, region=home))


async def _analysis(to: Applying, state: ca.AnalysisState | None, *, creates: bool) -> None:
    """The analysis as the event has it: whole when this region has none (and it was not
    deleted), else merged member by member with this region's (:func:`_merge`).

    Two analyses of one incident (made in two regions cut off from each other) become one
    in every region: the one created first is kept, and what the other holds (answers,
    overview, decisions with their action items, checklist, key times, its timeline) is
    merged into it member by member, by the same stamps everywhere; the other stays,
    marked ``merged_into`` it, and what arrives for it later is merged into it too."""
    if state is None:  # published before events carried the analysis
        return
    held = await _held(to, state.arn)
    if held is None:
        if not (await to.recreating("analysis", state.arn) if creates
                else not await to.deleted("analysis", state.arn)):
            return
        row = AnalysisRow(**{f: getattr(state, f) for f in _ANALYSIS})
        stamps: JSON = {m: [hlc, origin] for m, (hlc, origin) in state.field_stamps.items()}
        merged_into = None
    else:
        mine, my_stamps, merged_into = held
        row, stamps = _merge(mine, my_stamps, state)
    absorbed: str | None = None
    if merged_into is None:
        rival = await _rival(to, row)
        if rival is not None and _first(row, rival[0]) is rival[0]:
            merged_into = rival[0].arn
        elif rival is not None:  # this one is kept: the other is merged into it
            other, other_stamps = rival
            await _write(to, other, {m: [s.hlc, s.region] for m, s in other_stamps.items()},
                         row.arn)
            row, stamps = _joined(row, _stamps(stamps, to.home), other, other_stamps,
                                  to.home)
            absorbed = other.id
            log.info("inbox.analysis_merged", analysis_arn=other.arn, into=row.arn)
    await _write(to, row, stamps, merged_into)
    if absorbed is not None:
        await _move_points(to, absorbed, row.id)
    kept = row
    if merged_into is not None:
        survivor = await _held(to, merged_into)
        if survivor is not None:
            kept, kept_stamps = _merge(survivor[0], survivor[1], state)
            await _write(to, kept, kept_stamps, None)
            if held is None:
                log.info("inbox.analysis_merged", analysis_arn=row.arn, into=kept.arn)
    # The key times the analysis records, as UpdateAnalysis keeps them for the metrics.
    await FactsStore.edited(to.conn, kept.incident_arn, impact_started=kept.impact_started,
                            detected=kept.detected, mitigated=kept.mitigated)


async def _rival(to: Applying, row: AnalysisRow
                 ) -> tuple[AnalysisRow, dict[str, Stamp]] | None:
    """Another analysis of ``row``'s incident held here and merged into none, locked."""
    arn = await to.conn.fetchval(
        "SELECT arn FROM analysis WHERE incident_arn = $1 AND merged_into IS NULL"
        " AND arn <> $2", row.incident_arn, row.arn)
    held = await _held(to, arn) if arn is not None else None
    return (held[0], held[1]) if held is not None else None


async def _move_points(to: Applying, from_id: str, to_id: str) -> None:
    """The timeline points of analysis ``from_id`` (merged into ``to_id``), moved to it
    with the stamps they have (a point both hold stays with ``to_id``'s: the later write
    of it wins when its event is applied there)."""
    rows = await to.conn.fetch(
        "SELECT point_id, hlc, origin FROM analysis_timeline f WHERE analysis_id = $1"
        " AND NOT EXISTS (SELECT 1 FROM analysis_timeline t"
        "                 WHERE t.analysis_id = $2 AND t.point_id = f.point_id)",
        from_id, to_id)
    for point in rows:
        # The stamp trigger keeps the stamp of the write being applied: the point's own.
        await applying(to.conn, Stamp(point["hlc"] or 0, point["origin"] or to.home),
                       home=to.home)
        await to.conn.execute(
            "UPDATE analysis_timeline SET analysis_id = $2"
            " WHERE analysis_id = $1 AND point_id = $3", from_id, to_id, point["point_id"])
    await applying(to.conn, to.stamp, home=to.home)


async def _points(to: Applying, analysis_arn: str, points: list[ca.AnalysisTimelinePoint],
                  *, creates: bool) -> None:
    """Timeline points of an analysis held here, each unless this region holds a later
    write of it, or (an edit, not ``creates``) its deletion."""
    analysis_id = await to.conn.fetchval(
        "SELECT coalesce(s.id, a.id) FROM analysis a"
        " LEFT JOIN analysis s ON s.arn = a.merged_into WHERE a.arn = $1", analysis_arn)
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
    """The OpsItem as the event has it, unless this region holds a later write of it; its
    reminder rescheduled here as it is there (firing only in the region that reminds its
    owner, once)."""
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
    await reschedule(to.conn, msgspec.structs.replace(row, home_region=home), here=to.home,
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
    recommendation events come with the ``AnalysisUpdated`` that carries their change)."""
    event = replicated.event.event
    if isinstance(event, ca.ActionItemOverdue):  # sent there: this region's copy settled
        await reminded(replicated.to.conn, event.ops_item_id, event.reminder,
                       due=event.due_time, at=replicated.event.time)
        return
    step = _APPLY.get(type(event))
    if step is not None:
        await step(replicated.to, event)


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
