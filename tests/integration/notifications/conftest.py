"""The notifications service with what it talks to, all real, in the test's event loop.

- a real SMTP server (aiosmtpd, with AUTH) whose mailbox the tests read;
- local HTTP servers that speak the providers' API shapes (Twilio's Messages and Calls,
  the generic signed webhook) and record what they received; each can be told to fail
  (HTTP 500) or to hang past the provider's timeout;
- the contacts service, the gateway (for links and inbound webhooks) and the
  notifications service, on the test's own schemas and region.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email
import email.policy
import hmac
import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qsl

import pytest
import pytest_asyncio
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tocsin.contacts import app as contacts_app
from tocsin.contacts.settings import Settings as ContactsSettings
from tocsin.gateway import app as gateway_app
from tocsin.gateway.http import HttpGateway
from tocsin.gateway.settings import Settings as GatewaySettings
from tocsin.incidents import app as incidents_app
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.local.servers import free_port
from tocsin.notifications import app as notifications_app
from tocsin.notifications.delivery.providers import twilio_signature, webhook_signature
from tocsin.notifications.settings import Settings as NotificationsSettings
from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.clock import Clock, installed
from tocsin.shared.errors import ServiceUnavailable, TocsinError
from tocsin.shared.testing import running, wait_for

SMTP_USER, SMTP_PASSWORD = "tocsin", "smtp-secret"
TWILIO_SID, TWILIO_TOKEN = "AC0123456789", "twilio-auth-token"
WEBHOOK_SECRET = "webhook-secret"


class Mailbox:
    """What the SMTP server accepted, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.logins: list[str] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == SMTP_USER
              and auth_data.password.decode() == SMTP_PASSWORD)
        if ok:
            self.logins.append(SMTP_USER)
        return AuthResult(success=ok)

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port,
                            authenticator=box.authenticate, auth_require_tls=False)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


