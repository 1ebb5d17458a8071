"""tocsin.gateway.access.policy: AWS's evaluation logic, pure."""

from __future__ import annotations

from typing import Any

import pytest

from tocsin.gateway.access.policy import (
    ADMINISTRATOR,
    Decision,
    MalformedPolicy,
    Request,
    decide,
    evaluate,
    parse,
)

A, B = "000000000000", "111111111111"
PLAN = f"arn:tocsin:ssm-incidents::{A}:response-plan/web"
INCIDENT = f"arn:tocsin:ssm-incidents::{A}:incident-record/web/abc"
RESPONDER = f"arn:tocsin:iam::{A}:user/responder"
OUTSIDER = f"arn:tocsin:iam::{B}:user/partner"


def request(action: str = "ssm-incidents:StartIncident", resource: str = PLAN, *,
            principal: str = RESPONDER, account: str = A, **context: str) -> Request:
    ctx = {"aws:principalarn": principal, "aws:sourceip": "10.1.2.3",
           "aws:currenttime": "2026-12-06T12:00:00Z"}
    ctx.update({k.lower(): v for k, v in context.items()})
    return Request(action=action, resource=resource, principal_arn=principal,
                   principal_account=account, context=ctx)


def policy(*statements: dict[str, Any], resource_policy: bool = False) -> Any:
    return parse({"Version": "2012-10-17", "Statement": list(statements)},
                 resource_policy=resource_policy)


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


RESPONDER_POLICY = policy(allow(["ssm-incidents:Get*", "ssm-incidents:List*",
                                 "ssm-contacts:AcceptPage"]))


class TestActionsAndResources:
    def test_default_is_deny(self) -> None:
        assert evaluate([], request()) is Decision.NOT_APPLICABLE
        assert decide([], [], A, request()) is Decision.NOT_APPLICABLE

    @pytest.mark.parametrize(("action", "expected"), [
        ("ssm-incidents:ListIncidentRecords", Decision.ALLOW),
        ("ssm-incidents:GetIncidentRecord", Decision.ALLOW),
        ("ssm-contacts:AcceptPage", Decision.ALLOW),
        ("ssm-incidents:StartIncident", Decision.NOT_APPLICABLE),
        ("ssm-incidents:DeleteReplicationSet", Decision.NOT_APPLICABLE),
        ("ssm-contacts:AcceptPageX", Decision.NOT_APPLICABLE),
    ])
    def test_responder_of_the_issue(self, action: str, expected: Decision) -> None:
        assert decide([RESPONDER_POLICY], [], A, request(action)) is expected

    def test_actions_match_case_insensitively_resources_do_not(self) -> None:
        p = policy(allow("SSM-Incidents:startincident", PLAN))
        assert evaluate([p], request()) is Decision.ALLOW
        p = policy(allow("*", PLAN.upper()))
        assert evaluate([p], request()) is Decision.NOT_APPLICABLE

    def test_wildcards_star_and_question_mark(self) -> None:
        p = policy(allow("ssm-incidents:Start?ncident",
                         f"arn:tocsin:ssm-incidents::{A}:response-plan/*"))
        assert evaluate([p], request()) is Decision.ALLOW
        assert evaluate([p], request(resource=INCIDENT)) is Decision.NOT_APPLICABLE

    def test_regex_characters_are_literal(self) -> None:
        p = policy(allow("ssm-incidents:Start.+", "*"))
        assert evaluate([p], request()) is Decision.NOT_APPLICABLE

    def test_not_action(self) -> None:
        p = policy({"Effect": "Allow", "NotAction": "ssm-incidents:Delete*", "Resource": "*"})
        assert evaluate([p], request()) is Decision.ALLOW
        assert evaluate([p], request("ssm-incidents:DeleteReplicationSet")) \
            is Decision.NOT_APPLICABLE

    def test_not_resource(self) -> None:
        p = policy({"Effect": "Deny", "Action": "*", "NotResource": PLAN})
        assert evaluate([p], request()) is Decision.NOT_APPLICABLE
        assert evaluate([p], request(resource=INCIDENT)) is Decision.DENY


class TestDeny:
    def test_explicit_deny_beats_allow(self) -> None:
        p = policy(allow(), deny("ssm-incidents:StartIncident", PLAN))
        assert decide([p], [], A, request()) is Decision.DENY
        assert decide([p], [], A, request("ssm-incidents:GetResponsePlan")) is Decision.ALLOW

    def test_deny_in_another_policy_beats_administrator(self) -> None:
        assert decide([ADMINISTRATOR, policy(deny("ssm-incidents:*"))], [], A,
                      request()) is Decision.DENY

    def test_deny_in_the_resource_policy_applies(self) -> None:
        shared = policy(deny(Principal="*"), resource_policy=True)
        assert decide([ADMINISTRATOR], [shared], A, request()) is Decision.DENY


