"""SQL for findings (table ``finding``, migration ``0003_findings``). Every function runs on
the caller's connection, so the consumer composes it with its inbox row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

__all__ = ["Finding", "FindingStore", "Span"]

JSON = dict[str, Any]


class Span(msgspec.Struct, frozen=True, kw_only=True):
    """The changes that are findings of one incident: started by ``until`` and not ended
    before ``since``."""

    since: datetime
    until: datetime


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One stored finding, in the API's shapes."""

    id: str
    creation_time: float
    last_modified_time: float
    details: JSON
    start_time: datetime
    """Not in the API output; the keyset position of ``ListIncidentFindings``."""

    def summary(self) -> JSON:
        """The finding as ``ListIncidentFindings`` lists it (``FindingSummary``)."""
        return {"id": self.id, "lastModifiedTime": self.last_modified_time}

    def output(self) -> JSON:
        """The finding as ``BatchGetIncidentFindings`` returns it (``Finding``)."""
        return {"id": self.id, "creationTime": self.creation_time,
                "lastModifiedTime": self.last_modified_time, "details": self.details}


def _finding(row: asyncpg.Record) -> Finding:
    return Finding(id=row["id"], creation_time=row["creation_time"].timestamp(),
                   last_modified_time=row["last_modified_time"].timestamp(),
                   details=row["details"], start_time=row["start_time"])


_COLUMNS = "id, start_time, details, creation_time, last_modified_time"
# A change that never reports its end stops counting a day after it started, so one lost
# "finished" message does not make it a finding of every later incident.
_IN_SPAN = ("start_time <= $1"
            " AND COALESCE(end_time, start_time + interval '24 hours') >= $2")


class FindingStore:
    """The ``finding`` table."""

    @staticmethod
    async def record(conn: asyncpg.Connection, *, id: str, start_time: datetime,
                     end_time: datetime | None, details: JSON, now: datetime,
                     reported_at: datetime) -> str:
        """Insert a finding or replace its details; returns what happened.

        ``created`` for a new id; ``updated`` when the details changed (``lastModifiedTime``
        becomes ``now``); ``unchanged`` when they are the same, or when the message was
        put in the stream before the one last applied (a redelivery overtaken by a newer
        report of the same change), which must not undo it.
        """
        created = await conn.fetchval(
            "INSERT INTO finding AS f (id, start_time, end_time, details, creation_time,"
            " last_modified_time, reported_at) VALUES ($1, $2, $3, $4, $5, $5, $6)"
            " ON CONFLICT (id) DO UPDATE SET start_time = excluded.start_time,"
            "   end_time = excluded.end_time, details = excluded.details,"
            "   last_modified_time = excluded.last_modified_time,"
            "   reported_at = excluded.reported_at"
            " WHERE f.reported_at <= excluded.reported_at"
            "   AND f.details IS DISTINCT FROM excluded.details"
            " RETURNING xmax = 0",
            id, start_time, end_time, details, now, reported_at)
        return "unchanged" if created is None else "created" if created else "updated"

    @staticmethod
    async def created(conn: asyncpg.Connection, finding_id: str) -> datetime:
        """When the finding was first recorded."""
        value: datetime = await conn.fetchval(
            "SELECT creation_time FROM finding WHERE id = $1", finding_id)
        return value

    @staticmethod
    async def in_span(conn: asyncpg.Connection, span: Span, *,
                      after: tuple[datetime, str] | None, limit: int) -> list[Finding]:
        """The findings in ``span``, newest change first, after the keyset position."""
        after_time, after_id = after if after else (None, None)
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM finding WHERE {_IN_SPAN}"
            "   AND ($3::timestamptz IS NULL OR (start_time, id) < ($3, $4::text))"
            " ORDER BY start_time DESC, id DESC LIMIT $5",
            span.until, span.since, after_time, after_id, limit)
        return [_finding(r) for r in rows]

    @staticmethod
    async def some_in_span(conn: asyncpg.Connection, span: Span,
                           ids: Sequence[str]) -> dict[str, Finding]:
        """Those of ``ids`` that are findings in ``span``, by id."""
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM finding WHERE {_IN_SPAN} AND id = ANY($3::text[])",
            span.until, span.since, list(ids))
        return {r["id"]: _finding(r) for r in rows}
