"""Which services are up: the answer behind ``GET /healthz`` and the gRPC health service.

Every service instance is a ``nats.micro`` service, so one ``$SRV.PING`` reaches all of
them; the replies say which instances of which services are running.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.services import BACKEND_SERVICES

__all__ = ["HealthReport", "check"]


class HealthReport(dict[str, Any]):
    """``{"status": "ok"|"unavailable", "services": {name: {"instances": [...]}}}``."""

    @property
    def healthy(self) -> bool:
        return bool(self["status"] == "ok")


async def check(bus: Bus, *, instance: str, wait: float = 0.25) -> HealthReport:
    """Ping every service instance and report who answered within ``wait`` seconds."""
    found: dict[str, list[dict[str, str]]] = {name: [] for name in BACKEND_SERVICES}
    inbox = bus.nc.new_inbox()
    done = asyncio.Event()

    async def collect(msg: Any) -> None:
        try:
            ping = codec.decode(msg.data, dict[str, Any])
        except Exception:
            return
        found.setdefault(str(ping.get("name")), []).append(
            {"id": str(ping.get("id")), "version": str(ping.get("version"))})

    sub = await bus.nc.subscribe(inbox, cb=collect)
    try:
        await bus.nc.publish("$SRV.PING", b"", reply=inbox)
        await bus.nc.flush()
        try:
            await asyncio.wait_for(done.wait(), timeout=wait)
        except TimeoutError:
            pass
    finally:
        await sub.unsubscribe()
    services: dict[str, Any] = {"gateway": {"instances": [{"id": instance}]}}
    services.update({name: {"instances": sorted(v, key=lambda i: i["id"])}
                     for name, v in sorted(found.items())})
    up = all(found[name] for name in BACKEND_SERVICES)
    return HealthReport(status="ok" if up else "unavailable", services=services)
