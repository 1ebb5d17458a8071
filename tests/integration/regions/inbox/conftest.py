"""Two regions of a replication set on loopback, as production joins them: each its own
NATS server (a JetStream domain named after the region) and its own schemas (one PostgreSQL,
two schema prefixes), joined by a leaf connection, each region's ``EVENTS_<REGION>``
mirrored into the other through the remote domain's API prefix (``$JS.<domain>.API``).

The leaf carries what a mirror needs and no requests: each region's services answer their
own region's callers only (``tocsin.rpc.>`` and ``$SRV.>`` stay on their side), and an
alarm or change published in one region is not captured by the other's stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats.js.errors
import pytest
import pytest_asyncio

from tocsin.analysis import app as analysis_app
from tocsin.analysis.settings import Settings as AnalysisSettings
from tocsin.contacts import app as contacts_app
from tocsin.contacts.settings import Settings as ContactsSettings
from tocsin.incidents import app as incidents_app
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.local.servers import EmbeddedServer, free_port, nats_server
from tocsin.shared import codec
from tocsin.shared.bus import Bus, connect
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.testing import running, wait_for

PRINCIPAL = "arn:tocsin:iam::000000000000:user/alice"
LOCAL_ONLY = ["tocsin.rpc.>", "$SRV.>", "alarms.>", "changes.>"]
"""Subjects the leaf does not carry: requests, pings, alarms and changes stay in their
region."""


@dataclass
class Region:
    """One region: its name (and JetStream domain), its NATS and a client on it."""

    name: str
    nats_url: str
    bus: Bus
    incidents: IncidentsSettings | None = None
    contacts: ContactsSettings | None = None

    async def call(self, service: str, operation: str, params: dict[str, Any] | None = None,
                   principal: str = PRINCIPAL) -> dict[str, Any]:
        """An operation of one of this region's services, as the gateway requests it."""
        reply = await self.bus.request(f"tocsin.rpc.{service}.{operation}", params or {},
                                       headers={"Tocsin-Principal": principal})
        result: dict[str, Any] = codec.decode(reply, dict[str, Any])
        return result

    @property
    def stream(self) -> str:
        return f"EVENTS_{self.name.upper()}"

    async def last_stamp(self, subject: str, *, timeout: float = 30.0) -> tuple[int, str]:
        """The stamp (hybrid logical clock, region) of the last event on ``subject`` in this
        region's own stream, once its outbox has published one."""
        async def last() -> Any:
            try:
                return await self.bus.js.get_last_msg(self.stream, subject)
            except nats.js.errors.NotFoundError:
                return None
        msg = await wait_for(last, timeout=timeout)
        envelope = codec.decode(msg.data or b"", codec.Envelope)
        assert envelope.hlc is not None
        return envelope.hlc, envelope.region


def _nats(folder: Path, region: str, *, leaf_port: int, hub: bool,
          port: int | None = None) -> EmbeddedServer:
    """A region's NATS (on ``port``, else a free one): JetStream domain ``region``; the hub
    listens for the leaf, the other connects to it."""
    folder.mkdir(parents=True, exist_ok=True)
    leaf: dict[str, Any] = (
        {"host": "127.0.0.1", "port": leaf_port, "no_advertise": True} if hub else
        {"remotes": [{"url": f"nats-leaf://127.0.0.1:{leaf_port}",
                      "deny_imports": LOCAL_ONLY, "deny_exports": LOCAL_ONLY}]})
    config = folder / "nats.conf"
    # JSON is a valid NATS configuration.
    config.write_text(json.dumps({"jetstream": {"domain": region}, "leafnodes": leaf}))
    return nats_server(folder / "data", port=port, config=config, log=folder / "nats.log")


@pytest.fixture
def region_servers(tmp_path: Path) -> Iterator[tuple[str, str, str, str]]:
    """Two regions' names and NATS URLs, joined by a leaf connection."""
    tag = uuid.uuid4().hex[:8]
    a, b = f"ra{tag}", f"rb{tag}"
    leaf_port = free_port()
    hub = _nats(tmp_path / "a", a, leaf_port=leaf_port, hub=True)
    try:
        spoke = _nats(tmp_path / "b", b, leaf_port=leaf_port, hub=False)
        try:
            yield a, hub.url, b, spoke.url
        finally:
            spoke.stop()
    finally:
        hub.stop()


