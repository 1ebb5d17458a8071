"""Integration keys at the gateway: a webhook with a key that is not one (or no longer one)
is refused before its body is read; a key may expire, and remembers when it was last used."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import boto3

from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
ALERTS = {"version": "4", "status": "firing", "receiver": "tocsin", "groupKey": "{}:{}",
          "alerts": [{"status": "firing", "labels": {"alertname": "DiskFull"},
                      "annotations": {"summary": "Disk full"},
                      "startsAt": "2026-12-06T10:00:00Z", "fingerprint": "f1"}]}


async def incidents(bus: Bus, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.incidents.{operation}", params,
                              headers={"Tocsin-Principal":
                                       f"arn:tocsin:iam::000000000000:user/{KEY_ID}"})
    return codec.decode(reply, dict[str, Any]) if reply else {}


async def plan_with_key(tocsin: dict[str, Any], bus: Bus, **key: Any) -> tuple[str, str]:
    def setup() -> str:
        client = boto3.client("ssm-incidents", endpoint_url=tocsin["http"],
                              region_name=tocsin["region"], aws_access_key_id=KEY_ID,
                              aws_secret_access_key=SECRET)
        client.create_replication_set(regions={tocsin["region"]: {}})
        return str(client.create_response_plan(
            name="disk", incidentTemplate={"title": "Disk", "impact": 3})["arn"])

    plan = await asyncio.to_thread(setup)
    created = await incidents(bus, "CreateIntegrationKey", {"responsePlanArn": plan, **key})
    return plan, str(created["integrationKey"])


async def post_alerts(tocsin: dict[str, Any], key: str) -> int:
    async with aiohttp.ClientSession() as session, session.post(
            f"{tocsin['http']}/v1/alerts/alertmanager/disk", json=ALERTS,
            headers={"Authorization": f"Bearer {key}"}) as response:
        return response.status


async def test_a_bad_key_is_refused_before_the_body_is_read(tocsin: dict[str, Any],
                                                            bus: Bus) -> None:
    """The gateway answers 403 to a request whose body has not even been sent: it asked
    the incidents service about the key first. A good key's request goes through and is
    the key's last use."""
    plan, key = await plan_with_key(tocsin, bus)
    address = urlsplit(tocsin["http"])
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    try:
        writer.write(b"POST /v1/alerts/alertmanager/disk HTTP/1.1\r\n"
                     b"Host: tocsin.test\r\nAuthorization: Bearer 0123456789abcdef\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{")
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 10)  # only 1 byte of 1 MB sent
    finally:
        writer.close()
    assert status.split()[1] == b"403"
    assert await post_alerts(tocsin, key) == 200
    keys = (await incidents(bus, "ListIntegrationKeys",
                            {"responsePlanArn": plan}))["integrationKeys"]
    assert len(keys) == 1 and abs(keys[0]["lastUsedTime"] - time.time()) < 60
    assert "expiresTime" not in keys[0]


async def test_an_expired_key_is_refused(tocsin: dict[str, Any], bus: Bus) -> None:
    # Four seconds: long enough for the key to be listed and used first on a busy machine.
    plan, key = await plan_with_key(tocsin, bus, expiresTime=time.time() + 4.0)
    keys = (await incidents(bus, "ListIntegrationKeys",
                            {"responsePlanArn": plan}))["integrationKeys"]
    assert "lastUsedTime" not in keys[0] and keys[0]["expiresTime"] > time.time()
    assert await post_alerts(tocsin, key) == 200
    # Refused once its time has passed (polled: the database's clock decides).
    await wait_for(lambda: _refused(tocsin, key), timeout=20, interval=0.2)


async def _refused(tocsin: dict[str, Any], key: str) -> bool:
    return await post_alerts(tocsin, key) == 403


