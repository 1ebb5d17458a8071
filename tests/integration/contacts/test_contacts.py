"""Contacts, their plans, tags and policies over NATS request/reply, against real JetStream
and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import pytest

from tocsin.contacts.settings import Settings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

ACCOUNT = "000000000000"


ALICE = "arn:tocsin:iam::000000000000:user/alice"
BOB = "arn:tocsin:iam::000000000000:user/bob"


async def call(bus: Bus, operation: str, params: dict[str, Any] | None = None,
               principal: str = ALICE) -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.contacts.{operation}", params or {},
                              headers={"Tocsin-Principal": principal})
    return codec.decode(reply, dict[str, Any])


def prefix(settings: Settings) -> str:
    return f"arn:tocsin:ssm-contacts:{settings.region}:{ACCOUNT}:"


async def contact(bus: Bus, alias: str, kind: str = "PERSONAL",
                  plan: dict[str, Any] | None = None, **extra: Any) -> str:
    created = await call(bus, "CreateContact", {
        "Alias": alias, "Type": kind, "Plan": plan or {"Stages": []}, **extra})
    return str(created["ContactArn"])


async def channel(bus: Bus, contact_arn: str, name: str = "mail") -> str:
    created = await call(bus, "CreateContactChannel", {
        "ContactId": contact_arn, "Name": name, "Type": "EMAIL",
        "DeliveryAddress": {"SimpleAddress": f"{name}@example.com"}, "DeferActivation": True})
    return str(created["ContactChannelArn"])


async def rotation(bus: Bus, settings: Settings, members: list[str]) -> str:
    """A rotation of ``members``: by CreateRotation, or straight into the rotations' tables
    while that operation is not served yet."""
    recurrence = {"NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
                  "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]}
    try:
        created = await call(bus, "CreateRotation", {
            "Name": "primary", "ContactIds": members, "TimeZoneId": "UTC",
            "Recurrence": recurrence})
        return str(created["RotationArn"])
    except errors.UnsupportedOperation:
        pass
    arn = f"{prefix(settings)}rotation/{uuid.uuid4()}"
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(
            f'INSERT INTO "{settings.schema}".rotation (arn, name, start_time, time_zone_id,'
            " recurrence, created_at, updated_at) VALUES ($1, 'primary', now(), 'UTC', $2,"
            " now(), now())", arn, json.dumps(recurrence))
        await conn.executemany(
            f'INSERT INTO "{settings.schema}".rotation_contact'
            " (rotation_arn, contact_arn, position) VALUES ($1, $2, $3)",
            [(arn, m, i) for i, m in enumerate(members)])
    finally:
        await conn.close()
    return arn


def stage(*targets: dict[str, Any], minutes: int = 5) -> dict[str, Any]:
    return {"DurationInMinutes": minutes, "Targets": list(targets)}


def to_channel(arn: str, retry: int | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {"ContactChannelId": arn}
    if retry is not None:
        info["RetryIntervalInMinutes"] = retry
    return {"ChannelTargetInfo": info}


def to_contact(arn: str, essential: bool = True) -> dict[str, Any]:
    return {"ContactTargetInfo": {"ContactId": arn, "IsEssential": essential}}


async def events_of(bus: Bus, settings: Settings, count: int) -> list[codec.Envelope]:
    """The contacts events of the test's region, once at least ``count`` are there."""
    stream = f"EVENTS_{settings.region.upper()}"

    async def arrived() -> bool:
        return (await bus.js.stream_info(stream)).state.messages >= count

    await wait_for(arrived)
    sub = await bus.js.subscribe(f"events.{settings.region}.contacts.>", ordered_consumer=True)
    try:
        return [codec.decode((await sub.next_msg(timeout=2)).data, codec.Envelope)
                for _ in range(count)]
    finally:
        await sub.unsubscribe()


