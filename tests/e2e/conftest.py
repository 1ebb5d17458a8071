"""Every Tocsin service and the gateway together, in the test's event loop."""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller

from tocsin.analysis import app as analysis_app
from tocsin.analysis.settings import Settings as AnalysisSettings
from tocsin.contacts import app as contacts_app
from tocsin.contacts.settings import Settings as ContactsSettings
from tocsin.escalation import app as escalation_app
from tocsin.escalation.settings import Settings as EscalationSettings
from tocsin.gateway import app as gateway_app
from tocsin.gateway.grpc_server import GrpcGateway
from tocsin.gateway.grpcsign import SigV4Signer
from tocsin.gateway.http import HttpGateway
from tocsin.gateway.settings import Settings as GatewaySettings
from tocsin.incidents import app as incidents_app
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.local.servers import free_port
from tocsin.notifications import app as notifications_app
from tocsin.notifications.settings import Settings as NotificationsSettings
from tocsin.runbooks import app as runbooks_app
from tocsin.runbooks.settings import Settings as RunbooksSettings
from tocsin.shared.bus import Bus, deliveries_stream, ensure_stream
from tocsin.shared.contracts.deliveries import PageDelivery
from tocsin.shared.testing import open_delivery, running

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"


@pytest.fixture
def tocsin_options() -> dict[str, dict[str, Any]]:
    """Settings beyond the defaults: ``"common"`` for every service, or one service's
    name for its own. A test module overrides this fixture to run Tocsin differently (at
    a faster plan clock, say)."""
    return {}


@pytest_asyncio.fixture
async def tocsin(nats_url: str, database_url: str, isolation: dict[str, str],
                 tocsin_options: dict[str, dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    """A running Tocsin: its HTTP and gRPC addresses and region."""
    common: dict[str, Any] = {"nats_url": nats_url, "database_url": database_url,
                              "shutdown_grace": 5, "clock_epoch": time.time(), **isolation,
                              **tocsin_options.get("common", {})}
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(running(
            incidents_app.lifespan, IncidentsSettings(
                outbox_poll_interval=0.2, changes_filter=f"changes.{isolation['region']}.>",
                alarms_filter=f"alarms.{isolation['region']}.>",
                **common, **tocsin_options.get("incidents", {}))))
        await stack.enter_async_context(running(
            contacts_app.lifespan, ContactsSettings(
                outbox_poll_interval=0.2, **common, **tocsin_options.get("contacts", {}))))
        await stack.enter_async_context(running(
            escalation_app.lifespan, EscalationSettings(
                outbox_poll_interval=0.2, **common, **tocsin_options.get("escalation", {}))))
        await stack.enter_async_context(running(
            runbooks_app.lifespan, RunbooksSettings(
                outbox_poll_interval=0.2, **common, **tocsin_options.get("runbooks", {}))))
        await stack.enter_async_context(running(
            analysis_app.lifespan, AnalysisSettings(
                outbox_poll_interval=0.2, **common, **tocsin_options.get("analysis", {}))))
        workers = await stack.enter_async_context(running(
            gateway_app.lifespan, GatewaySettings(
                grpc_addr="127.0.0.1:0", http_addr="127.0.0.1:0",
                access_keys=f"{KEY_ID}:{SECRET}", **common,
                **tocsin_options.get("gateway", {}))))  # type: ignore[arg-type]
        grpc_gw = next(w for w in workers if isinstance(w, GrpcGateway))
        http_gw = next(w for w in workers if isinstance(w, HttpGateway))
        await asyncio.wait_for(asyncio.gather(grpc_gw.started.wait(), http_gw.started.wait()),
                               30)
        mailbox = Mailbox()
        smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
        smtp.start()
        stack.callback(smtp.stop)
        await stack.enter_async_context(running(
            notifications_app.lifespan, NotificationsSettings(
                outbox_poll_interval=0.2, receipt_poll_interval=0.2, smtp_host="127.0.0.1",
                smtp_port=smtp.port, public_url=f"http://127.0.0.1:{http_gw.port}",
                max_attempts=3, retry_base=0.05, retry_max=0.2,
                **common, **tocsin_options.get("notifications", {}))))
        signer = SigV4Signer(KEY_ID, SECRET, region=isolation["region"])
        yield {"http": f"http://127.0.0.1:{http_gw.port}", "grpc": f"127.0.0.1:{grpc_gw.port}",
               "region": isolation["region"], "schema_prefix": isolation["schema_prefix"],
               "mailbox": mailbox, "signer": signer,
               "grpc_interceptors": signer.interceptors()}


class Mailbox:
    """The emails Tocsin sent, as the test SMTP server (aiosmtpd) accepted them; it refuses
    every address at ``refused.example``."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"


class Deliveries:
    """What Tocsin asked to deliver to people, read off the DELIVERIES stream."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self.all_codes: dict[str, list[str]] = {}
        self.pages: list[PageDelivery] = []

    async def on_message(self, msg: Any) -> None:
        if msg.subject.endswith(".activation-code"):
            code = await open_delivery(msg)
            self.codes[code.channel_arn] = code.code
            self.all_codes.setdefault(code.channel_arn, []).append(code.code)
        elif msg.subject.endswith(".page"):
            self.pages.append(await open_delivery(msg))


@pytest_asyncio.fixture
async def deliveries(tocsin: dict[str, Any], bus: Bus) -> AsyncIterator[Deliveries]:
    await ensure_stream(bus.js, deliveries_stream(tocsin["region"]))
    seen = Deliveries()
    sub = await bus.js.subscribe(f"deliveries.{tocsin['region']}.>", cb=seen.on_message,
                                 ordered_consumer=True)
    try:
        yield seen
    finally:
        await sub.unsubscribe()
