"""Tests for tocsin.gateway.awsmodel: botocore's models, server-side validation, shaping."""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import pytest

from tocsin.gateway import awsmodel
from tocsin.shared.errors import ValidationError

INCIDENTS = awsmodel.load("ssm-incidents")
CONTACTS = awsmodel.load("ssm-contacts")

PLAN_ARN = "arn:tocsin:ssm-incidents::000000000000:response-plan/plan"
INCIDENT_ARN = "arn:tocsin:ssm-incidents::000000000000:incident-record/plan/1a2b"
CONTACT_ARN = "arn:tocsin:ssm-contacts:local-1:000000000000:contact/alice"


def plan(**overrides: Any) -> dict[str, Any]:
    """A valid CreateResponsePlan input, with members replaced by ``overrides``."""
    params: dict[str, Any] = {"name": "plan", "incidentTemplate": {"title": "Down", "impact": 3}}
    params.update(overrides)
    return params


def rejected(
    model: awsmodel.ServiceModel, operation: str, params: dict[str, Any]
) -> ValidationError:
    """The ValidationError that validating ``params`` raises."""
    with pytest.raises(ValidationError) as info:
        awsmodel.validate_input(model, operation, params)
    return info.value


def accepted(model: awsmodel.ServiceModel, operation: str, params: dict[str, Any]) -> None:
    """Validating ``params`` passes and leaves them as they were: the service is sent
    exactly what the caller sent."""
    sent = copy.deepcopy(params)
    assert awsmodel.validate_input(model, operation, sent) is None
    assert sent == params


