"""The incidents service's inbox: what one region writes is read in the other, applied
once, and concurrent writes converge (last writer by clock and region, deletions winning,
timelines additive), with nothing re-published or started by the applying region."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.integration.regions.inbox.conftest import (
    Region,
    all_applied,
    partition,
    redelivery_changes_nothing,
)
from tocsin.shared import errors
from tocsin.shared.testing import wait_for

TIMEOUT = 30.0


async def _plan_and_incident(region: Region, plan: str = "db-down", *,
                             seen_in: Region | None = None) -> tuple[str, str]:
    """A replication set, a plan and an incident started in ``region``; the set is read in
    ``seen_in`` first (its region keeper applies it, apart from the inbox)."""
    await region.call("incidents", "CreateReplicationSet", {"regions": {region.name: {}}})
    if seen_in is not None:
        async def seen() -> bool:
            listed = await seen_in.call("incidents", "ListReplicationSets")
            return bool(listed["replicationSetArns"])
        await wait_for(seen, timeout=TIMEOUT)
    plan_arn = (await region.call("incidents", "CreateResponsePlan", {
        "name": plan, "displayName": "Database down",
        "incidentTemplate": {"title": "Database down", "impact": 2}}))["arn"]
    incident = (await region.call("incidents", "StartIncident", {
        "responsePlanArn": plan_arn, "title": "Primary database unreachable",
        "relatedItems": [{"identifier": {"type": "OTHER", "value": {"url": "https://x/1"}},
                          "title": "dashboard"}]}))["incidentRecordArn"]
    return str(plan_arn), str(incident)


async def _read(region: Region, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The answer, or None while the resource (or the replication set) is not there."""
    try:
        return await region.call("incidents", operation, params)
    except (errors.NotFoundError, errors.ValidationError):
        return None


async def _titles(region: Region, incident: str) -> list[str]:
    """The data of the incident's custom timeline events, in time order."""
    found = []
    for summary in await _timeline(region, incident):
        if summary["eventType"] in ("Custom Event", "Note"):
            event = await region.call("incidents", "GetTimelineEvent", {
                "incidentRecordArn": incident, "eventId": summary["eventId"]})
            found.append(event["event"]["eventData"])
    return found


async def _timeline(region: Region, incident: str) -> list[dict[str, Any]]:
    found = await region.call("incidents", "ListTimelineEvents",
                              {"incidentRecordArn": incident, "sortOrder": "ASCENDING"})
    return list(found["eventSummaries"])


async def _stream_count(region: Region, subject: str) -> int:
    info = await region.bus.js.stream_info(region.stream, subjects_filter=subject)
    return sum((info.state.subjects or {}).values())


async def test_what_b_writes_is_read_in_a_and_not_published_again(
        regions: tuple[Region, Region], database_url: str) -> None:
    """A plan and an incident with its timeline and related items, started in B, are read
    through A's own API; A's stream gets no incidents event from applying them, and A's
    outbox is empty (applying emits nothing)."""
    a, b = regions
    plan_arn, incident = await _plan_and_incident(b, seen_in=a)
    await b.call("incidents", "CreateTimelineEvent", {
        "incidentRecordArn": incident, "eventTime": 1767261600, "eventType": "Custom Event",
        "eventData": "\"restarted the primary\""})

    record = await wait_for(lambda: _read(a, "GetIncidentRecord", {"arn": incident}),
                            timeout=TIMEOUT)
    assert record["incidentRecord"]["title"] == "Primary database unreachable"
    plan = await _read(a, "GetResponsePlan", {"arn": plan_arn})
    assert plan is not None and plan["displayName"] == "Database down"
    listed = await a.call("incidents", "ListIncidentRecords")
    assert [r["arn"] for r in listed["incidentRecordSummaries"]] == [incident]
    await wait_for(lambda: _titles(a, incident), timeout=TIMEOUT)
    assert await _titles(a, incident) == ["\"restarted the primary\""]
    assert [e["eventType"] for e in await _timeline(a, incident)] == [
        e["eventType"] for e in await _timeline(b, incident)]
    items = await a.call("incidents", "ListRelatedItems", {"incidentRecordArn": incident})
    assert [i["title"] for i in items["relatedItems"]] == ["dashboard"]
    rs = await a.call("incidents", "ListReplicationSets")
    assert rs["replicationSetArns"] == (await b.call(
        "incidents", "ListReplicationSets"))["replicationSetArns"]

    # Applied in one transaction with any event it would emit: none was written.
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval(f'SELECT count(*) FROM "{a.name}_incidents".outbox') == 0
    finally:
        await conn.close()
    assert await _stream_count(a, f"events.{a.name}.incidents.>") == 0


