"""Response plans' runbooks: an incident created from a plan whose ``actions[0]`` is an
``ssmAutomation`` starts that runbook.

The runbooks service consumes the incidents service's ``IncidentRecordCreated``, reads the
plan over RPC (``GetResponsePlan``) and starts the execution with the plan's static
``parameters`` and its ``dynamicParameters`` resolved: ``INCIDENT_RECORD_ARN`` into a
``String`` parameter, ``INVOLVED_RESOURCES`` (the incident's ``INVOLVED_RESOURCE`` related
items) into a ``StringList`` one. Any other fit is a start failure, announced as
``ExecutionStartFailed`` (the incidents service writes the timeline event
``SSM Automation Execution Start Failure for Incident``). A duplicate trigger joins an open
incident without an ``IncidentRecordCreated``, so it starts nothing; nor does an incident
created while failing over (its event's ``runbookWithheld`` says why:
:mod:`tocsin.incidents.records.failing_over`). Incidents replicated from another region
start nothing here: this consumer reads this region's own events only.

The execution's id is derived from the incident's ARN, so a redelivered event starts
nothing twice. The plan's ``roleArn`` is kept as given; the execution runs as the
principal that created the incident.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import msgspec
from nats.aio.msg import Msg

from tocsin.runbooks.documents.domain import name_of
from tocsin.runbooks.documents.store import DocumentStore
from tocsin.runbooks.executions.engine import execution_arn
from tocsin.runbooks.executions.handlers import ExecutionHandlers
from tocsin.runbooks.executions.store import ExecutionStore
from tocsin.shared import codec
from tocsin.shared.arns import Arns
from tocsin.shared.bus import Bus, rpc_subject
from tocsin.shared.bus.connection import PRINCIPAL_HEADER
from tocsin.shared.bus.rpc import Handler, RpcRequest
from tocsin.shared.contracts.base import decode
from tocsin.shared.contracts.incidents import IncidentRecordCreated, IncidentsEvent
from tocsin.shared.contracts.runbooks import ExecutionStartFailed
from tocsin.shared.db import transaction
from tocsin.shared.errors import ConflictError, NotFoundError, TocsinError, ValidationError
from tocsin.shared.events import emit
from tocsin.shared.logging import get_logger

__all__ = ["IncidentRunbooks", "plan_execution_id"]

log = get_logger(__name__)

START_NAMESPACE = uuid.UUID("5c0f2d2e-8c1a-4f7e-9a55-7a0c3b2f6e11")


def plan_execution_id(incident_arn: str) -> str:
    """The id of the execution a response plan starts for an incident."""
    return str(uuid.uuid5(START_NAMESPACE, incident_arn))


def involved_resources(related_items: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    for item in related_items:
        identifier = item.get("identifier") or {}
        if identifier.get("type") == "INVOLVED_RESOURCE":
            value = identifier.get("value") or {}
            arn = value.get("arn") or value.get("url")
            if arn:
                out.append(str(arn))
    return out


class StartFailure(Exception):
    """The plan's runbook cannot start; the message says why."""


def resolve_parameters(automation: Mapping[str, Any], declared: Mapping[str, Any], *,
                       incident_arn: str, resources: list[str]) -> dict[str, list[str]]:
    """The plan's static parameters plus its dynamic ones, checked against the document.

    Raises:
        StartFailure: a dynamic value does not fit its parameter's type.
    """
    given: dict[str, list[str]] = {k: list(v) for k, v in
                                   (automation.get("parameters") or {}).items()}
    for name, dynamic in (automation.get("dynamicParameters") or {}).items():
        variable = (dynamic or {}).get("variable")
        kind = ((declared.get(name) or {}).get("type")) if name in declared else None
        if variable == "INCIDENT_RECORD_ARN":
            if kind != "String":
                raise StartFailure(
                    f"Dynamic parameter {name} (INCIDENT_RECORD_ARN) must fill a String "
                    f"parameter of the runbook, not {kind or 'an undeclared one'}")
            given[name] = [incident_arn]
        elif variable == "INVOLVED_RESOURCES":
            if kind != "StringList":
                raise StartFailure(
                    f"Dynamic parameter {name} (INVOLVED_RESOURCES) must fill a StringList "
                    f"parameter of the runbook, not {kind or 'an undeclared one'}")
            given[name] = resources
        else:
            raise StartFailure(f"Dynamic parameter {name} has an unknown variable {variable!r}")
    return given