class TestContacts:
    async def test_create_get_personal(self, contacts: Settings, bus: Bus) -> None:
        """A personal contact's ARN embeds its alias and GetContact returns what was created."""
        arn = await contact(bus, "alice", DisplayName="Alice Smith")
        assert arn == f"{prefix(contacts)}contact/alice"
        assert await call(bus, "GetContact", {"ContactId": arn}) == {
            "ContactArn": arn, "Alias": "alice", "DisplayName": "Alice Smith",
            "Type": "PERSONAL", "Plan": {"Stages": []}}

    async def test_alias_is_unique(self, contacts: Settings, bus: Bus) -> None:
        """A second contact with a taken alias is a ConflictException naming the contact."""
        arn = await contact(bus, "alice")
        with pytest.raises(errors.ConflictError, match="alias alice") as caught:
            await contact(bus, "alice", "ESCALATION")
        assert caught.value.fields["resourceIdentifier"] == arn

    async def test_missing_contact_is_not_found(self, contacts: Settings, bus: Bus) -> None:
        """Get, Update and Delete of an unknown contact name it with ResourceType CONTACT."""
        arn = f"{prefix(contacts)}contact/nobody"
        for op, params in (("GetContact", {}), ("UpdateContact", {"DisplayName": "x"}),
                           ("DeleteContact", {})):
            with pytest.raises(errors.NotFoundError) as caught:
                await call(bus, op, {"ContactId": arn, **params})
            assert caught.value.fields == {"resourceType": "CONTACT",
                                           "resourceIdentifier": arn}

    async def test_update_changes_display_name_and_plan_only(self, contacts: Settings,
                                                             bus: Bus) -> None:
        """UpdateContact changes only what it is sent; alias and type stay."""
        arn = await contact(bus, "alice", DisplayName="Alice")
        mail = await channel(bus, arn)
        await call(bus, "UpdateContact", {"ContactId": arn, "DisplayName": "Alice S"})
        await call(bus, "UpdateContact", {
            "ContactId": arn, "Plan": {"Stages": [stage(to_channel(mail, retry=1))]}})
        got = await call(bus, "GetContact", {"ContactId": arn})
        assert got["DisplayName"] == "Alice S"
        assert got["Alias"] == "alice" and got["Type"] == "PERSONAL"
        assert got["Plan"] == {"Stages": [{"DurationInMinutes": 5, "Targets": [
            {"ChannelTargetInfo": {"ContactChannelId": mail, "RetryIntervalInMinutes": 1}}]}]}

    async def test_delete_takes_channels_tags_and_policy(self, contacts: Settings,
                                                         bus: Bus) -> None:
        """Deleting a contact deletes its channels, tags and policy; a new contact of the same
        alias starts afresh."""
        arn = await contact(bus, "alice", Tags=[{"Key": "team", "Value": "db"}])
        mail = await channel(bus, arn)
        await call(bus, "PutContactPolicy", {"ContactArn": arn, "Policy": share(arn)})
        await call(bus, "DeleteContact", {"ContactId": arn})
        with pytest.raises(errors.NotFoundError):
            await call(bus, "GetContactChannel", {"ContactChannelId": mail})
        with pytest.raises(errors.NotFoundError):
            await call(bus, "DeleteContact", {"ContactId": arn})
        assert await contact(bus, "alice") == arn
        assert await call(bus, "ListTagsForResource", {"ResourceARN": arn}) == {"Tags": []}
        assert await call(bus, "GetContactPolicy", {"ContactArn": arn}) == {"ContactArn": arn}
        assert await call(bus, "ListContactChannels", {"ContactId": arn}) == {
            "ContactChannels": []}

    async def test_delete_leaves_plans_that_name_it(self, contacts: Settings,
                                                    bus: Bus) -> None:
        """An escalation plan keeps naming a deleted contact (the model's documented
        behaviour)."""
        alice = await contact(bus, "alice")
        plan = {"Stages": [stage(to_contact(alice), minutes=0)]}
        team = await contact(bus, "team", "ESCALATION", plan)
        await call(bus, "DeleteContact", {"ContactId": alice})
        assert (await call(bus, "GetContact", {"ContactId": team}))["Plan"] == plan

    async def test_delete_refused_while_in_a_rotation(self, contacts: Settings,
                                                      bus: Bus) -> None:
        """A rotation member can't be deleted: ConflictException lists the rotation."""
        alice = await contact(bus, "alice")
        rot = await rotation(bus, contacts, [alice])
        with pytest.raises(errors.ConflictError) as caught:
            await call(bus, "DeleteContact", {"ContactId": alice})
        assert caught.value.fields["DependentEntities"] == [
            {"RelationType": "ROTATION_MEMBER", "DependentResourceIds": [rot]}]
        await call(bus, "GetContact", {"ContactId": alice})

    async def test_events(self, contacts: Settings, bus: Bus) -> None:
        """Create, update and delete each publish one camelCase event."""
        arn = await contact(bus, "alice", Tags=[{"Key": "team", "Value": "db"}])
        await call(bus, "UpdateContact", {"ContactId": arn, "DisplayName": "Alice"})
        await call(bus, "UpdateContact", {"ContactId": arn, "DisplayName": "Alice"})
        await call(bus, "DeleteContact", {"ContactId": arn})
        events = await events_of(bus, contacts, 3)
        assert [e.type for e in events] == ["ContactCreated", "ContactUpdated",
                                            "ContactDeleted"]
        assert events[0].data == {"contactArn": arn, "alias": "alice", "type": "PERSONAL",
                                  "plan": {"stages": []},
                                  "tags": {"team": "db"}, "version": 1, "principal": ALICE}
        assert events[1].data["displayName"] == "Alice"
        assert events[2].data == {"contactArn": arn, "alias": "alice", "type": "PERSONAL",
                                  "contactChannelArns": [], "version": 3, "principal": ALICE}

    async def test_each_change_raises_the_contacts_version(self, contacts: Settings,
                                                          bus: Bus) -> None:
        """Every event of a contact carries its version after the change, one more than the
        last, and who made the change."""
        arn = await contact(bus, "alice")
        await call(bus, "UpdateContact", {"ContactId": arn, "DisplayName": "Alice"})
        await call(bus, "UpdateContact", {"ContactId": arn, "DisplayName": "Alice B."},
                   principal=BOB)
        await call(bus, "TagResource", {"ResourceARN": arn, "Tags": [
            {"Key": "team", "Value": "db"}]})
        await call(bus, "PutContactPolicy", {"ContactArn": arn, "Policy": share(arn)})
        await call(bus, "DeleteContact", {"ContactId": arn})
        events = await events_of(bus, contacts, 6)
        assert [(e.type, e.data["version"], e.data["principal"]) for e in events] == [
            ("ContactCreated", 1, ALICE), ("ContactUpdated", 2, ALICE),
            ("ContactUpdated", 3, BOB), ("ResourceTagged", 4, ALICE),
            ("ContactPolicyPut", 5, ALICE), ("ContactDeleted", 6, ALICE)]
        assert [e.data.get("displayName") for e in events[1:3]] == ["Alice", "Alice B."]


