"""protoconv: protobuf messages ↔ AWS-shaped dicts, and the generated .proto ↔ the model."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp  # type: ignore[import-untyped]

from tocsin.gateway import awsmodel
from tocsin.gateway.protoconv import enum_value_name, from_result, to_params
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.ssm.v1 import ssm_pb2
from tocsin.shared.errors import ValidationError

ROOT = Path(__file__).resolve().parents[3]
MODEL = awsmodel.load("ssm-incidents")
PLAN_ARN = "arn:tocsin:ssm-incidents::000000000000:response-plan/web"
INCIDENT_ARN = "arn:tocsin:ssm-incidents::000000000000:incident-record/web/0123456789abcdef"
TOPIC_ARN = "arn:aws:sns:local-1:000000000000:chat"


def input_shape(operation: str) -> awsmodel.Shape:
    name = MODEL.operations[operation].input_shape
    assert name is not None
    return MODEL.shape(name)


def params(message: Any, operation: str) -> dict[str, Any]:
    return to_params(message, input_shape(operation), MODEL)


def ts(seconds: int, nanos: int = 0) -> Timestamp:
    return Timestamp(seconds=seconds, nanos=nanos)


def make_start_incident(**overrides: Any) -> pb.StartIncidentRequest:
    fields: dict[str, Any] = {
        "response_plan_arn": PLAN_ARN,
        "title": "Checkout is down",
        "impact": 2,
        "trigger_details": pb.TriggerDetails(
            source="aws.cloudwatch", timestamp=ts(1_700_000_000, 500_000_000), raw_data="{}"
        ),
        "related_items": [
            pb.RelatedItem(
                title="dashboard",
                identifier=pb.ItemIdentifier(
                    type=pb.ITEM_TYPE_METRIC,
                    value=pb.ItemValue(url="https://grafana.example/d/checkout"),
                ),
            )
        ],
    }
    fields.update(overrides)
    return pb.StartIncidentRequest(**fields)


def make_update_plan() -> pb.UpdateResponsePlanRequest:
    return pb.UpdateResponsePlanRequest(
        arn=PLAN_ARN,
        chat_channel=pb.ChatChannel(chatbot_sns=pb.ChatbotSnsConfigurationSet(values=[TOPIC_ARN])),
        incident_template_tags={"team": "payments", "tier": "1"},
        actions=[
            pb.Action(
                ssm_automation=pb.SsmAutomation(
                    document_name="Restart",
                    role_arn="arn:aws:iam::000000000000:role/x",
                    target_account=pb.SSM_TARGET_ACCOUNT_IMPACTED_ACCOUNT,
                    parameters={"service": pb.SsmParameterValues(values=["checkout", "cart"])},
                    dynamic_parameters={
                        "incident": pb.DynamicSsmParameterValue(
                            variable=pb.VARIABLE_TYPE_INCIDENT_RECORD_ARN
                        )
                    },
                )
            )
        ],
    )


UPDATE_PLAN_PARAMS: dict[str, Any] = {
    "arn": PLAN_ARN,
    "chatChannel": {"chatbotSns": [TOPIC_ARN]},
    "incidentTemplateTags": {"team": "payments", "tier": "1"},
    "actions": [
        {
            "ssmAutomation": {
                "documentName": "Restart",
                "roleArn": "arn:aws:iam::000000000000:role/x",
                "targetAccount": "IMPACTED_ACCOUNT",
                "parameters": {"service": ["checkout", "cart"]},
                "dynamicParameters": {"incident": {"variable": "INCIDENT_RECORD_ARN"}},
            }
        }
    ],
}


def make_incident_record_result(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "arn": INCIDENT_ARN,
        "title": "Checkout is down",
        "impact": 1,
        "status": "RESOLVED",
        "dedupeString": "checkout",
        "creationTime": 1_700_000_000.25,
        "lastModifiedTime": 1_700_000_100,
        "resolvedTime": 1_700_000_200,
        "lastModifiedBy": "arn:tocsin:iam::000000000000:user/grpc",
        "incidentRecordSource": {
            "createdBy": "arn:tocsin:iam::000000000000:user/grpc",
            "source": "aws.cloudwatch",
        },
        "chatChannel": {"empty": {}},
        "notificationTargets": [{"snsTopicArn": TOPIC_ARN}],
        "automationExecutions": [{"ssmExecutionArn": "arn:aws:ssm:local-1:0:execution/1"}],
    }
    record.update(overrides)
    return {"incidentRecord": record}


class TestToParams:
    def test_start_incident_becomes_the_aws_input(self) -> None:
        """A StartIncidentRequest becomes camelCase params with epoch-second timestamps,
        enum strings and a union holding its one set member."""
        assert params(make_start_incident(), "StartIncident") == {
            "responsePlanArn": PLAN_ARN,
            "title": "Checkout is down",
            "impact": 2,
            "triggerDetails": {
                "source": "aws.cloudwatch",
                "timestamp": 1_700_000_000.5,
                "rawData": "{}",
            },
            "relatedItems": [
                {
                    "title": "dashboard",
                    "identifier": {
                        "type": "METRIC",
                        "value": {"url": "https://grafana.example/d/checkout"},
                    },
                }
            ],
        }

    def test_timestamps_are_floats(self) -> None:
        """A whole-second timestamp is still sent as a float of epoch seconds."""
        request = make_start_incident(
            trigger_details=pb.TriggerDetails(source="s", timestamp=ts(1_700_000_000))
        )
        value = params(request, "StartIncident")["triggerDetails"]["timestamp"]
        assert value == 1_700_000_000.0 and isinstance(value, float)

    def test_unset_optional_members_are_omitted_and_required_ones_kept(self) -> None:
        """Unset optional fields, empty optional lists and unset messages are left out,
        while a required plain field is sent even at its default."""
        assert params(pb.StartIncidentRequest(), "StartIncident") == {"responsePlanArn": ""}

    def test_optional_scalar_set_to_its_default_is_sent(self) -> None:
        """An optional field explicitly set to its zero value keeps its presence."""
        request = pb.StartIncidentRequest(response_plan_arn=PLAN_ARN, title="", impact=0)
        assert params(request, "StartIncident") == {
            "responsePlanArn": PLAN_ARN,
            "title": "",
            "impact": 0,
        }

    def test_required_empty_list_is_sent(self) -> None:
        """A required repeated field is sent as an empty list rather than left out."""
        request = pb.BatchGetIncidentFindingsRequest(incident_record_arn=INCIDENT_ARN)
        assert params(request, "BatchGetIncidentFindings") == {
            "findingIds": [],
            "incidentRecordArn": INCIDENT_ARN,
        }

    def test_update_response_plan_unwraps_unions_maps_and_wrappers(self) -> None:
        """The chat_channel union, the tag map and the list-valued parameter map come out
        as plain AWS JSON, wrapper messages unwrapped."""
        assert params(make_update_plan(), "UpdateResponsePlan") == UPDATE_PLAN_PARAMS

    def test_empty_union_member_is_an_empty_object(self) -> None:
        """Choosing the member-less EmptyChatChannel sends ``{"empty": {}}``."""
        request = pb.UpdateIncidentRecordRequest(
            arn=INCIDENT_ARN, chat_channel=pb.ChatChannel(empty=pb.EmptyChatChannel())
        )
        assert params(request, "UpdateIncidentRecord") == {
            "arn": INCIDENT_ARN,
            "chatChannel": {"empty": {}},
        }

    def test_union_with_nothing_set_is_an_empty_object(self) -> None:
        """A union message present with no member chosen is sent as ``{}`` for the
        validator to reject."""
        request = pb.UpdateIncidentRecordRequest(arn=INCIDENT_ARN, chat_channel=pb.ChatChannel())
        assert params(request, "UpdateIncidentRecord")["chatChannel"] == {}

    def test_unspecified_enum_is_omitted(self) -> None:
        """An enum left at ``*_UNSPECIFIED`` counts as not given."""
        request = pb.UpdateIncidentRecordRequest(
            arn=INCIDENT_ARN, status=pb.INCIDENT_RECORD_STATUS_UNSPECIFIED
        )
        assert params(request, "UpdateIncidentRecord") == {"arn": INCIDENT_ARN}

    def test_enum_number_outside_the_enum_is_a_validation_error(self) -> None:
        """An enum number the model does not define is the caller's mistake."""
        request = pb.UpdateIncidentRecordRequest(arn=INCIDENT_ARN, status=42)
        with pytest.raises(ValidationError, match="at 'status'"):
            params(request, "UpdateIncidentRecord")

    def test_filter_condition_timestamps_and_integer_lists(self) -> None:
        """A filter condition carries a oneof timestamp or a wrapped list of integers."""
        request = pb.ListIncidentRecordsRequest(
            filters=[
                pb.Filter(key="creationTime", condition=pb.Condition(after=ts(1_700_000_000))),
                pb.Filter(
                    key="impact",
                    condition=pb.Condition(
                        equals=pb.AttributeValueList(integer_values=pb.IntegerList(values=[1, 2]))
                    ),
                ),
            ]
        )
        assert params(request, "ListIncidentRecords") == {
            "filters": [
                {"key": "creationTime", "condition": {"after": 1_700_000_000.0}},
                {"key": "impact", "condition": {"equals": {"integerValues": [1, 2]}}},
            ]
        }


    @pytest.mark.parametrize("operation", sorted(MODEL.operations))
    def test_every_default_request_converts_to_params_the_validator_judges(
        self, operation: str
    ) -> None:
        """Every operation's empty request converts, and the validator either accepts it or
        names what is missing; nothing else goes wrong."""
        request = getattr(pb, f"{operation}Request")()
        converted = params(request, operation)
        try:
            awsmodel.validate_input(MODEL, operation, converted)
        except ValidationError as exc:
            assert "validation error" in exc.message


