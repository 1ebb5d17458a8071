"""The pure parts of tagging and resource policies: ARN kinds and policy checks."""

from __future__ import annotations

import json

import pytest

from tocsin.incidents.administration.domain import check_policy, resource_type_of
from tocsin.shared.errors import ValidationError

PREFIX = "arn:tocsin:ssm-incidents::000000000000:"
STATEMENT = {"Effect": "Allow", "Principal": {"AWS": "111122223333"},
             "Action": "ssm-incidents:StartIncident", "Resource": f"{PREFIX}response-plan/p"}


class TestResourceTypeOf:
    @pytest.mark.parametrize(("arn", "kind"), [
        (f"{PREFIX}response-plan/p", "RESPONSE_PLAN"),
        (f"{PREFIX}incident-record/p/1", "INCIDENT_RECORD"),
        (f"{PREFIX}replication-set/1", "REPLICATION_SET"),
        ("arn:aws:ssm-incidents::111122223333:response-plan/p", "RESPONSE_PLAN"),
        (f"{PREFIX}timeline-event/1", None),
        ("arn:tocsin:ssm-contacts:r:000000000000:contact/a", None),
        ("response-plan/p", None),
    ])
    def test_kind_by_shape(self, arn: str, kind: str | None) -> None:
        """An ARN's resource type follows from its shape alone; other ARNs have none."""
        assert resource_type_of(arn) == kind


class TestCheckPolicy:
    def test_allow_policies_pass(self) -> None:
        """An Allow statement, alone or in a list, under either IAM version is accepted."""
        for doc in ({"Version": "2012-10-17", "Statement": STATEMENT},
                    {"Version": "2008-10-17", "Statement": [STATEMENT] * 2}):
            assert check_policy(json.dumps(doc)) is None
        # The same statement denying is refused: the check does look at the statements.
        with pytest.raises(ValidationError, match="deny"):
            check_policy(json.dumps({"Version": "2012-10-17",
                                     "Statement": {**STATEMENT, "Effect": "Deny"}}))

    @pytest.mark.parametrize(("doc", "problem"), [
        ("", "not valid JSON"),
        ("3", "JSON object"),
        ({"Version": "2012-10-17", "Statement": "x"}, "Statement must be"),
        ({"Version": "2012-10-17", "Statement": [{**STATEMENT, "Effect": "deny"}]},
         "Effect must be Allow or Deny, not 'deny'"),
        ({"Version": "2012-10-17", "Statement": [{**STATEMENT, "Action": ""}]}, "no Action"),
        ({"Version": "2012-10-17", "Statement": [{**STATEMENT, "Effect": "Deny"}]},
         "deny access to shared resources are not supported"),
    ])
    def test_problems_are_named(self, doc: object, problem: str) -> None:
        """Each malformed policy is refused with a message naming its problem."""
        text = doc if isinstance(doc, str) else json.dumps(doc)
        with pytest.raises(ValidationError, match=problem):
            check_policy(text)
