"""The gateway's gRPC health service follows ``/healthz``: per gRPC service, by the Tocsin
services it calls, and overall; against a NATS server of the test's own (every service
instance on a server answers ``$SRV.PING``) and a real incidents service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest_asyncio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tocsin.gateway import rules, watch
from tocsin.gateway.app import build_access
from tocsin.gateway.clients import ServiceClient
from tocsin.gateway.grpc_server import MIRRORS, GrpcGateway
from tocsin.gateway.settings import Settings
from tocsin.incidents import app as incidents_app
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.shared.bus import Bus, connect
from tocsin.shared.testing import running, wait_for

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
INCIDENTS, CONTACTS, TOCSIN_API, SSM = (m.name for m in MIRRORS)


@pytest_asyncio.fixture
async def own_bus(own_nats: Any) -> AsyncIterator[Bus]:
    async with connect([own_nats.url], name="tests-grpc-health") as b:
        yield b


@pytest_asyncio.fixture
async def health(own_bus: Bus) -> AsyncIterator[health_pb2_grpc.HealthStub]:
    """A gateway's gRPC server on the test's own NATS, and a health stub to it."""
    gateway = GrpcGateway(Settings(grpc_addr="127.0.0.1:0", shutdown_grace=1.0),
                          build_access(Settings(), ServiceClient(own_bus)), own_bus,
                          instance="test")
    stop = asyncio.Event()
    task = asyncio.create_task(gateway(stop))
    await asyncio.wait_for(gateway.started.wait(), timeout=10)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{gateway.port}") as channel:
        yield health_pb2_grpc.HealthStub(channel)
    stop.set()
    await asyncio.wait_for(task, timeout=10)


async def statuses(stub: health_pb2_grpc.HealthStub) -> dict[str, int]:
    out = {}
    for service in ("", INCIDENTS, CONTACTS, TOCSIN_API, SSM, rules.SERVICE_NAME,
                    watch.SERVICE_NAME):
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=service))
        out[service] = reply.status
    return out


async def test_health_follows_the_services_and_nats(
        health: health_pb2_grpc.HealthStub, own_bus: Bus, own_nats: Any, database_url: str,
        isolation: dict[str, str]) -> None:
    """No Tocsin service running: only the events service (NATS alone) is SERVING. Once the
    incidents service runs, Incidents and Rules (which it serves) are SERVING, Contacts and
    the server as a whole still not; replies to the ping that are no ping replies are
    skipped. (NATS down: tests/unit/gateway/test_health.py; restarting a server here would
    fork this process while gRPC's threads run, which can crash the child.)"""

    async def junk(msg: Any) -> None:
        await msg.respond(b"not json")
        await msg.respond(b"[1, 2]")

    await own_bus.nc.subscribe("$SRV.PING", cb=junk)
    assert await statuses(health) == {"": NOT_SERVING, INCIDENTS: NOT_SERVING,
                                      CONTACTS: NOT_SERVING, TOCSIN_API: NOT_SERVING,
                                      SSM: NOT_SERVING,
                                      rules.SERVICE_NAME: NOT_SERVING,
                                      watch.SERVICE_NAME: SERVING}
    settings = IncidentsSettings(nats_url=own_nats.url, database_url=database_url,
                                 shutdown_grace=3, **isolation)  # type: ignore[arg-type]
    async with running(incidents_app.lifespan, settings):
        # Tocsin's own API also needs the notifications service (DescribeDelivery).
        expected = {"": NOT_SERVING, INCIDENTS: SERVING, CONTACTS: NOT_SERVING,
                    TOCSIN_API: NOT_SERVING, SSM: NOT_SERVING, rules.SERVICE_NAME: SERVING,
                    watch.SERVICE_NAME: SERVING}

        async def now_expected() -> bool:
            return await statuses(health) == expected

        await wait_for(now_expected)
