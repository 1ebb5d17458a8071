"""A replication set of two regions: created in one, seen in both, each region ACTIVE once
its mirror is live; a region that cannot be reached FAILED with the reason."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.testing import wait_for

from .conftest import Regions

ALICE = "arn:tocsin:iam::000000000000:user/alice"


async def call(bus: Bus, operation: str, params: dict[str, Any] | None = None) -> Any:
    reply = await bus.request(f"tocsin.rpc.incidents.{operation}", params or {},
                              headers={"Tocsin-Principal": ALICE})
    return codec.decode(reply, dict[str, Any])


async def the_set(bus: Bus) -> dict[str, Any] | None:
    arns = (await call(bus, "ListReplicationSets"))["replicationSetArns"]
    if not arns:
        return None
    try:
        rs: dict[str, Any] = (await call(bus, "GetReplicationSet", {"arn": arns[0]}))[
            "replicationSet"]
    except errors.NotFoundError:  # deleted between the two calls
        return None
    return rs


def statuses(rs: dict[str, Any] | None) -> dict[str, str]:
    return {name: info["status"] for name, info in (rs or {}).get("regionMap", {}).items()}


@pytest.mark.timeout(300)
async def test_a_set_made_in_one_region_is_active_in_both(regions: Regions) -> None:
    a, b = regions.a, regions.b
    async with a.running("incidents"), b.running("incidents"), \
            a.connect("gateway") as gw_a, b.connect("gateway") as gw_b, \
            b.connect("incidents") as bus_b:
        arn = (await call(gw_a, "CreateReplicationSet",
                          {"regions": {a.name: {}, b.name: {}}}))["arn"]
        created = await the_set(gw_a)
        assert created is not None and created["status"] == "CREATING"
        assert statuses(created) == {a.name: "ACTIVE", b.name: "CREATING"}

        async def active_in(bus: Bus) -> bool:
            rs = await the_set(bus)
            return rs is not None and rs["status"] == "ACTIVE" and \
                statuses(rs) == {a.name: "ACTIVE", b.name: "ACTIVE"}
        # b hears of the set from its mirror of a (which a made), marks itself ACTIVE
        # once that mirror is live, and a hears that from its mirror of b.
        await wait_for(lambda: active_in(gw_b), timeout=60)
        await wait_for(lambda: active_in(gw_a), timeout=60)
        assert (await the_set(gw_b))["arn"] == arn  # type: ignore[index]
        # a's events are in b's mirror of a, with a's own sequence numbers.
        info = await bus_b.js.stream_info(mirrors.mirror_name(a.name), subjects_filter=">")
        assert info.state.subjects is not None
        assert f"events.{a.name}.incidents.ReplicationSetCreated" in info.state.subjects
        assert set(await mirrors.mirrors(bus_b.js)) == {a.name}

        # A change in b (deletion protection) is seen in a.
        await call(gw_b, "UpdateDeletionProtection", {"arn": arn, "deletionProtected": True})

        async def protected() -> bool:
            rs = await the_set(gw_a)
            return bool(rs and rs["deletionProtected"])
        await wait_for(protected, timeout=30)


async def test_a_region_that_cannot_be_reached_fails(regions: Regions) -> None:
    a = regions.a
    async with a.running("incidents", region_unreachable_after=1.0), \
            a.connect("gateway") as gw:
        await call(gw, "CreateReplicationSet", {"regions": {a.name: {}, "nowhere": {}}})

        async def failed() -> dict[str, Any] | None:
            rs = await the_set(gw)
            return rs if rs and statuses(rs).get("nowhere") == "FAILED" else None
        rs = await wait_for(failed, timeout=30)
        assert rs["status"] == "FAILED"
        assert "nowhere cannot be reached" in rs["regionMap"]["nowhere"]["statusMessage"]
        assert statuses(rs)[a.name] == "ACTIVE"


@pytest.mark.timeout(300)
async def test_a_region_leaves_a_day_later_and_the_deleted_set_goes_everywhere(
        regions: Regions) -> None:
    """At 5000 plan seconds a second, the 24-hour rule passes in 17 seconds: the
    removed region's mirror goes, and so do the mirrors of a set deleted since."""
    a, b = regions.a, regions.b
    fast = {"clock_scale": 5000.0, "clock_epoch": time.time()}
    async with a.running("incidents", **fast), b.running("incidents", **fast), \
            a.connect("gateway") as gw_a, b.connect("gateway") as gw_b, \
            a.connect("incidents") as bus_a, b.connect("incidents") as bus_b:
        arn = (await call(gw_a, "CreateReplicationSet",
                          {"regions": {a.name: {}, b.name: {}}}))["arn"]

        async def both_active(bus: Bus) -> bool:
            return statuses(await the_set(bus)) == {a.name: "ACTIVE", b.name: "ACTIVE"}
        await wait_for(lambda: both_active(gw_a), timeout=60)
        await wait_for(lambda: both_active(gw_b), timeout=60)
        with pytest.raises(errors.ValidationError, match="24 hours"):
            await call(gw_b, "UpdateReplicationSet", {
                "arn": arn, "actions": [{"deleteRegionAction": {"regionName": b.name}}]})

        async def removed() -> bool:
            try:
                await call(gw_a, "UpdateReplicationSet", {
                    "arn": arn, "actions": [{"deleteRegionAction": {"regionName": b.name}}]})
            except errors.ValidationError as exc:
                assert "24 hours" in str(exc)
                return False
            return True
        await wait_for(removed, timeout=60, interval=0.5)

        async def mirrored(bus: Bus, expected: set[str]) -> bool:
            return set(await mirrors.mirrors(bus.js)) == expected
        await wait_for(lambda: mirrored(bus_a, set()), timeout=30)
        await wait_for(lambda: mirrored(bus_b, set()), timeout=30)  # b is out of the set
        assert statuses(await the_set(gw_a)) == {a.name: "ACTIVE"}

        # b is added again: a makes b's mirror of a again, and b hears of it.
        await call(gw_a, "UpdateReplicationSet", {
            "arn": arn, "actions": [{"addRegionAction": {"regionName": b.name}}]})
        await wait_for(lambda: both_active(gw_b), timeout=60)
        await wait_for(lambda: both_active(gw_a), timeout=60)

        await call(gw_a, "DeleteReplicationSet", {"arn": arn})

        async def gone(bus: Bus) -> bool:
            return await the_set(bus) is None
        await wait_for(lambda: gone(gw_b), timeout=30)
        await wait_for(lambda: mirrored(bus_a, set()), timeout=30)
        await wait_for(lambda: mirrored(bus_b, set()), timeout=30)


