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
from collections.abc import Awaitable, Callable
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

    def bearer(request: web.Request) -> str | None:
        """The integration key of ``Authorization: Bearer <key>``, if that is the header."""
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        return key.strip() if scheme.lower() == "bearer" and key.strip() else None

    async def ingest(request: web.Request, operation: str, plan: str | None,
                     params_of: Callable[[bytes], JSON], *, key_in_body: bool = False) -> JSON:
        """Run ``operation`` with the input ``params_of`` makes of the body.

        A signed call is read, then verified (the signature covers the body). A call with
        an integration key has its key checked by the incidents service *before* its body
        is read: a sender without a valid key cannot make the gateway take in megabytes.
        (PagerDuty's ``routing_key`` is inside the body; that sender's body is read first.)
        """
        seen: JSON = {"responsePlan": plan} if plan else {}
        if request.headers.get("Authorization", "").startswith("AWS4-"):
            body = await jsonapi.read_body(request)
            principal: Principal = access.authenticator.http(
                request, body, service=jsonapi.SIGNING_NAMES)
            params = params_of(body)
            return await through_gate(request, operation, principal, seen, plan,
                                      lambda: _ready(params))
        key = bearer(request)

        async def checked_then_read() -> JSON:
            if key is None and not key_in_body:
                raise errors.AccessDeniedError(
                    "Send an integration key (Authorization: Bearer <key>) or sign with SigV4")
            if key is not None:
                # An Alertmanager URL names its plan, which must be the key's; /v1/events
                # goes to the key's plan whatever its header says.
                named = plan if operation == "IngestAlertmanager" else None
                await access.gate.client.call(
                    API, "CheckIntegrationKey", {"integrationKey": key, "responsePlan": named},
                    principal="", request_id=uuid.uuid4().hex)
            params = params_of(await jsonapi.read_body(request))
            return {**params, "integrationKey": key} if key is not None else params

        return await through_gate(request, operation, key_holder,
                                  {**seen, "integrationKey": key}, plan, checked_then_read)

    async def through_gate(request: web.Request, operation: str, principal: Principal,
                           seen: JSON, plan: str | None,
                           params: Callable[[], Awaitable[JSON]]) -> JSON:
        """One pass through the pipeline: ``seen`` is what its steps see (no body: the
        alerts are the incident's business, not the audit trail's), ``params`` what the
        incidents service gets."""
        call = access.http_call(request, face=Face.WEBHOOK, api="tocsin",
                                operation=operation, principal=principal, params=seen,
                                request_id=uuid.uuid4().hex)
        call.resources = (_plan_arn(settings, plan),) if plan else ()

        async def run(c: Call) -> JSON:
            return await access.gate.client.call(API, operation, await params(),
                                                 principal=c.principal.arn,
                                                 request_id=c.request_id)

        result: JSON = await access.gate(call, run)
        return result

    async def alertmanager(request: web.Request) -> web.Response:
        plan = request.match_info["plan"]
        result = await ingest(request, "IngestAlertmanager", plan, lambda body: {
            "body": jsonapi.read_json(body), "responsePlan": plan})
        return jsonapi.json_response(result)

    async def pagerduty(request: web.Request) -> web.Response:
        result = await ingest(request, "IngestPagerDuty", None, lambda body: {
            "body": jsonapi.read_json(body, Any)}, key_in_body=True)
        return jsonapi.json_response({k: result[k] for k in ("status", "message", "dedup_key")},
                                     status=202)

    async def events(request: web.Request) -> web.Response:
        plan = request.headers.get(PLAN_HEADER) or None

        def params(body: bytes) -> JSON:
            out: JSON = {"body": jsonapi.read_json(body, list[Any])}
            if plan:
                out["responsePlan"] = plan
            return out

        return jsonapi.json_response(await ingest(request, "IngestEvents", plan, params))

    app.router.add_post("/v1/alerts/alertmanager/{plan}", jsonapi.guarded(alertmanager))
    app.router.add_post("/v2/enqueue", jsonapi.guarded(pagerduty, on_error=_pagerduty_error))
    app.router.add_post("/v1/events", jsonapi.guarded(events))


async def _ready(params: JSON) -> JSON:
    return params


def _plan_arn(settings: Settings, plan: str) -> str:
    """A plan named by name or ARN, as an ARN (the resource an ingestion acts on)."""
    return plan if plan.startswith("arn:") else \
        settings.arns.incidents(f"response-plan/{plan}")
