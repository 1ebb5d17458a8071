"""Validation of out-of-range times, NUL characters and unbounded lists against the models."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tocsin.gateway import awsmodel
from tocsin.shared.errors import ValidationError

INCIDENTS = awsmodel.load("ssm-incidents")
CONTACTS = awsmodel.load("ssm-contacts")
INCIDENT_ARN = "arn:tocsin:ssm-incidents::000000000000:incident-record/web/1"
CONTACT_ARN = "arn:tocsin:ssm-contacts:local-1:000000000000:contact/alice"


def event(event_time: Any, data: str = "x") -> dict[str, Any]:
    return {"incidentRecordArn": INCIDENT_ARN, "eventTime": event_time, "eventType": "Note",
            "eventData": data}


def accepted(model: awsmodel.ServiceModel, operation: str, params: dict[str, Any]) -> None:
    """Validating ``params`` passes and leaves them as they were: the service is sent
    exactly what the caller sent."""
    sent = copy.deepcopy(params)
    assert awsmodel.validate_input(model, operation, sent) is None
    assert sent == params


@pytest.mark.parametrize("value", [0, 1_700_000_000, 253402300799, "2024-01-01T00:00:00Z",
                                   "9999-12-31T23:59:59Z"])
def test_times_in_range(value: Any) -> None:
    accepted(INCIDENTS, "CreateTimelineEvent", event(value))


@pytest.mark.parametrize("value", [-1, -62135596800, 253402300800, 1e20, 1e30, -1e30,
                                   "0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z"])
def test_times_out_of_range(value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        awsmodel.validate_input(INCIDENTS, "CreateTimelineEvent", event(value))
    assert "at 'eventTime' failed to satisfy constraint: Member must be a timestamp between " \
           "1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z" in caught.value.message


def test_nul_is_refused_and_never_echoed() -> None:
    with pytest.raises(ValidationError) as caught:
        awsmodel.validate_input(INCIDENTS, "CreateTimelineEvent", event(1, "a\x00b"))
    assert "Value 'a\\u0000b' at 'eventData'" in caught.value.message
    assert "\x00" not in caught.value.message
    assert caught.value.fields["fields"][0]["name"] == "eventData"


def test_nul_in_a_map_key() -> None:
    with pytest.raises(ValidationError) as caught:
        awsmodel.validate_input(INCIDENTS, "TagResource", {
            "resourceArn": INCIDENT_ARN, "tags": {"te\x00am": "x"}})
    assert "at 'tags' failed to satisfy constraint: Map keys must satisfy constraint" \
           in caught.value.message


def stage(targets: int) -> dict[str, Any]:
    return {"DurationInMinutes": 1, "Targets": [
        {"ContactTargetInfo": {"ContactId": CONTACT_ARN, "IsEssential": True}}] * targets}


@pytest.mark.parametrize(("stages", "targets", "path", "limit"), [
    (31, 1, "Plan.Stages", 30), (1, 51, "Plan.Stages.1.Targets", 50)])
def test_unbounded_lists_get_maxima(stages: int, targets: int, path: str, limit: int) -> None:
    accepted(CONTACTS, "CreateContact", {
        "Alias": "ops", "Type": "ESCALATION", "Plan": {"Stages": [stage(1)] * 30}})
    with pytest.raises(ValidationError) as caught:
        awsmodel.validate_input(CONTACTS, "CreateContact", {
            "Alias": "ops", "Type": "ESCALATION", "Plan": {"Stages": [stage(targets)] * stages}})
    assert caught.value.message == (
        f"1 validation error detected: Value null at '{path}' failed to satisfy constraint: "
        f"Member must have length less than or equal to {limit}")


SERVED = {api: awsmodel.load(api) for api in sorted(awsmodel.APIS)}


def _input_shapes(model: awsmodel.ServiceModel) -> set[str]:
    """The shapes the served operations' inputs reach (of cloudtrail: LookupEvents's)."""
    seen: set[str] = set()
    todo = [op.input_shape for op in model.operations.values() if op.input_shape
            and (model.api != "cloudtrail" or op.name == "LookupEvents")]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = model.shape(name)
        todo += [m.shape for m in shape.members.values()]
        todo += [x for x in (shape.member, shape.key, shape.value) if x]
    return seen


def test_every_limited_shape_is_an_unbounded_list_of_a_model() -> None:
    shapes = {name: model.shape(name) for model in SERVED.values() for name in model.shapes}
    for name in awsmodel.LIST_LIMITS:
        assert shapes[name].type in ("list", "map") and shapes[name].max is None, name


@pytest.mark.parametrize("api", sorted(awsmodel.APIS))
def test_every_unbounded_input_list_has_a_maximum(api: str) -> None:
    """A list or map of a served input the model leaves unbounded has Tocsin's own
    maximum, so 10,000 items are refused naming the member before any service sees them."""
    model = SERVED[api]
    unbounded = {name for name in _input_shapes(model)
                 if model.shape(name).type in ("list", "map") and model.shape(name).max is None}
    assert unbounded <= set(awsmodel.LIST_LIMITS)


def test_ops_item_operational_data_has_a_maximum() -> None:
    ssm = SERVED["ssm"]
    data = {f"k{i}": {"Value": "v", "Type": "String"} for i in range(101)}
    with pytest.raises(ValidationError) as caught:
        awsmodel.validate_input(ssm, "CreateOpsItem", {
            "Title": "t", "Source": "s", "Description": "d", "OperationalData": data})
    assert "'OperationalData' failed to satisfy constraint: Member must have length less " \
        "than or equal to 100" in caught.value.message
