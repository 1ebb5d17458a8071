"""``/healthz`` names the other regions with their mirror's health: a region silent for
more than 10 s is degraded, and the answer stays 200 while this region's services are up."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from typing import Any

import aiohttp
import pytest

from tocsin.shared.bus import ensure_stream, events_stream
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.testing import wait_for

from .conftest import Regions


@pytest.mark.timeout(300)
async def test_a_silent_region_is_degraded_and_the_answer_stays_200(regions: Regions) -> None:
    a, b = regions.a, regions.b
    async with AsyncExitStack() as stack:
        endpoints = await stack.enter_async_context(a.stack())
        url = f"{endpoints.http}/healthz"
        session = await stack.enter_async_context(aiohttp.ClientSession())
        bus_a = await stack.enter_async_context(a.connect("incidents"))
        bus_b = await stack.enter_async_context(b.connect("incidents"))
        await ensure_stream(bus_b.js, events_stream(b.name))
        await mirrors.ensure_mirror(bus_a.js, b.name)

        async def healthz() -> tuple[int, dict[str, Any]]:
            async with session.get(url) as response:
                return response.status, await response.json()

        async def region_is(status: str) -> tuple[int, dict[str, Any]] | None:
            code, report = await healthz()
            entry = report.get("regions", {}).get(b.name, {})
            return (code, report) if entry.get("status") == status else None

        code, report = await wait_for(lambda: region_is("ok"), timeout=30)
        assert code == 200 and report["status"] == "ok"
        assert report["regions"][b.name]["active"] < 10 and report["regions"][b.name]["lag"] == 0
        assert "degradedRegions" not in report

        await regions.link.cut()
        cut = time.monotonic()
        code, report = await wait_for(lambda: region_is("degraded"), timeout=60,
                                      interval=0.5)
        assert time.monotonic() - cut > mirrors.SILENT_AFTER - 1
        assert code == 200 and report["status"] == "ok"  # this region serves on
        assert report["degradedRegions"] == [b.name]
        assert report["regions"][b.name]["active"] > mirrors.SILENT_AFTER

        regions.link.heal()
        # The server's mirror retry back-off: 15-40 s after a heal (reference/nats.md).
        await wait_for(lambda: region_is("ok"), timeout=120, interval=0.5)
