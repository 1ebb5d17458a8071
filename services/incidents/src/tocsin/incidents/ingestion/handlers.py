"""Tocsin's own operations of alarm ingestion (beside the 31 of ``ssm-incidents``): what
the gateway's webhooks hand over, and the dead-letter counts.

Each webhook operation takes ``{"body": <the sender's JSON, unchanged>}`` plus its
credential: ``integrationKey`` (a key of the plan, see
:mod:`tocsin.incidents.administration`), or the SigV4-authenticated caller in
``Tocsin-Principal``. A key acts for its own plan only.

- ``IngestEvents``: a list of EventBridge-shaped events (``POST /v1/events``). With a key
  they go to its plan; signed, to ``responsePlan`` when given, else by the event rules.
  Each event gets an entry: the incidents it reached, or ``errorCode``/``errorMessage``.
- ``IngestAlertmanager``: Alertmanager's webhook body for the plan ``responsePlan``. Each
  alert is keyed by its fingerprint: ``firing`` opens an incident or joins the open one,
  ``resolved`` writes a recovery on it (and resolves it when the plan is tagged
  ``tocsin:auto-resolve``).
- ``IngestPagerDuty``: a PagerDuty Events API v2 event. ``routing_key`` is an integration
  key, or (signed) a plan's name or ARN; ``trigger``/``acknowledge``/``resolve`` act on the
  open incident of ``dedup_key``: acknowledge stops its engagements, resolve resolves it.
- ``GetIngestionStats``: dead-lettered alarm messages by reason, across every instance.

Retrying a webhook call is safe: each alert or event's effect has an idempotency token
made from what identifies it (event id; fingerprint and start; dedup key and body).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from tocsin.incidents.administration.handlers import IntegrationKeyHandlers
from tocsin.incidents.ingestion import domain as alarms
from tocsin.incidents.ingestion.alarm_stream import Route, Router, apply
from tocsin.incidents.ingestion.domain import Malformed, Trigger
from tocsin.incidents.ingestion.store import IngestionStore
from tocsin.incidents.ingestion.triggers import Ingestion, Outcome, client_token
from tocsin.incidents.usecases import JSON, Deps
from tocsin.shared import errors
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.db.idempotency import TokenReused
from tocsin.shared.logging import get_logger

__all__ = ["ALERTMANAGER_SOURCE", "PAGERDUTY_SOURCE", "operations"]

ALERTMANAGER_SOURCE = "tocsin.alertmanager"
PAGERDUTY_SOURCE = "tocsin.pagerduty"
MAX_EVENTS = 100


class _In(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    integration_key: str | None = None
    response_plan: str | None = None


class EventsIn(_In, frozen=True):
    body: Annotated[list[Any], Meta(max_length=MAX_EVENTS)]


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    status: Literal["firing", "resolved"]
    fingerprint: Annotated[str, Meta(min_length=1, max_length=256)]
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    startsAt: str | None = None  # Alertmanager's own member names
    endsAt: str | None = None
    generatorURL: str | None = None


class AlertmanagerBody(msgspec.Struct, frozen=True, kw_only=True):
    alerts: list[Alert]
    receiver: str = ""
    externalURL: str = ""


class AlertmanagerIn(_In, frozen=True):
    body: AlertmanagerBody


Severity = Literal["critical", "error", "warning", "info"]


class PagerDutyPayload(msgspec.Struct, frozen=True, kw_only=True):
    summary: Annotated[str, Meta(min_length=1, max_length=1024)]
    source: Annotated[str, Meta(min_length=1, max_length=255)]
    severity: Severity
    timestamp: str | None = None
    component: str | None = None
    group: str | None = None
    custom_details: Any = None


class PagerDutyEvent(msgspec.Struct, frozen=True, kw_only=True):
    routing_key: Annotated[str, Meta(min_length=1, max_length=256)]
    event_action: Literal["trigger", "acknowledge", "resolve"]
    dedup_key: Annotated[str, Meta(min_length=1, max_length=255)] | None = None
    payload: PagerDutyPayload | None = None


class PagerDutyIn(_In, frozen=True):
    body: Any


IMPACT = {"critical": 1, "error": 2, "warning": 3, "info": 4}
"""A PagerDuty severity as an incident's impact."""


log = get_logger(__name__)

def _digest(value: Any) -> str:
    return hashlib.sha256(msgspec.json.encode(value, order="sorted")).hexdigest()[:32]


