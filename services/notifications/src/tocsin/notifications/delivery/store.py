"""Delivery's tables: ``delivery`` (one row per delivery request), ``receipt_outbox``
(receipts on their way to the contacts service) and ``provider_pace`` (each provider's next
send slot, shared by every instance).

Every write is keyed by the request's id or upserts (``ON CONFLICT``), so no statement
here violates a constraint and no database error has a domain meaning: any that reaches
the worker is an outage, which it rides out (:mod:`tocsin.shared.outage`)."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

__all__ = ["DeliveryRecord", "DeliveryStore", "ReceiptStore", "shared_slot"]


class DeliveryRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    channel_type: str
    channel_arn: str
    contact_arn: str
    page_arn: str | None
    engagement_arn: str | None
    incident_id: str | None
    priority: int
    state: str
    attempts: int
    provider: str | None
    provider_message_id: str | None
    delay_reason: str | None
    expected_send_at: datetime | None
    last_error: str | None
    received_at: datetime
    sent_at: datetime | None
    finished_at: datetime | None
    sending_provider: str | None = None
    """The provider a send was handed to and whose outcome is not recorded yet."""
    sending_since: datetime | None = None
    resends: int = 0
    """Sends repeated because an earlier one was interrupted before its outcome was
    recorded."""
    reported_wait: str | None = None


_COLUMNS = ", ".join(f.name for f in msgspec.structs.fields(DeliveryRecord))


class DeliveryStore:
    """The ``delivery`` table: one row per delivery request id."""

    @staticmethod
    async def begin(conn: asyncpg.Connection | asyncpg.Pool, *, id: str, kind: str,
                    channel_type: str, channel_arn: str, contact_arn: str,
                    page_arn: str | None, engagement_arn: str | None,
                    incident_id: str | None, priority: int,
                    now: datetime) -> DeliveryRecord:
        """The request's record, created the first time it is seen."""
        row = await conn.fetchrow(
            "WITH ins AS (INSERT INTO delivery (id, kind, channel_type, channel_arn,"
            " contact_arn, page_arn, engagement_arn, incident_id, priority, received_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            f" ON CONFLICT (id) DO NOTHING RETURNING {_COLUMNS})"
            f" SELECT {_COLUMNS} FROM ins UNION ALL"
            f" SELECT {_COLUMNS} FROM delivery WHERE id = $1 LIMIT 1",
            id, kind, channel_type, channel_arn, contact_arn, page_arn, engagement_arn,
            incident_id, priority, now)
        return DeliveryRecord(**dict(row))

    @staticmethod
    async def get(conn: asyncpg.Connection | asyncpg.Pool, id: str, *,
                  lock: bool = False) -> DeliveryRecord | None:
        row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM delivery WHERE id = $1"
                                  + (" FOR UPDATE" if lock else ""), id)
        return DeliveryRecord(**dict(row)) if row else None

    @staticmethod
    async def delayed(conn: asyncpg.Connection | asyncpg.Pool, id: str, *, reason: str,
                      expected_at: datetime) -> None:
        await conn.execute("UPDATE delivery SET delay_reason = $2, expected_send_at = $3"
                           " WHERE id = $1", id, reason, expected_at)

    @staticmethod
    async def wait_to_report(conn: asyncpg.Connection, id: str, reason: str) -> bool:
        """Note ``reason`` as the waiting reason reported for the request; False when it was
        the last one reported already."""
        changed = await conn.fetchval(
            "UPDATE delivery SET reported_wait = $2 WHERE id = $1"
            " AND reported_wait IS DISTINCT FROM $2 RETURNING true", id, reason)
        return bool(changed)

    @staticmethod
    async def sending(conn: asyncpg.Connection | asyncpg.Pool, id: str, *, provider: str,
                      now: datetime) -> None:
        """Record (committed, before the send) that the request goes to ``provider`` now."""
        await conn.execute("UPDATE delivery SET sending_provider = $2, sending_since = $3"
                           " WHERE id = $1", id, provider, now)

    @staticmethod
    async def resending(conn: asyncpg.Connection | asyncpg.Pool, id: str) -> int:
        """Count a send repeated after an interrupted one; returns the resends so far."""
        resends: int = await conn.fetchval(
            "UPDATE delivery SET resends = resends + 1, sending_provider = NULL,"
            " sending_since = NULL WHERE id = $1 RETURNING resends", id)
        return resends

    @staticmethod
    async def sent(conn: asyncpg.Connection, id: str, *, provider: str, message_id: str,
                   now: datetime) -> bool:
        """Mark the request sent; False when it already was (another attempt won)."""
        done = await conn.fetchval(
            "UPDATE delivery SET state = 'sent', provider = $2, provider_message_id = $3,"
            " sent_at = $4, finished_at = $4, attempts = attempts + 1,"
            " sending_provider = NULL, sending_since = NULL"
            " WHERE id = $1 AND state = 'pending' RETURNING true", id, provider,
            message_id[:256], now)
        return bool(done)

    @staticmethod
    async def failed(conn: asyncpg.Connection, id: str, *, error: str) -> int:
        """Count one failed attempt; returns the attempts so far."""
        attempts: int = await conn.fetchval(
            "UPDATE delivery SET attempts = attempts + 1, last_error = $2,"
            " sending_provider = NULL, sending_since = NULL"
            " WHERE id = $1 RETURNING attempts", id, error[:1000])
        return attempts

    @staticmethod
    async def of_page(conn: asyncpg.Connection | asyncpg.Pool,
                      page_arn: str) -> list[DeliveryRecord]:
        """The delivery requests of one page, oldest first."""
        rows = await conn.fetch(f"SELECT {_COLUMNS} FROM delivery WHERE page_arn = $1"
                                " ORDER BY received_at, id", page_arn)
        return [DeliveryRecord(**dict(r)) for r in rows]

    @staticmethod
    async def finish(conn: asyncpg.Connection, id: str, *, state: str, now: datetime) -> None:
        await conn.execute("UPDATE delivery SET state = $2, finished_at = $3 WHERE id = $1",
                           id, state, now)


