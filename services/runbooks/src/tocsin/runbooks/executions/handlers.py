"""The six automation operations of the ``ssm`` API, and the service's consumer of its own
events (which is what runs each started step)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
from nats.aio.msg import Msg

from tocsin.runbooks.documents.handlers import load_document
from tocsin.runbooks.errors import (
    AutomationDefinitionNotFoundException,
    AutomationDefinitionVersionNotFoundException,
    IdempotentParameterMismatch,
    InvalidDocument,
    InvalidDocumentVersion,
    InvalidFilterKey,
    InvalidFilterValue,
)
from tocsin.runbooks.executions.approvals import ApprovalPager
from tocsin.runbooks.executions.domain import Execution, Step, as_wire_list
from tocsin.runbooks.executions.engine import Engine, Transition
from tocsin.runbooks.executions.store import ExecutionStore
from tocsin.runbooks.executions.work import WorkRunner
from tocsin.shared import codec
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.contracts.base import decode
from tocsin.shared.contracts.runbooks import (
    ExecutionCompleted,
    RunbooksEvent,
    StepStarted,
    Waiting,
)
from tocsin.shared.db import transaction
from tocsin.shared.paging import make_token, read_token

__all__ = ["ExecutionHandlers", "execution_view", "step_view"]

DEFAULT_PAGE = 50
STATUSES = frozenset({"Pending", "InProgress", "Waiting", "Success", "TimedOut", "Cancelling",
                      "Cancelled", "Failed", "PendingApproval", "Approved", "Rejected",
                      "Scheduled", "RunbookInProgress", "PendingChangeCalendarOverride",
                      "ChangeCalendarOverrideApproved", "ChangeCalendarOverrideRejected",
                      "CompletedWithSuccess", "CompletedWithFailure", "Exited"})
"""``AutomationExecutionStatus``: what the ExecutionStatus filter may name."""
MAX_STEPS_IN_GET = 100
"""GetAutomationExecution lists at most this many step executions
(``StepExecutionsTruncated``; DescribeAutomationStepExecutions pages through all)."""


class _Start(msgspec.Struct, rename="pascal", kw_only=True):
    document_name: str
    document_version: str | None = None
    parameters: dict[str, list[str]] = {}
    client_token: str | None = None
    mode: str = "Auto"
    tags: list[dict[str, str]] = []


class _Id(msgspec.Struct, rename="pascal", kw_only=True):
    automation_execution_id: str


class _Signal(msgspec.Struct, rename="pascal", kw_only=True):
    automation_execution_id: str
    signal_type: str
    payload: dict[str, list[str]] = {}


class _Stop(msgspec.Struct, rename="pascal", kw_only=True):
    automation_execution_id: str
    type: str = "Cancel"


class _Filter(msgspec.Struct, rename="pascal"):
    key: str
    values: list[str]


class _Describe(msgspec.Struct, rename="pascal", kw_only=True):
    filters: list[_Filter] = []
    max_results: int | None = None
    next_token: str | None = None


class _DescribeSteps(msgspec.Struct, rename="pascal", kw_only=True):
    automation_execution_id: str
    filters: list[_Filter] = []
    reverse_order: bool = False
    max_results: int | None = None
    next_token: str | None = None


def _ts(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def step_view(ex: Execution, step: Step, steps: list[Step]) -> dict[str, Any]:
    """``StepExecution``."""
    siblings: list[dict[str, Any]] = list(ex.document.get("mainSteps") or [])
    parent = next((s for s in steps if s.id == step.parent_id), None)
    if parent is not None:
        siblings = list(siblings[parent.step_index].get("inputs", {}).get("Steps") or [])
    spec = siblings[step.step_index] if step.step_index < len(siblings) else {}
    failure = step.failure_details or None
    out: dict[str, Any] = {
        "StepName": step.name, "Action": step.action, "StepExecutionId": step.id,
        "StepStatus": step.status, "ExecutionStartTime": _ts(step.start_time),
        "ExecutionEndTime": _ts(step.end_time),
        "TimeoutSeconds": int(spec["timeoutSeconds"]) if spec.get("timeoutSeconds") else None,
        "OnFailure": str(spec.get("onFailure") or "Abort"),
        "MaxAttempts": int(spec.get("maxAttempts") or 1),
        "IsEnd": bool(spec.get("isEnd", False)), "NextStep": spec.get("nextStep"),
        "IsCritical": spec.get("isCritical", str(spec.get("onFailure")) != "Continue"),
        "Inputs": step.inputs, "FailureMessage": step.failure_message,
        "Outputs": {k: as_wire_list(v) for k, v in step.outputs.items()}
        if step.outputs else None,
    }
    if failure:
        out["FailureDetails"] = failure
    if parent is not None:
        out["ParentStepDetails"] = _drop_none({
            "StepExecutionId": parent.id, "StepName": parent.name, "Action": parent.action,
            "Iteration": (step.iteration or 0) + 1, "IteratorValue": step.iterator_value})
    return _drop_none(out)


def _metadata(ex: Execution) -> dict[str, Any]:
    return _drop_none({
        "AutomationExecutionId": ex.id, "DocumentName": ex.document_name,
        "DocumentVersion": ex.document_version, "AutomationExecutionStatus": ex.status,
        "ExecutionStartTime": _ts(ex.start_time), "ExecutionEndTime": _ts(ex.end_time),
        "ExecutedBy": ex.executed_by, "Outputs": ex.outputs, "Mode": ex.mode,
        "ParentAutomationExecutionId": ex.parent_id, "CurrentStepName": ex.current_step,
        "CurrentAction": ex.current_action, "FailureMessage": ex.failure_message,
        "AutomationType": "Local"})


def execution_view(ex: Execution, steps: list[Step]) -> dict[str, Any]:
    """``AutomationExecution``."""
    out = _metadata(ex)
    out.pop("AutomationType", None)
    counters = {"TotalSteps": len(steps), "SuccessSteps": 0, "FailedSteps": 0,
                "CancelledSteps": 0, "TimedOutSteps": 0}
    for s in steps:
        key = {"Success": "SuccessSteps", "Failed": "FailedSteps",
               "Cancelled": "CancelledSteps", "TimedOut": "TimedOutSteps"}.get(s.status)
        if key:
            counters[key] += 1
    out.update({
        "StepExecutions": [step_view(ex, s, steps) for s in steps[:MAX_STEPS_IN_GET]],
        "StepExecutionsTruncated": len(steps) > MAX_STEPS_IN_GET,
        "Parameters": ex.parameters_echo,
        "Variables": {k: as_wire_list(v) for k, v in ex.variables.items() if v is not None},
        "ProgressCounters": counters})
    return out


def _fingerprint(cmd: _Start) -> str:
    return hashlib.sha256(msgspec.json.encode(
        [cmd.document_name, cmd.document_version, cmd.parameters, cmd.mode],
        order="sorted")).hexdigest()


@dataclass(frozen=True)
class ExecutionHandlers:
    """The automation operations and event handlers of one instance."""

    pool: asyncpg.Pool
    engine: Engine
    runner: WorkRunner
    approvals: ApprovalPager | None = None

    def operations(self) -> Mapping[str, Handler]:
        return {"StartAutomationExecution": self.start,
                "GetAutomationExecution": self.get,
                "DescribeAutomationExecutions": self.describe,
                "DescribeAutomationStepExecutions": self.describe_steps,
                "SendAutomationSignal": self.signal,
                "StopAutomationExecution": self.stop}

    async def start_execution(self, conn: asyncpg.Connection, *, document_name: str,
                              document_version: str | None, parameters: Mapping[str, list[str]],
                              mode: str, principal: str, incident_arn: str | None = None,
                              tags: Mapping[str, str] | None = None,
                              execution_id: str | None = None) -> Transition:
        """Create and start an execution in the caller's transaction.

        Raises:
            AutomationDefinitionNotFoundException, AutomationDefinitionVersionNotFoundException,
            InvalidAutomationExecutionParametersException.
        """
        try:
            doc = await load_document(conn, document_name, document_version)
        except InvalidDocument:
            raise AutomationDefinitionNotFoundException(
                f"Document {document_name} does not exist") from None
        except InvalidDocumentVersion:
            raise AutomationDefinitionVersionNotFoundException(
                f"Document {document_name} has no version {document_version}") from None
        if doc.document_type != "Automation":
            raise AutomationDefinitionNotFoundException(
                f"Document {document_name} is a {doc.document_type} document, not an "
                "Automation runbook")
        t = self.engine.create(conn, doc, parameters, mode=mode, principal=principal,
                               incident_arn=incident_arn, tags=tags, execution_id=execution_id)
        await self.engine.insert(t)
        return t

    async def start(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _Start = req.decode(_Start)
        fingerprint = _fingerprint(cmd)
        async with transaction(self.pool) as conn:
            if cmd.client_token:
                # One start per token: concurrent starts with one token queue here.
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))",
                                   cmd.client_token)
                earlier = await ExecutionStore.client_start(conn, cmd.client_token)
                if earlier is not None:
                    if earlier["fingerprint"] != fingerprint:
                        raise IdempotentParameterMismatch(
                            f"ClientToken {cmd.client_token} was already used to start an "
                            "execution with other parameters")
                    return {"AutomationExecutionId": earlier["execution_id"]}
            t = await self.start_execution(
                conn, document_name=cmd.document_name, document_version=cmd.document_version,
                parameters=cmd.parameters, mode=cmd.mode, principal=req.principal,
                tags={t["Key"]: t["Value"] for t in cmd.tags if "Key" in t})
            if cmd.client_token:
                await ExecutionStore.record_client_start(conn, cmd.client_token, fingerprint,
                                                         t.ex.id)
        return {"AutomationExecutionId": t.ex.id}

    async def get(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _Id = req.decode(_Id)
        async with self.pool.acquire() as conn:
            ex = await ExecutionStore.get(conn, cmd.automation_execution_id)
            steps = await ExecutionStore.steps(conn, ex.id)
        return {"AutomationExecution": execution_view(ex, steps)}

    async def describe(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _Describe = req.decode(_Describe)
        where: list[str] = []
        args: list[Any] = []

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        for f in cmd.filters:
            key, values = f.key, f.values
            if key == "DocumentNamePrefix":
                where.append("(" + " OR ".join(f"starts_with(document_name, {arg(v)})"
                                              for v in values) + ")")
            elif key == "ExecutionStatus":
                unknown = sorted(set(values) - STATUSES)
                if unknown:
                    raise InvalidFilterValue(
                        f"ExecutionStatus {unknown[0]!r} is not an automation execution status"
                        f" ({', '.join(sorted(STATUSES))})")
                where.append(f"status = ANY({arg(values)}::text[])")
            elif key == "ExecutionId":
                where.append(f"id = ANY({arg(values)}::text[])")
            elif key == "ParentExecutionId":
                where.append(f"parent_id = ANY({arg(values)}::text[])")
            elif key == "CurrentAction":
                where.append(f"current_action = ANY({arg(values)}::text[])")
            elif key in ("StartTimeBefore", "StartTimeAfter"):
                try:
                    moment = datetime.fromisoformat(values[0].replace("Z", "+00:00"))
                except (ValueError, IndexError):
                    raise InvalidFilterValue(
                        f"{key} takes one ISO-8601 time, such as 2026-12-01T00:00:00Z"
                    ) from None
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=UTC)
                op = "<" if key == "StartTimeBefore" else ">"
                where.append(f"start_time {op} {arg(moment)}")
            elif key == "AutomationType":
                if "Local" not in values:
                    where.append("FALSE")
            elif key == "TagKey":
                where.append(f"tags ?| {arg(values)}::text[]")
            elif key in ("TargetResourceGroup", "AutomationSubtype", "OpsItemId"):
                where.append("FALSE")  # Tocsin runs none of these
            else:
                raise InvalidFilterKey(f"The filter key {key!r} is not valid")
        if cmd.next_token:
            position = read_token(cmd.next_token, tuple[float, str], member="NextToken")
            moment = datetime.fromtimestamp(position[0], UTC)
            where.append(f"(start_time, id) < ({arg(moment)}, {arg(position[1])})")
        limit = cmd.max_results or DEFAULT_PAGE
        async with self.pool.acquire() as conn:
            found = await ExecutionStore.listing(conn, where=where, args=args, limit=limit + 1)
        out: dict[str, Any] = {"AutomationExecutionMetadataList":
                               [_metadata(ex) for ex in found[:limit]]}
        if len(found) > limit:
            last = found[limit - 1]
            out["NextToken"] = make_token((last.start_time.timestamp(), last.id))
        return out

    async def describe_steps(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _DescribeSteps = req.decode(_DescribeSteps)
        async with self.pool.acquire() as conn:
            ex = await ExecutionStore.get(conn, cmd.automation_execution_id)
            steps = await ExecutionStore.steps(conn, ex.id)
        chosen = list(steps)
        for f in cmd.filters:
            values = set(f.values)
            field: Any = {"StepExecutionStatus": lambda s: s.status,
                     "StepExecutionId": lambda s: s.id, "StepName": lambda s: s.name,
                     "Action": lambda s: s.action,
                     "ParentStepExecutionId": lambda s: s.parent_id,
                     "ParentStepIteration": lambda s: None if s.iteration is None
                     else str(s.iteration + 1),
                     "ParentStepIteratorValue": lambda s: s.iterator_value}.get(f.key)
            if field is not None:
                chosen = [s for s in chosen if field(s) in values]
            elif f.key in ("StartTimeBefore", "StartTimeAfter"):
                try:
                    moment = datetime.fromisoformat(f.values[0].replace("Z", "+00:00"))
                except (ValueError, IndexError):
                    raise InvalidFilterValue(f"{f.key} takes one ISO-8601 time") from None
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=UTC)
                chosen = [s for s in chosen if s.start_time is not None and (
                    s.start_time < moment if f.key == "StartTimeBefore"
                    else s.start_time > moment)]
            else:
                raise InvalidFilterKey(f"The filter key {f.key!r} is not valid")
        if cmd.reverse_order:
            chosen.reverse()
        offset = read_token(cmd.next_token, int, member="NextToken") if cmd.next_token else 0
        limit = cmd.max_results or DEFAULT_PAGE
        page = chosen[offset:offset + limit]
        out: dict[str, Any] = {"StepExecutions": [step_view(ex, s, steps) for s in page]}
        if offset + limit < len(chosen):
            out["NextToken"] = make_token(offset + limit)
        return out

    async def signal(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _Signal = req.decode(_Signal)
        async with transaction(self.pool) as conn:
            await self.engine.signal(conn, cmd.automation_execution_id, cmd.signal_type,
                                     cmd.payload, req.principal)
        return {}

    async def stop(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _Stop = req.decode(_Stop)
        async with transaction(self.pool) as conn:
            await self.engine.stop(conn, cmd.automation_execution_id, cmd.type, req.principal)
        return {}

    # --- the service's own events -------------------------------------------------------

    async def on_event(self, envelope: codec.Envelope, msg: Msg) -> None:
        """Run a started step; end an ``aws:executeAutomation`` step whose child ended; page
        an approval's contact approvers."""
        del msg
        if envelope.type not in ("StepStarted", "ExecutionCompleted", "Waiting"):
            return
        event = decode(envelope.type, envelope.data, RunbooksEvent)
        if isinstance(event, StepStarted):
            async with transaction(self.pool) as conn:
                claimed = await self.engine.on_step_started(conn, event)
            if claimed is not None:
                t, step, inputs = claimed
                self.runner.spawn(t, step, inputs)
        elif isinstance(event, Waiting) and self.approvals is not None:
            await self.approvals.on_waiting(event)
        elif isinstance(event, ExecutionCompleted) and event.parent_execution_id:
            async with transaction(self.pool) as conn:
                await self.engine.child_ended(conn, event)
