"""Durable pull consumers over real JetStream: every message ends in ack, nak or term."""

from __future__ import annotations

import asyncio
from typing import Any

import nats.errors
from nats.js.api import DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, Consumer, connect, consume, ensure_stream
from tocsin.shared.db import create_pool
from tocsin.shared.testing import wait_for


class TestConsume:
    async def test_outcomes(self, bus: Bus, isolation: dict[str, str]) -> None:
        """A handled event is acked; RetryLater is redelivered; a bad payload and Reject are
        terminated and never seen again."""
        name = f"T{isolation['region'].upper()}"
        await ensure_stream(bus.js, StreamConfig(name=name, subjects=[f"{name}.>"]))
        seen: list[tuple[Any, int]] = []

        async def handle(event: codec.Envelope, msg: Any) -> None:
            seen.append((event.data["n"], msg.metadata.num_delivered))
            if event.data["n"] == 2 and msg.metadata.num_delivered == 1:
                raise errors.RetryLater("not yet", delay=0.2)
            if event.data["n"] == 3:
                raise errors.Reject("never")

        for n in (1, 2, 3):
            e = codec.make_envelope(type="T", service="s", region="r", data={"n": n})
            await bus.publish(f"{name}.e", codec.encode(e), msg_id=e.id)
        await bus.publish(f"{name}.e", b"not json", msg_id="bad")
        stop = asyncio.Event()
        consumer = Consumer(stream=name, durable="tests", filter_subject=f"{name}.>",
                            handler=handle, ack_wait=5)
        task = asyncio.create_task(consume(bus, consumer, stop))
        await wait_for(lambda: (2, 2) in seen, timeout=10)

        async def settled() -> bool:  # every message acked or terminated: none comes again
            info = await bus.js.consumer_info(name, "tests")
            return info.num_ack_pending == 0 and info.num_pending == 0

        await wait_for(settled, timeout=10)
        stop.set()
        await task
        assert sorted(seen) == [(1, 1), (2, 1), (2, 2), (3, 1)]
        info = await bus.js.consumer_info(name, "tests")
        assert info.num_ack_pending == 0 and info.num_pending == 0


    async def test_started_once_bound(self, bus: Bus, isolation: dict[str, str]) -> None:
        """``started`` is set once the durable consumer exists on the server and is bound,
        so a message published then is taken without waiting for the loop to come up."""
        name = f"T{isolation['region'].upper()}"
        await ensure_stream(bus.js, StreamConfig(name=name, subjects=[f"{name}.>"]))
        seen: list[int] = []

        async def handle(event: codec.Envelope, msg: Any) -> None:
            seen.append(event.data["n"])

        stop, started = asyncio.Event(), asyncio.Event()
        consumer = Consumer(stream=name, durable="tests", filter_subject=f"{name}.>",
                            handler=handle, deliver_policy=DeliverPolicy.NEW)
        task = asyncio.create_task(consume(bus, consumer, stop, started=started))
        await asyncio.wait_for(started.wait(), 10)
        info = await bus.js.consumer_info(name, "tests")
        assert info.config.durable_name == "tests"
        await bus.publish(f"{name}.e", codec.encode(e := envelope(7)), msg_id=e.id)
        await wait_for(lambda: seen == [7], timeout=10)
        stop.set()
        await task


    async def test_several_subjects(self, bus: Bus, isolation: dict[str, str]) -> None:
        """A consumer that names several subjects is delivered those alone, also when its
        durable was declared before with one wider subject (a service upgraded in place
        narrows its durable, keeping its place in the stream)."""
        name = f"T{isolation['region'].upper()}"
        await ensure_stream(bus.js, StreamConfig(name=name, subjects=[f"{name}.>"]))
        seen: list[tuple[str, int]] = []

        async def handle(event: codec.Envelope, msg: Any) -> None:
            seen.append((msg.subject.rpartition(".")[2], event.data["n"]))

        async def run(filter_subject: str | tuple[str, ...], until: list[Any]) -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(consume(bus, Consumer(
                stream=name, durable="tests", filter_subject=filter_subject, handler=handle),
                stop))
            await wait_for(lambda: seen == until, timeout=10)
            stop.set()
            await task

        async def publish(kind: str, n: int) -> None:
            await bus.publish(f"{name}.{kind}", codec.encode(e := envelope(n)), msg_id=e.id)

        await publish("Created", 1)
        await run(f"{name}.*", [("Created", 1)])
        for n, kind in enumerate(("Joined", "Resolved", "Created", "Deleted"), start=2):
            await publish(kind, n)
        await run((f"{name}.Created", f"{name}.Resolved"),
                  [("Created", 1), ("Resolved", 3), ("Created", 4)])
        info = await bus.js.consumer_info(name, "tests")
        assert info.num_pending == 0 and info.num_ack_pending == 0
        assert info.config.filter_subjects == [f"{name}.Created", f"{name}.Resolved"]

    async def test_lanes(self, bus: Bus, isolation: dict[str, str]) -> None:
        """With per-key lanes, the messages of one key are handled in stream order, one at
        a time, while another key's go ahead: a held message of lane "a" does not hold up
        lane "b"."""
        name = f"T{isolation['region'].upper()}"
        await ensure_stream(bus.js, StreamConfig(name=name, subjects=[f"{name}.>"]))
        seen: list[tuple[str, int]] = []
        b_done = asyncio.Event()

        async def handle(event: codec.Envelope, msg: Any) -> None:
            lane, n = msg.subject.rpartition(".")[2], event.data["n"]
            if (lane, n) == ("a", 1):
                await b_done.wait()  # never set unless lane b runs meanwhile
            seen.append((lane, n))
            if lane == "b" and n == 3:
                b_done.set()

        for lane, n in (("a", 1), ("b", 1), ("a", 2), ("b", 2), ("a", 3), ("b", 3)):
            e = envelope(n)
            await bus.publish(f"{name}.{lane}", codec.encode(e), msg_id=e.id)
        stop = asyncio.Event()
        consumer = Consumer(stream=name, durable="tests", filter_subject=f"{name}.>",
                            handler=handle, concurrency=4,
                            lane=lambda msg: msg.subject.rpartition(".")[2])
        task = asyncio.create_task(consume(bus, consumer, stop))
        await wait_for(lambda: len(seen) == 6, timeout=10)
        stop.set()
        await task
        assert [n for lane, n in seen if lane == "a"] == [1, 2, 3]
        assert [n for lane, n in seen if lane == "b"] == [1, 2, 3]
        assert seen.index(("b", 3)) < seen.index(("a", 1))


    async def test_together(self, bus: Bus, isolation: dict[str, str]) -> None:
        """A batch handled together is acknowledged whole; one it fails on is handled
        message by message instead, each to its own outcome (2 retried, the others
        acked), in stream order."""
        name = f"T{isolation['region'].upper()}"
        await ensure_stream(bus.js, StreamConfig(name=name, subjects=[f"{name}.>"]))
        batches: list[list[int]] = []
        alone: list[tuple[int, int]] = []

        async def together(batch: list[tuple[codec.Envelope, Any]]) -> None:
            batches.append([event.data["n"] for event, _ in batch])
            if any(event.data["n"] == 2 for event, _ in batch) and len(batches) == 2:
                raise RuntimeError("2 fails in a batch")

        async def handle(event: codec.Envelope, msg: Any) -> None:
            alone.append((event.data["n"], msg.metadata.num_delivered))
            if event.data["n"] == 2 and msg.metadata.num_delivered == 1:
                raise errors.RetryLater("not yet", delay=0.2)

        consumer = Consumer(stream=name, durable="tests", filter_subject=f"{name}.>",
                            handler=handle, together=together, ack_wait=5)

        async def settled() -> bool:
            try:
                info = await bus.js.consumer_info(name, "tests")
            except NotFoundError:  # the consumer is not made yet
                return False
            return info.num_ack_pending == 0 and info.num_pending == 0

        for numbers in ((1,), (2, 3, 4)):  # one batch, then the next
            for n in numbers:
                e = envelope(n)
                await bus.publish(f"{name}.e", codec.encode(e), msg_id=e.id)
            stop = asyncio.Event()
            task = asyncio.create_task(consume(bus, consumer, stop))
            await wait_for(settled, timeout=10)
            stop.set()
            await task
        assert batches == [[1], [2, 3, 4], [2]]
        assert alone == [(2, 1), (3, 1), (4, 1)]


