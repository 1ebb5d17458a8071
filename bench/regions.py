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
- Takeover (:func:`takeover_bench`): two regions each running its incidents, contacts and
  escalation services as ``make run`` starts them (their own processes, one plan clock at
  ``TOCSIN_CLOCK_SCALE`` 60, ``TOCSIN_REGION_TAKEOVER_SECONDS`` 5); ``east`` starts an
  engagement whose stage 1 is due two plan minutes later and is then lost whole (its
  services and NATS SIGKILLed); the time from the loss to the first page of stage 1 created
  by ``west`` (its ``PageCreated``). It is the takeover delay plus what detecting the silence
  and firing the overdue timer take.

Bounded: ``count`` events, then ``rate * seconds`` (defaults: 2,000, then 10 s at 100/s;
``--seconds 60``: a minute of load).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nats
import nats.js.api
import nats.js.errors

from bench.processes import spawn, stop
from tocsin.local import identities
from tocsin.local.servers import EmbeddedServer, free_port, nats_server
from tocsin.shared.bus import ensure_stream, events_stream
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.bus.connection import ERROR_CODE_HEADER
from tocsin.shared.bus.identities import LEAF_DENIED
from tocsin.shared.keys import new_master_key_line, write_master_key_file

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


TAKEOVER_SECONDS = 5.0
"""``TOCSIN_REGION_TAKEOVER_SECONDS`` of the takeover figure."""
TAKEOVER_SERVICES = ("incidents", "contacts", "escalation")
PRINCIPAL = "arn:tocsin:iam::000000000000:user/bench"


class _Paging:
    """One region of the takeover figure: an open NATS (JetStream domain = the region)
    joined to the other by a leaf connection, and its paging services as processes."""

    def __init__(self, work: Path, name: str, env: dict[str, str], *, leaf_port: int,
                 hub: bool) -> None:
        self.folder = work / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.name, self.port = name, free_port()
        leaf: dict[str, Any] = (
            {"host": "127.0.0.1", "port": leaf_port, "no_advertise": True} if hub else
            # Requests, alarms and core event publishes stay in their region, as on the
            # leaf links make run configures.
            {"remotes": [{"url": f"nats-leaf://127.0.0.1:{leaf_port}",
                          "deny_imports": list(LEAF_DENIED),
                          "deny_exports": list(LEAF_DENIED)}]})
        self.config = self.folder / "nats.conf"
        # JSON is a valid NATS configuration.
        self.config.write_text(json.dumps({"jetstream": {"domain": name}, "leafnodes": leaf}))
        self.server = nats_server(self.folder / "nats", port=self.port, config=self.config,
                                  log=self.folder / "nats.log")
        self.url = f"nats://127.0.0.1:{self.port}"
        self.env = {**env, "TOCSIN_NATS_URL": self.url, "TOCSIN_REGION": name,
                    "TOCSIN_SCHEMA_PREFIX": f"{name}_"}
        self.procs: list[asyncio.subprocess.Process] = []

    async def start(self) -> None:
        for service in TAKEOVER_SERVICES:
            self.procs.append(await spawn(["-m", f"tocsin.{service}"], self.env,
                                          self.folder / f"{service}.log"))

    def kill(self) -> None:
        """The region lost whole: every process SIGKILLed."""
        for proc in self.procs:
            if proc.returncode is None:
                proc.kill()
        self.server.kill()

    async def stop(self) -> None:
        for proc in self.procs:
            await stop(proc)
        self.server.stop(30.0)


async def _call(nc: Any, service: str, operation: str, body: dict[str, Any],
                *, timeout: float = 10.0) -> dict[str, Any]:
    reply = await nc.request(f"tocsin.rpc.{service}.{operation}", json.dumps(body).encode(),
                             timeout=timeout, headers={"Tocsin-Principal": PRINCIPAL})
    if reply.headers and ERROR_CODE_HEADER in reply.headers:
        raise RuntimeError(f"{operation}: {reply.headers} {reply.data.decode()}")
    out: dict[str, Any] = json.loads(reply.data)
    return out


