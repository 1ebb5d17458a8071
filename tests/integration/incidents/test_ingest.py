"""Alarms published on ``alarms.<source>`` become incidents, against real JetStream and
PostgreSQL: the CloudWatch mapping, redelivery idempotency, recovery, and the dead-letter
queue for what can't be ingested."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import pytest
import pytest_asyncio
from nats.aio.msg import Msg

from tocsin.incidents.app import lifespan
from tocsin.incidents.ingestion import alarm_stream as intake
from tocsin.incidents.ingestion import domain as alarms
from tocsin.incidents.ingestion.batch import Batch, Start
from tocsin.incidents.ingestion.store import IngestionStore
from tocsin.incidents.ingestion.triggers import RECOVERED, Ingestion, client_token
from tocsin.incidents.settings import Settings
from tocsin.incidents.usecases import Deps
from tocsin.shared import codec
from tocsin.shared.bus import Bus, alarms_stream, ensure_stream
from tocsin.shared.clock import SystemClock
from tocsin.shared.db import create_pool
from tocsin.shared.testing import running, wait_for

PRINCIPAL = "arn:tocsin:iam::000000000000:user/alice"


async def call(bus: Bus, operation: str, params: dict[str, Any] | None = None) -> Any:
    reply = await bus.request(f"tocsin.rpc.incidents.{operation}", params or {},
                              headers={"Tocsin-Principal": PRINCIPAL})
    return codec.decode(reply, dict[str, Any]) if reply else {}


def alarm(name: str, state: str = "ALARM", *, event_id: str | None = None,
          table: str = "orders", at: str = "2024-03-05T10:02:10.104") -> dict[str, Any]:
    """A CloudWatch "Alarm State Change" (reference/aws-api.md 4.2, metric-math variant)."""
    arn = f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"
    return {
        "version": "0", "id": event_id or str(uuid.uuid4()),
        "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
        "account": "111122223333", "time": "2024-03-05T10:02:10Z", "region": "eu-west-1",
        "resources": [arn],
        "detail": {
            "alarmName": name,
            "state": {"value": state, "reason": "Threshold Crossed",
                      "timestamp": f"{at}+0000"},
            "previousState": {"value": "OK", "reason": "Unchecked",
                              "timestamp": "2024-03-05T09:58:02.330+0000"},
            "configuration": {"metrics": [
                {"id": "e1", "expression": "m1", "label": "Throttles", "returnData": True},
                {"id": "m1", "returnData": False, "metricStat": {
                    "metric": {"namespace": "AWS/DynamoDB", "name": "ReadThrottleEvents",
                               "dimensions": {"TableName": table}},
                    "period": 60, "stat": "Sum"}}]},
        },
    }


@pytest_asyncio.fixture
async def ingesting(nats_url: str, database_url: str, isolation: dict[str, str],
                    bus: Bus) -> AsyncIterator[Settings]:
    """An incidents service that ingests this test's alarms (``alarms.<region>.>``), with
    a replication set and the response plan ``api``."""
    settings = Settings(nats_url=nats_url, database_url=database_url, shutdown_grace=5,
                        outbox_poll_interval=0.2, alarm_max_bytes=4096, alarm_max_deliver=2,
                        alarm_timeout=1.0,
                        changes_filter=f"changes.{isolation['region']}.>",
                        alarms_filter=f"alarms.{isolation['region']}.>", **isolation)
    await ensure_stream(bus.js, alarms_stream())
    async with running(lifespan, settings):
        async def answering() -> bool:
            try:
                await call(bus, "ListReplicationSets")
                return True
            except Exception:
                return False
        await wait_for(answering)
        await call(bus, "CreateReplicationSet", {"regions": {settings.region: {}}})
        await call(bus, "CreateResponsePlan", {
            "name": "api", "incidentTemplate": {"title": "Orders throttled", "impact": 2}})
        yield settings


async def publish(bus: Bus, settings: Settings, body: bytes | dict[str, Any], *,
                  source: str = "cloudwatch", plan: str | None = "api") -> None:
    data = body if isinstance(body, bytes) else msgspec.json.encode(body)
    headers = {"Tocsin-Response-Plan": plan} if plan else None
    await bus.js.publish(f"alarms.{settings.region}.{source}", data, headers=headers)


async def open_incidents(bus: Bus) -> list[dict[str, Any]]:
    found = await call(bus, "ListIncidentRecords", {"filters": [
        {"key": "status", "condition": {"equals": {"stringValues": ["OPEN"]}}}]})
    return list(found["incidentRecordSummaries"])


async def all_incidents(bus: Bus) -> list[dict[str, Any]]:
    return list((await call(bus, "ListIncidentRecords"))["incidentRecordSummaries"])


async def timeline(bus: Bus, arn: str) -> list[dict[str, Any]]:
    found = await call(bus, "ListTimelineEvents", {"incidentRecordArn": arn,
                                                    "sortOrder": "ASCENDING"})
    return list(found["eventSummaries"])


async def settled(bus: Bus, settings: Settings) -> bool:
    info = await bus.js.consumer_info("ALARMS", f"{settings.schema}-alarms")
    return info.num_pending == 0 and info.num_ack_pending == 0


class DeadLetters:
    """This test's messages on ``alarms.dlq``, read with an ordered consumer."""

    def __init__(self, region: str) -> None:
        self.prefix = f"alarms.{region}."
        self.messages: list[Any] = []

    async def on_message(self, msg: Any) -> None:
        if (msg.headers or {}).get("Tocsin-Dlq-Subject", "").startswith(self.prefix):
            self.messages.append(msg)

    def reasons(self) -> list[str]:
        return [m.headers["Tocsin-Dlq-Reason"] for m in self.messages]


