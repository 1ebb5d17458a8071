"""An execution's state as its events carry it to the other regions of the replication
set (:class:`~tocsin.shared.contracts.runbooks.ExecutionUpdated`), and back into rows there
(:mod:`tocsin.runbooks.replicas`): what they show, and what a region taking the execution
over needs to go on from where it was (the step outputs its references read, where each
step's current attempt is, the timers a transition scheduled).

Which instance runs a step is left out (``claimed_by`` travels as the coarse ``claim``,
``lease_until`` not at all): a work attempt runs in its region's instance and is lost
with that region.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from tocsin.runbooks.executions.domain import BACKOFF, HELD, Execution, Step
from tocsin.shared.contracts.runbooks import ExecutionUpdated, RunbookTimer, StepExecutionState

__all__ = ["CLAIMS", "RUNNING", "execution_updated", "moment", "step_state"]

RUNNING = "running"
"""The ``claim`` of a step whose work attempt an instance runs."""
CLAIMS = frozenset({BACKOFF, HELD})
"""``claimed_by`` values that travel as they are; any other claim is an instance's,
:data:`RUNNING`."""


def _epoch(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def moment(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def step_state(step: Step) -> StepExecutionState:
    return StepExecutionState(
        id=step.id, ordinal=step.ordinal, step_index=step.step_index, name=step.name,
        action=step.action, status=step.status, attempt=step.attempt, inputs=step.inputs,
        outputs=step.outputs, response=step.response, failure_message=step.failure_message,
        failure_details=step.failure_details, decisions=list(step.decisions),
        state=dict(step.state), parent_id=step.parent_id, iteration=step.iteration,
        iterator_value=step.iterator_value, start_time=_epoch(step.start_time),
        end_time=_epoch(step.end_time), claim=_claim(step.claimed_by))


def _claim(claimed_by: str | None) -> str | None:
    if claimed_by is None or claimed_by in CLAIMS:
        return claimed_by
    return RUNNING


def execution_updated(ex: Execution, steps: Iterable[Step],
                      timers: Sequence[tuple[str, datetime, Sequence[Any]]] = (), *,
                      with_document: bool) -> ExecutionUpdated:
    """The execution after a transition, with the steps it created or changed and the
    timers it scheduled (``(id, due, (execution, step, kind, attempt))``)."""
    return ExecutionUpdated(
        execution_id=ex.id, document_name=ex.document_name,
        document_version=ex.document_version, status=ex.status, mode=ex.mode,
        parameters=dict(ex.parameters), parameters_echo=dict(ex.parameters_echo),
        variables=dict(ex.variables), outputs=dict(ex.outputs), critical_failed=ex.critical_failed,
        executed_by=ex.executed_by, start_time=ex.start_time.timestamp(),
        tags=dict(ex.tags), current_step=ex.current_step, current_action=ex.current_action,
        failure_message=ex.failure_message, parent_execution_id=ex.parent_id,
        incident_arn=ex.incident_arn, end_time=_epoch(ex.end_time),
        document=dict(ex.document) if with_document else None,
        steps=[step_state(s) for s in steps], step_outputs=dict(ex.step_outputs),
        timers=[RunbookTimer(id=id_, due_at=due.timestamp(), step_execution_id=str(own[1]),
                             kind=str(own[2]), attempt=int(own[3]))
                for id_, due, own in timers])
