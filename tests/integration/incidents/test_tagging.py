"""Tags and resource policies of the incidents service, over NATS request/reply against real
JetStream and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tocsin.incidents.settings import Settings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

ACCOUNT = "000000000000"
PREFIX = f"arn:tocsin:ssm-incidents::{ACCOUNT}:"


async def call(bus: Bus, operation: str, params: dict[str, Any] | None = None,
               principal: str = "arn:tocsin:iam::000000000000:user/alice") -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.incidents.{operation}", params or {},
                              headers={"Tocsin-Principal": principal})
    return codec.decode(reply, dict[str, Any])


async def setup_plan(bus: Bus, settings: Settings, name: str = "db-down",
                     **template: Any) -> str:
    await call(bus, "CreateReplicationSet", {"regions": {settings.region: {}}})
    return await create_plan(bus, name, **template)


async def create_plan(bus: Bus, name: str, **template: Any) -> str:
    created = await call(bus, "CreateResponsePlan", {
        "name": name, "incidentTemplate": {"title": "Database down", "impact": 2, **template}})
    return str(created["arn"])


async def tags_of(bus: Bus, arn: str) -> dict[str, str]:
    return dict((await call(bus, "ListTagsForResource", {"resourceArn": arn}))["tags"])


def policy(*statements: dict[str, Any], version: str = "2012-10-17") -> str:
    return json.dumps({"Version": version, "Statement": list(statements) or [allow()]})


def allow(**overrides: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": {"AWS": "111122223333"},
                 "Action": ["ssm-incidents:GetResponsePlan", "ssm-incidents:StartIncident"],
                 "Resource": f"{PREFIX}response-plan/db-down"}
    return {k: v for k, v in {**statement, **overrides}.items() if v is not None}


class TestTags:
    async def test_plan_tag_untag_list(self, incidents: Settings, bus: Bus) -> None:
        """A plan's tags are added, overwritten by key and removed; unknown keys untag
        quietly."""
        plan = await setup_plan(bus, incidents)
        assert await tags_of(bus, plan) == {}
        await call(bus, "TagResource", {"resourceArn": plan, "tags": {"team": "db", "tier": "1"}})
        await call(bus, "TagResource", {"resourceArn": plan, "tags": {"tier": "0"}})
        assert await tags_of(bus, plan) == {"team": "db", "tier": "0"}
        await call(bus, "UntagResource", {"resourceArn": plan, "tagKeys": ["team", "nope"]})
        assert await tags_of(bus, plan) == {"tier": "0"}

    async def test_incident_gets_plan_incident_tags(self, incidents: Settings,
                                                    bus: Bus) -> None:
        """A started incident carries its plan's incidentTags, and its own tags change
        apart from the plan's."""
        plan = await setup_plan(bus, incidents, incidentTags={"service": "db", "pager": "yes"})
        arn = (await call(bus, "StartIncident", {"responsePlanArn": plan}))["incidentRecordArn"]
        assert await tags_of(bus, arn) == {"service": "db", "pager": "yes"}
        await call(bus, "TagResource", {"resourceArn": arn, "tags": {"customer": "acme"}})
        await call(bus, "UntagResource", {"resourceArn": arn, "tagKeys": ["pager"]})
        assert await tags_of(bus, arn) == {"service": "db", "customer": "acme"}
        assert await tags_of(bus, plan) == {}

    async def test_replication_set(self, incidents: Settings, bus: Bus) -> None:
        """The replication set keeps the tags it was created with and takes more."""
        rs = (await call(bus, "CreateReplicationSet", {
            "regions": {incidents.region: {}}, "tags": {"env": "prod"}}))["arn"]
        assert await tags_of(bus, rs) == {"env": "prod"}
        await call(bus, "TagResource", {"resourceArn": rs, "tags": {"owner": "sre"}})
        await call(bus, "UntagResource", {"resourceArn": rs, "tagKeys": ["env"]})
        assert await tags_of(bus, rs) == {"owner": "sre"}

    @pytest.mark.parametrize(("suffix", "resource_type"), [
        ("response-plan/nope", "RESPONSE_PLAN"),
        ("incident-record/db-down/00000000-0000-0000-0000-000000000000", "INCIDENT_RECORD"),
        ("replication-set/00000000-0000-0000-0000-000000000000", "REPLICATION_SET"),
    ])
    async def test_unknown_resource_is_not_found(self, incidents: Settings, bus: Bus,
                                                 suffix: str, resource_type: str) -> None:
        """Every tag operation on a missing resource is a ResourceNotFound naming its type."""
        await setup_plan(bus, incidents)
        arn = PREFIX + suffix
        for op, params in (("TagResource", {"tags": {"a": "b"}}),
                           ("UntagResource", {"tagKeys": ["a"]}),
                           ("ListTagsForResource", {})):
            with pytest.raises(errors.NotFoundError) as caught:
                await call(bus, op, {"resourceArn": arn, **params})
            assert caught.value.fields == {"resourceType": resource_type,
                                           "resourceIdentifier": arn}

    async def test_other_arns_are_refused(self, incidents: Settings, bus: Bus) -> None:
        """An ARN that can't name a taggable resource is a ValidationException saying what
        can be tagged."""
        await setup_plan(bus, incidents)
        with pytest.raises(errors.ValidationError, match="response plans, incident records"):
            await tags_of(bus, f"arn:tocsin:ssm-contacts:r:{ACCOUNT}:contact/alice")

    async def test_replication_set_required(self, incidents: Settings, bus: Bus) -> None:
        """Without a replication set, tagging answers that one is required."""
        with pytest.raises(errors.ValidationError, match="replication set is required"):
            await tags_of(bus, f"{PREFIX}response-plan/db-down")

    async def test_fifty_tags_at_most(self, incidents: Settings, bus: Bus) -> None:
        """A 51st tag is a ServiceQuotaExceeded with its quota and service codes; overwriting
        one of 50 is fine."""
        plan = await setup_plan(bus, incidents)
        await call(bus, "TagResource", {"resourceArn": plan,
                                        "tags": {f"k{i}": "v" for i in range(50)}})
        await call(bus, "TagResource", {"resourceArn": plan, "tags": {"k0": "w"}})
        with pytest.raises(errors.QuotaExceededError, match="51 tags") as caught:
            await call(bus, "TagResource", {"resourceArn": plan, "tags": {"k50": "v"}})
        assert caught.value.fields == {
            "quotaCode": "TagsPerResource", "serviceCode": "ssm-incidents",
            "resourceType": "RESPONSE_PLAN", "resourceIdentifier": plan}
        tags = await tags_of(bus, plan)
        assert len(tags) == 50
        assert tags["k0"] == "w"

    async def test_deleted_plan_leaves_no_tags(self, incidents: Settings, bus: Bus) -> None:
        """A plan re-created under a deleted plan's name starts without its tags."""
        plan = await setup_plan(bus, incidents)
        await call(bus, "TagResource", {"resourceArn": plan, "tags": {"team": "db"}})
        await call(bus, "DeleteResponsePlan", {"arn": plan})
        with pytest.raises(errors.NotFoundError):
            await tags_of(bus, plan)
        await create_plan(bus, "db-down")
        assert await tags_of(bus, plan) == {}

    async def test_changes_are_published(self, incidents: Settings, bus: Bus) -> None:
        """Each tag change publishes one event with what changed; a change that changes
        nothing publishes none."""
        plan = await setup_plan(bus, incidents)
        await call(bus, "TagResource", {"resourceArn": plan, "tags": {"a": "1", "b": "2"}})
        await call(bus, "TagResource", {"resourceArn": plan, "tags": {"a": "1"}})
        await call(bus, "UntagResource", {"resourceArn": plan, "tagKeys": ["zzz"]})
        await call(bus, "UntagResource", {"resourceArn": plan, "tagKeys": ["b", "zzz"]})
        events = await published(bus, incidents, 4)
        assert [e.type for e in events] == ["ReplicationSetCreated", "ResponsePlanCreated",
                                            "ResourceTagged", "ResourceUntagged"]
        alice = "arn:tocsin:iam::000000000000:user/alice"
        assert events[2].data == {"resourceArn": plan, "resourceType": "RESPONSE_PLAN",
                                  "tags": {"a": "1", "b": "2"}, "principal": alice}
        assert events[3].data == {"resourceArn": plan, "resourceType": "RESPONSE_PLAN",
                                  "tagKeys": ["b"], "principal": alice}


