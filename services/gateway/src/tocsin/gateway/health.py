"""Which services are up: the answer behind ``GET /healthz`` and the gRPC health service.

Every service instance is a ``nats.micro`` service, so one ``$SRV.PING`` reaches all of
them; the replies say which instances of which services are running, and whether each
reaches its database (the ping's metadata, kept by :class:`~tocsin.shared.outage.PostgresProbe`),
and where each serves its Prometheus metrics (``metrics``, when ``TOCSIN_METRICS_ADDR`` is
set for it).

``status`` is ``ok``; ``degraded`` while NATS or PostgreSQL is unreachable (``dependencies``
says which: the services ride it out and pick up where they were once it is back); or
``unavailable`` while a service has no running instance.

``regions`` names the other regions of the replication set this region mirrors, each with
its mirror's ``active`` (seconds since that region was last heard) and ``lag``
(:mod:`tocsin.shared.bus.regions`); one silent longer than
:data:`~tocsin.shared.bus.regions.SILENT_AFTER` seconds is ``degraded``, and listed in
``degradedRegions``. That is no failure of this region, whose ``status`` it leaves alone:
this region keeps serving.

The gRPC health service follows the same report (:class:`GrpcHealth`): the server as a
whole (service ``""``) is SERVING when ``/healthz`` says ``ok``, and each gRPC service
while NATS is up and every Tocsin service it calls has an instance that reaches its
database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import nats.errors
from grpc_health.v1 import health_pb2
from grpc_health.v1.health import aio as health_aio

from tocsin.shared import codec, metrics
from tocsin.shared.bus import Bus
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.bus.connection import OPEN_BUS
from tocsin.shared.keys import DATA_KEYS_STATUS
from tocsin.shared.logging import get_logger
from tocsin.shared.outage import NATS, POSTGRESQL
from tocsin.shared.runner import pause
from tocsin.shared.services import BACKEND_SERVICES

__all__ = ["GRPC_INTERVAL", "GrpcHealth", "HealthReport", "check", "serving"]

log = get_logger(__name__)

GRPC_INTERVAL = 1.0
"""Seconds between two checks behind the gRPC health service."""


class HealthReport(dict[str, Any]):
    """``{"status": "ok"|"degraded"|"unavailable", "dependencies": {"nats": "up"|"down",
    "postgresql": "up"|"down"}, "services": {name: {"instances": [...]}}}``, and
    ``"warnings"`` when the gateway reached NATS without credentials (an open bus), or when
    a service holds a data key of the replication set that does not unwrap in this region
    (the regions of a set share their key-encryption key)."""

    @property
    def healthy(self) -> bool:
        return bool(self["status"] == "ok")


LISTEN = 0.25
"""Seconds a check always listens for the instances' answers to the ping."""
PING_WAIT = 1.0
"""Seconds a check listens at most, while a service has not answered: a service that
answers later is reported as having no instance (``unavailable``)."""
OTHER_INSTANCES = 0.05
"""Seconds a check that waited for a late service goes on listening once it has
answered, for the other instances of services that run several."""


