"""The load: one alarm → incident → engagement → page flow per alarm.

One on-call contact has two stages: stage 0 mails it (``STAGE_MINUTES`` plan minutes),
stage 1 texts it through the SMS provider. Each flow publishes a new CloudWatch alarm
(its own name, so its own incident) to a response plan that engages the contact. Half of
the flows are acknowledged: once the stage-0 mail arrives the harness waits a random
moment within the first third of the stage, then calls ``AcceptPage`` with the mail's
code; the other half are left to escalate to stage 1. Every ``RUNBOOK_EVERY``-th flow's
plan also runs a runbook of ``RUNBOOK_STEPS`` webhook steps.

Every API call goes through the gateway (boto3, retrying while a process is down);
alarms are published to NATS with their id as ``Nats-Msg-Id``, retried until stored.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import nats
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError

from chaos.system import KEY_ID, SECRET, System

__all__ = ["PLAN", "RUNBOOK_PLAN", "RUNBOOK_STEPS", "STAGE_MINUTES", "Flow", "Load"]

STAGE_MINUTES = 15
"""Stage 0's plan minutes; an acknowledgement comes within its first third."""
PLAN, RUNBOOK_PLAN = "chaos", "chaos-runbook"
RUNBOOK_EVERY = 10
RUNBOOK_STEPS = ("Announce", "Gather", "Report")
API_PATIENCE = 120.0
"""Seconds an API call is tried again while it cannot get through."""
SMS_NUMBER = "+15550100001"
MAIL_ADDRESS = "oncall@chaos.example"


@dataclass
class Flow:
    """One alarm and what the harness did about it."""

    index: int
    alarm_name: str
    acknowledge: bool
    runbook: bool
    ack_after: float
    """Real seconds after the stage-0 mail at which to acknowledge."""
    published: bool = False
    incident: str = ""
    acked: bool = False
    ack_error: str = ""

    @property
    def alarm_arn(self) -> str:
        return f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{self.alarm_name}"


