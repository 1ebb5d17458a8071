"""What the runbooks service publishes, on ``events.<region>.runbooks.<Type>``.

An automation execution moves by these events: each transition of an execution commits
together with the event that announces it (the outbox), and the runbooks service itself
consumes :class:`StepStarted` to run the step, so a step runs because its start was
committed, on whichever instance takes the message. Other services read them too: the
incidents service adds an execution started for an incident to the record's
``automationExecutions`` and writes the timeline events ``Tocsin Runbook Step Completed``
and ``Tocsin Runbook Waiting``.

The correlation carries ``incident_arn`` when the execution runs for an incident.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

from tocsin.shared.contracts.base import Event, types_of

__all__ = [
    "EVENT_TYPES",
    "ExecutionCompleted",
    "ExecutionStartFailed",
    "ExecutionStarted",
    "RunbooksEvent",
    "StepCompleted",
    "StepStarted",
    "Waiting",
]

JSON = dict[str, Any]


class _Event(Event, frozen=True):
    """An event of the runbooks service (tagged by its class name)."""

    service: ClassVar[str] = "runbooks"


class ExecutionStarted(_Event, frozen=True):
    """An automation execution was created; its first step starts (or, in Interactive
    mode, waits for ``StartStep``)."""

    execution_id: str
    execution_arn: str
    document_name: str
    document_version: str
    mode: str
    executed_by: str
    step_names: list[str]
    """Every main step, in document order (all ``Pending``)."""
    parent_execution_id: str | None = None
    incident_arn: str | None = None
    """The incident the execution runs for (a response plan's runbook, or
    ``StartIncidentRunbook``)."""


class ExecutionStartFailed(_Event, frozen=True):
    """A response plan's runbook could not be started for an incident."""

    incident_arn: str
    document_name: str
    message: str
    response_plan_arn: str | None = None


class StepStarted(_Event, frozen=True):
    """Attempt ``attempt`` of a step began: the instance that takes this event runs it."""

    execution_id: str
    step_execution_id: str
    step_name: str
    action: str
    attempt: int
    incident_arn: str | None = None


class StepCompleted(_Event, frozen=True):
    """A step ended: ``Success``, ``Failed``, ``TimedOut`` or ``Cancelled``."""

    execution_id: str
    step_execution_id: str
    step_name: str
    action: str
    status: str
    outputs: dict[str, list[str]] = {}
    failure_message: str | None = None
    incident_arn: str | None = None


class Waiting(_Event, frozen=True):
    """The execution waits for a person: a manual step (``aws:pause``) for ``Resume``, an
    approval for ``Approve``/``Reject``, or, in Interactive mode, ``StartStep``."""

    execution_id: str
    step_name: str
    action: str
    signal: str
    """The signal that moves it on: ``Resume``, ``Approve`` or ``StartStep``."""
    description: str = ""
    """The step's instructions (its Markdown ``description``)."""
    incident_arn: str | None = None


class ExecutionCompleted(_Event, frozen=True):
    """An execution ended: ``Success``, ``Failed``, ``TimedOut`` or ``Cancelled``."""

    execution_id: str
    execution_arn: str
    status: str
    outputs: dict[str, list[str]] = {}
    failure_message: str | None = None
    parent_execution_id: str | None = None
    incident_arn: str | None = None


RunbooksEvent = (ExecutionStarted
    | ExecutionStartFailed
    | StepStarted
    | StepCompleted
    | Waiting
    | ExecutionCompleted)
"""Every event this service publishes, tagged by ``type``."""

EVENT_TYPES: Final[dict[str, type[Event]]] = types_of(RunbooksEvent)
