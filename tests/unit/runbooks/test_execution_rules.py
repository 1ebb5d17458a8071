"""What comes after a step, as the document says: pure rules of the engine."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tocsin.runbooks.executions.domain import (
    Next,
    after_failure,
    after_success,
    as_wire_list,
    backoff_seconds,
    is_critical,
    runbook_outputs,
)
from tocsin.runbooks.executions.engine import parse_duration

STEPS = [{"name": "A"}, {"name": "B", "nextStep": "D"}, {"name": "C", "isEnd": True},
         {"name": "D"}]


def test_after_success_follows_is_end_then_branch_then_next_step_then_the_list() -> None:
    assert after_success(STEPS, 0) == Next("B")
    assert after_success(STEPS, 1) == Next("D")
    assert after_success(STEPS, 1, chosen="C") == Next("C")
    assert after_success(STEPS, 2, chosen="A") == Next(None)
    assert after_success(STEPS, 3) == Next(None)


@pytest.mark.parametrize(("spec", "expected", "critical"), [
    ({"name": "X"}, None, True),
    ({"name": "X", "onFailure": "Abort"}, None, True),
    ({"name": "X", "onFailure": "Continue"}, Next("Y"), False),
    ({"name": "X", "onFailure": "Continue", "isCritical": True}, Next("Y"), True),
    ({"name": "X", "onFailure": "step:Z"}, Next("Z"), True),
    ({"name": "X", "onFailure": "step:Z", "isCritical": "false"}, Next("Z"), False),
    ({"name": "X", "onFailure": "Continue", "isEnd": True}, Next(None), False),
])
def test_failure_strategies(spec: dict[str, object], expected: Next | None,
                            critical: bool) -> None:
    siblings = [spec, {"name": "Y"}, {"name": "Z"}]
    assert after_failure(siblings, 0) == expected
    assert is_critical(spec) is critical


def test_backoff_doubles_up_to_a_minute() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3, 4, 10)] == [1, 2, 4, 8, 60]


@pytest.mark.parametrize(("text", "seconds"), [
    ("PT10M", 600), ("PT0S", 0), ("P1DT2H", 93600), ("PT1.5S", 1.5), ("P1W", 604800)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "P", "PT", "P1Y", "10 minutes", "-PT1S", "P1DT"])
def test_durations_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_outputs_in_the_wire_list_form() -> None:
    assert as_wire_list(["a", 1]) == ["a", "1"]
    assert as_wire_list(True) == ["true"]
    assert as_wire_list({"k": "v"}) == ['{"k": "v"}']
    assert runbook_outputs({"outputs": ["S.x", "S.missing"]}, {"S.x": 3}) == {"S.x": ["3"]}
