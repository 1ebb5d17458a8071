"""Retention of the tables every service keeps that would otherwise grow without bound.

- ``inbox``: the event ids a consumer has taken effect for, kept so that a redelivery is
  recognised. An id is needed only while its event can still come back, so the rows are
  kept ``TOCSIN_INBOX_RETENTION_DAYS`` (31 by default: longer than ``EVENTS_<REGION>``
  keeps an event, 30 days, so a consumer reset to the stream's start still skips every
  event it handled).
- ``replica_parked``: another region's events waiting for a resource that has not
  arrived (:mod:`tocsin.shared.replication.parked`), kept as long as ``inbox`` rows: once
  the stream that would bring the resource no longer holds an event that old, it never
  comes.
- ``client_token``: the results of idempotent calls by token, kept so that a retry gets
  the first answer; ``TOCSIN_CLIENT_TOKEN_RETENTION_DAYS`` (31 by default: an alarm's
  token outlives the alarm in ``ALARMS``, 7 days).

A service adds its own such tables the same way (the notifications service: provider
callbacks already handled, acknowledgement links long expired; the incidents service: the
tombstones of removed related items and tags, kept as long as ``inbox`` rows). One
worker per instance deletes what is older, every :data:`INTERVAL` seconds, in batches
of :data:`BATCH` rows (short transactions, no long lock); instances deleting at once only
find less to delete. The cut-off is PostgreSQL's ``now()`` (real time, as redeliveries and
retries happen), so nothing of it is lost on a restart.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import asyncpg

from tocsin.shared.clock import Clock
from tocsin.shared.logging import get_logger
from tocsin.shared.outage import server_gone
from tocsin.shared.runner import pause

__all__ = ["BATCH", "INTERVAL", "Kept", "prune", "retain", "shared_tables"]

log = get_logger(__name__)

BATCH = 1000
INTERVAL = 600.0

Kept = dict[str, tuple[str, timedelta]]
"""Table → its timestamp column and how long after that time a row is kept."""


def shared_tables(*, inbox: timedelta, client_token: timedelta) -> Kept:
    """The tables every service has (``tocsin.shared.db.migrations``)."""
    return {"inbox": ("processed_at", inbox), "client_token": ("created_at", client_token),
            "replica_parked": ("parked_at", inbox)}


async def prune(pool: asyncpg.Pool, keep: Kept, *, batch: int = BATCH,
                now: datetime | None = None) -> dict[str, int]:
    """Delete the rows of each table in ``keep`` older than its period before ``now``
    (default PostgreSQL's ``now()``; a table of plan times is pruned by the plan clock);
    the count deleted per table."""
    deleted: dict[str, int] = {}
    for table, (column, period) in keep.items():
        total = 0
        while True:
            status = await pool.execute(
                f"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table}"
                f" WHERE {column} < coalesce($3::timestamptz, now()) - $1::interval"
                f" LIMIT $2))", period, batch, now)
            count = int(status.rpartition(" ")[2])
            total += count
            if count < batch:
                break
        deleted[table] = total
    return deleted


async def retain(pool: asyncpg.Pool, keep: Kept, stop: asyncio.Event, *,
                 interval: float = INTERVAL, clock: Clock | None = None) -> None:
    """Prune every ``interval`` seconds until ``stop`` (by ``clock``'s time when given).
    A runner worker."""
    while True:
        try:
            deleted = await prune(pool, keep, now=clock.now() if clock else None)
        except Exception as exc:
            if server_gone(exc) is None:  # a bug: say so, and keep the service serving
                log.exception("retention.failed")
            else:  # PostgreSQL away: next time
                log.debug("retention.postponed", error=repr(exc))
        else:
            if any(deleted.values()):
                log.info("retention.pruned", **deleted)
        if await pause(stop, interval):
            return
