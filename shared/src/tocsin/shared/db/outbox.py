"""The transactional outbox: events leave a service only after its change is committed.

:func:`write_event` inserts the event in the caller's transaction (:func:`write_message`
any other message, such as a delivery request, on a subject of the caller's choosing).
:class:`OutboxRelay` publishes committed rows to JetStream with ``Nats-Msg-Id`` set to the
event id and deletes them once the stream has acknowledged them. A crash before the
publish leaves the row for the next relay; a crash after the publish but before the
delete makes the next relay publish it again, and the stream's duplicate window drops the
copy. Only one relay per schema publishes at a time (a session advisory lock), which keeps
events in commit order.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
from collections.abc import Mapping
from typing import Any

import asyncpg
import msgspec
import nats.errors

from tocsin.shared import codec, metrics
from tocsin.shared.bus.connection import Bus, Outgoing
from tocsin.shared.logging import get_logger
from tocsin.shared.outage import (
    RECONNECT_BASE,
    RECONNECT_CAP,
    backoff,
    connection_lost,
    ride_out,
    server_gone,
)
from tocsin.shared.runner import pause

__all__ = ["OutboxRelay", "watch_backlog", "write_event", "write_events", "write_message"]

log = get_logger(__name__)


async def write_event(conn: asyncpg.Connection, event: codec.Envelope,
                      headers: Mapping[str, str] | None = None) -> None:
    """Add ``event`` to the outbox inside the caller's transaction, and wake the relay."""
    await conn.execute(
        "WITH o AS (INSERT INTO outbox (id, subject, payload, headers)"
        " VALUES ($1, $2, $3, $4) RETURNING 1)"
        " SELECT pg_notify(current_schema() || '_outbox', '') FROM o",
        event.id, event.subject, codec.encode(event), dict(headers or {}))


async def write_message(conn: asyncpg.Connection, subject: str, payload: bytes, *,
                        msg_id: str, headers: Mapping[str, str] | None = None) -> None:
    """Add a message that is not an event to the outbox inside the caller's transaction.

    The relay publishes ``payload`` unchanged on ``subject`` with ``Nats-Msg-Id`` set to
    ``msg_id`` (a UUID), so the subject must be captured by a stream the service ensures.
    """
    await conn.execute(
        "WITH o AS (INSERT INTO outbox (id, subject, payload, headers)"
        " VALUES ($1, $2, $3, $4) RETURNING 1)"
        " SELECT pg_notify(current_schema() || '_outbox', '') FROM o",
        msg_id, subject, payload, dict(headers or {}))


_STAMPED = b'"hlc":null}'
"""How an envelope without a stamp ends: ``hlc`` is its last member, so encoded last."""


def _unstamped(envelope: codec.Envelope) -> bytes:
    """The envelope's JSON up to its ``hlc`` value, which the insert completes with the
    transaction's stamp and the closing brace."""
    if envelope.hlc is not None:
        envelope = msgspec.structs.replace(envelope, hlc=None)
    payload = codec.encode(envelope)
    if not payload.endswith(_STAMPED):
        raise AssertionError("an envelope's last member must be hlc")
    return payload[:-len(b"null}")]


async def write_events(conn: asyncpg.Connection, events: list[codec.Envelope],
                       headers: Mapping[str, str] | None = None) -> None:
    """Add several events in one statement, in order, inside the caller's transaction,
    each stamped with the transaction's clock (``hlc_now()``, the stamp its replicated
    rows got) by the insert itself: no round trip to read the stamp first."""
    if not events:
        return
    hdrs = dict(headers or {})
    if len(events) == 1:
        event = events[0]
        await conn.execute(
            "WITH o AS (INSERT INTO outbox (id, subject, payload, headers)"
            " VALUES ($1, $2, $3 || convert_to(hlc_now()::text || '}', 'UTF8'), $4)"
            " RETURNING 1)"
            " SELECT pg_notify(current_schema() || '_outbox', '') FROM o",
            event.id, event.subject, _unstamped(event), hdrs)
        return
    await conn.execute(
        "WITH o AS (INSERT INTO outbox (id, subject, payload, headers)"
        " SELECT id, subject, payload || convert_to(hlc_now()::text || '}', 'UTF8'),"
        " $4::jsonb"
        " FROM unnest($1::uuid[], $2::text[], $3::bytea[]) WITH ORDINALITY"
        " AS e(id, subject, payload, n) ORDER BY n"
        " RETURNING 1)"
        " SELECT pg_notify(current_schema() || '_outbox', '') FROM o LIMIT 1",
        [e.id for e in events], [e.subject for e in events],
        [_unstamped(e) for e in events], hdrs)


