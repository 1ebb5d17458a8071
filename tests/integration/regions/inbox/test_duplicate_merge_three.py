"""Three regions cut off from one another each open an incident for the same alarm: once
they hear from each other again every region keeps the same one open (the one created
first) and the two others resolved by their own regions, and every region lists the same
records."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from itertools import permutations
from pathlib import Path
from typing import Any

import pytest_asyncio

from tests.integration.regions.inbox.conftest import Region as InboxRegion
from tests.integration.regions.inbox.conftest import all_applied, mirror_all, three_regions
from tests.integration.regions.inbox.test_duplicate_merge import (
    TIMEOUT,
    alarm,
    events,
    publish,
    records,
)
from tocsin.incidents.duplicates.domain import DUPLICATE_MERGED, MERGED_INTO
from tocsin.shared import errors
from tocsin.shared.testing import wait_for


@pytest_asyncio.fixture
async def three(tmp_path: Path, database_url: str,
                master_key_file: str) -> AsyncIterator[list[InboxRegion]]:
    """Regions A (the leaf hub), B and C, each with its incidents service, each mirroring
    the two others' events."""
    async with three_regions(tmp_path, database_url, master_key_file) as made:
        yield made


async def test_three_regions_apart_keep_the_incident_created_first(
        three: list[InboxRegion]) -> None:
    a = three[0]
    await a.call("incidents", "CreateReplicationSet", {"regions": {a.name: {}}})
    plan = str((await a.call("incidents", "CreateResponsePlan", {
        "name": "db", "incidentTemplate": {"title": "Database down", "impact": 2}}))["arn"])

    async def everywhere() -> bool:
        for region in three[1:]:
            try:
                await region.call("incidents", "GetResponsePlan", {"arn": plan})
            except (errors.NotFoundError, errors.ValidationError):
                return False
            if not (await region.call("incidents", "ListReplicationSets"))[
                    "replicationSetArns"]:
                return False
        return True
    await wait_for(everywhere, timeout=TIMEOUT)

    # Cut off from one another: each region's own alarm opens its own incident.
    for region in three:
        for stream in await region.bus.js.streams_info():
            if stream.config.mirror is not None:
                await region.bus.js.delete_stream(stream.config.name or "")
    body = alarm("db-primary-down")
    opened: dict[str, dict[str, Any]] = {}
    for region in three:
        await publish(region, body, "db")
        [opened[region.name]] = await wait_for(lambda r=region: records(r), timeout=TIMEOUT)
    survivor = min(opened.items(), key=lambda p: (p[1]["creationTime"], p[0], p[1]["arn"]))[
        1]["arn"]
    duplicates = {r["arn"] for r in opened.values()} - {survivor}
    assert len(duplicates) == 2

    await mirror_all(three)

    seen: dict[str, Any] = {}

    async def merged() -> bool:
        for region in three:
            listed = {r["arn"]: r["status"] for r in await records(region)}
            # Each merge's note on the incident it merged into (the survivor, or a
            # duplicate merged into it in turn), which follows the resolution.
            notes = [len(await events(region, arn, DUPLICATE_MERGED)) for arn in listed]
            seen[region.name] = (listed, notes)
            if listed != {survivor: "OPEN", **dict.fromkeys(duplicates, "RESOLVED")}:
                return False
            if sum(notes) != 2:
                return False
        return True
    try:
        await wait_for(merged, timeout=TIMEOUT)
    except AssertionError:
        raise AssertionError(f"not merged: survivor {survivor}, seen {seen}") from None
    for x, y in permutations(three, 2):
        await all_applied(x, y, "incidents")

    listings = [await records(region) for region in three]
    assert listings[0] == listings[1] == listings[2]
    for region in three:
        for duplicate in duplicates:
            [note] = await events(region, duplicate, MERGED_INTO)
            # Merged into the survivor, or into an incident itself merged into it.
            assert json.loads(note["eventData"])["survivorArn"] in {survivor, *duplicates}
        assert len(await events(region, survivor, DUPLICATE_MERGED)) >= 1
