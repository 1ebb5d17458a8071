"""The rules of contacts, channels, tags and policies that need no database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import msgspec
import pytest

from tocsin.contacts.channels.domain import check_address, code_digest, new_code
from tocsin.contacts.channels.requests import ContactChannelAddress
from tocsin.contacts.directory.domain import (
    camel,
    check_plan,
    check_policy,
    plan_output,
    resource_type_of,
)
from tocsin.contacts.directory.requests import Plan
from tocsin.contacts.usecases import read_token
from tocsin.shared import codec
from tocsin.shared.bus import deliveries_stream
from tocsin.shared.contracts import deliveries
from tocsin.shared.errors import ValidationError
from tocsin.shared.paging import make_token

ARN = "arn:tocsin:ssm-contacts:local-1:000000000000:"


def plan(doc: dict[str, object]) -> Plan:
    return msgspec.convert(doc, Plan)


class TestCheckPlan:
    def test_references_are_collected_once_with_their_member(self) -> None:
        """A plan's references come back once each, named by the first member naming them."""
        refs = check_plan("ESCALATION", plan({"Stages": [
            {"DurationInMinutes": 5, "Targets": [
                {"ContactTargetInfo": {"ContactId": f"{ARN}contact/a", "IsEssential": True}}]},
            {"DurationInMinutes": 0, "Targets": [
                {"ContactTargetInfo": {"ContactId": f"{ARN}contact/a", "IsEssential": False}},
                {"ContactTargetInfo": {"ContactId": f"{ARN}contact/b", "IsEssential": False}}]},
        ]}))
        assert refs.contacts == {
            f"{ARN}contact/a": "Plan.Stages[0].Targets[0].ContactTargetInfo.ContactId",
            f"{ARN}contact/b": "Plan.Stages[1].Targets[1].ContactTargetInfo.ContactId"}
        assert refs.channels == {} and refs.rotations == {}

    def test_waiting_stage_without_targets(self) -> None:
        """A stage without targets is a wait, so it must last at least a minute."""
        check_plan("PERSONAL", plan({"Stages": [{"DurationInMinutes": 1, "Targets": []}]}))
        with pytest.raises(ValidationError, match=r"Stages\[0\].DurationInMinutes"):
            check_plan("PERSONAL", plan({"Stages": [{"DurationInMinutes": 0, "Targets": []}]}))

    def test_schedule_output_keeps_rotation_ids(self) -> None:
        """On-call schedules show RotationIds; other contacts never do."""
        rotations = plan({"RotationIds": [f"{ARN}rotation/r"]})
        check_plan("ONCALL_SCHEDULE", rotations)
        assert plan_output("ONCALL_SCHEDULE", rotations) == {
            "Stages": [], "RotationIds": [f"{ARN}rotation/r"]}
        assert plan_output("PERSONAL", plan({})) == {"Stages": []}


class TestAddresses:
    @pytest.mark.parametrize(("kind", "address"), [
        ("EMAIL", "alice@example.com"), ("EMAIL", "a.b+tag@mail.example.co.uk"),
        ("SMS", "+14155550123"), ("VOICE", "+442071234567"), ("SMS", "+12345678"),
    ])
    def test_good(self, kind: str, address: str) -> None:
        """Ordinary email addresses and E.164 numbers of 8 to 15 digits are taken as given."""
        assert check_address(kind, ContactChannelAddress(simple_address=address)) == address

    @pytest.mark.parametrize(("kind", "address"), [
        ("EMAIL", "alice@"), ("EMAIL", "a..b@example.com"), ("EMAIL", "alice@example"),
        ("SMS", "+1234567"), ("SMS", "+0123456789"), ("VOICE", "+1234567890123456"),
        ("SMS", "+1 415 555 0123"), ("EMAIL", ""),
    ])
    def test_bad(self, kind: str, address: str) -> None:
        """Anything else is refused."""
        with pytest.raises(ValidationError, match="SimpleAddress"):
            check_address(kind, ContactChannelAddress(simple_address=address or None))


class TestCodes:
    def test_six_digits(self) -> None:
        """Codes are six digits, leading zeros kept."""
        codes = {new_code() for _ in range(200)}
        assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 150

    def test_digest_depends_on_salt(self) -> None:
        """The stored digest changes with the salt and never contains the code."""
        a, b = code_digest("123456", b"s" * 16), code_digest("123456", b"t" * 16)
        assert a != b and len(a) == 32 and b"123456" not in a


class TestWire:
    def test_camel_keys(self) -> None:
        """Event data keys are camelCase at every depth."""
        assert camel({"ContactArn": 1, "Plan": {"RotationIds": [{"ARN": 2}]}}) == {
            "contactArn": 1, "plan": {"rotationIds": [{"arn": 2}]}}

    def test_tokens_round_trip_and_fit_the_pattern(self) -> None:
        """Tokens read back as made and use only PaginationToken characters."""
        token = make_token("a_b-c")
        assert read_token(token, str) == "a_b-c"
        assert all(c.isalnum() or c in "-_" for c in token)
        with pytest.raises(ValidationError, match="NextToken"):
            read_token("!!", str)

    def test_taggable_arns(self) -> None:
        """Contacts and rotations are taggable; channels and other services are not."""
        assert resource_type_of(f"{ARN}contact/alice") == "CONTACT"
        assert resource_type_of(f"{ARN}rotation/0f") == "ROTATION"
        assert resource_type_of(f"{ARN}contact-channel/alice/1") is None
        assert resource_type_of("arn:tocsin:ssm-incidents::0:response-plan/x") is None

    def test_policy_check(self) -> None:
        """A sharing policy needs a known Version and Allow statements with a Principal and
        an Action."""
        check_policy(json.dumps({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Principal": {"AWS": "1"}, "Action": "ssm-contacts:*"}}))
        with pytest.raises(ValidationError, match="Action"):
            check_policy(json.dumps({"Version": "2012-10-17", "Statement": {
                "Effect": "Allow", "Principal": "*"}}))


class TestDeliveriesContract:
    def test_activation_code_delivery_is_camel_case(self) -> None:
        """The delivery request is camelCase JSON with RFC 3339 times, and reads back."""
        when = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        d = deliveries.ActivationCodeDelivery(
            id="1", channel_arn="c", contact_arn="p", type="EMAIL", address="a@example.com",
            code="012345", expires_at=when, sent_at=when)
        doc = json.loads(codec.encode(d))
        assert doc == {"id": "1", "channelArn": "c", "contactArn": "p", "type": "EMAIL",
                       "address": "a@example.com", "code": "012345",
                       "expiresAt": "2026-01-01T12:00:00Z", "sentAt": "2026-01-01T12:00:00Z"}
        assert codec.decode(codec.encode(d), deliveries.ActivationCodeDelivery) == d
        assert deliveries.subject("eu-1", deliveries.ACTIVATION_CODE) == \
            "deliveries.eu-1.activation-code"

    def test_stream(self) -> None:
        """DELIVERIES_<REGION> captures the region's deliveries and keeps them a day."""
        config = deliveries_stream("eu-1")
        assert config.name == "DELIVERIES_EU-1"
        assert config.subjects == ["deliveries.eu-1.>"]
        assert config.max_age == 24 * 3600
