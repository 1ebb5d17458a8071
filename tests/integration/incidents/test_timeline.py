"""Timeline, related items and dedupe of the incidents service, over NATS."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest

from tocsin.incidents.settings import Settings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus

ALARM_ARN = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:orders-table-throttles"


BO = "arn:tocsin:iam::000000000000:user/bo"


async def call(bus: Bus, operation: str, params: dict[str, Any] | None = None, *,
               principal: str = BO) -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.incidents.{operation}", params or {},
                              headers={"Tocsin-Principal": principal})
    return codec.decode(reply, dict[str, Any])


async def plan(bus: Bus, settings: Settings, **template: Any) -> str:
    await call(bus, "CreateReplicationSet", {"regions": {settings.region: {}}})
    return str((await call(bus, "CreateResponsePlan", {
        "name": "orders", "incidentTemplate": {"title": "Orders degraded", "impact": 3,
                                               **template}}))["arn"])


async def start(bus: Bus, plan_arn: str, **params: Any) -> str:
    return str((await call(bus, "StartIncident", {"responsePlanArn": plan_arn,
                                                  **params}))["incidentRecordArn"])


async def timeline(bus: Bus, arn: str, **params: Any) -> list[dict[str, Any]]:
    page = await call(bus, "ListTimelineEvents", {"incidentRecordArn": arn, **params})
    return list(page["eventSummaries"])


def alarm_raw_data() -> str:
    metric = {"namespace": "AWS/DynamoDB", "name": "ReadThrottleEvents",
              "dimensions": {"TableName": "orders"}}
    return json.dumps({
        "version": "0", "id": "5e1d8b77", "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": "111122223333", "region": "eu-west-1",
        "time": "2024-03-05T10:02:10Z", "resources": [ALARM_ARN],
        "detail": {"alarmName": "orders-table-throttles", "state": {"value": "ALARM"},
                   "configuration": {"metrics": [
                       {"id": "m1", "metricStat": {"metric": metric}, "returnData": True}]}}})


class TestAutomaticEvents:
    async def test_start_writes_trigger_and_start(self, incidents: Settings, bus: Bus) -> None:
        """A new incident's timeline holds its trigger (createdIncident true) and its start."""
        arn = await start(bus, await plan(bus, incidents), triggerDetails={
            "source": "aws.cloudwatch", "timestamp": 1_700_000_000, "triggerArn": ALARM_ARN})
        events = await timeline(bus, arn, sortOrder="ASCENDING")
        assert [e["eventType"] for e in events] == ["SSM Incident Trigger",
                                                     "SSM Incident Start"]
        assert events[0]["eventTime"] == 1_700_000_000
        trigger = (await call(bus, "GetTimelineEvent", {
            "incidentRecordArn": arn, "eventId": events[0]["eventId"]}))["event"]
        assert json.loads(trigger["eventData"]) == {
            "createdIncident": True, "incidentSource": "aws.cloudwatch",
            "triggerArn": ALARM_ARN}
        assert "eventData" not in events[0]

    async def test_update_records_modified_attributes(self, incidents: Settings,
                                                      bus: Bus) -> None:
        """Each record update is an event listing the attributes and their new values."""
        arn = await start(bus, await plan(bus, incidents))
        await call(bus, "UpdateIncidentRecord", {"arn": arn, "impact": 1, "status": "RESOLVED"})
        newest = (await timeline(bus, arn))[0]
        assert newest["eventType"] == "SSM Incident Record Update"
        data = json.loads((await call(bus, "GetTimelineEvent", {
            "incidentRecordArn": arn, "eventId": newest["eventId"]}))["event"]["eventData"])
        assert data["modifiedAttributes"] == [{"attributeName": "impact", "newValue": "1"},
                                              {"attributeName": "status",
                                               "newValue": "RESOLVED"}]
        assert data["modifiedBy"].endswith("user/bo")

    async def test_automatic_events_are_read_only(self, incidents: Settings,
                                                  bus: Bus) -> None:
        """Automatic events can be neither updated nor deleted."""
        arn = await start(bus, await plan(bus, incidents))
        event_id = (await timeline(bus, arn))[0]["eventId"]
        with pytest.raises(errors.ValidationError, match="only custom events"):
            await call(bus, "UpdateTimelineEvent", {"incidentRecordArn": arn,
                                                    "eventId": event_id, "eventData": "x"})
        with pytest.raises(errors.ValidationError, match="only custom events"):
            await call(bus, "DeleteTimelineEvent", {"incidentRecordArn": arn,
                                                    "eventId": event_id})


