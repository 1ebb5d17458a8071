"""The webhooks and the rules API on the gateway, with the incidents and contacts services
behind them on real NATS and PostgreSQL: Alertmanager, PagerDuty Events v2, /v1/events,
/v1/rules (SigV4) and gRPC tocsin.rules.v1.Rules."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import quote

import aiohttp
import grpc
import pytest_asyncio
import yarl
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tocsin.contacts import app as contacts_app
from tocsin.contacts.settings import Settings as ContactsSettings
from tocsin.gateway import app as gateway_app
from tocsin.gateway.grpc_server import GrpcGateway
from tocsin.gateway.grpcsign import SigV4Signer
from tocsin.gateway.http import HttpGateway
from tocsin.gateway.settings import Settings as GatewaySettings
from tocsin.incidents import app as incidents_app
from tocsin.incidents.ingestion.triggers import ACKNOWLEDGED, RECOVERED
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.proto.rules.v1 import rules_pb2, rules_pb2_grpc
from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.testing import running, wait_for

KEY_ID, SECRET = "TOCSINWEBHOOKKEY", "webhook-secret"
PLAN = "arn:tocsin:ssm-incidents::000000000000:response-plan/web"


class Tocsin:
    def __init__(self, http: str, grpc_addr: str, region: str, bus: Bus) -> None:
        self.http, self.grpc, self.region, self.bus = http, grpc_addr, region, bus

    async def request(self, method: str, path: str, body: Any = None, *, sign: bool = True,
                      headers: dict[str, str] | None = None) -> tuple[int, Any]:
        data = b"" if body is None else json.dumps(body).encode()
        url = self.http + path
        request = AWSRequest(method=method, url=url, data=data, headers=dict(headers or {}))
        if sign:
            SigV4Auth(Credentials(KEY_ID, SECRET), "tocsin", self.region).add_auth(request)
        async with aiohttp.ClientSession() as session, session.request(
                method, yarl.URL(url, encoded=True), data=data,
                headers=dict(request.headers.items())) as response:
            raw = await response.read()
            return response.status, json.loads(raw) if raw else None

    async def incidents(self, operation: str, params: dict[str, Any] | None = None) -> Any:
        reply = await self.bus.request(f"tocsin.rpc.incidents.{operation}", params or {},
                                       headers={"Tocsin-Principal": "arn:tocsin:iam::0:user/t"})
        return codec.decode(reply, dict[str, Any]) if reply else {}

    async def open_incidents(self) -> list[dict[str, Any]]:
        found = await self.incidents("ListIncidentRecords", {"filters": [
            {"key": "status", "condition": {"equals": {"stringValues": ["OPEN"]}}}]})
        return list(found["incidentRecordSummaries"])

    async def timeline_types(self, arn: str) -> list[str]:
        found = await self.incidents("ListTimelineEvents", {"incidentRecordArn": arn,
                                                             "sortOrder": "ASCENDING"})
        return [e["eventType"] for e in found["eventSummaries"]]


@pytest_asyncio.fixture
async def tocsin(nats_url: str, database_url: str, isolation: dict[str, str],
                 bus: Bus) -> AsyncIterator[Tocsin]:
    common: dict[str, Any] = {"nats_url": nats_url, "database_url": database_url,
                              "shutdown_grace": 5, **isolation}
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(running(incidents_app.lifespan, IncidentsSettings(
            outbox_poll_interval=0.2, changes_filter=f"changes.{isolation['region']}.>",
            alarms_filter=f"alarms.{isolation['region']}.>", **common)))
        await stack.enter_async_context(running(
            contacts_app.lifespan, ContactsSettings(outbox_poll_interval=0.2, **common)))
        workers = await stack.enter_async_context(running(
            gateway_app.lifespan, GatewaySettings(
                grpc_addr="127.0.0.1:0", http_addr="127.0.0.1:0",
                access_keys=f"{KEY_ID}:{SECRET}", **common)))  # type: ignore[arg-type]
        grpc_gw = next(w for w in workers if isinstance(w, GrpcGateway))
        http_gw = next(w for w in workers if isinstance(w, HttpGateway))
        await asyncio.wait_for(asyncio.gather(grpc_gw.started.wait(), http_gw.started.wait()),
                               30)
        t = Tocsin(f"http://127.0.0.1:{http_gw.port}", f"127.0.0.1:{grpc_gw.port}",
                   isolation["region"], bus)
        await t.incidents("CreateReplicationSet", {"regions": {t.region: {}}})
        await t.incidents("CreateResponsePlan", {
            "name": "web", "incidentTemplate": {"title": "Web is down", "impact": 2}})
        yield t


async def integration_key(t: Tocsin, plan: str = PLAN) -> str:
    status, created = await t.request("POST", "/v1/integration-keys",
                                      {"responsePlanArn": plan})
    assert status == 201
    return str(created["integrationKey"])


def alertmanager_body(status: str, fingerprint: str = "c1f2a3b4d5e6f708") -> dict[str, Any]:
    """Alertmanager's webhook payload (version 4), as it posts it."""
    alert = {"status": status, "labels": {"alertname": "HighErrorRate", "job": "web"},
             "annotations": {"summary": "Web 5xx above 5%"},
             "startsAt": "2024-03-05T09:20:41.515123456Z",
             "endsAt": "2024-03-05T09:40:41Z" if status == "resolved"
             else "0001-01-01T00:00:00Z",
             "generatorURL": "http://prometheus:9090/graph", "fingerprint": fingerprint}
    return {"version": "4", "groupKey": "{}:{alertname=\"HighErrorRate\"}",
            "truncatedAlerts": 0, "status": status, "receiver": "tocsin",
            "groupLabels": {"alertname": "HighErrorRate"}, "commonLabels": alert["labels"],
            "commonAnnotations": alert["annotations"], "externalURL": "http://am:9093",
            "alerts": [alert]}


