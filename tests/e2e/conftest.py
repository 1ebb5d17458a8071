"""Every Tocsin service and the gateway together, in the test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
import pytest_asyncio

from tocsin.contacts import app as contacts_app
from tocsin.contacts.settings import Settings as ContactsSettings
from tocsin.escalation import app as escalation_app
from tocsin.escalation.settings import Settings as EscalationSettings
from tocsin.gateway import app as gateway_app
from tocsin.gateway.grpc_server import GrpcGateway
from tocsin.gateway.http import HttpGateway
from tocsin.gateway.settings import Settings as GatewaySettings
from tocsin.incidents import app as incidents_app
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.shared import codec
from tocsin.shared.bus import Bus, deliveries_stream, ensure_stream
from tocsin.shared.contracts.deliveries import ActivationCodeDelivery, PageDelivery
from tocsin.shared.testing import running

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"


@pytest.fixture
def clock_scale() -> float:
    """``TOCSIN_CLOCK_SCALE`` of the services; a test module overrides this fixture to make
    plan minutes pass faster."""
    return 1.0


@pytest_asyncio.fixture
async def tocsin(nats_url: str, database_url: str, isolation: dict[str, str],
                 clock_scale: float) -> AsyncIterator[dict[str, Any]]:
    """A running Tocsin: its HTTP and gRPC addresses and region."""
    common: dict[str, Any] = {"nats_url": nats_url, "database_url": database_url,
                              "shutdown_grace": 5, "clock_scale": clock_scale, **isolation}
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(running(
            incidents_app.lifespan, IncidentsSettings(
                outbox_poll_interval=0.2, changes_filter=f"changes.{isolation['region']}.>",
                alarms_filter=f"alarms.{isolation['region']}.>", **common)))
        await stack.enter_async_context(running(
            contacts_app.lifespan, ContactsSettings(outbox_poll_interval=0.2, **common)))
        await stack.enter_async_context(running(
            escalation_app.lifespan, EscalationSettings(outbox_poll_interval=0.2, **common)))
        workers = await stack.enter_async_context(running(
            gateway_app.lifespan, GatewaySettings(
                grpc_addr="127.0.0.1:0", http_addr="127.0.0.1:0",
                access_keys=f"{KEY_ID}:{SECRET}", **common)))  # type: ignore[arg-type]
        grpc_gw = next(w for w in workers if isinstance(w, GrpcGateway))
        http_gw = next(w for w in workers if isinstance(w, HttpGateway))
        await asyncio.wait_for(asyncio.gather(grpc_gw.started.wait(), http_gw.started.wait()),
                               30)
        yield {"http": f"http://127.0.0.1:{http_gw.port}", "grpc": f"127.0.0.1:{grpc_gw.port}",
               "region": isolation["region"], "schema_prefix": isolation["schema_prefix"]}


class Deliveries:
    """What Tocsin asked to deliver to people, read off the DELIVERIES stream."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self.all_codes: dict[str, list[str]] = {}
        self.pages: list[PageDelivery] = []

    async def on_message(self, msg: Any) -> None:
        if msg.subject.endswith(".activation-code"):
            code = codec.decode(msg.data, ActivationCodeDelivery)
            self.codes[code.channel_arn] = code.code
            self.all_codes.setdefault(code.channel_arn, []).append(code.code)
        elif msg.subject.endswith(".page"):
            self.pages.append(codec.decode(msg.data, PageDelivery))


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
