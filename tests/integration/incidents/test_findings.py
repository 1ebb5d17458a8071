"""Findings: changes published on changes.<source>, kept by the incidents service and served
for the incidents they may have caused, against real JetStream and PostgreSQL.

The CHANGES stream is shared by every test on the server, so each test's service consumes
only ``changes.<its region>.>`` under a durable named after its schema.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import nats.js.errors
import pytest
import pytest_asyncio
from nats.aio.msg import Msg
from structlog.testing import capture_logs

from tocsin.incidents.app import lifespan
from tocsin.incidents.findings.handlers import FindingsHandlers
from tocsin.incidents.settings import Settings
from tocsin.incidents.usecases import Deps
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, changes_stream, ensure_stream
from tocsin.shared.clock import SystemClock
from tocsin.shared.contracts.changes import ChangeReported, stack_update_id
from tocsin.shared.db import create_pool
from tocsin.shared.testing import running, wait_for

GROUP = "arn:aws:codedeploy:eu-west-1:111122223333:deploymentgroup:shop/prod"
STACK = "arn:aws:cloudformation:eu-west-1:111122223333:stack/shop-{}/5b1e7a30-0000-0000"
MISSING_INCIDENT = "arn:tocsin:ssm-incidents::000000000000:incident-record/db-down/nope"


# --- builders and helpers ------------------------------------------------------------------


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def deployment(deployment_id: str, start: float, end: float | None = None,
               **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"deploymentGroupArn": GROUP, "deploymentId": deployment_id,
                            "startTime": start}
    if end is not None:
        body["endTime"] = end
    return {"codeDeployDeployment": body, **extra}


def stack_update(name: str, start: float | str, end: float | str | None = None,
                 **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"stackArn": STACK.format(name), "startTime": start}
    if end is not None:
        body["endTime"] = end
    return {"cloudFormationStackUpdate": body, **extra}


def settings_for(nats_url: str, database_url: str, isolation: dict[str, str]) -> Settings:
    return Settings(nats_url=nats_url, database_url=database_url, shutdown_grace=5,
                    outbox_poll_interval=0.2, changes_filter=f"changes.{isolation['region']}.>",
                    alarms_filter=f"alarms.{isolation['region']}.>", **isolation)


async def call(bus: Bus, operation: str, params: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.incidents.{operation}", params or {},
                              headers={"Tocsin-Principal": "arn:tocsin:iam::000000000000:user/a"})
    return codec.decode(reply, dict[str, Any])


@asynccontextmanager
async def serving(settings: Settings, bus: Bus) -> AsyncIterator[Settings]:
    async with running(lifespan, settings):
        async def answering() -> bool:
            try:
                await call(bus, "ListReplicationSets")
                return True
            except errors.ServiceUnavailable:
                return False
        await wait_for(answering)
        yield settings


@pytest_asyncio.fixture
async def incidents(nats_url: str, database_url: str, isolation: dict[str, str],
                    bus: Bus) -> AsyncIterator[Settings]:
    async with serving(settings_for(nats_url, database_url, isolation), bus) as settings:
        yield settings


async def publish(bus: Bus, settings: Settings, source: str,
                  body: dict[str, Any] | bytes) -> None:
    data = body if isinstance(body, bytes) else codec.encode(body)
    await bus.publish(f"changes.{settings.region}.{source}", data, msg_id=str(uuid.uuid4()))


async def settled(bus: Bus, settings: Settings) -> None:
    """Wait until the service's consumer has taken every published change to an outcome."""
    async def done() -> bool:
        try:
            info = await bus.js.consumer_info("CHANGES", f"{settings.schema}-findings")
        except nats.js.errors.NotFoundError:
            return False
        return info.num_pending == 0 and info.num_ack_pending == 0
    await wait_for(done)


async def start_incident(bus: Bus, settings: Settings) -> str:
    await call(bus, "CreateReplicationSet", {"regions": {settings.region: {}}})
    plan = await call(bus, "CreateResponsePlan", {
        "name": "db-down", "incidentTemplate": {"title": "Database down", "impact": 2}})
    started = await call(bus, "StartIncident", {"responsePlanArn": plan["arn"]})
    return str(started["incidentRecordArn"])


async def finding_ids(bus: Bus, incident: str, **params: Any) -> list[str]:
    page = await call(bus, "ListIncidentFindings", {"incidentRecordArn": incident, **params})
    return [f["id"] for f in page["findings"]]


async def get_findings(bus: Bus, incident: str, ids: list[str]) -> dict[str, Any]:
    return await call(bus, "BatchGetIncidentFindings",
                      {"incidentRecordArn": incident, "findingIds": ids})


# --- tests ---------------------------------------------------------------------------------


