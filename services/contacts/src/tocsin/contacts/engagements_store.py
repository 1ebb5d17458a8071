"""Engagements, pages and receipts in PostgreSQL, and the reads of contacts and channels
that resolving an engagement needs.

The tables are in ``migrations/0003_engagements.sql``. Contacts and channels are read from
the tables of ``0001_contacts.sql`` (same service, same schema); rotations through
:func:`tocsin.contacts.rotations_store.who_is_on_call`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from tocsin.shared import codec

__all__ = [
    "ChannelRow",
    "ContactRow",
    "EngagementRow",
    "EngagementStore",
    "NewPage",
    "NewReceipt",
    "PageRow",
    "Resolution",
    "Stage",
    "StageTarget",
    "code_hash",
    "code_matches",
    "plan_stages",
    "resolution_tree",
]


# --- the resolved plan, stored as engagement.plan ---------------------------------------


class StageTarget(msgspec.Struct, rename="pascal", kw_only=True):
    """One target of a stage as configured, and whom it resolved to."""

    contact_arn: str
    type: str
    """``PERSONAL`` or ``ONCALL_SCHEDULE``."""
    is_essential: bool
    channel_stage: int = 0
    """Which stage of a personal contact's engagement plan its page sends to: 0 when it
    is reached through an escalation plan or schedule, *k* for stage *k* of a PERSONAL
    contact engaged directly."""
    resolved_to: list[str] = []
    """The personal contacts it resolved to: itself, or who was on call."""
    resolved_time: float | None = None
    """When ``resolved_to`` was computed (epoch seconds): at the engagement's start as a
    preview, again when the stage starts."""


class Stage(msgspec.Struct, rename="pascal", kw_only=True):
    """One stage of an engagement."""

    stage_index: int
    duration_in_minutes: int
    targets: list[StageTarget] = []


# --- rows ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContactRow:
    arn: str
    alias: str
    type: str
    plan: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChannelRow:
    arn: str
    contact_arn: str
    name: str
    type: str
    address: str


@dataclass(frozen=True, slots=True)
class EngagementRow:
    arn: str
    contact_arn: str
    contact_type: str
    sender: str
    subject: str
    content: str
    public_subject: str | None
    public_content: str | None
    incident_id: str | None
    start_time: datetime
    stop_time: datetime | None
    stop_reason: str | None
    progression_stopped_time: datetime | None
    stages: list[Stage]


@dataclass(frozen=True, slots=True)
class PageRow:
    arn: str
    engagement_arn: str
    contact_arn: str
    stage_index: int
    is_essential: bool
    via: list[str]
    accept_code_hashes: list[bytes]
    sent_time: datetime
    delivery_time: datetime | None
    read_time: datetime | None
    wrong_codes: int = 0
    """Wrong accept codes tried so far (:meth:`EngagementStore.count_wrong_code`)."""


@dataclass(frozen=True, slots=True)
class NewPage:
    arn: str
    engagement_arn: str
    contact_arn: str
    stage_index: int
    is_essential: bool
    via: list[str]
    accept_code_hash: bytes
    sent_time: datetime
    round: int = 0


@dataclass(frozen=True, slots=True)
class NewReceipt:
    page_arn: str
    receipt_type: str
    contact_channel_arn: str | None
    receipt_info: str | None
    receipt_time: datetime


@dataclass(frozen=True, slots=True)
class Resolution:
    """One node of an engagement's resolution tree (``ResolutionContact``)."""

    contact_arn: str
    type: str
    stage_index: int | None


def code_hash(page_arn: str, code: str) -> bytes:
    """What is stored of a page's accept code: SHA-256 of ``<page arn>:<code>``.

    Salting with the page ARN keeps equal codes of different pages apart. A 6-digit code
    has too little entropy for any hash to resist an offline search; the hash keeps the
    code out of plain sight (dumps, backups, replicas), not out of reach of someone who
    already reads the database.
    """
    return hashlib.sha256(f"{page_arn}:{code}".encode()).digest()


def code_matches(page: PageRow, code: str) -> bool:
    """Whether ``code`` is one of the page's accept codes, each compared in constant time."""
    wanted = code_hash(page.arn, code)
    return any([hmac.compare_digest(h, wanted) for h in page.accept_code_hashes])


