"""Tests for tocsin.shared.arns: building, reading and the wrong-partition hint."""

from __future__ import annotations

import pytest

from tocsin.shared import arns
from tocsin.shared.config import BaseSettings, ConfigError, load


class TestBuildAndParse:
    def test_default_partition(self) -> None:
        """By default every ARN is in the partition tocsin; incidents ARNs have no region."""
        ids = arns.Arns(region="local-1", account="000000000000")
        assert ids.incidents("response-plan/p") == \
            "arn:tocsin:ssm-incidents::000000000000:response-plan/p"
        assert ids.contacts("contact/a") == "arn:tocsin:ssm-contacts:local-1:000000000000:contact/a"
        assert ids.iam("root") == "arn:tocsin:iam::000000000000:root"
        assert ids.events("rule/r") == "arn:tocsin:events:local-1:000000000000:rule/r"

    def test_aws_partition(self) -> None:
        """The partition aws makes every ARN arn:aws:."""
        ids = arns.Arns(partition="aws", region="local-1", account="000000000000")
        assert ids.incidents("x").startswith("arn:aws:ssm-incidents::")
        assert ids.contacts("x").startswith("arn:aws:ssm-contacts:local-1:")
        assert ids.iam("user/k") == "arn:aws:iam::000000000000:user/k"

    def test_parse_round_trip(self) -> None:
        """parse reads the six fields back (the resource may contain ':')."""
        text = "arn:aws:ssm-contacts:local-1:000000000000:page/a/1:2"
        found = arns.parse(text)
        assert found == arns.Arn("aws", "ssm-contacts", "local-1", "000000000000", "page/a/1:2")
        assert str(found) == text

    @pytest.mark.parametrize("text", ["", "arn:", "arn:aws:x", "urn:aws:a:b:c:d", "arn::a:b:c:d"])
    def test_parse_refuses(self, text: str) -> None:
        assert arns.parse(text) is None

    def test_resource_of(self) -> None:
        """resource_of reads only ARNs this deployment issues."""
        ids = arns.Arns(region="local-1", account="000000000000")
        assert ids.resource_of(ids.incidents("response-plan/p"), "ssm-incidents",
                               "response-plan") == "p"
        assert ids.resource_of("arn:aws:ssm-incidents::000000000000:response-plan/p",
                               "ssm-incidents", "response-plan") is None
        assert ids.resource_of(ids.contacts("contact/a"), "ssm-contacts", "contact") == "a"


class TestPartitionHint:
    def test_hint_for_an_aws_arn_of_a_held_service(self) -> None:
        """An arn:aws: ARN of ssm-incidents on a tocsin deployment gets the hint, with the
        ARN it should have been."""
        ids = arns.Arns(region="local-1", account="000000000000")
        hint = ids.partition_hint("arn:aws:ssm-incidents::000000000000:response-plan/p")
        assert hint is not None
        assert "partition 'tocsin', not 'aws'" in hint
        assert "arn:tocsin:ssm-incidents::000000000000:response-plan/p" in hint

    def test_no_hint_for_own_partition_or_other_services(self) -> None:
        ids = arns.Arns(region="local-1", account="000000000000")
        assert ids.partition_hint(ids.incidents("response-plan/p")) is None
        assert ids.partition_hint("arn:aws:cloudwatch:us-east-1:1:alarm:a") is None
        assert ids.partition_hint("not an arn") is None

    def test_find_foreign_searches_nested_input(self) -> None:
        ids = arns.Arns(partition="aws", region="local-1", account="000000000000")
        params = {"engagements": ["arn:aws:ssm-contacts:local-1:000000000000:contact/a",
                                  "arn:tocsin:ssm-contacts:local-1:000000000000:contact/b"]}
        hint = arns.find_foreign(ids, {"Plan": params})
        assert hint is not None and "partition 'aws', not 'tocsin'" in hint
        assert arns.find_foreign(ids, {"x": ["arn:aws:ssm-contacts:l:1:contact/a"]}) is None


class TestSetting:
    def test_variable(self) -> None:
        """TOCSIN_ARN_PARTITION sets the partition of settings.arns."""
        settings = load(BaseSettings, {"TOCSIN_ARN_PARTITION": "aws"})
        assert settings.arns.iam("root") == "arn:aws:iam::000000000000:root"
        assert load(BaseSettings, {}).arn_partition == "tocsin"

    @pytest.mark.parametrize("value", ["AWS", "a:b", "-x", "x" * 40])
    def test_bad_value_names_the_variable(self, value: str) -> None:
        with pytest.raises((ConfigError, ValueError), match="TOCSIN_ARN_PARTITION"):
            load(BaseSettings, {"TOCSIN_ARN_PARTITION": value})
