"""Retention of the tables every service keeps that would otherwise grow without bound.

- ``inbox``: the event ids a consumer has taken effect for, kept so that a redelivery is
  recognised. An id is needed only while its event can still come back, so the rows are
  kept ``TOCSIN_INBOX_RETENTION_DAYS`` (31 by default: longer than ``EVENTS_<REGION>``
  keeps an event, 30 days, so a consumer reset to the stream's start still skips every
  event it handled).
- ``client_token``: the results of idempotent calls by token, kept so that a retry gets
  the first answer; ``TOCSIN_CLIENT_TOKEN_RETENTION_DAYS`` (31 by default: an alarm's
  token outlives the alarm in ``ALARMS``, 7 days).

One worker per instance deletes what is older, every :data:`INTERVAL` seconds, in batches
of :data:`BATCH` rows (short transactions, no long lock); instances deleting at once only
find less to delete. The cut-off is PostgreSQL's ``now()`` (real time, as redeliveries and
retries happen), so nothing of it is lost on a restart.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg

from tocsin.shared.logging import get_logger
from tocsin.shared.outage import server_gone
from tocsin.shared.runner import pause

__all__ = ["BATCH", "INTERVAL", "prune", "retain"]

log = get_logger(__name__)

BATCH = 1000
INTERVAL = 600.0

_TABLES = {"inbox": "processed_at", "client_token": "created_at"}


async def prune(pool: asyncpg.Pool, keep: dict[str, timedelta], *,
                batch: int = BATCH) -> dict[str, int]:
    """Delete the rows of each table in ``keep`` older than its period; the count deleted
    per table."""
    deleted: dict[str, int] = {}
    for table, period in keep.items():
        column = _TABLES[table]
        total = 0
        while True:
            status = await pool.execute(
                f"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table}"
                f" WHERE {column} < now() - $1::interval LIMIT $2))", period, batch)
            count = int(status.rpartition(" ")[2])
            total += count
            if count < batch:
                break
        deleted[table] = total
    return deleted


async def retain(pool: asyncpg.Pool, keep: dict[str, timedelta], stop: asyncio.Event, *,
                 interval: float = INTERVAL) -> None:
    """Prune every ``interval`` seconds until ``stop``. A runner worker."""
    while True:
        try:
            deleted = await prune(pool, keep)
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
