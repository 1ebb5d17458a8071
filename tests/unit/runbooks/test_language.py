"""The document language: references, outputs, branch conditions and parameters."""

from __future__ import annotations

from typing import Any

import pytest

from tocsin.runbooks.errors import InvalidAutomationExecutionParametersException
from tocsin.runbooks.language import (
    BRANCH_OPERATORS,
    LanguageError,
    OutputError,
    Scope,
    UnknownReference,
    automation_builtins,
    bind_parameters,
    choose,
    interpolate,
    references,
    select_outputs,
)

SCOPE = Scope(
    parameters={"Arn": "arn:tocsin:ssm-incidents::000000000000:incident-record/p/1",
                "Ids": ["i-1", "i-2"], "Count": 3, "Flag": True},
    outputs={"check.Code": 16, "check.Tags": {"env": "prod"}},
    variables={"tries": 2},
    builtins=automation_builtins(execution_id="e" * 36, document_name="Doc", region="local-1",
                                 account="000000000000", partition="tocsin", now=1_800_000_000),
)


def test_builtins_have_aws_formats() -> None:
    assert SCOPE.builtins["global:DATE"] == "2027-01-15"
    assert SCOPE.builtins["global:DATE_TIME"] == "2027-01-15_08.00.00"
    assert SCOPE.builtins["automation:EXECUTION_ID"] == "e" * 36


def test_whole_references_keep_their_type_and_embedded_ones_become_text() -> None:
    assert interpolate("{{ Count }}", SCOPE) == 3
    assert interpolate("{{Ids}}", SCOPE) == ["i-1", "i-2"]
    assert interpolate("{{ check.Tags }}", SCOPE) == {"env": "prod"}
    assert interpolate("n={{ Count }} ids={{ Ids }} ok={{ Flag }}", SCOPE) \
        == 'n=3 ids=["i-1","i-2"] ok=true'
    assert interpolate({"a": ["{{ Ids }}", "i-3"], "{{ Count }}": "{{ variable:tries }}"},
                       SCOPE) == {"a": ["i-1", "i-2", "i-3"], "{{ Count }}": 2}
    assert interpolate("{{ automation:EXECUTION_ID }}-x", SCOPE) == "e" * 36 + "-x"
    assert interpolate(7, SCOPE) == 7


@pytest.mark.parametrize(("text", "words"), [
    ("{{ Nope }}", "names no parameter"),
    ("{{ check.Missing }}", "step check has no output Missing"),
    ("{{ variable:other }}", "names no variable"),
    ("{{ global:NOPE }}", "not an automation built-in"),
    ("x {{ ssm:/a/b }}", "Parameter Store"),
])
def test_unknown_references_say_what_they_miss(text: str, words: str) -> None:
    with pytest.raises(UnknownReference, match=words):
        interpolate(text, SCOPE)


def test_references_lists_every_placeholder_in_values() -> None:
    assert references({"a": "{{ A }} and {{b.C}}", "b": ["{{ variable:v }}", 3],
                       "{{ key }}": 1}) == ["A", "b.C", "variable:v"]


RAW = {"Payload": {"ok": True, "n": "42", "items": [{"K": "a"}, {"K": "b"}], "f": 2.0,
                   "m": {"x": 1}}}


def test_outputs_are_selected_and_converted_to_their_types() -> None:
    spec = [{"Name": "ok", "Selector": "$.Payload.ok", "Type": "Boolean"},
            {"Name": "n", "Selector": "$.Payload.n", "Type": "Integer"},
            {"Name": "f", "Selector": "$.Payload.f", "Type": "Integer"},
            {"Name": "ks", "Selector": "$..K", "Type": "StringList"},
            {"Name": "first", "Selector": "$.Payload.items[0].K", "Type": "String"},
            {"Name": "items", "Selector": "$.Payload.items", "Type": "MapList"},
            {"Name": "m", "Selector": "$.Payload.m", "Type": "StringMap"},
            {"Name": "text", "Selector": "$.Payload.ok"}]
    assert select_outputs(RAW, spec) == {
        "ok": True, "n": 42, "f": 2, "ks": ["a", "b"], "first": "a",
        "items": [{"K": "a"}, {"K": "b"}], "m": {"x": 1}, "text": "true"}