async def published(bus: Bus, settings: Settings, count: int) -> list[codec.Envelope]:
    """The first ``count`` events of the test's region, once exactly that many are there."""
    stream = f"EVENTS_{settings.region.upper()}"

    async def arrived() -> bool:
        return (await bus.js.stream_info(stream)).state.messages >= count

    await wait_for(arrived)
    sub = await bus.js.subscribe(f"events.{settings.region}.incidents.>", ordered_consumer=True)
    try:
        events = [codec.decode((await sub.next_msg(timeout=2)).data, codec.Envelope)
                  for _ in range(count)]
    finally:
        await sub.unsubscribe()
    assert (await bus.js.stream_info(stream)).state.messages == count
    return events


class TestResourcePolicies:
    async def test_put_get_paginate_delete(self, incidents: Settings, bus: Bus) -> None:
        """Policies come back as put, one page at a time, and go one by one."""
        plan = await setup_plan(bus, incidents)
        docs = [policy(allow(Sid=f"s{i}")) for i in range(3)]
        ids = [(await call(bus, "PutResourcePolicy", {"resourceArn": plan, "policy": d}))
               ["policyId"] for d in docs]
        assert all(len(i) == 32 and i == i.lower() and int(i, 16) >= 0 for i in ids)
        pages, token = [], None
        while True:
            page = await call(bus, "GetResourcePolicies", {
                "resourceArn": plan, "maxResults": 1, **({"nextToken": token} if token else {})})
            pages.append(page["resourcePolicies"])
            token = page.get("nextToken")
            if not token:
                break
        assert pages == [[{"policyDocument": d, "policyId": i,
                           "ramResourceShareRegion": incidents.region}]
                         for d, i in zip(docs, ids, strict=True)]
        await call(bus, "DeleteResourcePolicy", {"resourceArn": plan, "policyId": ids[1]})
        left = await call(bus, "GetResourcePolicies", {"resourceArn": plan})
        assert [p["policyId"] for p in left["resourcePolicies"]] == [ids[0], ids[2]]
        assert "nextToken" not in left
        with pytest.raises(errors.NotFoundError) as caught:
            await call(bus, "DeleteResourcePolicy", {"resourceArn": plan, "policyId": ids[1]})
        assert caught.value.fields == {"resourceType": "RESOURCE_POLICY",
                                       "resourceIdentifier": ids[1]}

    @pytest.mark.parametrize(("document", "problem"), [
        ("{not json", "not valid JSON"),
        ('["Version"]', "must be a JSON object"),
        (json.dumps({"Statement": [allow()]}), "no Version"),
        (policy(version="2020-01-01"), "Version '2020-01-01' is not one of"),
        (json.dumps({"Version": "2012-10-17"}), "Statement must be"),
        (json.dumps({"Version": "2012-10-17", "Statement": []}), "non-empty list"),
        (policy(allow(), "Allow"), r"Statement\[1\] must be a JSON object"),
        (policy(allow(Effect="Maybe")), r"Statement\[0\] Effect must be Allow or Deny"),
        (policy(allow(Principal=None, Resource=None)),
         r"Statement\[0\] has no Principal and no Resource"),
        (policy(allow(Action=[])), r"Statement\[0\] has no Action"),
        (policy(allow(), allow(Effect="Deny")),
         r"Statement\[1\] has Effect Deny: policies that deny access to shared resources"),
    ])
    async def test_bad_documents_are_refused(self, incidents: Settings, bus: Bus,
                                             document: str, problem: str) -> None:
        """A policy that is not a well-formed Allow-only policy is refused, naming what is
        wrong, and nothing is stored."""
        plan = await setup_plan(bus, incidents)
        with pytest.raises(errors.ValidationError, match=problem):
            await call(bus, "PutResourcePolicy", {"resourceArn": plan, "policy": document})
        listed = await call(bus, "GetResourcePolicies", {"resourceArn": plan})
        assert listed["resourcePolicies"] == []

    async def test_statement_object_is_accepted(self, incidents: Settings, bus: Bus) -> None:
        """A single statement object in place of a list is a valid policy."""
        plan = await setup_plan(bus, incidents)
        doc = json.dumps({"Version": "2012-10-17", "Statement": allow()})
        policy_id = (await call(bus, "PutResourcePolicy", {"resourceArn": plan, "policy": doc})
                     )["policyId"]
        listed = await call(bus, "GetResourcePolicies", {"resourceArn": plan})
        assert [(p["policyId"], p["policyDocument"]) for p in listed["resourcePolicies"]] == [
            (policy_id, doc)]

    async def test_only_response_plans(self, incidents: Settings, bus: Bus) -> None:
        """Incident records and the replication set carry no policies: a ValidationException
        says policies go on response plans."""
        plan = await setup_plan(bus, incidents)
        incident = (await call(bus, "StartIncident", {"responsePlanArn": plan})
                    )["incidentRecordArn"]
        rs = (await call(bus, "ListReplicationSets"))["replicationSetArns"][0]
        for arn in (incident, rs):
            for op, params in (("PutResourcePolicy", {"policy": policy()}),
                               ("GetResourcePolicies", {}),
                               ("DeleteResourcePolicy", {"policyId": "0" * 32})):
                with pytest.raises(errors.ValidationError, match="only to response plans"):
                    await call(bus, op, {"resourceArn": arn, **params})

    async def test_unknown_plan_is_not_found(self, incidents: Settings, bus: Bus) -> None:
        """A policy operation on a missing plan is a ResourceNotFound for the plan."""
        await setup_plan(bus, incidents)
        arn = f"{PREFIX}response-plan/nope"
        for op, params in (("PutResourcePolicy", {"policy": policy()}),
                           ("GetResourcePolicies", {}),
                           ("DeleteResourcePolicy", {"policyId": "0" * 32})):
            with pytest.raises(errors.NotFoundError) as caught:
                await call(bus, op, {"resourceArn": arn, **params})
            assert caught.value.fields["resourceType"] == "RESPONSE_PLAN"

    async def test_deleting_the_plan_drops_its_policies(self, incidents: Settings,
                                                        bus: Bus) -> None:
        """A plan re-created under a deleted plan's name has none of the old policies, and
        other plans keep theirs."""
        plan = await setup_plan(bus, incidents)
        other = await create_plan(bus, "other")
        await call(bus, "PutResourcePolicy", {"resourceArn": plan, "policy": policy()})
        kept = (await call(bus, "PutResourcePolicy", {"resourceArn": other,
                                                      "policy": policy()}))["policyId"]
        await call(bus, "DeleteResponsePlan", {"arn": plan})
        await create_plan(bus, "db-down")
        assert (await call(bus, "GetResourcePolicies", {"resourceArn": plan})
                )["resourcePolicies"] == []
        listed = await call(bus, "GetResourcePolicies", {"resourceArn": other})
        assert [p["policyId"] for p in listed["resourcePolicies"]] == [kept]

    async def test_deleting_the_replication_set_drops_policies(self, incidents: Settings,
                                                               bus: Bus) -> None:
        """DeleteReplicationSet removes the policies with everything else."""
        plan = await setup_plan(bus, incidents)
        await call(bus, "PutResourcePolicy", {"resourceArn": plan, "policy": policy()})
        rs = (await call(bus, "ListReplicationSets"))["replicationSetArns"][0]
        await call(bus, "DeleteReplicationSet", {"arn": rs})
        await setup_plan(bus, incidents)
        assert (await call(bus, "GetResourcePolicies", {"resourceArn": plan})
                )["resourcePolicies"] == []