class TestCustomEvents:
    async def test_create_get_update_delete(self, incidents: Settings, bus: Bus) -> None:
        """A note is created in the past, edited (references replaced whole) and deleted."""
        arn = await start(bus, await plan(bus, incidents))
        created = await call(bus, "CreateTimelineEvent", {
            "incidentRecordArn": arn, "eventTime": 1_600_000_000, "eventType": "Note",
            "eventData": '"rolled back 4.2"', "eventReferences": [{"resource": arn}]})
        key = {"incidentRecordArn": arn, "eventId": created["eventId"]}
        event = (await call(bus, "GetTimelineEvent", key))["event"]
        assert (event["eventType"], event["eventData"], event["eventTime"]) == (
            "Note", '"rolled back 4.2"', 1_600_000_000)
        assert event["eventReferences"] == [{"resource": arn}]
        await call(bus, "UpdateTimelineEvent", {**key, "eventType": "Custom Event",
                                                "eventReferences": []})
        event = (await call(bus, "GetTimelineEvent", key))["event"]
        assert event["eventType"] == "Custom Event"
        assert event.get("eventReferences", []) == []
        assert event["eventUpdatedTime"] >= event["eventTime"]
        await call(bus, "DeleteTimelineEvent", key)
        await call(bus, "DeleteTimelineEvent", key)
        with pytest.raises(errors.NotFoundError):
            await call(bus, "GetTimelineEvent", key)

    async def test_a_notes_author_is_kept(self, incidents: Settings, bus: Bus) -> None:
        """TimelineEventAuthors names the author of custom events only (the console offers
        Edit on a responder's own); the API, as AWS's, lets whoever IAM allows edit it."""
        arn = await start(bus, await plan(bus, incidents))
        created = await call(bus, "CreateTimelineEvent", {
            "incidentRecordArn": arn, "eventTime": 1_600_000_000, "eventType": "Note",
            "eventData": '"rolled back 4.2"'})
        key = {"incidentRecordArn": arn, "eventId": created["eventId"]}
        ids = [e["eventId"] for e in await timeline(bus, arn)]
        authors = await call(bus, "TimelineEventAuthors",
                             {"incidentRecordArn": arn, "eventIds": [*ids, "not-a-uuid"]})
        assert authors == {"authors": {created["eventId"]: BO}}
        ana = "arn:tocsin:iam::000000000000:user/ana"
        await call(bus, "UpdateTimelineEvent", {**key, "eventData": '"rolled back 4.3"'},
                   principal=ana)
        assert (await call(bus, "GetTimelineEvent", key))["event"]["eventData"] == \
            '"rolled back 4.3"'
        after = await call(bus, "TimelineEventAuthors",
                           {"incidentRecordArn": arn, "eventIds": [created["eventId"]]})
        assert after == authors  # the author stays who wrote it

    async def test_only_custom_types_can_be_created(self, incidents: Settings,
                                                    bus: Bus) -> None:
        """Callers can't write Tocsin's own event types."""
        arn = await start(bus, await plan(bus, incidents))
        with pytest.raises(errors.ValidationError, match="eventType"):
            await call(bus, "CreateTimelineEvent", {
                "incidentRecordArn": arn, "eventTime": 1, "eventType": "SSM Incident Start",
                "eventData": "{}"})

    async def test_reference_to_an_unknown_related_item_is_refused(
            self, incidents: Settings, bus: Bus) -> None:
        """A related-item reference must name an item of the incident."""
        arn = await start(bus, await plan(bus, incidents))
        with pytest.raises(errors.ValidationError, match="related item"):
            await call(bus, "CreateTimelineEvent", {
                "incidentRecordArn": arn, "eventTime": 1, "eventType": "Note",
                "eventData": '"x"', "eventReferences": [
                    {"relatedItemId": "related-item/OTHER/" + "A" * 32}]})

    async def test_list_filters_sort_and_pages(self, incidents: Settings, bus: Bus) -> None:
        """Filters on type, time and reference; newest first by default; pages in order."""
        arn = await start(bus, await plan(bus, incidents))
        for t in range(1, 6):
            await call(bus, "CreateTimelineEvent", {
                "incidentRecordArn": arn, "eventTime": 1_000 * t, "eventType": "Note",
                "eventData": f'"n{t}"', "eventReferences":
                    [{"resource": "arn:tocsin:ec2:x:000000000000:instance/i-1"}] if t == 3
                    else []})
        notes = {"key": "eventType", "condition": {"equals": {"stringValues": ["Note"]}}}
        assert [e["eventTime"] for e in await timeline(bus, arn, filters=[notes])] == [
            5000, 4000, 3000, 2000, 1000]
        window = {"key": "eventTime", "condition": {"after": 1500}}
        before = {"key": "eventTime", "condition": {"before": 4500}}
        assert [e["eventTime"] for e in await timeline(
            bus, arn, filters=[notes, window, before], sortOrder="ASCENDING")] == [
            2000, 3000, 4000]
        ref = {"key": "eventReference", "condition": {"equals": {"stringValues": [
            "arn:tocsin:ec2:x:000000000000:instance/i-1"]}}}
        assert [e["eventTime"] for e in await timeline(bus, arn, filters=[ref])] == [3000]
        seen, token = [], None
        while True:
            page = await call(bus, "ListTimelineEvents", {
                "incidentRecordArn": arn, "filters": [notes], "maxResults": 2,
                **({"nextToken": token} if token else {})})
            seen += [e["eventTime"] for e in page["eventSummaries"]]
            token = page.get("nextToken")
            if not token:
                break
        assert seen == [5000, 4000, 3000, 2000, 1000]