class TestFromResult:
    def test_get_incident_record_response_from_aws_output(self) -> None:
        """Epoch timestamps, enum strings, unions and lists fill the response message."""
        response = from_result(make_incident_record_result(), pb.GetIncidentRecordResponse)
        record = response.incident_record
        assert record.arn == INCIDENT_ARN
        assert record.status == pb.INCIDENT_RECORD_STATUS_RESOLVED
        assert record.impact == 1
        assert record.creation_time == ts(1_700_000_000, 250_000_000)
        assert record.resolved_time == ts(1_700_000_200)
        assert record.incident_record_source.source == "aws.cloudwatch"
        assert record.chat_channel.WhichOneof("chat_channel") == "empty"
        assert [t.sns_topic_arn for t in record.notification_targets] == [TOPIC_ARN]
        assert record.automation_executions[0].ssm_execution_arn.endswith("execution/1")
        assert not record.HasField("summary")

    def test_iso_timestamps_are_accepted(self) -> None:
        """A service that answers with an ISO-8601 timestamp is understood too."""
        result = make_incident_record_result(creationTime="2023-11-14T22:13:20+00:00")
        response = from_result(result, pb.GetIncidentRecordResponse)
        assert response.incident_record.creation_time == ts(1_700_000_000)

    def test_unknown_and_null_members_are_ignored(self) -> None:
        """Members the message lacks and null members leave the message untouched."""
        response = from_result(
            {"arn": PLAN_ARN, "futureMember": 1, "displayName": None}, pb.GetResponsePlanResponse
        )
        assert response.arn == PLAN_ARN and not response.HasField("display_name")

    def test_wrapped_containers_are_filled(self) -> None:
        """A list inside a map or a union lands in its wrapper message."""
        response = from_result(
            {
                "arn": PLAN_ARN,
                "chatChannel": {"chatbotSns": [TOPIC_ARN]},
                "actions": [
                    {
                        "ssmAutomation": {
                            "documentName": "d",
                            "roleArn": "r",
                            "parameters": {"k": ["a", "b"]},
                        }
                    }
                ],
            },
            pb.GetResponsePlanResponse,
        )
        assert list(response.chat_channel.chatbot_sns.values) == [TOPIC_ARN]
        assert list(response.actions[0].ssm_automation.parameters["k"].values) == ["a", "b"]

    def test_unknown_enum_string_is_an_error(self) -> None:
        """An enum string the proto does not know is a service bug, raised as ValueError."""
        with pytest.raises(ValueError, match="status"):
            from_result(make_incident_record_result(status="SNOOZED"), pb.GetIncidentRecordResponse)

    def test_empty_output_gives_an_empty_message(self) -> None:
        """An operation with no output answers with the empty response message."""
        assert from_result({}, pb.DeleteResponsePlanResponse) == pb.DeleteResponsePlanResponse()