async def _until(check: Callable[[], Any], *, timeout: float, what: str) -> Any:
    """Poll ``check`` (an async callable) until it returns something truthy (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = await check()
        except Exception:  # a service or server still starting
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout:g}s")
        await asyncio.sleep(0.05)


async def takeover_bench(line: Line, *, database_url: str,
                         takeover_seconds: float = TAKEOVER_SECONDS) -> None:
    """Print the takeover time: region loss → first page from the other region (bounded:
    about a minute)."""
    work = Path(tempfile.mkdtemp(prefix="tocsin-bench-takeover-"))
    tag = secrets.token_hex(4)
    env = {"TOCSIN_DATABASE_URL": database_url, "TOCSIN_CLOCK_SCALE": "60",
           "TOCSIN_CLOCK_EPOCH": str(time.time()),
           "TOCSIN_REGION_TAKEOVER_SECONDS": str(takeover_seconds),
           "TOCSIN_REGION_CHECK_INTERVAL": "0.2", "TOCSIN_INBOX_RESCAN": "0.5",
           "TOCSIN_OUTBOX_POLL_INTERVAL": "0.1", "TOCSIN_LOG_LEVEL": "warning",
           "TOCSIN_METRICS_ADDR": "127.0.0.1:0"}
    if not os.environ.get("TOCSIN_MASTER_KEY_FILE"):  # as `make run` makes one
        write_master_key_file(work / "master.key", [new_master_key_line()])
        env["TOCSIN_MASTER_KEY_FILE"] = str(work / "master.key")
    leaf_port = free_port()
    regions: list[_Paging] = []
    clients: list[Any] = []
    try:
        east = _Paging(work, f"east{tag}", env, leaf_port=leaf_port, hub=True)
        regions.append(east)
        west = _Paging(work, f"west{tag}", env, leaf_port=leaf_port, hub=False)
        regions.append(west)
        for region in regions:
            await region.start()
        ne, nw = await nats.connect(east.url), await nats.connect(west.url)
        clients += [ne, nw]
        for nc in (ne, nw):
            await _until(lambda nc=nc: _call(nc, "escalation", "ListTimers",
                                             {"EngagementArn": "none"}),
                         timeout=120, what="the services answer")
            await _until(lambda nc=nc: _call(nc, "contacts", "ListContacts", {}),
                         timeout=120, what="the services answer")
        # The mirrors the region keeper makes for a replication set of the two.
        await _until(lambda: mirrors.ensure_mirror(nw.jetstream(), east.name) or True,
                     timeout=60, what="west mirrors east")
        await _until(lambda: mirrors.ensure_mirror(ne.jetstream(), west.name) or True,
                     timeout=60, what="east mirrors west")
        people = [(await _call(ne, "contacts", "CreateContact", {
            "Alias": alias, "Type": "PERSONAL", "Plan": {"Stages": []}}))["ContactArn"]
            for alias in ("alice", "bob")]
        plan = (await _call(ne, "contacts", "CreateContact", {
            "Alias": "oncall", "Type": "ESCALATION", "Plan": {"Stages": [
                {"DurationInMinutes": 2, "Targets": [
                    {"ContactTargetInfo": {"ContactId": arn, "IsEssential": True}}]}
                for arn in people]}}))["ContactArn"]

        async def known_in_west() -> bool:
            await _call(nw, "contacts", "GetContact", {"ContactId": plan})
            return True
        await _until(known_in_west, timeout=60, what="west knows east's contacts")
        # Retried (under one idempotency token) while the data keys are still being made.
        engagement = (await _until(lambda: _call(ne, "contacts", "StartEngagement", {
            "ContactId": plan, "Sender": "bench", "Subject": "Takeover", "Content": "bench",
            "IdempotencyToken": f"bench-{tag}"}), timeout=60,
            what="east starts the engagement"))["EngagementArn"]

        async def standby() -> bool:
            timers = (await _call(nw, "escalation", "ListTimers",
                                  {"EngagementArn": engagement}))["Timers"]
            return any(t["State"] == "PENDING" for t in timers)
        await _until(standby, timeout=30, what="west keeps the standby timer")
        await ne.close()  # it would only try to reach the lost region again and again
        east.kill()
        lost = time.perf_counter()
        stream = mirrors.mirror_name(west.name)
        js = nw.jetstream()

        async def paged() -> float | None:
            try:
                msg = await js.get_last_msg(stream, f"events.{west.name}.contacts.PageCreated")
            except nats.js.errors.NotFoundError:
                return None
            return time.perf_counter() if engagement in msg.data.decode() else None
        first = await _until(paged, timeout=takeover_seconds + 60,
                             what="west pages stage 1 of east's engagement")
        line("regions_takeover_time", first - lost, "s")
        line("regions_takeover_delay_setting", takeover_seconds, "s")
    finally:
        for nc in clients:
            with contextlib.suppress(Exception):
                await nc.close()
        for region in reversed(regions):
            await region.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000, help="events for the delay")
    parser.add_argument("--rate", type=float, default=100.0, help="events a second while "
                        "west is down")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long west is down")
    parser.add_argument("--database-url", default=os.environ.get("TOCSIN_DATABASE_URL", ""),
                        help="PostgreSQL for the takeover figure (default "
                        "TOCSIN_DATABASE_URL; without one it is skipped)")
    a = parser.parse_args()

    def show(name: str, value: float, unit: str) -> None:
        print(f"{name}: {value:.3f} {unit}", flush=True)

    asyncio.run(regions_bench(show, count=a.count, rate=a.rate, seconds=a.seconds))
    if a.database_url:
        asyncio.run(takeover_bench(show, database_url=a.database_url))
