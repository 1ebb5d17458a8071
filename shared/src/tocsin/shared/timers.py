"""Durable timers in PostgreSQL, and the worker that fires them: one mechanism for every
service that has to do something later (escalation stages, a runbook's sleep or timeout).

A timer is a row of a table in the service's own schema with a due time in plan time. Any
number of instances run :class:`TimerWorker`. Firing is one transaction: claim up to
``batch`` pending rows that are due with ``FOR UPDATE SKIP LOCKED``, mark them fired, and
call the service's ``fire`` function on the same connection, which writes what is due to
the outbox. So two instances never fire the same timer, an instance that dies mid-round
fires nothing (its transaction rolls back and the rows are due again for the others), and
what a fired timer demands is published exactly once by id. A timer is never fired before
``due_at <= clock.now()``, and a cancelled one never fires: :meth:`Timers.cancel` takes the
row lock that firing takes, so it waits for a round holding the row and then finds it fired.

Between rounds the worker sleeps until the earliest due time, at most ``max_sleep`` real
seconds, and is woken by ``NOTIFY`` when a commit schedules a timer, and by a test's
:class:`~tocsin.shared.clock.ManualClock` when it jumps (which waits for the round that
follows: :meth:`TimerWorker.caught_up`). Fired and cancelled
rows are deleted once ``retention`` of plan time has passed. A PostgreSQL restart is ridden
out (:mod:`tocsin.shared.outage`): the timers wait in the table. So does a ``fire`` that
calls another service (idempotently, under the timer's id) and finds it unavailable (a
retryable :class:`~tocsin.shared.errors.TocsinError`): its round rolls back and is tried
again. Each worker reports the timers it fired, how late, and how overdue the earliest
pending one is (:mod:`tocsin.shared.metrics`).

The table. A service creates it by a migration of its own, copying :data:`TABLE_TEMPLATE`
with its name and its own columns (what a timer is about: the engagement, the runbook
step). A shared migration would have to be applied into every service's schema under
numbers of its own and could never change once applied anywhere; a copied template keeps
each service's migrations the one history of its schema, and :meth:`Timers.check_table`
tells at start-up, in one line, what a table lacks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import asyncpg

from tocsin.shared import errors, metrics
from tocsin.shared.clock import Clock, Controlled
from tocsin.shared.db import transaction
from tocsin.shared.logging import get_logger
from tocsin.shared.outage import (
    RECONNECT_BASE,
    RECONNECT_CAP,
    backoff,
    connection_lost,
    server_gone,
)
from tocsin.shared.runner import pause

__all__ = ["TABLE_TEMPLATE", "TimerTable", "TimerWorker", "Timers"]

log = get_logger(__name__)

TABLE_TEMPLATE = """\
CREATE TABLE {table} (
    id           text PRIMARY KEY,      -- deterministic, so a redelivery schedules one timer
    due_at       timestamptz NOT NULL,  -- plan time (TOCSIN_CLOCK_SCALE)
    state        text NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'fired', 'cancelled')),
    created_at   timestamptz NOT NULL,
    finished_at  timestamptz            -- when it fired or was cancelled
    -- , the service's own columns: what the timer is about
);
CREATE INDEX {table}_due ON {table} (due_at) WHERE state = 'pending';
CREATE INDEX {table}_finished ON {table} (finished_at) WHERE state <> 'pending';
"""
"""The columns and indexes :class:`Timers` needs; a service's migration adds its own."""

REQUIRED_COLUMNS = ("id", "due_at", "state", "created_at", "finished_at")

PRUNE_EVERY = 60.0
"""Real seconds between deletions of finished timers."""


@dataclass(frozen=True, slots=True)
class TimerTable:
    """Where a service keeps its timers.

    ``columns`` are the service's own columns with their PostgreSQL types, in the order
    :meth:`Timers.schedule` takes their values. ``channel`` is the ``NOTIFY`` channel a
    commit that schedules a timer signals (per database, so the schema is the payload).
    ``eligible`` is SQL over the table's columns (no parameters) that a pending timer must
    also satisfy to fire here: the escalation service keeps other regions' timers as
    standby copies that fire only once this region took their engagements over.
    """

    name: str
    channel: str
    columns: Sequence[tuple[str, str]] = field(default=())
    eligible: str = "TRUE"

    def __post_init__(self) -> None:
        for name in (self.name, self.channel, *(c for c, _ in self.columns)):
            if not name or not all(c.isalnum() or c == "_" for c in name):
                raise ValueError(f"invalid identifier {name!r}")


