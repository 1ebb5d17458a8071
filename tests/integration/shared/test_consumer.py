"""Durable pull consumers over real JetStream: every message ends in ack, nak or term."""

from __future__ import annotations

import asyncio
from typing import Any

from nats.js.api import StreamConfig

from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, Consumer, consume, ensure_stream
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
        await asyncio.sleep(0.5)
        stop.set()
        await task
        assert sorted(seen) == [(1, 1), (2, 1), (2, 2), (3, 1)]
        info = await bus.js.consumer_info(name, "tests")
        assert info.num_ack_pending == 0 and info.num_pending == 0
