"""Two regions on loopback: the fixture other region tests build on.

``regions`` gives two complete regions, ``a`` and ``b`` (:class:`Region`), each with

- its own NATS, started as ``make run`` starts it (:func:`tocsin.local.identities.nats_config`):
  JetStream domain = the region's name, only the generated identities admitted, each within
  its permissions; ``a`` accepts leaf connections, ``b`` dials ``a`` through a
  :class:`Link`, an in-process TCP proxy the test can cut (RST) and heal;
- its own database in the session's PostgreSQL (so services run with the deployment's
  schema names, which the NATS permissions are written for);
- the session's master key.

Services run in the test's event loop, each as its own NATS identity::

    async def test_x(regions: Regions) -> None:
        a, b = regions.a, regions.b
        async with a.running("incidents"), b.running("incidents", clock_scale=60.0), \
                a.connect("gateway") as gateway:     # a Bus as that identity
            await gateway.request("tocsin.rpc.incidents.ListReplicationSets", {},
                                  headers={"Tocsin-Principal": ALICE})
            await regions.link.cut(); ...; regions.link.heal()
            await regions.leaf_up()                # b reaches a's JetStream again

:meth:`Region.stack` runs every service (or those named) and yields the gateway's
:class:`Endpoints` (HTTP API signed with :data:`ACCESS_KEY_ID` / :data:`SECRET_KEY`),
:meth:`Region.settings` builds any service's settings for that region (overrides as
keyword arguments), :meth:`Region.client` a raw nats-py client as an identity,
:meth:`Region.restart_nats` stops and starts the region's NATS (same port, same store).
Region names default to ``east`` and ``west``; a module overrides ``region_names``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import socket
import struct
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import nats
import nats.js.errors
import pytest
import pytest_asyncio

from tocsin.local import identities, servers
from tocsin.shared.bus.connection import Bus, connect_as
from tocsin.shared.bus.identities import IDENTITIES, inbox_prefix
from tocsin.shared.config import BaseSettings, Secret
from tocsin.shared.testing import running

__all__ = ["ACCESS_KEY_ID", "SECRET_KEY", "Endpoints", "Link", "Region", "Regions"]


class Link:
    """A TCP proxy on 127.0.0.1 in front of a region's leaf port: ``cut`` resets every
    connection through it and refuses new ones until ``heal``."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = servers.free_port()
        self.up = True
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            _reset(writer)
            return
        self._pipes |= {writer, up_writer}
        await asyncio.gather(_pump(reader, up_writer), _pump(up_reader, writer),
                             return_exceptions=True)
        self._pipes -= {writer, up_writer}

    async def cut(self) -> None:
        """Reset every connection (as a network failure does) and refuse new ones."""
        self.up = False
        for writer in list(self._pipes):
            _reset(writer)
        self._pipes.clear()

    def heal(self) -> None:
        self.up = True

    async def close(self) -> None:
        await self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # linger 0: close sends RST
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.transport.abort()


_SERVICES = ("incidents", "contacts", "escalation", "runbooks", "analysis", "notifications",
             "gateway")
ACCESS_KEY_ID, SECRET_KEY = "TOCSINREGIONS", "tocsin-regions-secret"
"""The API key pair every region's gateway accepts (an administrator of the account)."""


@dataclass
class Endpoints:
    """Where a region's gateway answers (empty when it does not run)."""

    http: str = ""
    grpc: str = ""