class TestRelatedItems:
    async def test_add_list_remove(self, incidents: Settings, bus: Bus) -> None:
        """Items get a generated id, are listed in order, conflict when added twice and are
        removed by type and value, each change on the timeline."""
        arn = await start(bus, await plan(bus, incidents))
        link = {"identifier": {"type": "OTHER", "value": {"url": "https://status.example"}},
                "title": "status page"}
        metric = {"identifier": {"type": "METRIC", "value": {"metricDefinition": "{}"}}}
        for item in (link, metric):
            await call(bus, "UpdateRelatedItems", {"incidentRecordArn": arn,
                                                   "relatedItemsUpdate": {"itemToAdd": item}})
        with pytest.raises(errors.ConflictError):
            await call(bus, "UpdateRelatedItems", {"incidentRecordArn": arn,
                                                   "relatedItemsUpdate": {"itemToAdd": link}})
        page = await call(bus, "ListRelatedItems", {"incidentRecordArn": arn, "maxResults": 1})
        assert page["relatedItems"][0]["title"] == "status page"
        assert re.fullmatch(r"related-item/OTHER/[0-9A-F]{32}",
                            page["relatedItems"][0]["generatedId"])
        rest = await call(bus, "ListRelatedItems", {"incidentRecordArn": arn,
                                                    "nextToken": page["nextToken"]})
        assert [i["identifier"]["type"] for i in rest["relatedItems"]] == ["METRIC"]
        assert "nextToken" not in rest
        await call(bus, "UpdateRelatedItems", {"incidentRecordArn": arn, "relatedItemsUpdate": {
            "itemToRemove": link["identifier"]}})
        with pytest.raises(errors.NotFoundError):
            await call(bus, "UpdateRelatedItems", {"incidentRecordArn": arn,
                                                   "relatedItemsUpdate": {
                                                       "itemToRemove": link["identifier"]}})
        remaining = await call(bus, "ListRelatedItems", {"incidentRecordArn": arn})
        assert [i["identifier"]["type"] for i in remaining["relatedItems"]] == ["METRIC"]
        updates = [e for e in await timeline(bus, arn)
                   if e["eventType"] == "SSM Incident Record Update"]
        assert len(updates) == 3

    async def test_start_seeds_items_and_involved_resources(self, incidents: Settings,
                                                            bus: Bus) -> None:
        """Items given to StartIncident and the resources an alarm's dimensions name
        become related items."""
        arn = await start(bus, await plan(bus, incidents), relatedItems=[
            {"identifier": {"type": "OTHER", "value": {"url": "https://runbook.example"}}}],
            triggerDetails={"source": "aws.cloudwatch", "timestamp": 1,
                            "triggerArn": ALARM_ARN, "rawData": alarm_raw_data()})
        items = (await call(bus, "ListRelatedItems", {"incidentRecordArn": arn}))[
            "relatedItems"]
        assert [(i["identifier"]["type"], i["identifier"]["value"]) for i in items] == [
            ("OTHER", {"url": "https://runbook.example"}),
            ("INVOLVED_RESOURCE",
             {"arn": "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"})]

    async def test_generated_id_may_not_be_sent(self, incidents: Settings, bus: Bus) -> None:
        """The service assigns generatedId; a caller sending one is refused."""
        arn = await start(bus, await plan(bus, incidents))
        with pytest.raises(errors.ValidationError, match="generatedId"):
            await call(bus, "UpdateRelatedItems", {"incidentRecordArn": arn, "relatedItemsUpdate": {
                "itemToAdd": {"identifier": {"type": "OTHER", "value": {"url": "https://x"}},
                              "generatedId": "related-item/OTHER/" + "B" * 32}}})


