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

import asyncio
import os
import pwd
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import aiohttp

from tocsin.runbooks.actions import awsapi, infrastructure, script, webhook
from tocsin.runbooks.actions.context import (
    ActionContext,
    ActionDeps,
    ActionFailed,
    ActionTimedOut,
    ScriptLimits,
    Webhook,
)
from tocsin.runbooks.catalogue import INFRASTRUCTURE_ACTIONS
from tocsin.shared.bus import Bus
from tocsin.shared.config import ConfigError

if TYPE_CHECKING:
    from tocsin.runbooks.settings import Settings

__all__ = [
    "WORK_ACTIONS",
    "ActionContext",
    "ActionDeps",
    "ActionFailed",
    "ActionTimedOut",
    "ScriptLimits",
    "Webhook",
    "build_deps",
    "run_action",
    "script_user",
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
    runner = _RUNNERS.get(action)
    if runner is not None:
        return await runner(inputs, ctx)
    if action in INFRASTRUCTURE_ACTIONS:
        infrastructure.refuse(action, inputs, ctx)
    raise ValueError(f"{action} is not a work action; the engine runs it")


_RUNNERS: dict[str, Callable[[Mapping[str, Any], ActionContext], Awaitable[dict[str, Any]]]] = {
    "aws:executeScript": script.execute_script,
    "aws:executeAwsApi": awsapi.execute_api,
    "aws:waitForAwsResourceProperty": awsapi.wait_for_property,
    "aws:assertAwsResourceProperty": awsapi.assert_property,
    "aws:invokeWebhook": webhook.invoke_webhook,
}


def script_user(name: str) -> tuple[int, int] | None:
    """The uid and gid of ``TOCSIN_SCRIPT_USER`` (None when it is empty).

    Raises:
        ConfigError: no such user, or the service cannot switch to it (not root).
    """
    if not name:
        return None
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ConfigError(f"TOCSIN_SCRIPT_USER: there is no user {name!r}") from None
    if os.geteuid() != 0:
        raise ConfigError("TOCSIN_SCRIPT_USER needs the runbooks service to run as root (it "
                          "switches each script to that user)")
    return entry.pw_uid, entry.pw_gid


def build_deps(settings: Settings, bus: Bus, http: aiohttp.ClientSession) -> ActionDeps:
    """The work actions' dependencies from the service's settings, its bus and an HTTP
    session the app owns (and closes).

    Raises:
        ConfigError: ``TOCSIN_WEBHOOKS`` or ``TOCSIN_SCRIPT_USER`` is not valid.
    """
    limits = ScriptLimits(memory_bytes=settings.script_memory_mb * 1024 * 1024,
                          cpu_seconds=settings.script_cpu_seconds,
                          output_bytes=settings.script_output_kb * 1024,
                          concurrency=settings.script_concurrency,
                          user=script_user(settings.script_user),
                          processes=settings.script_processes)
    return ActionDeps(bus=bus, http=http, arns=settings.arns,
                      webhooks=webhook.parse_webhooks(settings.webhooks),
                      script_limits=limits,
                      script_slots=asyncio.Semaphore(limits.concurrency),
                      poll_interval=settings.aws_api_poll_interval)
