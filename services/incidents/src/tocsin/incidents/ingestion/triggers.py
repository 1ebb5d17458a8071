"""Alarm ingestion's use cases: what an alarm or event does to the incidents of a plan.

Every path in is the same few calls, whatever carried the alarm (the ``ALARMS`` stream,
the Alertmanager and PagerDuty webhooks, ``POST /v1/events``):

- :meth:`Ingestion.open` is ``StartIncident`` itself (the one use case, through its
  handler), with ``triggerDetails`` from the alarm and the event id as ``clientToken``,
  so a redelivered alarm returns the incident it opened and never opens a second; a new
  alarm of an open incident joins it (its dedupe key) as one more trigger on its timeline.
- :meth:`Ingestion.join` is the same for a run of duplicates of one open incident (an
  alarm storm), in one transaction.
- :meth:`Ingestion.recover` reports that the trigger of an open incident is over (an alarm
  back to ``OK``, a resolved alert): an automatic timeline event, once per event (inbox);
  then, when the caller asks for it or the plan carries the tag
  ``tocsin:auto-resolve = true``, ``UpdateIncidentRecord(status=RESOLVED)``. The latest
  recovery of each trigger is kept, so an ``ALARM`` older than it that is handled after it
  (by another instance of a shared consumer, or sent late) is recovered as soon as it
  opens its incident, and no incident stays open for an alarm that is long back to OK.
- :meth:`Ingestion.acknowledge` (PagerDuty's ``acknowledge``) stops the open incident's
  engagements in the contacts service and writes a timeline event.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
import msgspec

from tocsin.incidents.ingestion.domain import Trigger
from tocsin.incidents.ingestion.store import IngestionStore
from tocsin.incidents.records import domain
from tocsin.incidents.records.handlers import Handlers
from tocsin.incidents.timeline import domain as timeline
from tocsin.incidents.timeline.store import TimelineStore
from tocsin.incidents.usecases import JSON, Deps, UseCases
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, RpcRequest, rpc_subject
from tocsin.shared.bus.connection import PRINCIPAL_HEADER
from tocsin.shared.contracts import incidents as c
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.db.idempotency import fingerprint_of
from tocsin.shared.db.tags import TagStore
from tocsin.shared.events import emit
from tocsin.shared.logging import bind, get_logger

__all__ = ["ACKNOWLEDGED", "AUTO_RESOLVE_TAG", "RECOVERED", "Ingestion", "Outcome",
           "client_token"]

log = get_logger(__name__)

RECOVERED = "Tocsin Trigger Recovered"
"""Timeline event: the alarm of an open incident is back to OK, its alert resolved."""
ACKNOWLEDGED = "Tocsin Trigger Acknowledged"
"""Timeline event: the alerting tool acknowledged the incident; its engagements stop."""
AUTO_RESOLVE_TAG = "tocsin:auto-resolve"
"""A response plan tagged with this key and the value ``true`` resolves its incidents when
their trigger recovers."""
INBOX = "incidents-ingestion"

Action = Literal["opened", "recovered", "acknowledged", "resolved", "ignored", "no-incident"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one alarm did to one plan."""

    action: Action
    incident_arn: str | None = None


def client_token(*parts: str) -> str:
    """The idempotency token of an alarm's effect: its parts joined, hashed when longer
    than the model's 128 characters."""
    token = "/".join(parts)
    return token if len(token) <= 128 else hashlib.sha256(token.encode()).hexdigest()


MAX_EVENT_DATA = 256 * 1024
"""Most timeline-event data one ``IncidentTriggersJoined`` event carries."""


def _pieces(entries: list[timeline.TimelineEvent]) -> list[list[c.TimelineEvent]]:
    """``entries`` in runs whose event data adds up to at most :data:`MAX_EVENT_DATA`."""
    pieces: list[list[c.TimelineEvent]] = []
    size = MAX_EVENT_DATA
    for entry in entries:
        length = len(entry.event_data) + 512
        if size + length > MAX_EVENT_DATA:
            pieces.append([])
            size = 0
        pieces[-1].append(entry)
        size += length
    return pieces


