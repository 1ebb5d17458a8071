"""A region's NATS as production runs it: three nats-server nodes clustered by routes, with
JetStream and every stream on three replicas (``TOCSIN_STREAM_REPLICAS=3``,
``deploy/nats``). Two incidents instances reach it through ``TOCSIN_NATS_URL`` naming all
three servers. Alarms are published while the node that holds the incidents service's
connection, the ``ALARMS`` stream's leader and its consumer's leader is SIGKILLed: the
clients fail over to the other two, whose quorum keeps the streams, and every alarm opens
exactly one incident, none lost. Restarted, the node catches up and each stream is on three
current replicas again.
"""

from __future__ import annotations

import asyncio
import functools
import json
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import msgspec
import nats.errors
import nats.js.errors
import pytest
import pytest_asyncio

from tocsin.incidents import app as incidents_app
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.local.servers import dying_with_parent, find_nats_server, free_port
from tocsin.shared import codec
from tocsin.shared.bus import Bus, connect
from tocsin.shared.testing import running, wait_for

ALARMS = 300
"""Distinct alarms published, half before the kill and half after."""
PLAN = "cluster-alarms"


class Node:
    """One nats-server of the cluster, its client URL and monitoring address."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        self.port, self.http, self.route = free_port(), free_port(), free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._start_args: tuple[list[int], str] = ([], "")

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, routes: list[int], domain: str) -> None:
        self._start_args = (routes, domain)
        # The shape of deploy/nats/<region>/node.conf, on loopback and without TLS or
        # accounts (this test's clients are anonymous).
        config = {
            "server_name": self.name, "listen": f"127.0.0.1:{self.port}",
            "http": f"127.0.0.1:{self.http}",
            "jetstream": {"store_dir": str(self.folder / "store"), "domain": domain},
            "cluster": {"name": domain, "listen": f"127.0.0.1:{self.route}",
                        "routes": [f"nats-route://127.0.0.1:{p}" for p in routes]},
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "node.conf"
        path.write_text(json.dumps(config, indent=2))
        with open(self.folder / "server.log", "ab") as log:
            self.process = subprocess.Popen(
                dying_with_parent([find_nats_server(), "-c", str(path)], signal.SIGKILL),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def restart(self) -> None:
        """Start again on the same ports and store, after :meth:`kill`."""
        self.start(*self._start_args)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def cluster(tmp_path: Path, isolation: dict[str, str]) -> Iterator[list[Node]]:
    nodes = [Node(f"n{i}", tmp_path / f"n{i}") for i in (1, 2, 3)]
    try:
        for node in nodes:
            node.start([n.route for n in nodes if n is not node], isolation["region"])
        yield nodes
    finally:
        for node in nodes:
            node.stop()


async def monitor(session: aiohttp.ClientSession, node: Node, path: str) -> Any:
    async with session.get(f"http://127.0.0.1:{node.http}{path}",
                           timeout=aiohttp.ClientTimeout(total=5)) as response:
        return response.status, await response.json(content_type=None)


async def jetstream_ready(session: aiohttp.ClientSession, nodes: list[Node]) -> bool:
    """Every node up, with JetStream current and a meta leader that knows all three."""
    try:
        for node in nodes:
            status, _ = await monitor(session, node, "/healthz")
            _, jsz = await monitor(session, node, "/jsz")
            meta = jsz.get("meta_cluster") or {}
            if status != 200 or not meta.get("leader") or meta.get("cluster_size") != 3:
                return False
    except (aiohttp.ClientError, TimeoutError):
        return False
    return True


async def connection_host(session: aiohttp.ClientSession, nodes: list[Node],
                          client: str) -> list[Node]:
    """The nodes that hold a connection named ``client``."""
    found = []
    for node in nodes:
        _, connz = await monitor(session, node, "/connz?limit=1024")
        if any(c.get("name") == client for c in connz.get("connections") or []):
            found.append(node)
    return found


def alarm(name: str) -> dict[str, Any]:
    """A CloudWatch "Alarm State Change" into ALARM, one distinct alarm per name."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": "111122223333", "time": "2024-03-05T09:20:41Z",
        "region": "eu-west-1",
        "resources": [f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"],
        "detail": {"alarmName": name, "state": {"value": "ALARM", "reason": "Threshold"}}}


