"""Two regions of a replication set on loopback, each with the services that page (incidents
for the data keys, contacts, escalation; and those a test module names in its
``also_services`` fixture, such as analysis or runbooks), that a test can lose and bring
back whole.

Built as :mod:`tests.integration.regions.inbox.conftest` builds its regions (each its own
NATS server, a JetStream domain named after the region, joined by a leaf connection; one
PostgreSQL, a schema prefix per region; each region's ``EVENTS_<REGION>`` mirrored into
the other), with two differences: region A's NATS and services can be stopped and started
again (same ports, same stores), and every service runs on one plan clock
(``TOCSIN_CLOCK_SCALE`` 60, one epoch), so both regions agree on when a timer is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from tests.integration.regions.conftest import Link
from tests.integration.regions.inbox.conftest import Region as Called
from tests.integration.regions.inbox.conftest import _nats
from tests.integration.regions.inbox.conftest import mirror as make_mirror
from tocsin.analysis import app as analysis_app
from tocsin.analysis.settings import Settings as AnalysisSettings
from tocsin.contacts import app as contacts_app
from tocsin.contacts.settings import Settings as ContactsSettings
from tocsin.escalation import app as escalation_app
from tocsin.escalation.settings import Settings as EscalationSettings
from tocsin.incidents import app as incidents_app
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.local.servers import EmbeddedServer, free_port
from tocsin.runbooks import app as runbooks_app
from tocsin.runbooks.settings import Settings as RunbooksSettings
from tocsin.shared import codec
from tocsin.shared.bus import connect
from tocsin.shared.config import Secret
from tocsin.shared.testing import open_delivery, running, wait_for

TAKEOVER_SECONDS = 4.0
"""``TOCSIN_REGION_TAKEOVER_SECONDS`` in these tests."""
SCALE = 60.0
"""Plan minutes per real second: a one-minute stage lasts a second."""
OPTIONAL = ("analysis", "runbooks")
"""Services a region runs only when its test module names them (``also_services``)."""


@dataclass
class Region(Called):
    """One region that can be lost and brought back."""

    folder: Path = Path()
    leaf_port: int = 0
    hub: bool = False
    port: int = 0
    database_url: str = ""
    common: dict[str, Any] = field(default_factory=dict)
    server: EmbeddedServer | None = None
    services: dict[str, contextlib.AsyncExitStack] = field(default_factory=dict)
    """The services running, by name, in the order they started."""
    ack_timeout_minutes: float = 0.0
    codes: dict[str, str] = field(default_factory=dict)
    """Channel ARN → its activation code, as the contacts service sent it."""
    also: tuple[str, ...] = ()
    """The services it runs besides those that page (``OPTIONAL`` ones)."""
    webhooks: str = ""
    """``TOCSIN_WEBHOOKS`` of its runbooks service, ``{region}`` standing for its name."""

    def start_nats(self) -> None:
        self.server = _nats(self.folder, self.name, leaf_port=self.leaf_port, hub=self.hub,
                            port=self.port)

    def stop_nats(self) -> None:
        if self.server is not None:
            self.server.stop(15.0)
            self.server = None

    async def start(self, *only: str) -> None:
        """The region's incidents, contacts and escalation services and those it runs
        ``also`` (or ``only`` those named), those not running already."""
        common = self.common
        settings = {
            "incidents": lambda: (incidents_app.lifespan, IncidentsSettings(
                changes_filter=f"changes.{self.name}.>",
                alarms_filter=f"alarms.{self.name}.>",
                region_takeover_seconds=TAKEOVER_SECONDS, region_check_interval=0.3,
                **common)),
            "contacts": lambda: (contacts_app.lifespan, ContactsSettings(
                region_takeover_seconds=TAKEOVER_SECONDS, region_check_interval=0.3,
                **common)),
            "escalation": lambda: (escalation_app.lifespan, EscalationSettings(
                region_takeover_seconds=TAKEOVER_SECONDS, region_check_interval=0.3,
                ack_timeout_minutes=self.ack_timeout_minutes, **common)),
            "analysis": lambda: (analysis_app.lifespan, AnalysisSettings(
                region_takeover_seconds=TAKEOVER_SECONDS, region_check_interval=0.3,
                **common)),
            "runbooks": lambda: (runbooks_app.lifespan, RunbooksSettings(
                region_takeover_seconds=TAKEOVER_SECONDS, region_check_interval=0.3,
                sweep_interval=0.3, timer_max_sleep=0.3,
                webhooks=Secret(self.webhooks.replace("{region}", self.name)), **common)),
        }
        for name, make in settings.items():
            if (only and name not in only) or name in self.services or \
                    (name in OPTIONAL and name not in self.also):
                continue
            stack = contextlib.AsyncExitStack()
            await stack.__aenter__()
            try:
                await stack.enter_async_context(running(*make()))
            except BaseException:
                await stack.aclose()
                raise
            self.services[name] = stack

    async def lose(self) -> None:
        """The whole region gone: its services, then its NATS server."""
        await self.stop()
        await asyncio.to_thread(self.stop_nats)

    async def come_back(self) -> None:
        """The region's NATS server and services again, once the test's own connection
        to it is back too (it reconnects on its own schedule, after the services')."""
        await asyncio.to_thread(self.start_nats)
        await self.start()
        await wait_for(lambda: self.bus.nc.is_connected, timeout=60)

    async def stop(self, *only: str) -> None:
        """Stop the region's services (or ``only`` those named), the last started first."""
        for name in reversed(list(self.services)):
            if not only or name in only:
                await self.services.pop(name).aclose()

    async def deliveries(self, page_arn: str | None = None) -> list[Any]:
        """The page delivery requests this region's contacts service wrote, opened."""
        info = await self.bus.js.stream_info(f"DELIVERIES_{self.name.upper()}")
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                msg = await self.bus.js.get_msg(f"DELIVERIES_{self.name.upper()}", seq)
            except Exception:
                continue
            if msg.subject.endswith(".page"):
                out.append(msg)
        opened = []
        for msg in out:
            raw = type("Raw", (), {"_client": self.bus.nc, "subject": msg.subject,
                                   "data": msg.data})()
            delivery = await open_delivery(raw)
            if page_arn is None or delivery.page_arn == page_arn:
                opened.append(delivery)
        return opened

    async def events(self, kind: str) -> list[codec.Envelope]:
        """This region's own events of one type, from its stream."""
        stream = self.stream
        info = await self.bus.js.stream_info(stream)
        found = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                msg = await self.bus.js.get_msg(stream, seq)
            except Exception:
                continue
            if msg.subject == f"events.{self.name}.{kind}":
                found.append(codec.decode(msg.data, codec.Envelope))
        return found

    async def sql(self, query: str, *args: Any, service: str = "escalation"
                  ) -> list[asyncpg.Record]:
        """``query`` in this region's schema of ``service``."""
        conn = await asyncpg.connect(self.database_url)
        try:
            await conn.execute(f'SET search_path TO "{self.name}_{service}"')
            rows: list[asyncpg.Record] = await conn.fetch(query, *args)
            return rows
        finally:
            await conn.close()

    async def person(self, alias: str) -> tuple[str, str]:
        """A PERSONAL contact of this region with one activated email channel."""
        contact = str((await self.call("contacts", "CreateContact", {
            "Alias": alias, "Type": "PERSONAL", "Plan": {"Stages": []}}))["ContactArn"])
        channel = str((await self.call("contacts", "CreateContactChannel", {
            "ContactId": contact, "Name": "mail", "Type": "EMAIL",
            "DeliveryAddress": {"SimpleAddress": f"{alias}@example.com"}}))
            ["ContactChannelArn"])
        await wait_for(lambda: self._activation_code(channel), timeout=30)
        await self.call("contacts", "ActivateContactChannel", {
            "ContactChannelId": channel, "ActivationCode": self.codes[channel]})
        await self.call("contacts", "UpdateContact", {"ContactId": contact, "Plan": {
            "Stages": [{"DurationInMinutes": 0, "Targets": [
                {"ChannelTargetInfo": {"ContactChannelId": channel}}]}]}})
        return contact, channel

    async def _activation_code(self, channel: str) -> bool:
        stream = f"DELIVERIES_{self.name.upper()}"
        info = await self.bus.js.stream_info(stream)
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            with contextlib.suppress(Exception):
                msg = await self.bus.js.get_msg(stream, seq)
                if msg.subject.endswith(".activation-code"):
                    raw = type("Raw", (), {"_client": self.bus.nc, "subject": msg.subject,
                                           "data": msg.data})()
                    code = await open_delivery(raw)
                    self.codes[code.channel_arn] = code.code
        return channel in self.codes


async def _one_set(a: Region, b: Region) -> None:
    """The replication set of A and B, made in A, once each region holds the other's data
    key: contacts of either region are paged from both."""
    await a.call("incidents", "CreateReplicationSet", {"regions": {a.name: {}, b.name: {}}})

    async def holds(into: Region, origin: Region) -> bool:
        keys = (await into.call("incidents", "GetDataKeys"))["keys"]
        return any(k.get("region") == origin.name for k in keys)
    await wait_for(lambda: holds(b, a), timeout=60)
    await wait_for(lambda: holds(a, b), timeout=60)


def _common(region: str, url: str, database_url: str, master_key_file: str,
            epoch: float, scale: float) -> dict[str, Any]:
    return {"nats_url": url, "database_url": database_url, "region": region,
            "schema_prefix": f"{region}_", "master_key_file": master_key_file,
            "shutdown_grace": 5, "outbox_poll_interval": 0.1, "inbox_rescan": 0.5,
            "clock_scale": scale, "clock_epoch": epoch}


@pytest.fixture
def clock_scale() -> float:
    """``TOCSIN_CLOCK_SCALE`` of every service of the pair."""
    return SCALE


@pytest_asyncio.fixture
async def link() -> AsyncIterator[Link]:
    """The leaf connection from B to A, which a test can cut and heal."""
    proxy = Link(free_port())
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()


@pytest.fixture
def ack_timeout_minutes() -> float:
    """``TOCSIN_ACK_TIMEOUT_MINUTES`` of both regions' escalation services (0: none)."""
    return 0.0


@pytest.fixture
def also_services() -> tuple[str, ...]:
    """The ``OPTIONAL`` services both regions run besides those that page."""
    return ()


@pytest.fixture
def runbook_webhooks() -> str:
    """``TOCSIN_WEBHOOKS`` of both regions' runbooks services (``{region}``: its name)."""
    return ""


@pytest_asyncio.fixture
async def pair(tmp_path: Path, database_url: str, master_key_file: str, link: Link,
               clock_scale: float, ack_timeout_minutes: float, also_services: tuple[str, ...],
               runbook_webhooks: str) -> AsyncIterator[tuple[Region, Region]]:
    """Regions A (the leaf hub) and B (dialling A through ``link``), running, each
    mirroring the other."""
    tag = uuid.uuid4().hex[:8]
    epoch = time.time()
    made: list[Region] = []
    try:
        for name, hub in ((f"ra{tag}", True), (f"rb{tag}", False)):
            port = free_port()
            url = f"nats://127.0.0.1:{port}"
            region = Region(name=name, nats_url=url, bus=None,  # type: ignore[arg-type]
                            folder=tmp_path / name,
                            leaf_port=link.target_port if hub else link.port, hub=hub,
                            port=port, database_url=database_url,
                            common=_common(name, url, database_url, master_key_file, epoch,
                                           clock_scale),
                            ack_timeout_minutes=ack_timeout_minutes, also=also_services,
                            webhooks=runbook_webhooks)
            await asyncio.to_thread(region.start_nats)
            made.append(region)
        async with contextlib.AsyncExitStack() as stack:
            for region in made:
                region.bus = await stack.enter_async_context(
                    connect([region.nats_url], name=f"tests-{region.name}"))
            a, b = made
            for region in made:
                await region.start()
            await make_mirror(a, b)
            await make_mirror(b, a)
            await _one_set(a, b)
            try:
                yield a, b
            finally:
                for region in made:
                    await region.stop()
    finally:
        for region in reversed(made):
            await asyncio.to_thread(region.stop_nats)

