"""One lifespan per service: start, serve until SIGINT/SIGTERM, stop in order, exit 0.

A service's ``app.lifespan(settings)`` opens its resources and yields its workers
(coroutine functions taking the stop event). On a signal, the runner sets the stop event:
workers stop taking work and finish what is in flight; whatever is still running after
the grace period is cancelled; then the lifespan closes the bus (drain) and the pool.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

import uvloop

from tocsin.shared import config, metrics
from tocsin.shared.listen import EXIT_CANNOT_LISTEN
from tocsin.shared.logging import configure, get_logger

__all__ = ["Lifespan", "Worker", "after", "pause", "run", "serve"]

log = get_logger(__name__)

Worker = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
"""A long-running task of a service; returns once the event is set and its work is done."""


async def pause(stop: asyncio.Event, seconds: float | None,
                *wakes: asyncio.Event) -> bool:
    """A worker's idle wait: until ``stop``, any of ``wakes`` or ``seconds`` (None: no
    limit) have passed; True if ``stop`` is set."""
    waiters = [asyncio.ensure_future(e.wait()) for e in (stop, *wakes)]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
    return stop.is_set()


def after(ready: asyncio.Event, worker: Worker) -> Worker:
    """``worker``, started once ``ready`` is set (never, if ``stop`` comes first)."""

    async def run_when_ready(stop: asyncio.Event) -> None:
        if not await pause(stop, None, ready):
            await worker(stop)
    return run_when_ready


S = TypeVar("S", bound=config.BaseSettings)
Lifespan = Callable[[S], AbstractAsyncContextManager[Sequence[Worker]]]


async def serve(workers: Sequence[Worker], stop: asyncio.Event, *, grace: float) -> None:
    """Run ``workers`` until ``stop`` is set, allowing them ``grace`` seconds to finish.

    A worker that fails cancels the others and the error propagates.
    """
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(w(stop)) for w in workers]
        stopper = tg.create_task(stop.wait())
        await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        log.info("shutdown.begin", grace=grace)
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()


async def _main(lifespan: Lifespan[S], settings: S, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    metrics.count_tasks(loop)
    async with lifespan(settings) as workers:
        # Everything loaded at start-up lives as long as the process: keep it out of the
        # collector's way, so a full collection during a request scans only its garbage.
        gc.collect()
        gc.freeze()
        await serve(workers, stop, grace=settings.shutdown_grace)
    log.info("shutdown.done")


def run(lifespan: Lifespan[S], settings_cls: type[S], *, service: str,
        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
        ) -> None:
    """The body of a service's ``main()``: read settings, configure logging, serve the
    metrics (``TOCSIN_METRICS_ADDR``), serve.

    Services run on uvloop, whose libuv transports cut the cost of the socket reads and
    writes that are most of a request's work (NATS in and out, PostgreSQL queries).
    ``loop_factory=None`` keeps asyncio's own loop.
    """
    try:
        settings = config.load(settings_cls)
    except config.ConfigError as exc:
        print(f"tocsin-{service}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure(level=settings.log_level, json=settings.log_json, service=service)
    if settings.metrics_addr:
        try:
            log.info("metrics.serving", addr=metrics.serve(settings.metrics_addr))
        except OSError as exc:
            print(f"tocsin-{service}: cannot listen on {settings.metrics_addr} ({exc.strerror});"
                  " set TOCSIN_METRICS_ADDR to a free address", file=sys.stderr, flush=True)
            raise SystemExit(EXIT_CANNOT_LISTEN) from None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        try:
            runner.run(_main(lifespan, settings, asyncio.Event()))
        except KeyboardInterrupt:
            pass