class ProviderServer:
    """A local HTTP server speaking Twilio's API and the generic webhook's."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.requests: list[dict[str, Any]] = []
        self.mode = "ok"
        """``ok``, ``fail`` (HTTP 500), ``refuse`` (HTTP 400, Twilio's "not a valid phone
        number") or ``hang`` (answers after 30 s)."""
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._released = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _misbehave(self) -> web.Response | None:
        if self.mode == "fail":
            return web.json_response({"code": 20500, "message": "Internal Server Error"},
                                     status=500)
        if self.mode == "refuse":
            return web.json_response({"code": 21211, "message": "Invalid 'To' Phone Number"},
                                     status=400)
        if self.mode == "hang":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), 30)
        return None

    async def _twilio(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"code": 20003, "message": "Authenticate"}, status=401)
        if request.match_info["sid"] != TWILIO_SID:
            return web.json_response({"code": 20404}, status=404)
        bad = await self._misbehave()
        if bad is not None:
            return bad
        form = dict(parse_qsl((await request.read()).decode()))
        kind = request.match_info["resource"]
        self.requests.append({"kind": kind, **form})
        prefix = "SM" if kind == "Messages" else "CA"
        return web.json_response({"sid": f"{prefix}{len(self.requests):032d}",
                                  "status": "queued"}, status=201)

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.read()
        signature = request.headers.get("X-Tocsin-Signature", "")
        expected = webhook_signature(WEBHOOK_SECRET, body, url=str(request.url),
                                     timestamp=request.headers.get("X-Tocsin-Timestamp", ""))
        if not hmac.compare_digest(signature, expected):
            return web.json_response({"message": "bad signature"}, status=401)
        bad = await self._misbehave()
        if bad is not None:
            return bad
        data = json.loads(body)
        self.requests.append({"kind": "webhook", "at": time.monotonic(),
                              "idempotencyKey": request.headers.get("Idempotency-Key"), **data})
        return web.json_response({"id": f"wh-{len(self.requests)}"})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/{resource}.json", self._twilio)
        app.router.add_post("/send", self._webhook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    def release(self) -> None:
        """Let the requests held by ``hang`` be answered (and the next ones at once)."""
        self._released.set()

    async def stop(self) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def twilio(self, *, rate: float | None = None, channels: tuple[str, ...] = ("SMS", "VOICE"),
               timeout: float = 5.0) -> dict[str, Any]:
        """This server as a ``twilio`` entry of ``TOCSIN_PROVIDERS``."""
        entry: dict[str, Any] = {"name": self.name, "kind": "twilio", "channels": list(channels),
                                 "baseUrl": self.url, "accountSid": TWILIO_SID,
                                 "authToken": TWILIO_TOKEN, "from": "+15550001111",
                                 "timeout": timeout}
        if rate:
            entry["rate"] = rate
        return entry

    def webhook(self, *, rate: float | None = None, channels: tuple[str, ...] = ("SMS", "VOICE"),
                timeout: float = 5.0) -> dict[str, Any]:
        """This server as a ``webhook`` entry of ``TOCSIN_PROVIDERS``."""
        entry: dict[str, Any] = {"name": self.name, "kind": "webhook", "channels": list(channels),
                                 "url": f"{self.url}/send", "secret": WEBHOOK_SECRET,
                                 "timeout": timeout}
        if rate:
            entry["rate"] = rate
        return entry


@pytest_asyncio.fixture
async def provider_servers() -> AsyncIterator[Callable[[str], Awaitable[ProviderServer]]]:
    started: list[ProviderServer] = []

    async def start(name: str) -> ProviderServer:
        server = ProviderServer(name)
        await server.start()
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            await server.stop()


async def answering(bus: Bus, subject: str, body: dict[str, Any]) -> bool:
    try:
        await bus.request(subject, body, timeout=0.5)
    except ServiceUnavailable:
        return False
    except TocsinError:
        pass  # answering, even if with an error
    return True


class Stack:
    """Contacts, the gateway and notifications running; helpers to drive them."""

    def __init__(self, bus: Bus, http: str, region: str) -> None:
        self.bus = bus
        self.http = http
        self.region = region

    async def contacts(self, operation: str, **body: Any) -> dict[str, Any]:
        reply = await self.bus.request(f"tocsin.rpc.contacts.{operation}", body, timeout=20)
        out: dict[str, Any] = codec.decode(reply, dict[str, Any])
        return out

    async def notifications(self, operation: str, **body: Any) -> dict[str, Any]:
        reply = await self.bus.request(f"tocsin.rpc.notifications.{operation}", body,
                                       timeout=20)
        out: dict[str, Any] = codec.decode(reply, dict[str, Any])
        return out

    async def contact(self, alias: str) -> str:
        return str((await self.contacts("CreateContact", Alias=alias, Type="PERSONAL",
                                        Plan={"Stages": []}))["ContactArn"])

    async def channel(self, contact_arn: str, kind: str, address: str) -> str:
        return str((await self.contacts(
            "CreateContactChannel", ContactId=contact_arn, Name=f"{kind.lower()}-main",
            Type=kind, DeliveryAddress={"SimpleAddress": address}))["ContactChannelArn"])

    async def plan(self, contact_arn: str, channels: list[str]) -> None:
        await self.contacts("UpdateContact", ContactId=contact_arn, Plan={"Stages": [
            {"DurationInMinutes": 5, "Targets": [
                {"ChannelTargetInfo": {"ContactChannelId": c, "RetryIntervalInMinutes": 1}}
                for c in channels]}]})

    async def engage(self, contact_arn: str, **extra: Any) -> str:
        body = {"ContactId": contact_arn, "Sender": "tocsin", "Subject": "Database down",
                "Content": "The primary database is down.", "PublicSubject": "Incident",
                "PublicContent": "Open Tocsin for details.", **extra}
        return str((await self.contacts("StartEngagement", **body))["EngagementArn"])

    async def page_of(self, engagement_arn: str) -> str:
        pages = await wait_for(lambda: self._pages(engagement_arn))
        return str(pages[0]["PageArn"])

    async def _pages(self, engagement_arn: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = (await self.contacts(
            "ListPagesByEngagement", EngagementId=engagement_arn))["Pages"]
        return out

    async def receipts(self, page_arn: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = (await self.contacts(
            "ListPageReceipts", PageId=page_arn))["Receipts"]
        return out

    async def receipt_types(self, page_arn: str) -> list[str]:
        return [r["ReceiptType"] for r in await self.receipts(page_arn)]

    async def channel_status(self, channel_arn: str) -> str:
        return str((await self.contacts("GetContactChannel", ContactChannelId=channel_arn))
                   ["ActivationStatus"])


def twilio_form_signature(url: str, form: dict[str, str]) -> str:
    return twilio_signature(TWILIO_TOKEN, url, list(form.items()))


@pytest_asyncio.fixture
async def stack_factory(nats_url: str, database_url: str, isolation: dict[str, str],
                        bus: Bus) -> AsyncIterator[Callable[..., Any]]:
    """``async with stack_factory(providers=[...], **settings) as stack``."""
    common: dict[str, Any] = {"nats_url": nats_url, "database_url": database_url,
                              "shutdown_grace": 3, **isolation}
    keys = IncidentsSettings(outbox_poll_interval=0.2,
                             changes_filter=f"changes.{isolation['region']}.>",
                             alarms_filter=f"alarms.{isolation['region']}.>", **common)

    @asynccontextmanager
    async def start(providers: list[dict[str, Any]] | None = None, *,
                    with_incidents: bool = True, with_notifications: bool = True,
                    clock: Clock | None = None, gateway: dict[str, Any] | None = None,
                    **settings: Any) -> AsyncIterator[Stack]:
        """``with_notifications=False`` leaves the notifications service to the test (a
        process of its own, say); with a ``clock`` (a :class:`ManualClock` the test
        advances), every service runs on it; ``gateway`` holds settings of the gateway.
        The incidents service runs for the whole test either way (``with_incidents`` is
        kept for the tests that name it): it holds the data key that delivery requests
        are sealed with, from before the test publishes any."""
        async with AsyncExitStack() as stack:
            if clock is not None:
                stack.enter_context(installed(clock))
            await stack.enter_async_context(running(
                contacts_app.lifespan, ContactsSettings(outbox_poll_interval=0.2, **common)))
            workers = await stack.enter_async_context(running(
                gateway_app.lifespan, GatewaySettings(
                    grpc_addr="127.0.0.1:0", http_addr="127.0.0.1:0",
                    access_keys="K:S", **common, **(gateway or {}))))  # type: ignore[arg-type]
            http_gw = next(w for w in workers if isinstance(w, HttpGateway))
            await asyncio.wait_for(http_gw.started.wait(), 30)
            base = f"http://127.0.0.1:{http_gw.port}"
            if with_notifications:
                await stack.enter_async_context(running(
                    notifications_app.lifespan, NotificationsSettings(
                        outbox_poll_interval=0.2, receipt_poll_interval=0.2, public_url=base,
                        providers=json.dumps(providers or []),  # type: ignore[arg-type]
                        **{"retry_base": 0.05, "retry_max": 0.2, **settings}, **common)))
            await wait_for(lambda: answering(bus, "tocsin.rpc.contacts.ListContacts", {}))
            if with_notifications:
                await wait_for(lambda: answering(
                    bus, "tocsin.rpc.notifications.DescribeDelivery", {"DeliveryId": "x"}))
            yield Stack(bus, base, isolation["region"])

    async with running(incidents_app.lifespan, keys):
        yield start
