"""The Automation actions Tocsin knows: their required inputs and predefined outputs.

One table, read by document validation (required inputs, what ``{{ step.Output }}`` may
name) and by the engine and the work actions (which runs what).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ACTIONS", "CONTROL_ACTIONS", "INFRASTRUCTURE_ACTIONS", "ActionSpec"]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """What validation knows of one action."""

    required: tuple[str, ...] = ()
    """Inputs the action cannot run without."""
    outputs: frozenset[str] | None = frozenset()
    """Its predefined outputs (besides the user-declared ``outputs``); None: not known to
    Tocsin (an AWS-infrastructure action), so any output name is accepted."""


INFRASTRUCTURE_ACTIONS: frozenset[str] = frozenset({
    "aws:changeInstanceState", "aws:copyImage", "aws:createImage", "aws:createStack",
    "aws:createTags", "aws:deleteImage", "aws:deleteStack", "aws:executeStateMachine",
    "aws:runCommand", "aws:runInstances", "aws:invokeLambdaFunction"})
"""Actions that need AWS's infrastructure: accepted in documents, failed at run time."""

CONTROL_ACTIONS: frozenset[str] = frozenset({
    "aws:pause", "aws:sleep", "aws:approve", "aws:branch", "aws:loop", "aws:updateVariable",
    "aws:executeAutomation"})
"""Actions the engine runs itself (they change the execution's state, not the world)."""

ACTIONS: Mapping[str, ActionSpec] = {
    "aws:pause": ActionSpec(),
    "aws:sleep": ActionSpec(),
    "aws:approve": ActionSpec(("Approvers",),
                              frozenset({"ApprovalStatus", "ApproverDecisions"})),
    "aws:branch": ActionSpec(("Choices",)),
    "aws:loop": ActionSpec(("Steps",), frozenset({"CurrentIteratorValue", "CurrentIteration"})),
    "aws:updateVariable": ActionSpec(("Name", "Value")),
    "aws:executeAutomation": ActionSpec(("DocumentName",),
                                        frozenset({"Output", "ExecutionId", "Status"})),
    "aws:executeScript": ActionSpec(("Runtime",), frozenset({"Payload"})),
    "aws:executeAwsApi": ActionSpec(("Service", "Api")),
    "aws:waitForAwsResourceProperty": ActionSpec(
        ("Service", "Api", "PropertySelector", "DesiredValues")),
    "aws:assertAwsResourceProperty": ActionSpec(
        ("Service", "Api", "PropertySelector", "DesiredValues")),
    "aws:invokeWebhook": ActionSpec(("IntegrationName",), frozenset({"Response",
                                                                     "ResponseCode"})),
    "aws:invokeLambdaFunction": ActionSpec(
        ("FunctionName",), frozenset({"StatusCode", "FunctionError", "LogResult", "Payload"})),
    **{name: ActionSpec(outputs=None) for name in INFRASTRUCTURE_ACTIONS
       if name != "aws:invokeLambdaFunction"},
}
"""Every action a document may use."""