@pytest.mark.parametrize(("selector", "kind", "words"), [
    ("$.Payload.none", "String", "selects nothing"),
    ("$.Payload.m", "String", "is not a String"),
    ("$.Payload.items", "StringList", "is not a StringList"),
    ("$.Payload.n", "Boolean", "is not a Boolean"),
    ("$.Payload.[[", "String", "not valid JSONPath"),
    ("Payload.ok", "String", "starting with \\$"),
    ("$.Payload.ok", "Float", "not a type"),
])
def test_output_mismatches_name_the_output(selector: str, kind: str, words: str) -> None:
    with pytest.raises(OutputError, match=f"Output out: .*{words}"):
        select_outputs(RAW, [{"Name": "out", "Selector": selector, "Type": kind}])


def _branch(condition: dict[str, Any]) -> str | None:
    return choose({"Choices": [{"NextStep": "yes", **condition}], "Default": "no"}, SCOPE)


@pytest.mark.parametrize(("condition", "chosen"), [
    ({"Variable": "{{ Arn }}", "StringEquals": "arn:tocsin:ssm-incidents::000000000000:"
                                               "incident-record/p/1"}, "yes"),
    ({"Variable": "{{ Arn }}", "StringEquals": "arn"}, "no"),
    ({"Variable": "{{ Arn }}", "EqualsIgnoreCase": "ARN:TOCSIN:SSM-INCIDENTS::000000000000:"
                                                   "INCIDENT-RECORD/P/1"}, "yes"),
    ({"Variable": "{{ Arn }}", "StartsWith": "arn:tocsin:"}, "yes"),
    ({"Variable": "{{ Arn }}", "EndsWith": "/2"}, "no"),
    ({"Variable": "{{ Arn }}", "Contains": "incident-record"}, "yes"),
    ({"Variable": "{{ Ids }}", "Contains": "i-2"}, "yes"),
    ({"Variable": "{{ Ids }}", "Contains": "i-"}, "no"),
    ({"Variable": "{{ check.Code }}", "NumericEquals": 16}, "yes"),
    ({"Variable": "{{ check.Code }}", "NumericGreater": 16}, "no"),
    ({"Variable": "{{ check.Code }}", "NumericLesser": "20"}, "yes"),
    ({"Variable": "{{ Count }}", "NumericGreaterOrEquals": 3}, "yes"),
    ({"Variable": "{{ Count }}", "NumericLesserOrEquals": 2.5}, "no"),
    ({"Variable": "{{ Flag }}", "BooleanEquals": True}, "yes"),
    ({"Variable": "{{ Flag }}", "BooleanEquals": "false"}, "no"),
    ({"And": [{"Variable": "{{ Count }}", "NumericEquals": 3},
              {"Variable": "{{ Flag }}", "BooleanEquals": True}]}, "yes"),
    ({"And": [{"Variable": "{{ Count }}", "NumericEquals": 3},
              {"Variable": "{{ Flag }}", "BooleanEquals": False}]}, "no"),
    ({"Or": [{"Variable": "{{ Count }}", "NumericEquals": 4},
             {"Variable": "{{ Flag }}", "BooleanEquals": True}]}, "yes"),
    ({"Not": {"Variable": "{{ Count }}", "NumericEquals": 3}}, "no"),
    ({"Not": [{"Variable": "{{ Count }}", "NumericEquals": 4}]}, "yes"),
])
def test_every_branch_operator(condition: dict[str, Any], chosen: str) -> None:
    assert _branch(condition) == chosen


def test_branch_operators_are_the_eleven_of_aws() -> None:
    assert len(BRANCH_OPERATORS) == 11