class ReceiptStore:
    """``receipt_outbox``: receipts waiting to reach the contacts service."""

    @staticmethod
    async def add(conn: asyncpg.Connection, *, page_arn: str, channel_arn: str | None,
                  receipt_type: str, info: str | None, at: datetime,
                  waiting: bool = False) -> None:
        """Queue a receipt; ``waiting`` marks an ``ERROR`` that reports a wait, not a
        failure."""
        await conn.execute(
            "WITH r AS (INSERT INTO receipt_outbox (page_arn, channel_arn, receipt_type,"
            " receipt_info, receipt_time, waiting) VALUES ($1, $2, $3, $4, $5, $6)"
            " RETURNING 1) SELECT pg_notify(current_schema() || '_receipts', '') FROM r",
            page_arn, channel_arn, receipt_type, info[:2048] if info else None, at, waiting)


async def shared_slot(pool: asyncpg.Pool, provider: str, *, rate: float,
                      burst: float) -> float:
    """Reserve the provider's next send slot among all instances; the seconds to wait for
    it (0: now). One statement, atomic under the row lock: the slot is the later of the
    provider's theoretical arrival time and now, less the burst tolerance."""
    interval = 1.0 / rate
    tolerance = (max(1.0, burst) - 1.0) * interval
    wait: float = await pool.fetchval(
        "INSERT INTO provider_pace AS p (name, tat)"
        " VALUES ($1, extract(epoch FROM clock_timestamp()) + $2)"
        " ON CONFLICT (name) DO UPDATE SET"
        "  tat = greatest(p.tat, extract(epoch FROM clock_timestamp())) + $2"
        " RETURNING greatest(0, tat - $2 - $3 - extract(epoch FROM clock_timestamp()))",
        provider, interval, tolerance)
    return float(wait)
