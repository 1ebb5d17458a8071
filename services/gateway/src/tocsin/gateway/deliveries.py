"""``GET /v1/deliveries?pageArn=<page ARN>``: ``DescribeDelivery`` by page, SigV4-signed like
the rest of Tocsin's ``/v1`` JSON API (any signing name; ``tocsin`` is usual).

It answers where each delivery request of the page stands (one per channel per stage,
retry or round), from the notifications service: its state, attempts, provider, why it
waits and until when, its last error, and how often it was sent again after an
interrupted send::

    {"pageArn": "...", "deliveries": [{"deliveryId", "kind", "channelType", "channelArn",
     "state", "attempts", "resends", "provider"?, "delayReason"?, "expectedSendAt"?,
     "receivedAt", "sentAt"?, "lastError"?, "priority"}]}

A page that does not exist is a ``ResourceNotFoundException`` (404); a page whose requests
the notifications service has not taken yet has an empty list.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from aiohttp import web

from tocsin.gateway import jsonapi
from tocsin.gateway.settings import Settings
from tocsin.shared import codec
from tocsin.shared.bus import Bus, rpc_subject
from tocsin.shared.bus.connection import PRINCIPAL_HEADER
from tocsin.shared.errors import ValidationError

__all__ = ["add_routes", "camel"]


class Client(Protocol):
    async def call(self, api: str, operation: str, params: dict[str, Any], *, principal: str,
                   request_id: str) -> dict[str, Any]: ...


def camel(value: Any) -> Any:
    """The notifications service's PascalCase reply in the ``/v1`` API's camelCase."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


def add_routes(app: web.Application, settings: Settings, client: Client, bus: Bus) -> None:
    """Put ``GET /v1/deliveries`` on the gateway's HTTP app."""

    async def describe(request: web.Request) -> web.Response:
        raw = await jsonapi.read_body(request)
        principal = jsonapi.signed_principal(request, raw, credentials=settings.credentials,
                                             account=settings.account)
        page_arn = request.query.get("pageArn", "")
        if not page_arn:
            raise ValidationError("GET /v1/deliveries needs the query parameter pageArn "
                                  "(a page ARN, as ListPagesByEngagement gives)")
        request_id = uuid.uuid4().hex
        # The page must exist (ResourceNotFoundException otherwise), and the caller may read it.
        await client.call("ssm-contacts", "DescribePage", {"PageId": page_arn},
                          principal=principal, request_id=request_id)
        reply = await bus.request(
            rpc_subject("notifications", "DescribeDelivery"), {"PageArn": page_arn},
            timeout=settings.rpc_timeout,
            headers={PRINCIPAL_HEADER: principal, "Tocsin-Request-Id": request_id})
        return jsonapi.json_response(camel(codec.decode(reply, dict[str, Any])))

    app.router.add_get("/v1/deliveries", jsonapi.guarded(describe))
