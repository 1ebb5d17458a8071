"""Requests and replies larger than a NATS message, and bodies nested too deeply: each is
a clear error at once, never a crash or a caller left waiting for its timeout."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tocsin.shared import errors
from tocsin.shared.bus import Bus, RpcRequest, RpcServer


async def huge(req: RpcRequest) -> Any:
    return {"items": ["x" * 1000] * 2000}


async def parse(req: RpcRequest) -> Any:
    return req.decode(dict[str, Any])


async def test_too_large_request(bus: Bus, isolation: dict[str, str]) -> None:
    """A request over the server's max_payload is the caller's ValidationError, naming the
    limit (nats-py's MaxPayloadError made it a 500)."""
    limit = bus.nc.max_payload
    with pytest.raises(errors.ValidationError) as caught:
        await bus.request(f"tocsin.rpc.{isolation['region']}.Anything",
                          {"text": "x" * (limit + 1)}, timeout=1)
    assert f"{limit} bytes" in caught.value.message


@pytest.mark.expected_error_logs("rpc\\.reply_too_large")
async def test_too_large_reply_and_deep_body(bus: Bus, isolation: dict[str, str]) -> None:
    name = isolation["region"]
    stop = asyncio.Event()
    server = RpcServer(bus, service=name, version="1.0.0", handlers={
        "Huge": huge, "Parse": parse})
    task = asyncio.create_task(server.serve(stop))
    try:
        await asyncio.wait_for(server.started.wait(), 10)
        # The timeout is far longer than the test may take: the answer comes at once.
        with pytest.raises(errors.InternalError) as caught:
            await bus.request(f"tocsin.rpc.{name}.Huge", {}, timeout=60)
        assert "more than a message may carry" in caught.value.message
        with pytest.raises(errors.ValidationError) as deep:
            await bus.request(f"tocsin.rpc.{name}.Parse",
                              b'{"a":' + b"[" * 3000 + b"]" * 3000 + b"}", timeout=5)
        assert "nested too deeply" in deep.value.message
    finally:
        stop.set()
        await task


async def refuse_at_length(req: RpcRequest) -> Any:
    raise errors.ValidationError(f"Value {'x' * 2_000_000!r} is not allowed")


async def test_an_error_quoting_a_huge_input_is_cut(bus: Bus, isolation: dict[str, str]
                                                    ) -> None:
    """An error message longer than a NATS message (one that quotes what it refuses) is
    cut: the caller gets the error at once, and the server, whose connection NATS dropped
    for the oversized reply, keeps answering."""
    name = isolation["region"]
    stop = asyncio.Event()
    server = RpcServer(bus, service=name, version="1.0.0", handlers={
        "Refuse": refuse_at_length, "Parse": parse})
    task = asyncio.create_task(server.serve(stop))
    try:
        await asyncio.wait_for(server.started.wait(), 10)
        with pytest.raises(errors.ValidationError) as caught:
            await bus.request(f"tocsin.rpc.{name}.Refuse", {}, timeout=60)
        assert caught.value.message.startswith("Value 'xxx")
        assert caught.value.message.endswith("characters in all)")
        assert len(caught.value.message) < 20_000
        assert await bus.request(f"tocsin.rpc.{name}.Parse", {"a": 1}, timeout=5)
    finally:
        stop.set()
        await task
