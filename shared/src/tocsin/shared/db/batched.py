"""Batched writes: concurrent calls of one small write share a transaction and its
statements.

A storm hands a service hundreds of messages at once, each in its own task, each making
the same few writes (a row per message, keyed by its id). Made one by one, each write is
a pool checkout, its round trips and a WAL flush at its commit: as much CPU in the service
and in PostgreSQL as the rest of the message's work. :class:`Batched` runs the calls
waiting when a runner is free as one call of a ``write`` that takes them all (one
multi-row statement per table), in one transaction; each caller then goes on exactly as
if its own write had committed alone, which it did: in the same commit as the others.

For writes that cannot fail but for an outage (keyed rows, upserts, ``ON CONFLICT DO
NOTHING``: no constraint is ever violated): a failed batch fails every call in it, as
each alone would have failed. Calls are never held back to make a batch: a runner takes
what is queued, and up to ``runners`` batches are in flight at once. A caller cancelled
before its batch began takes its call with it; once begun, the batch commits without it
(as a cancelled lone write may have).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import asyncpg

__all__ = ["Batched"]

Item = TypeVar("Item")
Result = TypeVar("Result")


class Batched(Generic[Item, Result]):
    """``await batched(item)``: ``write(conn, items)``'s answer for ``item``, written in
    one transaction with the items of the calls made beside it. ``write`` returns one
    answer per item, in order."""

    def __init__(self, pool: asyncpg.Pool,
                 write: Callable[[asyncpg.Connection, Sequence[Item]],
                                 Awaitable[Sequence[Result]]], *,
                 runners: int = 2, max_batch: int = 256) -> None:
        self._pool = pool
        self._write = write
        self._runners = runners
        self._max_batch = max_batch
        self._queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self._running: set[asyncio.Task[None]] = set()

    async def __call__(self, item: Item) -> Result:
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((item, done))
        if len(self._running) < self._runners:
            task = asyncio.create_task(self._run())
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        return await done  # cancelled: the future is, and its batch skips it

    async def _run(self) -> None:
        while self._queue:
            batch = [(item, done) for item, done in self._queue[:self._max_batch]
                     if not done.done()]
            del self._queue[:self._max_batch]
            if not batch:
                continue
            try:
                async with self._pool.acquire() as conn, conn.transaction():
                    results = await self._write(conn, [item for item, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            except BaseException:  # cancelled (shutdown): so are the calls it held
                for _, done in batch:
                    done.cancel()
                raise
            for (_, done), result in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(result)
