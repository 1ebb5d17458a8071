"""Which errors mean "the server is gone", and the one backoff every retry uses."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import asyncpg
import nats.errors
import nats.js.errors
import pytest

from tocsin.shared.outage import NATS, POSTGRESQL, PostgresProbe, backoff, server_gone
from tocsin.shared.testing import wait_for


@pytest.mark.parametrize(("exc", "server"), [
    (nats.errors.TimeoutError(), NATS),
    (nats.errors.ConnectionClosedError(), NATS),
    (nats.errors.NoServersError(), NATS),
    (nats.js.errors.ServiceUnavailableError(), NATS),
    (asyncpg.InterfaceError("the underlying connection is closed"), POSTGRESQL),
    (asyncpg.InterfaceError("cannot call Connection.execute(): connection has been released "
                            "back to the pool"), POSTGRESQL),
    (asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
     POSTGRESQL),
    (asyncpg.CannotConnectNowError("the database system is starting up"), POSTGRESQL),
    (asyncpg.AdminShutdownError("terminating connection due to administrator command"),
     POSTGRESQL),
    (asyncpg.InternalClientError("cannot switch to state 11; another operation (2) is in "
                                 "progress"), POSTGRESQL),
    (ConnectionRefusedError(111, "Connect call failed"), POSTGRESQL),
    (ConnectionResetError(), POSTGRESQL),
])
def test_a_lost_server(exc: BaseException, server: str) -> None:
    assert server_gone(exc) == server


@pytest.mark.parametrize("exc", [
    asyncpg.UniqueViolationError("duplicate key"),
    asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
    asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
    TimeoutError(),  # a step's own time limit, not a server gone
    nats.js.errors.NotFoundError(),
    nats.errors.MaxPayloadError(),
    ValueError("a bug"),
])
def test_not_a_lost_server(exc: BaseException) -> None:
    assert server_gone(exc) is None


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff(n, base=0.5, cap=4.0) for n in range(1, 7)] == [0.5, 1, 2, 4, 4, 4]
    assert backoff(0) == backoff(1) == 0.5
    assert backoff(100) == 30.0


def test_jittered_backoff_stays_under_the_exponential_cap() -> None:
    delays = [backoff(3, base=2.0, cap=60.0, jitter=True) for _ in range(200)]
    assert all(0 <= d <= 8.0 for d in delays)
    assert len(set(delays)) > 1


class _SlowPool:
    """A pool whose first ``SELECT 1`` answers only when the test says so."""

    def __init__(self) -> None:
        self.answer = asyncio.Event()
        self.asked = 0
        self.cancelled = False

    async def fetchval(self, query: str) -> int:
        self.asked += 1
        if self.asked == 1:
            try:
                await self.answer.wait()
            except asyncio.CancelledError:
                self.cancelled = True
                raise
        return 1


async def test_a_database_slower_than_the_timeout_is_down_and_its_check_is_not_cancelled(
        ) -> None:
    """The probe says down once its check outlasts the timeout, leaves that check running
    (asyncpg leaves an unretrieved future behind a connection attempt cancelled midway),
    asks nothing more meanwhile, and says up again once the check answers."""
    pool = _SlowPool()
    probe = PostgresProbe(cast(Any, pool), interval=0.01, timeout=0.05)
    stop = asyncio.Event()
    running = asyncio.ensure_future(probe.run(stop))
    try:
        await wait_for(lambda: probe.status[POSTGRESQL] == "down", timeout=5)
        assert (pool.asked, pool.cancelled) == (1, False)
        pool.answer.set()
        await wait_for(lambda: probe.status[POSTGRESQL] == "up", timeout=5)
        assert not pool.cancelled
    finally:
        stop.set()
        await running
