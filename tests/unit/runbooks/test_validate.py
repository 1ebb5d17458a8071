"""Document validation at CreateDocument/UpdateDocument: each rule refused with its message."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tocsin.runbooks.documents import validate as v
from tocsin.runbooks.documents.content import parse
from tocsin.runbooks.errors import InvalidDocumentContent

REFERENCE_EXAMPLE = """\
schemaVersion: '0.3'
description: '# DB failover runbook'
parameters:
  IncidentRecordArn: {type: String}
  Resources: {type: StringList, default: []}
mainSteps:
- name: Triage
  action: aws:pause
  inputs: {}
  description: '**Check** the error-rate dashboard, then set Impact.'
- name: AddNote
  action: aws:executeAwsApi
  inputs: {Service: ssm-incidents, Api: CreateTimelineEvent,
           incidentRecordArn: '{{ IncidentRecordArn }}', eventType: Custom Event,
           eventTime: '{{ global:DATE_TIME }}', eventData: '"runbook step 2"'}
  onFailure: Continue
- name: Decide
  action: aws:branch
  inputs:
    Choices:
    - {NextStep: Failover, Variable: '{{ IncidentRecordArn }}', Contains: prod}
    Default: Done
- name: Failover
  action: aws:executeScript
  timeoutSeconds: 120
  maxAttempts: 2
  inputs: {Runtime: python3.11, Handler: main, InputPayload: {arn: '{{ IncidentRecordArn }}'},
           Script: "def main(events, context):\\n  return {'ok': True}"}
  outputs: [{Name: ok, Selector: $.Payload.ok, Type: Boolean}]
- name: Done
  action: aws:sleep
  inputs: {Duration: PT1S}
  isEnd: true
