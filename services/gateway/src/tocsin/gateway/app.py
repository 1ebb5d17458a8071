"""The gateway's composition root: the NATS connection, the access pipeline, the gRPC
server, the HTTP server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

from tocsin.gateway import access, console, deliveries, grpc_server, http, rules, webhooks
from tocsin.gateway.clients import ServiceClient
from tocsin.gateway.settings import Settings
from tocsin.shared.bus import connect
from tocsin.shared.runner import Worker

__all__ = ["build_access", "lifespan"]


def build_access(settings: Settings, client: ServiceClient,
                 resource_policies: access.ResourcePolicies | None = None) -> access.Access:
    """The gateway's keys, its pipeline and the pipeline's steps, in order (outermost
    first): every face of the gateway calls through what this returns."""
    directory = access.Directory(settings.credentials, account=settings.account,
                                 partition=settings.arn_partition,
                                 policy_file=settings.policy_file)
    resource_policies = resource_policies or access.ResourcePolicies(
        client, principal=settings.arns.iam("role/tocsin-gateway"))
    steps: list[access.Step] = [
        access.Authorization(resource_policies, account=settings.account),
    ]
    return access.Access(access.Authenticator(directory, region=settings.region),
                         access.Gate(client, steps), account=settings.account)


@asynccontextmanager
async def lifespan(settings: Settings) -> AsyncIterator[Sequence[Worker]]:
    """Connect to NATS and yield the two servers as workers."""
    instance = uuid.uuid4().hex
    async with AsyncExitStack() as stack:
        bus = await stack.enter_async_context(
            connect(settings.nats_servers, name=f"tocsin-gateway-{instance[:8]}"))
        client = ServiceClient(bus, timeout=settings.rpc_timeout, arns=settings.arns)
        resource_policies = access.ResourcePolicies(
            client, principal=settings.arns.iam("role/tocsin-gateway"))
        await resource_policies.follow(bus, settings.region)
        stack.push_async_callback(resource_policies.close)
        access_point = build_access(settings, client, resource_policies)
        http_gateway = http.HttpGateway(settings, access_point, bus, instance=instance)
        rules.add_routes(http_gateway.app, access_point)
        webhooks.add_routes(http_gateway.app, settings, access_point)
        deliveries.add_routes(http_gateway.app, access_point)
        console.add_routes(http_gateway.app, settings, access_point, bus)
        yield [
            grpc_server.GrpcGateway(settings, access_point, bus, instance=instance),
            http_gateway,
        ]
