"""The audit trail keeps the records of reads across a normal shutdown: they are written in
the background, and the gateway writes what is left before its NATS connection closes."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
from botocore.config import Config

from tocsin.gateway import app as gateway_app
from tocsin.gateway.audit_batches import records_in
from tocsin.gateway.http import HttpGateway
from tocsin.gateway.settings import Settings
from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.testing import running

KEY_ID, SECRET = "AKIDAUDIT", "audit-secret"
READS = 40


async def test_read_records_queued_at_shutdown_are_written(
        nats_url: str, isolation: dict[str, str], bus: Bus) -> None:
    settings = Settings(nats_url=nats_url, http_addr="127.0.0.1:0", grpc_addr="127.0.0.1:0",
                        access_keys=f"{KEY_ID}:{SECRET}", shutdown_grace=5,
                        region=isolation["region"])
    async with running(gateway_app.lifespan, settings) as workers:
        http_gw = next(w for w in workers if isinstance(w, HttpGateway))
        await asyncio.wait_for(http_gw.started.wait(), 30)
        trail = boto3.client("cloudtrail", endpoint_url=f"http://127.0.0.1:{http_gw.port}",
                             region_name=settings.region, aws_access_key_id=KEY_ID,
                             aws_secret_access_key=SECRET,
                             config=Config(retries={"total_max_attempts": 1}))

        def reads() -> None:
            for _ in range(READS):
                trail.lookup_events(MaxResults=1)

        await asyncio.to_thread(reads)
    # The gateway has stopped; every read it answered is in the trail, once.
    stream = f"AUDIT_{settings.region.upper()}"
    info = await bus.js.stream_info(stream, subjects_filter=f"audit.{settings.region}.>")
    assert set(info.state.subjects or {}) == {f"audit.{settings.region}.cloudtrail.LookupEvents"}
    records = [codec.decode(data, dict[str, Any])
               for seq in range(info.state.first_seq, info.state.last_seq + 1)
               for data in records_in((await bus.js.get_msg(stream, seq)).data or b"")]
    assert len(records) == READS
    assert len({r["eventID"] for r in records}) == READS
    assert {r["eventName"] for r in records} == {"LookupEvents"}
