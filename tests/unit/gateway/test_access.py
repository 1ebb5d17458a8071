"""tocsin.gateway.access: resources of calls, the policy file, the gate and its
authorization step (with resource policies from a fake source)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tocsin.gateway.access import (
    Authorization,
    Call,
    Directory,
    Face,
    Gate,
    Principal,
    peer_ip,
)
from tocsin.gateway.access import policy as iam
from tocsin.gateway.access.authorize import context_of
from tocsin.gateway.access.principals import PolicyFileError, load_policy_file
from tocsin.gateway.access.resources import governing, resources_of
from tocsin.shared.errors import AccessDeniedError

A, B = "000000000000", "111111111111"
PLAN = f"arn:tocsin:ssm-incidents::{A}:response-plan/web"
INCIDENT = f"arn:tocsin:ssm-incidents::{A}:incident-record/web/abc"
PAGE = f"arn:tocsin:ssm-contacts:local-1:{A}:page/alice/123"
CONTACT = f"arn:tocsin:ssm-contacts:local-1:{A}:contact/alice"


class TestResources:
    def test_incident_ops_name_the_incident(self) -> None:
        assert resources_of("ssm-incidents", "GetIncidentRecord", {"arn": INCIDENT}) == \
            (INCIDENT,)
        assert governing(INCIDENT) == PLAN

    def test_contact_ops_name_the_contact(self) -> None:
        assert resources_of("ssm-contacts", "AcceptPage", {"PageId": PAGE}) == (PAGE,)
        assert governing(PAGE) == CONTACT
        assert governing(CONTACT) is None

    def test_list_and_create_are_account_wide(self) -> None:
        assert resources_of("ssm-incidents", "ListIncidentRecords", {}) == ("*",)
        assert resources_of("ssm-contacts", "CreateContact", {"Alias": "x"}) == ("*",)

    def test_start_incident_names_its_plan(self) -> None:
        assert resources_of("ssm-incidents", "StartIncident",
                            {"responsePlanArn": PLAN, "title": "t"}) == (PLAN,)

    def test_peer_ip(self) -> None:
        assert peer_ip("ipv4:127.0.0.1:5000") == "127.0.0.1"
        assert peer_ip("ipv6:[::1]:5000") == "::1"
        assert peer_ip("unix:/tmp/x") == ""


RESPONDER = {"arn": f"arn:tocsin:iam::{A}:user/responder",
             "accessKeys": [{"id": "AKIDRESPONDER0001", "secret": "s3cret"},
                            {"id": "AKIDRESPONDER0002", "secretEnv": "RESPONDER_SECRET"}],
             "policies": [{"Version": "2012-10-17", "Statement": [
                 {"Effect": "Allow", "Action": ["ssm-incidents:Get*"], "Resource": "*"}]}]}


class TestPolicyFile:
    def test_keys_and_their_principal(self) -> None:
        keys = load_policy_file(json.dumps({"principals": [RESPONDER]}).encode(),
                                {"RESPONDER_SECRET": "from-env"})
        assert keys["AKIDRESPONDER0001"].secret == "s3cret"
        assert keys["AKIDRESPONDER0002"].secret == "from-env"
        assert keys["AKIDRESPONDER0001"].principal.arn == RESPONDER["arn"]
        assert keys["AKIDRESPONDER0001"].principal.account == A

    @pytest.mark.parametrize(("document", "says"), [
        (b"not json", "not JSON"),
        (b'{"principals": {}}', "principals"),
        (json.dumps({"principals": [{**RESPONDER, "arn": "user/x"}]}).encode(), "IAM ARN"),
        (json.dumps({"principals": [{**RESPONDER, "policies": [{"Statement": []}]}]}).encode(),
         "policies"),
        (json.dumps({"principals": [RESPONDER, RESPONDER]}).encode(), "twice"),
    ])
    def test_refused(self, document: bytes, says: str) -> None:
        with pytest.raises(PolicyFileError, match=says):
            load_policy_file(document, {"RESPONDER_SECRET": "x"})

    def test_secret_env_must_be_set(self) -> None:
        with pytest.raises(PolicyFileError, match="RESPONDER_SECRET"):
            load_policy_file(json.dumps({"principals": [RESPONDER]}).encode(), {})

    def test_reloaded_when_changed_and_admin_keys_win(self, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "policy.json"
        path.write_text(json.dumps({"principals": []}))
        directory = Directory({"ADMIN": "a"}, account=A, partition="tocsin",
                              policy_file=str(path), environ={"RESPONDER_SECRET": "e"})
        assert "AKIDRESPONDER0001" not in directory.secrets()
        path.write_text(json.dumps({"principals": [RESPONDER]}))
        os.utime(path, ns=(1, 10**18))
        monkeypatch.setattr("tocsin.gateway.access.principals.RELOAD_INTERVAL", 0.0)
        assert directory.secrets()["AKIDRESPONDER0001"] == "s3cret"
        assert directory.principal("ADMIN").policies == (iam.ADMINISTRATOR,)

    @pytest.mark.expected_error_logs("access.policy_file_rejected")
    def test_a_broken_file_keeps_the_last_good_one(self, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "policy.json"
        path.write_text(json.dumps({"principals": [RESPONDER]}))
        directory = Directory({}, account=A, partition="tocsin", policy_file=str(path),
                              environ={"RESPONDER_SECRET": "e"})
        path.write_text("{ broken")
        os.utime(path, ns=(1, 10**18))
        monkeypatch.setattr("tocsin.gateway.access.principals.RELOAD_INTERVAL", 0.0)
        assert directory.secrets()["AKIDRESPONDER0001"] == "s3cret"


class FakePolicies:
    def __init__(self) -> None:
        self.held: dict[str, tuple[iam.Policy, ...]] = {}
        self.reads: list[str] = []
        self.forgotten = 0

    async def policies(self, resource_arn: str) -> tuple[iam.Policy, ...]:
        self.reads.append(resource_arn)
        return self.held.get(resource_arn, ())

    def forget(self) -> None:
        self.forgotten += 1


class FakeClient:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    async def call(self, api: str, operation: str, params: dict[str, Any], *,
                   principal: str, request_id: str) -> dict[str, Any]:
        self.calls.append((api, operation, principal))
        return {"ok": True}


def principal(*statements: dict[str, Any], account: str = A, name: str = "u") -> Principal:
    policies = (iam.parse({"Statement": list(statements)}),) if statements else ()
    return Principal(arn=f"arn:tocsin:iam::{account}:user/{name}", account=account,
                     policies=policies)


def call(who: Principal, api: str, operation: str, params: dict[str, Any]) -> Call:
    return Call(face=Face.GRPC, api=api, operation=operation, principal=who, params=params,
                request_id="r", source_ip="10.0.0.1")


@pytest.fixture
def fakes() -> tuple[FakePolicies, FakeClient, Gate]:
    source, client = FakePolicies(), FakeClient()
    return source, client, Gate(client, [Authorization(source, account=A)])


class TestAuthorization:
    async def test_allowed_call_runs_as_its_principal(self, fakes: Any) -> None:
        source, client, gate = fakes
        who = principal({"Effect": "Allow", "Action": "ssm-incidents:Get*", "Resource": "*"})
        assert await gate(call(who, "ssm-incidents", "GetIncidentRecord",
                               {"arn": INCIDENT})) == {"ok": True}
        assert client.calls == [("ssm-incidents", "GetIncidentRecord", who.arn)]
        assert source.reads == []  # its own account's policies decided

    async def test_refusal_names_action_and_resource_only(self, fakes: Any) -> None:
        _, client, gate = fakes
        who = principal({"Effect": "Allow", "Action": "ssm-incidents:Get*",
                         "Resource": "arn:tocsin:ssm-incidents::*:response-plan/secret*"})
        with pytest.raises(AccessDeniedError) as refused:
            await gate(call(who, "ssm-incidents", "StartIncident", {"responsePlanArn": PLAN}))
        assert refused.value.message == (
            f"User: {who.arn} is not authorized to perform: ssm-incidents:StartIncident "
            f"on resource: {PLAN}")
        assert client.calls == []

    async def test_access_to_a_plan_grants_its_incidents(self, fakes: Any) -> None:
        _, client, gate = fakes
        who = principal({"Effect": "Allow", "Action": "ssm-incidents:*", "Resource": PLAN})
        await gate(call(who, "ssm-incidents", "UpdateIncidentRecord", {"arn": INCIDENT}))
        assert len(client.calls) == 1

    async def test_deny_on_the_plan_covers_its_incidents(self, fakes: Any) -> None:
        _, _, gate = fakes
        who = principal({"Effect": "Allow", "Action": "*", "Resource": "*"},
                        {"Effect": "Deny", "Action": "*", "Resource": PLAN})
        with pytest.raises(AccessDeniedError):
            await gate(call(who, "ssm-incidents", "GetIncidentRecord", {"arn": INCIDENT}))

    async def test_other_account_needs_the_plans_policy(self, fakes: Any) -> None:
        source, client, gate = fakes
        partner = principal({"Effect": "Allow", "Action": "ssm-incidents:*", "Resource": "*"},
                            account=B)
        start = call(partner, "ssm-incidents", "StartIncident", {"responsePlanArn": PLAN})
        with pytest.raises(AccessDeniedError):
            await gate(start)
        source.held[PLAN] = (iam.parse({"Statement": [{
            "Effect": "Allow", "Principal": {"AWS": B}, "Action": "ssm-incidents:StartIncident",
            "Resource": PLAN}]}, resource_policy=True),)
        await gate(call(partner, "ssm-incidents", "StartIncident", {"responsePlanArn": PLAN}))
        assert len(client.calls) == 1

    async def test_accept_code_validation_condition(self, fakes: Any) -> None:
        _, client, gate = fakes
        who = principal(
            {"Effect": "Allow", "Action": "ssm-contacts:AcceptPage", "Resource": "*"},
            {"Effect": "Deny", "Action": "ssm-contacts:AcceptPage", "Resource": "*",
             "Condition": {"StringEquals": {"tocsin:AcceptCodeValidation": "IGNORE"}}})
        with pytest.raises(AccessDeniedError):
            await gate(call(who, "ssm-contacts", "AcceptPage",
                            {"PageId": PAGE, "AcceptCode": "1", "AcceptCodeValidation": "IGNORE"}))
        await gate(call(who, "ssm-contacts", "AcceptPage", {"PageId": PAGE, "AcceptCode": "1"}))
        assert len(client.calls) == 1

    async def test_current_time_is_the_calls_own_second(self, fakes: Any) -> None:
        """A window on ``aws:CurrentTime`` is judged at each call's time, to the second,
        however many calls of other seconds came before."""
        _, client, gate = fakes
        who = principal({"Effect": "Allow", "Action": "ssm-incidents:Get*", "Resource": "*",
                         "Condition": {"DateLessThan": {"aws:CurrentTime":
                                                        "2026-12-06T12:00:01Z"}}})
        refused = datetime(2026, 12, 6, 12, 0, 1, tzinfo=UTC)
        for at in (datetime(2026, 12, 6, 11, 59, 59, 999_999, tzinfo=UTC),
                   datetime(2026, 12, 6, 12, 0, 0, 999_999, tzinfo=UTC), refused,
                   datetime(2026, 12, 6, 12, 0, 0, 5, tzinfo=UTC)):
            made = call(who, "ssm-incidents", "GetIncidentRecord", {"arn": INCIDENT})
            made.time = at
            assert context_of(made)["aws:currenttime"] == at.strftime("%Y-%m-%dT%H:%M:%SZ")
            if at == refused:
                with pytest.raises(AccessDeniedError):
                    await gate(made)
            else:
                await gate(made)
        assert len(client.calls) == 3

    async def test_policy_changes_forget_the_cache(self, fakes: Any) -> None:
        source, _, gate = fakes
        admin = Principal(arn="a", account=A, policies=(iam.ADMINISTRATOR,))
        await gate(call(admin, "ssm-incidents", "PutResourcePolicy",
                        {"resourceArn": PLAN, "policy": "{}"}))
        assert source.forgotten == 1

    async def test_steps_run_in_order_around_the_call(self) -> None:
        seen: list[str] = []

        class Step:
            def __init__(self, name: str) -> None:
                self.name = name

            async def __call__(self, c: Call, proceed: Any) -> Any:
                seen.append(f"{self.name}>")
                result = await proceed(c)
                seen.append(f"<{self.name}")
                return result

        client = FakeClient()
        gate = Gate(client, [Step("outer"), Step("inner")])
        admin = Principal(arn="a", account=A, policies=(iam.ADMINISTRATOR,))
        await gate(call(admin, "ssm-incidents", "ListResponsePlans", {}))
        assert seen == ["outer>", "inner>", "<inner", "<outer"]
