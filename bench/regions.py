"""Replication between two regions: ``python -m bench.regions`` (also part of
``python -m bench``).

Two regions as ``make run`` starts them, on this machine: each its NATS
(:func:`tocsin.local.identities.nats_config`: JetStream domain = region, the generated
identities, ``west`` dialling ``east``'s leaf port) and its incidents service as its own
process, as its own identity, with ``make run``'s settings; a database of its own in one
PostgreSQL (dropped after). A replication set of the two is made in ``east``, and each region's
keeper makes the other's mirror of its ``EVENTS_<REGION>``
(:mod:`tocsin.shared.bus.regions`). The bench calls the services as the gateway does
(its identity, signed principals).

- Replication delay of a change (``regions_change_delay``): ``changes`` changes made in
  ``east`` one after the other through its API, each a custom timeline event or a new
  summary of one of a hundred incidents; the time from the reply (the change is committed)
  until ``west``'s incidents service reads it (GetTimelineEvent / GetIncidentRecord, asked
  every millisecond or so), p50 / p99. Beside it, of the same changes, the time until
  their event is in ``west``'s mirror (``regions_change_in_mirror``: the outbox relay and
  the mirror; the rest is ``west``'s inbox applying it), and the raw baseline: ``count``
  bare events published one after the other into ``EVENTS_EAST`` (each waiting for its
  acknowledgement), from the publish to their arrival in a reader of ``west``'s mirror
  (``regions_replication``) and of ``east``'s own stream (``regions_local``). Goal:
  ``regions_change_delay_p99`` ≤ 50 ms on loopback.
- Catch-up: ``west``'s NATS stopped (its service keeps running, reconnecting) while
  ``east``'s service takes ``rate`` changes a second for ``seconds`` (the same kinds of
  change, started on time whether or not the previous ones have answered; one ``east``
  leaves unanswered is asked again under its client token, up to three times, then
  counted in ``regions_catchup_load_failed``), then one last timeline event. From
  ``west``'s NATS restarting: until its mirror holds everything ``east``'s stream does
  (``regions_catchup_mirror``, the baseline), and until ``west``'s service reads that
  last event and its store holds every change
  (``regions_catchup_service``: the incidents' and timeline events' digests of
  :mod:`tocsin.shared.replication.digest` equal to ``east``'s, read in the same poll).
  Beside them: how ``east`` answered the load, and the CPU ``west``'s process spent per
  change while catching up.
- Takeover (:func:`takeover_bench`): two regions each running its incidents, contacts and
  escalation services as ``make run`` starts them (their own processes, one plan clock at
  ``TOCSIN_CLOCK_SCALE`` 60, ``TOCSIN_REGION_TAKEOVER_SECONDS`` 5); ``east`` starts an
  engagement whose stage 1 is due two plan minutes later and is then lost whole (its
  services and NATS SIGKILLed); the time from the loss to the first page of stage 1 created
  by ``west`` (its ``PageCreated``). It is the takeover delay plus what detecting the silence
  and firing the overdue timer take.

Bounded: ``count`` events, ``changes`` changes (each waited for at most 30 s), then
``rate * seconds`` changes (defaults: 2,000, 500, then 10 s at 100/s; ``--seconds 60``:
the issue's minute of load) and a catch-up of at most three minutes plus five seconds per
second of load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import nats
import nats.js.api
import nats.js.errors

from bench.processes import cpu_seconds, spawn, stop
from tocsin.incidents.digest import RESOURCES as INCIDENTS_RESOURCES
from tocsin.local import identities
from tocsin.local.servers import EmbeddedServer, free_port, nats_server, postgres_server
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, connect
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.bus.connection import ERROR_CODE_HEADER, NatsCredentials
from tocsin.shared.bus.identities import LEAF_DENIED, identity
from tocsin.shared.bus.principals import Signer
from tocsin.shared.keys import new_master_key_line, write_master_key_file
from tocsin.shared.replication.digest import Digest, digests

BENCH_PASSWORD = secrets.token_urlsafe(16)
Line = Callable[[str, float, str], None]
PRINCIPAL = "arn:tocsin:iam::000000000000:user/bench"
INCIDENTS = 100
"""Incidents the changes go to, in turn (ten a second each would queue the changes of
one incident behind its row lock: hot rows, not replication)."""
POLL = 0.001
"""Seconds between two reads of a change in the other region (each read is a request to
its service: asking more often would slow what it measures)."""
CATCH_UP_BOUND, CATCH_UP_PER_SECOND = 180.0, 5.0
"""Seconds the catch-up may take at most: this, plus that per second of load."""
CHANGED = ("incident_records", "timeline_events")
"""The digests of :mod:`tocsin.incidents.digest` the changes move."""


class _Region:
    """One region: its NATS (identities of its own, a bench user beside them), its
    database, and its incidents service as ``make run`` starts it."""

    def __init__(self, work: Path, name: str, env: dict[str, str], *, database: str,
                 **leaf: Any) -> None:
        self.folder = work / name
        self.database = database
        self.ids = identities.prepare(identities.private_folder(self.folder))
        self.name, self.port, self.leaf = name, free_port(), leaf
        self.url = f"nats://127.0.0.1:{self.port}"
        self.server: EmbeddedServer | None = None
        self.env = {**env, "TOCSIN_NATS_URL": self.url, "TOCSIN_REGION": name,
                    "TOCSIN_DATABASE_URL": database, "TOCSIN_SCHEMA_PREFIX": "",
                    "TOCSIN_PRINCIPAL_SIGNERS": self.ids.signers,
                    **self.ids.env("incidents")}
        self.service: asyncio.subprocess.Process | None = None

    def start_nats(self) -> None:
        conf = self.ids.folder / "nats.conf"
        config = json.loads(identities.nats_config(self.ids, region=self.name, **self.leaf))
        # The bench's own client, beside the identities: it reads and writes every stream.
        config["authorization"]["users"].append(
            {"user": "bench", "password": BENCH_PASSWORD,
             "allowed_connection_types": ["STANDARD"]})
        identities.write_private(conf, json.dumps(config))
        self.server = nats_server(self.folder / "nats", port=self.port, config=conf,
                                  log=self.folder / "nats.log")

    def stop_nats(self) -> None:
        if self.server is not None:
            self.server.stop(30.0)

    async def start_service(self) -> None:
        self.service = await spawn(["-m", "tocsin.incidents"], self.env,
                                   self.folder / "incidents.log")

    async def stop(self) -> None:
        if self.service is not None:
            await stop(self.service)
        self.stop_nats()

    async def raw(self) -> Any:
        """A nats-py client as the bench user (every stream)."""
        return await nats.connect(f"nats://bench:{BENCH_PASSWORD}@127.0.0.1:{self.port}")

    @contextlib.asynccontextmanager
    async def gateway(self) -> AsyncIterator[Bus]:
        """A :class:`Bus` as this region's gateway: its identity, its signed principals."""
        async with connect([self.url], name="tocsin-bench", identity=identity("gateway"),
                           credentials=NatsCredentials(
                               str(self.ids.credentials_file("gateway"))),
                           signer=Signer("gateway", str(self.ids.signing_keys["gateway"]))
                           ) as bus:
            yield bus