class TestAlertmanager:
    async def test_firing_opens_once_and_resolved_records_the_recovery(
            self, tocsin: Tocsin) -> None:
        """A firing alert opens an incident titled by its summary; the same notification
        repeated joins nothing new; the resolved one writes a recovery on its timeline."""
        key = await integration_key(tocsin)
        auth = {"Authorization": f"Bearer {key}"}
        for _ in range(2):
            status, body = await tocsin.request("POST", "/v1/alerts/alertmanager/web",
                                                alertmanager_body("firing"), sign=False,
                                                headers=auth)
            assert status == 200
            assert body["status"] == "success"
        [incident] = await tocsin.open_incidents()
        assert incident["title"] == "Web 5xx above 5%"
        assert incident["incidentRecordSource"]["source"] == "tocsin.alertmanager"
        assert body["alerts"] == [{"fingerprint": "c1f2a3b4d5e6f708", "action": "opened",
                                   "incidentRecordArn": incident["arn"]}]
        status, body = await tocsin.request("POST", "/v1/alerts/alertmanager/web",
                                            alertmanager_body("resolved"), sign=False,
                                            headers=auth)
        assert (status, body["alerts"][0]["action"]) == (200, "recovered")
        types = await tocsin.timeline_types(incident["arn"])
        assert types.count("SSM Incident Trigger") == 1
        assert types.count(RECOVERED) == 1

    async def test_a_credential_is_required_and_a_key_is_good_for_its_plan_only(
            self, tocsin: Tocsin) -> None:
        """No credential, a wrong key or another plan's key: 403, and nothing opens. A
        SigV4-signed call needs no key."""
        await tocsin.incidents("CreateResponsePlan", {
            "name": "other", "incidentTemplate": {"title": "Other", "impact": 3}})
        other_key = await integration_key(tocsin, PLAN.replace("/web", "/other"))
        for headers in ({}, {"Authorization": "Bearer " + "0" * 32},
                        {"Authorization": f"Bearer {other_key}"}):
            status, body = await tocsin.request("POST", "/v1/alerts/alertmanager/web",
                                                alertmanager_body("firing"), sign=False,
                                                headers=headers)
            assert status == 403, body
            assert body["code"] == "AccessDeniedException"
        assert await tocsin.open_incidents() == []
        status, _ = await tocsin.request("POST", "/v1/alerts/alertmanager/web",
                                         alertmanager_body("firing"))
        assert status == 200
        assert len(await tocsin.open_incidents()) == 1