async def test_redelivered_events_change_nothing(regions: tuple[Region, Region],
                                                 database_url: str) -> None:
    """Every event of B delivered to A's inbox again (its durable made anew reads the
    mirror from the start) leaves A's store as it was."""
    a, b = regions
    _, incident = await _plan_and_incident(b, seen_in=a)
    await b.call("incidents", "UpdateIncidentRecord", {"arn": incident, "impact": 1})
    await wait_for(lambda: _impact(a, incident, 1), timeout=TIMEOUT)
    conn = await asyncpg.connect(database_url)
    try:
        await redelivery_changes_nothing(a, b, "incidents",
                                         lambda: _digest(conn, a.name))
    finally:
        await conn.close()


async def _impact(region: Region, incident: str, impact: int) -> bool:
    found = await _read(region, "GetIncidentRecord", {"arn": incident})
    return found is not None and found["incidentRecord"]["impact"] == impact


async def _digest(conn: asyncpg.Connection, region: str) -> list[Any]:
    """What A's store holds of the incidents (everything an API read returns)."""
    schema = f'"{region}_incidents"'
    return [
        [tuple(r) for r in await conn.fetch(
            f"SELECT arn, doc::text, version, hlc, origin FROM {schema}.incident_record"
            " ORDER BY arn")],
        [tuple(r) for r in await conn.fetch(
            f"SELECT event_id, event_type, event_data, hlc FROM {schema}.timeline_event"
            " ORDER BY event_id")],
        [tuple(r) for r in await conn.fetch(
            f"SELECT generated_id, item::text FROM {schema}.related_item ORDER BY 1")],
        [tuple(r) for r in await conn.fetch(
            f"SELECT name, doc::text, version FROM {schema}.response_plan ORDER BY name")]]



async def test_concurrent_updates_converge_on_the_last_writer(
        regions: tuple[Region, Region]) -> None:
    """Both regions change one incident while cut off from each other; once they hear
    from each other again both hold the change of the greater (clock, region) stamp."""
    a, b = regions
    _, incident = await _plan_and_incident(b, seen_in=a)
    await wait_for(lambda: _read(a, "GetIncidentRecord", {"arn": incident}), timeout=TIMEOUT)
    async with partition(a, b):
        await b.call("incidents", "UpdateIncidentRecord", {"arn": incident, "title": "by B"})
        await a.call("incidents", "UpdateIncidentRecord", {"arn": incident, "title": "by A"})
    stamps = {await r.last_stamp(f"events.{r.name}.incidents.IncidentRecordUpdated"):
              title for r, title in ((a, "by A"), (b, "by B"))}
    winner = stamps[max(stamps)]

    async def converged() -> bool:
        titles = [(await r.call("incidents", "GetIncidentRecord", {"arn": incident}))
                  ["incidentRecord"]["title"] for r in (a, b)]
        # Both updates' automatic timeline events are kept on both sides.
        updates = [len([e for e in await _timeline(r, incident)
                        if e["eventType"] == "SSM Incident Record Update"]) for r in (a, b)]
        return titles == [winner, winner] and updates == [2, 2]
    await wait_for(converged, timeout=TIMEOUT)
    await all_applied(a, b, "incidents")
    assert await converged()


async def test_a_resolution_and_a_new_title_made_apart_are_both_kept(
        regions: tuple[Region, Region]) -> None:
    """A resolves an incident while B, cut off, retitles it: the record converges
    attribute by attribute, RESOLVED with B's title in both regions."""
    a, b = regions
    _, incident = await _plan_and_incident(b, seen_in=a)
    await wait_for(lambda: _read(a, "GetIncidentRecord", {"arn": incident}), timeout=TIMEOUT)
    async with partition(a, b):
        await a.call("incidents", "UpdateIncidentRecord",
                     {"arn": incident, "status": "RESOLVED"})
        await b.call("incidents", "UpdateIncidentRecord", {"arn": incident, "title": "by B"})
    await all_applied(a, b, "incidents")
    records = [(await r.call("incidents", "GetIncidentRecord", {"arn": incident}))
               ["incidentRecord"] for r in (a, b)]
    assert records[0] == records[1]
    assert records[0]["status"] == "RESOLVED" and records[0]["title"] == "by B"
    assert "resolvedTime" in records[0]
    listed = await a.call("incidents", "ListIncidentRecords", {"filters": [
        {"key": "status", "condition": {"equals": {"stringValues": ["RESOLVED"]}}}]})
    assert [r["arn"] for r in listed["incidentRecordSummaries"]] == [incident]


