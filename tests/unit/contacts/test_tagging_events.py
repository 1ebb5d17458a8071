"""``ResourceTagged`` / ``ResourceUntagged``: one definition of their members, published
under each producing service's own subject."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from tocsin.shared import codec
from tocsin.shared.contracts import contacts, incidents, tagging
from tocsin.shared.contracts.base import decode
from tocsin.shared.events import envelope_of

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_both_services_share_the_members_of_the_one_definition() -> None:
    for shared, mine, theirs in [
            (tagging.ResourceTagged, contacts.ResourceTagged, incidents.ResourceTagged),
            (tagging.ResourceUntagged, contacts.ResourceUntagged, incidents.ResourceUntagged)]:
        assert issubclass(mine, shared) and issubclass(theirs, shared)
        assert mine.__struct_fields__ == theirs.__struct_fields__ == shared.__struct_fields__


def test_each_is_published_by_its_own_service_with_tags_as_a_map() -> None:
    for event, service in [
            (contacts.ResourceTagged(resource_arn="arn:c", resource_type="CONTACT",
                                     tags={"team": "db"}), "contacts"),
            (incidents.ResourceTagged(resource_arn="arn:i", resource_type="RESPONSE_PLAN",
                                      tags={"team": "db"}), "incidents")]:
        envelope = envelope_of(event, region="local-1", now=NOW,
                               correlation=codec.Correlation())
        assert (envelope.service, envelope.type) == (service, "ResourceTagged")
        assert envelope.data["tags"] == {"team": "db"}


def test_each_union_decodes_its_own_class() -> None:
    data = {"resourceArn": "arn:x", "resourceType": "ROTATION", "tagKeys": ["team"]}
    assert type(decode("ResourceUntagged", data, contacts.ContactsEvent)) is (
        contacts.ResourceUntagged)
    assert type(decode("ResourceUntagged", data, incidents.IncidentsEvent)) is (
        incidents.ResourceUntagged)
    assert msgspec.to_builtins(decode("ResourceUntagged", data, contacts.ContactsEvent))[
        "tagKeys"] == ["team"]
