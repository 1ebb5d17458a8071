"""Two regions cut off from each other each create an analysis of the same incident: once
they hear from each other again both keep one, the one created first, holding what either
recorded (answers, action items, timeline points); the other stays, merged into it, and
its ARN reads and writes the one kept."""

from __future__ import annotations

from typing import Any

from tests.integration.regions.inbox.conftest import Region, partition
from tests.integration.regions.inbox.settling import settled
from tests.integration.regions.inbox.test_analysis_inbox import (
    _analysis,
    _resolved_incident,
    _timeline,
)
from tocsin.local.digest import region_digests
from tocsin.shared.testing import wait_for

TIMEOUT = 30.0


def _answers(analysis: dict[str, Any]) -> dict[str, Any]:
    return {q["questionId"]: q.get("answer") for section in analysis["questions"]
            for q in section["questions"] if q.get("answer")}


async def test_analyses_of_one_incident_made_apart_merge_into_the_first(
        analysis_regions: tuple[Region, Region], database_url: str) -> None:
    a, b = analysis_regions
    incident = await _resolved_incident(a, seen_in=b)
    async with partition(a, b):
        first = (await a.call("analysis", "CreateAnalysis",
                              {"incidentRecordArn": incident}))["analysisArn"]
        await a.call("analysis", "AnswerQuestion", {
            "analysisArn": first, "questionId": "ID1", "answer": {"text": "an alarm"}})
        await a.call("analysis", "AddAnalysisTimelineEvent", {
            "analysisArn": first, "eventTime": 1_700_000_300, "eventType": "Note",
            "eventData": "noted in A"})
        second = (await b.call("analysis", "CreateAnalysis",
                               {"incidentRecordArn": incident}))["analysisArn"]
        await b.call("analysis", "AnswerQuestion", {
            "analysisArn": second, "questionId": "ID3", "answer": {"text": "page sooner"}})
        await b.call("analysis", "AnswerQuestion", {
            "analysisArn": second, "questionId": "ID2", "answer": {"text": "error rate"}})
        await b.call("analysis", "AddAnalysisTimelineEvent", {
            "analysisArn": second, "eventTime": 1_700_000_400, "eventType": "Note",
            "eventData": "noted in B"})
        rid = (await _analysis(b, second) or {})["recommendations"][0]["id"]
        item = (await b.call("analysis", "AcceptRecommendation", {
            "analysisArn": second, "recommendationId": rid,
            "ownerContactArn": f"arn:tocsin:ssm-contacts:{b.name}:000000000000:contact/bo",
            "dueTime": 1_900_000_000}))["opsItemId"]
    assert first != second

    async def one_each() -> bool:
        for region in (a, b):
            listed = await region.call("analysis", "ListAnalyses",
                                       {"incidentRecordArn": incident})
            if [s["analysisArn"] for s in listed["analysisSummaries"]] != [first]:
                return False
        return True
    await wait_for(one_each, timeout=TIMEOUT)
    await settled(a, b, "analysis", database_url)

    for region in (a, b):
        kept = await _analysis(region, first)
        assert kept is not None
        # The other's ARN names the one kept.
        assert await _analysis(region, second) == kept
        assert _answers(kept) == {"ID1": {"text": "an alarm"},
                                  "ID2": {"text": "error rate"},
                                  "ID3": {"text": "page sooner"}}
        assert [i["opsItemId"] for i in kept["actionItems"]] == [item]
        notes = [p["eventData"] for p in await _timeline(region, first)
                 if p["eventType"] == "Note"]
        assert sorted(notes) == ["noted in A", "noted in B"]
    assert await _timeline(a, first) == await _timeline(b, first)

    # Written through the other's ARN in B, read in A on the one kept.
    await b.call("analysis", "UpdateAnalysis", {
        "analysisArn": second, "overview": {"summary": "one analysis"}})

    async def summary_in_a() -> bool:
        kept = await _analysis(a, first) or {}
        return [f.get("text") for f in kept.get("overview", [])
                if f.get("fieldId") == "summary"] == ["one analysis"]
    await wait_for(summary_in_a, timeout=TIMEOUT)
    await settled(a, b, "analysis", database_url)
    digests = [(await region_digests(database_url, region=r.name,
                                     schema_prefix=f"{r.name}_"))["analysis"] for r in (a, b)]
    assert digests[0] == digests[1]