def envelope(n: int) -> codec.Envelope:
    return codec.make_envelope(type="T", service="s", region="r", data={"n": n})


class TestRidesOutServerRestarts:
    async def test_a_nats_restart(self, own_nats: Any, isolation: dict[str, str]) -> None:
        """NATS restarts under a running consumer: the consumer does not end, and a message
        published after the server's return is handled (the durable consumer is bound
        again once JetStream answers)."""
        name = f"T{isolation['region'].upper()}"
        seen: list[int] = []

        async def handle(event: codec.Envelope, msg: Any) -> None:
            seen.append(event.data["n"])

        async with connect([own_nats.url], name="tests-restart") as bus:
            await ensure_stream(bus.js, StreamConfig(name=name, subjects=[f"{name}.>"],
                                                     storage=StorageType.FILE))
            stop = asyncio.Event()
            consumer = Consumer(stream=name, durable="tests", filter_subject=f"{name}.>",
                                handler=handle)
            task = asyncio.create_task(consume(bus, consumer, stop))
            await bus.publish(f"{name}.e", codec.encode(e := envelope(1)), msg_id=e.id)
            await wait_for(lambda: seen == [1], timeout=10)

            await asyncio.to_thread(own_nats.stop)
            await wait_for(lambda: not bus.nc.is_connected, timeout=10)
            await asyncio.to_thread(own_nats.start)

            async def published() -> bool:
                try:
                    await bus.publish(f"{name}.e", codec.encode(e), msg_id=e.id)
                    return True
                except (nats.errors.Error, OSError):
                    return False  # reconnecting, or JetStream not ready yet

            e = envelope(2)
            await wait_for(published, timeout=30)
            await wait_for(lambda: seen == [1, 2], timeout=15)
            assert not task.done()
            stop.set()
            await task

    async def test_a_postgresql_restart_during_handling(
            self, own_postgres: Any, bus: Bus, isolation: dict[str, str]) -> None:
        """A handler whose database is restarting is tried again in place until it is back:
        the message is handled on its first delivery (no nak, no ack-wait redelivery, no
        delivery counted against ``max_deliver``) and acknowledged."""
        name = f"T{isolation['region'].upper()}"
        await ensure_stream(bus.js, StreamConfig(name=name, subjects=[f"{name}.>"]))
        failures: list[str] = []
        handled: list[int] = []

        async with create_pool(own_postgres.url, schema="consumer", min_size=1) as pool:
            await pool.execute("CREATE TABLE IF NOT EXISTS seen (n int PRIMARY KEY)")

            async def handle(event: codec.Envelope, msg: Any) -> None:
                try:
                    await pool.execute("INSERT INTO seen VALUES ($1)", event.data["n"])
                except Exception as exc:
                    failures.append(repr(exc))
                    raise
                handled.append(msg.metadata.num_delivered)

            await asyncio.to_thread(own_postgres.stop)
            stop = asyncio.Event()
            consumer = Consumer(stream=name, durable="tests", filter_subject=f"{name}.>",
                                handler=handle, max_deliver=2)
            task = asyncio.create_task(consume(bus, consumer, stop))
            await bus.publish(f"{name}.e", codec.encode(e := envelope(7)), msg_id=e.id)
            await wait_for(lambda: len(failures) >= 3, timeout=15)
            await asyncio.to_thread(own_postgres.start)
            await wait_for(lambda: handled, timeout=30)
            assert handled == [1]
            assert await pool.fetchval("SELECT n FROM seen") == 7

            async def settled() -> bool:
                info = await bus.js.consumer_info(name, "tests")
                return info.num_ack_pending == 0 and info.num_pending == 0

            await wait_for(settled, timeout=10)
            assert not task.done()
            stop.set()
            await task