class TestRoundTrip:
    def test_params_survive_a_round_trip_through_the_request_message(self) -> None:
        """AWS params → request message → params gives the same params back."""
        message = from_result(UPDATE_PLAN_PARAMS, pb.UpdateResponsePlanRequest)
        assert message == make_update_plan()
        assert params(message, "UpdateResponsePlan") == UPDATE_PLAN_PARAMS

    def test_start_incident_survives_a_round_trip(self) -> None:
        """A request message → params → message gives the same message back."""
        message = make_start_incident()
        again = from_result(params(message, "StartIncident"), pb.StartIncidentRequest)
        assert again == message


class TestGeneratedProto:
    def test_every_operation_is_an_rpc(self) -> None:
        """Each of the model's operations is an rpc taking <Op>Request and returning
        <Op>Response."""
        service = pb.DESCRIPTOR.services_by_name["Incidents"]
        rpcs = {m.name: (m.input_type.name, m.output_type.name) for m in service.methods}
        assert rpcs == {op: (f"{op}Request", f"{op}Response") for op in MODEL.operations}
        assert len(rpcs) == 31

    def test_every_member_is_a_field_with_the_members_json_name(self) -> None:
        """Every member of every structure the operations reach has a field whose JSON
        name is the member name."""
        seen: set[tuple[str, str]] = set()

        def walk(shape_name: str, descriptor: Any) -> None:
            shape = MODEL.shape(shape_name)
            if shape.type != "structure" or (shape_name, descriptor.full_name) in seen:
                return
            seen.add((shape_name, descriptor.full_name))
            fields = {f.json_name: f for f in descriptor.fields}
            assert set(fields) == set(shape.members), shape_name
            for name, member in shape.members.items():
                inner = MODEL.shape(member.shape)
                while inner.type in ("list", "map"):
                    inner = MODEL.shape(inner.member or inner.value or "")
                target = fields[name].message_type
                if target is not None and target.GetOptions().map_entry:
                    target = target.fields_by_name["value"].message_type
                while target is not None and [f.name for f in target.fields] == ["values"]:
                    target = target.fields[0].message_type
                    if target is not None and target.GetOptions().map_entry:
                        target = target.fields_by_name["value"].message_type
                if inner.type == "structure":
                    walk(inner.name, target)

        for op_name, op in MODEL.operations.items():
            if op.input_shape:
                walk(op.input_shape, pb.DESCRIPTOR.message_types_by_name[f"{op_name}Request"])
            if op.output_shape:
                walk(op.output_shape, pb.DESCRIPTOR.message_types_by_name[f"{op_name}Response"])
        assert len(seen) > 60

    def test_every_model_enum_value_has_a_proto_value(self) -> None:
        """Each enum of the model is a proto enum holding each of its values, after an
        UNSPECIFIED zero."""
        for shape in MODEL.shapes.values():
            if shape.enum is None:
                continue
            enum = pb.DESCRIPTOR.enum_types_by_name[shape.name]
            names = [v.name for v in enum.values]
            assert names == [
                enum_value_name(shape.name, "UNSPECIFIED"),
                *(enum_value_name(shape.name, v) for v in shape.enum),
            ]

    def test_committed_proto_is_up_to_date(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The committed incidents.proto is exactly what tools/protogen.py writes from
        the installed botocore model."""
        spec = importlib.util.spec_from_file_location("protogen", ROOT / "tools/protogen.py")
        assert spec is not None and spec.loader is not None
        protogen = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, "protogen", protogen)  # its dataclasses look it up
        spec.loader.exec_module(protogen)
        path, text = protogen.generate("ssm-incidents")
        assert path.read_text(encoding="utf-8") == text


class TestNestedContainers:
    def test_a_list_of_maps_of_lists_survives_a_round_trip(self) -> None:
        """SSM's ``TargetMaps`` (a list of maps whose values are lists) reads each element
        out of its wrapper message, as a member's wrapper is read."""
        model = awsmodel.load("ssm")
        shape = model.shape(model.operations["StartAutomationExecution"].input_shape or "")
        given = {"DocumentName": "Restart", "TargetMaps": [
            {"InstanceIds": ["i-1", "i-2"]}, {"tag:Role": ["web"]}]}
        message = from_result(given, ssm_pb2.StartAutomationExecutionRequest)
        assert to_params(message, shape, model) == given
