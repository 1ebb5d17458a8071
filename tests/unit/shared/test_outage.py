"""Which errors mean "the server is gone", and the one backoff every retry uses."""

from __future__ import annotations

import asyncpg
import nats.errors
import nats.js.errors
import pytest

from tocsin.shared.outage import NATS, POSTGRESQL, backoff, server_gone


@pytest.mark.parametrize(("exc", "server"), [
    (nats.errors.TimeoutError(), NATS),
    (nats.errors.ConnectionClosedError(), NATS),
    (nats.errors.NoServersError(), NATS),
    (nats.js.errors.ServiceUnavailableError(), NATS),
    (asyncpg.InterfaceError("the underlying connection is closed"), POSTGRESQL),
    (asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
     POSTGRESQL),
    (asyncpg.CannotConnectNowError("the database system is starting up"), POSTGRESQL),
    (asyncpg.AdminShutdownError("terminating connection due to administrator command"),
     POSTGRESQL),
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