@pytest_asyncio.fixture
async def dead_letters(ingesting: Settings, bus: Bus) -> AsyncIterator[DeadLetters]:
    seen = DeadLetters(ingesting.region)
    sub = await bus.js.subscribe("alarms.dlq", cb=seen.on_message, ordered_consumer=True)
    try:
        yield seen
    finally:
        await sub.unsubscribe()


class TestCloudWatchAlarms:
    async def test_an_alarm_opens_an_incident_with_its_trigger_and_resources(
            self, ingesting: Settings, bus: Bus) -> None:
        """ALARM opens an incident of the header's plan: source aws.cloudwatch, the alarm ARN
        as resource, the raw event as the trigger's data, the table as involved resource."""
        event = alarm("orders-table-throttles")
        await publish(bus, ingesting, event)
        [summary] = await wait_for(lambda: open_incidents(bus))
        record = (await call(bus, "GetIncidentRecord", {"arn": summary["arn"]}))[
            "incidentRecord"]
        assert record["title"] == "Orders throttled"
        assert record["incidentRecordSource"]["source"] == "aws.cloudwatch"
        assert record["incidentRecordSource"]["resourceArn"] == event["resources"][0]
        assert record["dedupeString"] == event["resources"][0]
        items = (await call(bus, "ListRelatedItems", {"incidentRecordArn": summary["arn"]}))[
            "relatedItems"]
        assert [i["identifier"]["value"]["arn"] for i in items] == [
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"]
        [trigger] = [e for e in await timeline(bus, summary["arn"])
                     if e["eventType"] == "SSM Incident Trigger"]
        data = codec.decode((await call(bus, "GetTimelineEvent", {
            "incidentRecordArn": summary["arn"], "eventId": trigger["eventId"]}))[
            "event"]["eventData"], dict[str, Any])
        assert data["createdIncident"] is True
        assert codec.decode(data["rawData"], dict[str, Any])["id"] == event["id"]
        # The trigger's time is the alarm state's, not the time Tocsin read it.
        assert trigger["eventTime"] == 1709632930.104

    async def test_the_same_alarm_three_times_is_one_incident(
            self, ingesting: Settings, bus: Bus) -> None:
        """One event published three times (a publisher retrying) opens one incident and
        records one trigger; another event of the same alarm joins it as a second trigger."""
        event = alarm("api-5xx")
        for _ in range(3):
            await publish(bus, ingesting, event)
        await wait_for(lambda: settled(bus, ingesting))
        await publish(bus, ingesting, alarm("api-5xx"))
        await wait_for(lambda: settled(bus, ingesting))
        [summary] = await all_incidents(bus)
        triggers = [e for e in await timeline(bus, summary["arn"])
                    if e["eventType"] == "SSM Incident Trigger"]
        assert len(triggers) == 2

    async def test_a_storm_of_one_alarm_is_one_incident_with_every_trigger(
            self, ingesting: Settings, bus: Bus) -> None:
        """Sixty state changes of one alarm published at once (one of them twice) open one
        incident whose timeline has each of them once as a trigger."""
        events = [alarm("cpu-high") for _ in range(60)]
        await asyncio.gather(*(publish(bus, ingesting, e) for e in [*events, events[30]]))
        await wait_for(lambda: settled(bus, ingesting))
        [summary] = await all_incidents(bus)
        found = await call(bus, "ListTimelineEvents", {
            "incidentRecordArn": summary["arn"], "maxResults": 100, "filters": [{
                "key": "eventType",
                "condition": {"equals": {"stringValues": ["SSM Incident Trigger"]}}}]})
        assert len(found["eventSummaries"]) == 60

    @pytest.mark.expected_error_logs(r"intake\.batch_failed")
    async def test_a_bug_in_opening_a_batch_is_an_error_with_its_traceback_and_loses_nothing(
            self, ingesting: Settings, bus: Bus, error_logs: Any,
            monkeypatch: pytest.MonkeyPatch) -> None:
        """Opening a batch's alarms together failing with a bug (not an outage) is logged
        as an ERROR with its traceback; each alarm is then applied on its own, so the
        incident still has every trigger."""

        async def broken(*args: Any) -> Any:
            raise KeyError("a bug")

        monkeypatch.setattr(Batch, "open", broken)
        events = [alarm("disk-full") for _ in range(20)]
        await asyncio.gather(*(publish(bus, ingesting, e) for e in events))
        await wait_for(lambda: settled(bus, ingesting))
        [summary] = await all_incidents(bus)
        triggers = [e for e in await timeline(bus, summary["arn"])
                    if e["eventType"] == "SSM Incident Trigger"]
        assert len(triggers) == 20
        failures = [line for line in error_logs.lines if line["event"] == "intake.batch_failed"]
        assert failures and all("KeyError: 'a bug'" in line["traceback"] for line in failures)

    async def test_ok_writes_a_recovery_and_resolves_when_the_plan_asks(
            self, ingesting: Settings, bus: Bus) -> None:
        """OK leaves a recovery on the open incident's timeline; only a plan tagged
        tocsin:auto-resolve=true resolves it. INSUFFICIENT_DATA changes nothing."""
        await publish(bus, ingesting, alarm("disk-full"))
        [opened] = await wait_for(lambda: open_incidents(bus))
        await publish(bus, ingesting, alarm("disk-full", "INSUFFICIENT_DATA"))
        await publish(bus, ingesting, alarm("disk-full", "OK"))
        await wait_for(lambda: settled(bus, ingesting))
        types = [e["eventType"] for e in await timeline(bus, opened["arn"])]
        assert types.count(RECOVERED) == 1
        assert [i["arn"] for i in await open_incidents(bus)] == [opened["arn"]]

        plan_arn = "arn:tocsin:ssm-incidents::000000000000:response-plan/api"
        await call(bus, "TagResource", {"resourceArn": plan_arn,
                                        "tags": {"tocsin:auto-resolve": "true"}})
        await publish(bus, ingesting, alarm("disk-full", "OK"))
        await wait_for(lambda: settled(bus, ingesting))
        record = (await call(bus, "GetIncidentRecord", {"arn": opened["arn"]}))[
            "incidentRecord"]
        assert record["status"] == "RESOLVED"
        # Resolved incidents take no more triggers: the same alarm opens a new one.
        await publish(bus, ingesting, alarm("disk-full"))
        [reopened] = await wait_for(lambda: open_incidents(bus))
        assert reopened["arn"] != opened["arn"]


    async def test_one_alarms_changes_keep_their_order_across_batches(
            self, ingesting: Settings, bus: Bus) -> None:
        """An alarm's state changes spread over several batches (each read while the one
        before it is written) are applied in stream order: a storm of ALARMs joins one
        incident, the OK after it resolves that incident (the plan asks), and the ALARM
        after the OK opens a new one."""
        await call(bus, "TagResource", {
            "resourceArn": "arn:tocsin:ssm-incidents::000000000000:response-plan/api",
            "tags": {"tocsin:auto-resolve": "true"}})
        for event in [*(alarm("queue-deep") for _ in range(300)), alarm("queue-deep", "OK"),
                      alarm("queue-deep")]:
            await publish(bus, ingesting, event)  # one after the other: stream order
        await wait_for(lambda: settled(bus, ingesting))
        [reopened] = await open_incidents(bus)
        [resolved] = [i for i in await all_incidents(bus) if i["arn"] != reopened["arn"]]
        found = await call(bus, "ListTimelineEvents", {
            "incidentRecordArn": resolved["arn"], "maxResults": 100, "filters": [{
                "key": "eventType",
                "condition": {"equals": {"stringValues": ["SSM Incident Trigger"]}}}]})
        assert len(found["eventSummaries"]) == 100  # a full page of the 300
        assert resolved["status"] == "RESOLVED"

    async def test_an_ok_handled_before_its_older_alarm_still_recovers_it(
            self, ingesting: Settings, bus: Bus) -> None:
        """The alarm's OK (10:05) is handled before its ALARM (10:02), as when another
        instance took the ALARM or the publisher sent it late: the incident the ALARM opens
        is recovered at once and, the plan asking for it, resolved; a later ALARM (10:09)
        opens a new one that stays open."""
        plan_arn = "arn:tocsin:ssm-incidents::000000000000:response-plan/api"
        await call(bus, "TagResource", {"resourceArn": plan_arn,
                                        "tags": {"tocsin:auto-resolve": "true"}})
        await publish(bus, ingesting, alarm("lag", "OK", at="2024-03-05T10:05:00.000"))
        await publish(bus, ingesting, alarm("lag", at="2024-03-05T10:02:00.000"))
        await wait_for(lambda: settled(bus, ingesting))
        [late] = await wait_for(lambda: all_incidents(bus))
        record = (await call(bus, "GetIncidentRecord", {"arn": late["arn"]}))[
            "incidentRecord"]
        assert record["status"] == "RESOLVED"
        assert [e["eventType"] for e in await timeline(bus, late["arn"])].count(RECOVERED) == 1
        await publish(bus, ingesting, alarm("lag", at="2024-03-05T10:09:00.000"))
        [fresh] = await wait_for(lambda: open_incidents(bus))
        assert fresh["arn"] != late["arn"]


@pytest_asyncio.fixture
async def batch(ingesting: Settings, database_url: str) -> AsyncIterator[Batch]:
    """The batch opener of the service's own schema (what its alarm consumer uses)."""
    async with create_pool(database_url, schema=ingesting.schema, min_size=1) as pool:
        deps = Deps(pool=pool, clock=SystemClock(), region=ingesting.region,
                    account=ingesting.account)
        yield Batch(deps, Ingestion(deps, None))


def start(event: dict[str, Any], plan: str = "api") -> Start:
    """An alarm's start as the consumer makes it (its token is the event id)."""
    trigger = alarms.to_trigger(event, rule_arn=None, received=0.0)
    return Start(f"arn:tocsin:ssm-incidents::000000000000:response-plan/{plan}", trigger,
                 client_token(trigger.event_id))


async def triggers_of(bus: Bus, arn: str) -> int:
    """How many triggers (at most a page of 100) the incident's timeline holds."""
    found = await call(bus, "ListTimelineEvents", {
        "incidentRecordArn": arn, "maxResults": 100, "filters": [{
            "key": "eventType",
            "condition": {"equals": {"stringValues": ["SSM Incident Trigger"]}}}]})
    return len(found["eventSummaries"])


class TestBatches:
    async def test_alarms_of_one_root_cause_in_one_batch_join_one_incident(
            self, ingesting: Settings, bus: Bus, batch: Batch) -> None:
        """In one batch: two events of one alarm, one of them twice, open one incident with
        two triggers; two other alarms open one each; an alarm whose incident is open
        already joins it."""
        await publish(bus, ingesting, alarm("earlier"))
        [earlier] = await wait_for(lambda: open_incidents(bus))
        first = alarm("db-cpu")
        starts = [start(first), start(alarm("api-5xx")), start(alarm("db-cpu")), start(first),
                  start(alarm("queue-depth")), start(alarm("earlier"))]
        outcomes = await batch.open(starts)
        arns = [o.incident_arn if o else None for o in outcomes]
        assert arns[0] == arns[2] == arns[3]
        assert arns[5] == earlier["arn"]
        assert len({arns[0], arns[1], arns[4], arns[5]}) == 4
        incidents = {i["arn"]: i for i in await all_incidents(bus)}
        assert set(incidents) == set(arns)
        assert incidents[str(arns[0])]["title"] == "Orders throttled"
        assert await triggers_of(bus, str(arns[0])) == 2
        assert await triggers_of(bus, earlier["arn"]) == 2
        items = (await call(bus, "ListRelatedItems", {"incidentRecordArn": arns[1]}))[
            "relatedItems"]
        assert [i["identifier"]["value"]["arn"] for i in items] == [
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"]

    async def test_two_batches_at_once_open_each_incident_once(
            self, ingesting: Settings, bus: Bus, batch: Batch) -> None:
        """Two batches written at once (as the intake writes two batches of starts),
        both holding the first alarms of two new root causes, in opposite orders: each
        root cause is one incident with every trigger, and neither batch falls back to
        its alarms one by one."""
        first = [start(alarm("db-cpu")) for _ in range(40)] + \
            [start(alarm("api-5xx")) for _ in range(40)]
        second = [start(alarm("api-5xx")) for _ in range(40)] + \
            [start(alarm("db-cpu")) for _ in range(40)]
        outcomes = [o for each in await asyncio.gather(batch.open(first), batch.open(second))
                    for o in each]
        assert None not in outcomes
        incidents = await all_incidents(bus)
        assert len(incidents) == 2
        assert {o.incident_arn for o in outcomes if o} == {i["arn"] for i in incidents}
        for incident in incidents:
            assert await triggers_of(bus, incident["arn"]) == 80

    async def test_a_batch_delivered_again_after_its_commit_opens_nothing_twice(
            self, ingesting: Settings, bus: Bus, batch: Batch) -> None:
        """The same batch handled again (its acknowledgements lost in a crash after the
        commit) answers each alarm with the incident it opened, and changes nothing."""
        starts = [start(alarm(f"disk-{n}")) for n in range(5)] + [start(alarm("disk-0"))]
        opened = await batch.open(starts)
        again = await batch.open(starts)
        assert again == opened
        assert len(await all_incidents(bus)) == 5
        assert await triggers_of(bus, str(opened[0].incident_arn)) == 2  # type: ignore[union-attr]

    async def test_alarms_whose_acknowledgements_were_lost_open_nothing_twice(
            self, ingesting: Settings, bus: Bus, monkeypatch: pytest.MonkeyPatch) -> None:
        """The first acknowledgement of every alarm is lost (a crash after the batch's
        commit): JetStream delivers them all again, and each is still one incident with
        one trigger."""
        first_acks: list[int] = []
        real_ack = Msg.ack

        async def lost_once(msg: Msg) -> None:
            if msg.subject.startswith(f"alarms.{ingesting.region}.") \
                    and msg.metadata.num_delivered == 1:
                first_acks.append(msg.metadata.sequence.stream)
                return
            await real_ack(msg)

        monkeypatch.setattr(Msg, "ack", lost_once)
        await asyncio.gather(*(publish(bus, ingesting, alarm(f"host-{n}")) for n in range(30)))
        await wait_for(lambda: settled(bus, ingesting), timeout=20)
        assert len(first_acks) == 30
        incidents = await all_incidents(bus)
        assert len(incidents) == 30
        for incident in incidents[:5]:
            assert await triggers_of(bus, incident["arn"]) == 1

    async def test_a_batch_that_fails_before_its_commit_loses_no_alarm(
            self, ingesting: Settings, bus: Bus, monkeypatch: pytest.MonkeyPatch) -> None:
        """A batch whose transaction fails at its last statement (PostgreSQL gone) commits
        nothing of it: each alarm is applied on its own, one incident and one trigger each."""
        failed: list[int] = []

        async def gone(*args: Any, **kwargs: Any) -> int:
            failed.append(len(kwargs["tokens"]))
            raise ConnectionResetError("PostgreSQL went away")

        monkeypatch.setattr(IngestionStore, "record_start_tokens", gone)
        await asyncio.gather(*(publish(bus, ingesting, alarm(f"link-{n}")) for n in range(10)))
        await wait_for(lambda: settled(bus, ingesting))
        assert sum(failed) == 10
        incidents = await all_incidents(bus)
        assert len(incidents) == 10
        for incident in incidents:
            assert await triggers_of(bus, incident["arn"]) == 1


class TestDeadLetters:
    async def test_bad_messages_go_to_the_queue_with_their_reason(
            self, ingesting: Settings, bus: Bus, dead_letters: DeadLetters) -> None:
        """Malformed, oversized and unroutable messages are dead-lettered with the reason
        and counted; the alarm published after them still opens its incident."""
        await publish(bus, ingesting, b"{not json")
        await publish(bus, ingesting, {"id": "x", "source": "custom"})
        await publish(bus, ingesting, alarm("big") | {"padding": "x" * 5000})
        await publish(bus, ingesting, alarm("lost"), plan=None)
        await publish(bus, ingesting, alarm("nowhere"), plan="no-such-plan")
        await publish(bus, ingesting, alarm("good"))
        await wait_for(lambda: open_incidents(bus))
        await wait_for(lambda: len(dead_letters.messages) == 5)
        assert dead_letters.reasons() == [
            "malformed", "malformed", "oversized", "unroutable", "unroutable"]
        first = dead_letters.messages[0]
        assert first.data == b"{not json"
        assert first.headers["Tocsin-Dlq-Subject"] == f"alarms.{ingesting.region}.cloudwatch"
        assert "not JSON" in first.headers["Tocsin-Dlq-Detail"]
        assert "detail-type" in dead_letters.messages[1].headers["Tocsin-Dlq-Detail"]
        assert "no-such-plan" in dead_letters.messages[4].headers["Tocsin-Dlq-Detail"]
        assert dead_letters.messages[2].data == b""  # the original stays in ALARMS
        counts = await call(bus, "GetIngestionStats")
        assert counts["deadLettered"] == {"malformed": 2, "oversized": 1, "unroutable": 2}

    async def test_an_alarm_its_plan_refuses_is_rejected(
            self, ingesting: Settings, bus: Bus, dead_letters: DeadLetters) -> None:
        """Without a replication set no incident can start: the alarm is dead-lettered as
        rejected, with the service's reason, not retried."""
        [arn] = (await call(bus, "ListReplicationSets"))["replicationSetArns"]
        await call(bus, "DeleteReplicationSet", {"arn": arn})
        await publish(bus, ingesting, alarm("orphan"))
        await wait_for(lambda: dead_letters.messages)
        assert dead_letters.reasons() == ["rejected"]
        assert "replication set" in dead_letters.messages[0].headers["Tocsin-Dlq-Detail"]
        assert dead_letters.messages[0].headers["Tocsin-Dlq-Delivered"] == "1"

    async def test_a_message_that_keeps_failing_is_given_up_after_max_deliveries(
            self, ingesting: Settings, bus: Bus, dead_letters: DeadLetters,
            database_url: str) -> None:
        """While the incidents table is locked every try times out; after
        alarm_max_deliver tries the alarm is dead-lettered as failing, and the next one
        goes through once the lock is gone."""
        conn = await asyncpg.connect(database_url)
        try:
            tx = conn.transaction()
            await tx.start()
            await conn.execute(f"LOCK TABLE {ingesting.schema}.incident_record"
                               " IN ACCESS EXCLUSIVE MODE")
            await publish(bus, ingesting, alarm("stuck"))
            await wait_for(lambda: dead_letters.messages, timeout=20)
            await tx.rollback()
        finally:
            await conn.close()
        assert dead_letters.reasons() == ["failing"]
        assert dead_letters.messages[0].headers["Tocsin-Dlq-Delivered"] == "2"
        await publish(bus, ingesting, alarm("unstuck"))
        [summary] = await wait_for(lambda: open_incidents(bus), timeout=15)
        assert summary["incidentRecordSource"]["source"] == "aws.cloudwatch"

    @pytest.mark.expected_error_logs(r"intake\.failed", r"intake\.batch_failed")
    async def test_a_bug_in_handling_an_alarm_is_an_error_with_its_traceback(
            self, ingesting: Settings, bus: Bus, dead_letters: DeadLetters, error_logs: Any,
            monkeypatch: pytest.MonkeyPatch) -> None:
        """An alarm whose handling fails with a bug (not an outage), in its batch and on its
        own, logs an ERROR with the traceback on each try, and is dead-lettered as failing
        after alarm_max_deliver."""

        async def broken(*args: Any) -> Any:
            raise TypeError("a bug")

        monkeypatch.setattr(intake, "apply", broken)
        monkeypatch.setattr(Batch, "open", broken)
        await publish(bus, ingesting, alarm("buggy"))
        await wait_for(lambda: dead_letters.messages, timeout=20)
        assert dead_letters.reasons() == ["failing"]
        failures = [line for line in error_logs.lines if line["event"] == "intake.failed"]
        assert len(failures) == 2
        assert all("TypeError: a bug" in line["traceback"] for line in failures)


def finding(finding_id: str, severity: str = "HIGH") -> dict[str, Any]:
    """A Security Hub "Findings - Imported" event (reference/aws-api.md 4.3, shortened)."""
    arn = f"arn:aws:securityhub:eu-west-1:111122223333:security-control/S3.8/finding/{finding_id}"
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Security Hub Findings - Imported",
        "source": "aws.securityhub", "account": "111122223333", "time": "2024-03-05T11:42:08Z",
        "region": "eu-west-1", "resources": [arn],
        "detail": {"findings": [{
            "SchemaVersion": "2018-10-08", "Id": arn, "Title": "S3 buckets should block public",
            "Severity": {"Label": severity, "Normalized": 70},
            "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::example-orders-exports"}],
            "Workflow": {"Status": "NEW"}, "RecordState": "ACTIVE"}]},
    }


