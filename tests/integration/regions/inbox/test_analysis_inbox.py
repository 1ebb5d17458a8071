"""The analysis service's inbox: an analysis (fields, answers, recommendations and
action items, checklist, timeline) written in one region is read in the other, concurrent
changes converge (the analysis by its last writer, timeline points added on both sides
kept), a deletion wins, and nothing is started by the region applying them."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.integration.regions.inbox.conftest import Region, partition, redelivery_changes_nothing
from tests.integration.regions.inbox.settling import settled
from tocsin.shared import errors
from tocsin.shared.testing import wait_for

TIMEOUT = 30.0


async def _resolved_incident(region: Region, seen_in: Region) -> str:
    await region.call("incidents", "CreateReplicationSet", {"regions": {region.name: {}}})
    plan = (await region.call("incidents", "CreateResponsePlan", {
        "name": "orders", "incidentTemplate": {"title": "Orders degraded", "impact": 2}}))["arn"]
    arn = str((await region.call("incidents", "StartIncident", {
        "responsePlanArn": plan, "triggerDetails": {
            "source": "aws.cloudwatch", "timestamp": 1_700_000_000}}))["incidentRecordArn"])
    await region.call("incidents", "UpdateIncidentRecord", {"arn": arn, "status": "RESOLVED"})

    async def resolved_there() -> bool:
        try:
            found = await seen_in.call("incidents", "GetIncidentRecord", {"arn": arn})
        except (errors.NotFoundError, errors.ValidationError):
            return False
        return bool(found["incidentRecord"]["status"] == "RESOLVED")
    await wait_for(resolved_there, timeout=TIMEOUT)
    return arn


async def _analysis(region: Region, arn: str) -> dict[str, Any] | None:
    try:
        found = await region.call("analysis", "GetAnalysis", {"analysisArn": arn})
    except errors.NotFoundError:
        return None
    analysis: dict[str, Any] = found["analysis"]
    return analysis


async def _timeline(region: Region, arn: str) -> list[dict[str, Any]]:
    try:
        found = await region.call("analysis", "ListAnalysisTimeline", {"analysisArn": arn})
    except errors.NotFoundError:
        return []
    return list(found["events"])


async def _same(a: Region, b: Region, arn: str) -> bool:
    """Both regions show the analysis and its timeline alike."""
    return await _analysis(a, arn) == await _analysis(b, arn) and \
        await _timeline(a, arn) == await _timeline(b, arn)


async def test_an_analysis_made_in_a_is_read_in_b(
        analysis_regions: tuple[Region, Region], database_url: str) -> None:
    """Created, answered, given an overview and a timeline point, a recommendation
    accepted as an action item, completed in A: all of it is read through B's API, the
    action item too; B publishes nothing and keeps the item's reminder only as a standby
    copy, which A's region fires."""
    a, b = analysis_regions
    incident = await _resolved_incident(a, seen_in=b)
    arn = (await a.call("analysis", "CreateAnalysis",
                        {"incidentRecordArn": incident}))["analysisArn"]
    await a.call("analysis", "AnswerQuestion", {
        "analysisArn": arn, "questionId": "ID2",
        "answer": {"text": "rate(http_errors_total[5m])"}, "comment": "4 minutes early"})
    await a.call("analysis", "UpdateAnalysis", {
        "analysisArn": arn, "overview": {"summary": "Orders failed for 20 minutes"},
        "mitigatedTime": 1_700_000_600})
    await a.call("analysis", "AddAnalysisTimelineEvent", {
        "analysisArn": arn, "eventTime": 1_700_000_300, "eventType": "Note",
        "eventData": "rolled back"})
    rid = (await _analysis(a, arn) or {})["recommendations"][0]["id"]
    item = (await a.call("analysis", "AcceptRecommendation", {
        "analysisArn": arn, "recommendationId": rid,
        "ownerContactArn": f"arn:tocsin:ssm-contacts:{a.name}:000000000000:contact/bo",
        "dueTime": 1_900_000_000}))["opsItemId"]
    await a.call("analysis", "CompleteAnalysis", {"analysisArn": arn,
                                                  "acknowledgeIncomplete": True})

    async def completed_in_b() -> bool:
        found = await _analysis(b, arn)
        return found is not None and found["status"] == "COMPLETED"
    await wait_for(completed_in_b, timeout=TIMEOUT)
    await settled(a, b, "analysis", database_url)
    assert await _same(a, b, arn)
    seen = await _analysis(b, arn)
    assert seen is not None
    assert seen["overview"][0]["text"] == "Orders failed for 20 minutes"
    assert seen["questions"][0]["questions"][1]["comment"] == "4 minutes early"
    assert [i["opsItemId"] for i in seen["actionItems"]] == [item]
    assert "Note" in [p["eventType"] for p in await _timeline(b, arn)]
    # The key times and metrics, from A's incident events and the analysis's own times.
    assert seen["keyTimes"]["detectedTime"] == 1_700_000_000
    assert seen["keyTimes"]["mitigatedTime"] == 1_700_000_600
    assert "resolvedTime" in seen["keyTimes"]
    metrics = [await r.call("analysis", "GetIncidentMetrics", {"incidentRecordArn": incident})
               for r in (a, b)]
    assert metrics[0] == metrics[1]
    listed = await b.call("analysis", "ListAnalyses", {"incidentRecordArn": incident})
    assert [s["analysisArn"] for s in listed["analysisSummaries"]] == [arn]

    ops = [await r.call("analysis", "GetOpsItem", {"OpsItemId": item}) for r in (a, b)]
    assert {k: (v, ops[1]["OpsItem"].get(k)) for k, v in ops[0]["OpsItem"].items()
            if v != ops[1]["OpsItem"].get(k)} == {}
    assert ops[1]["OpsItem"]["PlannedEndTime"] == 1_900_000_000
    related = [await r.call("analysis", "ListOpsItemRelatedItems", {"OpsItemId": item})
               for r in (a, b)]
    assert related[0] == related[1] and len(related[1]["Summaries"]) == 2

    conn = await asyncpg.connect(database_url)
    try:
        schema = f'"{b.name}_analysis"'
        standby = await conn.fetch(
            f"SELECT t.ops_item_id, t.state, r.fires_here FROM {schema}.reminder_timer t"
            f" JOIN {schema}.reminder_runner r USING (ops_item_id)")
        assert [tuple(r) for r in standby] == [(item, "pending", False)]
        assert await conn.fetchval(f"SELECT count(*) FROM {schema}.outbox") == 0
    finally:
        await conn.close()
    info = await b.bus.js.stream_info(b.stream, subjects_filter=f"events.{b.name}.analysis.>")
    assert not info.state.subjects


