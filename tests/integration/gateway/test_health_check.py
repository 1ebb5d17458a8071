"""How long ``/healthz`` listens for the services' answers to ``$SRV.PING``: its
:data:`~tocsin.gateway.health.LISTEN` window, and longer while a service has not answered,
until it has (and a moment more for other instances), at most
:data:`~tocsin.gateway.health.PING_WAIT`; against a NATS server of the test's own, where
the answering instances are subscribers that reply as a ``nats.micro`` service does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from tocsin.gateway import health
from tocsin.shared import codec
from tocsin.shared.bus import Bus, connect
from tocsin.shared.services import BACKEND_SERVICES


@pytest_asyncio.fixture
async def own_bus(own_nats: Any) -> AsyncIterator[Bus]:
    async with connect([own_nats.url], name="tests-health-check") as b:
        yield b


async def instances(bus: Bus, delays: dict[str, float]) -> None:
    """One instance of each backend service answering pings after its delay in seconds
    (none: it does not answer)."""
    pending: set[asyncio.Future[None]] = set()

    async def answer(msg: Any) -> None:
        async def later(name: str, delay: float) -> None:
            await asyncio.sleep(delay)
            await bus.nc.publish(msg.reply, codec.encode(
                {"name": name, "id": f"{name}-1", "version": "1", "metadata": {}}))
        for name, delay in delays.items():
            task = asyncio.ensure_future(later(name, delay))
            pending.add(task)
            task.add_done_callback(pending.discard)
    await bus.nc.subscribe("$SRV.PING", cb=answer)
    await bus.nc.flush()


async def test_a_check_with_every_service_answered_waits_no_longer_than_its_window(
        own_bus: Bus) -> None:
    await instances(own_bus, dict.fromkeys(BACKEND_SERVICES, 0.0))
    started = asyncio.get_running_loop().time()
    report = await health.check(own_bus, instance="test", listen=0.2, wait=5.0)
    took = asyncio.get_running_loop().time() - started
    assert report["status"] == "ok"
    assert took < 2.5, f"the check waited {took:.2f} s with every service answered"


async def test_a_service_answering_late_is_not_reported_gone(own_bus: Bus) -> None:
    """One service busy for 400 ms (longer than the 250 ms checks used to wait) is in the
    report, with the others."""
    late = BACKEND_SERVICES[0]
    await instances(own_bus, {**dict.fromkeys(BACKEND_SERVICES, 0.0), late: 0.4})
    report = await health.check(own_bus, instance="test")
    assert report["status"] == "ok"
    assert report["services"][late]["instances"] == [
        {"id": f"{late}-1", "version": "1"}]


async def test_a_service_that_never_answers_makes_the_region_unavailable(
        own_bus: Bus) -> None:
    silent = BACKEND_SERVICES[-1]
    await instances(own_bus, {n: 0.0 for n in BACKEND_SERVICES if n != silent})
    report = await health.check(own_bus, instance="test", wait=0.5)
    assert report["status"] == "unavailable"
    assert report["services"][silent]["instances"] == []
