"""Analyses over NATS: created from a resolved incident only, once; questions answered into
recommendations, accepted as OpsItems or dismissed and restored; the analysis's own
timeline; the checklist and completion; the Markdown export; metrics with their reasons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tocsin.analysis.settings import Settings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

PRINCIPAL = "arn:tocsin:iam::000000000000:user/bo"


async def call(bus: Bus, service: str, operation: str, params: dict[str, Any] | None = None,
               ) -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.{service}.{operation}", params or {},
                              headers={"Tocsin-Principal": PRINCIPAL})
    return codec.decode(reply, dict[str, Any]) if reply else {}


async def incident(bus: Bus, region: str, *, resolve: bool = True,
                   trigger_time: float | None = 1_700_000_000) -> str:
    """A response plan and an incident of it (triggered at ``trigger_time``), resolved."""
    await call(bus, "incidents", "CreateReplicationSet", {"regions": {region: {}}})
    plan = (await call(bus, "incidents", "CreateResponsePlan", {
        "name": "orders", "incidentTemplate": {"title": "Orders degraded", "impact": 2}}))["arn"]
    params: dict[str, Any] = {"responsePlanArn": plan}
    if trigger_time is not None:
        params["triggerDetails"] = {"source": "aws.cloudwatch", "timestamp": trigger_time}
    arn = str((await call(bus, "incidents", "StartIncident", params))["incidentRecordArn"])
    if resolve:
        await call(bus, "incidents", "UpdateIncidentRecord", {"arn": arn, "status": "RESOLVED"})
    return arn


async def related_items(bus: Bus, incident_arn: str, kind: str) -> list[dict[str, Any]]:
    items = (await call(bus, "incidents", "ListRelatedItems",
                        {"incidentRecordArn": incident_arn}))["relatedItems"]
    return [i for i in items if i["identifier"]["type"] == kind]


async def analysis_of(bus: Bus, incident_arn: str, **params: Any) -> str:
    return str((await call(bus, "analysis", "CreateAnalysis", {
        "incidentRecordArn": incident_arn, **params}))["analysisArn"])


async def get(bus: Bus, arn: str) -> dict[str, Any]:
    return dict((await call(bus, "analysis", "GetAnalysis", {"analysisArn": arn}))["analysis"])


class TestCreation:
    async def test_an_open_incident_is_refused(self, analysis: Settings, bus: Bus) -> None:
        arn = await incident(bus, analysis.region, resolve=False)
        with pytest.raises(errors.ValidationError, match="is OPEN"):
            await analysis_of(bus, arn)

    async def test_one_analysis_per_incident(self, analysis: Settings, bus: Bus) -> None:
        arn = await incident(bus, analysis.region)
        first = await analysis_of(bus, arn, clientToken="a")
        assert first.startswith("arn:tocsin:ssm-incidents::000000000000:analysis/orders/")
        assert await analysis_of(bus, arn, clientToken="a") == first  # a retry
        with pytest.raises(errors.ConflictError) as raised:
            await analysis_of(bus, arn, clientToken="b")
        assert first in raised.value.message
        with pytest.raises(errors.ConflictError):
            await analysis_of(bus, arn)

    async def test_prefilled_and_related_to_the_incident(self, analysis: Settings,
                                                         bus: Bus) -> None:
        """The timeline is copied (each point naming its incident event), the metrics are
        computed, every template question is there, and the incident gains an ANALYSIS
        related item."""
        arn = await incident(bus, analysis.region)
        # The parent OpsItem's related item is on the incident's timeline too.
        await wait_for(lambda: related_items(bus, arn, "PARENT"))
        incident_events = (await call(bus, "incidents", "ListTimelineEvents", {
            "incidentRecordArn": arn, "sortOrder": "ASCENDING"}))["eventSummaries"]
        a = await analysis_of(bus, arn)
        points = (await call(bus, "analysis", "ListAnalysisTimeline",
                             {"analysisArn": a}))["events"]
        assert [p["sourceEventId"] for p in points] == [e["eventId"] for e in incident_events]
        assert points[0]["eventType"] == "SSM Incident Trigger"
        assert json.loads(points[0]["eventData"])["incidentSource"] == "aws.cloudwatch"
        view = await get(bus, a)
        assert [s["sectionId"] for s in view["questions"]] == [
            "detection", "diagnosis", "mitigation", "prevention"]
        assert view["templateName"] == "AWSIncidents-PostIncidentAnalysisTemplate"
        assert view["templateOwner"] == "Amazon"
        metrics = {m["name"]: m for m in view["metrics"]}
        assert view["keyTimes"]["detectedTime"] == 1_700_000_000
        resolve = metrics["timeToResolve"]
        assert resolve["status"] == "SUCCESS" and resolve["start"] == "declared"
        assert resolve["seconds"] == pytest.approx(
            view["keyTimes"]["resolvedTime"] - view["keyTimes"]["declaredTime"], abs=1e-5)
        found = await wait_for(lambda: related_items(bus, arn, "ANALYSIS"))
        assert found[0]["identifier"]["value"] == {"arn": a}

    async def test_listed_by_status_and_incident(self, analysis: Settings, bus: Bus) -> None:
        arn = await incident(bus, analysis.region)
        a = await analysis_of(bus, arn)
        page = await call(bus, "analysis", "ListAnalyses", {"incidentRecordArn": arn})
        assert [s["analysisArn"] for s in page["analysisSummaries"]] == [a]
        assert (await call(bus, "analysis", "ListAnalyses", {"status": "COMPLETED"})
                )["analysisSummaries"] == []


class TestDeletion:
    async def test_deleted_with_its_related_item_and_made_again(self, analysis: Settings,
                                                                bus: Bus) -> None:
        arn = await incident(bus, analysis.region)
        a = await analysis_of(bus, arn)
        await wait_for(lambda: related_items(bus, arn, "ANALYSIS"))
        await call(bus, "analysis", "DeleteAnalysis", {"analysisArn": a})
        with pytest.raises(errors.NotFoundError):
            await get(bus, a)
        await wait_for(lambda: _none(related_items(bus, arn, "ANALYSIS")))
        again = await analysis_of(bus, arn)
        assert again != a
        await call(bus, "analysis", "DeleteAnalysis", {"analysisArn": a})  # gone already


async def _none(items: Any) -> bool:
    return not await items


class TestMetrics:
    async def test_a_missing_timestamp_is_null_with_a_reason(self, analysis: Settings,
                                                             bus: Bus) -> None:
        """Nobody was paged and no impact start is recorded: those measures are null with
        why, never 0; recording the impact start makes time to detect measurable."""
        arn = await incident(bus, analysis.region, trigger_time=1_700_000_000)
        out = await call(bus, "analysis", "GetIncidentMetrics", {"incidentRecordArn": arn})
        metrics = {m["name"]: m for m in out["metrics"]}
        assert metrics["timeToDetect"].get("seconds") is None
        assert metrics["timeToDetect"]["status"] == "TIMESTAMPS_MISSING"
        assert "impact start" in metrics["timeToDetect"]["reason"]
        assert metrics["timeToEngage"].get("seconds") is None
        assert "nobody was paged" in metrics["timeToEngage"]["reason"]
        assert metrics["timeToAcknowledge"].get("seconds") is None
        a = await analysis_of(bus, arn)
        await call(bus, "analysis", "UpdateAnalysis", {"analysisArn": a,
                                                       "impactStartTime": 1_699_999_700})
        metrics = {m["name"]: m for m in (await get(bus, a))["metrics"]}
        assert metrics["timeToDetect"]["seconds"] == 300
        await call(bus, "analysis", "UpdateAnalysis", {"analysisArn": a,
                                                       "impactStartTime": 1_700_000_100})
        metrics = {m["name"]: m for m in (await get(bus, a))["metrics"]}
        assert metrics["timeToDetect"]["status"] == "INVALID_TIMESTAMPS"
        assert metrics["timeToDetect"].get("seconds") is None


class TestQuestions:
    async def test_answers_recommend_and_accepted_becomes_an_ops_item(
            self, analysis: Settings, bus: Bus) -> None:
        arn = await incident(bus, analysis.region)
        a = await analysis_of(bus, arn)
        assert (await get(bus, a))["recommendations"] == []
        with pytest.raises(errors.ValidationError, match="a flag"):
            await call(bus, "analysis", "AnswerQuestion", {
                "analysisArn": a, "questionId": "ID4", "answer": {"text": "yes"}})
        await call(bus, "analysis", "AnswerQuestion", {
            "analysisArn": a, "questionId": "ID2",
            "answer": {"text": "rate(http_errors_total[5m])"},
            "comment": "errors rose 4 minutes before the alarm"})
        await call(bus, "analysis", "AnswerQuestion", {
            "analysisArn": a, "questionId": "ID4", "answer": {"flag": False}})
        view = await get(bus, a)
        assert [r["title"] for r in view["recommendations"]] == ["Add detection metric"]
        detection = view["questions"][0]["questions"]
        assert detection[1]["answer"] == {"text": "rate(http_errors_total[5m])"}
        assert detection[1]["comment"] == "errors rose 4 minutes before the alarm"
        rid = view["recommendations"][0]["id"]
        owner = f"arn:tocsin:ssm-contacts:{analysis.region}:000000000000:contact/bo"
        accepted = await call(bus, "analysis", "AcceptRecommendation", {
            "analysisArn": a, "recommendationId": rid, "ownerContactArn": owner,
            "dueTime": 1_900_000_000})
        again = await call(bus, "analysis", "AcceptRecommendation", {
            "analysisArn": a, "recommendationId": rid})
        assert again == accepted
        item = (await call(bus, "analysis", "GetOpsItem",
                           {"OpsItemId": accepted["opsItemId"]}))["OpsItem"]
        assert item["Title"] == "Add detection metric" and item["Status"] == "Open"
        assert item["OperationalData"]["/tocsin/analysis"]["Value"] == a
        assert item["OperationalData"]["/tocsin/owner"]["Value"] == owner
        assert item["PlannedEndTime"] == 1_900_000_000
        related = (await call(bus, "analysis", "ListOpsItemRelatedItems", {
            "OpsItemId": item["OpsItemId"]}))["Summaries"]
        assert {(r["ResourceType"], r["ResourceUri"]) for r in related} == {
            ("AWS::SSMIncidents::IncidentRecord", arn), ("AWS::SSM::Document", a)}
        view = await get(bus, a)
        assert view["recommendations"] == []
        assert [i["opsItemId"] for i in view["actionItems"]] == [item["OpsItemId"]]

    async def test_dismissed_and_restored(self, analysis: Settings, bus: Bus) -> None:
        a = await analysis_of(bus, await incident(bus, analysis.region))
        await call(bus, "analysis", "AnswerQuestion", {
            "analysisArn": a, "questionId": "IP2", "answer": {"text": "Yes, deployed manually"}})
        rid = (await get(bus, a))["recommendations"][0]["id"]
        await call(bus, "analysis", "DismissRecommendation", {"analysisArn": a,
                                                              "recommendationId": rid})
        view = await get(bus, a)
        assert view["recommendations"] == []
        assert [r["id"] for r in view["dismissedRecommendations"]] == [rid]
        assert view["dismissedRecommendations"][0]["dismissedBy"] == PRINCIPAL
        with pytest.raises(errors.ConflictError, match="restore it first"):
            await call(bus, "analysis", "AcceptRecommendation", {"analysisArn": a,
                                                                 "recommendationId": rid})
        await call(bus, "analysis", "RestoreRecommendation", {"analysisArn": a,
                                                              "recommendationId": rid})
        view = await get(bus, a)
        assert [r["id"] for r in view["recommendations"]] == [rid]
        assert view["dismissedRecommendations"] == []


class TestTimeline:
    async def test_edits_leave_the_incident_timeline_untouched(self, analysis: Settings,
                                                              bus: Bus) -> None:
        arn = await incident(bus, analysis.region)
        await wait_for(lambda: related_items(bus, arn, "PARENT"))
        before = (await call(bus, "incidents", "ListTimelineEvents",
                             {"incidentRecordArn": arn}))["eventSummaries"]
        a = await analysis_of(bus, arn)
        points = (await call(bus, "analysis", "ListAnalysisTimeline",
                             {"analysisArn": a}))["events"]
        trigger, start = points[0], points[1]
        # Points the incident timeline never lets anyone edit or delete.
        await call(bus, "analysis", "UpdateAnalysisTimelineEvent", {
            "analysisArn": a, "pointId": trigger["pointId"], "eventData": "Orders alarm"})
        await call(bus, "analysis", "DeleteAnalysisTimelineEvent", {
            "analysisArn": a, "pointId": start["pointId"]})
        added = await call(bus, "analysis", "AddAnalysisTimelineEvent", {
            "analysisArn": a, "eventTime": 1_699_999_000, "eventType": "Deployment",
            "eventData": "orders v42 rolled out"})
        points = (await call(bus, "analysis", "ListAnalysisTimeline",
                             {"analysisArn": a}))["events"]
        assert [p["eventType"] for p in points][:2] == ["Deployment", "SSM Incident Trigger"]
        assert points[0]["pointId"] == added["pointId"] and "sourceEventId" not in points[0]
        assert points[1]["eventData"] == "Orders alarm" and points[1]["edited"]
        assert points[1]["sourceEventId"] == trigger["sourceEventId"]
        assert start["pointId"] not in {p["pointId"] for p in points}
        await wait_for(lambda: related_items(bus, arn, "ANALYSIS"))
        after = (await call(bus, "incidents", "ListTimelineEvents",
                            {"incidentRecordArn": arn}))["eventSummaries"]
        # Only the ANALYSIS related item's own automatic event came since.
        assert [e for e in after if e["eventId"] in {b["eventId"] for b in before}] == before
        assert all(e["eventType"] != "Deployment" for e in after)
        trigger_data = (await call(bus, "incidents", "GetTimelineEvent", {
            "incidentRecordArn": arn, "eventId": trigger["sourceEventId"]}))["event"]
        assert trigger_data["eventData"] != "Orders alarm"
        with pytest.raises(errors.NotFoundError):
            await call(bus, "analysis", "DeleteAnalysisTimelineEvent", {
                "analysisArn": a, "pointId": start["pointId"]})


class TestCompletion:
    async def test_open_checklist_refused_then_acknowledged(self, analysis: Settings,
                                                            bus: Bus) -> None:
        a = await analysis_of(bus, await incident(bus, analysis.region))
        await call(bus, "analysis", "UpdateChecklistItem", {
            "analysisArn": a, "itemId": "questions-answered", "done": True})
        with pytest.raises(errors.ValidationError, match="acknowledgeIncomplete"):
            await call(bus, "analysis", "CompleteAnalysis", {"analysisArn": a})
        assert (await get(bus, a))["status"] == "IN_PROGRESS"
        await call(bus, "analysis", "CompleteAnalysis", {"analysisArn": a,
                                                         "acknowledgeIncomplete": True})
        view = await get(bus, a)
        assert view["status"] == "COMPLETED"
        assert view["completedBy"] == PRINCIPAL and view["completedWithOpenItems"] is True
        assert [c["done"] for c in view["checklist"]][:2] == [True, False]


class TestExport:
    async def test_markdown_holds_answers_action_items_and_the_svg_timeline(
            self, analysis: Settings, bus: Bus) -> None:
        a = await analysis_of(bus, await incident(bus, analysis.region))
        await call(bus, "analysis", "AnswerQuestion", {
            "analysisArn": a, "questionId": "IP1",
            "answer": {"items": ["The cache expired", "Its TTL was set by hand"]}})
        rid = (await get(bus, a))["recommendations"][0]["id"]
        item = (await call(bus, "analysis", "AcceptRecommendation", {
            "analysisArn": a, "recommendationId": rid}))["opsItemId"]
        out = await call(bus, "analysis", "ExportAnalysis", {"analysisArn": a,
                                                             "format": "MARKDOWN"})
        text = out["content"]
        assert out["fileName"].endswith(".md")
        assert "1. The cache expired; 2. Its TTL was set by hand" in text
        assert f"| {item} | Prevent recurrence | Open |" in text
        assert "<svg" in text and "Alarm" in text and "Resolved" in text
        html = (await call(bus, "analysis", "ExportAnalysis", {
            "analysisArn": a, "format": "HTML", "sections": ["timeline"]}))["content"]
        assert html.startswith("<!DOCTYPE html>") and "<svg" in html
        assert "Prevent recurrence" not in html


class TestResponseMetrics:
    async def test_grouped_by_plan_with_follow_through(self, analysis: Settings,
                                                       bus: Bus) -> None:
        """Two resolved incidents of one plan: their count and time to resolve per plan; an
        incident with no page has no time-to-engage figures (not zeros); the plan's action
        items counted open and overdue."""
        first = await incident(bus, analysis.region)
        plan = "arn:tocsin:ssm-incidents::000000000000:response-plan/orders"
        second = str((await call(bus, "incidents", "StartIncident", {
            "responsePlanArn": plan, "title": "again"}))["incidentRecordArn"])
        await call(bus, "incidents", "UpdateIncidentRecord", {"arn": second,
                                                              "status": "RESOLVED"})
        a = await analysis_of(bus, first)
        await call(bus, "analysis", "AnswerQuestion", {
            "analysisArn": a, "questionId": "ID2", "answer": {"text": "up"}})
        rid = (await get(bus, a))["recommendations"][0]["id"]
        await call(bus, "analysis", "AcceptRecommendation", {
            "analysisArn": a, "recommendationId": rid, "dueTime": 1_000_000_000})

        async def metrics() -> dict[str, Any]:
            return await call(bus, "analysis", "GetResponseMetrics", {
                "groupBy": "RESPONSE_PLAN", "startTime": 0, "endTime": 4_000_000_000})

        out = await wait_for(lambda: _counted(metrics(), 2))
        [group] = out["groups"]
        assert group["key"] == plan and group["incidentCount"] == 2
        resolve = group["durations"]["timeToResolve"]
        assert resolve["count"] == 2 and 0 <= resolve["p50"] <= resolve["p90"]
        assert group["durations"]["timeToEngage"] == {"count": 0}
        [items] = out["actionItems"]
        assert (items["responsePlanArn"], items["open"], items["overdue"]) == (plan, 1, 1)
        with pytest.raises(errors.ValidationError, match="groupBy"):
            await call(bus, "analysis", "GetResponseMetrics", {
                "groupBy": "TEAM", "startTime": 0, "endTime": 1})


async def _counted(reply: Any, count: int) -> dict[str, Any] | None:
    out: dict[str, Any] = await reply
    return out if sum(g["incidentCount"] for g in out["groups"]) == count else None
