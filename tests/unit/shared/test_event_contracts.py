"""Every service's events: a tagged union decoded by the envelope's type, written by one
``emit`` with the type, service and schema version of the event's class."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from tocsin.shared import codec
from tocsin.shared.contracts import contacts, escalation, incidents, notifications
from tocsin.shared.contracts.base import TAG_FIELD, decode, encode_data
from tocsin.shared.events import envelope_of

NOW = datetime(2026, 1, 1, tzinfo=UTC)
UNIONS = {"incidents": incidents, "contacts": contacts, "escalation": escalation,
          "notifications": notifications}


@pytest.mark.parametrize("service", sorted(UNIONS))
def test_every_type_belongs_to_its_service(service: str) -> None:
    for name, cls in UNIONS[service].EVENT_TYPES.items():
        assert cls.__name__ == name
        assert cls.service == service
        assert cls.version >= 1


def test_incidents_has_a_contract_for_each_of_its_event_types() -> None:
    assert len(incidents.EVENT_TYPES) == 28
    assert "IncidentRecordCreated" in incidents.EVENT_TYPES


def test_data_carries_no_tag_and_decodes_by_the_envelope_type() -> None:
    """The envelope's ``data`` is what it always was; the type picks the Struct."""
    deleted = incidents.IncidentRecordDeleted(arn="arn:x")
    envelope = envelope_of(deleted, region="eu-west-1", now=NOW,
                           correlation=codec.Correlation(incident_arn="arn:x"))
    assert envelope.data == {"arn": "arn:x"}
    assert TAG_FIELD not in envelope.data
    assert (envelope.type, envelope.service, envelope.schema_version) == (
        "IncidentRecordDeleted", "incidents", 1)
    assert envelope.subject == "events.eu-west-1.incidents.IncidentRecordDeleted"
    wire = codec.decode(codec.encode(envelope), codec.Envelope)
    assert decode(wire.type, wire.data, incidents.IncidentsEvent) == deleted


def test_a_payload_of_another_type_does_not_decode() -> None:
    """``ResponsePlanDeleted`` has the same members as ``IncidentRecordDeleted``, but the
    tag decides."""
    event = decode("ResponsePlanDeleted", {"arn": "a"}, incidents.IncidentsEvent)
    assert type(event) is incidents.ResponsePlanDeleted
    with pytest.raises(msgspec.ValidationError):
        decode("ContactCreated", {"arn": "a"}, incidents.IncidentsEvent)
    with pytest.raises(msgspec.ValidationError):
        decode("IncidentRecordDeleted", {"arn": 5}, incidents.IncidentsEvent)


def test_tags_are_a_map() -> None:
    data = {"resourceArn": "r", "resourceType": "RESPONSE_PLAN", "tags": {"team": "db"}}
    tagged = decode("ResourceTagged", data, incidents.IncidentsEvent)
    assert tagged.tags == {"team": "db"}
    assert encode_data(tagged) == data