class TestListContacts:
    async def test_filters(self, contacts: Settings, bus: Bus) -> None:
        """AliasPrefix matches literally (an underscore is no wildcard) and Type filters."""
        for alias in ("a_b", "axb", "a_c", "b"):
            await contact(bus, alias)
        await contact(bus, "a_team", "ESCALATION")
        page = await call(bus, "ListContacts", {"AliasPrefix": "a_"})
        assert [c["Alias"] for c in page["Contacts"]] == ["a_b", "a_c", "a_team"]
        page = await call(bus, "ListContacts", {"AliasPrefix": "a_", "Type": "PERSONAL"})
        assert [c["Alias"] for c in page["Contacts"]] == ["a_b", "a_c"]
        page = await call(bus, "ListContacts", {"Type": "ESCALATION"})
        assert page == {"Contacts": [{"ContactArn": f"{prefix(contacts)}contact/a_team",
                                      "Alias": "a_team", "Type": "ESCALATION"}]}

    async def test_pagination(self, contacts: Settings, bus: Bus) -> None:
        """Pages of MaxResults follow each other through NextToken and end without one."""
        for i in range(5):
            await contact(bus, f"c{i}")
        aliases, token, pages = [], None, 0
        while True:
            page = await call(bus, "ListContacts",
                              {"MaxResults": 2, **({"NextToken": token} if token else {})})
            pages += 1
            aliases += [c["Alias"] for c in page["Contacts"]]
            token = page.get("NextToken")
            if not token:
                break
        assert aliases == ["c0", "c1", "c2", "c3", "c4"] and pages == 3
        everything = await call(bus, "ListContacts", {"MaxResults": 0})
        assert len(everything["Contacts"]) == 5 and "NextToken" not in everything

    async def test_bad_token_and_limits(self, contacts: Settings, bus: Bus) -> None:
        """A token the service did not make, or MaxResults over 1024, is a
        ValidationException."""
        with pytest.raises(errors.ValidationError, match="NextToken"):
            await call(bus, "ListContacts", {"NextToken": "bm9wZQ"})
        with pytest.raises(errors.ValidationError):
            await call(bus, "ListContacts", {"MaxResults": 1025})


