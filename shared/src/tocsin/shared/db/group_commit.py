"""Group commit: concurrent calls of one operation share a transaction.

Each call of :func:`~tocsin.shared.db.idempotency.once` costs a ``BEGIN``, a ``COMMIT`` (and
its WAL flush) and, with a client token, the token's ``INSERT``: round trips that take as
much CPU in the service and in PostgreSQL as the change itself when the change is a few
statements (starting an incident). :class:`GroupCommit` runs the calls that are waiting
when a transaction begins one after another in that transaction, records their tokens in
one statement and commits once.

Nothing about a call changes when it is grouped: a group whose calls all succeed and
whose tokens are all new commits as one; any other group (a call refused, a token
replayed, a lost race) is rolled back and its calls run again each in a transaction of its
own through :func:`once`, which gives each its own answer. A lone call costs what
:func:`once` costs. Calls are never held back to make a group: a runner takes what is
queued, and up to ``runners`` groups are in flight at once.

A caller that gives up (cancelled: a consumer's handler timing out, a client gone) takes its
call with it, as it would without grouping: a call not yet begun is dropped, one running
alone is cancelled, and a group holding it is rolled back before its commit and its other
calls run again alone. So an alarm dead-lettered after its handler timed out never opens an
incident later.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from tocsin.shared.db.idempotency import fingerprint, once
from tocsin.shared.logging import get_logger

__all__ = ["GroupCommit"]

log = get_logger(__name__)

JSON = dict[str, Any]
Body = Callable[[asyncpg.Connection], Awaitable[JSON]]


@dataclass
class _Call:
    operation: str
    principal: str
    token: str | None
    params: bytes
    token_member: str
    body: Body
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    """The caller's: its log context and principal go with the events its body emits."""
    done: asyncio.Future[JSON] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())
    given_up: bool = False
    """The caller was cancelled: nothing of this call may be committed any more."""
    alone: asyncio.Task[JSON] | None = None
    """The call's own transaction, while it runs alone."""


class GroupCommit:
    """Groups the calls made through :meth:`once` on ``pool``."""

    def __init__(self, pool: asyncpg.Pool, *, runners: int = 4, max_group: int = 64) -> None:
        self._pool = pool
        self._runners = runners
        self._max_group = max_group
        self._queue: list[_Call] = []
        self._running: set[asyncio.Task[None]] = set()

    async def once(self, *, operation: str, principal: str, token: str | None, params: bytes,
                   token_member: str, body: Body) -> JSON:
        """As :func:`~tocsin.shared.db.idempotency.once`, sharing a transaction with the
        calls waiting beside this one."""
        call = _Call(operation, principal, token, params, token_member, body)
        self._queue.append(call)
        if len(self._running) < self._runners:
            task = asyncio.create_task(self._run())
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        try:
            return await asyncio.shield(call.done)
        except asyncio.CancelledError:
            call.given_up = True
            if call in self._queue:
                self._queue.remove(call)
            if call.alone is not None:
                call.alone.cancel()
            raise

    async def _run(self) -> None:
        group: list[_Call] = []
        try:
            while self._queue:
                group = self._queue[:self._max_group]
                del self._queue[:self._max_group]
                if len(group) == 1:
                    await self._alone(group[0])
                elif not await self._together(group):
                    await asyncio.gather(*(self._alone(call) for call in group))
        except BaseException as exc:  # cancelled (shutdown): no caller waits forever
            for call in group:
                if not call.done.done():
                    call.done.set_exception(exc)
            raise

    async def _alone(self, call: _Call) -> None:
        if call.given_up:
            return
        call.alone = asyncio.create_task(once(
            self._pool, operation=call.operation, principal=call.principal,
            token=call.token, params=call.params, token_member=call.token_member,
            body=call.body), context=call.context)
        # Waited without being cancelled by it: the caller's cancellation ends that task
        # only, and this runner goes on with the queue.
        await asyncio.wait([call.alone])
        if call.done.done() or call.alone.cancelled():
            return
        exc = call.alone.exception()
        if exc is not None:  # the caller's to handle, as without grouping
            call.done.set_exception(exc)
        else:
            call.done.set_result(call.alone.result())

    async def _together(self, group: list[_Call]) -> bool:
        """Whether the group committed as one (each call then has its answer)."""
        tokened = [c for c in group if c.token]
        results: list[JSON] = []
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                for call in group:
                    results.append(await asyncio.create_task(_awaited(call.body(conn)),
                                                             context=call.context))
                if tokened:
                    by_call = dict(zip(map(id, group), results, strict=True))
                    recorded = await conn.fetchval(
                        "WITH t AS (INSERT INTO client_token"
                        " (operation, principal, token, fingerprint, result)"
                        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
                        " $4::text[], $5::jsonb[]) ON CONFLICT DO NOTHING RETURNING 1)"
                        " SELECT count(*) FROM t",
                        [c.operation for c in tokened], [c.principal for c in tokened],
                        [c.token for c in tokened],
                        [fingerprint(c.params, token_member=c.token_member) for c in tokened],
                        [by_call[id(c)] for c in tokened])
                    if recorded != len(tokened):
                        raise _Regroup  # a replayed token: each call alone says what to do
                if any(call.given_up for call in group):
                    raise _Regroup  # its caller is gone: commit none of it
        except Exception as exc:  # any failure: every call runs again alone
            log.debug("group_commit.rerun", calls=len(group), error=repr(exc)[:200])
            return False
        for call, result in zip(group, results, strict=True):
            if not call.done.done():
                call.done.set_result(result)
        return True


async def _awaited(awaitable: Awaitable[JSON]) -> JSON:
    return await awaitable


class _Regroup(Exception):
    """Roll the group back and run its calls one by one."""
