"""The analysis service: ``GetResponseMetrics`` over 10,000 resolved incidents (goal p99
≤ 100 ms) and ``CreateAnalysis`` for an incident with 1,000 timeline events.

The incidents and analysis services run as their own processes (as ``make run`` starts
them) on a region of their own, and are called over NATS request/reply as the gateway
calls them. The 10,000 incidents' key times are written straight into the analysis
schema's ``incident_facts``, as its consumers of incidents' and contacts' events write
them; the incident with 1,000 timeline events is made through the incidents service.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.processes import spawn, stop
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, connect

INCIDENTS = 10_000
CALLS = 200
"""GetResponseMetrics calls per groupBy."""
TIMELINE = 1_000
CREATIONS = 3
"""Analyses created (each from its own incident of TIMELINE events)."""

Line = Callable[[str, float, str], None]


async def _call(bus: Bus, service: str, operation: str, params: dict[str, Any]) -> Any:
    reply = await bus.request(f"tocsin.rpc.{service}.{operation}", params, timeout=60)
    return codec.decode(reply, dict[str, Any]) if reply else {}


async def _ready(bus: Bus, service: str, operation: str, params: dict[str, Any]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            await _call(bus, service, operation, params)
            return
        except errors.ServiceUnavailable:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
        except errors.TocsinError:
            return  # it answered


def _percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))]


async def _facts(db_url: str, schema: str) -> None:
    rng = random.Random(14)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(INCIDENTS):
        declared = start + timedelta(minutes=i * 45)
        impact_started = declared - timedelta(seconds=rng.randint(0, 900)) \
            if rng.random() < 0.7 else None
        detected = declared - timedelta(seconds=rng.randint(0, 60))
        engaged = declared + timedelta(seconds=rng.randint(1, 120))
        ack = engaged + timedelta(seconds=rng.randint(10, 1200)) if rng.random() < 0.9 else None
        mitigated = declared + timedelta(seconds=rng.randint(600, 7200)) \
            if rng.random() < 0.5 else None
        resolved = declared + timedelta(seconds=rng.randint(1800, 36000))
        plan = f"arn:tocsin:ssm-incidents::000000000000:response-plan/plan-{i % 20}"
        rows.append((f"arn:tocsin:ssm-incidents::000000000000:incident-record/plan-{i % 20}/"
                     f"{uuid.uuid4()}", plan, rng.randint(1, 5), declared, detected, engaged,
                     ack, resolved, impact_started, mitigated))
    conn = await asyncpg.connect(db_url)
    try:
        await conn.copy_records_to_table(
            "incident_facts", schema_name=schema, records=rows,
            columns=["incident_arn", "response_plan_arn", "impact", "declared", "detected",
                     "first_engaged", "first_ack", "resolved", "impact_started", "mitigated"])
        await conn.execute(f"ANALYZE {schema}.incident_facts")
    finally:
        await conn.close()


async def _metrics(bus: Bus, line: Line) -> None:
    window = {"startTime": datetime(2026, 1, 1, tzinfo=UTC).timestamp(),
              "endTime": datetime(2027, 1, 1, tzinfo=UTC).timestamp()}
    for group in ("RESPONSE_PLAN", "IMPACT", "MONTH"):
        params = {"groupBy": group, **window}
        out = await _call(bus, "analysis", "GetResponseMetrics", params)
        assert sum(g["incidentCount"] for g in out["groups"]) == INCIDENTS, out
        latencies = []
        for _ in range(CALLS):
            began = time.perf_counter()
            await _call(bus, "analysis", "GetResponseMetrics", params)
            latencies.append((time.perf_counter() - began) * 1000)
        latencies.sort()
        name = f"get_response_metrics_{group.lower()}_10k"
        line(f"{name}_p50", _percentile(latencies, 0.5), "ms")
        line(f"{name}_p99", _percentile(latencies, 0.99), "ms")


async def _creation(bus: Bus, region: str, line: Line) -> None:
    await _call(bus, "incidents", "CreateReplicationSet", {"regions": {region: {}}})
    plan = (await _call(bus, "incidents", "CreateResponsePlan", {
        "name": f"analysis-{uuid.uuid4().hex[:8]}",
        "incidentTemplate": {"title": "Bench", "impact": 3}}))["arn"]
    took = []
    for _ in range(CREATIONS):
        arn = (await _call(bus, "incidents", "StartIncident", {
            "responsePlanArn": plan, "clientToken": str(uuid.uuid4())}))["incidentRecordArn"]
        slots = asyncio.Semaphore(32)
        base = time.time() - TIMELINE

        async def note(i: int, incident: str = arn, slots: asyncio.Semaphore = slots,
                       base: float = base) -> None:
            async with slots:
                await _call(bus, "incidents", "CreateTimelineEvent", {
                    "incidentRecordArn": incident, "eventTime": base + i,
                    "eventType": "Custom Event", "eventData": f"step {i} of the response"})

        await asyncio.gather(*(note(i) for i in range(TIMELINE - 3)))
        await _call(bus, "incidents", "UpdateIncidentRecord", {"arn": arn,
                                                               "status": "RESOLVED"})
        events = 0
        token: str | None = None
        while True:
            page = await _call(bus, "incidents", "ListTimelineEvents", {
                "incidentRecordArn": arn, "maxResults": 100,
                **({"nextToken": token} if token else {})})
            events += len(page["eventSummaries"])
            token = page.get("nextToken")
            if not token:
                break
        began = time.perf_counter()
        analysis = (await _call(bus, "analysis", "CreateAnalysis",
                                {"incidentRecordArn": arn}))["analysisArn"]
        took.append((time.perf_counter() - began) * 1000)
        copied = await _call(bus, "analysis", "ListAnalysisTimeline",
                             {"analysisArn": analysis, "maxResults": 1})
        assert copied["events"], copied
    line("create_analysis_events", float(events), "count")
    line("create_analysis_1k_events_mean", sum(took) / len(took), "ms")
    line("create_analysis_1k_events_max", max(took), "ms")


async def analysis_bench(env: dict[str, str], work: Path, line: Line) -> None:
    tag = uuid.uuid4().hex[:8]
    region, prefix = f"benchan{tag}", f"benchan{tag}_"
    env = {**env, "TOCSIN_REGION": region, "TOCSIN_SCHEMA_PREFIX": prefix}
    incidents = await spawn(["-m", "tocsin.incidents"], env, work / "an-incidents.log")
    analysis = await spawn(["-m", "tocsin.analysis"], env, work / "analysis.log")
    try:
        async with connect([env["TOCSIN_NATS_URL"]], name="tocsin-bench-analysis") as bus:
            await _ready(bus, "analysis", "ListAnalyses", {})
            await _ready(bus, "incidents", "ListResponsePlans", {})
            await _facts(env["TOCSIN_DATABASE_URL"], f"{prefix}analysis")
            await _metrics(bus, line)
            await _creation(bus, region, line)
    finally:
        await stop(analysis)
        await stop(incidents)
