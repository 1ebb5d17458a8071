"""Deployment and change events that CI/CD tools publish on ``changes.<source>``.

The subjects (``changes.codedeploy``, ``changes.cloudformation``,
``changes.github-actions``, ...) are captured by the JetStream stream ``CHANGES``; the
incidents service keeps every change as a *finding*, and the changes that were under way
around the time an incident began are that incident's findings (``ListIncidentFindings``,
``BatchGetIncidentFindings``). The body is one JSON object, camelCase, carrying exactly one
of the two kinds of change that ``ssm-incidents`` models::

    {"id": "d-7Q2B4XJ1K",                                  # optional, the finding id
     "codeDeployDeployment": {
        "deploymentGroupArn": "arn:aws:codedeploy:eu-west-1:111122223333:deploymentgroup:app/prod",
        "deploymentId": "d-7Q2B4XJ1K",
        "startTime": 1767261600,                           # epoch seconds ...
        "endTime": "2026-01-01T10:05:00Z"}}                # ... or ISO-8601; absent while running

    {"cloudFormationStackUpdate": {
        "stackArn": "arn:aws:cloudformation:eu-west-1:111122223333:stack/web/1f2e...",
        "startTime": "2026-01-01T09:58:00+01:00"}}

- ``id`` names the finding. Without it, a CodeDeploy deployment's id is its
  ``deploymentId`` and a stack update's is :func:`stack_update_id` of its stack ARN and
  start time, so a tool that reports the start and later the end of one change without an
  id updates one finding.
- A later message with the same id replaces the finding's details (typically ``endTime``
  arrives) and, when they differ, moves its ``lastModifiedTime``.
- ISO-8601 times without an offset are taken as UTC.
- A publisher may set ``Nats-Msg-Id`` (the stream drops a repeat within its duplicate
  window); it identifies the *message*, so the start and the end of one deployment must
  carry different ``Nats-Msg-Id`` values, or the end is dropped as a duplicate.
- A body that does not fit this contract is terminated by the consumer with a
  ``message.rejected`` warning; it is never redelivered.

Schema evolution follows msgspec's rules: members added later always get defaults,
unknown members are ignored, existing members never change type.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Annotated

import msgspec

__all__ = [
    "EPOCH",
    "SUBJECT_PREFIX",
    "ChangeReported",
    "CloudFormationStackUpdate",
    "CodeDeployDeployment",
    "Time",
    "epoch_micros",
    "stack_update_id",
    "subject",
]

SUBJECT_PREFIX = "changes."
"""Changes are published on ``changes.<source>``."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Epoch seconds count from here."""
_MAX_EPOCH = 253402300799.0  # 9999-12-31T23:59:59Z, the last second a datetime can hold

Time = datetime | Annotated[float, msgspec.Meta(ge=0, le=_MAX_EPOCH)]
"""A point in time: epoch seconds (a JSON number) or an ISO-8601 / RFC 3339 string."""

Arn = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
"""The model's ``Arn`` length; the ``arn:aws`` pattern is not enforced, because
self-hosted tools name their deployment groups and stacks their own way."""

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
"""The model's ``FindingId`` / ``deploymentId`` length, less the empty string."""


def subject(source: str) -> str:
    """The subject a tool called ``source`` publishes its changes on."""
    return f"{SUBJECT_PREFIX}{source}"


def epoch_micros(value: Time) -> int:
    """``value`` as whole microseconds since the epoch (naive datetimes are UTC)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return (aware - EPOCH) // timedelta(microseconds=1)
    return round(value * 1_000_000)


def stack_update_id(stack_arn: str, start_time: Time) -> str:
    """The default finding id of a stack update: stable for one stack and start time.

    ``cfn-`` and the first 32 hex digits of SHA-256 over ``<stackArn>@<start in epoch
    microseconds>``, so a publisher can compute it too.
    """
    digest = hashlib.sha256(f"{stack_arn}@{epoch_micros(start_time)}".encode()).hexdigest()
    return f"cfn-{digest[:32]}"


class _Wire(msgspec.Struct, rename="camel", kw_only=True, frozen=True, omit_defaults=True):
    """camelCase on the wire; unknown members ignored."""


def _check_times(start: Time, end: Time | None) -> None:
    if end is not None and epoch_micros(end) < epoch_micros(start):
        raise ValueError("endTime is before startTime")


class CodeDeployDeployment(_Wire, frozen=True):
    """A CodeDeploy (or any deployment tool's) deployment, as ``ssm-incidents`` models it."""

    deployment_group_arn: Arn
    """The deployment group (or pipeline, environment) the deployment belongs to."""
    deployment_id: Id
    start_time: Time
    end_time: Time | None = None
    """Absent while the deployment is in progress."""

    def __post_init__(self) -> None:
        _check_times(self.start_time, self.end_time)


class CloudFormationStackUpdate(_Wire, frozen=True):
    """A CloudFormation (or any infrastructure tool's) stack creation or update."""

    stack_arn: Arn
    start_time: Time
    end_time: Time | None = None
    """Absent while the update is in progress."""

    def __post_init__(self) -> None:
        _check_times(self.start_time, self.end_time)


class ChangeReported(_Wire, frozen=True):
    """One message on ``changes.<source>``: a change started, progressed or ended."""

    id: Id | None = None
    """The finding id; see the module docstring for the default."""
    code_deploy_deployment: CodeDeployDeployment | None = None
    cloud_formation_stack_update: CloudFormationStackUpdate | None = None

    def __post_init__(self) -> None:
        kinds = (self.code_deploy_deployment, self.cloud_formation_stack_update)
        if sum(k is not None for k in kinds) != 1:
            raise ValueError("a change carries exactly one of codeDeployDeployment and "
                             "cloudFormationStackUpdate")

    @property
    def change(self) -> CodeDeployDeployment | CloudFormationStackUpdate:
        """The one kind of change the message carries."""
        if self.code_deploy_deployment is not None:
            return self.code_deploy_deployment
        assert self.cloud_formation_stack_update is not None
        return self.cloud_formation_stack_update

    @property
    def finding_id(self) -> str:
        """``id``, or the default for the kind of change."""
        if self.id is not None:
            return self.id
        change = self.change
        if isinstance(change, CodeDeployDeployment):
            return change.deployment_id
        return stack_update_id(change.stack_arn, change.start_time)
