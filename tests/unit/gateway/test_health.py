"""Which gRPC services a /healthz report says can answer."""

from __future__ import annotations

from typing import Any

from tocsin.gateway.health import HealthReport, serving


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