async def test_changes_made_apart_converge(analysis_regions: tuple[Region, Region],
        database_url: str) -> None:
    """Both regions rename one analysis, answer one of its questions each and add a
    timeline point to it while cut off: afterwards both show the same name (the later
    write's), both answers and both points."""
    a, b = analysis_regions
    incident = await _resolved_incident(a, seen_in=b)
    arn = (await a.call("analysis", "CreateAnalysis",
                        {"incidentRecordArn": incident}))["analysisArn"]
    await wait_for(lambda: _analysis(b, arn), timeout=TIMEOUT)
    async with partition(a, b):
        for region in (a, b):
            await region.call("analysis", "UpdateAnalysis",
                              {"analysisArn": arn, "name": f"by {region.name}"})
            await region.call("analysis", "AddAnalysisTimelineEvent", {
                "analysisArn": arn, "eventTime": 1_700_000_300, "eventType": "Note",
                "eventData": f"from {region.name}"})
        await a.call("analysis", "AnswerQuestion", {
            "analysisArn": arn, "questionId": "ID2", "answer": {"text": "rate(x[5m])"}})
        await b.call("analysis", "AnswerQuestion", {
            "analysisArn": arn, "questionId": "ID4", "answer": {"flag": False}})
    await settled(a, b, "analysis", database_url)
    assert await _same(a, b, arn)
    view = await _analysis(a, arn)
    assert view is not None and view["name"] in (f"by {a.name}", f"by {b.name}")
    answers = {q["questionId"]: q.get("answer") for q in view["questions"][0]["questions"]}
    assert (answers["ID2"], answers["ID4"]) == ({"text": "rate(x[5m])"}, {"flag": False})
    notes = sorted(p["eventData"] for p in await _timeline(a, arn) if p["eventType"] == "Note")
    assert notes == sorted(f"from {r.name}" for r in (a, b))