def test_first_true_choice_wins_and_without_default_none() -> None:
    choices = [{"NextStep": "a", "Variable": "{{ Count }}", "NumericEquals": 1},
               {"NextStep": "b", "Variable": "{{ Count }}", "NumericEquals": 3},
               {"NextStep": "c", "Variable": "{{ Count }}", "NumericGreater": 0}]
    assert choose({"Choices": choices}, SCOPE) == "b"
    assert choose({"Choices": choices[:1]}, SCOPE) is None


@pytest.mark.parametrize(("condition", "words"), [
    ({"Variable": "{{ Arn }}", "NumericEquals": 1}, "compares numbers"),
    ({"Variable": "{{ Arn }}", "BooleanEquals": True}, "compares booleans"),
    ({"Variable": "{{ Nope }}", "StringEquals": "x"}, "names no parameter"),
    ({"Variable": "{{ Arn }}", "Matches": "x"}, "exactly one operator"),
])
def test_branch_errors_name_the_choice(condition: dict[str, Any], words: str) -> None:
    with pytest.raises(LanguageError, match=f"Choice 1: .*{words}"):
        _branch(condition)


DECLARED = {
    "Name": {"type": "String", "allowedPattern": "^[a-z]+$"},
    "Env": {"type": "String", "default": "dev", "allowedValues": ["dev", "prod"]},
    "Ids": {"type": "StringList", "default": [], "maxItems": 2},
    "Count": {"type": "Integer", "default": 1},
    "Dry": {"type": "Boolean", "default": False},
    "Tags": {"type": "StringMap", "default": {"a": "b"}},
    "Rows": {"type": "MapList", "default": [{"k": "v"}]},
    "Role": {"type": "String", "default": ""},
}


def test_parameters_are_typed_and_echoed_with_defaults() -> None:
    typed, echo = bind_parameters(DECLARED, {"Name": ["db"], "Ids": ["i-1", "i-2"],
                                             "Count": ["5"], "Dry": ["true"],
                                             "Tags": ['{"x": "y"}']})
    assert typed == {"Name": "db", "Env": "dev", "Ids": ["i-1", "i-2"], "Count": 5,
                     "Dry": True, "Tags": {"x": "y"}, "Rows": [{"k": "v"}], "Role": ""}
    assert echo == {"Name": ["db"], "Env": ["dev"], "Ids": ["i-1", "i-2"], "Count": ["5"],
                    "Dry": ["true"], "Tags": ['{"x": "y"}'], "Rows": ['[{"k":"v"}]'],
                    "Role": [""]}


@pytest.mark.parametrize(("given", "words"), [
    ({"Name": ["db"], "Other": ["x"]}, "\\['Other'\\] are not declared"),
    ({}, "Required parameters \\['Name'\\]"),
    ({"Name": ["db", "x"]}, "Name: a String takes exactly one value"),
    ({"Name": ["DB"]}, "does not match its allowedPattern"),
    ({"Name": ["db"], "Env": ["qa"]}, "not one of its allowedValues"),
    ({"Name": ["db"], "Count": ["1.5"]}, "Count: '1.5' is not an Integer"),
    ({"Name": ["db"], "Dry": ["yes"]}, "Dry: 'yes' is not a Boolean"),
    ({"Name": ["db"], "Tags": ["[1]"]}, "Tags: \\[1\\] is not a StringMap"),
    ({"Name": ["db"], "Rows": ["nope"]}, "Rows: a MapList is given as JSON"),
    ({"Name": ["db"], "Ids": ["a", "b", "c"]}, "at most 2 items"),
])
def test_bad_parameters_are_refused(given: dict[str, list[str]], words: str) -> None:
    with pytest.raises(InvalidAutomationExecutionParametersException, match=words):
        bind_parameters(DECLARED, given)


def test_a_parameter_store_default_needs_a_value() -> None:
    declared = {"Ami": {"type": "String", "default": "{{ ssm:/golden/ami }}"}}
    with pytest.raises(InvalidAutomationExecutionParametersException, match="Parameter Store"):
        bind_parameters(declared, {})
    assert bind_parameters(declared, {"Ami": ["ami-1"]})[0] == {"Ami": "ami-1"}
