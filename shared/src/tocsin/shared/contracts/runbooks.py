"""What the runbooks service publishes, on ``events.<region>.runbooks.<Type>``.

An automation execution moves by these events: each transition of an execution commits
together with the event that announces it (the outbox), and the runbooks service itself
consumes :class:`StepStarted` to run the step, so a step runs because its start was
committed, on whichever instance takes the message. Other services read them too: the
incidents service adds an execution started for an incident to the record's
``automationExecutions`` and writes the timeline events ``Tocsin Runbook Step Completed``
and ``Tocsin Runbook Waiting``.

The correlation carries ``incident_arn`` when the execution runs for an incident.

The document events and :class:`ExecutionUpdated` carry the state a reader sees, so that
the other regions of a replication set serve the same documents and executions
(``tocsin.runbooks.replicas``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

from tocsin.shared.contracts.base import Event, Part, types_of

__all__ = [
    "EVENT_TYPES",
    "DocumentCreated",
    "DocumentDeleted",
    "DocumentUpdated",
    "DocumentVersion",
    "DocumentVersionDeleted",
    "ExecutionCompleted",
    "ExecutionStartFailed",
    "ExecutionStarted",
    "ExecutionUpdated",
    "RunbookTimer",
    "RunbooksEvent",
    "StepCompleted",
    "StepExecutionState",
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


class DocumentVersion(Part, frozen=True):
    """One version of a document, as stored (its parsed form is the content's)."""

    version: int
    content: str
    format: str
    """``JSON`` or ``YAML``: the content as the caller sent it."""
    hash: str
    created_at: float
    display_name: str | None = None
    version_name: str | None = None
    target_type: str | None = None


class _DocumentHead(_Event, frozen=True):
    """A document's own attributes after the change."""

    name: str
    document_type: str
    owner: str
    default_version: int
    latest_version: int
    created_at: float
    tags: dict[str, str]


class DocumentCreated(_DocumentHead, frozen=True):
    """A document was created (``CreateDocument``) with its first version."""

    first_version: DocumentVersion


class DocumentUpdated(_DocumentHead, frozen=True):
    """A document changed: a new version (``UpdateDocument``), or another default version
    (``UpdateDocumentDefaultVersion``, ``added`` None)."""

    added: DocumentVersion | None = None


class DocumentVersionDeleted(_DocumentHead, frozen=True):
    """One version of a document was deleted (``DeleteDocument`` naming a version)."""

    deleted_version: int


class DocumentDeleted(_Event, frozen=True):
    """A document was deleted with every version."""

    name: str


class StepExecutionState(Part, frozen=True):
    """A step execution as ``GetAutomationExecution`` and
    ``DescribeAutomationStepExecutions`` show it, and where its current attempt is
    (``claim``), so that a region taking the execution over goes on from there."""

    id: str
    ordinal: int
    step_index: int
    name: str
    action: str
    status: str
    attempt: int = 0
    inputs: JSON | None = None
    outputs: JSON | None = None
    response: str | None = None
    failure_message: str | None = None
    failure_details: JSON | None = None
    decisions: list[JSON] = []
    state: JSON = {}
    parent_id: str | None = None
    iteration: int | None = None
    iterator_value: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    claim: str | None = None
    """Of an ``InProgress`` step: None, started and not taken up yet; ``held``, taken up
    by a control action that waits for its timer or child execution; ``backoff``, waiting
    for its next attempt's timer; ``running``, a work attempt running in the execution's
    region (lost with that region)."""


class RunbookTimer(Part, frozen=True):
    """A durable timer of an execution (a sleep's end, a timeout, the backoff before a
    step's next attempt, the end of an ``onCancel`` workflow's two minutes): every region
    keeps a standby copy, fired only in the region that runs the execution."""

    id: str
    due_at: float
    """Plan time, epoch seconds."""
    step_execution_id: str
    kind: str
    attempt: int


class ExecutionUpdated(_Event, frozen=True):
    """An execution's state after one transition: the execution with the step outputs
    its references read, the step executions the transition created or changed, and the
    timers it scheduled. Published with every transition, after that transition's other
    events; the other regions of the set show it and keep standby copies of its timers,
    and the region that takes the execution over when its region is lost goes on from
    there (``tocsin.runbooks.takeovers``)."""

    execution_id: str
    document_name: str
    document_version: str
    status: str
    mode: str
    parameters: JSON
    parameters_echo: dict[str, list[str]]
    variables: JSON
    outputs: dict[str, list[str]]
    critical_failed: bool
    executed_by: str
    start_time: float
    tags: dict[str, str] = {}
    current_step: str | None = None
    current_action: str | None = None
    failure_message: str | None = None
    parent_execution_id: str | None = None
    incident_arn: str | None = None
    end_time: float | None = None
    document: JSON | None = None
    """The parsed document version it runs: in the execution's first transition only
    (it never changes)."""
    steps: list[StepExecutionState] = []
    step_outputs: JSON = {}
    """Every ended step's outputs by ``<step>.<output>``, as ``{{...}}`` references read
    them."""
    timers: list[RunbookTimer] = []


RunbooksEvent = (ExecutionStarted
    | ExecutionStartFailed
    | StepStarted
    | StepCompleted
    | Waiting
    | ExecutionCompleted
    | ExecutionUpdated
    | DocumentCreated
    | DocumentUpdated
    | DocumentVersionDeleted
    | DocumentDeleted)
"""Every event this service publishes, tagged by ``type``."""

EVENT_TYPES: Final[dict[str, type[Event]]] = types_of(RunbooksEvent)