class WebhookHandlers:
    """The webhook operations; each authenticates, then hands over to :class:`Ingestion`."""

    def __init__(self, deps: Deps, ingestion: Ingestion, router: Router) -> None:
        self._deps = deps
        self._ingestion = ingestion
        self._router = router
        self._keys = IntegrationKeyHandlers(deps)

    async def _key_plan(self, key: str) -> str:
        plan = await self._keys.plan_of(self._deps.pool, key)
        if plan is None:
            raise errors.AccessDeniedError("The integration key is not valid")
        return plan

    async def _credential(self, req: RpcRequest, cmd: _In) -> tuple[str | None, str]:
        """The plan the credential is bound to (None for a signed call) and the principal.

        Raises:
            AccessDeniedError: no credential, or a key that is not one.
        """
        if cmd.integration_key:
            return await self._key_plan(cmd.integration_key), ""
        if req.principal:
            return None, req.principal
        raise errors.AccessDeniedError(
            "Send an integration key (Authorization: Bearer <key>) or sign with SigV4")

    # --- POST /v1/events ------------------------------------------------------------------

    async def ingest_events(self, req: RpcRequest) -> JSON:
        cmd: EventsIn = req.decode(EventsIn)
        bound_plan, principal = await self._credential(req, cmd)
        plan = bound_plan or (self._ingestion.plan_arn(cmd.response_plan)
                              if cmd.response_plan else None)
        now = self._deps.clock.now().timestamp()
        entries: list[JSON] = []
        for raw in cmd.body:
            entries.append(await self._one_event(raw, plan, principal, now))
        return {"failedEntryCount": sum(1 for e in entries if "errorCode" in e),
                "entries": entries}

    async def _one_event(self, raw: Any, plan: str | None, principal: str,
                         now: float) -> JSON:
        try:
            event = alarms.check_event(raw)
        except Malformed as exc:
            return {"errorCode": "MalformedEvent", "errorMessage": str(exc)}
        entry: JSON = {"eventId": event["id"]}
        routes = [Route(plan)] if plan else list(await self._router(event))
        if not routes:
            return {**entry, "errorCode": "Unroutable",
                    "errorMessage": "no responsePlan given and no event rule matches"}
        arns: list[str] = []
        for route in routes:
            try:
                trigger = alarms.to_trigger(event, rule_arn=route.rule_arn, received=now)
                outcome = await apply(self._ingestion, route, trigger, principal=principal)
            except Malformed as exc:
                return {**entry, "errorCode": "MalformedEvent", "errorMessage": str(exc)}
            except errors.TocsinError as exc:
                if exc.retryable:
                    raise
                return {**entry, "errorCode": exc.aws_code, "errorMessage": exc.message}
            if outcome.incident_arn:
                arns.append(outcome.incident_arn)
        return {**entry, "incidentRecordArns": arns}

    # --- Alertmanager -----------------------------------------------------------------------

    async def ingest_alertmanager(self, req: RpcRequest) -> JSON:
        cmd: AlertmanagerIn = req.decode(AlertmanagerIn)
        if not cmd.response_plan:
            raise errors.ValidationError("the URL names no response plan")
        plan = self._ingestion.plan_arn(cmd.response_plan)
        bound_plan, principal = await self._credential(req, cmd)
        if bound_plan is not None and bound_plan != plan:
            raise errors.AccessDeniedError(
                f"The integration key is not a key of response plan {cmd.response_plan}")
        now = self._deps.clock.now().timestamp()
        results: list[JSON] = []
        for alert in cmd.body.alerts:
            trigger = _alert_trigger(alert, cmd.body, now=now)
            title = alert.annotations.get("summary") or alert.labels.get("alertname")
            if trigger.kind == "open":
                outcome = await self._ingestion.open(plan, trigger, token=client_token(
                    trigger.event_id), principal=principal, title=title)
            else:
                outcome = await self._ingestion.recover(
                    plan, trigger, token=client_token(trigger.event_id), principal=principal)
            results.append({"fingerprint": alert.fingerprint, "action": outcome.action,
                            **({"incidentRecordArn": outcome.incident_arn}
                               if outcome.incident_arn else {})})
        return {"status": "success", "alerts": results}

    # --- PagerDuty Events API v2 ----------------------------------------------------------

    async def ingest_pagerduty(self, req: RpcRequest) -> JSON:
        cmd: PagerDutyIn = req.decode(PagerDutyIn)
        try:
            event = msgspec.convert(cmd.body, PagerDutyEvent)
        except msgspec.ValidationError as exc:
            raise errors.ValidationError(str(exc)) from None
        if event.event_action == "trigger" and event.payload is None:
            raise errors.ValidationError("'payload' is missing or blank")
        if event.event_action != "trigger" and not event.dedup_key:
            raise errors.ValidationError("'dedup_key' is missing or blank")
        plan = await self._keys.plan_of(self._deps.pool, event.routing_key)
        principal = ""
        if plan is None:
            if not req.principal:
                raise errors.AccessDeniedError(
                    "routing_key is not an integration key; to name a response plan, "
                    "sign the request with SigV4")
            plan, principal = self._ingestion.plan_arn(event.routing_key), req.principal
        dedup = event.dedup_key or str(uuid.uuid4())
        now = self._deps.clock.now().timestamp()
        at = now
        if event.payload and event.payload.timestamp:
            try:
                at = alarms.parse_time(event.payload.timestamp, fallback=now)
            except Malformed as exc:
                raise errors.ValidationError(f"payload.timestamp: {exc}") from None
        body = msgspec.to_builtins(event)
        body.pop("routing_key", None)  # a credential: never stored
        trigger = Trigger(kind="open" if event.event_action == "trigger" else "recover",
                          event_id=f"pagerduty/{dedup}/{_digest(body)}",
                          source=PAGERDUTY_SOURCE, timestamp=at, trigger_arn=None,
                          raw_data=alarms.raw_data(body)[:alarms.MAX_RAW_DATA],
                          dedupe_key=f"pagerduty:{dedup}")
        token = client_token(trigger.event_id)
        outcome: Outcome
        try:
            if event.event_action == "trigger":
                assert event.payload is not None
                outcome = await self._ingestion.open(plan, trigger, token=token,
                                                     principal=principal,
                                                     title=event.payload.summary,
                                                     impact=IMPACT[event.payload.severity])
            elif event.event_action == "acknowledge":
                outcome = await self._ingestion.acknowledge(plan, trigger, token=token,
                                                            principal=principal)
            else:
                outcome = await self._ingestion.recover(plan, trigger, token=token,
                                                        principal=principal, resolve=True)
        except TokenReused:
            # The token is the event's dedup key and body: this very event was handled
            # before, received at another time (its receipt time is its timestamp when the
            # payload has none). A resend is accepted again, as PagerDuty accepts it.
            log.info("pagerduty.resent", dedup_key=dedup)
            outcome = Outcome("ignored")
        return {"status": "success", "message": "Event processed", "dedup_key": dedup,
                "action": outcome.action,
                **({"incidentRecordArn": outcome.incident_arn} if outcome.incident_arn
                   else {})}


