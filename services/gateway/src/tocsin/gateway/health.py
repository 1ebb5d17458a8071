"""Which services are up: the answer behind ``GET /healthz`` and the gRPC health service.

Every service instance is a ``nats.micro`` service, so one ``$SRV.PING`` reaches all of
them; the replies say which instances of which services are running, and whether each
reaches its database (the ping's metadata, kept by :class:`~tocsin.shared.outage.PostgresProbe`).

``status`` is ``ok``; ``degraded`` while NATS or PostgreSQL is unreachable (``dependencies``
says which: the services ride it out and pick up where they were once it is back); or
``unavailable`` while a service has no running instance.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.outage import NATS, POSTGRESQL
from tocsin.shared.services import BACKEND_SERVICES

__all__ = ["HealthReport", "check"]


class HealthReport(dict[str, Any]):
    """``{"status": "ok"|"degraded"|"unavailable", "dependencies": {"nats": "up"|"down",
    "postgresql": "up"|"down"}, "services": {name: {"instances": [...]}}}``."""

    @property
    def healthy(self) -> bool:
        return bool(self["status"] == "ok")


async def check(bus: Bus, *, instance: str, wait: float = 0.25) -> HealthReport:
    """Ping every service instance and report who answered within ``wait`` seconds."""
    found: dict[str, list[dict[str, str]]] = {name: [] for name in BACKEND_SERVICES}
    if not bus.nc.is_connected:
        # Reconnecting: no service can be reached, and asking would wait for the flush.
        return HealthReport(status="degraded", dependencies={NATS: "down"},
                            services={"gateway": {"instances": [{"id": instance}]}})
    inbox = bus.nc.new_inbox()
    done = asyncio.Event()

    async def collect(msg: Any) -> None:
        try:
            ping = codec.decode(msg.data, dict[str, Any])
        except Exception:
            return
        entry = {"id": str(ping.get("id")), "version": str(ping.get("version"))}
        metadata = ping.get("metadata")
        if isinstance(metadata, dict) and POSTGRESQL in metadata:
            entry[POSTGRESQL] = str(metadata[POSTGRESQL])
        found.setdefault(str(ping.get("name")), []).append(entry)

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
    database = "down" if any(i.get(POSTGRESQL) == "down" for v in found.values()
                             for i in v) else "up"
    status = "unavailable" if not up else "degraded" if database == "down" else "ok"
    return HealthReport(status=status, dependencies={NATS: "up", POSTGRESQL: database},
                        services=services)