async def _rpc(bus: Bus, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """An incidents operation, as the gateway requests it for :data:`PRINCIPAL`."""
    reply = await bus.request(f"tocsin.rpc.incidents.{operation}", params,
                              headers={"Tocsin-Principal": PRINCIPAL})
    out: dict[str, Any] = codec.decode(reply, dict[str, Any])
    return out


Readable = Callable[[Bus], Awaitable[bool]]
"""Whether a region's incidents service reads a change yet."""


RETRIES = 3
"""Times a change east did not answer in time is asked again (under its client token)."""


async def _write(bus: Bus, operation: str, params: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """A change, asked again while its region does not answer in time, as a client does
    (its client token keeps it one change); the answer, and how many times it was asked
    again."""
    params = {**params, "clientToken": secrets.token_hex(16)}
    for again in range(RETRIES + 1):
        try:
            return await _rpc(bus, operation, params), again
        except errors.ServiceUnavailable:
            if again == RETRIES:
                raise
    raise AssertionError("unreachable")


async def _change(bus: Bus, incident: str, n: int, label: str) -> tuple[Readable, int]:
    """Change ``n`` of ``incident`` through the API of ``bus``'s region: a custom timeline
    event (even ``n``) or a new summary (odd ``n``), each one event; how to tell that
    another region reads it, and how many times it was asked again."""
    if n % 2 == 0:
        made, again = await _write(bus, "CreateTimelineEvent", {
            "incidentRecordArn": incident, "eventTime": int(time.time()),
            "eventType": "Custom Event", "eventData": json.dumps(f"{label} {n}")})
        return _has_event(incident, made["eventId"]), again
    summary = f"{label} {n}"
    _, again = await _write(bus, "UpdateIncidentRecord", {"arn": incident, "summary": summary})

    async def has_summary(other: Bus) -> bool:
        found = await _rpc(other, "GetIncidentRecord", {"arn": incident})
        return bool(found["incidentRecord"].get("summary") == summary)
    return has_summary, again


def _has_event(incident: str, event_id: str) -> Readable:
    async def has_event(other: Bus) -> bool:
        try:
            await _rpc(other, "GetTimelineEvent",
                       {"incidentRecordArn": incident, "eventId": event_id})
        except errors.NotFoundError:
            return False
        return True
    return has_event


CHANGE_EVENTS = ("TimelineEventCreated", "IncidentRecordUpdated")
"""The events :func:`_change` makes, one each."""


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _delays(js_pub: Any, js_read: Any, stream: str, region: str,
                  count: int) -> list[float]:
    """Publish ``count`` bare events into ``region``'s stream, one after the other, and
    the delay of each to a reader of ``stream`` (ms)."""
    sent: dict[int, float] = {}
    got: dict[int, float] = {}
    done = asyncio.Event()

    async def on_msg(msg: Any) -> None:
        got[int(msg.data)] = time.perf_counter()
        if len(got) == count:
            done.set()

    sub = await js_read.subscribe(f"events.{region}.bench.>", stream=stream,
                                  ordered_consumer=True, cb=on_msg,
                                  deliver_policy=nats.js.api.DeliverPolicy.NEW)
    try:
        for i in range(count):
            sent[i] = time.perf_counter()
            await js_pub.publish(f"events.{region}.bench.Delay", str(i).encode())
        await asyncio.wait_for(done.wait(), 60)
    finally:
        await sub.unsubscribe()
    return [(got[i] - sent[i]) * 1000 for i in range(count)]


async def _change_delays(east: Bus, west: Bus, js_west: Any, *, origin: str,
                         incidents: list[str], changes: int) -> tuple[list[float], list[float]]:
    """Make ``changes`` changes in ``east``, one after the other; per change (ms), the
    time from its reply until ``west``'s service reads it, and until its event is in
    ``west``'s mirror."""
    arrived: list[float] = []

    async def on_msg(msg: Any) -> None:
        if msg.subject.rpartition(".")[2] in CHANGE_EVENTS:
            arrived.append(time.perf_counter())

    sub = await js_west.subscribe(f"events.{origin}.incidents.>",
                                  stream=mirrors.mirror_name(origin), ordered_consumer=True,
                                  cb=on_msg, deliver_policy=nats.js.api.DeliverPolicy.NEW)
    committed: list[float] = []
    readable: list[float] = []
    try:
        for n in range(changes):
            read, _ = await _change(east, incidents[n % len(incidents)], n, "delay")
            committed.append(time.perf_counter())
            await _until(functools.partial(read, west), timeout=30, every=POLL,
                         what=f"west reads change {n}")
            readable.append(time.perf_counter())

        async def all_arrived() -> bool:
            return len(arrived) >= changes
        await _until(all_arrived, timeout=30, what="every change's event in west's mirror")
    finally:
        await sub.unsubscribe()
    if len(arrived) != changes:
        raise RuntimeError(f"{len(arrived)} events of {changes} changes in west's mirror")
    return ([(r - c) * 1000 for c, r in zip(committed, readable, strict=True)],
            [(a - c) * 1000 for c, a in zip(committed, arrived, strict=True)])


@dataclass
class _Load:
    """How ``east`` answered the changes of the catch-up's load."""

    took: float = 0.0
    """Seconds from the first change started until the last answered."""
    answers: list[float] = field(default_factory=list)
    """Each answered change's answer time (ms), the times it was asked again included."""
    retries: int = 0
    failed: int = 0
    """Changes east had not answered after :data:`RETRIES` more tries (committed or not:
    the catch-up compares west's store with east's, whatever east holds)."""


async def _load(east: Bus, incidents: list[str], *, rate: float, seconds: float) -> _Load:
    """``rate`` changes a second for ``seconds`` in ``east``, each started on time."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    load = _Load()

    async def change(n: int) -> None:
        started = loop.time()
        try:
            _, again = await _change(east, incidents[n % len(incidents)], n, "load")
        except errors.ServiceUnavailable:
            load.failed += 1
            return
        load.answers.append((loop.time() - started) * 1000)
        load.retries += again

    async with asyncio.TaskGroup() as changes:
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + n / rate - loop.time()))
            changes.create_task(change(n))
    load.took = loop.time() - start
    return load


async def _store_digest(region: _Region) -> dict[str, Digest]:
    """The digests of the incidents and timeline events in ``region``'s store."""
    conn = await asyncpg.connect(region.database, server_settings={"search_path": "incidents"})
    try:
        return await digests(conn, [r for r in INCIDENTS_RESOURCES if r.kind in CHANGED],
                             region=region.name)
    finally:
        await conn.close()


async def _outbox_empty(region: _Region) -> bool:
    conn = await asyncpg.connect(region.database)
    try:
        return not await conn.fetchval("SELECT count(*) FROM incidents.outbox")
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def _databases(server_url: str, *names: str) -> AsyncIterator[list[str]]:
    """A database of its own for each region (as each region has its PostgreSQL, and its
    NATS permissions name the deployment's schemas), dropped after; their URLs."""
    conn = await asyncpg.connect(server_url)
    made: list[str] = []
    try:
        for name in names:
            await conn.execute(f'CREATE DATABASE "tocsin_bench_{name}"')
            made.append(name)
        yield [urlsplit(server_url)._replace(path=f"/tocsin_bench_{name}").geturl()
               for name in names]
    finally:
        for name in made:
            await conn.execute(f'DROP DATABASE IF EXISTS "tocsin_bench_{name}" WITH (FORCE)')
        await conn.close()


async def regions_bench(line: Line, *, database_url: str, count: int = 2000,
                        changes: int = 500, rate: float = 100.0, seconds: float = 10.0) -> None:
    """Print the replication delay of a change beside the raw one, and the catch-up time
    of the service beside the mirror's (``database_url``: the PostgreSQL server in which
    each region gets a database)."""
    work = Path(tempfile.mkdtemp(prefix="tocsin-bench-regions-"))
    tag = secrets.token_hex(4)
    env = {"TOCSIN_LOG_LEVEL": "warning", "TOCSIN_LOG_JSON": "true",
           "TOCSIN_METRICS_ADDR": "127.0.0.1:0"}
    if not os.environ.get("TOCSIN_MASTER_KEY_FILE"):  # as `make run` makes one
        write_master_key_file(work / "master.key", [new_master_key_line()])
        env["TOCSIN_MASTER_KEY_FILE"] = str(work / "master.key")
    line("regions_load_average_1m", os.getloadavg()[0], "")
    names = (f"east{tag}", f"west{tag}")
    async with _databases(database_url, *names) as (east_db, west_db):
        leaf_port = free_port()
        east = _Region(work, names[0], env, database=east_db,
                       leaf_listen=f"127.0.0.1:{leaf_port}")
        west = _Region(work, names[1], env, database=west_db, leaf_remotes=[
            identities.leaf_url(east.ids, f"127.0.0.1:{leaf_port}")])
        try:
            for region in (east, west):
                region.start_nats()
                await region.start_service()
            async with contextlib.AsyncExitStack() as clients:
                ce = await clients.enter_async_context(east.gateway())
                ne = await east.raw()
                clients.push_async_callback(ne.close)
                jse = ne.jetstream()
                async with west.gateway() as cw:
                    incidents = await _replicated(ce, cw, east.name, west.name)
                    nw = await west.raw()
                    try:
                        await _delay_figures(line, jse, nw.jetstream(), ce, cw,
                                             origin=east.name, incidents=incidents,
                                             count=count, changes=changes)
                    finally:
                        await nw.close()
                await _catch_up(line, ce, jse, east, west, incidents=incidents, rate=rate,
                                seconds=seconds)
        finally:
            for region in (west, east):
                await region.stop()
            shutil.rmtree(work, ignore_errors=True)


async def _replicated(east: Bus, west: Bus, east_name: str, west_name: str) -> list[str]:
    """A replication set of the two regions made in ``east``, active in ``west``; a plan
    and :data:`INCIDENTS` incidents started in ``east``, read in ``west``."""
    await _until(functools.partial(_rpc, east, "ListReplicationSets", {}), timeout=120,
                 what="east's incidents service answers")
    arn = (await _rpc(east, "CreateReplicationSet",
                      {"regions": {east_name: {}, west_name: {}}}))["arn"]

    async def active() -> bool:
        rs = (await _rpc(west, "GetReplicationSet", {"arn": arn}))["replicationSet"]
        return bool(rs["status"] == "ACTIVE")
    await _until(active, timeout=120, what="the replication set active in west")
    plan = (await _rpc(east, "CreateResponsePlan", {
        "name": "bench", "incidentTemplate": {"title": "Replication bench", "impact": 3}}))[
        "arn"]
    incidents = [(await _rpc(east, "StartIncident", {
        "responsePlanArn": plan, "title": f"Replication bench {n}"}))["incidentRecordArn"]
        for n in range(INCIDENTS)]
    for incident in incidents:
        await _until(functools.partial(_rpc, west, "GetIncidentRecord", {"arn": incident}),
                     timeout=60, what="west reads east's incidents")
    return incidents


async def _delay_figures(line: Line, js_east: Any, js_west: Any, east: Bus, west: Bus, *,
                         origin: str, incidents: list[str], count: int, changes: int) -> None:
    """The raw delays of bare events, then those of changes."""
    name = mirrors.mirror_name(origin)
    local = await _delays(js_east, js_east, name, origin, count)
    remote = await _delays(js_east, js_west, name, origin, count)
    line("regions_local_p50", _pct(local, 0.5), "ms")
    line("regions_local_p99", _pct(local, 0.99), "ms")
    line("regions_replication_p50", _pct(remote, 0.5), "ms")
    line("regions_replication_p99", _pct(remote, 0.99), "ms")
    read, mirrored = await _change_delays(east, west, js_west, origin=origin,
                                          incidents=incidents, changes=changes)
    line("regions_change_in_mirror_p50", _pct(mirrored, 0.5), "ms")
    line("regions_change_in_mirror_p99", _pct(mirrored, 0.99), "ms")
    line("regions_change_delay_p50", _pct(read, 0.5), "ms")
    line("regions_change_delay_p99", _pct(read, 0.99), "ms")
    line("regions_change_delay_changes", changes, "changes")


async def _catch_up(line: Line, east_bus: Bus, js_east: Any, east: _Region, west: _Region,
                    *, incidents: list[str], rate: float, seconds: float) -> None:
    """``west``'s NATS stopped while ``east`` takes the load; the time from its restart
    until its mirror, then its service, has it all."""
    west.stop_nats()
    load = await _load(east_bus, incidents, rate=rate, seconds=seconds)
    line("regions_catchup_load_seconds", seconds, "s")
    line("regions_catchup_changes", len(load.answers), "changes")
    line("regions_catchup_load_failed", load.failed, "changes")
    line("regions_catchup_load_rate", len(load.answers) / load.took, "changes/s")
    line("regions_catchup_load_answer_p50", _pct(load.answers, 0.5), "ms")
    line("regions_catchup_load_answer_p99", _pct(load.answers, 0.99), "ms")
    line("regions_catchup_load_retries", load.retries, "changes")
    last, _ = await _change(east_bus, incidents[0], 0, "last")
    await _until(functools.partial(_outbox_empty, east), timeout=60,
                 what="east's outbox published")
    name = mirrors.mirror_name(east.name)
    last_seq = (await js_east.stream_info(name)).state.last_seq
    want = await _store_digest(east)
    assert west.service is not None
    cpu = cpu_seconds(west.service)
    restarted = time.perf_counter()
    west.start_nats()
    nw = await west.raw()
    try:
        jsw = nw.jetstream()

        async def mirrored() -> float | None:
            held = (await jsw.stream_info(name)).state.last_seq >= last_seq
            return time.perf_counter() if held else None

        async with west.gateway() as cw:
            async def applied() -> float | None:
                at = time.perf_counter()
                if await last(cw) and await _store_digest(west) == want:
                    return at
                return None

            bound = CATCH_UP_BOUND + CATCH_UP_PER_SECOND * seconds
            mirror_at, service_at = await asyncio.gather(
                _until(mirrored, timeout=bound, what="west's mirror catches up"),
                _until(applied, timeout=bound, what="west's service catches up"))
        cpu = cpu_seconds(west.service) - cpu
    finally:
        await nw.close()
    line("regions_catchup_mirror", mirror_at - restarted, "s")
    line("regions_catchup_service", service_at - restarted, "s")
    # What applying costs west's process (its reconnection and the bench's reads
    # included): beside the time above, whether catching up waits on CPU or on round trips.
    line("regions_catchup_apply_cpu_per_change", cpu / (len(load.answers) + 1) * 1000, "ms")


TAKEOVER_SECONDS = 5.0
"""``TOCSIN_REGION_TAKEOVER_SECONDS`` of the takeover figure."""
TAKEOVER_SERVICES = ("incidents", "contacts", "escalation")


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


async def _until(check: Callable[[], Any], *, timeout: float, what: str,
                 every: float = 0.05) -> Any:
    """Poll ``check`` (an async callable) every ``every`` seconds until it returns
    something truthy (bounded)."""
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
        await asyncio.sleep(every)


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
            await _until(functools.partial(_call, nc, "escalation", "ListTimers",
                                           {"EngagementArn": "none"}),
                         timeout=120, what="the services answer")
            await _until(functools.partial(_call, nc, "contacts", "ListContacts", {}),
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
            return time.perf_counter() if engagement in (msg.data or b"").decode() else None
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


async def _main(line: Line, *, database_url: str, count: int, changes: int, rate: float,
                seconds: float) -> None:
    """Both parts, on ``database_url`` or else on a throwaway PostgreSQL."""
    server = None
    if not database_url:
        folder = Path(tempfile.mkdtemp(prefix="tocsin-bench-regions-pg-"))
        server = postgres_server(folder / "pg", log=folder / "pg.log")
        database_url = server.url
    try:
        await regions_bench(line, database_url=database_url, count=count, changes=changes,
                            rate=rate, seconds=seconds)
        await takeover_bench(line, database_url=database_url)
    finally:
        if server is not None:
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000, help="bare events for the raw delay")
    parser.add_argument("--changes", type=int, default=500,
                        help="changes for the delay of a change")
    parser.add_argument("--rate", type=float, default=100.0, help="changes a second while "
                        "west is down")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long west is down "
                        "(the issue's figure: 60)")
    parser.add_argument("--database-url", default=os.environ.get("TOCSIN_DATABASE_URL", ""),
                        help="the regions' PostgreSQL (default TOCSIN_DATABASE_URL, else a "
                        "throwaway one)")
    a = parser.parse_args()

    def show(name: str, value: float, unit: str) -> None:
        print(f"{name}: {value:.3f} {unit}", flush=True)

    asyncio.run(_main(show, database_url=a.database_url, count=a.count, changes=a.changes,
                      rate=a.rate, seconds=a.seconds))
