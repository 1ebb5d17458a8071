"""Engagements, pages and receipts in PostgreSQL, and the reads of contacts and channels
that resolving an engagement needs; every method runs on the caller's connection.

The tables are in ``migrations/0003_engagements.sql``. Contacts and channels are read from
the tables of ``0001_contacts.sql`` (same service, same schema); rotations through
:func:`tocsin.contacts.rotations.store.who_is_on_call`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from tocsin.contacts.engagements.domain import (
    ChannelRow,
    ContactRow,
    EngagementRow,
    NewPage,
    NewReceipt,
    PageRow,
    Stage,
)
from tocsin.shared import codec

__all__ = ["EngagementStore"]


_ENGAGEMENT_COLUMNS = (
    "arn, contact_arn, contact_type, sender, subject, content, public_subject,"
    " public_content, incident_id, start_time, stop_time, stop_reason,"
    " progression_stopped_time, plan")
_ENGAGEMENT_READ = _ENGAGEMENT_COLUMNS + ", version"
_PAGE_COLUMNS = (
    "arn, engagement_arn, contact_arn, stage_index, is_essential, via, accept_code_hashes,"
    " sent_time, delivery_time, read_time, version, wrong_codes")


def _engagement(r: asyncpg.Record) -> EngagementRow:
    return EngagementRow(
        arn=r["arn"], contact_arn=r["contact_arn"], contact_type=r["contact_type"],
        sender=r["sender"], subject=r["subject"], content=r["content"],
        public_subject=r["public_subject"], public_content=r["public_content"],
        incident_id=r["incident_id"], start_time=r["start_time"], stop_time=r["stop_time"],
        stop_reason=r["stop_reason"], progression_stopped_time=r["progression_stopped_time"],
        # Stage by stage: msgspec caches a Struct's type information, not a list's.
        stages=[msgspec.convert(stage, Stage) for stage in r["plan"]["Stages"]],
        version=r["version"])


def _page(r: asyncpg.Record) -> PageRow:
    return PageRow(arn=r["arn"], engagement_arn=r["engagement_arn"],
                   contact_arn=r["contact_arn"], stage_index=r["stage_index"],
                   is_essential=r["is_essential"], via=list(r["via"]),
                   accept_code_hashes=[bytes(h) for h in r["accept_code_hashes"]],
                   sent_time=r["sent_time"],
                   delivery_time=r["delivery_time"], read_time=r["read_time"],
                   version=r["version"], wrong_codes=r["wrong_codes"])


def _plan_doc(stages: Sequence[Stage]) -> dict[str, Any]:
    return {"Stages": msgspec.to_builtins(list(stages))}


class EngagementStore:
    """The SQL of engagements; every method runs on the caller's connection."""

    # --- contacts and channels (read only) ---------------------------------------------

    @staticmethod
    async def contacts(conn: asyncpg.Connection, arns: Iterable[str]) -> dict[str, ContactRow]:
        """The contacts among ``arns`` that exist, by ARN."""
        wanted = list(dict.fromkeys(arns))
        if not wanted:
            return {}
        rows = await conn.fetch(
            "SELECT arn, alias, type, plan FROM contact WHERE arn = ANY($1::text[])", wanted)
        return {r["arn"]: ContactRow(arn=r["arn"], alias=r["alias"], type=r["type"],
                                     plan=r["plan"] or {}) for r in rows}

    @staticmethod
    async def activated_channels(conn: asyncpg.Connection,
                                 arns: Iterable[str]) -> dict[str, ChannelRow]:
        """The channels among ``arns`` that exist and are ACTIVATED, by ARN."""
        wanted = list(dict.fromkeys(arns))
        if not wanted:
            return {}
        rows = await conn.fetch(
            "SELECT arn, contact_arn, name, type, address, address_sealed FROM contact_channel"
            " WHERE arn = ANY($1::text[]) AND activation_status = 'ACTIVATED'", wanted)
        return {r["arn"]: ChannelRow(arn=r["arn"], contact_arn=r["contact_arn"],
                                     name=r["name"], type=r["type"], address=r["address"],
                                     address_sealed=r["address_sealed"])
                for r in rows}

    @staticmethod
    async def channel_owner(conn: asyncpg.Connection, channel_arn: str) -> str | None:
        """The contact a channel belongs to, or None when there is no such channel."""
        owner: str | None = await conn.fetchval(
            "SELECT contact_arn FROM contact_channel WHERE arn = $1", channel_arn)
        return owner

    # --- engagements -------------------------------------------------------------------

    @staticmethod
    async def insert_engagement(conn: asyncpg.Connection, e: EngagementRow) -> None:
        await conn.execute(
            f"INSERT INTO engagement ({_ENGAGEMENT_COLUMNS})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            e.arn, e.contact_arn, e.contact_type, e.sender, e.subject, e.content,
            e.public_subject, e.public_content, e.incident_id, e.start_time, e.stop_time,
            e.stop_reason, e.progression_stopped_time, _plan_doc(e.stages))

    @staticmethod
    async def engagement(conn: asyncpg.Connection, arn: str, *,
                         lock: bool = False) -> EngagementRow | None:
        row = await conn.fetchrow(
            f"SELECT {_ENGAGEMENT_READ} FROM engagement WHERE arn = $1"
            + (" FOR UPDATE" if lock else ""), arn)
        return _engagement(row) if row else None

    @staticmethod
    async def save_plan(conn: asyncpg.Connection, arn: str, stages: Sequence[Stage]) -> int:
        """Keep the plan as a stage start resolved it; the engagement's new version."""
        version: int = await conn.fetchval(
            "UPDATE engagement SET plan = $2, version = version + 1 WHERE arn = $1"
            " RETURNING version", arn, _plan_doc(stages))
        return version

    @staticmethod
    async def stop(conn: asyncpg.Connection, arn: str, *, at: datetime,
                   reason: str | None) -> int | None:
        """Stop a running engagement; its new version, or None when it was already
        stopped."""
        version: int | None = await conn.fetchval(
            "UPDATE engagement SET stop_time = $2, stop_reason = $3, version = version + 1"
            " WHERE arn = $1 AND stop_time IS NULL RETURNING version", arn, at, reason)
        return version

    @staticmethod
    async def lock_incident(conn: asyncpg.Connection, incident_id: str, *,
                            shared: bool = False) -> None:
        """Hold the incident's advisory lock until the transaction ends: shared to start an
        engagement of it, exclusive to change whether it may have any."""
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        await conn.execute(f"SELECT {function}(hashtextextended($1, 0))", incident_id)

    @staticmethod
    async def incident_resolved(conn: asyncpg.Connection, incident_id: str) -> bool:
        """Whether the incident is resolved (or deleted) as far as this service knows
        (``incident_state``, :mod:`tocsin.contacts.engagements.incident_state`)."""
        value: bool | None = await conn.fetchval(
            "SELECT resolved FROM incident_state WHERE incident_id = $1", incident_id)
        return bool(value)

    @staticmethod
    async def incident_changed(conn: asyncpg.Connection, incident_id: str, *,
                               resolved: bool, at: datetime) -> bool:
        """Record the incident's state as of ``at``; False when a later change is
        recorded."""
        done: bool = await conn.fetchval(
            "INSERT INTO incident_state (incident_id, resolved, changed_at)"
            " VALUES ($1, $2, $3)"
            " ON CONFLICT (incident_id) DO UPDATE SET resolved = excluded.resolved,"
            "  changed_at = excluded.changed_at"
            " WHERE incident_state.changed_at <= excluded.changed_at RETURNING true",
            incident_id, resolved, at) or False
        return done

    @staticmethod
    async def running_of_incident(conn: asyncpg.Connection, incident_id: str) -> list[str]:
        """The incident's engagements not stopped yet, oldest first, locked for update."""
        rows = await conn.fetch(
            "SELECT arn FROM engagement WHERE incident_id = $1 AND stop_time IS NULL"
            " ORDER BY start_time, arn FOR UPDATE", incident_id)
        return [r["arn"] for r in rows]

    @staticmethod
    async def unread_pages(conn: asyncpg.Connection, arn: str) -> list[str]:
        """The engagement's pages nobody has read, oldest first."""
        rows = await conn.fetch("SELECT arn FROM page WHERE engagement_arn = $1"
                                " AND read_time IS NULL ORDER BY sent_time, arn", arn)
        return [r["arn"] for r in rows]

    @staticmethod
    async def stop_progression(conn: asyncpg.Connection, arn: str, *, at: datetime,
                               by: str) -> bool:
        """Mark that no later stage may start; False when it was already so."""
        done: bool = await conn.fetchval(
            "UPDATE engagement SET progression_stopped_time = $2, progression_stopped_by = $3,"
            " version = version + 1"
            " WHERE arn = $1 AND progression_stopped_time IS NULL RETURNING true",
            arn, at, by) or False
        return done

    @staticmethod
    async def list_engagements(conn: asyncpg.Connection, *, incident_id: str | None,
                               start: datetime | None, end: datetime | None,
                               after: tuple[datetime, str] | None,
                               limit: int) -> list[EngagementRow]:
        """Newest first, keyset-paginated on (start_time, arn)."""
        rows = await conn.fetch(
            f"SELECT {_ENGAGEMENT_READ} FROM engagement"
            " WHERE ($1::text IS NULL OR incident_id = $1)"
            " AND ($2::timestamptz IS NULL OR start_time >= $2)"
            " AND ($3::timestamptz IS NULL OR start_time <= $3)"
            " AND ($4::timestamptz IS NULL OR (start_time, arn) < ($4, $5::text))"
            " ORDER BY start_time DESC, arn DESC LIMIT $6",
            incident_id, start, end, after[0] if after else None,
            after[1] if after else None, limit)
        return [_engagement(r) for r in rows]

    # --- stages ------------------------------------------------------------------------

    @staticmethod
    async def claim_stage(conn: asyncpg.Connection, engagement_arn: str, stage_index: int, *,
                          at: datetime, round_: int = 0) -> bool:
        """Record that a stage (of a round) starts now; False when it had already started."""
        done: bool = await conn.fetchval(
            "INSERT INTO engagement_stage (engagement_arn, stage_index, start_time, round)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true",
            engagement_arn, stage_index, at, round_) or False
        return done

    @staticmethod
    async def live_stage(conn: asyncpg.Connection, engagement_arn: str) -> int:
        """The index of the engagement's most recently started stage."""
        index: int | None = await conn.fetchval(
            "SELECT stage_index FROM engagement_stage WHERE engagement_arn = $1"
            " ORDER BY start_time DESC, round DESC, stage_index DESC LIMIT 1", engagement_arn)
        return index or 0

    # --- pages -------------------------------------------------------------------------

    @staticmethod
    async def insert_pages(conn: asyncpg.Connection, pages: Sequence[NewPage]) -> None:
        if not pages:
            return
        await conn.execute(
            "INSERT INTO page (arn, engagement_arn, contact_arn, stage_index, is_essential,"
            " via, accept_code_hashes, sent_time, round)"
            " SELECT p.arn, p.engagement_arn, p.contact_arn, p.stage_index, p.is_essential,"
            "  ARRAY(SELECT jsonb_array_elements_text(p.via::jsonb)), ARRAY[p.code_hash],"
            "  p.sent_time, p.round"
            " FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bool[],"
            "  $6::text[], $7::bytea[], $8::timestamptz[], $9::int[])"
            "  AS p(arn, engagement_arn, contact_arn, stage_index, is_essential, via,"
            "       code_hash, sent_time, round)",
            [p.arn for p in pages], [p.engagement_arn for p in pages],
            [p.contact_arn for p in pages], [p.stage_index for p in pages],
            [p.is_essential for p in pages], [codec.encode(p.via).decode() for p in pages],
            [p.accept_code_hash for p in pages], [p.sent_time for p in pages],
            [p.round for p in pages])

    @staticmethod
    async def record_channels(conn: asyncpg.Connection,
                              sent: Sequence[tuple[str, str]]) -> None:
        """Remember the (page, channel) pairs a page's deliveries were requested on."""
        if not sent:
            return
        await conn.execute(
            "INSERT INTO page_channel (page_arn, channel_arn)"
            " SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
            [page for page, _ in sent], [channel for _, channel in sent])

    @staticmethod
    async def add_code(conn: asyncpg.Connection, arn: str, accept_code_hash: bytes) -> int:
        """Let one more accept code accept the page (a later stage sent a new one); the
        page's new version."""
        version: int = await conn.fetchval(
            "UPDATE page SET accept_code_hashes = accept_code_hashes || $2::bytea,"
            " version = version + 1 WHERE arn = $1 RETURNING version", arn, accept_code_hash)
        return version

    @staticmethod
    async def page(conn: asyncpg.Connection, arn: str, *, lock: bool = False) -> PageRow | None:
        row = await conn.fetchrow(
            f"SELECT {_PAGE_COLUMNS} FROM page WHERE arn = $1"
            + (" FOR UPDATE" if lock else ""), arn)
        return _page(row) if row else None

    @staticmethod
    async def stage_pages(conn: asyncpg.Connection, engagement_arn: str,
                          stage_index: int, round_: int = 0) -> list[PageRow]:
        rows = await conn.fetch(
            f"SELECT {_PAGE_COLUMNS} FROM page WHERE engagement_arn = $1 AND stage_index = $2"
            " AND round = $3 ORDER BY sent_time, arn", engagement_arn, stage_index, round_)
        return [_page(r) for r in rows]

    @staticmethod
    async def pages_by_engagement(conn: asyncpg.Connection, engagement_arn: str, *,
                                  after: tuple[datetime, str] | None,
                                  limit: int) -> list[PageRow]:
        """Oldest first: the order the pages went out."""
        rows = await conn.fetch(
            f"SELECT {_PAGE_COLUMNS} FROM page WHERE engagement_arn = $1"
            " AND ($2::timestamptz IS NULL OR (sent_time, arn) > ($2, $3::text))"
            " ORDER BY sent_time, arn LIMIT $4",
            engagement_arn, after[0] if after else None, after[1] if after else None, limit)
        return [_page(r) for r in rows]

    @staticmethod
    async def pages_by_contact(conn: asyncpg.Connection, contact_arn: str, *,
                               after: tuple[datetime, str] | None,
                               limit: int) -> list[PageRow]:
        """Newest first."""
        rows = await conn.fetch(
            f"SELECT {_PAGE_COLUMNS} FROM page WHERE contact_arn = $1"
            " AND ($2::timestamptz IS NULL OR (sent_time, arn) < ($2, $3::text))"
            " ORDER BY sent_time DESC, arn DESC LIMIT $4",
            contact_arn, after[0] if after else None, after[1] if after else None, limit)
        return [_page(r) for r in rows]

    @staticmethod
    async def engagements(conn: asyncpg.Connection,
                          arns: Iterable[str]) -> dict[str, EngagementRow]:
        wanted = list(dict.fromkeys(arns))
        if not wanted:
            return {}
        rows = await conn.fetch(
            f"SELECT {_ENGAGEMENT_READ} FROM engagement WHERE arn = ANY($1::text[])",
            wanted)
        return {r["arn"]: _engagement(r) for r in rows}

    @staticmethod
    async def count_wrong_code(conn: asyncpg.Connection, arn: str) -> int:
        """Count one more wrong accept code tried on the page; the new count."""
        count: int = await conn.fetchval(
            "UPDATE page SET wrong_codes = wrong_codes + 1 WHERE arn = $1"
            " RETURNING wrong_codes", arn)
        return count

    @staticmethod
    async def wrong_codes_elsewhere(conn: asyncpg.Connection, arn: str) -> int:
        """The wrong accept codes the other regions of the set refused on the page, as they
        last reported them."""
        count: int = await conn.fetchval(
            "SELECT coalesce(sum(count), 0) FROM page_wrong_code WHERE page_arn = $1", arn)
        return count

    @staticmethod
    async def mark_page(conn: asyncpg.Connection, arn: str, receipt_type: str,
                        at: datetime) -> bool:
        """Set the page's DeliveryTime or ReadTime the first time; True when it was set."""
        column = {"DELIVERED": "delivery_time", "READ": "read_time"}.get(receipt_type)
        if column is None:
            return False
        done: bool = await conn.fetchval(
            f"UPDATE page SET {column} = $2 WHERE arn = $1 AND {column} IS NULL"
            " RETURNING true", arn, at) or False
        return done

    @staticmethod
    async def channel_failed(conn: asyncpg.Connection, page_arn: str, channel_arn: str,
                             error: str) -> int:
        """Record that every provider refused ``channel_arn`` for the page; how many of the
        channels the page was sent on are not refused yet."""
        await conn.execute(
            "INSERT INTO page_channel_failed (page_arn, channel_arn, error)"
            " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", page_arn, channel_arn, error)
        unreached: int = await conn.fetchval(
            "SELECT count(*) FROM page_channel c WHERE c.page_arn = $1"
            " AND NOT EXISTS (SELECT 1 FROM page_channel_failed f"
            "  WHERE f.page_arn = c.page_arn AND f.channel_arn = c.channel_arn)", page_arn)
        return unreached

    @staticmethod
    async def channel_failures(conn: asyncpg.Connection,
                               page_arn: str) -> list[tuple[str, str]]:
        """``(channel, error)`` of each refused channel of the page, by channel."""
        rows = await conn.fetch(
            "SELECT channel_arn, error FROM page_channel_failed WHERE page_arn = $1"
            " ORDER BY channel_arn", page_arn)
        return [(r["channel_arn"], r["error"]) for r in rows]

    @staticmethod
    async def bump_page(conn: asyncpg.Connection, arn: str) -> int:
        """Count a change of the page (a receipt, an acceptance); its new version."""
        version: int = await conn.fetchval(
            "UPDATE page SET version = version + 1 WHERE arn = $1 RETURNING version", arn)
        return version

    # --- receipts ----------------------------------------------------------------------

    @staticmethod
    async def insert_receipts(conn: asyncpg.Connection,
                              receipts: Sequence[NewReceipt]) -> list[bool]:
        """Add receipts, skipping those already recorded; says which were new, in order."""
        if not receipts:
            return []
        rows = await conn.fetch(
            "WITH r AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
            "   $5::timestamptz[]) WITH ORDINALITY"
            "   AS r(page_arn, receipt_type, contact_channel_arn, receipt_info, receipt_time, n)),"
            " ins AS (INSERT INTO page_receipt (page_arn, receipt_type, contact_channel_arn,"
            "   receipt_info, receipt_time)"
            "   SELECT page_arn, receipt_type, contact_channel_arn, receipt_info, receipt_time"
            "   FROM r ORDER BY n"
            "   ON CONFLICT DO NOTHING"
            "   RETURNING page_arn, receipt_type, contact_channel_arn, receipt_info,"
            "     receipt_time)"
            " SELECT r.n FROM r JOIN ins USING (page_arn, receipt_type, receipt_time)"
            " WHERE r.contact_channel_arn IS NOT DISTINCT FROM ins.contact_channel_arn"
            " AND r.receipt_info IS NOT DISTINCT FROM ins.receipt_info",
            [r.page_arn for r in receipts], [r.receipt_type for r in receipts],
            [r.contact_channel_arn for r in receipts], [r.receipt_info for r in receipts],
            [r.receipt_time for r in receipts])
        new = {r["n"] for r in rows}
        return [i + 1 in new for i in range(len(receipts))]

    @staticmethod
    async def receipts(conn: asyncpg.Connection, page_arn: str, *, after: int | None,
                       limit: int) -> list[tuple[int, NewReceipt]]:
        """In the order they happened."""
        rows = await conn.fetch(
            "SELECT seq, page_arn, receipt_type, contact_channel_arn, receipt_info,"
            " receipt_time FROM page_receipt"
            " WHERE page_arn = $1 AND ($2::bigint IS NULL OR seq > $2)"
            " ORDER BY seq LIMIT $3", page_arn, after, limit)
        return [(r["seq"], NewReceipt(page_arn=r["page_arn"], receipt_type=r["receipt_type"],
                                      contact_channel_arn=r["contact_channel_arn"],
                                      receipt_info=r["receipt_info"],
                                      receipt_time=r["receipt_time"])) for r in rows]