class TestPagerDuty:
    async def test_trigger_acknowledge_resolve_by_dedup_key(self, tocsin: Tocsin) -> None:
        """trigger opens (title the summary, impact from the severity), acknowledge writes a
        timeline event, resolve resolves; each answer is PagerDuty's 202."""
        key = await integration_key(tocsin)
        dedup = f"web-{uuid.uuid4()}"
        trigger = {"routing_key": key, "event_action": "trigger", "dedup_key": dedup,
                   "payload": {"summary": "Checkout failing", "source": "web-1",
                               "severity": "critical"}}
        status, body = await tocsin.request("POST", "/v2/enqueue", trigger, sign=False)
        assert (status, body) == (202, {"status": "success", "message": "Event processed",
                                        "dedup_key": dedup})
        [incident] = await tocsin.open_incidents()
        assert (incident["title"], incident["impact"]) == ("Checkout failing", 1)
        for action in ("acknowledge", "resolve"):
            status, body = await tocsin.request("POST", "/v2/enqueue", {
                "routing_key": key, "event_action": action, "dedup_key": dedup}, sign=False)
            assert status == 202, body
        record = (await tocsin.incidents("GetIncidentRecord", {"arn": incident["arn"]}))[
            "incidentRecord"]
        assert record["status"] == "RESOLVED"
        assert ACKNOWLEDGED in await tocsin.timeline_types(incident["arn"])

    async def test_acknowledge_stops_the_incidents_engagements(self, tocsin: Tocsin) -> None:
        """The plan engages a contact; PagerDuty's acknowledge stops that engagement."""
        reply = await tocsin.bus.request("tocsin.rpc.contacts.CreateContact", {
            "Alias": "dana", "Type": "PERSONAL", "Plan": {"Stages": []}},
            headers={"Tocsin-Principal": "arn:tocsin:iam::0:user/t"})
        dana = codec.decode(reply, dict[str, Any])["ContactArn"]
        paged = (await tocsin.incidents("CreateResponsePlan", {
            "name": "paged", "engagements": [dana],
            "incidentTemplate": {"title": "Paged", "impact": 2}}))["arn"]
        key = await integration_key(tocsin, paged)
        await tocsin.request("POST", "/v2/enqueue", {
            "routing_key": key, "event_action": "trigger", "dedup_key": "db-1",
            "payload": {"summary": "DB down", "source": "db-1", "severity": "error"}},
            sign=False)
        [incident] = await tocsin.open_incidents()

        async def engagements() -> list[dict[str, Any]]:
            reply = await tocsin.bus.request("tocsin.rpc.contacts.ListEngagements",
                                             {"IncidentId": incident["arn"]})
            return list(codec.decode(reply, dict[str, Any])["Engagements"])

        await wait_for(engagements, timeout=15)
        status, _ = await tocsin.request("POST", "/v2/enqueue", {
            "routing_key": key, "event_action": "acknowledge", "dedup_key": "db-1"},
            sign=False)
        assert status == 202
        [engagement] = await engagements()
        assert engagement.get("StopTime")
        assert ACKNOWLEDGED in await tocsin.timeline_types(incident["arn"])
        assert (await tocsin.open_incidents())[0]["arn"] == incident["arn"]

    async def test_invalid_events_get_pagerdutys_400(self, tocsin: Tocsin) -> None:
        """A missing payload, an unknown action, an unknown routing key: 400 invalid event."""
        key = await integration_key(tocsin)
        for event in ({"routing_key": key, "event_action": "trigger"},
                      {"routing_key": key, "event_action": "snooze", "dedup_key": "x"},
                      {"routing_key": key, "event_action": "resolve"},
                      {"routing_key": "f" * 32, "event_action": "trigger", "payload": {
                          "summary": "s", "source": "s", "severity": "info"}}):
            status, body = await tocsin.request("POST", "/v2/enqueue", event, sign=False)
            assert status == 400, event
            assert (body["status"], body["message"]) == ("invalid event",
                                                         "Event object is invalid")
            assert body["errors"]
        assert await tocsin.open_incidents() == []


