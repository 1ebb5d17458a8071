"""Automation executions: step semantics, signals and stops, on a real runbooks service."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.runbooks.conftest import BOB, CAROL, Ssm, statuses
from tocsin.shared.errors import TocsinError

BAD = {"Wait": {"type": "String", "default": "not-a-duration"}}
"""A parameter whose default no aws:sleep takes: the step fails at run time."""
FAILING = {"name": "Fail", "action": "aws:sleep", "inputs": {"Duration": "{{ Wait }}"}}


def doc(*steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"schemaVersion": "0.3", "mainSteps": list(steps), **extra}


def pause(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "action": "aws:pause", "inputs": {}, **extra}


def sleep(name: str, duration: str = "PT0S", **extra: Any) -> dict[str, Any]:
    return {"name": name, "action": "aws:sleep", "inputs": {"Duration": duration}, **extra}


def script(name: str, body: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "action": "aws:executeScript",
            "inputs": {"Runtime": "python3.11", "Handler": "main", "Script": body}, **extra}


async def test_every_step_is_listed_pending_and_a_pause_waits_for_resume(ssm: Ssm) -> None:
    await ssm.create("PauseThenSleep", doc(pause("Triage"), sleep("Settle"), pause("Close")))
    eid = await ssm.start("PauseThenSleep")
    ex = await ssm.waiting(eid, "Triage")
    assert statuses(ex) == {"Triage": "Waiting", "Settle": "Pending", "Close": "Pending"}
    with pytest.raises(TocsinError) as wrong:
        await ssm("SendAutomationSignal", AutomationExecutionId=eid, SignalType="Resume",
                  Payload={"StepName": ["Close"]})
    assert wrong.value.aws_code == "InvalidAutomationSignalException"
    await ssm("SendAutomationSignal", AutomationExecutionId=eid, SignalType="Resume",
              Payload={"StepName": ["Triage"]})
    ex = await ssm.waiting(eid, "Close")
    assert statuses(ex) == {"Triage": "Success", "Settle": "Success", "Close": "Waiting"}
    await ssm("SendAutomationSignal", AutomationExecutionId=eid, SignalType="Resume",
              Payload={"StepName": ["Close"]})
    ex = await ssm.ended(eid)
    assert ex["AutomationExecutionStatus"] == "Success"


async def test_branch_chooses_and_skipped_steps_stay_pending(ssm: Ssm) -> None:
    await ssm.create("Branching", doc(
        {"name": "Decide", "action": "aws:branch", "inputs": {
            "Choices": [{"NextStep": "Big", "Variable": "{{ Size }}", "NumericGreater": 10}],
            "Default": "Small"}},
        sleep("Big", isEnd=True), sleep("Small"),
        parameters={"Size": {"type": "Integer"}}))
    big = await ssm.start("Branching", Parameters={"Size": ["20"]})
    small = await ssm.start("Branching", Parameters={"Size": ["3"]})
    assert statuses(await ssm.ended(big)) == {"Decide": "Success", "Big": "Success",
                                             "Small": "Pending"}
    assert statuses(await ssm.ended(small)) == {"Decide": "Success", "Big": "Pending",
                                               "Small": "Success"}


async def test_failure_strategies(ssm: Ssm) -> None:
    failing = FAILING
    await ssm.create("Aborts", doc(failing, sleep("After"), parameters=BAD))
    await ssm.create("Continues", doc({**failing, "onFailure": "Continue"}, sleep("After"),
                                      parameters=BAD))
    await ssm.create("Jumps", doc({**failing, "onFailure": "step:Recover"}, sleep("Skipped"),
                                  sleep("Recover"), parameters=BAD))
    await ssm.create("NotCritical", doc({**failing, "onFailure": "step:Recover",
                                         "isCritical": False}, sleep("Skipped"),
                                        sleep("Recover"), parameters=BAD))
    aborted = await ssm.ended(await ssm.start("Aborts"))
    assert aborted["AutomationExecutionStatus"] == "Failed"
    assert statuses(aborted) == {"Fail": "Failed", "After": "Pending"}
    failed_step = aborted["StepExecutions"][0]
    assert failed_step["FailureDetails"]["FailureStage"] == "InputValidation"
    continued = await ssm.ended(await ssm.start("Continues"))
    assert continued["AutomationExecutionStatus"] == "Success"  # Continue: not critical
    assert statuses(continued) == {"Fail": "Failed", "After": "Success"}
    jumped = await ssm.ended(await ssm.start("Jumps"))
    assert jumped["AutomationExecutionStatus"] == "Failed"  # critical by default
    assert statuses(jumped) == {"Fail": "Failed", "Skipped": "Pending", "Recover": "Success"}
    tolerated = await ssm.ended(await ssm.start("NotCritical"))
    assert tolerated["AutomationExecutionStatus"] == "Success"


async def test_retries_with_backoff_until_max_attempts(ssm: Ssm) -> None:
    await ssm.create("Retries", doc({**FAILING, "maxAttempts": 3}, parameters=BAD))
    ex = await ssm.ended(await ssm.start("Retries"), timeout=30)
    step = ex["StepExecutions"][0]
    assert step["StepStatus"] == "Failed"
    assert step["MaxAttempts"] == 3
    # three attempts, 1 s then 2 s apart
    assert step["ExecutionEndTime"] - step["ExecutionStartTime"] >= 3


async def test_approvals_need_two_and_a_rejection_fails(ssm: Ssm) -> None:
    approve = {"name": "Approve", "action": "aws:approve",
               "inputs": {"Approvers": [BOB, CAROL], "MinRequiredApprovals": 2,
                          "Message": "Fail over the database?"}}
    await ssm.create("TwoApprovers", doc(approve, sleep("Go")))
    eid = await ssm.start("TwoApprovers")
    await ssm.waiting(eid, "Approve")
    with pytest.raises(TocsinError) as stranger:
        await ssm("SendAutomationSignal", AutomationExecutionId=eid, SignalType="Approve")
    assert stranger.value.aws_code == "InvalidAutomationSignalException"
    await ssm("SendAutomationSignal", BOB, AutomationExecutionId=eid, SignalType="Approve")
    await ssm("SendAutomationSignal", BOB, AutomationExecutionId=eid, SignalType="Approve")
    ex = await ssm.execution(eid)
    assert statuses(ex)["Approve"] == "Waiting"  # one of two approvals
    await ssm("SendAutomationSignal", CAROL, AutomationExecutionId=eid, SignalType="Approve",
              Payload={"Comment": ["go"]})
    ex = await ssm.ended(eid)
    assert ex["AutomationExecutionStatus"] == "Success"
    assert ex["StepExecutions"][0]["Outputs"]["ApprovalStatus"] == ["Approved"]

    rejected = await ssm.start("TwoApprovers")
    await ssm.waiting(rejected, "Approve")
    await ssm("SendAutomationSignal", CAROL, AutomationExecutionId=rejected,
              SignalType="Reject", Payload={"Comment": ["not now"]})
    ex = await ssm.ended(rejected)
    assert ex["AutomationExecutionStatus"] == "Failed"
    assert statuses(ex) == {"Approve": "Failed", "Go": "Pending"}
    assert ex["StepExecutions"][0]["Outputs"]["ApprovalStatus"] == ["Rejected"]


async def test_interactive_mode_waits_before_every_step(ssm: Ssm) -> None:
    await ssm.create("Interactive", doc(sleep("One"), sleep("Two")))
    eid = await ssm.start("Interactive", Mode="Interactive")
    ex = await ssm.waiting(eid, "One")
    assert statuses(ex) == {"One": "Pending", "Two": "Pending"}
    await ssm("SendAutomationSignal", AutomationExecutionId=eid, SignalType="StartStep",
              Payload={"StepName": ["One"]})
    ex = await ssm.waiting(eid, "Two")
    assert statuses(ex) == {"One": "Success", "Two": "Pending"}
    await ssm("SendAutomationSignal", AutomationExecutionId=eid, SignalType="StartStep",
              Payload={"StepName": ["Two"]})
    assert (await ssm.ended(eid))["AutomationExecutionStatus"] == "Success"


async def test_loop_runs_its_steps_per_iterator(ssm: Ssm) -> None:
    await ssm.create("Loops", doc(
        {"name": "Each", "action": "aws:loop",
         "inputs": {"Iterators": ["a", "b", "c"],
                    "Steps": [{"name": "Count", "action": "aws:updateVariable",
                               "inputs": {"Name": "variable:Last",
                                          "Value": "{{ Each.CurrentIteratorValue }}"}}]}},
        variables={"Last": {"type": "String", "default": "none"}}))
    ex = await ssm.ended(await ssm.start("Loops"))
    assert ex["AutomationExecutionStatus"] == "Success"
    inner = [s for s in ex["StepExecutions"] if s.get("ParentStepDetails")]
    assert [s["ParentStepDetails"]["IteratorValue"] for s in inner] == ["a", "b", "c"]
    assert ex["Variables"]["Last"] == ["c"]


async def test_stop_cancels_and_a_second_stop_is_refused(ssm: Ssm) -> None:
    await ssm.create("Stoppable", doc(pause("Wait"), sleep("Never")))
    eid = await ssm.start("Stoppable")
    await ssm.waiting(eid, "Wait")
    await ssm("StopAutomationExecution", AutomationExecutionId=eid)
    ex = await ssm.execution(eid)
    assert ex["AutomationExecutionStatus"] == "Cancelled"
    assert statuses(ex) == {"Wait": "Cancelled", "Never": "Pending"}
    with pytest.raises(TocsinError) as again:
        await ssm("StopAutomationExecution", AutomationExecutionId=eid)
    assert again.value.aws_code == "InvalidAutomationStatusUpdateException"


async def test_start_step_resumes_a_failed_execution_from_its_failed_step(ssm: Ssm) -> None:
    """Beyond AWS: StartStep on a failed (here timed-out) execution runs its failed step
    again and carries on from there."""
    await ssm.create("Resumable", doc(sleep("First"), pause("Confirm", timeoutSeconds=1),
                                      sleep("Last")))
    eid = await ssm.start("Resumable")
    ex = await ssm.ended(eid)
    assert ex["AutomationExecutionStatus"] == "TimedOut"
    assert statuses(ex) == {"First": "Success", "Confirm": "TimedOut", "Last": "Pending"}
    with pytest.raises(TocsinError) as not_failed:
        await ssm("SendAutomationSignal", AutomationExecutionId=eid, SignalType="StartStep",
                  Payload={"StepName": ["First"]})
    assert not_failed.value.aws_code == "InvalidAutomationSignalException"
    await ssm("SendAutomationSignal", AutomationExecutionId=eid, SignalType="StartStep",
              Payload={"StepName": ["Confirm"]})
    await ssm.waiting(eid, "Confirm")
    await ssm("SendAutomationSignal", AutomationExecutionId=eid, SignalType="Resume",
              Payload={"StepName": ["Confirm"]})
    ex = await ssm.ended(eid)
    assert ex["AutomationExecutionStatus"] == "Success"
    assert statuses(ex) == {"First": "Success", "Confirm": "Success", "Last": "Success"}


async def test_client_token_starts_once(ssm: Ssm) -> None:
    await ssm.create("Once", doc(pause("Wait")))
    token = "6f1f4a2e-0c55-4b7a-9d3e-2f4b5c6d7e8f"
    first = await ssm.start("Once", ClientToken=token)
    again = await ssm.start("Once", ClientToken=token)
    assert first == again
    with pytest.raises(TocsinError) as other:
        await ssm.start("Once", ClientToken=token, Mode="Interactive")
    assert other.value.aws_code == "IdempotentParameterMismatch"
    listed = await ssm("DescribeAutomationExecutions",
                       Filters=[{"Key": "DocumentNamePrefix", "Values": ["Once"]}])
    assert [m["AutomationExecutionId"] for m in listed["AutomationExecutionMetadataList"]] \
        == [first]


async def test_cancel_runs_the_on_cancel_step_and_complete_does_not(ssm: Ssm) -> None:
    await ssm.create("CleansUp", doc(
        pause("Work", onCancel="step:Cleanup"), sleep("Skipped"),
        {"name": "Cleanup", "action": "aws:updateVariable", "isEnd": True,
         "inputs": {"Name": "variable:CleanedUp", "Value": "yes"}},
        variables={"CleanedUp": {"type": "String", "default": "no"}}))
    cancelled = await ssm.start("CleansUp")
    await ssm.waiting(cancelled, "Work")
    await ssm("StopAutomationExecution", AutomationExecutionId=cancelled, Type="Cancel")
    ex = await ssm.ended(cancelled)
    assert ex["AutomationExecutionStatus"] == "Cancelled"
    assert statuses(ex) == {"Work": "Cancelled", "Skipped": "Pending", "Cleanup": "Success"}
    assert ex["Variables"]["CleanedUp"] == ["yes"]

    completed = await ssm.start("CleansUp")
    await ssm.waiting(completed, "Work")
    await ssm("StopAutomationExecution", AutomationExecutionId=completed, Type="Complete")
    ex = await ssm.execution(completed)
    assert ex["AutomationExecutionStatus"] == "Cancelled"
    assert statuses(ex) == {"Work": "Cancelled", "Skipped": "Pending", "Cleanup": "Pending"}
    assert ex["Variables"]["CleanedUp"] == ["no"]


async def test_execute_automation_runs_a_child_and_takes_its_outputs(ssm: Ssm) -> None:
    await ssm.create("Child", doc(
        {"name": "Set", "action": "aws:updateVariable",
         "inputs": {"Name": "variable:Result", "Value": "{{ Greeting }}"}},
        sleep("Done"),
        parameters={"Greeting": {"type": "String"}},
        variables={"Result": {"type": "String", "default": ""}}))
    await ssm.create("Parent", doc(
        {"name": "Call", "action": "aws:executeAutomation",
         "inputs": {"DocumentName": "Child", "RuntimeParameters": {"Greeting": "hello"}}},
        sleep("After")))
    eid = await ssm.start("Parent")
    ex = await ssm.ended(eid)
    assert ex["AutomationExecutionStatus"] == "Success"
    call = ex["StepExecutions"][0]
    [child_id] = call["Outputs"]["ExecutionId"]
    assert call["Outputs"]["Status"] == ["Success"]
    child = await ssm.execution(child_id)
    assert child["ParentAutomationExecutionId"] == eid
    assert child["Variables"]["Result"] == ["hello"]
    listed = await ssm("DescribeAutomationExecutions",
                       Filters=[{"Key": "ParentExecutionId", "Values": [eid]}])
    assert [m["AutomationExecutionId"] for m in listed["AutomationExecutionMetadataList"]] == \
        [child_id]


async def test_stop_step_cancels_one_step_and_the_execution_goes_on(ssm: Ssm) -> None:
    await ssm.create("StopOne", doc(sleep("Long", "PT1H"), sleep("Next")))
    eid = await ssm.start("StopOne")
    ex = await ssm.until(eid, lambda ex: statuses(ex)["Long"] == "InProgress")
    long_id = ex["StepExecutions"][0]["StepExecutionId"]
    await ssm("SendAutomationSignal", AutomationExecutionId=eid, SignalType="StopStep",
              Payload={"StepExecutionId": [long_id]})
    ex = await ssm.ended(eid)
    assert statuses(ex) == {"Long": "Cancelled", "Next": "Success"}
    with pytest.raises(TocsinError) as again:
        await ssm("SendAutomationSignal", AutomationExecutionId=eid, SignalType="StopStep",
                  Payload={"StepExecutionId": [long_id]})
    assert again.value.aws_code == "InvalidAutomationSignalException"
    steps = await ssm("DescribeAutomationStepExecutions", AutomationExecutionId=eid,
                      Filters=[{"Key": "StepExecutionStatus", "Values": ["Cancelled"]}])
    assert [s["StepName"] for s in steps["StepExecutions"]] == ["Long"]
    page = await ssm("DescribeAutomationStepExecutions", AutomationExecutionId=eid,
                     MaxResults=1, ReverseOrder=True)
    assert [s["StepName"] for s in page["StepExecutions"]] == ["Next"]
    rest = await ssm("DescribeAutomationStepExecutions", AutomationExecutionId=eid,
                     MaxResults=1, ReverseOrder=True, NextToken=page["NextToken"])
    assert [s["StepName"] for s in rest["StepExecutions"]] == ["Long"]
    assert "NextToken" not in rest


async def test_unknown_execution_and_bad_parameters(ssm: Ssm) -> None:
    with pytest.raises(TocsinError) as missing:
        await ssm.execution("00000000-0000-0000-0000-000000000000")
    assert missing.value.aws_code == "AutomationExecutionNotFoundException"
    with pytest.raises(TocsinError) as no_document:
        await ssm.start("NoSuchRunbook")
    assert no_document.value.aws_code == "AutomationDefinitionNotFoundException"
    await ssm.create("Typed", doc(sleep("S"), parameters={"N": {"type": "Integer"}}))
    with pytest.raises(TocsinError) as bad:
        await ssm.start("Typed", Parameters={"N": ["many"]})
    assert bad.value.aws_code == "InvalidAutomationExecutionParametersException"
    with pytest.raises(TocsinError) as version:
        await ssm.start("Typed", DocumentVersion="7", Parameters={"N": ["1"]})
    assert version.value.aws_code == "AutomationDefinitionVersionNotFoundException"


async def test_script_steps_time_out_raise_and_give_their_payload(ssm: Ssm) -> None:
    slow = "import time\ndef main(events, context):\n    time.sleep(30)\n"
    boom = "def main(events, context):\n    raise RuntimeError('disk full')\n"
    fine = "def main(events, context):\n    return {'n': events['n'] * 2}\n"
    await ssm.create("Slow", doc(script("Slow", slow, timeoutSeconds=1), sleep("After")))
    await ssm.create("Boom", doc(script("Boom", boom)))
    double = script("Double", fine)
    double["inputs"]["InputPayload"] = {"n": "{{ N }}"}
    await ssm.create("Fine", doc(
        {**double, "outputs": [{"Name": "n", "Selector": "$.Payload.n", "Type": "Integer"}]},
        parameters={"N": {"type": "Integer"}}, outputs=["Double.n"]))
    timed_out = await ssm.ended(await ssm.start("Slow"))
    assert timed_out["AutomationExecutionStatus"] == "TimedOut"
    assert statuses(timed_out) == {"Slow": "TimedOut", "After": "Pending"}
    raised = await ssm.ended(await ssm.start("Boom"))
    assert raised["AutomationExecutionStatus"] == "Failed"
    assert "disk full" in raised["StepExecutions"][0]["FailureMessage"]
    fine_run = await ssm.ended(await ssm.start("Fine", Parameters={"N": ["21"]}))
    assert fine_run["AutomationExecutionStatus"] == "Success"
    assert fine_run["Outputs"] == {"Double.n": ["42"]}


async def test_sleep_until_a_timestamp_in_the_past_goes_on_at_once(ssm: Ssm) -> None:
    await ssm.create("Past", doc({"name": "Until", "action": "aws:sleep",
                                  "inputs": {"Timestamp": "2020-01-01T00:00:00Z"}}))
    ex = await ssm.ended(await ssm.start("Past"))
    assert ex["AutomationExecutionStatus"] == "Success"


async def test_describe_filters_by_status_and_refuses_an_unknown_one(ssm: Ssm) -> None:
    await ssm.create("Waits", doc(pause("Wait")))
    eid = await ssm.start("Waits")
    await ssm.waiting(eid, "Wait")
    waiting = await ssm("DescribeAutomationExecutions",
                        Filters=[{"Key": "ExecutionStatus", "Values": ["Waiting"]}])
    assert [m["AutomationExecutionId"] for m in waiting["AutomationExecutionMetadataList"]] \
        == [eid]
    with pytest.raises(TocsinError) as bad:
        await ssm("DescribeAutomationExecutions",
                  Filters=[{"Key": "ExecutionStatus", "Values": ["Sleeping"]}])
    assert bad.value.aws_code == "InvalidFilterValue"
