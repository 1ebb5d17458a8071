"""The shared pull consumer's own cost per message, beside nats-py's ``fetch``:
``python -m bench.pull [--count 20000] [--nats-url nats://127.0.0.1:4222]``.

A backlog of ``count`` messages (600 bytes) is drained in one process, acking each, in
batches of 128: by nats-py's ``fetch`` (the loop of the raw baseline beside the duplicate
storm), and by :func:`tocsin.shared.bus.consumer.pull` with and without prefetch; CPU
µs per message of this process (``time.process_time``) and messages per second.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from tocsin.shared.bus import Bus, connect
from tocsin.shared.bus.consumer import Pull, pull

BODY = b'{"detail":"' + b"x" * 588 + b'"}'


async def _backlog(bus: Bus, count: int) -> tuple[str, ConsumerConfig]:
    tag = uuid.uuid4().hex[:8]
    stream, subject = f"BENCHPULL_{tag}", f"benchpull.{tag}"
    await bus.js.add_stream(StreamConfig(name=stream, subjects=[subject]))
    for start in range(0, count, 1000):
        await asyncio.gather(*(bus.js.publish(subject, BODY)
                               for _ in range(min(1000, count - start))))
    config = ConsumerConfig(durable_name="pull", ack_policy=AckPolicy.EXPLICIT,
                            max_ack_pending=4096)
    await bus.js.add_consumer(stream, config)
    return stream, config


async def _nats_fetch(bus: Bus, stream: str, config: ConsumerConfig, count: int) -> None:
    psub = await bus.js.pull_subscribe_bind("pull", stream=stream)
    taken = 0
    while taken < count:
        for msg in await psub.fetch(batch=128, timeout=5):
            await msg.ack()
            taken += 1
    await psub.unsubscribe()


async def _pull(bus: Bus, stream: str, config: ConsumerConfig, count: int, *,
                prefetch: bool) -> None:
    stop = asyncio.Event()
    taken = 0

    async def take(msgs: list[Msg]) -> bool:
        nonlocal taken
        for msg in msgs:
            await msg.ack()
        taken += len(msgs)
        if taken >= count:
            stop.set()
        return True

    await pull(bus, Pull(stream=stream, config=config, batch=128, prefetch=prefetch), take,
               stop)


Drain = Callable[[Bus, str, ConsumerConfig, int], Awaitable[None]]


async def _measure(bus: Bus, count: int, drain: Drain) -> tuple[float, float]:
    stream, config = await _backlog(bus, count)
    try:
        cpu, began = time.process_time(), time.perf_counter()
        await drain(bus, stream, config, count)
        cpu, took = time.process_time() - cpu, time.perf_counter() - began
    finally:
        await bus.js.delete_stream(stream)
    return cpu / count * 1e6, count / took


async def main(nats_url: str, count: int, rounds: int) -> None:
    async def fetched(bus: Bus, stream: str, config: ConsumerConfig, n: int) -> None:
        await _pull(bus, stream, config, n, prefetch=True)

    async def pulled(bus: Bus, stream: str, config: ConsumerConfig, n: int) -> None:
        await _pull(bus, stream, config, n, prefetch=False)

    async with connect([nats_url], name="tocsin-bench-pull") as bus:
        for _ in range(rounds):
            for name, drain in (("nats_py_fetch", _nats_fetch), ("pull", pulled),
                                ("pull_prefetch", fetched)):
                cpu, rate = await _measure(bus, count, drain)
                print(f"{name}_cpu_per_msg: {cpu:.1f} us")
                print(f"{name}_throughput: {rate:.0f} msgs/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    a = parser.parse_args()
    asyncio.run(main(a.nats_url, a.count, a.rounds))