def _alert_trigger(alert: Alert, body: AlertmanagerBody, *, now: float) -> Trigger:
    """An Alertmanager alert as a trigger: keyed by its fingerprint, a firing alert's
    effect once per start (Alertmanager repeats notifications), a resolution once."""
    firing = alert.status == "firing"
    when = alert.startsAt if firing else alert.endsAt
    try:
        at = alarms.parse_time(when, fallback=now) if when else now
    except Malformed as exc:
        raise errors.ValidationError(f"alert {alert.fingerprint}: {exc}") from None
    raw = {"receiver": body.receiver, "externalURL": body.externalURL,
           **msgspec.to_builtins(alert)}
    return Trigger(kind="open" if firing else "recover",
                   event_id=f"alertmanager/{alert.fingerprint}/{alert.startsAt}/{alert.status}",
                   source=ALERTMANAGER_SOURCE, timestamp=at, trigger_arn=None,
                   raw_data=alarms.raw_data(raw), dedupe_key=f"alertmanager:{alert.fingerprint}")


def operations(deps: Deps, ingestion: Ingestion, router: Router) -> Mapping[str, Handler]:
    """Operation name → handler."""
    h = WebhookHandlers(deps, ingestion, router)

    async def get_ingestion_stats(req: RpcRequest) -> JSON:
        return {"deadLettered": await IngestionStore.dead_letter_counts(deps.pool)}

    return {"IngestEvents": h.ingest_events, "IngestAlertmanager": h.ingest_alertmanager,
            "IngestPagerDuty": h.ingest_pagerduty, "GetIngestionStats": get_ingestion_stats}
