"""What people and providers send to Tocsin's HTTP port without AWS credentials.

- ``GET /v1/ack/<token>`` — the page an acknowledgement link opens: what it acknowledges and
  a button. It acknowledges nothing, because mail scanners and link previews fetch every
  link they see.
- ``POST /v1/ack/<token>`` — the button: acknowledges the page (once; the link expires).
- ``POST /v1/inbound/<provider>/<action>[/<token>]`` — a provider's webhook: ``sms``
  (inbound text), ``voice`` (a key press, the token naming the page), ``status`` (delivery
  report, the token naming the delivery request).
- ``POST /v1/chat/slack/commands`` — a Slack slash command (Slack signs it; the
  notifications service holds the signing secret and answers in Slack's format).

All of it is handed unchanged to the notifications service over NATS
(:mod:`tocsin.shared.contracts.notifications`), which holds the providers' secrets and
verifies the signatures; the gateway keeps no secret of theirs.
"""

from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tocsin.gateway import jsonapi
from tocsin.gateway.access import ANONYMOUS, Access, Call, Face
from tocsin.shared import codec
from tocsin.shared.bus import Bus, rpc_subject
from tocsin.shared.contracts import notifications as nc
from tocsin.shared.errors import NotFoundError, TocsinError
from tocsin.shared.logging import get_logger

__all__ = ["add_routes"]

log = get_logger(__name__)

MAX_WEBHOOK_BODY = 64 * 1024


def add_routes(app: web.Application, bus: Bus, access: Access, *, timeout: float) -> None:
    """Add the acknowledgement and inbound-webhook routes to the gateway's application."""
    routes = _Inbound(bus, access, timeout)
    app.router.add_get("/v1/ack/{token}", routes.show_link)
    app.router.add_post("/v1/ack/{token}", routes.use_link)
    app.router.add_post("/v1/inbound/{provider}/{action}", routes.webhook)
    app.router.add_post("/v1/inbound/{provider}/{action}/{token}", routes.webhook)
    app.router.add_post("/v1/chat/slack/commands", routes.slack)


class _Inbound:
    def __init__(self, bus: Bus, access: Access, timeout: float) -> None:
        self._bus = bus
        self._access = access
        self._timeout = timeout

    async def _call(self, request: web.Request, operation: str, payload: Any,
                    params: dict[str, Any]) -> dict[str, Any]:
        """``operation`` of the notifications service through the gateway's pipeline, as
        :data:`~tocsin.gateway.access.ANONYMOUS` (``params`` is what the pipeline sees; the
        payload goes to the service unchanged)."""
        async def forward(call: Call) -> dict[str, Any]:
            reply = await self._bus.request(rpc_subject("notifications", operation), payload,
                                            timeout=self._timeout)
            result: dict[str, Any] = codec.decode(reply, dict[str, Any]) if reply else {}
            return result

        call = self._access.http_call(request, face=Face.INBOUND, api="tocsin",
                                      operation=operation, principal=ANONYMOUS,
                                      params=params, request_id=uuid.uuid4().hex)
        call.resources = ("*",)
        result: dict[str, Any] = await self._access.gate(call, forward)
        return result

    async def show_link(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            link = await self._call(request, "DescribeAckLink", {"Token": token}, {})
        except TocsinError as exc:
            return _page("Link not valid", exc.message, status=_status(exc))
        subject = html.escape(str(link.get("Subject", "")))
        if link.get("Used"):
            return _page("Already acknowledged", f"The page “{subject}” was acknowledged.")
        expires = datetime.fromtimestamp(float(link.get("ExpiresAt", 0)), UTC)
        form = (f"<p>You were paged: <strong>{subject}</strong></p>"
                f"<p>Page {html.escape(str(link.get('PageArn', '')))}</p>"
                f"<form method=\"post\"><button type=\"submit\">Acknowledge</button></form>"
                f"<p>This link works once, until {expires:%Y-%m-%d %H:%M} UTC.</p>")
        return _page("Acknowledge this page", form, raw=True)

    async def use_link(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            link = await self._call(request, "AcknowledgeLink", {"Token": token}, {})
        except TocsinError as exc:
            return _page("Not acknowledged", exc.message, status=_status(exc))
        return _page("Acknowledged", f"The page “{link.get('Subject', '')}” is acknowledged. "
                     "Thank you.")

    async def webhook(self, request: web.Request) -> web.Response:
        return await self._forward(request, "Inbound", request.match_info["provider"],
                                   request.match_info["action"])

    async def slack(self, request: web.Request) -> web.Response:
        return await self._forward(request, "SlackCommand", "slack", "commands")

    async def _forward(self, request: web.Request, operation: str, provider: str,
                       action: str) -> web.Response:
        try:
            body = await request.content.read(MAX_WEBHOOK_BODY + 1)
        except jsonapi.UNREADABLE_BODY:
            jsonapi.abandon_body(request)
            return web.Response(status=400, text="body not decodable as its Content-Encoding "
                                                 "says")
        if len(body) > MAX_WEBHOOK_BODY:
            return web.Response(status=413, text="body too large")
        inbound = nc.Inbound(provider=provider, action=action,
                             token=request.match_info.get("token", ""),
                             path=request.raw_path, headers=dict(request.headers), body=body)
        try:
            reply = await self._call(request, operation, inbound,
                                     {"provider": provider, "action": action})
        except TocsinError as exc:
            log.info("inbound.refused", code=exc.aws_code, error=exc.message)
            return web.Response(status=_status(exc), text=exc.message)
        return web.Response(status=int(reply.get("Status", 200)),
                            content_type=str(reply.get("ContentType", "text/plain")),
                            text=str(reply.get("Body", "")))


def _status(exc: TocsinError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    return exc.http_status if exc.http_status != 500 else 503


def _page(title: str, text: str, *, status: int = 200, raw: bool = False) -> web.Response:
    content = text if raw else f"<p>{html.escape(text)}</p>"
    body = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>Tocsin: "
            f"{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
            f"{content}</body></html>")
    return web.Response(status=status, text=body, content_type="text/html")