class TestResourcePolicies:
    SHARE = {"Effect": "Allow", "Principal": {"AWS": B},
             "Action": "ssm-incidents:StartIncident", "Resource": PLAN}

    def test_same_account_union(self) -> None:
        share = policy({**self.SHARE, "Principal": {"AWS": RESPONDER}}, resource_policy=True)
        assert decide([], [share], A, request()) is Decision.ALLOW

    def test_other_account_needs_both(self) -> None:
        share = policy(self.SHARE, resource_policy=True)
        mine = policy(allow("ssm-incidents:*"))
        outsider = request(principal=OUTSIDER, account=B)
        assert decide([mine], [], A, outsider) is Decision.NOT_APPLICABLE
        assert decide([], [share], A, outsider) is Decision.NOT_APPLICABLE
        assert decide([mine], [share], A, outsider) is Decision.ALLOW

    @pytest.mark.parametrize("principal", [
        "*", B, f"arn:tocsin:iam::{B}:root", OUTSIDER, [A, B]])
    def test_principal_forms(self, principal: Any) -> None:
        value = principal if principal == "*" else {"AWS": principal}
        share = policy({**self.SHARE, "Principal": value}, resource_policy=True)
        assert evaluate([share], request(principal=OUTSIDER, account=B),
                        resource_policy=True) is Decision.ALLOW

    def test_principal_of_another_account_does_not_match(self) -> None:
        share = policy(self.SHARE, resource_policy=True)
        assert evaluate([share], request(principal=RESPONDER, account=A),
                        resource_policy=True) is Decision.NOT_APPLICABLE

    def test_not_principal(self) -> None:
        share = policy({"Effect": "Allow", "NotPrincipal": {"AWS": B}, "Action": "*",
                        "Resource": "*"}, resource_policy=True)
        assert evaluate([share], request(principal=OUTSIDER, account=B),
                        resource_policy=True) is Decision.NOT_APPLICABLE
        assert evaluate([share], request(), resource_policy=True) is Decision.ALLOW


class TestConditions:
    def check(self, condition: dict[str, Any], **context: str) -> bool:
        p = policy(allow(Condition=condition))
        return evaluate([p], request(**context)) is Decision.ALLOW

    def test_string_equals_and_like(self) -> None:
        assert self.check({"StringEquals": {"aws:PrincipalArn": RESPONDER}})
        assert not self.check({"StringEquals": {"aws:PrincipalArn": OUTSIDER}})
        assert self.check({"StringLike": {"aws:PrincipalArn": "arn:tocsin:iam::*:user/resp*"}})
        assert self.check({"StringNotEquals": {"aws:PrincipalArn": [OUTSIDER, "x"]}})
        assert not self.check({"StringNotEquals": {"aws:PrincipalArn": [OUTSIDER, RESPONDER]}})

    def test_keys_are_case_insensitive_values_any_of(self) -> None:
        assert self.check({"StringEquals": {"AWS:PRINCIPALARN": ["x", RESPONDER]}})

    def test_arn_like_matches_field_by_field(self) -> None:
        assert self.check({"ArnLike": {"aws:PrincipalArn": "arn:tocsin:iam::*:user/*"}})
        assert not self.check({"ArnLike": {"aws:PrincipalArn": "arn:tocsin:iam:*"}})

    def test_ip_address(self) -> None:
        assert self.check({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
        assert not self.check({"IpAddress": {"aws:SourceIp": ["192.168.0.0/16", "::1/128"]}})
        assert self.check({"NotIpAddress": {"aws:SourceIp": "192.168.0.0/16"}})
        assert not self.check({"IpAddress": {"aws:SourceIp": "not an address"}})

    def test_dates(self) -> None:
        assert self.check({"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}})
        assert not self.check({"DateGreaterThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}})
        assert self.check({"DateGreaterThan": {"aws:CurrentTime": "2026-12-06T11:59:59Z"},
                           "DateLessThan": {"aws:CurrentTime": "2026-12-06T12:00:01Z"}})
        assert not self.check({"DateLessThan": {"aws:CurrentTime": "garbage"}})

    def test_bool(self) -> None:
        assert self.check({"Bool": {"aws:SecureTransport": "false"}},
                          **{"aws:SecureTransport": "false"})
        assert not self.check({"Bool": {"aws:SecureTransport": True}},
                              **{"aws:SecureTransport": "false"})

    def test_accept_code_validation(self) -> None:
        deny_ignore = policy(allow("ssm-contacts:AcceptPage"), deny(
            "ssm-contacts:AcceptPage",
            Condition={"StringEquals": {"tocsin:AcceptCodeValidation": "IGNORE"}}))
        ignoring = request("ssm-contacts:AcceptPage", **{"tocsin:AcceptCodeValidation":
                                                         "IGNORE"})
        enforcing = request("ssm-contacts:AcceptPage", **{"tocsin:AcceptCodeValidation":
                                                          "ENFORCE"})
        assert decide([deny_ignore], [], A, ignoring) is Decision.DENY
        assert decide([deny_ignore], [], A, enforcing) is Decision.ALLOW

    def test_missing_key_fails_unless_if_exists(self) -> None:
        assert not self.check({"StringEquals": {"aws:UserAgent": "x"}})
        assert self.check({"StringEqualsIfExists": {"aws:UserAgent": "x"}})
        assert self.check({"StringNotEquals": {"aws:UserAgent": "x"}})


class TestParse:
    @pytest.mark.parametrize("document", [
        [], {"Statement": []}, {"Version": "2020-01-01", "Statement": [allow()]},
        {"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "x", "Resource": "*"}]},
        {"Statement": [allow(Principal="*")]},
        {"Statement": [allow(Condition={"NumericLessThan": {"k": "1"}})]},
        {"Statement": [allow(Condition={"StringEquals": {"k": [{"x": 1}]}})]},
        {"Statement": [allow(action=[])]},
    ])
    def test_malformed(self, document: Any) -> None:
        with pytest.raises(MalformedPolicy):
            parse(document)

    def test_single_statement_object(self) -> None:
        p = parse({"Statement": allow()})
        assert evaluate([p], request()) is Decision.ALLOW

    def test_resource_policy_needs_a_principal(self) -> None:
        with pytest.raises(MalformedPolicy):
            parse({"Statement": [allow()]}, resource_policy=True)
