"""The inbox (:mod:`tocsin.shared.replication.inbox`) reading a real mirror into a real
store: a fetched batch of another region's events is applied in one transaction; when one
of its events fails, or arrives before its resource, each event of the batch is applied
alone instead, and none is lost or applied twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import ClassVar

import asyncpg
import nats.js.errors
import pytest
import pytest_asyncio
from nats.js.api import StreamConfig, StreamSource

from tocsin.shared import codec
from tocsin.shared.bus import Bus, ensure_stream
from tocsin.shared.contracts.base import Event
from tocsin.shared.db import apply_migrations, create_pool
from tocsin.shared.events import envelope_of
from tocsin.shared.replication import Inbox, Replicated, run_inbox
from tocsin.shared.testing import wait_for


class ThingCreated(Event, frozen=True, kw_only=True):
    service: ClassVar[str] = "things"
    name: str


class ThingNoted(Event, frozen=True, kw_only=True):
    service: ClassVar[str] = "things"
    name: str
    n: int


ThingsEvent = ThingCreated | ThingNoted


@pytest_asyncio.fixture
async def pool(database_url: str, isolation: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with create_pool(database_url, schema=f"{isolation['schema_prefix']}things") as p:
        await apply_migrations(p)
        await p.execute("CREATE TABLE thing (name text PRIMARY KEY)")
        await p.execute("CREATE TABLE noted (name text, n int, tx bigint)")
        yield p


@pytest_asyncio.fixture
async def things(bus: Bus, pool: asyncpg.Pool, isolation: dict[str, str]
                 ) -> AsyncIterator[Things]:
    """The test's region and mirror; both streams deleted after, so that no other test's
    inbox (which reads every mirror it finds) applies their events."""
    things = Things(bus, pool, isolation["region"])
    yield things
    for stream in (f"{things.stream}_MIRROR", things.stream):
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await bus.js.delete_stream(stream)


class Things:
    """Another region's ``EVENTS_<ORIGIN>``, its mirror here, and the inbox applying it to
    ``thing`` and ``noted`` (``noted.tx``: the transaction that applied the note)."""

    def __init__(self, bus: Bus, pool: asyncpg.Pool, origin: str) -> None:
        self.bus, self.pool, self.origin = bus, pool, origin
        self.stream = f"EVENTS_{origin.upper()}"
        self.tries: Counter[int] = Counter()
        """How many times each note was handed to the apply function."""
        self.failing: dict[int, int] = {}
        """Note → how many of its first tries fail."""

    async def apply(self, replicated: Replicated) -> None:
        conn, event = replicated.to.conn, replicated.event.event
        if isinstance(event, ThingCreated):
            await conn.execute("INSERT INTO thing VALUES ($1)", event.name)
            return
        assert isinstance(event, ThingNoted)
        self.tries[event.n] += 1
        if self.tries[event.n] <= self.failing.get(event.n, 0):
            raise RuntimeError(f"note {event.n} fails this time")
        if await replicated.to.holds("thing", "name", event.name):
            await conn.execute("INSERT INTO noted VALUES ($1, $2, txid_current())",
                               event.name, event.n)

    async def publish(self, *events: ThingCreated | ThingNoted | codec.Envelope) -> None:
        """Into the origin's stream, then wait until its mirror holds them all."""
        await ensure_stream(self.bus.js, StreamConfig(
            name=self.stream, subjects=[f"events.{self.origin}.>"]))
        await ensure_stream(self.bus.js, StreamConfig(
            name=f"{self.stream}_MIRROR", mirror=StreamSource(name=self.stream)))
        for i, event in enumerate(events):
            envelope = event if isinstance(event, codec.Envelope) else envelope_of(
                event, region=self.origin, now=datetime.now(UTC),
                correlation=codec.Correlation())
            # A message id of each publish's own: an event given twice is in twice.
            await self.bus.publish(f"events.{self.origin}.things.{envelope.type}",
                                   codec.encode(envelope), msg_id=f"{envelope.id}:{i}")
        total = (await self.bus.js.stream_info(self.stream)).state.messages

        async def mirrored() -> bool:
            info = await self.bus.js.stream_info(f"{self.stream}_MIRROR")
            return info.state.messages == total

        await wait_for(mirrored, timeout=10)

    async def read_until(self, done: str) -> None:
        """Run the inbox until the store answers ``done`` (a query) true and the inbox's
        consumer has settled every message."""
        stop = asyncio.Event()
        inbox = Inbox(union=ThingsEvent, apply=self.apply)
        task = asyncio.create_task(run_inbox(
            self.bus, self.pool, inbox, stop, service="things", region="here",
            schema="things", rescan=0.2, durable=f"{self.origin}-inbox"))

        async def settled() -> bool:
            if not await self.pool.fetchval(done):
                return False
            info = await self.bus.js.consumer_info(f"{self.stream}_MIRROR",
                                                   f"{self.origin}-inbox")
            return info.num_pending == 0 and info.num_ack_pending == 0

        try:
            await wait_for(settled, timeout=30)
        finally:
            stop.set()
            await task


async def test_a_batch_is_applied_in_one_transaction(
        things: Things, pool: asyncpg.Pool) -> None:
    await things.publish(ThingCreated(name="a"),
                         *(ThingNoted(name="a", n=n) for n in range(1, 6)))
    await things.read_until("SELECT count(*) = 5 FROM noted")
    rows = await pool.fetch("SELECT n, tx FROM noted ORDER BY n")
    assert [row["n"] for row in rows] == [1, 2, 3, 4, 5]
    assert len({row["tx"] for row in rows}) == 1
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 6


@pytest.mark.expected_error_logs("message\\.failed")
async def test_a_failing_event_in_a_batch_holds_back_none_of_the_others(
        things: Things, pool: asyncpg.Pool) -> None:
    """Note 2 fails in the batch and again alone (then comes back and goes); note 3's thing
    is not here yet (parked, then applied with it); note 1 comes twice: each is applied
    once, and the batch's others on their own."""
    things.failing[2] = 2
    first = envelope_of(ThingNoted(name="a", n=1), region=things.origin,
                        now=datetime.now(UTC), correlation=codec.Correlation())
    await things.publish(ThingCreated(name="a"), first, ThingNoted(name="a", n=2),
                         ThingNoted(name="b", n=3), first, ThingCreated(name="b"),
                         ThingNoted(name="a", n=4))
    await things.read_until("SELECT count(*) = 4 FROM noted")
    rows = await pool.fetch("SELECT name, n FROM noted ORDER BY n")
    assert [(row["name"], row["n"]) for row in rows] == [("a", 1), ("a", 2), ("b", 3), ("a", 4)]
    assert things.tries[1] == 2  # in the batch (undone), then alone; not when it came again
    assert things.tries[2] == 3  # in the batch, alone, and alone again when it came back
    assert await pool.fetchval("SELECT count(*) FROM replica_parked") == 0
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 6
