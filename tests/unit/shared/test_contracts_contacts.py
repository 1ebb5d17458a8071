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

    def test_other_types_are_not_engagement_events(self) -> None:
        """Only the seven engagement event types have a typed payload here."""
        assert set(cc.EVENT_TYPES) == {"EngagementStarted", "EngagementStageStarted",
                                       "EngagementStopped", "EngagementFailed",
                                       "PageCreated", "PageReceiptRecorded", "PageAccepted"}
        with pytest.raises(msgspec.ValidationError):
            decode("ContactCreated", {}, cc.ContactsEvent)


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
