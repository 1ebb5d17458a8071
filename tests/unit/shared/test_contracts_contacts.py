"""The contacts service's engagement events and internal requests as other services read
them."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts.base import decode, encode_data

NOW = datetime(2026, 1, 1, 9, 30, tzinfo=UTC)


class TestEventData:
    def test_round_trip_through_envelope_data(self) -> None:
        """A payload turned into envelope data (camelCase, ISO times) reads back equal."""
        accepted = cc.PageAccepted(page_arn="p", engagement_arn="e", contact_arn="c",
                                   accept_type="READ", accept_time=NOW, note="on it",
                                   progression_stopped=True)
        data = encode_data(accepted)
        assert data["pageArn"] == "p" and data["acceptTime"] == "2026-01-01T09:30:00Z"
        assert "incidentId" not in data
        assert decode("PageAccepted", data, cc.ContactsEvent) == accepted

    def test_unknown_members_are_ignored(self) -> None:
        """A newer producer's extra members do not break an older reader."""
        data = {"pageArn": "p", "engagementArn": "e", "contactArn": "c",
                "sentTime": "2026-01-01T09:30:00Z", "somethingNew": 1}
        created = decode("PageCreated", data, cc.ContactsEvent)
        assert created.stage_index == 0 and created.channel_arns == []

    def test_every_contacts_event_type_has_a_contract(self) -> None:
        """The engagement events and the resource events (contacts, channels, rotations,
        tags, policies); another service's type is not one of them."""
        assert {"EngagementStarted", "EngagementStageStarted", "EngagementStopped",
                "EngagementFailed", "PageCreated", "PageReceiptRecorded", "PageAccepted",
                "ContactCreated", "ResourceTagged", "RotationOverrideDeleted"} <= set(
                    cc.EVENT_TYPES)
        with pytest.raises(msgspec.ValidationError):
            decode("IncidentRecordCreated", {}, cc.ContactsEvent)

    def test_a_payload_member_named_type_is_not_the_tag(self) -> None:
        """A contact's own ``type`` survives next to the tag."""
        data = {"contactArn": "a", "alias": "ana", "type": "PERSONAL", "plan": {"stages": []},
                "tags": {"team": "db"}}
        created = decode("ContactCreated", data, cc.ContactsEvent)
        assert isinstance(created, cc.ContactCreated) and created.type == "PERSONAL"
        assert encode_data(created) == data

    def test_engagement_failed_reads_back(self) -> None:
        """EngagementFailed names each contact not paged, with a reason of the list."""
        failed = cc.EngagementFailed(
            contact_arn="e", failed_at=NOW, stage_index=0, failures=[cc.EngagementFailure(
                contact_arn="c", reason="NOBODY_ON_CALL", detail="nobody", via=["e"])])
        data = encode_data(failed)
        assert data["failures"][0] == {"contactArn": "c", "reason": "NOBODY_ON_CALL",
                                       "detail": "nobody", "via": ["e"]}
        assert decode("EngagementFailed", data, cc.ContactsEvent) == failed
        with pytest.raises(msgspec.ValidationError):
            decode("EngagementFailed", {**data, "failures": [
                {**data["failures"][0], "reason": "BORED"}]}, cc.ContactsEvent)


class TestRequests:
    def test_start_engagement_is_pascal_case(self) -> None:
        """StartEngagement encodes with the AWS member names."""
        body = msgspec.to_builtins(cc.StartEngagement(
            contact_id="arn", sender="Tocsin", subject="s", content="c",
            idempotency_token="t"))
        assert body["ContactId"] == "arn" and body["IdempotencyToken"] == "t"

    def test_sender_pattern_is_enforced(self) -> None:
        """A Sender outside the model's character class is refused on decode."""
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert({"ContactId": "a", "Sender": "a$b", "Subject": "s",
                             "Content": "c"}, cc.StartEngagement)

    def test_receipt_type_is_the_model_enum(self) -> None:
        """RecordPageReceipt takes only the five ReceiptType values."""
        ok = msgspec.convert({"PageId": "p", "ReceiptType": "STOP"}, cc.RecordPageReceipt)
        assert ok.receipt_type == "STOP"
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert({"PageId": "p", "ReceiptType": "LOST"}, cc.RecordPageReceipt)