@pytest.mark.timeout(300)
async def test_a_failed_region_that_comes_back_is_active_in_both(regions: Regions) -> None:
    """The link is down when the set is made: the other region is FAILED; once the link
    is back that region hears of the set, marks itself ACTIVE, and that later change of its
    status wins in both regions."""
    a, b = regions.a, regions.b
    await regions.link.cut()
    async with a.running("incidents", region_unreachable_after=1.0), b.running("incidents"), \
            a.connect("gateway") as gw_a, b.connect("gateway") as gw_b:
        await call(gw_a, "CreateReplicationSet", {"regions": {a.name: {}, b.name: {}}})

        async def b_is(bus: Bus, status: str) -> bool:
            return statuses(await the_set(bus)).get(b.name) == status
        await wait_for(lambda: b_is(gw_a, "FAILED"), timeout=30)
        assert await the_set(gw_b) is None  # b heard nothing

        regions.link.heal()
        await wait_for(lambda: b_is(gw_b, "ACTIVE"), timeout=120, interval=0.5)
        # a's mirror of b was made while b was away: the server's retry back-off.
        await wait_for(lambda: b_is(gw_a, "ACTIVE"), timeout=120, interval=0.5)
        rs = await the_set(gw_a)
        assert rs is not None and rs["status"] == "ACTIVE"
        assert "statusMessage" not in rs["regionMap"][b.name]
