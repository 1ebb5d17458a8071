"""A killed incidents process loses no event: what it committed is published after restart."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any

import asyncpg

from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for


def start_incidents(env: dict[str, str]) -> asyncio.Future[asyncio.subprocess.Process]:
    return asyncio.ensure_future(asyncio.create_subprocess_exec(
        sys.executable, "-m", "tocsin.incidents", env={**os.environ, **env},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))


async def answering(bus: Bus) -> bool:
    try:
        await bus.request("tocsin.rpc.incidents.ListReplicationSets", {}, timeout=0.5)
        return True
    except Exception:
        return False


async def call(bus: Bus, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    return codec.decode(await bus.request(f"tocsin.rpc.incidents.{operation}", params),
                        dict[str, Any])


class TestKilledBetweenCommitAndPublish:
    async def test_event_arrives_once_after_restart(
            self, nats_url: str, database_url: str, isolation: dict[str, str],
            bus: Bus) -> None:
        """SIGKILL after the incident is committed but before its event is published: the
        restarted process publishes it, and the stream holds it exactly once."""
        region = isolation["region"]
        env = {"TOCSIN_NATS_URL": nats_url, "TOCSIN_DATABASE_URL": database_url,
               "TOCSIN_REGION": region, "TOCSIN_SCHEMA_PREFIX": isolation["schema_prefix"],
               "TOCSIN_LOG_JSON": "true", "TOCSIN_CHANGES_FILTER": f"changes.{region}.>",
               "TOCSIN_ALARMS_FILTER": f"alarms.{region}.>"}
        # An instance that commits but does not publish: the process dies in between.
        proc = await start_incidents({**env, "TOCSIN_OUTBOX_RELAY": "false"})
        try:
            await wait_for(lambda: answering(bus), timeout=30)
            await call(bus, "CreateReplicationSet", {"regions": {region: {}}})
            plan = await call(bus, "CreateResponsePlan", {
                "name": "api-errors", "incidentTemplate": {"title": "API errors", "impact": 2}})
            started = await call(bus, "StartIncident", {"responsePlanArn": plan["arn"]})
        finally:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        stream = f"EVENTS_{region.upper()}"
        assert (await bus.js.stream_info(stream)).state.messages == 0
        conn = await asyncpg.connect(database_url)
        try:
            pending = await conn.fetchval(
                f'SELECT count(*) FROM "{isolation["schema_prefix"]}incidents".outbox')
        finally:
            await conn.close()
        assert pending == 3

        proc = await start_incidents(env)
        try:
            async def three() -> bool:
                return (await bus.js.stream_info(stream)).state.messages >= 3

            await wait_for(three, timeout=30)
            await asyncio.sleep(1.0)  # time for any duplicate to show up
            sub = await bus.js.subscribe(f"events.{region}.>", ordered_consumer=True)
            events = [codec.decode((await sub.next_msg(timeout=2)).data, codec.Envelope)
                      for _ in range(3)]
            await sub.unsubscribe()
        finally:
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 30) == 0
        assert (await bus.js.stream_info(stream)).state.messages == 3
        assert [e.type for e in events] == ["ReplicationSetCreated", "ResponsePlanCreated",
                                            "IncidentRecordCreated"]
        assert events[2].data["incidentRecord"]["arn"] == started["incidentRecordArn"]
        assert events[2].correlation.incident_arn == started["incidentRecordArn"]