class TestDedupe:
    async def test_duplicate_joins_the_open_incident(self, incidents: Settings,
                                                     bus: Bus) -> None:
        """A second trigger of the same alarm returns the open incident and adds a trigger
        event with createdIncident false; after resolution it opens a new incident."""
        plan_arn = await plan(bus, incidents)
        trigger = {"source": "aws.cloudwatch", "timestamp": 1_700_000_000,
                   "triggerArn": ALARM_ARN}
        first = await start(bus, plan_arn, triggerDetails=trigger)
        assert await start(bus, plan_arn, triggerDetails=trigger) == first
        triggers = [e for e in await timeline(bus, first)
                    if e["eventType"] == "SSM Incident Trigger"]
        data = [json.loads((await call(bus, "GetTimelineEvent", {
            "incidentRecordArn": first, "eventId": e["eventId"]}))["event"]["eventData"])
            ["createdIncident"] for e in triggers]
        assert sorted(data) == [False, True]
        await call(bus, "UpdateIncidentRecord", {"arn": first, "status": "RESOLVED"})
        assert await start(bus, plan_arn, triggerDetails=trigger) != first

    async def test_template_dedupe_string(self, incidents: Settings, bus: Bus) -> None:
        """Starts of a plan with a dedupe string join one open incident, triggers or not."""
        plan_arn = await plan(bus, incidents, dedupeString="orders-db")
        assert await start(bus, plan_arn) == await start(bus, plan_arn, title="again")

    async def test_fifty_concurrent_duplicates_make_one_incident(
            self, incidents: Settings, bus: Bus) -> None:
        """Fifty starts of one alarm at the same moment open exactly one incident."""
        plan_arn = await plan(bus, incidents)
        trigger = {"source": "aws.cloudwatch", "timestamp": 1, "triggerArn": ALARM_ARN}
        arns = await asyncio.gather(*(start(bus, plan_arn, triggerDetails=trigger)
                                      for _ in range(50)))
        assert len(set(arns)) == 1
        listed = await call(bus, "ListIncidentRecords")
        assert len(listed["incidentRecordSummaries"]) == 1
        triggers = await timeline(bus, arns[0], filters=[{"key": "eventType", "condition": {
            "equals": {"stringValues": ["SSM Incident Trigger"]}}}])
        assert len(triggers) == 50