class TestFindingsOfAnIncident:
    async def test_window_picks_the_changes_around_the_start(self, incidents: Settings,
                                                             bus: Bus) -> None:
        """Changes that started before the incident and had not ended an hour before it are
        its findings, with their details; older, later and unknown ids are per-id errors."""
        now = float(int(time.time()))
        await publish(bus, incidents, "codedeploy", deployment("d-RECENT", now - 600, now - 300))
        await publish(bus, incidents, "cloudformation",
                      stack_update("old", now - 3 * 3600, now - 3 * 3600 + 300))
        await publish(bus, incidents, "cloudformation", stack_update("running", iso(now - 7200)))
        await publish(bus, incidents, "github-actions",
                      deployment("d-LATER", now + 600, id="gha-later"))
        incident = await start_incident(bus, incidents)
        await settled(bus, incidents)
        running_id = stack_update_id(STACK.format("running"), now - 7200)
        old_id = stack_update_id(STACK.format("old"), now - 3 * 3600)

        assert await finding_ids(bus, incident) == ["d-RECENT", running_id]

        got = await get_findings(bus, incident,
                                 ["d-RECENT", running_id, old_id, "gha-later", "nope",
                                  "d-RECENT"])
        by_id = {f["id"]: f for f in got["findings"]}
        assert list(by_id) == ["d-RECENT", running_id]
        assert by_id["d-RECENT"]["details"] == {"codeDeployDeployment": {
            "deploymentGroupArn": GROUP, "deploymentId": "d-RECENT",
            "startTime": now - 600, "endTime": now - 300}}
        assert by_id[running_id]["details"] == {"cloudFormationStackUpdate": {
            "stackArn": STACK.format("running"), "startTime": now - 7200}}
        for f in by_id.values():
            assert f["creationTime"] == f["lastModifiedTime"]
            assert now - 60 < f["creationTime"] < time.time() + 1
        assert [(e["findingId"], e["code"]) for e in got["errors"]] == [
            (old_id, "ResourceNotFoundException"), ("gha-later", "ResourceNotFoundException"),
            ("nope", "ResourceNotFoundException")]
        assert all(incident in e["message"] for e in got["errors"])

    async def test_a_change_that_never_ends_stops_counting(self, incidents: Settings,
                                                           bus: Bus) -> None:
        """A change still "in progress" a day after it started is no longer a finding."""
        now = float(int(time.time()))
        await publish(bus, incidents, "codedeploy", deployment("d-STUCK", now - 25 * 3600))
        await publish(bus, incidents, "codedeploy", deployment("d-LONG", now - 20 * 3600))
        incident = await start_incident(bus, incidents)
        await settled(bus, incidents)
        assert await finding_ids(bus, incident) == ["d-LONG"]

    async def test_pages_of_one_follow_each_other(self, incidents: Settings,
                                                  bus: Bus) -> None:
        """With maxResults=1 each page holds one finding, newest change first, and the last
        page has no nextToken."""
        now = time.time()
        for n in range(3):
            await publish(bus, incidents, "codedeploy", deployment(f"d-{n}", now - 60 * (n + 1)))
        incident = await start_incident(bus, incidents)
        await settled(bus, incidents)
        seen, token = [], None
        while True:
            page = await call(bus, "ListIncidentFindings", {
                "incidentRecordArn": incident, "maxResults": 1,
                **({"nextToken": token} if token else {})})
            assert len(page["findings"]) == 1
            assert set(page["findings"][0]) == {"id", "lastModifiedTime"}
            seen.append(page["findings"][0]["id"])
            token = page.get("nextToken")
            if not token:
                break
        assert seen == ["d-0", "d-1", "d-2"]

    async def test_a_change_published_before_the_service_ran_is_kept(
            self, nats_url: str, database_url: str, isolation: dict[str, str],
            bus: Bus) -> None:
        """The consumer starts from the stream's first message, so changes sent while the
        service had never run are findings too."""
        settings = settings_for(nats_url, database_url, isolation)
        await ensure_stream(bus.js, changes_stream())
        await publish(bus, settings, "codedeploy", deployment("d-EARLY", time.time() - 60))
        async with serving(settings, bus):
            incident = await start_incident(bus, settings)
            assert await wait_for(lambda: finding_ids(bus, incident)) == ["d-EARLY"]


class TestRequests:
    async def test_unknown_incident(self, incidents: Settings, bus: Bus) -> None:
        """An unknown incident needs a replication set first, and is then not found."""
        for op, params in (("ListIncidentFindings", {}),
                           ("BatchGetIncidentFindings", {"findingIds": ["x"]})):
            with pytest.raises(errors.ValidationError, match="replication set is required"):
                await call(bus, op, {"incidentRecordArn": MISSING_INCIDENT, **params})
        await call(bus, "CreateReplicationSet", {"regions": {incidents.region: {}}})
        for op, params in (("ListIncidentFindings", {}),
                           ("BatchGetIncidentFindings", {"findingIds": ["x"]})):
            with pytest.raises(errors.NotFoundError) as caught:
                await call(bus, op, {"incidentRecordArn": MISSING_INCIDENT, **params})
            assert caught.value.fields["resourceType"] == "INCIDENT_RECORD"

    async def test_limits_of_the_model(self, incidents: Settings, bus: Bus) -> None:
        """maxResults is 1..20, findingIds at most 20, and nextToken only one we made."""
        incident = await start_incident(bus, incidents)
        for bad in (0, 21):
            with pytest.raises(errors.ValidationError, match="maxResults"):
                await finding_ids(bus, incident, maxResults=bad)
        with pytest.raises(errors.ValidationError, match="findingIds"):
            await get_findings(bus, incident, [f"f{n}" for n in range(21)])
        with pytest.raises(errors.ValidationError, match="nextToken"):
            await finding_ids(bus, incident, nextToken="bm90IGEgdG9rZW4")
        assert await get_findings(bus, incident, []) == {"findings": [], "errors": []}


