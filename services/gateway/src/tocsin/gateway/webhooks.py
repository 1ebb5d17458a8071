"""Webhooks on the gateway's HTTP port: alerting tools that push to Tocsin.

- ``POST /v1/alerts/alertmanager/<response-plan-name>``: a Prometheus Alertmanager
  ``webhook_config`` receiver, body unchanged. 200 ``{"status": "success", "alerts": [...]}``.
- ``POST /v2/enqueue``: the PagerDuty Events API v2, so a tool that speaks it needs only a
  new URL. PagerDuty's answers: 202 ``{"status": "success", "message": "Event processed",
  "dedup_key": ...}``; 400 ``{"status": "invalid event", "message": "Event object is
  invalid", "errors": [...]}``; 429 when Tocsin is busy.
- ``POST /v1/events``: a JSON list of EventBridge-shaped events (at most 100), routed to the
  plan of the key, the ``Tocsin-Response-Plan`` header, or the event rules. 200
  ``{"failedEntryCount", "entries"}`` (one entry per event, like EventBridge's PutEvents).

Every call needs a credential: a SigV4 signature with a Tocsin access key, or a plan's
integration key as ``Authorization: Bearer <key>`` (for PagerDuty, its ``routing_key``).
Each passes the gateway's pipeline as the Tocsin action ``tocsin:IngestAlertmanager``,
``tocsin:IngestPagerDuty`` or ``tocsin:IngestEvents`` on the plan named (``*`` when the
events name none); a key holder may do these and nothing else.
The incidents service checks the key and does the work before the call is answered, so
a 2xx means the incident is committed, and a sender that gets no answer may retry.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from tocsin.gateway import jsonapi
from tocsin.gateway.access import Access, Call, Face, Principal, integration_key_holder
from tocsin.gateway.settings import Settings
from tocsin.shared import errors
from tocsin.shared.errors import TocsinError

__all__ = ["add_routes"]

API = "ssm-incidents"
PLAN_HEADER = "Tocsin-Response-Plan"

JSON = dict[str, Any]


def _pagerduty_error(exc: TocsinError) -> web.Response:
    if isinstance(exc, errors.ValidationError | errors.AccessDeniedError | errors.NotFoundError):
        return jsonapi.json_response({"status": "invalid event",
                                      "message": "Event object is invalid",
                                      "errors": [exc.message]}, status=400)
    if isinstance(exc, errors.ThrottlingError | errors.ServiceUnavailable):
        return jsonapi.json_response({"status": "throttle exceeded",
                                      "message": exc.message}, status=429)
    return jsonapi.json_response({"status": "error", "message": exc.message}, status=500)


def add_routes(app: web.Application, settings: Settings, access: Access) -> None:
    """Put the webhook endpoints on the gateway's HTTP app."""
    key_holder = integration_key_holder(settings.account)

    def credential(request: web.Request, body: bytes) -> tuple[Principal, str | None]:
        """The SigV4 principal, or the holder of the bearer integration key."""
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("AWS4-"):
            return access.authenticator.http(request, body,
                                             service=jsonapi.SIGNING_NAMES), None
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() == "bearer" and key.strip():
            return key_holder, key.strip()
        return key_holder, None

    async def call(request: web.Request, operation: str, params: JSON, principal: Principal,
                   plan: str | None) -> JSON:
        resources = (_plan_arn(settings, plan),) if plan else ()
        ingest = access.http_call(request, face=Face.WEBHOOK, api="tocsin",
                                  operation=operation, principal=principal, params=params,
                                  request_id=uuid.uuid4().hex)
        ingest.resources = resources

        async def run(c: Call) -> JSON:
            return await access.gate.client.call(API, operation, params,
                                                 principal=c.principal.arn,
                                                 request_id=c.request_id)

        result: JSON = await access.gate(ingest, run)
        return result

    async def alertmanager(request: web.Request) -> web.Response:
        body = await jsonapi.read_body(request)
        principal, key = credential(request, body)
        plan = request.match_info["plan"]
        result = await call(request, "IngestAlertmanager", {
            "body": jsonapi.read_json(body), "integrationKey": key,
            "responsePlan": plan}, principal, plan)
        return jsonapi.json_response(result)

    async def pagerduty(request: web.Request) -> web.Response:
        body = await jsonapi.read_body(request)
        principal, _ = credential(request, body)
        result = await call(request, "IngestPagerDuty", {"body": jsonapi.read_json(body, Any)},
                            principal, None)
        return jsonapi.json_response({k: result[k] for k in ("status", "message", "dedup_key")},
                                     status=202)

    async def events(request: web.Request) -> web.Response:
        body = await jsonapi.read_body(request)
        principal, key = credential(request, body)
        params: JSON = {"body": jsonapi.read_json(body, list[Any]), "integrationKey": key}
        plan = request.headers.get(PLAN_HEADER) or None
        if plan:
            params["responsePlan"] = plan
        return jsonapi.json_response(await call(request, "IngestEvents", params, principal,
                                                plan))

    app.router.add_post("/v1/alerts/alertmanager/{plan}", jsonapi.guarded(alertmanager))
    app.router.add_post("/v2/enqueue", jsonapi.guarded(pagerduty, on_error=_pagerduty_error))
    app.router.add_post("/v1/events", jsonapi.guarded(events))


def _plan_arn(settings: Settings, plan: str) -> str:
    """A plan named by name or ARN, as an ARN (the resource an ingestion acts on)."""
    return plan if plan.startswith("arn:") else \
        settings.arns.incidents(f"response-plan/{plan}")