class Timers:
    """The SQL of one timer table; every call runs on the caller's connection."""

    def __init__(self, table: TimerTable) -> None:
        self.table = table
        t = table.name
        own = [c for c, _ in table.columns]
        values = ", ".join(f"${i + 3}::{kind}[]" for i, (_, kind) in enumerate(table.columns))
        self._insert = (
            f"WITH t AS (INSERT INTO {t} (id, due_at, {', '.join([*own, 'created_at'])})"
            f" SELECT *, ${len(own) + 3}::timestamptz FROM unnest($1::text[],"
            f" $2::timestamptz[]{', ' + values if values else ''})"
            " ON CONFLICT (id) DO NOTHING RETURNING id)"
            " SELECT coalesce(array_agg(id), '{}') FROM t")
        self._claim = (
            f"WITH due AS (SELECT id FROM {t} WHERE state = 'pending' AND due_at <= $1"
            f"  AND ({table.eligible}) ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
            f" UPDATE {t} t SET state = 'fired', finished_at = $1 FROM due"
            " WHERE t.id = due.id RETURNING t.*")

    async def check_table(self, conn: asyncpg.Connection) -> None:
        """Raise a clear error when the table lacks a column this mechanism or the service
        declares (a migration missing or wrong), rather than a SQL error at the first timer."""
        present = set(await conn.fetchval(
            "SELECT coalesce(array_agg(column_name::text), '{}') FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = $1", self.table.name))
        missing = [c for c in (*REQUIRED_COLUMNS, *(c for c, _ in self.table.columns))
                   if c not in present]
        if missing:
            raise RuntimeError(f"timer table {self.table.name!r} lacks columns {missing}"
                               " (see tocsin.shared.timers.TABLE_TEMPLATE)")

    async def schedule(self, conn: asyncpg.Connection,
                       timers: Sequence[tuple[str, datetime, Sequence[Any]]], *,
                       now: datetime) -> set[str]:
        """Insert pending timers ``(id, due_at, own column values)`` in one statement; returns
        the ids that did not exist yet. Wakes the workers when the transaction commits."""
        if not timers:
            return set()
        width = len(self.table.columns)
        columns: list[list[Any]] = [[] for _ in range(2 + width)]
        for id_, due_at, own in timers:
            if len(own) != width:
                raise ValueError(f"timer {id_!r}: {len(own)} values for {width} columns")
            for column, value in zip(columns, (id_, due_at, *own), strict=True):
                column.append(value)
        inserted = set(await conn.fetchval(self._insert, *columns, now))
        if inserted:
            await conn.execute("SELECT pg_notify($1, current_schema())", self.table.channel)
        return inserted

    async def cancel(self, conn: asyncpg.Connection, *, now: datetime, where: str = "TRUE",
                     args: Sequence[Any] = ()) -> list[asyncpg.Record]:
        """Cancel the pending timers matching ``where`` (SQL over the table's columns, its
        parameters from ``$2``, bound to ``args``); returns their rows, earliest first. The
        UPDATE waits for a round firing them (it holds their rows), then finds them fired:
        a timer is cancelled or fired, never both."""
        rows = await conn.fetch(
            f"UPDATE {self.table.name} SET state = 'cancelled', finished_at = $1"
            f" WHERE state = 'pending' AND ({where}) RETURNING *", now, *args)
        return sorted(rows, key=lambda r: (r["due_at"], r["id"]))

    async def claim(self, conn: asyncpg.Connection, *, now: datetime,
                    limit: int) -> list[asyncpg.Record]:
        """Mark up to ``limit`` due timers fired that no other transaction holds, earliest
        first (commit to keep them fired; roll back and they are due again)."""
        rows = await conn.fetch(self._claim, now, limit)
        return sorted(rows, key=lambda r: (r["due_at"], r["id"]))

    async def next_due(self, conn: asyncpg.Connection) -> datetime | None:
        """The earliest due time of a pending timer that may fire here."""
        due: datetime | None = await conn.fetchval(
            f"SELECT min(due_at) FROM {self.table.name} WHERE state = 'pending'"
            f" AND ({self.table.eligible})")
        return due

    async def prune(self, conn: asyncpg.Connection, *, before: datetime) -> int:
        """Delete timers that finished before ``before``; returns how many."""
        deleted: str = await conn.execute(
            f"DELETE FROM {self.table.name} WHERE state <> 'pending' AND finished_at < $1",
            before)
        return int(deleted.split()[-1])