async def mirror(into: Region, origin: Region) -> None:
    """``EVENTS_<ORIGIN>`` in ``into``'s JetStream: the mirror the region keeper makes
    (:func:`tocsin.shared.bus.regions.ensure_mirror`), once the origin's API answers across
    the leaf."""
    for _ in range(100):
        try:
            await mirrors.ensure_mirror(into.bus.js, origin.name)
            return
        except nats.js.errors.APIError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"no mirror of {origin.stream} in {into.name}")


@contextlib.asynccontextmanager
async def start_regions(servers: tuple[str, str, str, str], database_url: str,
                        key_files: tuple[str, str]) -> AsyncIterator[tuple[Region, Region]]:
    """Regions A and B, each with its incidents and contacts services and its master key
    file (one file for both: regions sharing their key-encryption key), each mirroring the
    other's events."""
    a_name, a_url, b_name, b_url = servers
    async with contextlib.AsyncExitStack() as stack:
        made = []
        for name, url, key_file in ((a_name, a_url, key_files[0]),
                                    (b_name, b_url, key_files[1])):
            bus = await stack.enter_async_context(connect([url], name=f"tests-{name}"))
            names = {"region": name, "schema_prefix": f"{name}_",
                     "master_key_file": key_file}
            incidents = IncidentsSettings(
                nats_url=url, database_url=database_url, shutdown_grace=5,
                outbox_poll_interval=0.2, inbox_rescan=0.5,
                changes_filter=f"changes.{name}.>", alarms_filter=f"alarms.{name}.>", **names)
            await stack.enter_async_context(running(incidents_app.lifespan, incidents))
            contacts = ContactsSettings(nats_url=url, database_url=database_url,
                                        shutdown_grace=5, outbox_poll_interval=0.2,
                                        inbox_rescan=0.5, **names)
            await stack.enter_async_context(running(contacts_app.lifespan, contacts))
            made.append(Region(name, url, bus, incidents, contacts))
        region_a, region_b = made
        await mirror(region_a, region_b)
        await mirror(region_b, region_a)
        yield region_a, region_b


@pytest_asyncio.fixture
async def regions(region_servers: tuple[str, str, str, str], database_url: str,
                  master_key_file: str) -> AsyncIterator[tuple[Region, Region]]:
    """Regions A and B, each with its incidents and contacts services, each mirroring the
    other's events; they share the session's master key."""
    async with start_regions(region_servers, database_url,
                             (master_key_file, master_key_file)) as made:
        yield made


@pytest_asyncio.fixture
async def analysis_regions(regions: tuple[Region, Region], database_url: str,
                           master_key_file: str) -> AsyncIterator[tuple[Region, Region]]:
    """Regions A and B with incidents, contacts and analysis services, each mirroring the
    other's events."""
    async with contextlib.AsyncExitStack() as stack:
        for region in regions:
            await stack.enter_async_context(running(analysis_app.lifespan, AnalysisSettings(
                nats_url=region.nats_url, database_url=database_url, shutdown_grace=5,
                outbox_poll_interval=0.2, inbox_rescan=0.5, region=region.name,
                schema_prefix=f"{region.name}_", master_key_file=master_key_file)))
        yield regions


@contextlib.asynccontextmanager
async def partition(a: Region, b: Region) -> AsyncIterator[None]:
    """Neither region hears from the other inside the block; both mirrors are made again
    after it (from the first event, as a mirror that catches up reads them)."""
    for into in (a, b):
        for stream in await into.bus.js.streams_info():
            if stream.config.mirror is not None:
                await into.bus.js.delete_stream(stream.config.name or "")
    yield
    await mirror(a, b)
    await mirror(b, a)