@dataclass
class Region:
    """One region: its NATS (JetStream domain = ``name``), its database, its identities."""

    name: str
    folder: Path
    database_url: str
    master_key_file: str
    leaf_listen: str = ""
    leaf_remotes: tuple[str, ...] = ()
    ids: identities.Identities = field(init=False)
    port: int = field(init=False)
    nats: servers.EmbeddedServer = field(init=False)

    def __post_init__(self) -> None:
        data = identities.private_folder(self.folder)
        self.ids = identities.prepare(data)
        self.port = servers.free_port()

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start_nats(self) -> None:
        conf = self.ids.folder / "nats.conf"
        identities.write_private(conf, identities.nats_config(
            self.ids, region=self.name, leaf_listen=self.leaf_listen,
            leaf_remotes=self.leaf_remotes))
        self.nats = servers.nats_server(self.folder / "nats", port=self.port, config=conf,
                                        log=self.folder / "nats.log")

    async def restart_nats(self, *, kill: bool = False) -> None:
        """Stop the region's NATS (SIGKILL with ``kill``) and start it again."""
        if kill:
            self.nats.kill()
            await asyncio.to_thread(self.nats.process.wait, 30)
        else:
            await asyncio.to_thread(self.nats.stop, 30.0)
        await asyncio.to_thread(self.start_nats)

    def settings(self, service: str, **overrides: Any) -> BaseSettings:
        """The settings of ``service`` in this region, as ``make run`` gives them."""
        module = importlib.import_module(f"tocsin.{service}.settings")
        options: dict[str, Any] = {
            "nats_url": self.url, "database_url": self.database_url, "region": self.name,
            "master_key_file": self.master_key_file, "principal_signers": self.ids.signers,
            "nats_credentials": Secret(str(self.ids.credentials_file(service))),
            "shutdown_grace": 5.0, "clock_epoch": time.time()}
        if service in self.ids.signing_keys:
            options["principal_signing_key"] = Secret(str(self.ids.signing_keys[service]))
        if service == "gateway":
            options.update(grpc_addr="127.0.0.1:0", http_addr="127.0.0.1:0",
                           access_keys=Secret(f"{ACCESS_KEY_ID}:{SECRET_KEY}"))
        else:
            options["outbox_poll_interval"] = 0.2
        options.update(overrides)
        settings: BaseSettings = module.Settings(**options)
        return settings

    def running(self, service: str, **overrides: Any) -> Any:
        """``async with region.running("incidents"):`` the service runs in this loop."""
        assert service in _SERVICES, service
        app = importlib.import_module(f"tocsin.{service}.app")
        return running(app.lifespan, self.settings(service, **overrides))

    @contextlib.asynccontextmanager
    async def stack(self, *services: str, **overrides: Any) -> AsyncIterator[Endpoints]:
        """``services`` (default: every one, the gateway last) running in this loop, each
        given ``overrides`` it has a setting for; yields where the gateway answers."""
        endpoints = Endpoints()
        async with contextlib.AsyncExitStack() as stack:
            for service in services or _SERVICES:
                module = importlib.import_module(f"tocsin.{service}.settings")
                known = {f.name for f in msgspec.structs.fields(module.Settings)}
                workers = await stack.enter_async_context(self.running(
                    service, **{k: v for k, v in overrides.items() if k in known}))
                if service == "gateway":
                    from tocsin.gateway.grpc_server import GrpcGateway
                    from tocsin.gateway.http import HttpGateway
                    http = next(w for w in workers if isinstance(w, HttpGateway))
                    grpc = next(w for w in workers if isinstance(w, GrpcGateway))
                    await asyncio.gather(http.started.wait(), grpc.started.wait())
                    endpoints.http = f"http://127.0.0.1:{http.port}"
                    endpoints.grpc = f"127.0.0.1:{grpc.port}"
            yield endpoints

    @contextlib.asynccontextmanager
    async def connect(self, service: str) -> AsyncIterator[Bus]:
        """A :class:`Bus` as ``service``'s identity (within its permissions)."""
        async with connect_as(self.settings(service), service) as bus:
            yield bus

    async def client(self, name: str, **options: Any) -> Any:
        """A raw nats-py client as identity ``name`` (a service, ``dashboard``,
        ``alarm-publisher``); close it yourself."""
        prefix = inbox_prefix(name) if name in IDENTITIES else "_INBOX"
        return await nats.connect(self.ids.url(name, self.url), inbox_prefix=prefix,
                                  **options)

    def stop(self) -> None:
        with contextlib.suppress(AttributeError):
            self.nats.stop(15.0)


@dataclass
class Regions:
    """Region ``a`` (accepting leaf connections) and ``b`` (dialling ``a`` over ``link``)."""

    a: Region
    b: Region
    link: Link

    async def leaf_up(self, timeout: float = 30.0) -> None:
        """Wait until ``b`` reaches ``a``'s JetStream over the leaf connection."""
        nc = await self.b.client("incidents")
        try:
            js = nc.jetstream(domain=self.a.name, timeout=1.0)
            deadline = time.monotonic() + timeout
            while True:
                try:
                    await js.stream_info(f"EVENTS_{self.a.name.upper()}")
                    return
                except nats.js.errors.NotFoundError:
                    return  # a's JetStream answered
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.2)
        finally:
            await nc.close()


@pytest.fixture
def region_names() -> tuple[str, str]:
    """The names of regions ``a`` and ``b``."""
    return ("east", "west")


async def _database(url: str, name: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _drop(url: str, name: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def regions(tmp_path: Path, database_url: str, master_key_file: str,
                  region_names: tuple[str, str]) -> AsyncIterator[Regions]:
    """Two regions joined by a leaf connection through a cuttable :class:`Link`."""
    tag = uuid.uuid4().hex[:8]
    dbs = [f"tocsin_{tag}_{n.replace('-', '_')}" for n in region_names]
    urls = [await _database(database_url, db) for db in dbs]
    leaf_port = servers.free_port()
    a = Region(region_names[0], tmp_path / region_names[0], urls[0], master_key_file,
               leaf_listen=f"127.0.0.1:{leaf_port}")
    link = Link(leaf_port)
    await link.start()
    b_remote = identities.leaf_url(a.ids, f"127.0.0.1:{link.port}")
    b = Region(region_names[1], tmp_path / region_names[1], urls[1], master_key_file,
               leaf_remotes=(b_remote,))
    try:
        await asyncio.to_thread(a.start_nats)
        await asyncio.to_thread(b.start_nats)
        pair = Regions(a, b, link)
        await pair.leaf_up()
        yield pair
    finally:
        await link.close()
        await asyncio.to_thread(b.stop)
        await asyncio.to_thread(a.stop)
        for db in dbs:
            await _drop(database_url, db)