class TestPlans:
    async def test_personal_plan_targets_own_channels(self, contacts: Settings,
                                                      bus: Bus) -> None:
        """A personal contact's plan may name its own channels, not another contact's."""
        alice, bob = await contact(bus, "alice"), await contact(bus, "bob")
        mine, theirs = await channel(bus, alice), await channel(bus, bob)
        await call(bus, "UpdateContact", {"ContactId": alice, "Plan": {"Stages": [
            stage(to_channel(mine)), stage(to_channel(mine), minutes=0)]}})
        with pytest.raises(errors.ValidationError,
                           match=r"Stages\[0\].Targets\[0\].ChannelTargetInfo") as caught:
            await call(bus, "UpdateContact", {"ContactId": alice, "Plan": {"Stages": [
                stage(to_channel(theirs))]}})
        assert theirs in caught.value.message

    async def test_new_personal_contact_cannot_name_channels(self, contacts: Settings,
                                                             bus: Bus) -> None:
        """CreateContact can't target channels, which don't exist yet: the channel is named."""
        missing = f"{prefix(contacts)}contact-channel/alice/0000"
        with pytest.raises(errors.ValidationError, match=missing):
            await contact(bus, "alice", plan={"Stages": [stage(to_channel(missing))]})
        with pytest.raises(errors.NotFoundError):
            await call(bus, "GetContact", {"ContactId": f"{prefix(contacts)}contact/alice"})

    @pytest.mark.parametrize(("target", "message"), [
        ({}, "exactly one of ChannelTargetInfo and ContactTargetInfo"),
        ({"ChannelTargetInfo": {"ContactChannelId": "arn:tocsin:ssm-contacts:r:0:x/y"},
          "ContactTargetInfo": {"IsEssential": True}},
         "exactly one of ChannelTargetInfo and ContactTargetInfo"),
        ({"ContactTargetInfo": {"IsEssential": True, "ContactId": "x"}}, "not other contacts"),
    ])
    async def test_personal_target_shapes(self, contacts: Settings, bus: Bus,
                                          target: dict[str, Any], message: str) -> None:
        """Each target of an engagement plan is exactly one channel of the contact."""
        with pytest.raises(errors.ValidationError, match=message):
            await contact(bus, "alice", plan={"Stages": [stage(target)]})

    async def test_escalation_plan_targets(self, contacts: Settings, bus: Bus) -> None:
        """An escalation plan names existing personal contacts and on-call schedules; a
        missing contact, another escalation plan or a channel is refused."""
        alice = await contact(bus, "alice")
        other = await contact(bus, "other", "ESCALATION")
        plan = {"Stages": [stage(to_contact(alice)), stage(to_contact(alice, False),
                                                           minutes=0)]}
        team = await contact(bus, "team", "ESCALATION", plan)
        assert (await call(bus, "GetContact", {"ContactId": team}))["Plan"] == plan
        nobody = f"{prefix(contacts)}contact/nobody"
        for target, message in ((to_contact(nobody), f"contact {nobody} does not exist"),
                                (to_contact(other), "is an escalation plan"),
                                ({"ContactTargetInfo": {"IsEssential": True}},
                                 "ContactId is required"),
                                (to_channel(alice), "not contact channels")):
            with pytest.raises(errors.ValidationError, match=message):
                await call(bus, "UpdateContact", {"ContactId": team, "Plan": {
                    "Stages": [stage(to_contact(alice)), stage(target)]}})
        assert (await call(bus, "GetContact", {"ContactId": team}))["Plan"] == plan

    @pytest.mark.parametrize(("plan", "message"), [
        ({"Stages": [{"DurationInMinutes": 31, "Targets": []}]}, "DurationInMinutes"),
        ({"Stages": [{"DurationInMinutes": 0, "Targets": []}]}, "can be 0 only if"),
        ({"Stages": [{"DurationInMinutes": 1}]}, "Targets"),
        ({"Stages": [{"DurationInMinutes": 1, "Targets": [
            {"ChannelTargetInfo": {"ContactChannelId": "c", "RetryIntervalInMinutes": 61}}]}]},
         "RetryIntervalInMinutes"),
        ({"RotationIds": ["arn:tocsin:ssm-contacts:r:0:rotation/x"]}, "only for ONCALL"),
    ])
    async def test_stage_limits(self, contacts: Settings, bus: Bus, plan: dict[str, Any],
                                message: str) -> None:
        """Stage durations are 0..30 (0 only with targets), retries 0..60, and rotations
        belong to on-call schedules."""
        with pytest.raises(errors.ValidationError, match=message):
            await contact(bus, "alice", plan=plan)

    async def test_schedule_plans(self, contacts: Settings, bus: Bus) -> None:
        """An on-call schedule has no stages and at most 25 rotations."""
        rotations = [f"{prefix(contacts)}rotation/r{i}" for i in range(26)]
        with pytest.raises(errors.ValidationError, match="at most 25"):
            await contact(bus, "oncall", "ONCALL_SCHEDULE", {"RotationIds": rotations})
        with pytest.raises(errors.ValidationError, match="Stages must be empty"):
            await contact(bus, "oncall", "ONCALL_SCHEDULE", {
                "Stages": [stage(to_contact(rotations[0]))], "RotationIds": rotations[:1]})
        with pytest.raises(errors.ValidationError, match="listed twice"):
            await contact(bus, "oncall", "ONCALL_SCHEDULE",
                          {"RotationIds": [rotations[0], rotations[0]]})

    async def test_schedule_names_existing_rotations(self, contacts: Settings,
                                                     bus: Bus) -> None:
        """An on-call schedule's rotations must exist; GetContact returns its RotationIds."""
        alice = await contact(bus, "alice")
        rot = await rotation(bus, contacts, [alice])
        missing = f"{prefix(contacts)}rotation/nope"
        with pytest.raises(errors.ValidationError, match=f"rotation {missing} does not"):
            await contact(bus, "oncall", "ONCALL_SCHEDULE", {"RotationIds": [rot, missing]})
        arn = await contact(bus, "oncall", "ONCALL_SCHEDULE", {"RotationIds": [rot]})
        assert (await call(bus, "GetContact", {"ContactId": arn}))["Plan"] == {
            "Stages": [], "RotationIds": [rot]}
        team = await contact(bus, "team", "ESCALATION", {"Stages": [stage(to_contact(arn))]})
        assert team.endswith("contact/team")


