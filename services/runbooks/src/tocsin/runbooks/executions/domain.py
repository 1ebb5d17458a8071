"""Automation executions: their states and the pure rules of what comes after a step.

No I/O and no clock here: the engine (:mod:`.engine`) reads the rows, asks these functions
what the document says happens next, and writes the answer with its events.

Statuses are AWS's (``AutomationExecutionStatus``); an execution uses ``Pending``,
``InProgress``, ``Waiting``, ``Success``, ``TimedOut``, ``Cancelled`` and ``Failed``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "ACTIVE",
    "APPROVAL_TIMEOUT",
    "BACKOFF",
    "HELD",
    "TERMINAL",
    "Execution",
    "Next",
    "Step",
    "after_failure",
    "after_success",
    "as_wire_list",
    "backoff_seconds",
    "is_critical",
    "on_failure",
    "runbook_outputs",
    "steps_of",
]

TERMINAL = frozenset({"Success", "Failed", "TimedOut", "Cancelled"})
ACTIVE = frozenset({"Pending", "InProgress", "Waiting"})

BACKOFF = "backoff"
"""``claimed_by`` of a step waiting for its next attempt's timer."""
HELD = "held"
"""``claimed_by`` of a step a control action took up, waiting for its timer or its child
execution (an ``aws:sleep``, ``aws:loop``, ``aws:executeAutomation``); any other claim is
the instance running the step's work attempt."""

APPROVAL_TIMEOUT = 7 * 24 * 3600
"""An ``aws:approve`` step without ``timeoutSeconds`` waits this long (AWS's default)."""

RETRY_BASE = 1.0
RETRY_CAP = 60.0


@dataclass(slots=True)
class Execution:
    """An execution row, as the engine changes it."""

    id: str
    document_name: str
    document_version: str
    document: dict[str, Any]
    status: str
    mode: str
    parameters: dict[str, Any]
    parameters_echo: dict[str, list[str]]
    variables: dict[str, Any]
    step_outputs: dict[str, Any]
    outputs: dict[str, list[str]]
    current_step: str | None
    current_action: str | None
    critical_failed: bool
    failure_message: str | None
    executed_by: str
    parent_id: str | None
    incident_arn: str | None
    tags: dict[str, str]
    start_time: datetime
    end_time: datetime | None


@dataclass(slots=True)
class Step:
    """A step execution row."""

    id: str
    execution_id: str
    ordinal: int
    step_index: int
    name: str
    action: str
    status: str
    attempt: int = 0
    claimed_by: str | None = None
    lease_until: datetime | None = None
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    response: str | None = None
    failure_message: str | None = None
    failure_details: dict[str, Any] | None = None
    decisions: list[dict[str, Any]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    parent_id: str | None = None
    iteration: int | None = None
    iterator_value: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class Next:
    """Where an execution goes after a step: to ``step`` (a name among the step's
    siblings), or nowhere (``step`` None: the execution, or the loop iteration, ends)."""

    step: str | None


def steps_of(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(document.get("mainSteps") or [])


def _following(siblings: Sequence[Mapping[str, Any]], index: int) -> Next:
    return Next(siblings[index + 1]["name"] if index + 1 < len(siblings) else None)


def after_success(siblings: Sequence[Mapping[str, Any]], index: int,
                  chosen: str | None = None) -> Next:
    """The next step after step ``index`` succeeded (``chosen``: an ``aws:branch``'s
    answer): ``isEnd`` ends, then the branch's choice, then ``nextStep``, then the next
    step in the list."""
    spec = siblings[index]
    if _flag(spec.get("isEnd")):
        return Next(None)
    if chosen:
        return Next(chosen)
    if spec.get("nextStep"):
        return Next(str(spec["nextStep"]))
    return _following(siblings, index)


def on_failure(spec: Mapping[str, Any]) -> str:
    return str(spec.get("onFailure") or "Abort")


def is_critical(spec: Mapping[str, Any]) -> bool:
    """Whether a failure of the step makes the execution fail (``isCritical``; default
    true, false when ``onFailure: Continue``)."""
    if "isCritical" in spec:
        return _flag(spec["isCritical"])
    return on_failure(spec) != "Continue"


def after_failure(siblings: Sequence[Mapping[str, Any]], index: int) -> Next | None:
    """The next step after step ``index`` failed for good; None: abort the execution."""
    spec = siblings[index]
    strategy = on_failure(spec)
    if strategy.startswith("step:"):
        return Next(strategy[5:])
    if strategy == "Continue":
        if _flag(spec.get("isEnd")):
            return Next(None)
        return _following(siblings, index)
    return None


def backoff_seconds(attempt: int) -> float:
    """Seconds before attempt ``attempt + 1`` after attempt ``attempt`` failed (Tocsin's
    addition: AWS retries at once; 1 s, 2 s, 4 s, ... up to a minute)."""
    return float(min(RETRY_CAP, RETRY_BASE * 2 ** max(0, attempt - 1)))


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def as_wire_list(value: Any) -> list[str]:
    """A typed value in the wire's ``list<string>`` form (outputs, variables)."""
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v) for v in value]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, str):
        return [value]
    return [json.dumps(value)]


def runbook_outputs(document: Mapping[str, Any],
                    step_outputs: Mapping[str, Any]) -> dict[str, list[str]]:
    """The document's ``outputs`` (``"step.Output"`` strings) from what the steps gave."""
    out: dict[str, list[str]] = {}
    for ref in document.get("outputs") or []:
        if isinstance(ref, str) and ref in step_outputs:
            out[ref] = as_wire_list(step_outputs[ref])
    return out