async def publish_until_acked(bus: Bus, subject: str, event: dict[str, Any]) -> None:
    """Publish as a careful publisher does: with ``Nats-Msg-Id`` (the event id), trying
    again on a timeout or while the stream elects a new leader, until JetStream
    acknowledges; the stream's duplicate window keeps the alarm once."""
    data = msgspec.json.encode(event)
    headers = {"Tocsin-Response-Plan": PLAN, "Nats-Msg-Id": event["id"]}
    for _ in range(60):
        try:
            await bus.js.publish(subject, data, headers=headers, timeout=2)
            return
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError,
                nats.errors.ConnectionReconnectingError, nats.js.errors.NoStreamResponseError,
                nats.js.errors.APIError):
            await asyncio.sleep(0.25)  # a back-off between tries; nothing is awaited here
    raise AssertionError(f"alarm {event['id']} was never acknowledged")


async def move_leader(bus: Bus, preferred: str, stream: str, durable: str | None = None) -> None:
    """Move a stream's or consumer's leader to ``preferred`` (nats-server 2.11 or later)."""
    if await leader(bus, stream, durable) == preferred:
        return
    subject = (f"$JS.API.CONSUMER.LEADER.STEPDOWN.{stream}.{durable}" if durable
               else f"$JS.API.STREAM.LEADER.STEPDOWN.{stream}")
    body = codec.encode({"placement": {"preferred": preferred}})
    reply = json.loads((await bus.nc.request(subject, body, timeout=10)).data)
    assert "error" not in reply, reply
    await wait_for(lambda: _is(leader(bus, stream, durable), preferred), timeout=30)


async def leader(bus: Bus, stream: str, durable: str | None = None) -> str:
    info = await (bus.js.consumer_info(stream, durable) if durable
                  else bus.js.stream_info(stream))
    assert info.cluster is not None
    return info.cluster.leader or ""


@pytest_asyncio.fixture
async def incidents(cluster: list[Node], database_url: str,
                    isolation: dict[str, str]) -> AsyncIterator[dict[str, Any]]:
    urls = [n.url for n in cluster]
    region = isolation["region"]
    async with aiohttp.ClientSession() as session:
        await wait_for(lambda: jetstream_ready(session, cluster), timeout=60, interval=0.2)
    settings = IncidentsSettings(
        nats_url=",".join(urls), database_url=database_url, stream_replicas=3,
        alarms_filter=f"alarms.{region}.>", changes_filter=f"changes.{region}.>",
        outbox_poll_interval=0.2, shutdown_grace=5, **isolation)  # type: ignore[arg-type]
    async with AsyncExitStack() as stack:
        for _ in range(2):
            await stack.enter_async_context(running(incidents_app.lifespan, settings))
        bus = await stack.enter_async_context(connect(urls, name="tocsin-tests"))
        yield {"bus": bus, "region": region, "schema": f"{isolation['schema_prefix']}incidents"}


