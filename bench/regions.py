"""Replication between two regions: ``python -m bench.regions`` (also part of
``python -m bench``).

Two NATS servers of this machine started as ``make run`` starts them for two regions
(:func:`tocsin.local.identities.nats_config`: JetStream domain = region, the generated
identities, ``west`` dialling ``east``'s leaf port); ``west`` mirrors ``east``'s
``EVENTS_EAST`` as the incidents service keeps it (:mod:`tocsin.shared.bus.regions`).

- Replication delay: ``count`` events published one after the other in ``east`` (each
  waits for its acknowledgement); the time from each publish to its arrival in a reader
  of ``west``'s mirror, p50 / p99. Raw baseline: the same to a reader of ``east``'s own
  stream. Goal: p99 ≤ 50 ms on loopback.
- Catch-up: ``west``'s NATS stopped while ``east`` takes ``rate`` events a second for
  ``seconds``; the time from ``west``'s restart until its mirror holds them all.

Bounded: ``count`` events, then ``rate * seconds`` (defaults: 2,000, then 10 s at 100/s;
``--seconds 60``: a minute of load).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nats
import nats.js.api

from tocsin.local import identities
from tocsin.local.servers import EmbeddedServer, free_port, nats_server
from tocsin.shared.bus import ensure_stream, events_stream
from tocsin.shared.bus import regions as mirrors

EAST, WEST = "east", "west"
BENCH_PASSWORD = secrets.token_urlsafe(16)
Line = Callable[[str, float, str], None]


class _Region:
    def __init__(self, work: Path, name: str, **leaf: Any) -> None:
        self.folder = work / name
        self.ids = identities.prepare(identities.private_folder(self.folder))
        self.name, self.port, self.leaf = name, free_port(), leaf
        self.server: EmbeddedServer | None = None

    def start(self) -> None:
        conf = self.ids.folder / "nats.conf"
        config = json.loads(identities.nats_config(self.ids, region=self.name, **self.leaf))
        # The bench's own client, beside the identities: it reads and writes every stream.
        config["authorization"]["users"].append(
            {"user": "bench", "password": BENCH_PASSWORD,
             "allowed_connection_types": ["STANDARD"]})
        identities.write_private(conf, json.dumps(config))
        self.server = nats_server(self.folder / "nats", port=self.port, config=conf,
                                  log=self.folder / "nats.log")

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop(30.0)

    async def connect(self) -> Any:
        return await nats.connect(f"nats://bench:{BENCH_PASSWORD}@127.0.0.1:{self.port}")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _delays(js_pub: Any, js_read: Any, stream: str, count: int) -> list[float]:
    """Publish ``count`` events, one after the other, and the delay of each to a reader of
    ``stream`` (ms)."""
    sent: dict[int, float] = {}
    got: dict[int, float] = {}
    done = asyncio.Event()

    async def on_msg(msg: Any) -> None:
        got[int(msg.data)] = time.perf_counter()
        if len(got) == count:
            done.set()

    sub = await js_read.subscribe(f"events.{EAST}.bench.>", stream=stream,
                                  ordered_consumer=True, cb=on_msg,
                                  deliver_policy=nats.js.api.DeliverPolicy.NEW)
    try:
        for i in range(count):
            sent[i] = time.perf_counter()
            await js_pub.publish(f"events.{EAST}.bench.Delay", str(i).encode())
        await asyncio.wait_for(done.wait(), 60)
    finally:
        await sub.unsubscribe()
    return [(got[i] - sent[i]) * 1000 for i in range(count)]


async def regions_bench(line: Line, *, count: int = 2000, rate: float = 100.0,
                        seconds: float = 10.0) -> None:
    """Print the replication delay beside the local one, and the catch-up time."""
    work = Path(tempfile.mkdtemp(prefix="tocsin-bench-regions-"))
    leaf_port = free_port()
    east = _Region(work, EAST, leaf_listen=f"127.0.0.1:{leaf_port}")
    west = _Region(work, WEST, leaf_remotes=[identities.leaf_url(
        east.ids, f"127.0.0.1:{leaf_port}")])
    try:
        east.start()
        west.start()
        ne, nw = await east.connect(), await west.connect()
        try:
            jse, jsw = ne.jetstream(), nw.jetstream()
            await ensure_stream(jse, events_stream(EAST))
            await mirrors.ensure_mirror(jsw, EAST)
            name = mirrors.mirror_name(EAST)
            for _ in range(600):  # the mirror is live (bounded: a minute)
                if await mirrors.mirror_of(jsw, EAST) is not None and \
                        mirrors.health_of(EAST, await jsw.stream_info(name)).status == "ok":
                    break
                await asyncio.sleep(0.1)
            local = await _delays(jse, jse, name, count)
            remote = await _delays(jse, jsw, name, count)
            line("regions_local_p50", _pct(local, 0.5), "ms")
            line("regions_local_p99", _pct(local, 0.99), "ms")
            line("regions_replication_p50", _pct(remote, 0.5), "ms")
            line("regions_replication_p99", _pct(remote, 0.99), "ms")
        finally:
            await nw.close()
        west.stop()
        total = int(rate * seconds)
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i in range(total):
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
            await jse.publish(f"events.{EAST}.bench.CatchUp", str(i).encode())
        last = (await jse.stream_info(name)).state.last_seq
        restarted = time.perf_counter()
        west.start()
        nw = await west.connect()
        try:
            jsw = nw.jetstream()
            for _ in range(1800):  # bounded: three minutes
                try:
                    if (await jsw.stream_info(name)).state.last_seq >= last:
                        break
                except Exception:  # JetStream still starting
                    pass
                await asyncio.sleep(0.1)
            line("regions_catchup", time.perf_counter() - restarted, "s")
            line("regions_catchup_events", total, "events")
        finally:
            await nw.close()
        await ne.close()
    finally:
        west.stop()
        east.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000, help="events for the delay")
    parser.add_argument("--rate", type=float, default=100.0, help="events a second while "
                        "west is down")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long west is down")
    a = parser.parse_args()

    def show(name: str, value: float, unit: str) -> None:
        print(f"{name}: {value:.3f} {unit}", flush=True)

    asyncio.run(regions_bench(show, count=a.count, rate=a.rate, seconds=a.seconds))
