"""The work actions: the steps whose action does its work outside the engine's state.

The engine runs the control actions itself (``aws:pause``, ``aws:sleep``,
``aws:approve``, ``aws:branch``, ``aws:loop``, ``aws:updateVariable``,
``aws:executeAutomation``); every other action is handed, its inputs resolved, to
:func:`run_action`, which returns the action's raw outputs (what its ``outputs``
selectors apply to) or raises :class:`ActionFailed` with the step's ``FailureDetails``.

- ``aws:executeScript`` (:mod:`.script`): Python, in a sandboxed subprocess.
- ``aws:executeAwsApi``, ``aws:waitForAwsResourceProperty``,
  ``aws:assertAwsResourceProperty`` (:mod:`.awsapi`): Tocsin's own APIs over NATS.
- ``aws:invokeWebhook`` (:mod:`.webhook`): operator-configured, signed HTTP calls.
- AWS-infrastructure actions (``aws:runCommand``, ``aws:createStack``, ...): refused at
  run time with ``FailureDetails{InputValidation, Action}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tocsin.runbooks.actions.context import (
    ActionContext,
    ActionDeps,
    ActionFailed,
    ActionTimedOut,
    ScriptLimits,
    Webhook,
)
from tocsin.runbooks.catalogue import INFRASTRUCTURE_ACTIONS

__all__ = [
    "WORK_ACTIONS",
    "ActionContext",
    "ActionDeps",
    "ActionFailed",
    "ActionTimedOut",
    "ScriptLimits",
    "Webhook",
    "run_action",
]

WORK_ACTIONS: frozenset[str] = frozenset({
    "aws:executeScript", "aws:executeAwsApi", "aws:waitForAwsResourceProperty",
    "aws:assertAwsResourceProperty", "aws:invokeWebhook", *INFRASTRUCTURE_ACTIONS})
"""The actions :func:`run_action` runs; the engine runs every other one."""


async def run_action(action: str, inputs: Mapping[str, Any], ctx: ActionContext) -> dict[str, Any]:
    """Run one attempt of a work action with its resolved ``inputs``.

    Returns:
        The action's raw outputs: ``{"Payload": ...}`` for a script, the API's response
        for ``aws:executeAwsApi``, ``{"Response", "ResponseCode"}`` for a webhook, ``{}``
        for the wait and assert actions.

    Raises:
        ActionFailed: the attempt failed (:class:`ActionTimedOut` when it ran out of
            ``ctx.timeout_seconds``).
    """
    raise NotImplementedError
