"""What crosses the leaf connection between two regions: the mirrors' traffic, and
nothing of a region's own (alarms, requests, deliveries, audit records, events)."""

from __future__ import annotations

import asyncio

import nats.errors
import pytest

from tocsin.shared.bus import alarms_stream, ensure_stream, events_stream
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.testing import wait_for

from .conftest import Regions


async def test_a_region_s_events_reach_the_other_by_its_mirror(regions: Regions) -> None:
    a, b = regions.a, regions.b
    async with a.connect("incidents") as bus_a, b.connect("incidents") as bus_b:
        await ensure_stream(bus_a.js, events_stream(a.name))
        assert await mirrors.ensure_mirror(bus_b.js, a.name)
        for i in range(5):
            await bus_a.js.publish(f"events.{a.name}.incidents.Test", str(i).encode())
        mirror = mirrors.mirror_name(a.name)

        async def copied() -> bool:
            return (await bus_b.js.stream_info(mirror)).state.messages == 5
        await wait_for(copied, timeout=30)
        info = await bus_b.js.stream_info(mirror, subjects_filter=">")
        assert info.state.subjects == {f"events.{a.name}.incidents.Test": 5}
        assert (info.state.first_seq, info.state.last_seq) == (1, 5)  # the origin's
        (health,) = await mirrors.health(bus_b.js)
        assert health.region == a.name and health.status == "ok"


async def test_this_region_s_mirror_is_made_in_the_other_s_domain(regions: Regions) -> None:
    """The region that keeps the mirrors makes the other region mirror it, over the leaf
    connection (that is how the other learns of a replication set)."""
    a, b = regions.a, regions.b
    async with a.connect("incidents") as bus_a, b.connect("incidents") as bus_b:
        await ensure_stream(bus_a.js, events_stream(a.name))
        assert await mirrors.ensure_mirrored_in(bus_a.nc, here=a.name, there=b.name)
        assert not await mirrors.ensure_mirrored_in(bus_a.nc, here=a.name, there=b.name)
        assert set(await mirrors.mirrors(bus_b.js)) == {a.name}
        with pytest.raises(Exception) as raised:
            await mirrors.ensure_mirrored_in(bus_a.nc, here=a.name, there="nowhere")
        assert mirrors.unreachable(raised.value), raised.value


async def test_alarms_stay_in_the_region_they_are_published_in(regions: Regions) -> None:
    a, b = regions.a, regions.b
    async with a.connect("incidents") as bus_a, b.connect("incidents") as bus_b:
        for bus, region in ((bus_a, a), (bus_b, b)):
            await ensure_stream(bus.js, alarms_stream())
            await ensure_stream(bus.js, events_stream(region.name))
        await mirrors.ensure_mirror(bus_b.js, a.name)
        publisher = await a.client("alarm-publisher")
        try:
            ack = await publisher.jetstream().publish("alarms.cloudwatch", b"{}")
            assert ack.stream == "ALARMS"
        finally:
            await publisher.close()
        # The barrier: an event published in a after the alarm reaches b's mirror over
        # the same leaf connection, after where the alarm would have.
        await bus_a.js.publish(f"events.{a.name}.incidents.Test", b"after")

        async def copied() -> bool:
            return (await bus_b.js.stream_info(mirrors.mirror_name(a.name))
                    ).state.messages == 1
        await wait_for(copied, timeout=30)
        assert (await bus_a.js.stream_info("ALARMS")).state.messages == 1
        assert (await bus_b.js.stream_info("ALARMS")).state.messages == 0


async def test_requests_are_answered_by_their_own_region(regions: Regions) -> None:
    a, b = regions.a, regions.b
    served_a, served_b = await a.client("incidents"), await b.client("incidents")
    caller = await b.client("gateway")
    try:
        async def answer(region: str):  # type: ignore[no-untyped-def]
            async def cb(msg) -> None:  # type: ignore[no-untyped-def]
                await msg.respond(region.encode())
            return cb
        await served_a.subscribe("tocsin.rpc.incidents.>", queue="incidents",
                                 cb=await answer(a.name))
        await served_a.flush()
        # The barrier: a round trip from b to a's JetStream over the leaf connection comes
        # back after a's interest in the requests would have reached b.
        await regions.leaf_up()
        # Only a serves: b's request finds no one (a's server is not asked).
        with pytest.raises(nats.errors.NoRespondersError):
            await caller.request("tocsin.rpc.incidents.GetReplicationSet", b"{}", timeout=2)
        await served_b.subscribe("tocsin.rpc.incidents.>", queue="incidents",
                                 cb=await answer(b.name))
        await served_b.flush()
        for _ in range(20):
            reply = await caller.request("tocsin.rpc.incidents.GetReplicationSet", b"{}",
                                         timeout=2)
            assert reply.data == b.name.encode()
    finally:
        for nc in (served_a, served_b, caller):
            await nc.close()
    await asyncio.sleep(0)