@dataclass(frozen=True)
class IncidentRunbooks:
    """Starts response plans' runbooks for new incidents."""

    bus: Bus
    pool: asyncpg.Pool
    executions: ExecutionHandlers
    arns: Arns
    timeout: float

    async def on_incident_created(self, envelope: codec.Envelope, msg: Msg) -> None:
        del msg
        event = decode(envelope.type, envelope.data, IncidentsEvent)
        if not isinstance(event, IncidentRecordCreated):
            return
        record = event.incident_record
        if event.runbook_withheld:
            # Created while failing over: its timeline says why (the incidents service).
            log.info("runbooks.plan_start_withheld", incident_arn=record.arn,
                     reason=event.runbook_withheld)
            return
        try:
            reply = await self.bus.request(rpc_subject("incidents", "GetResponsePlan"),
                                           {"arn": event.response_plan_arn},
                                           timeout=self.timeout)
        except NotFoundError:
            return  # the plan was deleted meanwhile: nothing to start
        plan = codec.decode(reply, dict[str, Any]) if reply else {}
        actions = plan.get("actions") or []
        automation = (actions[0] or {}).get("ssmAutomation") if actions else None
        if not automation:
            return
        await self.start(record.arn, event.response_plan_arn, automation,
                         principal=event.principal or record.incident_record_source.created_by,
                         resources=involved_resources(event.related_items))

    def operations(self) -> Mapping[str, Handler]:
        """Tocsin's own ``StartIncidentRunbook`` and ``StopIncidentRunbook``."""
        return {"StartIncidentRunbook": self.start_incident_runbook,
                "StopIncidentRunbook": self.stop_incident_runbook}

    async def start_incident_runbook(self, req: RpcRequest) -> dict[str, Any]:
        """A responder starts another runbook on an incident; it runs as the caller."""
        cmd: _StartRunbook = req.decode(_StartRunbook)
        await self.bus.request(rpc_subject("incidents", "GetIncidentRecord"),
                               {"arn": cmd.incident_record_arn}, timeout=self.timeout,
                               headers={PRINCIPAL_HEADER: req.principal})
        try:
            async with transaction(self.pool) as conn:
                t = await self.executions.start_execution(
                    conn, document_name=cmd.document_name,
                    document_version=cmd.document_version, parameters=cmd.parameters,
                    mode="Auto", principal=req.principal,
                    incident_arn=cmd.incident_record_arn)
        except NotFoundError as exc:  # the ssm codes mean nothing to the tocsin API
            raise NotFoundError(exc.message) from None
        except ValidationError as exc:
            raise ValidationError(exc.message) from None
        return {"automationExecutionArn": execution_arn(self.arns, t.ex.id)}

    async def stop_incident_runbook(self, req: RpcRequest) -> dict[str, Any]:
        """A responder cancels a runbook running on an incident."""
        cmd: _StopRunbook = req.decode(_StopRunbook)
        execution_id = cmd.automation_execution_arn.rsplit("/", 1)[-1]
        try:
            async with transaction(self.pool) as conn:
                ex = await ExecutionStore.get(conn, execution_id)
                if ex.incident_arn != cmd.incident_record_arn:
                    raise NotFoundError(
                        f"{cmd.automation_execution_arn} is not a runbook of "
                        f"{cmd.incident_record_arn}")
                await self.executions.engine.stop(conn, execution_id, "Cancel",
                                                  req.principal)
        except NotFoundError as exc:
            raise NotFoundError(exc.message) from None
        except ConflictError as exc:
            raise ConflictError(exc.message) from None
        return {}

    async def start(self, incident_arn: str, plan_arn: str | None,
                    automation: Mapping[str, Any], *, principal: str,
                    resources: list[str]) -> str | None:
        """Start ``automation`` for an incident (once), or announce why it cannot."""
        execution_id = plan_execution_id(incident_arn) if plan_arn else str(uuid.uuid4())
        document_name = str(automation.get("documentName", ""))
        version = automation.get("documentVersion") or None
        try:
            async with transaction(self.pool) as conn:
                if plan_arn and await _exists(conn, execution_id):
                    return execution_id
                head = await DocumentStore.head(conn, name_of(document_name))
                declared: Mapping[str, Any] = {}
                if head is not None:
                    doc = await DocumentStore.get(conn, head["name"], head["default_version"])
                    declared = doc.version.parsed.get("parameters") or {}
                given = resolve_parameters(automation, declared, incident_arn=incident_arn,
                                           resources=resources)
                await self.executions.start_execution(
                    conn, document_name=document_name, document_version=version,
                    parameters=given, mode="Auto", principal=principal,
                    incident_arn=incident_arn, execution_id=execution_id)
            return execution_id
        except (StartFailure, TocsinError) as exc:
            message = exc.message if isinstance(exc, TocsinError) else str(exc)
            log.warning("runbooks.plan_start_failed", incident_arn=incident_arn,
                        document=document_name, error=message)
            async with transaction(self.pool) as conn:
                await emit(conn, ExecutionStartFailed(
                    incident_arn=incident_arn, document_name=document_name, message=message,
                    response_plan_arn=plan_arn), region=self.arns.region,
                    now=self.executions.engine.clock.now(), incident_arn=incident_arn)
            return None


class _StartRunbook(msgspec.Struct, rename="camel", kw_only=True):
    incident_record_arn: str
    document_name: str
    document_version: str | None = None
    parameters: dict[str, list[str]] = {}


class _StopRunbook(msgspec.Struct, rename="camel", kw_only=True):
    incident_record_arn: str
    automation_execution_arn: str


async def _exists(conn: asyncpg.Connection, execution_id: str) -> bool:
    try:
        await ExecutionStore.get(conn, execution_id)
    except TocsinError:
        return False
    return True