class TestChanges:
    async def test_end_time_arriving_updates_the_finding(self, incidents: Settings,
                                                         bus: Bus) -> None:
        """A later message with the same id replaces the details and bumps lastModifiedTime;
        a repeat with nothing new leaves it alone."""
        start = float(int(time.time())) - 120
        await publish(bus, incidents, "codedeploy", deployment("d-1", start))
        incident = await start_incident(bus, incidents)
        await settled(bus, incidents)
        first = (await get_findings(bus, incident, ["d-1"]))["findings"][0]
        assert "endTime" not in first["details"]["codeDeployDeployment"]

        await publish(bus, incidents, "codedeploy", deployment("d-1", start))
        await settled(bus, incidents)
        assert (await get_findings(bus, incident, ["d-1"]))["findings"] == [first]

        await publish(bus, incidents, "codedeploy", deployment("d-1", iso(start), start + 90))
        await settled(bus, incidents)
        later = (await get_findings(bus, incident, ["d-1"]))["findings"][0]
        assert later["details"]["codeDeployDeployment"]["endTime"] == start + 90
        assert later["details"]["codeDeployDeployment"]["startTime"] == start
        assert later["creationTime"] == first["creationTime"]
        assert later["lastModifiedTime"] > first["lastModifiedTime"]

    async def test_malformed_messages_are_terminated(self, incidents: Settings,
                                                     bus: Bus) -> None:
        """A message that breaks the contract is terminated with a warning, once, and the
        next one is kept."""
        now = time.time()
        with capture_logs() as logs:
            await publish(bus, incidents, "codedeploy", b"not json")
            await publish(bus, incidents, "codedeploy", {**deployment("d-2", now - 60),
                                                         **stack_update("both", now - 60)})
            await publish(bus, incidents, "codedeploy", {"id": "neither"})
            await publish(bus, incidents, "codedeploy", deployment("d-3", now - 60, now - 90))
            await publish(bus, incidents, "codedeploy", deployment("d-GOOD", now - 60))
            incident = await start_incident(bus, incidents)
            await settled(bus, incidents)
        assert await finding_ids(bus, incident) == ["d-GOOD"]
        rejected = [e for e in logs if e["event"] == "message.rejected"]
        assert len(rejected) == 4 and all(e["log_level"] == "warning" for e in rejected)
        info = await bus.js.consumer_info("CHANGES", f"{incidents.schema}-findings")
        assert info.num_redelivered == 0


class TestConsumerHandler:
    async def test_redelivery_and_stale_messages_change_nothing(self, incidents: Settings,
                                                                bus: Bus) -> None:
        """A message handled twice takes effect once, and one older than the message last
        applied (a redelivery overtaken by a newer report) does not undo it."""
        async with create_pool(incidents.database_url, schema=incidents.schema) as pool:
            handlers = FindingsHandlers(Deps(pool=pool, clock=SystemClock(),
                                             region=incidents.region,
                                             account=incidents.account))
            t0 = datetime.now(UTC)
            start = float(int(time.time())) - 60

            def message(seq: int, stored: datetime) -> Msg:
                metadata = Msg.Metadata(
                    sequence=Msg.Metadata.SequencePair(consumer=seq, stream=seq),
                    num_pending=0, num_delivered=1, timestamp=stored, stream="CHANGES",
                    consumer="test")
                return Msg(_client=None, subject="changes.test",  # type: ignore[arg-type]
                           _metadata=metadata)

            running_ = codec.decode(codec.encode(deployment("d-X", start)), ChangeReported)
            ended = codec.decode(codec.encode(deployment("d-X", start, start + 30)),
                                 ChangeReported)
            with capture_logs() as logs:
                await handlers.record_change(running_, message(1, t0))
                await handlers.record_change(ended, message(2, t0 + timedelta(seconds=1)))
                await handlers.record_change(ended, message(2, t0 + timedelta(seconds=1)))
                await handlers.record_change(running_, message(3, t0 - timedelta(seconds=1)))
            assert [(e["event"], e.get("outcome")) for e in logs
                    if e["event"].startswith("finding.")] == [
                ("finding.recorded", "created"), ("finding.recorded", "updated"),
                ("finding.duplicate", None), ("finding.recorded", "unchanged")]
            end_time = await pool.fetchval("SELECT end_time FROM finding WHERE id = 'd-X'")
            assert end_time.timestamp() == start + 30