async def call(bus: Bus, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    return codec.decode(await bus.request(f"tocsin.rpc.incidents.{operation}", params,
                                          timeout=30), dict[str, Any])


@pytest.mark.timeout(600)
async def test_a_node_killed_mid_load_loses_no_alarm_and_opens_none_twice(
        cluster: list[Node], incidents: dict[str, Any], database_url: str) -> None:
    bus: Bus = incidents["bus"]
    region, schema = incidents["region"], incidents["schema"]
    durable = f"{schema}-alarms"
    await call(bus, "CreateReplicationSet", {"regions": {region: {}}})
    await call(bus, "CreateResponsePlan", {
        "name": PLAN, "incidentTemplate": {"title": "Cluster alarm", "impact": 3}})

    # Every stream the service declared is kept on all three nodes.
    for stream in ("ALARMS", "CHANGES", f"EVENTS_{region.upper()}"):
        info = await bus.js.stream_info(stream)
        assert info.config.num_replicas == 3, stream
        assert info.cluster is not None and len(info.cluster.replicas or []) == 2, stream

    consumer = await bus.js.consumer_info("ALARMS", durable)
    assert consumer.cluster is not None and len(consumer.cluster.replicas or []) == 2

    # The victim: the node the first incidents instance reached; moved there, the ALARMS
    # stream's leader and its consumer's, so that the kill takes all three at once.
    async with aiohttp.ClientSession() as session:
        victim = (await connection_host(session, cluster, "tocsin-incidents"))[0]
    await move_leader(bus, victim.name, "ALARMS")
    await move_leader(bus, victim.name, "ALARMS", durable)

    conn = await asyncpg.connect(database_url)
    try:
        async def opened() -> int:
            return int(await conn.fetchval(f'SELECT count(*) FROM "{schema}".incident_record'))

        subject = f"alarms.{region}.cloudwatch"
        names = [f"cluster-alarm-{i:03d}" for i in range(ALARMS)]
        for name in names[:ALARMS // 2]:
            await publish_until_acked(bus, subject, alarm(name))
        # Mid-load: the service is working through the first half (on a slow machine; on
        # any, the second half is still to come) when the node dies.
        await wait_for(lambda: _at_least(opened(), 20), timeout=120)
        victim.kill()
        for name in names[ALARMS // 2:]:
            await publish_until_acked(bus, subject, alarm(name))

        await wait_for(lambda: _at_least(opened(), ALARMS), timeout=240, interval=0.2)

        # Nothing more is coming: every alarm was handed out and acknowledged, so any
        # duplicate would be in the store by now.
        async def drained() -> bool:
            info = await bus.js.consumer_info("ALARMS", durable)
            return info.num_pending == 0 and info.num_ack_pending == 0

        await wait_for(drained, timeout=120, interval=0.2)
        stored = (await bus.js.stream_info("ALARMS")).state.messages
        rows = await conn.fetch(
            f'SELECT dedupe_string, count(*) AS n FROM "{schema}".incident_record '
            "GROUP BY dedupe_string")
        # A redelivered alarm joins its own incident without a second timeline entry.
        timelines = await conn.fetch(
            f'SELECT event_type, count(*) AS n FROM "{schema}".timeline_event GROUP BY 1')
    finally:
        await conn.close()
    assert stored == ALARMS
    by_alarm = {r["dedupe_string"].rpartition(":")[2]: r["n"] for r in rows}
    assert by_alarm == dict.fromkeys(names, 1)
    assert timelines and all(r["n"] == ALARMS for r in timelines), timelines
    survivors = {n.name for n in cluster if n is not victim}
    assert await leader(bus, "ALARMS") in survivors

    # Back, the node catches up: each stream again on three current replicas.
    victim.restart()

    async def replicated(stream: str) -> bool:
        try:
            info = await bus.js.stream_info(stream)
        except (nats.errors.TimeoutError, nats.js.errors.APIError):
            return False
        peers = (info.cluster.replicas or []) if info.cluster else []
        return len(peers) == 2 and all(p.current and not p.offline for p in peers)

    for stream in ("ALARMS", f"EVENTS_{region.upper()}"):
        await wait_for(functools.partial(replicated, stream), timeout=120, interval=0.2)


async def _is(value: Any, expected: str) -> bool:
    try:
        return bool(await value == expected)
    except (nats.errors.TimeoutError, nats.js.errors.APIError):
        return False


async def _at_least(count: Any, least: int) -> bool:
    return bool(await count >= least)
