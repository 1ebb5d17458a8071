"""The leaf link of ``deploy/nats`` between two regions, run from the committed node
configurations (on loopback, each region a cluster of three nodes, without the identities'
permissions): the later region dials the earlier, each region's JetStream stays its own
domain, a mirror of the other region's ``EVENTS_<REGION>`` follows it through
``$JS.<domain>.API``, and what a region serves alone stays in it: an alarm is captured
by the ``ALARMS`` stream of the region it was published in only, and a request is answered
only by the region it was sent in.
"""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import nats.errors
import pytest
import pytest_asyncio
from nats.js.api import ExternalStream, StreamConfig, StreamSource

from tocsin.local.servers import dying_with_parent, find_nats_server, free_port
from tocsin.shared.bus import Bus, alarms_stream, connect, events_stream
from tocsin.shared.bus.streams import sized
from tocsin.shared.testing import wait_for

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "nats"
WEST, CENTRAL = "eu-west-1", "eu-central-1"


class Node:
    """One NATS node of a region, started from ``deploy/nats/<region>/nats.conf`` with its
    addresses moved to free loopback ports."""

    def __init__(self, region: str, name: str, folder: Path) -> None:
        self.region = region
        self.name = name
        self.folder = folder
        self.port, self.http, self.route, self.leaf = (free_port() for _ in range(4))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, routes: list[int], env: dict[str, str]) -> None:
        text = (DEPLOY / self.region / "nats.conf").read_text()
        text = re.sub(r'^include "permissions.conf"\n', "", text, flags=re.M)
        for default, port in (("4222", self.port), ("8222", self.http),
                              ("6222", self.route), ("7422", self.leaf)):
            text = text.replace(f"listen: 0.0.0.0:{default}", f"listen: 127.0.0.1:{port}")
            text = text.replace(f"http: 0.0.0.0:{default}", f"http: 127.0.0.1:{port}")
        text = text.replace('"/data/jetstream"', f'"{self.folder / "store"}"')
        text = text.replace("max_file_store: 200GB", "max_file_store: 1GB")
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "nats.conf"
        path.write_text(text)
        env = {**env, "NATS_SERVER_NAME": self.name, "NATS_ROUTE_USER": "route",
               "NATS_ROUTE_PASSWORD": "pw", "NATS_LEAF_USER": "leaf",
               "NATS_LEAF_PASSWORD": "leaf-pw"}
        env.update({f"NATS_ROUTE_{i}": f"nats-route://route:pw@127.0.0.1:{port}"
                    for i, port in enumerate(routes, 1)})
        with open(self.folder / "server.log", "ab") as log:
            self.process = subprocess.Popen(
                dying_with_parent([find_nats_server(), "-c", str(path)], signal.SIGKILL),
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    async def monitor(self, path: str) -> Any:
        async with aiohttp.ClientSession() as session, session.get(
                f"http://127.0.0.1:{self.http}{path}",
                timeout=aiohttp.ClientTimeout(total=5)) as response:
            return await response.json(content_type=None)


@pytest.fixture
def regions(tmp_path: Path) -> Iterator[dict[str, list[Node]]]:
    """Each region's three nodes; eu-central-1's dial eu-west-1's first node's leaf port
    (as they would its load balancer)."""
    nodes = {region: [Node(region, f"{region}-{x}", tmp_path / f"{region}-{x}")
                      for x in "abc"] for region in (WEST, CENTRAL)}
    remote = {"NATS_LEAF_REMOTE_EU_WEST_1":
              f"nats-leaf://leaf:leaf-pw@127.0.0.1:{nodes[WEST][0].leaf}"}
    try:
        for region, members in nodes.items():
            for node in members:
                node.start([n.route for n in members], remote if region == CENTRAL else {})
        yield nodes
    finally:
        for members in nodes.values():
            for node in members:
                node.stop()


async def linked(regions: dict[str, list[Node]]) -> bool:
    """Every node up, JetStream's meta leader elected in each region, and each of
    eu-central-1's nodes linked to eu-west-1."""
    try:
        for members in regions.values():
            for node in members:
                meta = (await node.monitor("/jsz")).get("meta_cluster") or {}
                if not meta.get("leader") or meta.get("cluster_size") != 3:
                    return False
        leafs = [len((await n.monitor("/leafz")).get("leafs") or []) for n in regions[CENTRAL]]
        return leafs == [1, 1, 1]
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return False


@pytest_asyncio.fixture
async def buses(regions: dict[str, list[Node]]) -> AsyncIterator[dict[str, Bus]]:
    await wait_for(lambda: linked(regions), timeout=90, interval=0.2)
    async with connect([n.url for n in regions[WEST]], name="west") as west, \
            connect([n.url for n in regions[CENTRAL]], name="central") as central:
        yield {WEST: west, CENTRAL: central}


async def messages(bus: Bus, stream: str) -> int:
    try:
        return int((await bus.js.stream_info(stream)).state.messages)
    except nats.errors.TimeoutError:
        return -1


@pytest.mark.timeout(300)
async def test_the_link_carries_replication_and_nothing_a_region_serves_alone(
        buses: dict[str, Bus]) -> None:
    west, central = buses[WEST], buses[CENTRAL]
    assert (await west.js.account_info()).domain == WEST
    assert (await central.js.account_info()).domain == CENTRAL
    # Placing a replicated stream's group can outlast the client's default 5 s on a
    # busy machine.
    admin = {bus: bus.nc.jetstream(timeout=30) for bus in (west, central)}
    for bus in (west, central):
        await admin[bus].add_stream(sized(alarms_stream(), replicas=3))
    origin = sized(events_stream(WEST), replicas=3)
    await admin[west].add_stream(origin)
    await admin[central].add_stream(StreamConfig(
        name=f"{origin.name}_MIRROR", num_replicas=3, mirror=StreamSource(
            name=origin.name, external=ExternalStream(api=f"$JS.{WEST}.API"))))

    # A responder in eu-west-1 only: eu-central-1's request finds nobody.
    async def answer(msg: Any) -> None:
        await msg.respond(b"west")

    served = await west.nc.subscribe("tocsin.rpc.incidents.Ping", queue="incidents",
                                     cb=answer)
    await west.nc.flush()
    with pytest.raises(nats.errors.NoRespondersError):
        await central.nc.request("tocsin.rpc.incidents.Ping", b"", timeout=5)
    assert (await west.nc.request("tocsin.rpc.incidents.Ping", b"", timeout=5)).data == b"west"
    await served.unsubscribe()

    # An alarm published in eu-central-1, then an event in eu-west-1 that its mirror in
    # eu-central-1 receives: by then the link has carried whatever it would carry.
    await central.js.publish("alarms.cloudwatch", b"{}", headers={"Nats-Msg-Id": "a1"})
    await west.js.publish(f"events.{WEST}.incidents.Created", b"{}",
                          headers={"Nats-Msg-Id": "e1"})

    async def mirrored() -> bool:
        return await messages(central, f"{origin.name}_MIRROR") == 1

    await wait_for(mirrored, timeout=60, interval=0.2)
    assert await messages(central, "ALARMS") == 1
    assert await messages(west, "ALARMS") == 0
