"""``python -m bench.page_latency``: alarm → page alone, at 20 alarms/s and at 2/s, against
the services started as ``make run`` starts them (throwaway NATS and PostgreSQL unless
TOCSIN_NATS_URL / TOCSIN_DATABASE_URL name them). Quicker than the whole ``python -m
bench``, for comparing one change's cost on the paging path (encryption at rest, say)."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import grpc
from aiosmtpd.controller import Controller

from bench import alarms
from bench.__main__ import line
from bench.notifications import Mailbox
from bench.processes import spawn, stop, wait_ready
from tocsin.local.servers import EmbeddedServer, free_port, nats_server, postgres_server
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc
from tocsin.shared.bus import connect


async def main(rounds: int) -> None:
    results: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="tocsin-bench-paging-"))
    servers: list[EmbeddedServer] = []
    nats_url = os.environ.get("TOCSIN_NATS_URL") or ""
    db_url = os.environ.get("TOCSIN_DATABASE_URL") or ""
    try:
        from tocsin.shared.keys import new_master_key_line, write_master_key_file

        write_master_key_file(work / "master.key", [new_master_key_line()])
        os.environ.setdefault("TOCSIN_MASTER_KEY_FILE", str(work / "master.key"))
    except ImportError:  # a Tocsin from before encryption at rest
        pass
    if not nats_url:
        servers.append(nats_server(work / "nats", log=work / "nats.log"))
        nats_url = servers[-1].url
    if not db_url:
        servers.append(postgres_server(work / "pg", log=work / "pg.log"))
        db_url = servers[-1].url
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    tag = uuid.uuid4().hex[:8]
    grpc_port = free_port()
    env = {"TOCSIN_SMTP_HOST": "127.0.0.1", "TOCSIN_SMTP_PORT": str(smtp.port),
           "TOCSIN_NATS_URL": nats_url, "TOCSIN_DATABASE_URL": db_url,
           "TOCSIN_REGION": f"bench{tag}", "TOCSIN_SCHEMA_PREFIX": f"bench{tag}_",
           "TOCSIN_GRPC_ADDR": f"127.0.0.1:{grpc_port}",
           "TOCSIN_HTTP_ADDR": f"127.0.0.1:{free_port()}",
           "TOCSIN_ACCESS_KEYS": "BENCH:bench-secret", "TOCSIN_LOG_LEVEL": "warning",
           "TOCSIN_LOG_JSON": "true"}
    procs = [await spawn(["-m", f"tocsin.{name}"], env, work / f"{name}.log")
             for name in ("incidents", "contacts", "gateway", "notifications")]
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel, \
                connect([nats_url], name="tocsin-bench-paging") as bus:
            await wait_ready(channel, time.monotonic() + 60)
            await pb_grpc.IncidentsStub(channel).CreateReplicationSet(
                pb.CreateReplicationSetRequest(regions={f"bench{tag}": pb.RegionMapInputValue()}))
            for i in range(rounds):
                await alarms._page_latency(bus, channel, f"bench{tag}", results, line, mailbox,
                                           rate=2, seconds=20, name=f"r{i}_alarm_to_page_2ps")
                await alarms._page_latency(bus, channel, f"bench{tag}", results, line, mailbox,
                                           rate=20, seconds=8, name=f"r{i}_alarm_to_page_20ps")
    finally:
        for proc in procs:
            await stop(proc)
        smtp.stop()
        for server in reversed(servers):
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    asyncio.run(main(parser.parse_args().rounds))