class TestEvents:
    async def test_a_list_of_events_with_an_entry_each(self, tocsin: Tocsin) -> None:
        """With a key the events go to its plan; a malformed one fails alone."""
        key = await integration_key(tocsin)
        good = {"version": "0", "id": str(uuid.uuid4()), "source": "com.example.orders",
                "detail-type": "Order Failure", "time": "2024-03-05T09:15:27Z",
                "account": "111122223333", "region": "eu-west-1",
                "resources": ["arn:aws:dynamodb:eu-west-1:111122223333:table/orders"],
                "detail": {"orderId": "o-1"}}
        status, body = await tocsin.request("POST", "/v1/events", [good, {"id": "bad"}],
                                            sign=False,
                                            headers={"Authorization": f"Bearer {key}"})
        assert status == 200
        assert body["failedEntryCount"] == 1
        [incident] = await tocsin.open_incidents()
        assert body["entries"][0] == {"eventId": good["id"],
                                      "incidentRecordArns": [incident["arn"]]}
        assert body["entries"][1]["errorCode"] == "MalformedEvent"
        assert incident["incidentRecordSource"]["source"] == "com.example.orders"

    async def test_signed_events_follow_the_rules(self, tocsin: Tocsin) -> None:
        """Signed, without a plan header, an event goes where the rules say."""
        status, _ = await tocsin.request("POST", "/v1/rules", {
            "name": "orders", "responsePlanArn": PLAN,
            "eventPattern": json.dumps({"source": ["com.example.orders"]})})
        assert status == 201
        event = {"id": str(uuid.uuid4()), "source": "com.example.orders",
                 "detail-type": "Order Failure", "detail": {}}
        status, body = await tocsin.request("POST", "/v1/events", [event, {
            **event, "id": str(uuid.uuid4()), "source": "com.example.billing"}])
        assert status == 200
        assert body["failedEntryCount"] == 1
        assert body["entries"][1]["errorCode"] == "Unroutable"
        [incident] = await tocsin.open_incidents()
        assert incident["incidentRecordSource"]["resourceArn"].endswith(":rule/orders")


