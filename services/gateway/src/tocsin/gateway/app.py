"""The gateway's composition root: the NATS connection, the gRPC server, the HTTP server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

from tocsin.gateway import console, deliveries, grpc_server, http, rules, webhooks
from tocsin.gateway.clients import ServiceClient
from tocsin.gateway.settings import Settings
from tocsin.shared.bus import connect
from tocsin.shared.runner import Worker

__all__ = ["lifespan"]


@asynccontextmanager
async def lifespan(settings: Settings) -> AsyncIterator[Sequence[Worker]]:
    """Connect to NATS and yield the two servers as workers."""
    instance = uuid.uuid4().hex
    async with AsyncExitStack() as stack:
        bus = await stack.enter_async_context(
            connect(settings.nats_servers, name=f"tocsin-gateway-{instance[:8]}"))
        client = ServiceClient(bus, timeout=settings.rpc_timeout, arns=settings.arns)
        http_gateway = http.HttpGateway(settings, client, bus, instance=instance)
        rules.add_routes(http_gateway.app, settings, client)
        webhooks.add_routes(http_gateway.app, settings, client)
        deliveries.add_routes(http_gateway.app, settings, client, bus)
        console.add_routes(http_gateway.app, settings, client, bus)
        yield [
            grpc_server.GrpcGateway(settings, client, bus, instance=instance),
            http_gateway,
        ]
