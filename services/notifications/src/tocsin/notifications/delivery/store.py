"""Delivery's tables: ``delivery`` (one row per delivery request), ``receipt_outbox``
(receipts on their way to the contacts service) and ``provider_pace`` (each provider's next
send slot, shared by every instance).

Every write is keyed by the request's id or upserts (``ON CONFLICT``), so no statement
here violates a constraint and no database error has a domain meaning: any that reaches
the worker is an outage, which it rides out (:mod:`tocsin.shared.outage`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import asyncpg
import msgspec

__all__ = ["DeliveryRecord", "DeliveryStore", "NewDelivery", "Receipt", "ReceiptStore",
           "shared_slot"]


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


class NewDelivery(NamedTuple):
    """A request as its ``delivery`` row begins: the columns written then, by name."""

    id: str
    kind: str
    channel_type: str
    channel_arn: str
    contact_arn: str
    page_arn: str | None
    engagement_arn: str | None
    incident_id: str | None
    priority: int
    received_at: datetime


class Receipt(NamedTuple):
    """A receipt on its way to the contacts service."""

    page_arn: str
    channel_arn: str | None
    receipt_type: str
    info: str | None
    at: datetime
    waiting: bool = False


class DeliveryStore:
    """The ``delivery`` table: one row per delivery request id."""

    @staticmethod
    async def begin(conn: asyncpg.Connection, requests: Sequence[NewDelivery]
                    ) -> list[DeliveryRecord | None]:
        """Each request's record, created the first time it is seen; None for one neither
        created nor found (another instance's insert of it committed meanwhile: taken
        again later). One statement for them all (:class:`~tocsin.shared.db.batched.Batched`)."""
        rows = await conn.fetch(
            f"WITH ins AS (INSERT INTO delivery ({', '.join(NewDelivery._fields)})"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
            " $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::timestamptz[])"
            f" ON CONFLICT (id) DO NOTHING RETURNING {_COLUMNS})"
            # The statement's snapshot predates its insert: the rows found here are the
            # requests seen before, those of ``ins`` the new ones.
            f" SELECT {_COLUMNS} FROM ins UNION ALL"
            f" SELECT {_COLUMNS} FROM delivery WHERE id = ANY($1::text[])",
            *(list(column) for column in zip(*requests, strict=True)))
        found = {row["id"]: DeliveryRecord(**dict(row)) for row in rows}
        return [found.get(r.id) for r in requests]

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
    async def sending(conn: asyncpg.Connection, sends: Sequence[tuple[str, str]], *,
                      now: datetime) -> None:
        """Record (committed, before the sends) that each request, by id, goes to its
        provider now."""
        await conn.execute(
            "UPDATE delivery d SET sending_provider = s.provider, sending_since = $3"
            " FROM unnest($1::text[], $2::text[]) AS s(id, provider) WHERE d.id = s.id",
            [id for id, _ in sends], [provider for _, provider in sends], now)

    @staticmethod
    async def resending(conn: asyncpg.Connection | asyncpg.Pool, id: str) -> int:
        """Count a send repeated after an interrupted one; returns the resends so far."""
        resends: int = await conn.fetchval(
            "UPDATE delivery SET resends = resends + 1, sending_provider = NULL,"
            " sending_since = NULL WHERE id = $1 RETURNING resends", id)
        return resends

    @staticmethod
    async def sent(conn: asyncpg.Connection, sends: Sequence[tuple[str, str, str]], *,
                   now: datetime) -> set[str]:
        """Mark each request (id, provider, the provider's message id) sent; the ids of
        those that were not already (another attempt won)."""
        ids = await conn.fetch(
            "UPDATE delivery d SET state = 'sent', provider = s.provider,"
            " provider_message_id = s.message_id, sent_at = $4, finished_at = $4,"
            " attempts = attempts + 1, sending_provider = NULL, sending_since = NULL"
            " FROM unnest($1::text[], $2::text[], $3::text[]) AS s(id, provider, message_id)"
            " WHERE d.id = s.id AND d.state = 'pending' RETURNING d.id",
            [id for id, _, _ in sends], [provider for _, provider, _ in sends],
            [message_id[:256] for _, _, message_id in sends], now)
        return {row["id"] for row in ids}

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
        await ReceiptStore.add_all(conn, [Receipt(page_arn, channel_arn, receipt_type, info,
                                                  at, waiting)])

    @staticmethod
    async def add_all(conn: asyncpg.Connection, receipts: Sequence[Receipt]) -> None:
        """Queue receipts, in order; the reporter is woken once."""
        if not receipts:
            return
        await conn.execute(
            "WITH r AS (INSERT INTO receipt_outbox (page_arn, channel_arn, receipt_type,"
            " receipt_info, receipt_time, waiting) SELECT a, b, c, d, e, f FROM unnest("
            "$1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bool[])"
            " WITH ORDINALITY AS t(a, b, c, d, e, f, n) ORDER BY n RETURNING 1)"
            " SELECT pg_notify(current_schema() || '_receipts', '') WHERE EXISTS"
            " (SELECT FROM r)",
            [r.page_arn for r in receipts], [r.channel_arn for r in receipts],
            [r.receipt_type for r in receipts],
            [r.info[:2048] if r.info else None for r in receipts],
            [r.at for r in receipts], [r.waiting for r in receipts])


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
