"""The runbooks service's events, as they show on incidents.

- ``ExecutionStarted`` of an execution for an incident (a response plan's runbook, or
  ``StartIncidentRunbook``): its ARN joins the record's ``automationExecutions`` and an
  ``AUTOMATION`` related item is added (with the usual automatic timeline event).
- ``StepCompleted``: the timeline event ``Tocsin Runbook Step Completed``, ``eventData``
  ``{automationExecutionId, stepName, stepStatus, outputs}``.
- ``Waiting``: ``Tocsin Runbook Waiting`` (a manual step or an approval waits for a
  responder), ``eventData`` ``{automationExecutionId, stepName, action, signal}``.
- ``ExecutionStartFailed``: ``SSM Automation Execution Start Failure for Incident``, as AWS
  writes it.

Each event takes effect once (the inbox), in one transaction with the events it causes.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec
from nats.aio.msg import Msg

from tocsin.incidents.records.domain import IncidentRecord
from tocsin.incidents.records.store import Store
from tocsin.incidents.related.domain import change_event, new_item
from tocsin.incidents.related.store import RelatedItemStore
from tocsin.incidents.timeline.domain import automatic
from tocsin.incidents.timeline.store import TimelineStore
from tocsin.incidents.usecases import Deps
from tocsin.shared import codec
from tocsin.shared.bus.consumer import Consumer
from tocsin.shared.contracts import incidents as ic
from tocsin.shared.contracts import runbooks as rc
from tocsin.shared.contracts.base import decode
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.events import emit

__all__ = ["START_FAILURE", "STEP_COMPLETED", "WAITING", "RunbookEvents", "consumer"]

STEP_COMPLETED = "Tocsin Runbook Step Completed"
WAITING = "Tocsin Runbook Waiting"
START_FAILURE = "SSM Automation Execution Start Failure for Incident"

RUNBOOKS_BY = "tocsin:runbooks"
"""Who changed the record, for the automatic timeline event of the related item."""


class RunbookEvents:
    """The handler of the consumer below."""

    def __init__(self, deps: Deps, durable: str) -> None:
        self._pool = deps.pool
        self._clock = deps.clock
        self._region = deps.region
        self._durable = durable

    async def on_event(self, envelope: codec.Envelope, msg: Msg) -> None:
        del msg
        if envelope.type not in ("ExecutionStarted", "StepCompleted", "Waiting",
                                 "ExecutionStartFailed"):
            return
        event = decode(envelope.type, envelope.data, rc.RunbooksEvent)
        incident_arn = getattr(event, "incident_arn", None)
        if not incident_arn:
            return
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=self._durable, event_id=envelope.id):
                return
            record = await Store.incident(conn, incident_arn, lock=True)
            if record is None:
                return  # the incident was deleted meanwhile
            now = self._clock.now()
            at = now.timestamp()
            if isinstance(event, rc.ExecutionStarted):
                await self._started(conn, event, record, at)
                return
            if isinstance(event, rc.StepCompleted):
                data: dict[str, Any] = {"automationExecutionId": event.execution_id,
                                        "stepName": event.step_name,
                                        "stepStatus": event.status, "outputs": event.outputs}
                if event.failure_message:
                    data["failureMessage"] = event.failure_message
                entry = automatic(incident_arn, STEP_COMPLETED, data, at=at)
            elif isinstance(event, rc.Waiting):
                entry = automatic(incident_arn, WAITING, {
                    "automationExecutionId": event.execution_id, "stepName": event.step_name,
                    "action": event.action, "signal": event.signal}, at=at)
            else:
                assert isinstance(event, rc.ExecutionStartFailed)
                entry = automatic(incident_arn, START_FAILURE, {
                    "documentName": event.document_name, "failureMessage": event.message},
                    at=at)
            await TimelineStore.add(conn, [entry], is_automatic=True)
            await emit(conn, ic.TimelineEventCreated(**msgspec.structs.asdict(entry),
                                                     incident=record),
                       region=self._region, now=now, incident_arn=incident_arn)

    async def _started(self, conn: asyncpg.Connection, event: rc.ExecutionStarted,
                       record: IncidentRecord, at: float) -> None:
        """The execution joins the record's ``automationExecutions`` and related items;
        the AUTOMATION item's event is what readers of the record learn it from."""
        execution = {"ssmExecutionArn": event.execution_arn}
        if execution not in record.automation_executions:
            await Store.save_incident(conn, msgspec.structs.replace(
                record, automation_executions=[*record.automation_executions, execution]))
        item = new_item({"identifier": {"type": "AUTOMATION",
                                        "value": {"arn": event.execution_arn}},
                         "title": f"Runbook {event.document_name}"})
        if not await RelatedItemStore.add(conn, record.arn, [item]):
            return
        entry = change_event(record.arn, title=record.title, by=RUNBOOKS_BY, added=item,
                             at=at)
        await TimelineStore.add(conn, [entry], is_automatic=True)
        version = await RelatedItemStore.changed(conn, record.arn)
        await emit(conn, ic.RelatedItemAdded(incident_record_arn=record.arn, item=item,
                                             timeline_events=[entry], principal=RUNBOOKS_BY,
                                             resource_version=version),
                   region=self._region, now=self._clock.now(), incident_arn=record.arn)


def consumer(deps: Deps, *, durable: str) -> Consumer:
    """The durable consumer of the runbooks service's events (every instance shares it)."""
    return Consumer(stream=f"EVENTS_{deps.region.upper()}", durable=durable,
                    filter_subject=f"events.{deps.region}.runbooks.>",
                    handler=RunbookEvents(deps, durable).on_event, concurrency=8)
