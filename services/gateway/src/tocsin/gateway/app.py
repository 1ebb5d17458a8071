"""The gateway's composition root: the NATS connection, the access pipeline, the gRPC
server, the HTTP server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

from tocsin.gateway import (
    access,
    audit,
    console,
    deliveries,
    grpc_server,
    http,
    limits,
    rules,
    trail,
    webhooks,
)
from tocsin.gateway.clients import ServiceClient
from tocsin.gateway.settings import Settings
from tocsin.shared.bus.connection import connect_as
from tocsin.shared.runner import Worker

__all__ = ["build_access", "lifespan"]


def build_access(settings: Settings, client: ServiceClient,
                 resource_policies: access.ResourcePolicies | None = None,
                 audit_trail: audit.AuditTrail | None = None) -> access.Access:
    """The gateway's keys, its pipeline and the pipeline's steps, in order (outermost
    first): every face of the gateway calls through what this returns. Without
    ``audit_trail`` (tests of a gateway without NATS) calls are not recorded."""
    directory = access.Directory(settings.credentials, account=settings.account,
                                 partition=settings.arn_partition,
                                 policy_file=settings.policy_file)
    resource_policies = resource_policies or access.ResourcePolicies(
        client, principal=settings.arns.iam("role/tocsin-gateway"))
    throttle = limits.Throttle(
        principals=limits.TokenBuckets(rate=settings.throttle_rate,
                                       burst=settings.throttle_burst, what="this principal"),
        integration_keys=limits.TokenBuckets(rate=settings.integration_key_rate,
                                             burst=settings.integration_key_burst,
                                             what="this integration key"))
    steps: list[access.Step] = [
        throttle,
        *([audit.Audit(audit_trail)] if audit_trail is not None else []),
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
            connect_as(settings, "gateway", name=f"tocsin-gateway-{instance[:8]}"))
        client = ServiceClient(bus, timeout=settings.rpc_timeout, arns=settings.arns)
        resource_policies = access.ResourcePolicies(
            client, principal=settings.arns.iam("role/tocsin-gateway"))
        await resource_policies.follow(bus, settings.region)
        stack.push_async_callback(resource_policies.close)
        audit_trail = audit.AuditTrail(bus, region=settings.region, account=settings.account,
                                       retention_days=settings.audit_retention_days,
                                       replicas=settings.stream_replicas,
                                       max_bytes=settings.stream_byte_limits)
        await audit_trail.start()
        # Unwound before the bus: the records of reads still queued are written first.
        stack.push_async_callback(audit_trail.close)
        access_point = build_access(settings, client, resource_policies, audit_trail)
        lookup = trail.AuditLookup(bus, region=settings.region, stream=audit_trail.stream)
        http_gateway = http.HttpGateway(settings, access_point, bus, instance=instance,
                                        lookup=lookup)
        rules.add_routes(http_gateway.app, access_point)
        webhooks.add_routes(http_gateway.app, settings, access_point)
        deliveries.add_routes(http_gateway.app, access_point)
        console.add_routes(http_gateway.app, settings, access_point, bus, audit_trail)
        yield [
            grpc_server.GrpcGateway(settings, access_point, bus, instance=instance),
            http_gateway,
        ]
