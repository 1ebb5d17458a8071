"""Receipts reach the contacts service from a table, so none is lost while it is down.

Every receipt (SENT, DELIVERED, ERROR, STOP) is written to ``receipt_outbox`` in the
transaction of the outcome it reports; this worker claims batches (``FOR UPDATE SKIP
LOCKED``, so instances share the work), sends each as ``RecordPageReceipt`` with its
``ReceiptTime`` (which makes a resend idempotent), and deletes those the contacts service
took. A receipt for a page the contacts service does not know (deleted since) is dropped
with a log line; an unreachable service leaves the rest for the next round.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import asyncpg

from tocsin.shared import errors
from tocsin.shared.bus import Bus, rpc_subject
from tocsin.shared.contracts import contacts as cc
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

__all__ = ["ReceiptReporter"]

log = get_logger(__name__)


class ReceiptReporter:
    """A runner worker."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus, *, poll_interval: float = 1.0,
                 batch: int = 200) -> None:
        self._pool = pool
        self._bus = bus
        self._poll = poll_interval
        self._batch = batch
        self._wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Report until ``stop`` is set. A PostgreSQL restart is ridden out: a failed round
        is retried after a short backoff, and a lost LISTEN connection is replaced."""
        await ride_out(stop, functools.partial(self._report, stop),
                       event="receipts.connection_lost")

    async def _report(self, stop: asyncio.Event) -> None:
        async with self._pool.acquire() as conn:
            channel = f"{await conn.fetchval('SELECT current_schema()')}_receipts"
            await conn.add_listener(channel, self._on_notify)
            conn.add_termination_listener(self._on_notify)  # wakes the loop to replace it
            failures = 0
            try:
                while not stop.is_set():
                    if connection_lost(conn):
                        raise asyncpg.InterfaceError("the LISTEN connection is closed")
                    # Cleared before the batch is read: a receipt committed meanwhile wakes
                    # the next round instead of waiting out the poll interval.
                    self._wake.clear()
                    try:
                        sent = await self.report_pending()
                    except Exception as exc:
                        if server_gone(exc) is None:
                            raise
                        failures += 1
                        log.warning("receipts.failed", error=repr(exc))
                        await pause(stop, backoff(failures, base=RECONNECT_BASE,
                                                  cap=RECONNECT_CAP))
                        continue
                    failures = 0
                    if sent < self._batch:
                        await pause(stop, self._poll, self._wake)
            finally:
                try:
                    conn.remove_termination_listener(self._on_notify)
                    await conn.remove_listener(channel, self._on_notify)
                except Exception as exc:  # lost with the server, which dropped the LISTEN
                    log.debug("receipts.unlisten_failed", error=repr(exc))
                    if not connection_lost(conn):
                        conn.terminate()

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def report_pending(self) -> int:
        """Send one batch; returns how many were taken (or dropped)."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT seq, page_arn, channel_arn, receipt_type, receipt_info, receipt_time,"
                " waiting FROM receipt_outbox ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
                self._batch)
            if not rows:
                return 0
            results = await asyncio.gather(*(self._send(r) for r in rows))
            done = [r["seq"] for r, ok in zip(rows, results, strict=True) if ok]
            await conn.execute("DELETE FROM receipt_outbox WHERE seq = ANY($1::bigint[])", done)
        return len(done)

    async def _send(self, row: asyncpg.Record) -> bool:
        request = cc.RecordPageReceipt(
            page_id=row["page_arn"], receipt_type=row["receipt_type"],
            receipt_info=row["receipt_info"], receipt_time=row["receipt_time"].timestamp(),
            contact_channel_id=row["channel_arn"], waiting=row["waiting"])
        try:
            await self._bus.request(rpc_subject("contacts", "RecordPageReceipt"), request,
                                    timeout=5.0)
        except errors.ServiceUnavailable:
            return False
        except errors.TocsinError as exc:
            if exc.retryable:
                return False
            log.warning("receipt.refused", page_arn=row["page_arn"], code=exc.aws_code,
                        error=exc.message)
        return True