outputs: [Failover.ok]
"""


def doc() -> dict[str, Any]:
    return parse(REFERENCE_EXAMPLE, "YAML")


def test_the_reference_example_is_valid() -> None:
    v.validate(doc(), "Automation")


def test_aws_documents_with_infrastructure_actions_and_every_control_action_are_valid() -> None:
    content = {
        "schemaVersion": "0.3",
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {"AutomationAssumeRole": {"type": "String", "default": ""},
                       "InstanceId": {"type": "String"},
                       "Ami": {"type": "String", "default": "{{ ssm:/golden/ami }}"}},
        "variables": {"count": {"type": "Integer", "default": 0}},
        "mainSteps": [
            {"name": "stop", "action": "aws:changeInstanceState",
             "inputs": {"InstanceIds": ["{{ InstanceId }}"], "DesiredState": "stopped"}},
            {"name": "run", "action": "aws:runCommand",
             "inputs": {"DocumentName": "AWS-RunShellScript", "InstanceIds": ["{{InstanceId}}"],
                        "Parameters": {"commands": ["echo {{ stop.Anything }}"]}}},
            {"name": "approve", "action": "aws:approve", "timeoutSeconds": 3600,
             "inputs": {"Approvers": ["arn:tocsin:iam::000000000000:user/a",
                                      "arn:tocsin:iam::000000000000:user/b"],
                        "MinRequiredApprovals": 2, "Message": "ok?"}},
            {"name": "each", "action": "aws:loop",
             "inputs": {"Iterators": ["a", "b"], "Steps": [
                 {"name": "bump", "action": "aws:updateVariable",
                  "inputs": {"Name": "variable:count", "Value": "{{ variable:count }}"}},
                 {"name": "say", "action": "aws:executeScript",
                  "inputs": {"Runtime": "python3.11", "Handler": "h",
                             "Script": "def h(e, c): return e",
                             "InputPayload": {"v": "{{ each.CurrentIteratorValue }}"}}}]}},
            {"name": "child", "action": "aws:executeAutomation",
             "inputs": {"DocumentName": "Other", "RuntimeParameters": {
                 "x": "{{ approve.ApprovalStatus }} {{ say.Payload }}"}}},
            {"name": "hook", "action": "aws:invokeWebhook",
             "inputs": {"IntegrationName": "ops", "Body": "{{ child.ExecutionId }}"}},
            {"name": "wait", "action": "aws:waitForAwsResourceProperty",
             "inputs": {"Service": "ssm-incidents", "Api": "GetIncidentRecord",
                        "arn": "x", "PropertySelector": "$.incidentRecord.status",
                        "DesiredValues": ["RESOLVED"]}},
            {"name": "nap", "action": "aws:sleep",
             "inputs": {"Timestamp": "2026-12-01T12:00:00Z"}},
        ],
    }
    v.validate(content, "Automation")


def test_a_powershell_script_without_handler_is_accepted_and_fails_only_at_run_time() -> None:
    content = doc()
    content["mainSteps"][3]["inputs"] = {"Runtime": "PowerShell 7.4", "Script": "Write-Host 1"}
    content["mainSteps"][3].pop("outputs")
    content.pop("outputs")
    v.validate(content, "Automation")


def test_a_step_may_use_outputs_of_a_step_listed_later_that_runs_before_it() -> None:
    content = {"schemaVersion": "0.3", "mainSteps": [
        {"name": "start", "action": "aws:pause", "inputs": {}, "nextStep": "produce"},
        {"name": "use", "action": "aws:executeScript", "isEnd": True,
         "inputs": {"Runtime": "python3.11", "Handler": "h", "Script": "x",
                    "InputPayload": {"v": "{{ produce.Payload }}"}}},
        {"name": "produce", "action": "aws:executeScript", "nextStep": "use",
         "inputs": {"Runtime": "python3.11", "Handler": "h", "Script": "x"}},
    ]}
    v.validate(content, "Automation")


Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    def edit(content: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = content
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return edit


_DELETE = object()


@pytest.mark.parametrize(("edit", "words"), [
    (_set("schemaVersion", "2.2"), "schemaVersion '2.2' is not supported"),
    (_set("schemaVersion", _DELETE), "schemaVersion is required"),
    (_set("mainSteps", []), "mainSteps is required"),
    (_set("mainSteps/1/name", "Triage"), "Step name Triage is used more than once"),
    (_set("mainSteps/1/name", "add note"), "letters, digits and underscores"),
    (_set("mainSteps/1/action", "aws:doMagic"), "aws:doMagic, which does not exist"),
    (_set("mainSteps/1/action", "runCommand"), "an action is aws:<name>"),
    (_set("mainSteps/0/nextStep", "Nowhere"), "Step Triage: nextStep Nowhere is not a step"),
    (_set("mainSteps/1/onFailure", "step:Nowhere"),
     "Step AddNote: onFailure goes to step Nowhere"),
    (_set("mainSteps/1/onFailure", "Retry"), "use Abort, Continue or step:<step name>"),
    (_set("mainSteps/1/onCancel", "step:Triage"), "may not go to step Triage, an aws:pause"),
    (_set("mainSteps/2/inputs/Choices/0/NextStep", "Nowhere"),
     "Step Decide: choice 1 goes to step Nowhere"),
    (_set("mainSteps/2/inputs/Default", "Nowhere"), "Default goes to step Nowhere"),
    (_set("mainSteps/2/inputs/Choices/0/Matches", "x"), "unknown operator Matches"),
    (_set("mainSteps/2/inputs/Choices/0/StringEquals", "x"), "exactly one operator, not 2"),
    (_set("mainSteps/1/inputs/incidentRecordArn", "{{ IncidentArn }}"),
     "Step AddNote: {{ IncidentArn }} names no declared parameter"),
    (_set("mainSteps/1/inputs/eventData", "{{ Failover.ok }}"),
     "uses an output of step Failover, which cannot run before this step"),
    (_set("mainSteps/4/inputs/Duration", "{{ Failover.nope }}"),
     "names no output of step Failover \\(its outputs: Payload, ok\\)"),
    (_set("mainSteps/1/inputs/eventData", "{{ Ghost.out }}"), "names the step Ghost"),
    (_set("mainSteps/1/inputs/eventData", "{{ variable:v }}"), "names no declared variable"),
    (_set("mainSteps/1/inputs/eventData", "{{ global:NOW }}"), "not an automation built-in"),
    (_set("mainSteps/1/inputs/eventData", "{{ ssm:/x }}"), "only in a parameter's default"),
    (_set("mainSteps/1/inputs/{{ IncidentRecordArn }}", 1), "holds a reference"),
    (_set("mainSteps/1/inputs/Api", _DELETE), "aws:executeAwsApi requires the input Api"),
    (_set("mainSteps/3/inputs/Script", _DELETE), "needs a Script or an Attachment"),
    (_set("mainSteps/3/inputs/Handler", _DELETE), "a Python aws:executeScript requires the "
                                                  "input Handler"),
    (_set("mainStep", []), "unknown key mainStep"),
    (_set("assumeRole", "{{ AutomationAssumeRole }}"),
     "assumeRole references {{ AutomationAssumeRole }}, which is not a declared parameter"),
    (_set("mainSteps/3/timeoutSeconds", 601), "at most 600"),
    (_set("mainSteps/3/maxAttempts", 0), "maxAttempts must be an integer of at least 1"),
    (_set("mainSteps/3/isEnd", "yes"), "isEnd must be true or false"),
    (_set("mainSteps/3/outputs/0/Selector", "Payload.ok"), "output ok: the selector"),
    (_set("mainSteps/3/outputs/0/Type", "Bool"), "output ok has type 'Bool'"),
    (_set("mainSteps/3/retries", 3), "unknown key retries"),
    (_set("mainSteps/4/inputs/Duration", "10 minutes"), "not an ISO-8601 duration"),
    (_set("mainSteps/4/inputs/Duration", "P8D"), "longer than the 604799 seconds"),
    (_set("mainSteps/4/inputs/Timestamp", "2026-12-01T00:00:00Z"), "either Duration or"),
    (_set("parameters/Resources/type", "List"), "Parameter Resources has type 'List'"),
    (_set("parameters/Resources/default", "a"), "default 'a' is not a StringList"),
    (_set("parameters/Resources/default", ["{{ IncidentRecordArn }}"]),
     "default may not reference"),
    (_set("parameters/IncidentRecordArn/allowedPattern", "("), "not a valid pattern"),
    (_set("outputs", ["Failover.nope"]), "names no output of step Failover"),
    (_set("outputs", ["Nope"]), "does not name a step's output"),
])
def test_each_rule_is_refused_with_its_message(edit: Edit, words: str) -> None:
    content = copy.deepcopy(doc())
    edit(content)
    with pytest.raises(InvalidDocumentContent, match=words):
        v.validate(content, "Automation")


def test_default_must_satisfy_its_own_constraints() -> None:
    content = doc()
    content["parameters"]["Env"] = {"type": "String", "default": "qa",
                                    "allowedValues": ["dev", "prod"]}
    with pytest.raises(InvalidDocumentContent, match=r"Parameter Env: its default does not "
                                                     r"satisfy .*allowedValues"):
        v.validate(content, "Automation")


def _loop_doc(inner: list[dict[str, Any]], **inputs: Any) -> dict[str, Any]:
    return {"schemaVersion": "0.3", "variables": {"n": {"type": "Integer", "default": 0}},
            "mainSteps": [{"name": "each", "action": "aws:loop",
                           "inputs": {"Steps": inner, **inputs}},
                          {"name": "after", "action": "aws:pause", "inputs": {}}]}


PAUSE = {"name": "inner", "action": "aws:pause", "inputs": {}}


@pytest.mark.parametrize(("document", "words"), [
    (_loop_doc([PAUSE]), "either Iterators or LoopCondition"),
    (_loop_doc([PAUSE], Iterators=["a"], MaxIterations=101), "MaxIterations must be between"),
    (_loop_doc([{**PAUSE, "nextStep": "after"}], Iterators=["a"]),
     "nextStep after is not a step in loop each"),
    (_loop_doc([PAUSE], LoopCondition={"Variable": "{{ variable:n }}", "Above": 3}),
     "unknown operator Above"),
    (_loop_doc([{"name": "u", "action": "aws:updateVariable",
                 "inputs": {"Name": "variable:m", "Value": 1}}], Iterators=["a"]),
     "variable:m is not declared"),
    (_loop_doc([PAUSE, PAUSE], Iterators=["a"]), "Step name inner is used more than once"),
])
def test_loop_rules(document: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidDocumentContent, match=words):
        v.validate(document, "Automation")


def test_problem_analysis_templates_follow_their_schema_and_other_types_are_refused(
        ) -> None:
    v.validate({"schemaVersion": "1.0", "sections": [{"id": "s", "title": "S", "questions": [
        {"id": "q", "text": "Why?"}]}]}, "ProblemAnalysisTemplate")
    with pytest.raises(InvalidDocumentContent, match="ProblemAnalysisTemplate schema"):
        v.validate({"anything": 1}, "ProblemAnalysisTemplate")
    with pytest.raises(InvalidDocumentContent, match="not Command"):
        v.validate({}, "Command")


def test_a_document_type_can_register_its_own_check() -> None:
    def strict(content: dict[str, Any]) -> None:
        if "sections" not in content:
            raise InvalidDocumentContent("sections is required")

    v.register("ProblemAnalysisTemplate", strict)
    try:
        with pytest.raises(InvalidDocumentContent, match="sections is required"):
            v.validate({}, "ProblemAnalysisTemplate")
    finally:
        v.register("ProblemAnalysisTemplate", v._check_object)
