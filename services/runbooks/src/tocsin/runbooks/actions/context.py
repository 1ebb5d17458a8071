"""What every work action receives and how it fails."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import aiohttp

from tocsin.shared.arns import Arns
from tocsin.shared.bus import Bus

__all__ = [
    "ActionContext",
    "ActionDeps",
    "ActionFailed",
    "ActionTimedOut",
    "FailureStage",
    "FailureType",
    "ScriptLimits",
    "Webhook",
]

FailureStage = Literal["InputValidation", "PreVerification", "Invocation", "PostVerification"]
"""``FailureDetails.FailureStage``: when in the step's life it failed."""
FailureType = Literal["Action", "Permission", "Throttling", "Verification", "Internal"]
"""``FailureDetails.FailureType``: what kind of failure it was."""


class ActionFailed(Exception):
    """A work action failed: the fields of the step's ``FailureDetails`` (and its
    ``FailureMessage``). The engine retries the step while ``maxAttempts`` allows."""

    def __init__(self, failure_stage: FailureStage, failure_type: FailureType, message: str,
                 details: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.failure_stage: FailureStage = failure_stage
        self.failure_type: FailureType = failure_type
        self.message = message
        self.details: dict[str, list[str]] = dict(details or {})
        """``FailureDetails.Details``: a map of string lists, as the model has it."""

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.failure_stage}/{self.failure_type}: "
                f"{self.message!r})")


class ActionTimedOut(ActionFailed):
    """The action ran out of its step's ``timeoutSeconds``: the step ends ``TimedOut``."""

    def __init__(self, message: str, details: Mapping[str, list[str]] | None = None) -> None:
        super().__init__("Invocation", "Action", message, details)


@dataclass(frozen=True, slots=True)
class ScriptLimits:
    """What one ``aws:executeScript`` subprocess may use."""

    memory_bytes: int = 512 * 1024 * 1024
    """Address space (``RLIMIT_AS``) of the script's process."""
    cpu_seconds: int = 600
    """CPU time (``RLIMIT_CPU``); never more than the step's timeout allows."""
    output_bytes: int = 64 * 1024
    """Of stdout and of stderr, each: what is kept (the rest is read and dropped)."""
    payload_bytes: int = 100 * 1024
    """The largest ``Payload`` (the handler's return value as JSON), as AWS allows."""
    file_bytes: int = 64 * 1024 * 1024
    """The largest file the script may write in its working directory (``RLIMIT_FSIZE``)."""
    concurrency: int = 4
    """Scripts one instance runs at once; more wait for a slot."""
    user: tuple[int, int] | None = None
    """The uid and gid scripts run as (a service running as root drops them to it: they
    can then read neither the service's files nor its environment in ``/proc``); None:
    the service's own user."""
    processes: int = 64
    """Processes and threads a script running as :attr:`user` may start (``RLIMIT_NPROC``,
    counted per user: it does not bind root)."""


@dataclass(frozen=True, slots=True)
class Webhook:
    """One operator-configured ``aws:invokeWebhook`` integration (``TOCSIN_WEBHOOKS``)."""

    name: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Sent with every call (an ``Authorization`` token, ...): never shown in a log line."""
    secret: str = field(default="", repr=False)
    """Signs each request: ``X-Tocsin-Signature: sha256=<hex HMAC-SHA256 of the body>``,
    as the notifications service's webhook provider does. Empty: unsigned."""
    method: str = "POST"
    timeout: float = 25.0


@dataclass(frozen=True, slots=True)
class ActionDeps:
    """What the work actions need, built once by the app."""

    bus: Bus
    """Calls Tocsin's services (``aws:executeAwsApi`` and the wait/assert actions)."""
    http: aiohttp.ClientSession
    """Posts ``aws:invokeWebhook`` requests."""
    arns: Arns
    """The deployment's partition, region and account (the models accept its ARNs)."""
    webhooks: Mapping[str, Webhook] = field(default_factory=dict)
    script_limits: ScriptLimits = field(default_factory=ScriptLimits)
    script_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(4))
    """Bounds the scripts running at once (:attr:`ScriptLimits.concurrency` slots)."""
    poll_interval: float = 5.0
    """Seconds between the calls of ``aws:waitForAwsResourceProperty``."""
    call_timeout: float = 25.0
    """Seconds one ``aws:executeAwsApi`` call may take (AWS allows 25)."""


@dataclass(frozen=True, slots=True)
class ActionContext:
    """The step attempt an action runs for."""

    execution_id: str
    step_name: str
    attempt: int
    """1 for the first try; the engine counts up to the step's ``maxAttempts``."""
    principal: str
    """The ARN the execution runs as: calls to Tocsin's services are made as it."""
    timeout_seconds: float
    """What is left of the step's ``timeoutSeconds`` for this attempt."""
    deps: ActionDeps
