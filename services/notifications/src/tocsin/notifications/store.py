"""The notifications schema's delivery records, phone routes, opt-outs and receipts."""

from __future__ import annotations

import hashlib
from datetime import datetime

import asyncpg
import msgspec

__all__ = ["DeliveryRecord", "DeliveryStore", "PhoneRoute", "ReceiptStore", "RouteStore",
           "address_digest"]


def address_digest(address: str) -> bytes:
    """How a phone number is kept: its SHA-256, enough to recognise a reply from it."""
    return hashlib.sha256(address.strip().encode()).digest()


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


class PhoneRoute(msgspec.Struct, frozen=True, kw_only=True):
    delivery_id: str
    channel_arn: str
    channel_type: str
    page_arn: str | None
    sent_at: datetime


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


class RouteStore:
    """``phone_route`` and ``opt_out``: who a phone number is."""

    @staticmethod
    async def add(conn: asyncpg.Connection, *, delivery_id: str, address: str,
                  channel_arn: str, channel_type: str, page_arn: str | None,
                  now: datetime) -> None:
        await conn.execute(
            "INSERT INTO phone_route (delivery_id, address_digest, channel_arn, channel_type,"
            " page_arn, sent_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            delivery_id, address_digest(address), channel_arn, channel_type, page_arn, now)

    @staticmethod
    async def recent(conn: asyncpg.Connection | asyncpg.Pool, address: str, *,
                     since: datetime, channel_type: str = "SMS",
                     limit: int = 20) -> list[PhoneRoute]:
        rows = await conn.fetch(
            "SELECT delivery_id, channel_arn, channel_type, page_arn, sent_at FROM phone_route"
            " WHERE address_digest = $1 AND channel_type = $2 AND sent_at >= $3"
            " ORDER BY sent_at DESC LIMIT $4", address_digest(address), channel_type, since,
            limit)
        return [PhoneRoute(**dict(r)) for r in rows]

    @staticmethod
    async def channels(conn: asyncpg.Connection | asyncpg.Pool, address: str,
                       channel_type: str = "SMS") -> list[str]:
        """Every channel of this type that anything was sent to at ``address``."""
        rows = await conn.fetch(
            "SELECT DISTINCT channel_arn FROM phone_route WHERE address_digest = $1"
            " AND channel_type = $2", address_digest(address), channel_type)
        return [r["channel_arn"] for r in rows]

    @staticmethod
    async def opt_out(conn: asyncpg.Connection | asyncpg.Pool, address: str,
                      channel_arn: str, now: datetime) -> None:
        await conn.execute("INSERT INTO opt_out (address_digest, channel_arn, at)"
                           " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                           address_digest(address), channel_arn, now)

    @staticmethod
    async def opted_out(conn: asyncpg.Connection | asyncpg.Pool, address: str) -> list[str]:
        rows = await conn.fetch("SELECT channel_arn FROM opt_out WHERE address_digest = $1",
                                address_digest(address))
        return [r["channel_arn"] for r in rows]

    @staticmethod
    async def opt_in(conn: asyncpg.Connection | asyncpg.Pool, address: str,
                     channel_arn: str) -> None:
        await conn.execute("DELETE FROM opt_out WHERE address_digest = $1 AND channel_arn = $2",
                           address_digest(address), channel_arn)


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