async def check(bus: Bus, *, instance: str, listen: float = LISTEN, wait: float = PING_WAIT,
                others: float = OTHER_INSTANCES) -> HealthReport:
    """Ping every service instance and report who answered within ``listen`` seconds, or,
    while a service has not, until it has (and ``others`` seconds more), at most ``wait``
    seconds: a service busy for a moment is not reported gone."""
    found: dict[str, list[dict[str, str]]] = {name: [] for name in BACKEND_SERVICES}
    gateway = {"id": instance}
    if metrics.address():
        gateway["metrics"] = metrics.address()
    if not bus.nc.is_connected:
        # Reconnecting: no service can be reached, and asking would wait for the flush.
        return HealthReport(status="degraded", dependencies={NATS: "down"},
                            services={"gateway": {"instances": [gateway]}})
    inbox = bus.nc.new_inbox()
    everyone = asyncio.Event()

    async def collect(msg: Any) -> None:
        try:
            ping = codec.decode(msg.data, dict[str, Any])
        except msgspec.DecodeError:  # no ping reply: something else on the subject
            return
        entry = {"id": str(ping.get("id")), "version": str(ping.get("version"))}
        metadata = ping.get("metadata")
        if isinstance(metadata, dict):
            for key in (POSTGRESQL, "metrics", DATA_KEYS_STATUS):
                if key in metadata:
                    entry[key] = str(metadata[key])
        found.setdefault(str(ping.get("name")), []).append(entry)
        if all(found[name] for name in BACKEND_SERVICES):
            everyone.set()

    sub = await bus.nc.subscribe(inbox, cb=collect)
    try:
        # No flush: the client's flusher sends the ping at once, and a flush cancelled
        # with the gateway (Python 3.11's wait_for) could swallow the cancellation or
        # leave its PONG to a cancelled future.
        await bus.nc.publish("$SRV.PING", b"", reply=inbox)
        await asyncio.sleep(listen)  # how many instances answer is not known beforehand
        if not everyone.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, wait - listen)):
                    await everyone.wait()
                    await asyncio.sleep(others)
    finally:
        await sub.unsubscribe()
    services: dict[str, Any] = {"gateway": {"instances": [gateway]}}
    services.update({name: {"instances": sorted(v, key=lambda i: i["id"])}
                     for name, v in sorted(found.items())})
    up = all(found[name] for name in BACKEND_SERVICES)
    database = "down" if any(i.get(POSTGRESQL) == "down" for v in found.values()
                             for i in v) else "up"
    status = "unavailable" if not up else "degraded" if database == "down" else "ok"
    report = HealthReport(status=status, dependencies={NATS: "up", POSTGRESQL: database},
                          services=services)
    regions = await _regions(bus)
    if regions:
        report["regions"] = {h.region: msgspec.to_builtins(h)
                             for h in regions}
        degraded = [h.region for h in regions if h.status != "ok"]
        if degraded:
            report["degradedRegions"] = degraded
    warnings = [OPEN_BUS] if bus.open else []
    # Another region's data key this region cannot unwrap (its KEK is not shared here):
    # what it sealed is DataEncryptionException here. No failure of this region's own.
    warnings += sorted({f"{name}: {i[DATA_KEYS_STATUS]}" for name, v in found.items()
                        for i in v if DATA_KEYS_STATUS in i})
    if warnings:
        report["warnings"] = warnings
    return report


async def _regions(bus: Bus, timeout: float = 2.0) -> list[mirrors.MirrorHealth]:
    """The other regions' mirrors here; none when JetStream does not say."""
    try:
        return await asyncio.wait_for(mirrors.health(bus.js), timeout)
    except (nats.errors.Error, TimeoutError, OSError) as exc:
        log.debug("health.regions_unknown", error=repr(exc))
        return []


def serving(report: HealthReport, needs: Sequence[str]) -> bool:
    """Whether a face that calls the services ``needs`` over NATS can answer, by ``report``:
    NATS is up and each of them has an instance that reaches its database."""
    if report.get("dependencies", {}).get(NATS) != "up":
        return False
    services = report.get("services", {})
    return all(any(i.get(POSTGRESQL) != "down" for i in services.get(name, {})
                   .get("instances", [])) for name in needs)


class GrpcHealth:
    """The statuses of the gRPC health service, kept those of ``/healthz``.

    ``needs`` maps each gRPC service to the Tocsin services it calls (none: NATS alone).
    Without a bus there is nothing to ask, and everything is SERVING.
    """

    def __init__(self, servicer: health_aio.HealthServicer, bus: Bus | None,
                 needs: Mapping[str, Sequence[str]], *, instance: str,
                 interval: float = GRPC_INTERVAL) -> None:
        self._servicer = servicer
        self._bus = bus
        self._needs = needs
        self._instance = instance
        self._interval = interval
        self._statuses: dict[str, bool] = {}

    async def update(self) -> None:
        """Check once and set every status that changed."""
        if self._bus is None:
            statuses = dict.fromkeys(("", *self._needs), True)
        else:
            try:
                report = await check(self._bus, instance=self._instance)
            except (nats.errors.Error, OSError) as exc:  # as /healthz: unavailable
                log.warning("health.failed", error=repr(exc))
                report = HealthReport(status="unavailable", dependencies={NATS: "down"})
            statuses = {"": report.healthy,
                        **{name: serving(report, needs) for name, needs in self._needs.items()}}
        for name, up in statuses.items():
            if self._statuses.get(name) != up:
                self._statuses[name] = up
                await self._servicer.set(name, health_pb2.HealthCheckResponse.SERVING if up
                                         else health_pb2.HealthCheckResponse.NOT_SERVING)

    async def follow(self, stop: asyncio.Event) -> None:
        """Update every ``interval`` seconds until ``stop`` is set."""
        while not await pause(stop, self._interval):
            await self.update()
