"""Three regions: an incident that reaches a region by another region's update, before its
creation, has every attribute stamped as the updating region held it (and an update of an
incident the region holds brings every attribute it is later for), so that an older change
of any of them arriving later changes nothing there, as it changed nothing in the updating
region (tocsin.incidents.records.attributes).

The order is forced as in test_arrival_order: C's mirror of A is removed (the A -> C link
cut) while A opens, resolves and re-opens an incident and B, having seen all three,
retitles it. C applies B's retitle, which brings it the incident; then C mirrors only A's
creation and resolution (a mirror filtered by subject), as when A's later events are late
or A is lost: the resolution, older than the re-opening B's retitle showed, must not
resolve the incident in C. Then C mirrors all of A, and the three regions converge."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from nats.js.api import SubjectTransform

from tests.integration.regions.inbox.conftest import (
    Region,
    applied,
    mirror,
    three_regions,
)
from tocsin.local.digest import region_digests
from tocsin.shared import errors
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.testing import wait_for

TIMEOUT = 60.0


@pytest_asyncio.fixture
async def three(tmp_path: Path, database_url: str,
                master_key_file: str) -> AsyncIterator[list[Region]]:
    async with three_regions(tmp_path, database_url, master_key_file) as made:
        yield made


async def _record(region: Region, arn: str) -> dict[str, Any] | None:
    try:
        found = await region.call("incidents", "GetIncidentRecord", {"arn": arn})
    except (errors.NotFoundError, errors.ValidationError):
        return None
    return dict(found["incidentRecord"])


async def _published(conn: asyncpg.Connection, region: Region) -> None:
    async def empty() -> bool:
        return not await conn.fetchval(f'SELECT count(*) FROM "{region.name}_incidents".outbox')
    await wait_for(empty, timeout=TIMEOUT)


async def _digests(region: Region, database_url: str) -> dict[str, Any]:
    found = await region_digests(database_url, region=region.name,
                                 schema_prefix=f"{region.name}_")
    return dict(found["incidents"])


async def _mirror_only(into: Region, origin: Region, types: list[str]) -> None:
    """``into`` mirrors only the events of ``types`` of ``origin``'s incidents service, and
    its inbox has applied them."""
    config = mirrors.mirror_config(origin.name)
    assert config.mirror is not None
    subjects = [f"events.{origin.name}.incidents.{t}" for t in types]
    await into.bus.js.add_stream(dataclasses.replace(config, mirror=dataclasses.replace(
        config.mirror, subject_transforms=[SubjectTransform(src=s, dest=s)
                                           for s in subjects])))

    async def done() -> bool:
        try:
            info = await into.bus.js.consumer_info(origin.stream,
                                                   f"{into.name}_incidents-inbox")
        except Exception:
            return False
        held = (await into.bus.js.stream_info(origin.stream)).state.messages
        return held == len(types) and not info.num_pending and not info.num_ack_pending
    await wait_for(done, timeout=TIMEOUT)


@pytest.mark.parametrize("creation_first", [False, True],
                         ids=["incident-by-the-update", "incident-by-its-creation"])
async def test_an_older_change_after_a_later_update_changes_nothing(
        three: list[Region], database_url: str, creation_first: bool) -> None:
    """Whether C holds the incident by B's retitle or, ``creation_first``, by A's
    creation before it: the retitle brings C every attribute as B held it."""
    a, b, c = three
    await a.call("incidents", "CreateReplicationSet", {"regions": {a.name: {}}})
    plan = str((await a.call("incidents", "CreateResponsePlan", {
        "name": "db", "incidentTemplate": {"title": "Database down", "impact": 2}}))["arn"])

    async def plan_everywhere() -> bool:
        for region in three:
            try:
                await region.call("incidents", "GetResponsePlan", {"arn": plan})
            except (errors.NotFoundError, errors.ValidationError):
                return False
        return True
    await wait_for(plan_everywhere, timeout=TIMEOUT)

    if not creation_first:
        await c.bus.js.delete_stream(a.stream)  # C hears nothing more of A
    incident = str((await a.call("incidents", "StartIncident", {
        "responsePlanArn": plan, "title": "Primary unreachable"}))["incidentRecordArn"])
    if creation_first:
        await wait_for(lambda: _record(c, incident), timeout=TIMEOUT)
        await c.bus.js.delete_stream(a.stream)
    await a.call("incidents", "UpdateIncidentRecord", {"arn": incident, "status": "RESOLVED"})
    await a.call("incidents", "UpdateIncidentRecord", {"arn": incident, "status": "OPEN"})

    async def b_as_a() -> bool:
        return await _record(b, incident) == await _record(a, incident)
    await wait_for(b_as_a, timeout=TIMEOUT)
    await b.call("incidents", "UpdateIncidentRecord", {"arn": incident, "title": "by B"})

    conn = await asyncpg.connect(database_url)
    try:
        await _published(conn, b)
        await applied(c, b, "incidents")
        # C holds the incident as B holds it.
        assert await _record(c, incident) == await _record(b, incident)

        await _mirror_only(c, a, ["IncidentRecordCreated", "IncidentRecordResolved"])
        # A's resolution is older than the re-opening B's retitle brought: C keeps B's.
        held_by_b = await _record(b, incident)
        assert held_by_b is not None and held_by_b["status"] == "OPEN"
        assert await _record(c, incident) == held_by_b
        assert (await _digests(c, database_url))["incident_records"] == \
            (await _digests(b, database_url))["incident_records"]

        await c.bus.js.delete_stream(a.stream)
        await mirror(c, a)
        for into in three:
            for origin in three:
                if into is not origin:
                    for reader in ("inbox", "replication-set"):
                        await applied(into, origin, "incidents", reader)
    finally:
        await conn.close()
    found = [await _digests(region, database_url) for region in three]
    differing = sorted(kind for kind in found[0] if len({str(d.get(kind)) for d in found}) > 1)
    assert differing == [], differing
    for region in three:
        record = await _record(region, incident)
        assert record is not None
        assert (record["title"], record["status"]) == ("by B", "OPEN"), region.name