async def test_a_deletion_wins_over_a_concurrent_change(
        analysis_regions: tuple[Region, Region],
        database_url: str) -> None:
    """A timeline point deleted in A while B edits it, then the analysis deleted in A
    while B answers one of its questions: both stay deleted in both regions."""
    a, b = analysis_regions
    incident = await _resolved_incident(a, seen_in=b)
    arn = (await a.call("analysis", "CreateAnalysis",
                        {"incidentRecordArn": incident}))["analysisArn"]
    point = (await a.call("analysis", "AddAnalysisTimelineEvent", {
        "analysisArn": arn, "eventTime": 1_700_000_300, "eventType": "Note",
        "eventData": "first"}))["pointId"]

    async def point_in_b() -> bool:
        return point in [p["pointId"] for p in await _timeline(b, arn)]
    await wait_for(point_in_b, timeout=TIMEOUT)
    async with partition(a, b):
        await a.call("analysis", "DeleteAnalysisTimelineEvent",
                     {"analysisArn": arn, "pointId": point})
        await b.call("analysis", "UpdateAnalysisTimelineEvent",
                     {"analysisArn": arn, "pointId": point, "eventData": "changed"})
    await settled(a, b, "analysis", database_url)
    for region in (a, b):
        assert point not in [p["pointId"] for p in await _timeline(region, arn)]
    assert await _same(a, b, arn)

    async with partition(a, b):
        await a.call("analysis", "DeleteAnalysis", {"analysisArn": arn})
        await b.call("analysis", "AnswerQuestion", {
            "analysisArn": arn, "questionId": "ID2", "answer": {"text": "too late"}})
    await settled(a, b, "analysis", database_url)
    for region in (a, b):
        assert await _analysis(region, arn) is None
        listed = await region.call("analysis", "ListAnalyses",
                                   {"incidentRecordArn": incident})
        assert listed["analysisSummaries"] == []


async def _digest(conn: asyncpg.Connection, region: str) -> list[Any]:
    schema = f'"{region}_analysis"'
    return [[tuple(r) for r in await conn.fetch(f"SELECT * FROM {schema}.{table} ORDER BY 1, 2")]
            for table in ("analysis", "analysis_timeline", "ops_item",
                          "ops_item_related_item", "replica_tombstone")]


async def test_redelivered_events_change_nothing(analysis_regions: tuple[Region, Region],
                                                 database_url: str) -> None:
    """Every analysis event of A read again by B's inbox (its durable made anew reads the
    mirror from the start) leaves B's store as it was."""
    a, b = analysis_regions
    incident = await _resolved_incident(a, seen_in=b)
    arn = (await a.call("analysis", "CreateAnalysis",
                        {"incidentRecordArn": incident}))["analysisArn"]
    await a.call("analysis", "AnswerQuestion", {
        "analysisArn": arn, "questionId": "ID2", "answer": {"text": "rate(x[5m])"}})
    rid = (await _analysis(a, arn) or {})["recommendations"][0]["id"]
    await a.call("analysis", "AcceptRecommendation", {"analysisArn": arn,
                                                      "recommendationId": rid})
    point = (await a.call("analysis", "AddAnalysisTimelineEvent", {
        "analysisArn": arn, "eventTime": 1_700_000_300, "eventType": "Note",
        "eventData": "x"}))["pointId"]
    await a.call("analysis", "DeleteAnalysisTimelineEvent",
                 {"analysisArn": arn, "pointId": point})

    async def last_change_in_b() -> bool:
        view = await _analysis(b, arn)
        return view is not None and bool(view["actionItems"]) \
            and point not in [p["pointId"] for p in await _timeline(b, arn)] \
            and await _same(a, b, arn)
    await wait_for(last_change_in_b, timeout=TIMEOUT)
    await settled(a, b, "analysis", database_url)
    conn = await asyncpg.connect(database_url)
    try:
        await redelivery_changes_nothing(b, a, "analysis",
                                         lambda: _digest(conn, b.name))
    finally:
        await conn.close()
