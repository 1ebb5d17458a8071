"""The chat relay tells a timeline event from the incident record the event carries, and
asks the incidents service only for one that carries none."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec

from tocsin.notifications.chat.handlers import ChatRelay
from tocsin.notifications.delivery.compose import Composer
from tocsin.notifications.templates import Templates
from tocsin.shared import codec
from tocsin.shared.contracts import incidents as ic
from tocsin.shared.contracts.base import encode_data
from tocsin.shared.events import received

ARN = "arn:aws:ssm-incidents::000000000000:incident-record/api/1"
RECORD = ic.IncidentRecord(
    arn=ARN, title="API errors", status="OPEN", impact=2, creation_time=1.0,
    last_modified_by="me", last_modified_time=1.0, dedupe_string="d",
    incident_record_source=ic.IncidentRecordSource(created_by="me", source="aws.ssm-incidents"),
    notification_targets=[{"snsTopicArn": "arn:aws:sns:us-east-1:000000000000:ops-pager"}])


class _Nc:
    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []

    async def publish(self, subject: str, data: bytes) -> None:
        self.published.append((subject, json.loads(data)))


class _Bus:
    """Records topic publishes; answers GetIncidentRecord with :data:`RECORD`."""

    def __init__(self) -> None:
        self.nc = _Nc()
        self.requests: list[str] = []

    async def request(self, subject: str, payload: Any, *, timeout: float) -> bytes:
        self.requests.append(subject)
        return codec.encode({"incidentRecord": msgspec.to_builtins(RECORD)})


def _timeline_event(incident: ic.IncidentRecord | None) -> Any:
    event = ic.TimelineEventCreated(
        incident_record_arn=ARN, event_id="e1", event_time=2.0, event_updated_time=2.0,
        event_type="SSM Contacts Page for Incident", event_data=json.dumps({"note": "paged"}),
        resource_version=1, incident=incident)
    envelope = codec.make_envelope(
        type="TimelineEventCreated", service="incidents", region="local-1",
        data=encode_data(event), correlation=codec.Correlation(incident_arn=ARN),
        time=datetime.now(UTC))
    # As a consumer gets it: from the wire.
    return received(codec.decode(codec.encode(envelope), codec.Envelope), ic.IncidentsEvent)


def _relay(bus: _Bus) -> ChatRelay:
    return ChatRelay(None, bus, None, Templates(), {})  # type: ignore[arg-type]


async def test_a_timeline_event_carrying_its_record_is_told_without_a_call() -> None:
    bus = _Bus()
    await _relay(bus).on_event(_timeline_event(RECORD), None)  # type: ignore[arg-type]
    assert bus.requests == []
    [(subject, body)] = bus.nc.published
    assert subject == "topics.ops-pager"
    assert (body["type"], body["incidentArn"], body["title"]) == (
        "timeline-event", ARN, "API errors")
    assert "paged" in body["text"]


async def test_a_timeline_event_without_its_record_asks_for_it() -> None:
    bus = _Bus()
    await _relay(bus).on_event(_timeline_event(None), None)  # type: ignore[arg-type]
    assert bus.requests == ["tocsin.rpc.incidents.GetIncidentRecord"]
    assert [s for s, _ in bus.nc.published] == ["topics.ops-pager"]


async def test_the_records_events_carry_reach_the_page_composer() -> None:
    """A page of an incident whose record an event carried asks the incidents service
    nothing; an incident no event told of is asked for once."""
    bus = _Bus()
    composer = Composer(None, bus, Templates(), link_base="", link_ttl=60)  # type: ignore[arg-type]
    relay = ChatRelay(None, bus, None, Templates(), {},  # type: ignore[arg-type]
                      learnt=composer.remember)
    await relay.on_event(_timeline_event(RECORD), None)  # type: ignore[arg-type]
    assert await composer._incident(ARN) == {"arn": ARN, "title": "API errors", "impact": 2,
                                             "summary": ""}
    assert bus.requests == []
    other = ARN.replace("/1", "/2")
    assert (await composer._incident(other) or {})["title"] == "API errors"
    assert await composer._incident(other) is not None
    assert bus.requests == ["tocsin.rpc.incidents.GetIncidentRecord"]