class TestEventRules:
    async def test_events_without_a_plan_header_follow_the_rules_they_match(
            self, ingesting: Settings, bus: Bus, dead_letters: DeadLetters) -> None:
        """A high-severity finding matches the rule and opens an incident whose trigger is
        the rule; the same finding again joins it, another finding opens its own; a
        low-severity one matches nothing and is dead-lettered as unroutable."""
        await call(bus, "CreateRule", {
            "name": "security-high",
            "responsePlanArn": "arn:tocsin:ssm-incidents::000000000000:response-plan/api",
            "eventPattern": msgspec.json.encode({
                "source": ["aws.securityhub"],
                "detail-type": ["Security Hub Findings - Imported"],
                "detail": {"findings": {"Severity": {"Label": ["HIGH", "CRITICAL"]}}},
            }).decode()})
        await publish(bus, ingesting, finding("f-1"), source="securityhub", plan=None)
        await publish(bus, ingesting, finding("f-1"), source="securityhub", plan=None)
        await publish(bus, ingesting, finding("f-2", "CRITICAL"), source="securityhub",
                      plan=None)
        await publish(bus, ingesting, finding("f-3", "LOW"), source="securityhub", plan=None)
        await wait_for(lambda: len(dead_letters.messages) == 1)
        await wait_for(lambda: settled(bus, ingesting))
        assert dead_letters.reasons() == ["unroutable"]
        incidents = await open_incidents(bus)
        assert len(incidents) == 2
        rule_arn = f"arn:tocsin:events:{ingesting.region}:000000000000:rule/security-high"
        for summary in incidents:
            source = summary["incidentRecordSource"]
            assert (source["source"], source["resourceArn"]) == ("aws.securityhub", rule_arn)
        triggers = [len([e for e in await timeline(bus, s["arn"])
                         if e["eventType"] == "SSM Incident Trigger"]) for s in incidents]
        assert sorted(triggers) == [1, 2]
        items = (await call(bus, "ListRelatedItems", {
            "incidentRecordArn": incidents[0]["arn"]}))["relatedItems"]
        assert items[0]["identifier"]["type"] == "INVOLVED_RESOURCE"

    async def test_a_disabled_rule_routes_nothing(
            self, ingesting: Settings, bus: Bus, dead_letters: DeadLetters) -> None:
        """Disabling a rule takes effect for the next event."""
        await call(bus, "CreateRule", {
            "name": "everything", "eventPattern": '{"source": [{"prefix": ""}]}',
            "responsePlanArn": "arn:tocsin:ssm-incidents::000000000000:response-plan/api"})
        await call(bus, "UpdateRule", {"name": "everything", "state": "DISABLED"})
        await publish(bus, ingesting, alarm("quiet"), plan=None)
        await wait_for(lambda: dead_letters.messages)
        assert dead_letters.reasons() == ["unroutable"]
        assert await all_incidents(bus) == []