def plan_stages(plan: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The ``Stages`` of a stored contact plan (the AWS ``Plan`` shape)."""
    stages = (plan or {}).get("Stages") or []
    return [s for s in stages if isinstance(s, dict)]


_ENGAGEMENT_COLUMNS = (
    "arn, contact_arn, contact_type, sender, subject, content, public_subject,"
    " public_content, incident_id, start_time, stop_time, stop_reason,"
    " progression_stopped_time, plan")
_PAGE_COLUMNS = (
    "arn, engagement_arn, contact_arn, stage_index, is_essential, via, accept_code_hashes,"
    " sent_time, delivery_time, read_time, wrong_codes")


def _engagement(r: asyncpg.Record) -> EngagementRow:
    return EngagementRow(
        arn=r["arn"], contact_arn=r["contact_arn"], contact_type=r["contact_type"],
        sender=r["sender"], subject=r["subject"], content=r["content"],
        public_subject=r["public_subject"], public_content=r["public_content"],
        incident_id=r["incident_id"], start_time=r["start_time"], stop_time=r["stop_time"],
        stop_reason=r["stop_reason"], progression_stopped_time=r["progression_stopped_time"],
        stages=msgspec.convert(r["plan"]["Stages"], list[Stage]))


def _page(r: asyncpg.Record) -> PageRow:
    return PageRow(arn=r["arn"], engagement_arn=r["engagement_arn"],
                   contact_arn=r["contact_arn"], stage_index=r["stage_index"],
                   is_essential=r["is_essential"], via=list(r["via"]),
                   accept_code_hashes=[bytes(h) for h in r["accept_code_hashes"]],
                   sent_time=r["sent_time"],
                   delivery_time=r["delivery_time"], read_time=r["read_time"],
                   wrong_codes=r["wrong_codes"])


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
            "SELECT arn, contact_arn, name, type, address FROM contact_channel"
            " WHERE arn = ANY($1::text[]) AND activation_status = 'ACTIVATED'", wanted)
        return {r["arn"]: ChannelRow(arn=r["arn"], contact_arn=r["contact_arn"],
                                     name=r["name"], type=r["type"], address=r["address"])
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
            f"SELECT {_ENGAGEMENT_COLUMNS} FROM engagement WHERE arn = $1"
            + (" FOR UPDATE" if lock else ""), arn)
        return _engagement(row) if row else None

    @staticmethod
    async def save_plan(conn: asyncpg.Connection, arn: str, stages: Sequence[Stage]) -> None:
        await conn.execute("UPDATE engagement SET plan = $2 WHERE arn = $1", arn,
                           _plan_doc(stages))

    @staticmethod
    async def stop(conn: asyncpg.Connection, arn: str, *, at: datetime,
                   reason: str | None) -> bool:
        """Stop a running engagement; False when it was already stopped."""
        done: bool = await conn.fetchval(
            "UPDATE engagement SET stop_time = $2, stop_reason = $3"
            " WHERE arn = $1 AND stop_time IS NULL RETURNING true", arn, at, reason) or False
        return done

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
        (``incident_state``, :mod:`tocsin.contacts.incident_state`)."""
        value: bool | None = await conn.fetchval(
            "SELECT resolved FROM incident_state WHERE incident_id = $1", incident_id)
        return bool(value)

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
            "UPDATE engagement SET progression_stopped_time = $2, progression_stopped_by = $3"
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
            f"SELECT {_ENGAGEMENT_COLUMNS} FROM engagement"
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
    async def add_code(conn: asyncpg.Connection, arn: str, accept_code_hash: bytes) -> None:
        """Let one more accept code accept the page (a later stage sent a new one)."""
        await conn.execute(
            "UPDATE page SET accept_code_hashes = accept_code_hashes || $2::bytea"
            " WHERE arn = $1", arn, accept_code_hash)

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
            f"SELECT {_ENGAGEMENT_COLUMNS} FROM engagement WHERE arn = ANY($1::text[])",
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


def resolution_tree(e: EngagementRow) -> list[Resolution]:
    """The engagement's resolution path: the engaged contact, then per stage each target
    (a schedule followed by whom it resolved to), each personal contact once per stage."""
    tree = [Resolution(contact_arn=e.contact_arn, type=e.contact_type, stage_index=None)]
    if e.contact_type == "PERSONAL":
        return tree
    for stage in e.stages:
        seen: set[str] = set()
        for t in stage.targets:
            if t.type == "ONCALL_SCHEDULE" and t.contact_arn != e.contact_arn:
                tree.append(Resolution(contact_arn=t.contact_arn, type=t.type,
                                       stage_index=stage.stage_index))
            for person in t.resolved_to:
                if person not in seen:
                    seen.add(person)
                    tree.append(Resolution(contact_arn=person, type="PERSONAL",
                                           stage_index=stage.stage_index))
    return tree