class TestRulesApi:
    async def test_http_crud_is_signed(self, tocsin: Tocsin) -> None:
        """/v1/rules needs SigV4; create, get, list, patch, test and delete work over it."""
        rule = {"name": "alarms", "responsePlanArn": PLAN,
                "eventPattern": json.dumps({"source": ["aws.cloudwatch"]})}
        status, body = await tocsin.request("POST", "/v1/rules", rule, sign=False)
        assert (status, body["code"]) == (403, "AccessDeniedException")
        status, created = await tocsin.request("POST", "/v1/rules", rule)
        assert status == 201
        status, got = await tocsin.request("GET", "/v1/rules/alarms")
        assert (status, got) == (200, created)
        status, listed = await tocsin.request(
            "GET", "/v1/rules?responsePlanArn=" + quote(PLAN, safe=""))
        assert [r["name"] for r in listed["rules"]] == ["alarms"]
        status, patched = await tocsin.request("PATCH", "/v1/rules/alarms",
                                               {"description": "every alarm"})
        assert patched["rule"]["description"] == "every alarm"
        event = {"id": "1", "source": "aws.cloudwatch", "detail-type": "x", "detail": {}}
        status, tested = await tocsin.request("POST", "/v1/rules/alarms/test",
                                              {"event": event})
        assert (status, tested["result"]) == (200, True)
        status, tested = await tocsin.request("POST", "/v1/test-event-pattern", {
            "event": json.dumps(event), "eventPattern": '{"source": ["aws.ec2"]}'})
        assert tested == {"result": False}
        status, body = await tocsin.request("POST", "/v1/test-event-pattern", {
            "event": event, "eventPattern": '{"source": "aws.ec2"}'})
        assert (status, body["code"]) == (400, "ValidationException")
        status, _ = await tocsin.request("DELETE", "/v1/rules/alarms")
        assert status == 204
        status, stats = await tocsin.request("GET", "/v1/ingestion-stats")
        assert (status, stats) == (200, {"deadLettered": {}})
        status, body = await tocsin.request("GET", "/v1/rules/alarms")
        assert (status, body["code"]) == (404, "ResourceNotFoundException")

    async def test_grpc_rules(self, tocsin: Tocsin) -> None:
        """tocsin.rules.v1.Rules: the same operations; bad input is INVALID_ARGUMENT."""
        signer = SigV4Signer(KEY_ID, SECRET, region=tocsin.region)
        async with grpc.aio.insecure_channel(tocsin.grpc,
                                             interceptors=signer.interceptors()) as channel:
            stub = rules_pb2_grpc.RulesStub(channel)
            created = await stub.CreateRule(rules_pb2.CreateRuleRequest(
                name="grpc-rule", response_plan_arn=PLAN, description="from gRPC",
                event_pattern='{"detail-type": [{"prefix": "CloudWatch"}]}'))
            assert created.rule.state == rules_pb2.RULE_STATE_ENABLED
            assert created.rule.created_time.seconds > 0
            updated = await stub.UpdateRule(rules_pb2.UpdateRuleRequest(
                name="grpc-rule", state=rules_pb2.RULE_STATE_DISABLED))
            assert (updated.rule.state, updated.rule.description) == (
                rules_pb2.RULE_STATE_DISABLED, "from gRPC")
            tested = await stub.TestEventPattern(rules_pb2.TestEventPatternRequest(
                name="grpc-rule", event=json.dumps({
                    "id": "1", "source": "aws.cloudwatch",
                    "detail-type": "CloudWatch Alarm State Change",
                    "resources": ["arn:aws:cloudwatch:eu-west-1:1:alarm:a"],
                    "detail": {"state": {"value": "ALARM"}}})))
            assert (tested.result, tested.action) == (True, "open")
            assert tested.trigger_details.trigger_arn == "arn:aws:cloudwatch:eu-west-1:1:alarm:a"
            listed = await stub.ListRules(rules_pb2.ListRulesRequest())
            assert [r.name for r in listed.rules] == ["grpc-rule"]
            try:
                await stub.CreateRule(rules_pb2.CreateRuleRequest(
                    name="bad", response_plan_arn=PLAN, event_pattern="[1]"))
                raise AssertionError("an invalid pattern was accepted")
            except grpc.aio.AioRpcError as exc:
                assert exc.code() == grpc.StatusCode.INVALID_ARGUMENT
                assert ("aws-error-code", "ValidationException") in tuple(
                    exc.trailing_metadata() or ())
            key = await stub.CreateIntegrationKey(rules_pb2.CreateIntegrationKeyRequest(
                response_plan_arn=PLAN))
            assert len(key.integration_key) == 32
            keys = await stub.ListIntegrationKeys(rules_pb2.ListIntegrationKeysRequest(
                response_plan_arn=PLAN))
            assert [k.id for k in keys.integration_keys] == [key.id]
            await stub.DeleteRule(rules_pb2.DeleteRuleRequest(name="grpc-rule"))
