"""Which gRPC services a /healthz report says can answer."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from grpc_health.v1 import health_pb2
from grpc_health.v1.health import aio as health_aio

from tocsin.gateway.health import GrpcHealth, HealthReport, serving

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def report(nats: str = "up", **instances: list[dict[str, Any]]) -> HealthReport:
    return HealthReport(status="ok", dependencies={"nats": nats, "postgresql": "up"},
                        services={name: {"instances": found}
                                  for name, found in instances.items()})


def test_a_service_with_an_instance_reaching_its_database_serves() -> None:
    up = report(incidents=[{"id": "a", "postgresql": "down"}, {"id": "b", "postgresql": "up"}])
    assert serving(up, ["incidents"]) is True


def test_a_service_without_instances_or_database_does_not_serve() -> None:
    assert serving(report(incidents=[]), ["incidents"]) is False
    assert serving(report(), ["incidents"]) is False
    assert serving(report(incidents=[{"id": "a", "postgresql": "down"}]),
                   ["incidents"]) is False


def test_nothing_serves_without_nats() -> None:
    assert serving(report(), []) is True
    assert serving(report(nats="down"), []) is False
    assert serving(report(nats="down", incidents=[{"id": "a", "postgresql": "up"}]),
                   ["incidents"]) is False


async def statuses(servicer: health_aio.HealthServicer, *names: str) -> list[int]:
    return [(await servicer.Check(health_pb2.HealthCheckRequest(service=name), None)).status
            for name in names]


async def test_grpc_health_while_nats_is_away_is_not_serving() -> None:
    """Reconnecting to NATS, the gRPC health service says NOT_SERVING everywhere, the
    events service (NATS alone) too."""
    servicer = health_aio.HealthServicer()
    away: Any = SimpleNamespace(nc=SimpleNamespace(is_connected=False))
    await GrpcHealth(servicer, away, {"incidents": ("incidents",), "events": ()},
                     instance="t").update()
    assert await statuses(servicer, "", "incidents", "events") == [NOT_SERVING] * 3


async def test_grpc_health_without_a_bus_is_serving() -> None:
    """A gateway without NATS (its services faked) has nothing to ask: SERVING."""
    servicer = health_aio.HealthServicer()
    await GrpcHealth(servicer, None, {"incidents": ("incidents",)}, instance="t").update()
    assert await statuses(servicer, "", "incidents") == [SERVING] * 2