async def test_a_change_of_related_items_is_no_write_of_the_record(
        regions: tuple[Region, Region]) -> None:
    """B retitles an incident while A, cut off, only adds a related item to it (which
    counts a version on the record, not a change of it): both keep B's title and the
    item."""
    a, b = regions
    _, incident = await _plan_and_incident(b, seen_in=a)
    await wait_for(lambda: _read(a, "GetIncidentRecord", {"arn": incident}), timeout=TIMEOUT)
    async with partition(a, b):
        await b.call("incidents", "UpdateIncidentRecord", {"arn": incident, "title": "by B"})
        await a.call("incidents", "UpdateRelatedItems", {
            "incidentRecordArn": incident, "relatedItemsUpdate": {"itemToAdd": {
                "identifier": {"type": "OTHER", "value": {"url": "https://a"}},
                "title": "from A"}}})
    await all_applied(a, b, "incidents")
    for region in (a, b):
        record = await region.call("incidents", "GetIncidentRecord", {"arn": incident})
        assert record["incidentRecord"]["title"] == "by B"
        items = await region.call("incidents", "ListRelatedItems",
                                  {"incidentRecordArn": incident})
        assert sorted(i["title"] for i in items["relatedItems"]) == ["dashboard", "from A"]


async def test_a_deletion_wins_over_a_concurrent_update(
        regions: tuple[Region, Region]) -> None:
    """A timeline event deleted in A while B (later, without knowing) changes it, and an
    incident deleted in B while A changes it: both stay deleted in both regions."""
    a, b = regions
    _, incident = await _plan_and_incident(b, seen_in=a)
    note = (await b.call("incidents", "CreateTimelineEvent", {
        "incidentRecordArn": incident, "eventTime": 1767261600, "eventType": "Note",
        "eventData": "\"first\""}))["eventId"]
    second = (await b.call("incidents", "StartIncident", {
        "responsePlanArn": (await b.call("incidents", "ListResponsePlans"))
        ["responsePlanSummaries"][0]["arn"], "title": "second",
        "clientToken": "second"}))["incidentRecordArn"]
    await wait_for(lambda: _read(a, "GetTimelineEvent",
                                 {"incidentRecordArn": incident, "eventId": note}),
                   timeout=TIMEOUT)
    await wait_for(lambda: _read(a, "GetIncidentRecord", {"arn": second}), timeout=TIMEOUT)
    async with partition(a, b):
        await a.call("incidents", "DeleteTimelineEvent",
                     {"incidentRecordArn": incident, "eventId": note})
        await b.call("incidents", "UpdateTimelineEvent", {
            "incidentRecordArn": incident, "eventId": note, "eventData": "\"changed\""})
        await b.call("incidents", "DeleteIncidentRecord", {"arn": second})
        await a.call("incidents", "UpdateIncidentRecord", {"arn": second, "impact": 1})

    async def gone() -> bool:
        for region in (a, b):
            if await _read(region, "GetTimelineEvent",
                           {"incidentRecordArn": incident, "eventId": note}) is not None:
                return False
            if await _read(region, "GetIncidentRecord", {"arn": second}) is not None:
                return False
        return True
    await wait_for(gone, timeout=TIMEOUT)
    # ...and stays so once every event of both sides has been applied.
    await all_applied(a, b, "incidents")
    assert await gone()


async def test_timeline_events_of_both_sides_are_kept(regions: tuple[Region, Region]) -> None:
    """Notes added to one incident in both regions while cut off are all on its timeline
    in both regions afterwards, and a related item added in each is in both."""
    a, b = regions
    _, incident = await _plan_and_incident(b, seen_in=a)
    await wait_for(lambda: _read(a, "GetIncidentRecord", {"arn": incident}), timeout=TIMEOUT)
    async with partition(a, b):
        for region in (a, b):
            for n in range(2):
                await region.call("incidents", "CreateTimelineEvent", {
                    "incidentRecordArn": incident, "eventTime": 1767261600 + n,
                    "eventType": "Note", "eventData": f"\"{region.name} {n}\""})
            await region.call("incidents", "UpdateRelatedItems", {
                "incidentRecordArn": incident, "relatedItemsUpdate": {"itemToAdd": {
                    "identifier": {"type": "OTHER", "value": {"url": f"https://{region.name}"}},
                    "title": region.name}}})
    expected = sorted(f"\"{r.name} {n}\"" for r in (a, b) for n in range(2))

    async def merged() -> bool:
        for region in (a, b):
            if sorted(await _titles(region, incident)) != expected:
                return False
            items = await region.call("incidents", "ListRelatedItems",
                                      {"incidentRecordArn": incident})
            if len(items["relatedItems"]) != 3:
                return False
        return True
    await wait_for(merged, timeout=TIMEOUT)
