"""Every service, each its own process, rides out a restart of NATS and of PostgreSQL.

The system runs on a NATS and a PostgreSQL of the test's own (the session's servers are
shared, so never restarted). Alarms are in flight when the server goes; while it is gone
``/healthz`` says ``degraded`` and names it; once it is back every alarm pages its contact
at a real SMTP server (aiosmtpd) well before the 30 s a pulled message would take to come
back by redelivery, and no service process has exited (each stops with 0 on SIGTERM).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import boto3
import botocore.config
import botocore.exceptions
import grpc
import msgspec
import pytest_asyncio
from aiosmtpd.controller import Controller

from tocsin.gateway.grpcsign import SigV4Signer
from tocsin.local.servers import free_port
from tocsin.notifications.delivery import handlers as delivery
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc
from tocsin.shared.bus import Bus, connect
from tocsin.shared.services import BACKEND_SERVICES
from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINRESTARTKEY", "tocsin-restart-secret"
REGION = "local-1"
SERVICES = (*BACKEND_SERVICES, "gateway")
BACK_WITHIN = 20.0
"""Seconds after the server's return by which every page must have arrived: less than the
30 s ack wait, so a page that needed a redelivery (or a restarted process) fails the test."""
NATS_BACK_WITHIN = BACK_WITHIN if delivery.ACK_WAIT <= 10 else delivery.ACK_WAIT + 10
"""The same after a NATS restart, except that a delivery request JetStream handed to the
notifications service as it went down is lost in transit and comes back after the
deliveries' ack wait: the delivery consumer is not reset on reconnection (a copy of a
request being sent could be mailed twice), so only a short ack wait bounds it."""


class Mailbox:
    """The emails the test SMTP server accepted."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"

    def codes(self) -> dict[str, str]:
        return {str(m["X-Tocsin-Contact-Channel-Arn"]): str(m["X-Tocsin-Activation-Code"])
                for m in self.messages if m["X-Tocsin-Activation-Code"]}

    def pages(self) -> list[Any]:
        return [m for m in self.messages if m["X-Tocsin-Page-Arn"]]


class System:
    """The running processes, the gateway's address, what /healthz said, the mailbox."""

    def __init__(self, processes: dict[str, asyncio.subprocess.Process], http: str,
                 mailbox: Mailbox, logs: Path, grpc: str = "") -> None:
        self.processes = processes
        self.http = http
        self.grpc = grpc
        self.mailbox = mailbox
        self.logs = logs
        self.health: list[tuple[int, dict[str, Any]]] = []

    def exited(self) -> dict[str, int]:
        return {name: p.returncode for name, p in self.processes.items()
                if p.returncode is not None}

    async def stop(self) -> dict[str, int]:
        """SIGTERM every process; their exit codes."""
        for process in self.processes.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        codes: dict[str, int] = {}
        for name, process in self.processes.items():
            try:
                codes[name] = await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                codes[name] = await process.wait()
        return codes

    def clients(self, **config: Any) -> tuple[Any, Any]:
        kw = {"endpoint_url": self.http, "region_name": REGION,
              "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET,
              "config": botocore.config.Config(**config)}
        return boto3.client("ssm-incidents", **kw), boto3.client("ssm-contacts", **kw)

    def reported_down(self, dependency: str) -> bool:
        return any(status == 503 and body.get("status") == "degraded"
                   and body.get("dependencies", {}).get(dependency) == "down"
                   for status, body in self.health)

    def healthy(self) -> bool:
        return bool(self.health) and self.health[-1][0] == 200

    async def reports_down(self, dependency: str, *, timeout: float) -> None:
        """Wait for /healthz to say ``degraded``, ``dependency`` down; else fail saying
        what it said meanwhile (each distinct answer: status, the dependency, the services
        that answered the ping, how often)."""
        since = len(self.health)
        try:
            await wait_for(lambda: self.reported_down(dependency), timeout=timeout)
        except AssertionError:
            said: dict[str, int] = {}
            for status, body in self.health[since:]:
                answered = sorted(n for n, s in body.get("services", {}).items()
                                  if s.get("instances"))
                key = (f"{status} {body.get('status')} {dependency}="
                       f"{body.get('dependencies', {}).get(dependency)} {answered}")
                said[key] = said.get(key, 0) + 1
            raise AssertionError(f"/healthz never said {dependency} down within {timeout}s;"
                                 f" it said {said}\n{self.log_tail()}") from None

    def log_tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.logs.glob("*.log")))


