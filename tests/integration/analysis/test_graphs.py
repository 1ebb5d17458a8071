"""Metric graphs from a real Prometheus (Debian's ``prometheus``, which ``.ci/run``
installs): the analysis's own PromQL queries and the incident's ``METRIC`` related items
are fetched over the incident's window and drawn as SVG, annotated with its key times."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tocsin.analysis.app import lifespan
from tocsin.analysis.settings import Settings
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.local.servers import free_port
from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.testing import running, wait_for

BINARY = shutil.which("prometheus")


@pytest.fixture
def prometheus_binary() -> Iterator[str]:
    if BINARY is None:
        pytest.skip("prometheus is not installed (.ci/run installs the Debian package)")
    yield BINARY


@pytest_asyncio.fixture
async def prometheus(prometheus_binary: str, tmp_path: Path) -> AsyncIterator[str]:
    """A Prometheus scraping itself every second; its URL once it has samples."""
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: self\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n")
    log = (tmp_path / "prometheus.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        prometheus_binary, f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            async def sampled() -> bool:
                try:
                    async with session.get(f"{url}/api/v1/query", params={"query": "up"}) as r:
                        body = await r.json()
                        return bool(body.get("data", {}).get("result"))
                except aiohttp.ClientError:
                    return False

            await wait_for(sampled, timeout=30, interval=0.2)
        yield url
    finally:
        process.terminate()
        await process.wait()
        log.close()


@pytest_asyncio.fixture
async def graphing(nats_url: str, database_url: str, isolation: dict[str, str],
                   incidents: IncidentsSettings, prometheus: str) -> AsyncIterator[Settings]:
    settings = Settings(nats_url=nats_url, database_url=database_url, shutdown_grace=5,
                        outbox_poll_interval=0.2, prometheus_url=prometheus, **isolation)
    async with running(lifespan, settings):
        yield settings


async def call(bus: Bus, service: str, operation: str, params: dict[str, Any]) -> Any:
    reply = await bus.request(f"tocsin.rpc.{service}.{operation}", params)
    return codec.decode(reply, dict[str, Any]) if reply else {}


async def test_graphs_from_prometheus_annotated_with_key_times(graphing: Settings,
                                                              bus: Bus) -> None:
    await call(bus, "incidents", "CreateReplicationSet", {"regions": {graphing.region: {}}})
    plan = (await call(bus, "incidents", "CreateResponsePlan", {
        "name": "web", "incidentTemplate": {"title": "Web down", "impact": 1}}))["arn"]
    arn = (await call(bus, "incidents", "StartIncident", {"responsePlanArn": plan})
           )["incidentRecordArn"]
    await call(bus, "incidents", "UpdateRelatedItems", {
        "incidentRecordArn": arn, "relatedItemsUpdate": {"itemToAdd": {
            "title": "Scrape health", "identifier": {
                "type": "METRIC", "value": {"metricDefinition": "up"}}}}})
    await call(bus, "incidents", "UpdateIncidentRecord", {"arn": arn, "status": "RESOLVED"})
    analysis = (await call(bus, "analysis", "CreateAnalysis", {"incidentRecordArn": arn})
                )["analysisArn"]
    await call(bus, "analysis", "UpdateAnalysis", {"analysisArn": analysis, "metricQueries": [
        {"title": "HTTP requests", "query": "sum(prometheus_http_requests_total)"},
        {"title": "Broken", "query": "sum(("}]})
    text = (await call(bus, "analysis", "ExportAnalysis", {
        "analysisArn": analysis, "format": "MARKDOWN", "sections": ["metrics"]}))["content"]
    titles = re.findall(r"<title>([^<]*)</title>\n<text", text)
    assert titles[0] == "HTTP requests" and titles[2] == "Scrape health"
    assert titles[1].startswith("Broken: not fetched (") and "parse error" in titles[1]
    graphs = [text.split("<svg")[1], text.split("<svg")[3]]
    for graph in graphs:
        points = re.search(r'<polyline [^>]*points="([^"]+)"', graph)
        assert points is not None and len(points.group(1).split()) >= 2
        assert "Resolved" in graph and "Alarm" in graph