class TestIdempotency:
    async def test_token_replay(self, contacts: Settings, bus: Bus) -> None:
        """The same IdempotencyToken and parameters return the first contact; other
        parameters are refused."""
        params = {"Alias": "alice", "Type": "PERSONAL", "Plan": {"Stages": []},
                  "IdempotencyToken": "tok-1"}
        first = await call(bus, "CreateContact", params)
        assert await call(bus, "CreateContact", params) == first
        with pytest.raises(errors.ConflictError, match="different parameters"):
            await call(bus, "CreateContact", {**params, "DisplayName": "Alice"})
        assert len((await call(bus, "ListContacts"))["Contacts"]) == 1


def share(arn: str, **statement: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "111122223333"},
        "Action": ["ssm-contacts:GetContact", "ssm-contacts:StartEngagement"],
        "Resource": arn, **statement}]})


class TestTags:
    async def test_tag_untag_list(self, contacts: Settings, bus: Bus) -> None:
        """Tags are added, overwritten by key and removed; unknown keys untag quietly."""
        arn = await contact(bus, "team", "ESCALATION", Tags=[{"Key": "team", "Value": "db"}])
        await call(bus, "TagResource", {"ResourceARN": arn, "Tags": [
            {"Key": "tier", "Value": "1"}, {"Key": "team", "Value": "web"}]})
        assert await call(bus, "ListTagsForResource", {"ResourceARN": arn}) == {"Tags": [
            {"Key": "team", "Value": "web"}, {"Key": "tier", "Value": "1"}]}
        await call(bus, "UntagResource", {"ResourceARN": arn, "TagKeys": ["tier", "nope"]})
        assert await call(bus, "ListTagsForResource", {"ResourceARN": arn}) == {"Tags": [
            {"Key": "team", "Value": "web"}]}

    async def test_fifty_tags_at_most(self, contacts: Settings, bus: Bus) -> None:
        """A 51st tag is a ServiceQuotaExceededException; overwriting keys is not."""
        arn = await contact(bus, "alice")
        await call(bus, "TagResource", {"ResourceARN": arn, "Tags": [
            {"Key": f"k{i}", "Value": "v"} for i in range(50)]})
        await call(bus, "TagResource", {"ResourceARN": arn, "Tags": [
            {"Key": "k0", "Value": "w"}]})
        with pytest.raises(errors.QuotaExceededError, match="51 tags") as caught:
            await call(bus, "TagResource", {"ResourceARN": arn, "Tags": [
                {"Key": "k50", "Value": "v"}]})
        assert caught.value.fields["QuotaCode"] == "TagsPerResource"
        assert caught.value.fields["ServiceCode"] == "ssm-contacts"

    async def test_what_can_be_tagged(self, contacts: Settings, bus: Bus) -> None:
        """A missing contact is not found; a channel is not taggable."""
        alice = await contact(bus, "alice")
        mail = await channel(bus, alice)
        with pytest.raises(errors.ValidationError, match="not the ARN of a taggable"):
            await call(bus, "TagResource", {"ResourceARN": mail, "Tags": [
                {"Key": "a", "Value": "b"}]})
        missing = f"{prefix(contacts)}contact/nobody"
        with pytest.raises(errors.NotFoundError):
            await call(bus, "ListTagsForResource", {"ResourceARN": missing})

    async def test_rotations_are_taggable(self, contacts: Settings, bus: Bus) -> None:
        """Rotations carry tags too; a missing rotation is not found."""
        rot = await rotation(bus, contacts, [await contact(bus, "alice")])
        await call(bus, "TagResource", {"ResourceARN": rot, "Tags": [
            {"Key": "team", "Value": "db"}]})
        tags = (await call(bus, "ListTagsForResource", {"ResourceARN": rot}))["Tags"]
        assert {"Key": "team", "Value": "db"} in tags
        with pytest.raises(errors.NotFoundError) as caught:
            await call(bus, "ListTagsForResource",
                       {"ResourceARN": f"{prefix(contacts)}rotation/nope"})
        assert caught.value.fields["resourceType"] == "ROTATION"

    async def test_tag_events(self, contacts: Settings, bus: Bus) -> None:
        """Each tag change is one event; a change that alters nothing publishes none."""
        arn = await contact(bus, "alice")
        await call(bus, "TagResource", {"ResourceARN": arn, "Tags": [
            {"Key": "a", "Value": "1"}]})
        await call(bus, "TagResource", {"ResourceARN": arn, "Tags": [
            {"Key": "a", "Value": "1"}]})
        await call(bus, "UntagResource", {"ResourceARN": arn, "TagKeys": ["a", "b"]})
        await call(bus, "UntagResource", {"ResourceARN": arn, "TagKeys": ["a"]})
        events = await events_of(bus, contacts, 3)
        assert [e.type for e in events] == ["ContactCreated", "ResourceTagged",
                                            "ResourceUntagged"]
        assert events[1].data == {"resourceArn": arn, "resourceType": "CONTACT",
                                  "tags": {"a": "1"}, "version": 2, "principal": ALICE}
        assert events[2].data == {"resourceArn": arn, "resourceType": "CONTACT",
                                  "tagKeys": ["a"], "version": 3, "principal": ALICE}