class TestLoad:
    def test_operation_counts_match_the_models(self) -> None:
        """ssm-incidents has 31 operations and ssm-contacts 39, as botocore ships them."""
        assert len(INCIDENTS.operations) == 31
        assert len(CONTACTS.operations) == 39

    def test_load_is_cached(self) -> None:
        """Loading an API twice returns the same model object."""
        assert awsmodel.load("ssm-incidents") is INCIDENTS

    def test_rest_json_bindings_come_from_the_model(self) -> None:
        """Operations carry the HTTP method, request URI, status and shapes of the model."""
        op = INCIDENTS.operations["CreateResponsePlan"]
        assert (op.http_method, op.request_uri, op.response_code) == (
            "POST",
            "/createResponsePlan",
            201,
        )
        assert (op.input_shape, op.output_shape) == (
            "CreateResponsePlanInput",
            "CreateResponsePlanOutput",
        )
        assert "ConflictException" in op.error_shapes
        untag = INCIDENTS.operations["UntagResource"]
        assert (untag.http_method, untag.request_uri, untag.response_code) == (
            "DELETE",
            "/tags/{resourceArn}",
            204,
        )
        member = INCIDENTS.shape("UntagResourceRequest").members["tagKeys"]
        assert (member.location, member.location_name) == ("querystring", "tagKeys")

    def test_protocol_metadata(self) -> None:
        """The models name their protocol, signing name and JSON 1.1 target prefix."""
        assert (INCIDENTS.protocol, INCIDENTS.signing_name) == ("rest-json", "ssm-incidents")
        assert (CONTACTS.protocol, CONTACTS.target_prefix) == ("json", "SSMContacts")

    def test_error_shapes_carry_status_codes(self) -> None:
        """ssm-incidents error shapes have HTTP statuses; ssm-contacts ones have none."""
        shape = INCIDENTS.error_shape("ResourceNotFoundException")
        assert shape is not None and shape.http_status == 404
        contacts_shape = CONTACTS.error_shape("ResourceNotFoundException")
        assert contacts_shape is not None and contacts_shape.http_status is None
        assert INCIDENTS.error_shape("IncidentRecord") is None

    def test_every_model_pattern_compiles(self) -> None:
        """Each pattern of both models was compiled at load time."""
        for model in (INCIDENTS, CONTACTS):
            for shape in model.shapes.values():
                assert (shape.pattern is None) == (shape.compiled is None)

    def test_loading_imports_no_botocore_submodule(self) -> None:
        """Loading both models imports only the botocore package, not its machinery."""
        code = (
            "import sys; from tocsin.gateway import awsmodel; awsmodel.load('ssm-incidents');"
            "awsmodel.load('ssm-contacts');"
            "print(sorted(m for m in sys.modules if m.startswith('botocore.')))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        assert out == "[]"


class TestRequired:
    def test_valid_input_passes(self) -> None:
        """A complete, well-formed input raises nothing."""
        accepted(INCIDENTS, "CreateResponsePlan", plan())

    def test_missing_member_is_named(self) -> None:
        """A missing required member is reported as null at its path."""
        error = rejected(INCIDENTS, "CreateResponsePlan", {"name": "p"})
        assert error.message == (
            "1 validation error detected: Value null at 'incidentTemplate' failed to "
            "satisfy constraint: Member must not be null"
        )

    def test_nested_missing_member_has_a_dotted_path(self) -> None:
        """A required member of a nested structure is named ``parent.member``."""
        error = rejected(INCIDENTS, "CreateResponsePlan", plan(incidentTemplate={"impact": 1}))
        assert "at 'incidentTemplate.title'" in error.message

    def test_null_counts_as_missing(self) -> None:
        """A required member sent as JSON null is missing."""
        error = rejected(INCIDENTS, "CreateResponsePlan", plan(name=None))
        assert "Value null at 'name'" in error.message

    def test_unknown_members_are_ignored(self) -> None:
        """Members the model does not know do not fail validation."""
        accepted(INCIDENTS, "CreateResponsePlan", plan(colour="red"))

    def test_unknown_operation(self) -> None:
        """An operation missing from the model is a ValidationError with UNKNOWN_OPERATION."""
        error = rejected(INCIDENTS, "LaunchRocket", {})
        assert error.fields["reason"] == "UNKNOWN_OPERATION"


class TestTypes:
    @pytest.mark.parametrize(
        ("params", "path", "kind"),
        [
            (plan(name=5), "name", "string"),
            (
                plan(incidentTemplate={"title": "t", "impact": "3"}),
                "incidentTemplate.impact",
                "integer",
            ),
            (
                plan(incidentTemplate={"title": "t", "impact": True}),
                "incidentTemplate.impact",
                "integer",
            ),
            (plan(incidentTemplate="t"), "incidentTemplate", "object"),
            (plan(engagements="arn"), "engagements", "list"),
            (plan(tags=["a"]), "tags", "object"),
        ],
    )
    def test_wrong_json_type_is_named(self, params: dict[str, Any], path: str, kind: str) -> None:
        """A member of the wrong JSON type is reported with its path and expected type."""
        error = rejected(INCIDENTS, "CreateResponsePlan", params)
        assert f"at '{path}' failed to satisfy constraint: Member must be a" in error.message
        assert kind in error.message

    def test_boolean_must_be_a_boolean(self) -> None:
        """A boolean member given as a string is refused."""
        params = {"arn": PLAN_ARN, "deletionProtected": "yes"}
        error = rejected(INCIDENTS, "UpdateDeletionProtection", params)
        assert "at 'deletionProtected'" in error.message

    @pytest.mark.parametrize(
        "when", [1700000000, 1700000000.25, "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123+02:00"]
    )
    def test_timestamps_accept_epoch_and_iso(self, when: Any) -> None:
        """Timestamps may be epoch seconds or ISO-8601 strings."""
        accepted(
            INCIDENTS,
            "CreateTimelineEvent",
            {
                "incidentRecordArn": INCIDENT_ARN,
                "eventTime": when,
                "eventType": "Custom Event",
                "eventData": "x",
            },
        )

    @pytest.mark.parametrize("when", ["yesterday", True, {"t": 1}])
    def test_bad_timestamps_are_refused(self, when: Any) -> None:
        """A timestamp that is neither a number nor ISO-8601 is refused."""
        error = rejected(
            INCIDENTS,
            "CreateTimelineEvent",
            {
                "incidentRecordArn": INCIDENT_ARN,
                "eventTime": when,
                "eventType": "Custom Event",
                "eventData": "x",
            },
        )
        assert "at 'eventTime'" in error.message
        assert "timestamp" in error.message


class TestLengthAndRange:
    def test_string_too_long(self) -> None:
        """A string over ``max`` is reported with the limit."""
        error = rejected(INCIDENTS, "CreateResponsePlan", plan(name="p" * 201))
        assert (
            "at 'name' failed to satisfy constraint: Member must have length less than "
            "or equal to 200" in error.message
        )

    def test_string_too_short(self) -> None:
        """A string under ``min`` is reported with the limit."""
        error = rejected(INCIDENTS, "CreateResponsePlan", plan(name=""))
        assert "Member must have length greater than or equal to 1" in error.message

    def test_integer_over_max(self) -> None:
        """A number above ``max`` is reported as a value constraint."""
        error = rejected(
            INCIDENTS, "CreateResponsePlan", plan(incidentTemplate={"title": "t", "impact": 6})
        )
        assert error.message == (
            "1 validation error detected: Value '6' at 'incidentTemplate.impact' failed to "
            "satisfy constraint: Member must have value less than or equal to 5"
        )

    def test_integer_under_min(self) -> None:
        """A number below ``min`` is reported as a value constraint."""
        error = rejected(INCIDENTS, "ListIncidentRecords", {"maxResults": 0})
        assert "Member must have value greater than or equal to 1" in error.message

    def test_integer_without_limits_stays_in_int32(self) -> None:
        """An integer member without limits still has to fit a 32-bit integer."""
        error = rejected(
            CONTACTS,
            "CreateRotation",
            {
                "Name": "r",
                "ContactIds": [CONTACT_ARN],
                "TimeZoneId": "UTC",
                "Recurrence": {
                    "NumberOfOnCalls": 2**40,
                    "RecurrenceMultiplier": 1,
                    "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}],
                },
            },
        )
        assert "at 'Recurrence.NumberOfOnCalls'" in error.message

    def test_list_too_long(self) -> None:
        """A list over its ``max`` size is reported at the list's path."""
        contacts = [CONTACT_ARN] * 6
        error = rejected(INCIDENTS, "CreateResponsePlan", plan(engagements=contacts))
        assert (
            "at 'engagements' failed to satisfy constraint: Member must have length less "
            "than or equal to 5" in error.message
        )

    def test_map_too_small(self) -> None:
        """A map under its ``min`` size is reported at the map's path."""
        error = rejected(INCIDENTS, "CreateResponsePlan", plan(tags={}))
        assert "at 'tags'" in error.message
        assert "greater than or equal to 1" in error.message


class TestEnumAndPattern:
    def test_value_outside_the_enum(self) -> None:
        """An enum member with another value lists the allowed set."""
        error = rejected(
            INCIDENTS, "UpdateIncidentRecord", {"arn": INCIDENT_ARN, "status": "CLOSED"}
        )
        assert error.message == (
            "1 validation error detected: Value 'CLOSED' at 'status' failed to satisfy "
            "constraint: Member must satisfy enum value set: [OPEN, RESOLVED]"
        )

    def test_pattern_mismatch_quotes_the_model_pattern(self) -> None:
        """A pattern mismatch is reported in AWS's words with the pattern verbatim."""
        error = rejected(INCIDENTS, "CreateResponsePlan", plan(name="a b"))
        assert error.message == (
            "1 validation error detected: Value 'a b' at 'name' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_]*$"
        )

    def test_unanchored_patterns_use_search_semantics(self) -> None:
        """A pattern without anchors (``.*\\S.*``) only needs to be found in the value."""
        accepted(
            CONTACTS, "PutContactPolicy", {"ContactArn": CONTACT_ARN, "Policy": "  {} "}
        )
        error = rejected(CONTACTS, "PutContactPolicy", {"ContactArn": CONTACT_ARN, "Policy": "   "})
        assert "at 'Policy'" in error.message

    def test_dollar_means_end_of_input(self) -> None:
        """A trailing ``$`` does not let a final newline through (ECMAScript semantics)."""
        error = rejected(INCIDENTS, "CreateResponsePlan", plan(name="plan\n"))
        assert "regular expression pattern" in error.message

    def test_unicode_property_classes(self) -> None:
        """``\\p{L}`` classes accept letters of any script and refuse punctuation."""
        base = {"Alias": "alice", "Type": "PERSONAL", "Plan": {"Stages": []}}
        accepted(CONTACTS, "CreateContact", {**base, "DisplayName": "Zoë 李"})
        error = rejected(CONTACTS, "CreateContact", {**base, "DisplayName": "a;b"})
        assert "at 'DisplayName'" in error.message

    def test_map_keys_are_checked(self) -> None:
        """A map key that breaks its shape's pattern is reported at the map."""
        error = rejected(INCIDENTS, "CreateResponsePlan", plan(tags={"aws:team": "x"}))
        assert (
            "Value 'aws:team' at 'tags' failed to satisfy constraint: Map keys must "
            "satisfy constraint: [Member must satisfy regular expression" in error.message
        )

    def test_tag_values_allow_commas(self) -> None:
        """ssm-incidents tag patterns contain the range ``+-/``, so commas are legal."""
        accepted(INCIDENTS, "CreateResponsePlan", plan(tags={"a,b": "c,d"}))


class TestPartition:
    @pytest.mark.parametrize(
        "arn",
        [
            PLAN_ARN,
            "arn:aws:ssm-incidents::111122223333:response-plan/p",
            "arn:aws-cn:ssm-incidents::111122223333:response-plan/p",
        ],
    )
    def test_incidents_arns_accept_tocsin_and_aws(self, arn: str) -> None:
        """The generic ssm-incidents Arn pattern accepts tocsin and AWS partitions."""
        accepted(INCIDENTS, "GetResponsePlan", {"arn": arn})

    def test_other_partitions_are_refused(self) -> None:
        """An ARN with a partition that is neither AWS's nor tocsin fails the pattern, and
        the message quotes the pattern enforced (with tocsin), not the model's."""
        error = rejected(
            INCIDENTS,
            "GetResponsePlan",
            {"arn": "arn:azure:ssm-incidents::000000000000:response-plan/p"},
        )
        assert "pattern: ^arn:(?:aws(-cn|-us-gov)?|tocsin):[a-z0-9-]*" in error.message

    def test_aws_partition_enforces_the_model_pattern(self) -> None:
        """Loaded for the partition aws, a model enforces (and quotes) its own patterns:
        arn:tocsin: is refused, arn:aws: accepted."""
        model = awsmodel.load("ssm-incidents", "aws")
        aws_arn = "arn:aws:ssm-incidents::000000000000:response-plan/p"
        accepted(model, "GetResponsePlan", {"arn": aws_arn})
        error = rejected(model, "GetResponsePlan", {"arn": PLAN_ARN})
        assert "pattern: ^arn:aws(-cn|-us-gov)?:[a-z0-9-]*" in error.message
        assert "tocsin" not in error.message.partition("pattern:")[2]

    @pytest.mark.parametrize(
        "arn", [CONTACT_ARN, "arn:aws:ssm-contacts:us-east-1:111122223333:contact/a"]
    )
    def test_engagement_contact_arns(self, arn: str) -> None:
        """Engagement ARNs in a response plan accept tocsin and AWS partitions."""
        accepted(INCIDENTS, "CreateResponsePlan", plan(engagements=[arn]))

    @pytest.mark.parametrize(
        "arn", [CONTACT_ARN, "arn:aws-us-gov:ssm-contacts:us-gov-west-1:111122223333:contact/a"]
    )
    def test_contacts_arns_accept_tocsin_and_aws(self, arn: str) -> None:
        """ssm-contacts' ``arn:(aws|aws-cn|aws-us-gov)`` pattern also accepts tocsin."""
        accepted(CONTACTS, "GetContact", {"ContactId": arn})

    def test_contacts_arn_other_partition_refused(self) -> None:
        """A contact ARN with another partition fails the ssm-contacts pattern."""
        error = rejected(
            CONTACTS, "GetContact", {"ContactId": "arn:gcp:ssm-contacts:x:000000000000:contact/a"}
        )
        assert "arn:(aws|aws-cn|aws-us-gov|tocsin):ssm-contacts" in error.message

    def test_role_arns_accept_tocsin(self) -> None:
        """Automation role ARNs accept the tocsin partition."""
        action = {
            "ssmAutomation": {
                "documentName": "AWS-Restart",
                "roleArn": "arn:tocsin:iam::000000000000:role/runbook",
            }
        }
        accepted(INCIDENTS, "CreateResponsePlan", plan(actions=[action]))

    @pytest.mark.parametrize(
        ("pattern", "expected"),
        [
            ("^arn:aws(-cn|-us-gov)?:iam::", "^arn:(?:aws(-cn|-us-gov)?|tocsin):iam::"),
            ("arn:(aws|aws-cn|aws-us-gov):x", "arn:(aws|aws-cn|aws-us-gov|tocsin):x"),
            ("^[a-z]*$", "^[a-z]*\\Z"),
            ("^a\\$", "^a\\$"),
        ],
    )
    def test_compile_pattern_rewrites(self, pattern: str, expected: str) -> None:
        """Partition alternations gain ``tocsin`` and a final ``$`` becomes ``\\Z``."""
        assert awsmodel.compile_pattern(pattern).pattern == expected


class TestUnionsAndPaths:
    def test_union_with_no_member(self) -> None:
        """A union with no member set is refused."""
        error = rejected(INCIDENTS, "CreateResponsePlan", plan(chatChannel={}))
        assert (
            "at 'chatChannel' failed to satisfy constraint: Member must have exactly one"
            in error.message
        )

    def test_union_with_two_members(self) -> None:
        """A union with two members set is refused."""
        channel = {"empty": {}, "chatbotSns": ["arn:tocsin:sns:local-1:000000000000:t"]}
        error = rejected(INCIDENTS, "CreateResponsePlan", plan(chatChannel=channel))
        assert "2 set" in error.message

    def test_union_with_one_member(self) -> None:
        """A union with exactly one member set passes."""
        accepted(INCIDENTS, "CreateResponsePlan", plan(chatChannel={"empty": {}}))

    def test_list_items_are_numbered_from_one(self) -> None:
        """Members inside list items are named ``list.<n>.member``."""
        item = {"identifier": {"type": "OTHER", "value": {"url": "https://x"}}, "title": "t"}
        error = rejected(
            INCIDENTS,
            "StartIncident",
            {"responsePlanArn": PLAN_ARN, "relatedItems": [item, {**item, "title": "t" * 201}]},
        )
        assert "at 'relatedItems.2.title'" in error.message

    def test_several_violations_are_counted(self) -> None:
        """All violations are listed, counted, and returned as name/message fields."""
        error = rejected(INCIDENTS, "CreateResponsePlan", plan(name="a b", displayName="d" * 201))
        assert error.message.startswith("2 validation errors detected: ")
        assert error.fields["reason"] == "FIELD_VALIDATION_FAILED"
        assert [f["name"] for f in error.fields["fields"]] == ["displayName", "name"]

    def test_contacts_paths_use_pascal_case(self) -> None:
        """ssm-contacts members are named as the model spells them."""
        error = rejected(
            CONTACTS,
            "CreateContact",
            {
                "Alias": "alice",
                "Type": "PERSONAL",
                "Plan": {"Stages": [{"DurationInMinutes": 31, "Targets": []}]},
            },
        )
        assert "at 'Plan.Stages.1.DurationInMinutes'" in error.message


class TestShaping:
    def test_normalize_input_converts_timestamps_and_drops_extras(self) -> None:
        """Services get epoch seconds, modelled members only, and no nulls."""
        params = awsmodel.normalize_input(
            INCIDENTS,
            "CreateTimelineEvent",
            {
                "incidentRecordArn": INCIDENT_ARN,
                "eventTime": "2024-01-01T00:00:00Z",
                "eventType": "Note",
                "eventData": "x",
                "clientToken": None,
                "colour": "red",
            },
        )
        assert params == {
            "incidentRecordArn": INCIDENT_ARN,
            "eventTime": 1704067200,
            "eventType": "Note",
            "eventData": "x",
        }

    def test_serialize_output_keeps_output_members(self) -> None:
        """Replies are cut down to the output shape with timestamps as epoch seconds."""
        out = awsmodel.serialize_output(
            INCIDENTS,
            "GetTimelineEvent",
            {
                "event": {
                    "eventId": "e",
                    "eventTime": "2024-01-01T00:00:00.5Z",
                    "eventUpdatedTime": 1704067200.25,
                    "internal": True,
                },
                "debug": "x",
            },
        )
        assert out == {
            "event": {"eventId": "e", "eventTime": 1704067200.5, "eventUpdatedTime": 1704067200.25}
        }

    def test_error_fields_take_each_models_names(self) -> None:
        """Tocsin's error fields map onto ssm-contacts' PascalCase members."""
        shape = CONTACTS.error_shape("ResourceNotFoundException")
        assert shape is not None
        fields = awsmodel.serialize_error_fields(
            CONTACTS, shape, {"resourceIdentifier": "alice", "resourceType": "CONTACT"}
        )
        assert fields == {"ResourceId": "alice", "ResourceType": "CONTACT"}

    def test_error_fields_keep_incidents_names(self) -> None:
        """The same fields keep their camelCase names for ssm-incidents."""
        shape = INCIDENTS.error_shape("ConflictException")
        assert shape is not None
        fields = awsmodel.serialize_error_fields(
            INCIDENTS,
            shape,
            {"resourceIdentifier": "p", "resourceType": "RESPONSE_PLAN", "other": 1},
        )
        assert fields == {"resourceIdentifier": "p", "resourceType": "RESPONSE_PLAN"}

    def test_validation_fields_nest(self) -> None:
        """Validation reason and fields become ``Reason`` and ``Fields[].Name/Message``."""
        shape = CONTACTS.error_shape("ValidationException")
        assert shape is not None
        fields = awsmodel.serialize_error_fields(
            CONTACTS,
            shape,
            {"reason": "FIELD_VALIDATION_FAILED", "fields": [{"name": "Alias", "message": "m"}]},
        )
        assert fields == {
            "Reason": "FIELD_VALIDATION_FAILED",
            "Fields": [{"Name": "Alias", "Message": "m"}],
        }

    @pytest.mark.parametrize(
        ("value", "seconds"),
        [
            (5, 5.0),
            ("1700000000.5", 1700000000.5),
            ("1970-01-01T00:01:00", 60.0),
            ("1970-01-01T01:00:00+01:00", 0.0),
        ],
    )
    def test_parse_timestamp(self, value: Any, seconds: float) -> None:
        """Epoch numbers, numeric strings and ISO-8601 (naive = UTC) become epoch seconds."""
        assert awsmodel.parse_timestamp(value) == seconds
