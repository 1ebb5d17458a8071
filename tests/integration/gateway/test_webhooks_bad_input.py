"""Bodies the webhooks cannot read (nested too deeply, not what their Content-Encoding
says) are the sender's 400, never a 500, and nothing is logged as an error."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from tocsin.gateway import webhooks
from tocsin.gateway.app import build_access
from tocsin.gateway.http import HttpGateway
from tocsin.gateway.settings import Settings

from .test_http import FakeServices

DEEP = b'{"routing_key": "k", "payload": ' + b"[" * 2000 + b"]" * 2000 + b"}"


@pytest_asyncio.fixture(scope="module")
async def url() -> AsyncIterator[str]:
    settings = Settings(http_addr="127.0.0.1:0", access_keys="K:S", shutdown_grace=2)
    fake = FakeServices()
    access = build_access(settings, fake)  # type: ignore[arg-type]
    server = HttpGateway(settings, access, None, instance="test")
    webhooks.add_routes(server.app, settings, access)
    stop = asyncio.Event()
    task = asyncio.create_task(server(stop))
    await asyncio.wait_for(server.started.wait(), 10)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


@pytest.mark.parametrize("path", ["/v2/enqueue", "/v1/events", "/v1/alerts/alertmanager/web"])
@pytest.mark.parametrize(("body", "headers"), [
    (DEEP, {}), (b'{"routing_key": "k"}', {"Content-Encoding": "gzip"}),
    (b'{"routing_key": "k"}', {"Content-Encoding": "deflate"})])
async def test_unreadable_bodies(url: str, path: str, body: bytes, headers: dict[str, str],
                                 caplog: pytest.LogCaptureFixture) -> None:
    async with aiohttp.ClientSession() as session, session.post(
            url + path, data=body, headers={"Content-Type": "application/json",
                                            "Authorization": "Bearer k", **headers},
            compress=False) as response:
        assert response.status == 400
        await response.read()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_inbound_provider_webhook(url: str, encoding: str,
                                        caplog: pytest.LogCaptureFixture) -> None:
    """A provider's reply webhook (Twilio's SMS) with a body that is not what it says."""
    async with aiohttp.ClientSession() as session, session.post(
            url + "/v1/inbound/twilio/sms", data=b"From=%2B15555550100&Body=ACK",
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Content-Encoding": encoding}, compress=False) as response:
        assert response.status == 400
        await response.read()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
