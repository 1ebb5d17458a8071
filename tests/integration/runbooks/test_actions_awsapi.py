"""aws:executeAwsApi, aws:waitForAwsResourceProperty and aws:assertAwsResourceProperty
against a running incidents service (its own NATS server: no other test's service answers).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tocsin.incidents.app import lifespan
from tocsin.incidents.settings import Settings
from tocsin.runbooks.actions import (
    ActionContext,
    ActionDeps,
    ActionFailed,
    ActionTimedOut,
    run_action,
)
from tocsin.runbooks.language import select_outputs
from tocsin.shared.bus import connect
from tocsin.shared.testing import running

ALICE = "arn:tocsin:iam::000000000000:user/alice"
EXECUTION = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


@pytest_asyncio.fixture
async def deps(own_nats: Any, database_url: str,
               isolation: dict[str, str]) -> AsyncIterator[ActionDeps]:
    region = isolation["region"]
    settings = Settings(nats_url=own_nats.url, database_url=database_url, shutdown_grace=5,
                        changes_filter=f"changes.{region}.>", alarms_filter=f"alarms.{region}.>",
                        **isolation)
    async with running(lifespan, settings), \
            connect([own_nats.url], name="tests-runbooks-actions") as bus, \
            aiohttp.ClientSession() as http:
        yield ActionDeps(bus=bus, http=http, arns=settings.arns, poll_interval=0.1)


async def act(deps: ActionDeps, action: str, timeout: float = 20,
              **inputs: Any) -> dict[str, Any]:
    ctx = ActionContext(execution_id=EXECUTION, step_name="Call", attempt=1, principal=ALICE,
                        timeout_seconds=timeout, deps=deps)
    return await run_action(action, inputs, ctx)


async def replication_set(deps: ActionDeps) -> str:
    await act(deps, "aws:executeAwsApi", Service="ssm-incidents", Api="CreateReplicationSet",
              regions={deps.arns.region: {}})
    listed = await act(deps, "aws:executeAwsApi", Service="ssm-incidents",
                       Api="list_replication_sets")
    arn: str = select_outputs(listed, [{"Name": "arn", "Selector": "$.replicationSetArns[0]",
                                        "Type": "String"}])["arn"]
    return arn


async def test_execute_aws_api_calls_the_service_as_the_executions_principal(
        deps: ActionDeps) -> None:
    arn = await replication_set(deps)
    response = await act(deps, "aws:executeAwsApi", Service="ssm-incidents",
                         Api="GetReplicationSet", arn=arn)
    outputs = select_outputs(response, [
        {"Name": "status", "Selector": "$.replicationSet.status", "Type": "String"},
        {"Name": "by", "Selector": "$.replicationSet.createdBy", "Type": "String"},
        {"Name": "created", "Selector": "$.replicationSet.createdTime", "Type": "String"}])
    assert outputs["status"] == "ACTIVE"
    assert outputs["by"] == ALICE
    assert float(outputs["created"]) > 1_700_000_000  # epoch seconds, as the model's


async def test_assert_and_wait_compare_the_selected_property(deps: ActionDeps) -> None:
    arn = await replication_set(deps)
    query = {"Service": "ssm-incidents", "Api": "GetReplicationSet", "arn": arn,
             "PropertySelector": "$.replicationSet.status"}
    assert await act(deps, "aws:assertAwsResourceProperty", **query,
                     DesiredValues=["CREATING", "ACTIVE"]) == {}
    assert await act(deps, "aws:waitForAwsResourceProperty", **query,
                     DesiredValues=["ACTIVE"]) == {}
    with pytest.raises(ActionFailed, match="is ACTIVE, not one of the desired values "
                                           r"\['DELETING'\]") as caught:
        await act(deps, "aws:assertAwsResourceProperty", **query, DesiredValues=["DELETING"])
    assert (caught.value.failure_stage, caught.value.failure_type) == ("PostVerification",
                                                                       "Verification")
    with pytest.raises(ActionTimedOut, match="status: was still ACTIVE when the step's "
                                             "timeout"):
        await act(deps, "aws:waitForAwsResourceProperty", **query, DesiredValues=["DELETING"],
                  timeout=0.5)


async def test_a_wait_outlasts_a_service_that_does_not_answer(deps: ActionDeps) -> None:
    """No contacts service runs here: each poll goes unanswered, and the step times out
    saying why rather than failing at the first poll."""
    with pytest.raises(ActionTimedOut, match=r"no instance of the service .* is running "
                                             r"when the step's timeout") as caught:
        await act(deps, "aws:waitForAwsResourceProperty", Service="ssm-contacts",
                  Api="ListContacts", PropertySelector="$.Contacts[0].Alias",
                  DesiredValues=["alice"], timeout=0.5)
    assert caught.value.failure_stage == "Invocation"


async def test_the_services_refusal_fails_the_step_with_its_error(deps: ActionDeps) -> None:
    with pytest.raises(ActionFailed, match=r"ssm-incidents ListResponsePlans failed: "
                                           r"ValidationException: .*replication set") as caught:
        await act(deps, "aws:executeAwsApi", Service="ssm-incidents", Api="ListResponsePlans")
    assert caught.value.failure_stage == "Invocation"
    assert caught.value.details["ErrorCode"] == ["ValidationException"]


@pytest.mark.parametrize(("inputs", "words"), [
    ({"Service": "ec2", "Api": "DescribeInstances"}, "'ec2' is an AWS service"),
    ({"Service": "ssm-incidents", "Api": "LaunchRocket"}, "not an operation of ssm-incidents"),
    ({"Service": "ssm-incidents", "Api": "GetReplicationSet"},
     "GetReplicationSet: 1 validation error detected: .*arn"),
    ({"Service": "ssm-contacts", "Api": "GetContact", "ContactId": 7},
     "GetContact: 1 validation error detected"),
])
async def test_calls_tocsin_cannot_make_fail_at_input_validation(
        deps: ActionDeps, inputs: dict[str, Any], words: str) -> None:
    with pytest.raises(ActionFailed, match=words) as caught:
        await act(deps, "aws:executeAwsApi", **inputs)
    assert (caught.value.failure_stage, caught.value.failure_type) == ("InputValidation",
                                                                       "Action")


@pytest.mark.parametrize("action", ["aws:runCommand", "aws:createStack",
                                    "aws:invokeLambdaFunction", "aws:changeInstanceState"])
async def test_aws_infrastructure_actions_fail_saying_why(deps: ActionDeps, action: str) -> None:
    with pytest.raises(ActionFailed, match=f"{action} needs .* a self-hosted Tocsin does not "
                                           "have") as caught:
        await act(deps, action, DocumentName="AWS-RunShellScript")
    assert (caught.value.failure_stage, caught.value.failure_type) == ("InputValidation",
                                                                       "Action")
