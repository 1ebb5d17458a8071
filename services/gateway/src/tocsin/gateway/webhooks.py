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
The incidents service checks the key and does the work before the call is answered, so
a 2xx means the incident is committed, and a sender that gets no answer may retry.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from aiohttp import web

from tocsin.gateway import jsonapi
from tocsin.gateway.settings import Settings
from tocsin.shared import errors
from tocsin.shared.errors import TocsinError

__all__ = ["add_routes"]

API = "ssm-incidents"
PLAN_HEADER = "Tocsin-Response-Plan"

JSON = dict[str, Any]


class Client(Protocol):
    async def call(self, api: str, operation: str, params: dict[str, Any], *, principal: str,
                   request_id: str) -> dict[str, Any]: ...


def _pagerduty_error(exc: TocsinError) -> web.Response:
    if isinstance(exc, errors.ValidationError | errors.AccessDeniedError | errors.NotFoundError):
        return jsonapi.json_response({"status": "invalid event",
                                      "message": "Event object is invalid",
                                      "errors": [exc.message]}, status=400)
    if isinstance(exc, errors.ThrottlingError | errors.ServiceUnavailable):
        return jsonapi.json_response({"status": "throttle exceeded",
                                      "message": exc.message}, status=429)
    return jsonapi.json_response({"status": "error", "message": exc.message}, status=500)


def add_routes(app: web.Application, settings: Settings, client: Client) -> None:
    """Put the webhook endpoints on the gateway's HTTP app."""
    credentials, account = settings.credentials, settings.account

    async def credential(request: web.Request, body: bytes) -> tuple[str, str | None]:
        """The SigV4 principal, or the bearer integration key."""
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("AWS4-"):
            return jsonapi.signed_principal(request, body, credentials=credentials,
                                            account=account, region=settings.region,
                                            partition=settings.arn_partition), None
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() == "bearer" and key.strip():
            return "", key.strip()
        return "", None

    async def call(operation: str, params: JSON, principal: str) -> JSON:
        return await client.call(API, operation, params, principal=principal,
                                 request_id=uuid.uuid4().hex)

    async def alertmanager(request: web.Request) -> web.Response:
        body = await jsonapi.read_body(request)
        principal, key = await credential(request, body)
        result = await call("IngestAlertmanager", {
            "body": jsonapi.read_json(body), "integrationKey": key,
            "responsePlan": request.match_info["plan"]}, principal)
        return jsonapi.json_response(result)

    async def pagerduty(request: web.Request) -> web.Response:
        body = await jsonapi.read_body(request)
        principal, _ = await credential(request, body)
        result = await call("IngestPagerDuty", {"body": jsonapi.read_json(body, Any)},
                            principal)
        return jsonapi.json_response({k: result[k] for k in ("status", "message", "dedup_key")},
                                     status=202)

    async def events(request: web.Request) -> web.Response:
        body = await jsonapi.read_body(request)
        principal, key = await credential(request, body)
        params: JSON = {"body": jsonapi.read_json(body, list[Any]), "integrationKey": key}
        if request.headers.get(PLAN_HEADER):
            params["responsePlan"] = request.headers[PLAN_HEADER]
        return jsonapi.json_response(await call("IngestEvents", params, principal))

    app.router.add_post("/v1/alerts/alertmanager/{plan}", jsonapi.guarded(alertmanager))
    app.router.add_post("/v2/enqueue", jsonapi.guarded(pagerduty, on_error=_pagerduty_error))
    app.router.add_post("/v1/events", jsonapi.guarded(events))