class OutboxRelay:
    """Publishes one schema's outbox to JetStream."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus, *, batch: int = 256,
                 poll_interval: float = 1.0) -> None:
        self._pool = pool
        self._bus = bus
        self._batch = batch
        self._poll = poll_interval
        self._wake = asyncio.Event()
        self._published: Any = None
        """The schema's published counter, bound once the session knows the schema."""

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until ``stop`` is set, as the schema's only active relay.

        A NATS or PostgreSQL restart is ridden out: a failed round is retried after a
        short backoff, and a lost connection (and with it the lock and the LISTEN) is
        replaced by a new one once the database answers again.
        """
        await ride_out(stop, functools.partial(self._relay, stop), event="outbox.connection_lost")

    async def _relay(self, stop: asyncio.Event) -> None:
        """One session: take the lock, LISTEN, publish rounds until ``stop``; raises when
        the session's connection is lost."""
        async with self._pool.acquire() as conn:
            schema = await conn.fetchval("SELECT current_schema()")
            lock = int.from_bytes(hashlib.sha256(f"tocsin-outbox:{schema}".encode())
                                  .digest()[:8], "big", signed=True)
            while not await _try_lock(conn, lock):
                if await pause(stop, self._poll):
                    return
            channel = f"{schema}_outbox"
            await conn.add_listener(channel, self._on_notify)
            # A lost connection wakes the loop at once, to replace it.
            conn.add_termination_listener(self._on_notify)
            self._published = metrics.OUTBOX_PUBLISHED.labels(schema)
            log.info("outbox.relaying", schema=schema)
            failures = 0
            try:
                while not stop.is_set():
                    if connection_lost(conn):
                        raise asyncpg.InterfaceError("the relay's connection is closed")
                    # Cleared before reading the outbox, so a commit notified while a batch
                    # is being published wakes the next round instead of waiting a poll.
                    self._wake.clear()
                    try:
                        sent = await self._publish_round()
                    except Exception as exc:
                        # Any refusal by NATS is retried too: the rows wait in the table.
                        if server_gone(exc) is None and not isinstance(exc, nats.errors.Error):
                            raise
                        failures += 1
                        log.warning("outbox.publish_failed", error=repr(exc))
                        await pause(stop, backoff(failures, base=RECONNECT_BASE,
                                                  cap=RECONNECT_CAP))
                        continue
                    failures = 0
                    if sent < self._batch:
                        await pause(stop, self._poll, self._wake)
            finally:
                await _release(conn, channel, self._on_notify, lock)

    async def _publish_round(self) -> int:
        """:meth:`publish_pending`, given up (rolled back, to be sent again) when NATS
        reconnects meanwhile: a publish sent to the server that went away is never
        acknowledged, and waiting out its timeout would hold every event back."""
        round_ = asyncio.ensure_future(self.publish_pending())
        lost = asyncio.ensure_future(self._bus.reconnection().wait())
        try:
            await asyncio.wait((round_, lost), return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
            if not round_.done():
                round_.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await round_
        if round_.cancelled():
            raise nats.errors.ConnectionReconnectingError
        return round_.result()

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish one batch of committed events; returns how many were sent.

        Two statements a batch, neither in a transaction: read the oldest rows, publish
        them, delete them once the stream has acknowledged every one. A crash in between
        leaves the rows to be published again (the stream drops the copies); only one
        relay reads a schema's outbox (the session's advisory lock), so nothing else
        deletes rows under it.
        """
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT seq, id, subject, payload, headers FROM outbox"
                " ORDER BY seq LIMIT $1", self._batch)
            if not rows:
                return 0
            # Publishes on one connection are stored in the order they are sent, so the
            # acknowledgements can be awaited together.
            await self._bus.publish_batch([
                Outgoing(r["subject"], r["payload"], str(r["id"]), r["headers"] or {})
                for r in rows])
            await conn.execute("DELETE FROM outbox WHERE seq = ANY($1::bigint[])",
                               [r["seq"] for r in rows])
        if self._published is not None:
            self._published.inc(len(rows))
        return len(rows)


async def watch_backlog(pool: asyncpg.Pool, schema: str, stop: asyncio.Event) -> None:
    """Count the outbox's rows every :data:`~tocsin.shared.metrics.LAG_INTERVAL` seconds
    (every instance, relaying or not: a backlog that grows while nobody relays is what an
    operator must see). A runner worker."""
    backlog = metrics.OUTBOX_BACKLOG.labels(schema)
    while not await pause(stop, metrics.LAG_INTERVAL):
        try:
            backlog.set(await pool.fetchval("SELECT count(*) FROM outbox"))
        except Exception as exc:  # the database gone for a moment: keep the last count
            log.debug("outbox.backlog_unknown", error=repr(exc))


async def _try_lock(conn: asyncpg.Connection, lock: int) -> bool:
    """Take the schema's relay lock if it is free."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock))


async def _release(conn: asyncpg.Connection, channel: str, callback: Any, lock: int) -> None:
    """UNLISTEN and unlock before the connection goes back to the pool. A connection that
    cannot (lost with the server, which dropped both) is closed, so no pooled connection
    ever keeps the lock."""
    try:
        conn.remove_termination_listener(callback)
        await conn.remove_listener(channel, callback)
        await conn.execute("SELECT pg_advisory_unlock($1)", lock)
    except Exception as exc:
        log.debug("outbox.release_failed", error=repr(exc))
        if not connection_lost(conn):
            conn.terminate()