def alarm(name: str) -> dict[str, Any]:
    """A CloudWatch "Alarm State Change" into ALARM."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": "111122223333", "time": "2024-03-05T09:20:41Z",
        "region": "eu-west-1",
        "resources": [f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"],
        "detail": {"alarmName": name, "state": {
            "value": "ALARM", "reason": "Threshold Crossed",
            "timestamp": "2024-03-05T09:20:41.515+0000"}},
    }


def _runbook() -> str:
    # An attempt whose runbooks instance was killed counts as failed (the engine cannot
    # know how far it got), so each step may be tried again: the retry carries the same
    # Idempotency-Key, and the receiver acts once.
    steps = [{"name": step, "action": "aws:invokeWebhook", "maxAttempts": 5,
              "inputs": {"IntegrationName": "chaos-hook",
                         "Body": f"{step} {{{{ IncidentRecordArn }}}}"}}
             for step in RUNBOOK_STEPS]
    return json.dumps({"schemaVersion": "0.3",
                       "parameters": {"IncidentRecordArn": {"type": "String"}},
                       "mainSteps": steps})


class Load:
    """The flows of one run, their set-up and their driving."""

    def __init__(self, system: System, rng: random.Random, *, flows: int,
                 clock_scale: float) -> None:
        self.system = system
        self.rng = rng
        stage_seconds = STAGE_MINUTES * 60 / clock_scale
        tag = f"{rng.getrandbits(32):08x}"
        self.flows = [Flow(index=i, alarm_name=f"chaos-{tag}-{i}", acknowledge=i % 2 == 0,
                           runbook=i % RUNBOOK_EVERY == 1,
                           ack_after=rng.uniform(0, stage_seconds / 3))
                      for i in range(flows)]
        self.by_alarm = {f.alarm_arn: f for f in self.flows}
        self.contact = ""
        config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=3,
                        read_timeout=20)
        # One set of clients per gateway; a call that cannot get through tries the next.
        self.gateways = [{api: boto3.client(
            api, endpoint_url=endpoint, region_name=system.region, aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET, config=config)
            for api in ("ssm-incidents", "ssm-contacts", "ssm")}
            for endpoint in system.endpoints]
        first = self.gateways[0]
        self.incidents, self.contacts, self.ssm = (first["ssm-incidents"],
                                                   first["ssm-contacts"], first["ssm"])
        self._turn = 0
        self.publish_retries = 0
        self.api_retries = 0
        self.nats_errors = 0
        self.lookup_errors: list[str] = []
        self._handled: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def call(self, api: str, operation: str, **params: Any) -> Any:
        """``operation(**params)`` of ``api`` in a thread, on the gateways in turn; tried
        again, on the next gateway, for up to ``API_PATIENCE`` seconds while it cannot get
        through (botocore's own retries stop at their quota)."""
        deadline = time.monotonic() + API_PATIENCE
        while True:
            self._turn = (self._turn + 1) % len(self.gateways)
            method = getattr(self.gateways[self._turn][api], operation)
            try:
                return await asyncio.to_thread(method, **params)
            except (BotoConnectionError, HTTPClientError, ClientError) as exc:
                response = getattr(exc, "response", None) or {}
                status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
                if isinstance(exc, ClientError) and status < 500 and status != 429:
                    raise
                if time.monotonic() > deadline:
                    raise
                self.api_retries += 1
                await asyncio.sleep(0.5)

    async def setup(self) -> None:
        """The replication set, the on-call contact with both channels activated (codes
        from the mail and the SMS), the runbook and both response plans."""
        await self.call("ssm-incidents", "create_replication_set",
                        regions={self.system.region: {}})
        self.contact = (await self.call("ssm-contacts", "create_contact", Alias="chaos-oncall",
                                        Type="PERSONAL", Plan={"Stages": []}))["ContactArn"]
        mail = (await self.call("ssm-contacts", "create_contact_channel", ContactId=self.contact,
                                Name="mail", Type="EMAIL",
                                DeliveryAddress={"SimpleAddress": MAIL_ADDRESS})
                )["ContactChannelArn"]
        sms = (await self.call("ssm-contacts", "create_contact_channel", ContactId=self.contact,
                               Name="sms", Type="SMS",
                               DeliveryAddress={"SimpleAddress": SMS_NUMBER})
               )["ContactChannelArn"]
        mail_code = await _eventually(lambda: next(
            (m.activation_code for m in self.system.mailbox.messages
             if m.channel_arn == mail and m.activation_code), None))
        sms_code = await _eventually(lambda: next(
            (s.text.split("code is ")[1][:6] for s in self.system.receiver.sms
             if s.to == SMS_NUMBER and "activation code" in s.text), None))
        await self.call("ssm-contacts", "activate_contact_channel", ContactChannelId=mail,
                        ActivationCode=mail_code)
        await self.call("ssm-contacts", "activate_contact_channel", ContactChannelId=sms,
                        ActivationCode=sms_code)
        await self.call("ssm-contacts", "update_contact", ContactId=self.contact, Plan={"Stages": [
            {"DurationInMinutes": STAGE_MINUTES,
             "Targets": [{"ChannelTargetInfo": {"ContactChannelId": mail}}]},
            {"DurationInMinutes": 1,
             "Targets": [{"ChannelTargetInfo": {"ContactChannelId": sms}}]}]})
        await self.call("ssm", "create_document", Name="ChaosRunbook", Content=_runbook(),
                        DocumentType="Automation", DocumentFormat="JSON")
        template = {"title": "Chaos alarm", "impact": 2}
        await self.call("ssm-incidents", "create_response_plan", name=PLAN,
                        incidentTemplate=template, engagements=[self.contact])
        await self.call("ssm-incidents", "create_response_plan", name=RUNBOOK_PLAN,
                        incidentTemplate=template, engagements=[self.contact],
                        actions=[{"ssmAutomation": {
                            "roleArn": "arn:aws:iam::111122223333:role/Chaos",
                            "documentName": "ChaosRunbook",
                            "dynamicParameters": {"IncidentRecordArn": {
                                "variable": "INCIDENT_RECORD_ARN"}}}}])

    async def publish_all(self, seconds: float, on_progress: Callable[[float], None]) -> None:
        """Publish every flow's alarm, evenly over ``seconds``; ``on_progress`` hears the
        fraction published after each."""
        nc: NATS = await nats.connect(servers=[self.system.nats_url], name="chaos-alarms",
                                      max_reconnect_attempts=-1, reconnect_time_wait=0.25,
                                      connect_timeout=2, error_cb=self._nats_error)
        js = nc.jetstream(timeout=5)
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            for n, flow in enumerate(self.flows):
                await asyncio.sleep(max(0.0, start + n * seconds / len(self.flows) - loop.time()))
                event = alarm(flow.alarm_name)
                body = json.dumps(event).encode()
                headers = {"Tocsin-Response-Plan": RUNBOOK_PLAN if flow.runbook else PLAN,
                           "Nats-Msg-Id": event["id"]}
                deadline = time.monotonic() + 120
                while True:
                    try:
                        await js.publish("alarms.cloudwatch", body, headers=headers)
                        break
                    except (NatsError, TimeoutError):
                        if time.monotonic() > deadline:
                            raise
                        self.publish_retries += 1
                        await asyncio.sleep(0.25)
                flow.published = True
                on_progress((n + 1) / len(self.flows))
        finally:
            await nc.close()

    async def _nats_error(self, exc: Exception) -> None:
        """The alarm publisher's connection broke (NATS restarting): it reconnects."""
        self.nats_errors += 1

    def watch(self) -> None:
        """Act on the page mails that arrived since the last look (called every tick)."""
        for mail in list(self.system.mailbox.messages):
            if mail.page_arn and mail.incident_arn not in self._handled:
                self._handled.add(mail.incident_arn)
                task = asyncio.create_task(self._on_page(mail.incident_arn, mail.page_arn,
                                                         mail.accept_code))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _on_page(self, incident: str, page: str, code: str) -> None:
        try:
            record = (await self.call("ssm-incidents", "get_incident_record", arn=incident)
                      )["incidentRecord"]
        except Exception as exc:  # the API did not answer within its patience: reported
            self.lookup_errors.append(f"GetIncidentRecord {incident}: {exc}")
            return
        flow = self.by_alarm.get(record["incidentRecordSource"].get("resourceArn", ""))
        if flow is None:
            return
        flow.incident = incident
        if not flow.acknowledge:
            return
        await asyncio.sleep(flow.ack_after)
        try:
            await self.call("ssm-contacts", "accept_page", PageId=page, AcceptType="READ",
                            AcceptCode=code, Note="chaos: acknowledged")
            flow.acked = True
        except Exception as exc:  # counted and reported: the audit fails on it
            flow.ack_error = f"{type(exc).__name__}: {exc}"

    async def drain(self) -> None:
        """Wait for the acknowledgements under way."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


async def _eventually(probe: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while (found := probe()) is None:
        if time.monotonic() > deadline:
            raise TimeoutError("an activation code did not arrive")
        await asyncio.sleep(0.2)
    return found
