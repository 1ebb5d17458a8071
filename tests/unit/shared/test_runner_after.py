"""A worker held back until its service is ready (:func:`tocsin.shared.runner.after`)."""

from __future__ import annotations

import asyncio

from tocsin.shared.runner import after


async def test_the_worker_starts_once_ready_and_stops_with_the_service() -> None:
    ready, stop, started = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def worker(stop: asyncio.Event) -> None:
        started.set()
        await stop.wait()

    task = asyncio.create_task(after(ready, worker)(stop))
    ready.set()
    await asyncio.wait_for(started.wait(), 5)
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_a_service_stopped_before_it_was_ready_never_starts_the_worker() -> None:
    ready, stop = asyncio.Event(), asyncio.Event()
    ran: list[bool] = []

    async def worker(stop: asyncio.Event) -> None:
        ran.append(True)

    task = asyncio.create_task(after(ready, worker)(stop))
    stop.set()
    await asyncio.wait_for(task, 5)
    ready.set()
    assert not ran
