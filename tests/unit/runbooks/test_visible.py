"""What an execution's events carry to the other regions for a takeover: where each step's
attempt is (never which instance runs it), the step outputs, the scheduled timers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tocsin.runbooks.executions.domain import BACKOFF, HELD, Execution, Step
from tocsin.runbooks.executions.visible import RUNNING, execution_updated, step_state

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def _step(claimed_by: str | None) -> Step:
    return Step(id="s1", execution_id="e1", ordinal=0, step_index=0, name="Call",
                action="aws:invokeWebhook", status="InProgress", attempt=1,
                claimed_by=claimed_by, lease_until=NOW)


@pytest.mark.parametrize(("claimed_by", "claim"), [
    (None, None), (BACKOFF, BACKOFF), (HELD, HELD),
    ("6f1c2a0e-5b1d-4a57-9d1e-0d3f7e2b9c11", RUNNING)])
def test_a_step_says_where_its_attempt_is_not_who_runs_it(claimed_by: str | None,
                                                            claim: str | None) -> None:
    assert step_state(_step(claimed_by)).claim == claim


def test_an_update_carries_the_step_outputs_and_the_timers_it_scheduled() -> None:
    ex = Execution(
        id="e1", document_name="Doc", document_version="1", document={}, status="InProgress",
        mode="Auto", parameters={}, parameters_echo={}, variables={},
        step_outputs={"Lookup.Host": "db-2"}, outputs={}, current_step="Call",
        current_action="aws:invokeWebhook", critical_failed=False, failure_message=None,
        executed_by="alice", parent_id=None, incident_arn=None, tags={}, start_time=NOW,
        end_time=None)
    update = execution_updated(ex, [_step(BACKOFF)],
                               [("s1:RETRY:2", NOW, ("e1", "s1", "RETRY", 2))],
                               with_document=False)
    assert update.step_outputs == {"Lookup.Host": "db-2"}
    [timer] = update.timers
    assert (timer.id, timer.due_at, timer.step_execution_id, timer.kind, timer.attempt) == \
        ("s1:RETRY:2", NOW.timestamp(), "s1", "RETRY", 2)