T = TypeVar("T")


def _retryable(exc: BaseException) -> bool:
    """A firing that failed because another service did not answer, which it may next
    time (a ``fire`` that calls one idempotently, as the incidents canary does)."""
    return isinstance(exc, errors.TocsinError) and exc.retryable

Fire = Callable[[asyncpg.Connection, list[T], datetime], Awaitable[None]]
"""What the service does with the timers just claimed, in the claiming transaction: write
what they demand to the outbox (``now`` is the plan time they fired at)."""

Prune = Callable[[asyncpg.Connection, datetime], Awaitable[None]]
"""What else the service deletes when finished timers older than the retention go."""


class TimerWorker(Generic[T]):
    """Fires one table's due timers until stopped; ``run`` is a service worker."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock, timers: Timers, *,
                 decode: Callable[[asyncpg.Record], T], fire: Fire[T],
                 batch: int = 1000, max_sleep: float = 1.0,
                 retention: timedelta = timedelta(days=7), prune: Prune | None = None) -> None:
        self._pool = pool
        self._clock = clock
        self._timers = timers
        self._decode = decode
        self._fire = fire
        self._batch = batch
        self._max_sleep = max_sleep
        self._retention = retention
        self._prune_also = prune
        self._wake = asyncio.Event()
        self._schema = ""
        self._pruned = 0.0
        self._checked: datetime | None = None
        """The plan time of the last round that claimed all that was due."""
        self._wanted: datetime | None = None
        """The latest plan time a :meth:`caught_up` waits for."""
        self._round = asyncio.Condition()
        self.fired = 0
        """Timers this worker fired since it started (for benchmarks and logs)."""
        table = timers.table.name
        self._fired_count = metrics.TIMERS_FIRED.labels(table)
        self._lateness = metrics.TIMER_LATENESS.labels(table)
        self._overdue = metrics.TIMERS_OVERDUE.labels(table)

    async def caught_up(self, at: datetime) -> None:
        """Return once a round has claimed what was due at plan time ``at`` (and committed
        its firing): wakes the worker for it. What a :class:`ManualClock` awaits when it
        jumps."""
        self._wanted = at if self._wanted is None else max(self._wanted, at)
        self._wake.set()
        async with self._round:
            await self._round.wait_for(lambda: self._checked is not None
                                       and self._checked >= at)

    async def run(self, stop: asyncio.Event) -> None:
        """Fire due timers until ``stop`` is set; finishes the round in progress. A
        PostgreSQL restart is ridden out: the timers wait in the table, a failed round is
        tried again after a short backoff, and a lost LISTEN connection is replaced."""
        unregister = (self._clock.on_jump(self.caught_up)
                      if isinstance(self._clock, Controlled) else None)
        failures = 0
        try:
            while not stop.is_set():
                try:
                    await self._listen_and_fire(stop)
                    return
                except Exception as exc:
                    if server_gone(exc) is None:
                        raise
                    failures += 1
                    log.warning("timers.connection_lost", table=self._timers.table.name,
                                error=repr(exc))
                    await pause(stop, backoff(failures, base=RECONNECT_BASE,
                                              cap=RECONNECT_CAP))
        finally:
            if unregister is not None:
                unregister()

    async def _listen_and_fire(self, stop: asyncio.Event) -> None:
        channel = self._timers.table.channel
        async with self._pool.acquire() as listener:
            self._schema = str(await listener.fetchval("SELECT current_schema()"))
            await listener.add_listener(channel, self._notified)
            # A lost LISTEN connection wakes the sleep, so the worker replaces it at once.
            listener.add_termination_listener(self._lost)
            failures = 0
            try:
                while not stop.is_set():
                    if connection_lost(listener):
                        raise asyncpg.InterfaceError("the LISTEN connection is closed")
                    try:
                        if await self.fire_once() >= self._batch:
                            continue  # more may be due already
                        await self._prune()
                        await self._sleep(stop, listener)
                        failures = 0
                    except Exception as exc:
                        if server_gone(exc) is None and not isinstance(
                                exc, asyncpg.PostgresError) and not _retryable(exc):
                            raise
                        # PostgreSQL unreachable for a moment (or a service the firing
                        # calls, when it does): the timers wait in the table.
                        failures += 1
                        log.warning("timers.round_failed", table=self._timers.table.name,
                                    error=repr(exc))
                        await pause(stop, backoff(failures, base=RECONNECT_BASE,
                                                  cap=self._max_sleep))
            finally:
                try:
                    listener.remove_termination_listener(self._lost)
                    await listener.remove_listener(channel, self._notified)
                except Exception as exc:  # lost with the server, which dropped the LISTEN
                    log.debug("timers.unlisten_failed", error=repr(exc))
                    if not connection_lost(listener):
                        listener.terminate()

    def _notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        if payload == self._schema:
            self._wake.set()

    def _lost(self, conn: Any) -> None:
        self._wake.set()

    async def _sleep(self, stop: asyncio.Event, listener: asyncpg.Connection) -> None:
        """Until the earliest due time (plan time, via the clock), a NOTIFY or ``stop``;
        never more than ``max_sleep`` real seconds."""
        self._wake.clear()  # before the query, so a timer scheduled meanwhile still wakes us
        if connection_lost(listener) or self._behind():
            return
        async with self._pool.acquire() as conn:
            due = await self._timers.next_due(conn)
        self._overdue.set(0.0 if due is None
                          else max(0.0, (self._clock.now() - due).total_seconds()))
        waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._wake.wait()),
                                            asyncio.ensure_future(stop.wait())]
        if due is not None:
            plan_seconds = (due - self._clock.now()).total_seconds()
            if plan_seconds <= 0:
                for w in waits:
                    w.cancel()
                return
            waits.append(asyncio.ensure_future(self._clock.sleep(plan_seconds)))
        try:
            await asyncio.wait(waits, timeout=self._max_sleep,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    def _behind(self) -> bool:
        """Whether a :meth:`caught_up` waits for a round at a later plan time than the
        last one."""
        return self._wanted is not None and (self._checked is None
                                             or self._checked < self._wanted)

    async def fire_once(self) -> int:
        """Fire the timers due now (at most one batch); returns how many fired."""
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            rows = await self._timers.claim(conn, now=now, limit=self._batch)
            if rows:
                await self._fire(conn, [self._decode(r) for r in rows], now)
        if len(rows) < self._batch:  # all that was due at ``now`` is fired
            async with self._round:
                self._checked = now
                self._round.notify_all()
        if rows:
            self.fired += len(rows)
            self._fired_count.inc(len(rows))
            lateness = [(now - r["due_at"]).total_seconds() for r in rows]
            for late in lateness:
                self._lateness.observe(late)
            if len(rows) >= self._batch:  # more wait, at least as late as the last claimed
                self._overdue.set(max(0.0, lateness[-1]))
            log.info("timers.fired", table=self._timers.table.name, count=len(rows),
                     max_lateness_s=round(max(lateness), 3))
        return len(rows)

    async def _prune(self) -> None:
        if time.monotonic() - self._pruned < PRUNE_EVERY:
            return
        self._pruned = time.monotonic()
        before = self._clock.now() - self._retention
        async with self._pool.acquire() as conn:
            deleted = await self._timers.prune(conn, before=before)
            if self._prune_also is not None:
                await self._prune_also(conn, before)
        if deleted:
            log.info("timers.pruned", table=self._timers.table.name, count=deleted)