class TestPolicies:
    async def test_one_policy_per_contact(self, contacts: Settings, bus: Bus) -> None:
        """PutContactPolicy replaces the contact's policy; GetContactPolicy returns it."""
        arn = await contact(bus, "alice")
        assert await call(bus, "GetContactPolicy", {"ContactArn": arn}) == {"ContactArn": arn}
        await call(bus, "PutContactPolicy", {"ContactArn": arn, "Policy": share(arn)})
        second = share(arn, Sid="second")
        await call(bus, "PutContactPolicy", {"ContactArn": arn, "Policy": second})
        assert await call(bus, "GetContactPolicy", {"ContactArn": arn}) == {
            "ContactArn": arn, "Policy": second}

    @pytest.mark.parametrize(("policy", "message"), [
        ("{nope", "not valid JSON"),
        ("[]", "JSON object"),
        (json.dumps({"Statement": []}), "Version"),
        (json.dumps({"Version": "2012-10-17", "Statement": []}), "Statement"),
        (json.dumps({"Version": "2012-10-17", "Statement": {
            "Effect": "Deny", "Principal": "*", "Action": "*"}}), "Deny"),
        (json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
                                                            "Action": "*"}}), "Principal"),
    ])
    async def test_bad_policies(self, contacts: Settings, bus: Bus, policy: str,
                                message: str) -> None:
        """A policy that is not a sharing policy Tocsin can store is refused, saying why."""
        arn = await contact(bus, "alice")
        with pytest.raises(errors.ValidationError, match=message):
            await call(bus, "PutContactPolicy", {"ContactArn": arn, "Policy": policy})

    async def test_missing_contact(self, contacts: Settings, bus: Bus) -> None:
        """Policies of a contact that does not exist are not found."""
        arn = f"{prefix(contacts)}contact/nobody"
        with pytest.raises(errors.NotFoundError):
            await call(bus, "PutContactPolicy", {"ContactArn": arn, "Policy": share(arn)})
        with pytest.raises(errors.NotFoundError):
            await call(bus, "GetContactPolicy", {"ContactArn": arn})
