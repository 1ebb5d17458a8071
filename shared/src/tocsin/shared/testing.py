"""Helpers for testing Tocsin services against real servers, shipped with the runtime."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

import msgspec

from tocsin.shared.config import BaseSettings
from tocsin.shared.runner import Lifespan, Worker, serve

__all__ = ["error_lines", "open_delivery", "own_key_ring", "running", "seal_delivery",
           "wait_for"]

S = TypeVar("S", bound=BaseSettings)
T = TypeVar("T")


async def wait_for(predicate: Callable[[], Any | Awaitable[Any]], *, timeout: float = 10.0,
                   interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


STARTUP_TIMEOUT = 30.0
"""Seconds :func:`running` waits for a service's servers and consumers to start."""


@contextlib.asynccontextmanager
async def running(lifespan: Lifespan[S], settings: S) -> AsyncIterator[Sequence[Worker]]:
    """Run a service in this event loop for the duration of the block; yields its workers
    once each that has a ``started`` event (its RPC server, the gateway's servers, a
    consumer with a discipline of its own) has set it, so a test never waits for a
    service to come up."""
    stop = asyncio.Event()
    async with lifespan(settings) as workers:
        task = asyncio.create_task(serve(workers, stop, grace=settings.shutdown_grace))
        try:
            await _started(workers, task)
            yield workers
        finally:
            stop.set()
            await task


async def _started(workers: Sequence[Worker], serving: asyncio.Task[None]) -> None:
    events = [e for w in workers
              if isinstance(e := getattr(w, "started", None), asyncio.Event)]
    starting: asyncio.Future[Any] = asyncio.ensure_future(
        asyncio.gather(*(e.wait() for e in events)))
    done, _ = await asyncio.wait([starting, serving], timeout=STARTUP_TIMEOUT,
                                 return_when=asyncio.FIRST_COMPLETED)
    if starting not in done:
        starting.cancel()
        starting.add_done_callback(lambda f: f.cancelled() or f.exception())  # read: not logged
        if serving in done:
            await serving  # raises what ended the service
        raise AssertionError(f"the service did not start within {STARTUP_TIMEOUT}s")


def error_lines(output: str) -> list[dict[str, Any]]:
    """The ERROR (or worse) lines among a service process's JSON log lines; a supervisor's
    prefix before the JSON, and lines that are not JSON, are skipped."""
    found = []
    for text in output.splitlines():
        start = text.find("{")
        if start < 0:
            continue
        try:
            line = json.loads(text[start:])
        except ValueError:
            continue
        if isinstance(line, dict) and str(line.get("level", "")).lower() in (
                "error", "exception", "critical", "fatal"):
            found.append(line)
    return found


_delivery_keys: dict[str, Any] = {}


def _test_key_ring(nc: Any) -> Any:
    """A key ring that fetches the wrapped data keys from the running incidents service over
    ``nc`` and unwraps them with ``TOCSIN_MASTER_KEY_FILE``, as the services do."""
    import os

    from tocsin.shared.bus.rpc import rpc_subject
    from tocsin.shared.keys import GET_DATA_KEYS, DataKeys, Keks, KeyRing, WrappedKey

    async def load() -> list[WrappedKey]:
        reply = await nc.request(rpc_subject("incidents", GET_DATA_KEYS), b"{}", timeout=10)
        keys: list[WrappedKey] = msgspec.json.decode(reply.data, type=DataKeys).keys
        return keys

    path = os.environ.get("TOCSIN_MASTER_KEY_FILE", "")
    ring = _delivery_keys.get(path)
    if ring is None:
        ring = _delivery_keys[path] = KeyRing(Keks(master_key_file=path), load)
    ring._load = load  # this connection: the test's own
    return ring


async def open_delivery(msg: Any) -> Any:
    """The delivery request a ``deliveries.<region>.<kind>`` message carries, opened as the
    notifications service opens it (tests only)."""
    from tocsin.shared.contracts import deliveries

    return await deliveries.open_request(_test_key_ring(msg._client),
                                         msg.subject.rpartition(".")[2], msg.data)


async def seal_delivery(nc: Any, request: Any) -> bytes:
    """The message body of a delivery request, sealed as the contacts service seals it under
    the current data key of the running incidents service (tests only)."""
    from tocsin.shared.contracts import deliveries

    ring = _test_key_ring(nc)
    ring.forget()  # this test's incidents service: its own data key
    return await deliveries.seal(ring, request)


async def own_key_ring(master_key_file: str) -> Any:
    """A key ring of a fresh data key wrapped by ``master_key_file``, for a test that runs
    a service's handlers without the incidents service."""
    from tocsin.shared import crypto
    from tocsin.shared.keys import Keks, KeyRing, MasterKeyFile, WrappedKey

    key = crypto.new_data_key()
    wrapped = [WrappedKey(key_id=key.id, wrapped=await MasterKeyFile(master_key_file).wrap(key),
                          current=True)]

    async def load() -> list[WrappedKey]:
        return wrapped

    return KeyRing(Keks(master_key_file=master_key_file), load)
