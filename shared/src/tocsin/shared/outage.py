"""Riding out a NATS or PostgreSQL restart.

Every long-running loop of a service (consumers, the outbox relay, the receipt reporter,
the timer worker, the gateway's watches) survives the loss of either server:
:func:`server_gone` tells an error that means "the server is unreachable" from one that is
the message's or the code's own, and the loop waits (:func:`backoff`, at most
:data:`RECONNECT_CAP` seconds, so work resumes within about a second of the server's
return) and tries again. nats-py reconnects the client by itself (see
:func:`tocsin.shared.bus.connect`); asyncpg's pool opens new connections as they are
needed. :class:`PostgresProbe` is what an instance says about its database on ``/healthz``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import nats.errors
import nats.js.errors

from tocsin.shared.logging import get_logger
from tocsin.shared.runner import pause

__all__ = ["NATS", "POSTGRESQL", "RECONNECT_BASE", "RECONNECT_CAP", "PostgresProbe",
           "backoff", "connection_lost", "ride_out", "server_gone"]

log = get_logger(__name__)

NATS = "nats"
POSTGRESQL = "postgresql"

RECONNECT_BASE = 0.05
RECONNECT_CAP = 1.0
"""Retries while a server is gone start at RECONNECT_BASE seconds and double up to this,
so a loop notices the server's return within about a second."""

_NATS_GONE = (
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.NoServersError,
    nats.errors.StaleConnectionError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.FlushTimeoutError,
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.NoStreamResponseError,
)
_POSTGRES_GONE = (
    asyncpg.PostgresConnectionError,  # class 08, ConnectionDoesNotExistError among them
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,  # terminated by a fast or immediate shutdown
    asyncpg.CrashShutdownError,
    # A pooled connection whose session the server ended mid-operation can come back from
    # the pool with its protocol stuck ("cannot switch to state …"): seen while PostgreSQL
    # restarted. The connection ends itself (tocsin.shared.db.pool), so the next try
    # gets a new one.
    asyncpg.InternalClientError,
)


def backoff(attempt: int, *, base: float = 0.5, cap: float = 30.0,
            jitter: bool = False) -> float:
    """The delay before retry number ``attempt`` (1 for the first): ``base`` doubling per
    attempt up to ``cap``; with ``jitter``, uniform in [0, that] (full jitter)."""
    delay = float(min(cap, base * 2 ** max(0, attempt - 1)))
    return random.uniform(0, delay) if jitter else delay


def server_gone(exc: BaseException) -> str | None:
    """:data:`NATS` or :data:`POSTGRESQL` when ``exc`` means that server cannot be reached
    (down, restarting, the connection lost), else None."""
    if isinstance(exc, _NATS_GONE):
        return NATS
    if isinstance(exc, _POSTGRES_GONE):
        return POSTGRESQL
    if isinstance(exc, asyncpg.InterfaceError) and (
            "closed" in str(exc) or "released back to the pool" in str(exc)):
        # "connection is closed", "the underlying connection is closed"; and a pooled
        # connection still in hand whose server dropped it: the pool detaches a connection
        # that closes, and every later call on it says it was released.
        return POSTGRESQL
    if isinstance(exc, OSError) and not isinstance(exc, TimeoutError):
        return POSTGRESQL  # refused or reset while asyncpg (re)connects
    return None


async def ride_out(stop: asyncio.Event, session: Callable[[], Awaitable[None]], *,
                   event: str) -> None:
    """Run ``session`` (one connection's worth of a worker's work) until it returns or
    ``stop`` is set; one that fails because a server is gone is logged as ``event`` and
    started again after a short backoff. Any other failure propagates."""
    failures = 0
    while not stop.is_set():
        try:
            await session()
            return
        except Exception as exc:
            if server_gone(exc) is None:
                raise
            failures += 1
            log.warning(event, error=repr(exc))
            await pause(stop, backoff(failures, base=RECONNECT_BASE, cap=RECONNECT_CAP))


def _retrieved(task: asyncio.Task[Any]) -> None:
    """A check left running at shutdown: its outcome read, so asyncio does not log it."""
    if not task.cancelled():
        task.exception()


def connection_lost(conn: asyncpg.Connection) -> bool:
    """Whether a connection taken from the pool has lost its server. The pool detaches a
    connection that closes, and then every method of it raises."""
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True


class PostgresProbe:
    """Checks the service's database every ``interval`` seconds; :attr:`status` is the
    metadata of the instance's ``nats.micro`` service, so ``$SRV.PING`` (``/healthz``)
    carries it. A runner worker."""

    def __init__(self, pool: asyncpg.Pool, *, interval: float = 1.0,
                 timeout: float = 2.0) -> None:
        self._pool = pool
        self._interval = interval
        self._timeout = timeout
        self.status: dict[str, str] = {POSTGRESQL: "up"}
        """Shared with the ping answer: changed in place, never replaced."""

    async def run(self, stop: asyncio.Event) -> None:
        # A check is never cancelled: asyncpg leaves a future whose exception nobody
        # retrieves when a connection attempt is cancelled midway. One still running
        # after ``timeout`` says "down", and the next check waits for it.
        check: asyncio.Task[Any] | None = None
        try:
            while True:
                if check is None:
                    check = asyncio.ensure_future(self._pool.fetchval("SELECT 1"))
                await asyncio.wait({check}, timeout=self._timeout)
                if not check.done():
                    self._set("down", TimeoutError(f"no answer within {self._timeout:g} s"))
                else:
                    done, check = check, None
                    # Whatever the exception, the database does not answer.
                    exc = done.exception()
                    self._set("down" if exc is not None else "up", exc)
                if await pause(stop, self._interval):
                    return
        finally:
            if check is not None and not check.done():
                check.add_done_callback(_retrieved)

    def _set(self, state: str, exc: BaseException | None) -> None:
        if self.status[POSTGRESQL] == state:
            return
        self.status[POSTGRESQL] = state
        if exc is not None:
            log.warning("dependency.down", dependency=POSTGRESQL, error=repr(exc))
        else:
            log.info("dependency.up", dependency=POSTGRESQL)