class Ingestion(UseCases):
    """Opens, recovers and acknowledges incidents on behalf of alarms."""

    def __init__(self, deps: Deps, bus: Bus | None) -> None:
        super().__init__(deps)
        self._handlers = Handlers(deps)
        self._bus = bus
        self.principal = self._arns.iam("role/tocsin-ingestion")
        """Who alarms act as when their carrier authenticated nobody in particular."""

    def plan_arn(self, name_or_arn: str) -> str:
        """The ARN of a response plan named by name or ARN."""
        return name_or_arn if name_or_arn.startswith("arn:") else \
            self._arns.response_plan(name_or_arn)

    def _request(self, operation: str, params: JSON, principal: str) -> RpcRequest:
        return RpcRequest(operation, codec.encode(params),
                          {PRINCIPAL_HEADER: principal or self.principal})

    async def open(self, plan_arn: str, trigger: Trigger, *, token: str,
                   principal: str = "", title: str | None = None,
                   impact: int | None = None) -> Outcome:
        """``StartIncident`` from the trigger (``title`` and ``impact`` override the plan's
        template); the incident opened or joined."""
        params = self._start_params(plan_arn, trigger, token)
        if title:
            params["title"] = title[:200]
        if impact is not None:
            params["impact"] = impact
        result = await self._handlers.start_incident(
            self._request("StartIncident", params, principal), from_alarm=True)
        arn = str(result["incidentRecordArn"])
        bind(incident_arn=arn)
        await self._recovered_already(plan_arn, trigger, principal=principal)
        return Outcome("opened", arn)

    async def _recovered_already(self, plan_arn: str, trigger: Trigger, *,
                                 principal: str) -> None:
        """Apply the trigger's recovery now when it is newer than the alarm that just
        opened (or joined) an incident: it was handled first."""
        if trigger.key is None:
            return
        row = await IngestionStore.recovery_after(self._pool, plan_arn, trigger.key,
                                                  trigger.timestamp)
        if row is None:
            return
        log.info("ingestion.recovered_before_opened", trigger_arn=trigger.trigger_arn)
        await self.recover(plan_arn, Trigger(**row["trigger"]), token=row["token"],
                           principal=principal, resolve=row["resolve"])

    def _start_params(self, plan_arn: str, trigger: Trigger, token: str) -> JSON:
        params: JSON = {"responsePlanArn": plan_arn,
                        "triggerDetails": trigger.trigger_details(), "clientToken": token}
        if trigger.dedupe_key:
            params["dedupeKey"] = trigger.dedupe_key
        return params

    async def join(self, plan_arn: str, incident_arn: str,
                   triggers: list[tuple[Trigger, str]], *, principal: str = "") -> bool:
        """Many duplicate starts of one open incident at once: what ``StartIncident`` does
        for each of them (its token recorded with the incident as result, one more
        ``SSM Incident Trigger`` on the timeline), in one transaction and one event
        (``IncidentTriggersJoined``, the new timeline events together), so an alarm storm
        costs a few statements and one published event per batch instead of a transaction
        and an event per alarm.

        A trigger whose token was recorded already (a redelivery) changes nothing. Returns
        False, changing nothing, when the incident is no longer open: the caller then
        starts each trigger on its own.
        """
        principal = principal or self.principal
        first: dict[str, tuple[Trigger, str]] = {}
        for trigger, token in triggers:
            first.setdefault(token, (trigger, token))  # one event delivered twice in a batch
        triggers = list(first.values())
        # Each start's parameters as StartIncident would get them: fingerprinted as they
        # are, not encoded and decoded again (a storm's thousands of alarms each carry
        # their raw event).
        params = [self._start_params(plan_arn, t, token) for t, token in triggers]
        async with transaction(self._pool) as conn:
            if await self._store.incident_status(conn, incident_arn, share=True) != "OPEN":
                return False
            fresh = await IngestionStore.record_start_tokens(
                conn, principal=principal, tokens=[token for _, token in triggers],
                fingerprints=[fingerprint_of(p, token_member="clientToken") for p in params],
                result={"incidentRecordArn": incident_arn})
            entries = [timeline.automatic(
                incident_arn, timeline.TRIGGER,
                domain.trigger_data(c.StartIncident(
                    response_plan_arn=plan_arn, trigger_details=c.TriggerDetails(
                        source=t.source, timestamp=t.timestamp, trigger_arn=t.trigger_arn,
                        raw_data=t.raw_data)), created=False),
                at=t.timestamp) for t, token in triggers if token in fresh]
            await TimelineStore.add(conn, entries, is_automatic=True)
            # One change, one event (in pieces that each fit a NATS message).
            await emit(conn, [
                c.IncidentTriggersJoined(incident_record_arn=incident_arn,
                                         timeline_events=piece, principal=principal)
                for piece in _pieces(entries)],
                region=self._region, now=self._clock.now(), incident_arn=incident_arn)
        return True

    async def _open_incident(self, conn: asyncpg.Connection, plan_arn: str,
                             key: str | None) -> tuple[str | None, bool]:
        """The open incident of the plan that the trigger key joins, and whether the plan
        asks for incidents to resolve when their trigger recovers."""
        plan = await self._plan(conn, plan_arn)
        dedupe = plan.incident_template.dedupe_string or key
        auto = (await TagStore.tags(conn, plan.arn)).get(AUTO_RESOLVE_TAG, "") == "true"
        if dedupe is None:
            return None, auto
        return await self._store.open_incident(conn, plan.name, dedupe,
                                               here=self._region), auto

    async def _note(self, conn: asyncpg.Connection, arn: str, event_type: str, data: JSON, *,
                    at: float, token: str) -> None:
        """An automatic timeline event, once per token."""
        if await already_processed(conn, consumer=INBOX, event_id=f"{event_type}|{token}"):
            return
        entry = timeline.automatic(arn, event_type, data, at=at)
        await TimelineStore.add(conn, [entry], is_automatic=True)
        await emit(conn, c.TimelineEventCreated(**msgspec.structs.asdict(entry),
                                                resource_version=1),
                   region=self._region, now=self._clock.now(), incident_arn=arn)

    async def recover(self, plan_arn: str, trigger: Trigger, *, token: str,
                      principal: str = "", resolve: bool = False) -> Outcome:
        """The trigger of the plan's open incident is over: a timeline event, and the
        incident resolved when ``resolve`` or the plan's auto-resolve tag says so."""
        async with transaction(self._pool) as conn:
            if trigger.key is not None:
                await IngestionStore.record_recovery(
                    conn, plan_arn=plan_arn, trigger_key=trigger.key,
                    recovered_at=trigger.timestamp, token=token,
                    trigger=dataclasses.asdict(trigger), resolve=resolve)
            arn, auto = await self._open_incident(conn, plan_arn, trigger.key)
            if arn is None:
                return Outcome("no-incident")
            bind(incident_arn=arn)
            data: JSON = {"incidentSource": trigger.source, "rawData": trigger.raw_data}
            if trigger.trigger_arn:
                data["triggerArn"] = trigger.trigger_arn
            if trigger.state:
                data["state"] = trigger.state
            await self._note(conn, arn, RECOVERED, data, at=trigger.timestamp, token=token)
        if not (resolve or auto):
            return Outcome("recovered", arn)
        await self._handlers.update_incident_record(self._request(
            "UpdateIncidentRecord", {"arn": arn, "status": "RESOLVED",
                                     "clientToken": client_token(token, "resolve")},
            principal))
        log.info("ingestion.resolved", trigger_arn=trigger.trigger_arn)
        return Outcome("resolved", arn)

    async def acknowledge(self, plan_arn: str, trigger: Trigger, *, token: str,
                          principal: str = "") -> Outcome:
        """Stop every engagement of the plan's open incident, and say so on its timeline."""
        async with self._pool.acquire() as conn:
            arn, _ = await self._open_incident(conn, plan_arn, trigger.key)
        if arn is None:
            return Outcome("no-incident")
        bind(incident_arn=arn)
        stopped = await self._stop_engagements(arn, reason=f"acknowledged by {trigger.source}")
        async with transaction(self._pool) as conn:
            await self._note(conn, arn, ACKNOWLEDGED, {
                "incidentSource": trigger.source, "rawData": trigger.raw_data,
                "stoppedEngagements": stopped}, at=trigger.timestamp, token=token)
        return Outcome("acknowledged", arn)

    async def _contacts(self, operation: str, params: JSON) -> JSON:
        if self._bus is None:
            raise errors.ServiceUnavailable("this instance has no connection to contacts")
        reply = await self._bus.request(rpc_subject("contacts", operation), params,
                                        timeout=10)
        out: JSON = codec.decode(reply, dict[str, Any]) if reply else {}
        return out

    async def _stop_engagements(self, incident_arn: str, *, reason: str) -> list[str]:
        arns: list[str] = []
        params: JSON = {"IncidentId": incident_arn}
        while True:
            page = await self._contacts("ListEngagements", params)
            arns += [str(e["EngagementArn"]) for e in page.get("Engagements", [])
                     if not e.get("StopTime")]
            if not page.get("NextToken"):
                break
            params = {**params, "NextToken": page["NextToken"]}
        for arn in arns:
            await self._contacts("StopEngagement", {"EngagementId": arn,
                                                    "Reason": reason[:255]})
        return arns
