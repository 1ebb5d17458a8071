"""An execution's visible state as its events carry it to the other regions of the
replication set (:class:`~tocsin.shared.contracts.runbooks.ExecutionUpdated`), and back
into rows there (:mod:`tocsin.runbooks.replicas`).

Who runs a step (``claimed_by``, ``lease_until``) is left out: an execution moves in its
own region only, and a row without a claim is one no lease sweep elsewhere picks up. So
are the step outputs the execution keeps for its own references (``step_outputs``, which
grow with every step and no reader sees: each step's outputs travel with the step).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from tocsin.runbooks.executions.domain import Execution, Step
from tocsin.shared.contracts.runbooks import ExecutionUpdated, StepExecutionState

__all__ = ["execution_updated", "moment", "step_state"]


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
        end_time=_epoch(step.end_time))


def execution_updated(ex: Execution, steps: Iterable[Step], *,
                      with_document: bool) -> ExecutionUpdated:
    """The execution after a transition, with the steps it created or changed."""
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
        steps=[step_state(s) for s in steps])