async def watch_health(system: System) -> None:
    """Record every /healthz answer, several a second."""
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"{system.http}/healthz",
                                       timeout=aiohttp.ClientTimeout(total=3)) as response:
                    system.health.append((response.status, await response.json()))
            except (aiohttp.ClientError, TimeoutError, ValueError):
                pass
            await asyncio.sleep(0.2)


@pytest_asyncio.fixture
async def system(own_nats: Any, own_postgres: Any, tmp_path: Path,
                 master_key_file: str) -> AsyncIterator[System]:
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    http, grpc_addr = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
    env.update(TOCSIN_NATS_URL=own_nats.url, TOCSIN_DATABASE_URL=own_postgres.url,
               TOCSIN_REGION=REGION, TOCSIN_ACCESS_KEYS=f"{KEY_ID}:{SECRET}",
               TOCSIN_HTTP_ADDR=http, TOCSIN_GRPC_ADDR=grpc_addr,
               TOCSIN_SMTP_HOST="127.0.0.1", TOCSIN_SMTP_PORT=str(smtp.port),
               TOCSIN_LOG_JSON="true", TOCSIN_SHUTDOWN_GRACE="5",
               TOCSIN_MASTER_KEY_FILE=master_key_file)
    logs = tmp_path / "logs"
    logs.mkdir()
    processes: dict[str, asyncio.subprocess.Process] = {}
    for name in SERVICES:
        with (logs / f"{name}.log").open("wb") as sink:
            processes[name] = await asyncio.create_subprocess_exec(
                sys.executable, "-m", f"tocsin.{name}", env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=sink, stderr=asyncio.subprocess.STDOUT)
    running = System(processes, f"http://{http}", mailbox, logs, grpc_addr)
    watcher = asyncio.create_task(watch_health(running))
    try:
        await wait_for(running.healthy, timeout=90)
        yield running
    finally:
        watcher.cancel()
        await running.stop()
        smtp.stop()


