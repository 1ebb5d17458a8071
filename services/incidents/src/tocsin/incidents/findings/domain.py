"""What a reported change is as a finding. Pure: no I/O, no clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tocsin.shared.contracts.changes import (
    EPOCH,
    ChangeReported,
    CodeDeployDeployment,
    Time,
    epoch_micros,
)

__all__ = ["at", "details"]

JSON = dict[str, Any]


def at(micros: int) -> datetime:
    """The instant ``micros`` microseconds after the epoch."""
    return EPOCH + timedelta(microseconds=micros)


def _seconds(value: Time) -> float:
    return epoch_micros(value) / 1_000_000


def details(change: ChangeReported) -> JSON:
    """The change as the API's ``FindingDetails`` union, times in epoch seconds."""
    c = change.change
    body: JSON = {"startTime": _seconds(c.start_time)}
    if c.end_time is not None:
        body["endTime"] = _seconds(c.end_time)
    if isinstance(c, CodeDeployDeployment):
        return {"codeDeployDeployment": {"deploymentGroupArn": c.deployment_group_arn,
                                         "deploymentId": c.deployment_id, **body}}
    return {"cloudFormationStackUpdate": {"stackArn": c.stack_arn, **body}}
