"""``DescribeDelivery`` by page: the operation of Tocsin's own API (``Tocsin.DescribeDelivery``
``{"pageArn"}``, ``models/tocsin``), and its alias ``GET /v1/deliveries?pageArn=<page ARN>``,
SigV4-signed like the rest of Tocsin's ``/v1`` JSON API (any signing name; ``tocsin`` is
usual).

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
from tocsin.gateway.access import Access, Face
from tocsin.shared.errors import ValidationError

__all__ = ["add_routes", "camel", "describe_page"]


class Client(Protocol):
    async def call(self, api: str, operation: str, params: dict[str, Any], *, principal: str,
                   request_id: str) -> dict[str, Any]: ...

    async def call_service(self, service: str, operation: str, params: dict[str, Any], *,
                           principal: str, request_id: str) -> dict[str, Any]: ...


def camel(value: Any) -> Any:
    """The notifications service's PascalCase reply in the ``/v1`` API's camelCase."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


async def describe_page(client: Client, page_arn: str, *, principal: str,
                   request_id: str) -> dict[str, Any]:
    """Every delivery request of the page, in camelCase.

    Raises:
        NotFoundError: no such page (``ResourceNotFoundException``).
    """
    # The page must exist (ResourceNotFoundException otherwise), and the caller may read it.
    await client.call("ssm-contacts", "DescribePage", {"PageId": page_arn},
                      principal=principal, request_id=request_id)
    reply = await client.call_service("notifications", "DescribeDelivery",
                                      {"PageArn": page_arn}, principal=principal,
                                      request_id=request_id)
    result: dict[str, Any] = camel(reply)
    return result


def add_routes(app: web.Application, access: Access) -> None:
    """Put ``GET /v1/deliveries`` on the gateway's HTTP app: ``Tocsin.DescribeDelivery``
    through the gateway's pipeline."""

    async def describe(request: web.Request) -> web.Response:
        raw = await jsonapi.read_body(request)
        principal = access.authenticator.http(request, raw, service=jsonapi.SIGNING_NAMES)
        page_arn = request.query.get("pageArn", "")
        if not page_arn:
            raise ValidationError("GET /v1/deliveries needs the query parameter pageArn "
                                  "(a page ARN, as ListPagesByEngagement gives)")
        call = access.http_call(request, face=Face.V1, api="tocsin",
                                operation="DescribeDelivery", principal=principal,
                                params={"pageArn": page_arn}, request_id=uuid.uuid4().hex)
        return jsonapi.json_response(await access.gate(call))

    app.router.add_get("/v1/deliveries", jsonapi.guarded(describe))
