"""A real Prometheus Alertmanager (Debian's ``prometheus-alertmanager``, which ``.ci/run``
installs) with a webhook receiver pointed at Tocsin: an alert posted to Alertmanager's API
opens an incident, and its resolution reaches the incident's timeline."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def integration_key(tocsin: dict[str, Any], plan_arn: str) -> str:
    """A key of the plan, made through the signed /v1/integration-keys endpoint."""
    url = tocsin["http"] + "/v1/integration-keys"
    body = json.dumps({"responsePlanArn": plan_arn}).encode()
    signed = AWSRequest(method="POST", url=url, data=body,
                        headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(KEY_ID, SECRET), "tocsin", tocsin["region"]).add_auth(signed)
    request = urllib.request.Request(url, data=body, headers=dict(signed.headers.items()),
                                     method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.loads(response.read())["integrationKey"])


@pytest.fixture
def alertmanager_binary() -> Iterator[str]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed (.ci/run installs the Debian "
                    "package prometheus-alertmanager)")
    yield BINARY


async def test_an_alert_posted_to_alertmanager_opens_an_incident(
        tocsin: dict[str, Any], alertmanager_binary: str, tmp_path: Path) -> None:
    """Alertmanager groups the alert (group_wait 1 s) and posts it to the plan's webhook
    with the plan's integration key; the incident opens titled by the alert's summary, and
    resolving the alert in Alertmanager writes the recovery on the incident's timeline."""
    kw = {"endpoint_url": tocsin["http"], "region_name": tocsin["region"],
          "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    incidents = boto3.client("ssm-incidents", **kw)

    def setup() -> str:
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        plan = incidents.create_response_plan(
            name="prometheus", incidentTemplate={"title": "Prometheus alert", "impact": 3})
        return integration_key(tocsin, plan["arn"])

    key = await asyncio.to_thread(setup)
    port = free_port()
    config = tmp_path / "alertmanager.yml"
    config.write_text(json.dumps({  # YAML is a superset of JSON
        "route": {"receiver": "tocsin", "group_by": ["alertname"], "group_wait": "1s",
                  "group_interval": "1s", "repeat_interval": "1h"},
        "receivers": [{"name": "tocsin", "webhook_configs": [{
            "url": f"{tocsin['http']}/v1/alerts/alertmanager/prometheus",
            "send_resolved": True,
            "http_config": {"authorization": {"type": "Bearer", "credentials": key}}}]}],
    }))
    log = (tmp_path / "alertmanager.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        alertmanager_binary, f"--config.file={config}", f"--storage.path={tmp_path / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
        stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}/api/v2"
    try:
        async with aiohttp.ClientSession() as session:
            async def ready() -> bool:
                try:
                    async with session.get(f"{api}/status") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            await wait_for(ready, timeout=20)
            starts = datetime.now(UTC)
            alert = {"labels": {"alertname": "HighErrorRate", "job": "web"},
                     "annotations": {"summary": "Web 5xx above 5%"},
                     "startsAt": starts.isoformat(),
                     "generatorURL": "http://prometheus.example/graph"}
            async with session.post(f"{api}/alerts", json=[alert]) as response:
                assert response.status == 200

            def open_incidents() -> list[dict[str, Any]]:
                return list(incidents.list_incident_records(filters=[{
                    "key": "status", "condition": {"equals": {"stringValues": ["OPEN"]}}}])[
                    "incidentRecordSummaries"])

            async def opened() -> list[dict[str, Any]]:
                return await asyncio.to_thread(open_incidents)

            [incident] = await wait_for(opened, timeout=30)
            assert incident["title"] == "Web 5xx above 5%"
            assert incident["incidentRecordSource"]["source"] == "tocsin.alertmanager"

            ended = {**alert, "endsAt": (datetime.now(UTC) - timedelta(seconds=1)).isoformat()}
            async with session.post(f"{api}/alerts", json=[ended]) as response:
                assert response.status == 200

            def timeline() -> list[str]:
                found = incidents.list_timeline_events(incidentRecordArn=incident["arn"])
                return [e["eventType"] for e in found["eventSummaries"]]

            async def recovered() -> bool:
                return "Tocsin Trigger Recovered" in await asyncio.to_thread(timeline)

            await wait_for(recovered, timeout=30)
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
        log.close()