@contextlib.asynccontextmanager
async def three_regions(folder: Path, database_url: str, master_key_file: str,
                        services: tuple[str, ...] = ("incidents",)
                        ) -> AsyncIterator[list[Region]]:
    """Regions A (the leaf hub), B and C, each running ``services`` (incidents, contacts),
    each mirroring the two others' events."""
    tag = uuid.uuid4().hex[:8]
    names = [f"ra{tag}", f"rb{tag}", f"rc{tag}"]
    leaf_port = free_port()
    servers = [_nats(folder / names[0], names[0], leaf_port=leaf_port, hub=True)]
    try:
        for name in names[1:]:
            servers.append(_nats(folder / name, name, leaf_port=leaf_port, hub=False))
        async with contextlib.AsyncExitStack() as stack:
            made = []
            for name, server in zip(names, servers, strict=True):
                bus = await stack.enter_async_context(connect([server.url],
                                                              name=f"tests-{name}"))
                common: dict[str, Any] = {
                    "nats_url": server.url, "database_url": database_url,
                    "shutdown_grace": 5, "outbox_poll_interval": 0.2, "inbox_rescan": 0.5,
                    "region": name, "schema_prefix": f"{name}_",
                    "master_key_file": master_key_file}
                region = Region(name, server.url, bus)
                if "incidents" in services:
                    region.incidents = IncidentsSettings(
                        changes_filter=f"changes.{name}.>", alarms_filter=f"alarms.{name}.>",
                        **common)
                    await stack.enter_async_context(running(incidents_app.lifespan,
                                                            region.incidents))
                if "contacts" in services:
                    region.contacts = ContactsSettings(**common)
                    await stack.enter_async_context(running(contacts_app.lifespan,
                                                            region.contacts))
                made.append(region)
            await mirror_all(made)
            yield made
    finally:
        for server in reversed(servers):
            server.stop()


async def mirror_all(regions: list[Region]) -> None:
    """Every region mirrors every other's events (again, after mirrors were deleted)."""
    for into, origin in itertools.permutations(regions, 2):
        await mirror(into, origin)


async def applied(into: Region, origin: Region, service: str, reader: str = "inbox") -> None:
    """``into``'s ``service`` inbox (or its other ``reader`` of the mirrors, such as the
    incidents service's ``replication-set``) has acknowledged everything ``origin``'s
    stream holds."""
    async def done() -> bool:
        try:
            info = await into.bus.js.consumer_info(origin.stream,
                                                   f"{into.name}_{service}-{reader}")
        except Exception:
            return False
        mirrored = (await into.bus.js.stream_info(origin.stream)).state.last_seq
        theirs = (await origin.bus.js.stream_info(origin.stream)).state.last_seq
        return mirrored >= theirs and not info.num_pending and not info.num_ack_pending
    await wait_for(done, timeout=30.0)


async def redelivery_changes_nothing(into: Region, origin: Region, service: str,
                                     digest: Callable[[], Awaitable[Any]]) -> None:
    """Every ``service`` event of ``origin`` read again by ``into``'s inbox (its durable
    made anew reads the mirror from the start) leaves what ``digest`` reads as it was."""
    before = await digest()
    durable = f"{into.name}_{service}-inbox"
    await into.bus.js.delete_consumer(origin.stream, durable)
    last = (await into.bus.js.stream_info(origin.stream)).state.last_seq

    async def read_again() -> bool:
        try:
            info = await into.bus.js.consumer_info(origin.stream, durable)
        except Exception:
            return False
        return info.delivered.stream_seq >= last and info.num_ack_pending == 0 \
            and info.num_pending == 0
    # The inbox declares its durable again once its pulls fail (the one waiting when the
    # durable went is only answered at its expiry), then reads the whole mirror again: on
    # a machine busy with other tests that took more than 30 s.
    await wait_for(read_again, timeout=90.0)
    assert await digest() == before


async def all_applied(a: Region, b: Region, service: str) -> None:
    """Each region's ``service`` inbox has acknowledged everything the other region's
    stream holds."""
    await applied(a, b, service)
    await applied(b, a, service)
