"""Custom templates: SSM documents of type ProblemAnalysisTemplate stored by the runbooks
service (CreateDocument checks them against the schema), read by the analysis service when
an analysis is created from one, and pinned by it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tocsin.analysis.settings import Settings
from tocsin.runbooks.app import lifespan as runbooks_lifespan
from tocsin.runbooks.settings import Settings as RunbooksSettings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.testing import running

TEMPLATE = {
    "schemaVersion": "1.0", "description": "Payments team review",
    "overview": [{"id": "summary", "title": "What happened", "required": True}],
    "sections": [{"id": "detection", "title": "Detection", "questions": [
        {"id": "PD1", "text": "Which customer noticed first?", "answerType": "choice",
         "choices": ["none", "merchant", "cardholder"],
         "recommendations": [{"when": {"equals": "merchant"}, "actionItem": {
             "title": "Alert before merchants do", "priority": 1}}]}]}],
    "checklist": [{"id": "reviewed", "text": "Reviewed with the payments lead"}]}


@pytest_asyncio.fixture
async def runbooks(nats_url: str, database_url: str, isolation: dict[str, str]
                   ) -> AsyncIterator[RunbooksSettings]:
    settings = RunbooksSettings(nats_url=nats_url, database_url=database_url,
                                shutdown_grace=5, outbox_poll_interval=0.2, **isolation)
    async with running(runbooks_lifespan, settings):
        yield settings


async def call(bus: Bus, service: str, operation: str, params: dict[str, Any]) -> Any:
    reply = await bus.request(f"tocsin.rpc.{service}.{operation}", params)
    return codec.decode(reply, dict[str, Any]) if reply else {}


async def resolved(bus: Bus, region: str) -> str:
    await call(bus, "incidents", "CreateReplicationSet", {"regions": {region: {}}})
    plan = (await call(bus, "incidents", "CreateResponsePlan", {
        "name": "payments", "incidentTemplate": {"title": "Card declines", "impact": 2}}))["arn"]
    arn = str((await call(bus, "incidents", "StartIncident", {"responsePlanArn": plan})
               )["incidentRecordArn"])
    await call(bus, "incidents", "UpdateIncidentRecord", {"arn": arn, "status": "RESOLVED"})
    return arn


async def test_an_analysis_from_a_custom_template(analysis: Settings, runbooks: Any,
                                                  bus: Bus) -> None:
    await call(bus, "runbooks", "CreateDocument", {
        "Name": "payments-review", "DocumentType": "ProblemAnalysisTemplate",
        "DocumentFormat": "JSON", "Content": json.dumps(TEMPLATE)})
    arn = await call(bus, "analysis", "CreateAnalysis", {
        "incidentRecordArn": await resolved(bus, analysis.region),
        "templateName": "payments-review"})
    a = arn["analysisArn"]
    view = (await call(bus, "analysis", "GetAnalysis", {"analysisArn": a}))["analysis"]
    assert (view["templateName"], view["templateVersion"], view["templateOwner"]) == (
        "payments-review", "1", "Self")
    [section] = view["questions"]
    assert [q["questionId"] for q in section["questions"]] == ["PD1"]
    assert [c["itemId"] for c in view["checklist"]] == ["reviewed"]
    await call(bus, "analysis", "AnswerQuestion", {
        "analysisArn": a, "questionId": "PD1", "answer": {"text": "merchant"}})
    view = (await call(bus, "analysis", "GetAnalysis", {"analysisArn": a}))["analysis"]
    assert [r["title"] for r in view["recommendations"]] == ["Alert before merchants do"]
    # The analysis pinned version 1: a later version changes nothing in it.
    changed = {**TEMPLATE, "sections": [{"id": "other", "title": "Other", "questions": [
        {"id": "X1", "text": "Anything else?"}]}]}
    await call(bus, "runbooks", "UpdateDocument", {
        "Name": "payments-review", "Content": json.dumps(changed),
        "DocumentVersion": "$LATEST"})
    view = (await call(bus, "analysis", "GetAnalysis", {"analysisArn": a}))["analysis"]
    assert [s["sectionId"] for s in view["questions"]] == ["detection"]


async def test_a_template_breaking_the_schema_is_refused(analysis: Settings, runbooks: Any,
                                                        bus: Bus) -> None:
    broken = {**TEMPLATE, "sections": [{"id": "detection", "title": "Detection", "questions": [
        {"id": "PD1", "text": "Which?", "answerType": "choice"}]}]}
    with pytest.raises(errors.TocsinError, match="choice question without choices"):
        await call(bus, "runbooks", "CreateDocument", {
            "Name": "broken-review", "DocumentType": "ProblemAnalysisTemplate",
            "DocumentFormat": "JSON", "Content": json.dumps(broken)})
    with pytest.raises(errors.ValidationError, match="no-such-review"):
        await call(bus, "analysis", "CreateAnalysis", {
            "incidentRecordArn": await resolved(bus, analysis.region),
            "templateName": "no-such-review"})