async def paging_plan(system: System) -> None:
    """alice, her email channel activated with the mailed code, engaged by the response
    plan ``api-outage``."""
    incidents, contacts = system.clients()

    def contact() -> tuple[str, str]:
        incidents.create_replication_set(regions={REGION: {}})
        arn = contacts.create_contact(Alias="alice", Type="PERSONAL",
                                      Plan={"Stages": []})["ContactArn"]
        channel = contacts.create_contact_channel(
            ContactId=arn, Name="work email", Type="EMAIL",
            DeliveryAddress={"SimpleAddress": "alice@example.com"})["ContactChannelArn"]
        return str(arn), str(channel)

    alice, channel = await asyncio.to_thread(contact)
    await wait_for(lambda: channel in system.mailbox.codes(), timeout=20)

    def plan() -> None:
        contacts.activate_contact_channel(ContactChannelId=channel,
                                          ActivationCode=system.mailbox.codes()[channel])
        contacts.update_contact(ContactId=alice, Plan={"Stages": [{
            "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
        incidents.create_response_plan(
            name="api-outage", incidentTemplate={"title": "API 5xx", "impact": 1},
            engagements=[alice])

    await asyncio.to_thread(plan)


def alarm(name: str) -> bytes:
    """A CloudWatch "Alarm State Change" into ALARM."""
    return msgspec.json.encode({
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": "111122223333", "time": "2024-03-05T09:20:41Z",
        "region": "eu-west-1", "resources": [
            f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"],
        "detail": {"alarmName": name, "state": {
            "value": "ALARM", "reason": "Threshold Crossed",
            "timestamp": "2024-03-05T09:20:41.515+0000"}},
    })


async def raise_alarms(bus: Bus, *names: str) -> None:
    for name in names:
        await bus.js.publish("alarms.cloudwatch", alarm(name),
                             headers={"Tocsin-Response-Plan": "api-outage"})


async def pages(system: System, count: int, *, timeout: float) -> None:
    try:
        await wait_for(lambda: len(system.mailbox.pages()) >= count, timeout=timeout)
    except AssertionError:
        raise AssertionError(f"{len(system.mailbox.pages())} of {count} pages arrived; "
                             f"exited: {system.exited()}\n{system.log_tail()}") from None


class TestServerRestarts:
    async def test_a_nats_restart_mid_flow(self, system: System, own_nats: Any) -> None:
        """Alarms in flight when NATS goes down page alice once NATS is back; meanwhile
        /healthz says degraded, NATS down; no process exits."""
        await paging_plan(system)
        async with connect([own_nats.url], name="tests-alarms") as bus:
            await raise_alarms(bus, "warm-up")
            await pages(system, 1, timeout=30)
            await raise_alarms(bus, "api-5xx", "api-latency", "api-errors")
        await asyncio.to_thread(own_nats.stop)
        await system.reports_down("nats", timeout=20)
        await asyncio.to_thread(own_nats.start)
        await pages(system, 4, timeout=NATS_BACK_WITHIN)
        await wait_for(system.healthy, timeout=BACK_WITHIN)
        assert system.exited() == {}
        assert await system.stop() == dict.fromkeys(SERVICES, 0)

    async def test_a_postgresql_restart_mid_flow(self, system: System, own_nats: Any,
                                                 own_postgres: Any) -> None:
        """Alarms that arrive while PostgreSQL is down are pulled, held and handled once it
        is back, each paging alice; meanwhile /healthz says degraded, PostgreSQL down; no
        process exits."""
        await paging_plan(system)
        async with connect([own_nats.url], name="tests-alarms") as bus:
            await raise_alarms(bus, "warm-up")
            await pages(system, 1, timeout=30)
            await asyncio.to_thread(own_postgres.stop)
            await raise_alarms(bus, "api-5xx", "api-latency", "api-errors")
            await system.reports_down("postgresql", timeout=60)

            async def held() -> bool:  # in JetStream, neither handled nor given up on
                info = await bus.js.consumer_info("ALARMS", "incidents-alarms")
                return (info.num_pending or 0) + (info.num_ack_pending or 0) == 3

            await wait_for(held, timeout=10)
            await asyncio.to_thread(own_postgres.start)
            await pages(system, 4, timeout=BACK_WITHIN)
            dead = await bus.js.stream_info("ALARMS", subjects_filter="alarms.dlq")
            assert not dead.state.subjects, "an alarm was dead-lettered during the outage"
        await wait_for(system.healthy, timeout=BACK_WITHIN)
        assert system.exited() == {}
        assert await system.stop() == dict.fromkeys(SERVICES, 0)

    async def test_api_writes_while_nats_is_down_are_refused_retryably(
            self, system: System, own_nats: Any) -> None:
        """While NATS is down a write is refused at once, retryably: over HTTP the model's
        InternalServerException with Retry-After, over gRPC UNAVAILABLE; nothing of it
        happens later (nats-py does not hold it back to send on reconnection), and the
        same write succeeds once NATS is back."""
        incidents, _ = system.clients(retries={"total_max_attempts": 1})
        await asyncio.to_thread(incidents.create_replication_set, regions={REGION: {}})
        await asyncio.to_thread(own_nats.stop)
        await system.reports_down("nats", timeout=20)

        def refused() -> dict[str, Any]:
            try:
                incidents.create_response_plan(
                    name="written-while-down", incidentTemplate={"title": "t", "impact": 3})
            except botocore.exceptions.ClientError as exc:
                return dict(exc.response)
            raise AssertionError("CreateResponsePlan succeeded while NATS was down")

        response = await asyncio.to_thread(refused)
        assert response["Error"]["Code"] == "InternalServerException"
        assert "try again" in response["Error"]["Message"]
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "1"
        signer = SigV4Signer(KEY_ID, SECRET, region=REGION)
        async with grpc.aio.insecure_channel(system.grpc,
                                             interceptors=signer.interceptors()) as channel:
            try:
                await pb_grpc.IncidentsStub(channel).CreateResponsePlan(
                    pb.CreateResponsePlanRequest(
                        name="written-while-down-grpc",
                        incident_template=pb.IncidentTemplate(title="t", impact=3)),
                    timeout=10)
            except grpc.aio.AioRpcError as exc:
                assert exc.code() == grpc.StatusCode.UNAVAILABLE, exc
            else:
                raise AssertionError("CreateResponsePlan over gRPC succeeded while NATS was down")

        await asyncio.to_thread(own_nats.start)
        await wait_for(system.healthy, timeout=BACK_WITHIN)

        def plans() -> list[str]:
            return [p["name"] for p in incidents.list_response_plans()["responsePlanSummaries"]]

        # A write made now is answered after anything the gateway could still hold back.
        await asyncio.to_thread(incidents.create_response_plan, name="written-after",
                                incidentTemplate={"title": "t", "impact": 3})
        assert await asyncio.to_thread(plans) == ["written-after"]
        await asyncio.to_thread(incidents.create_response_plan, name="written-while-down",
                                incidentTemplate={"title": "t", "impact": 3})
        assert sorted(await asyncio.to_thread(plans)) == ["written-after",
                                                          "written-while-down"]
        assert system.exited() == {}
        assert await system.stop() == dict.fromkeys(SERVICES, 0)
