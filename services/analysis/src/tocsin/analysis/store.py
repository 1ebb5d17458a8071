"""SQL of analyses and their timelines (the ``analysis`` and ``analysis_timeline`` tables).

A unique violation becomes a domain error here; nothing else of asyncpg leaves this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from tocsin.shared.contracts import analysis as ca
from tocsin.shared.errors import ConflictError

__all__ = ["AnalysisRow", "AnalysisStore", "TimelinePoint", "point_state", "state_of"]

JSON = dict[str, Any]


class AnalysisRow(msgspec.Struct, kw_only=True):
    """One analysis as stored."""

    id: str
    arn: str
    incident_arn: str
    response_plan_arn: str
    name: str
    status: str
    template_name: str
    template_version: str
    template: JSON
    overview: dict[str, str]
    answers: dict[str, JSON]
    decisions: dict[str, JSON]
    checklist: dict[str, bool]
    metric_queries: list[JSON]
    impact_started: datetime | None
    detected: datetime | None
    mitigated: datetime | None
    created_by: str
    created_at: datetime
    last_modified_by: str
    last_modified_at: datetime
    completed_by: str | None
    completed_at: datetime | None
    completed_with_open_items: bool | None

    @classmethod
    def of(cls, row: asyncpg.Record) -> AnalysisRow:
        return cls(**dict(row))


class TimelinePoint(msgspec.Struct, kw_only=True):
    """A point of an analysis's own timeline."""

    point_id: str
    source_event_id: str | None
    event_time: datetime
    event_type: str
    event_data: str
    edited: bool = False


def state_of(row: AnalysisRow, stamps: JSON, *, region: str) -> ca.AnalysisState:
    """The analysis as its events carry it, with the stamps of its members (``field_hlc``,
    a NULL origin being ``region``, this one)."""
    return ca.AnalysisState(**msgspec.structs.asdict(row), field_stamps={
        member: (int(hlc), origin or region) for member, (hlc, origin) in stamps.items()})


def point_state(point: TimelinePoint) -> ca.AnalysisTimelinePoint:
    return ca.AnalysisTimelinePoint(**msgspec.structs.asdict(point))


_COLUMNS = ", ".join(f for f in AnalysisRow.__struct_fields__)
_JSON_COLUMNS = ("template", "overview", "answers", "decisions", "checklist", "metric_queries")


class AnalysisStore:
    """Reads and writes of analyses (stateless: every call takes its connection)."""

    @staticmethod
    async def insert(conn: asyncpg.Connection, row: AnalysisRow) -> None:
        """Store a new analysis.

        Raises:
            ConflictError: the incident already has one (the message names it).
        """
        values = [getattr(row, f) for f in AnalysisRow.__struct_fields__]
        placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
        try:
            async with conn.transaction():
                await conn.execute(f"INSERT INTO analysis ({_COLUMNS}) VALUES ({placeholders})",
                                   *values)
        except asyncpg.UniqueViolationError:
            existing = await AnalysisStore.of_incident(conn, row.incident_arn)
            raise ConflictError(
                f"Incident {row.incident_arn} already has an analysis: {existing}",
                resource_type="ANALYSIS", resource_id=existing) from None

    @staticmethod
    async def get(conn: asyncpg.Connection, arn: str, *, lock: bool = False
                  ) -> AnalysisRow | None:
        """The analysis ``arn`` names: the one it was merged into, if it was."""
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM analysis WHERE arn = coalesce("
            " (SELECT merged_into FROM analysis WHERE arn = $1), $1)"
            f"{' FOR UPDATE' if lock else ''}", arn)
        return AnalysisRow.of(row) if row else None

    @staticmethod
    async def of_incident(conn: asyncpg.Connection, incident_arn: str) -> str | None:
        value = await conn.fetchval(
            "SELECT arn FROM analysis WHERE incident_arn = $1 AND merged_into IS NULL",
            incident_arn)
        return str(value) if value is not None else None

    @staticmethod
    async def update(conn: asyncpg.Connection, row: AnalysisRow) -> JSON:
        """Write every mutable column of ``row`` back; the stamps of its members after the
        change (``field_hlc``, :func:`state_of`)."""
        names = [f for f in AnalysisRow.__struct_fields__
                 if f not in ("id", "arn", "incident_arn", "response_plan_arn", "template_name",
                              "template_version", "template", "created_by", "created_at")]
        sets = ", ".join(f"{n} = ${i}" for i, n in enumerate(names, start=2))
        stamps: JSON = await conn.fetchval(
            f"UPDATE analysis SET {sets} WHERE id = $1 RETURNING field_hlc", row.id,
            *[getattr(row, n) for n in names])
        return stamps

    @staticmethod
    async def delete(conn: asyncpg.Connection, arn: str) -> AnalysisRow | None:
        """Delete the analysis ``arn`` names (the one it was merged into, if it was)."""
        row = await conn.fetchrow(
            "DELETE FROM analysis WHERE arn = coalesce("
            f" (SELECT merged_into FROM analysis WHERE arn = $1), $1) RETURNING {_COLUMNS}",
            arn)
        return AnalysisRow.of(row) if row else None

    @staticmethod
    async def page(conn: asyncpg.Connection, *, incident_arn: str | None, status: str | None,
                   plan_arn: str | None, after: tuple[datetime, str] | None,
                   limit: int) -> list[AnalysisRow]:
        """Analyses newest first, keyset-paged by (created_at, id); those merged into
        another are not listed (the other is)."""
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM analysis WHERE merged_into IS NULL"
            " AND ($1::text IS NULL OR incident_arn = $1)"
            " AND ($2::text IS NULL OR status = $2)"
            " AND ($3::text IS NULL OR response_plan_arn = $3)"
            " AND ($4::timestamptz IS NULL OR (created_at, id) < ($4, $5))"
            " ORDER BY created_at DESC, id DESC LIMIT $6",
            incident_arn, status, plan_arn, after[0] if after else None,
            after[1] if after else "", limit)
        return [AnalysisRow.of(r) for r in rows]

    # --- the analysis's own timeline ---------------------------------------------------

    @staticmethod
    async def add_points(conn: asyncpg.Connection, analysis_id: str,
                         points: Sequence[TimelinePoint]) -> None:
        await conn.copy_records_to_table(
            "analysis_timeline", columns=["analysis_id", "point_id", "source_event_id",
                                          "event_time", "event_type", "event_data", "edited"],
            records=[(analysis_id, p.point_id, p.source_event_id, p.event_time, p.event_type,
                      p.event_data, p.edited) for p in points])

    @staticmethod
    async def points(conn: asyncpg.Connection, analysis_id: str, *,
                     after: tuple[datetime, str] | None = None,
                     limit: int | None = None) -> list[TimelinePoint]:
        """The points oldest first, keyset-paged by (event_time, point_id)."""
        rows = await conn.fetch(
            "SELECT point_id, source_event_id, event_time, event_type, event_data, edited"
            " FROM analysis_timeline WHERE analysis_id = $1"
            " AND ($2::timestamptz IS NULL OR (event_time, point_id) > ($2, $3))"
            " ORDER BY event_time, point_id LIMIT $4",
            analysis_id, after[0] if after else None, after[1] if after else "", limit)
        return [TimelinePoint(**dict(r)) for r in rows]

    @staticmethod
    async def point(conn: asyncpg.Connection, analysis_id: str, point_id: str
                    ) -> TimelinePoint | None:
        row = await conn.fetchrow(
            "SELECT point_id, source_event_id, event_time, event_type, event_data, edited"
            " FROM analysis_timeline WHERE analysis_id = $1 AND point_id = $2 FOR UPDATE",
            analysis_id, point_id)
        return TimelinePoint(**dict(row)) if row else None

    @staticmethod
    async def update_point(conn: asyncpg.Connection, analysis_id: str,
                           point: TimelinePoint) -> None:
        await conn.execute(
            "UPDATE analysis_timeline SET event_time = $3, event_type = $4, event_data = $5,"
            " edited = true WHERE analysis_id = $1 AND point_id = $2",
            analysis_id, point.point_id, point.event_time, point.event_type, point.event_data)

    @staticmethod
    async def delete_point(conn: asyncpg.Connection, analysis_id: str, point_id: str) -> bool:
        return await conn.fetchval(
            "DELETE FROM analysis_timeline WHERE analysis_id = $1 AND point_id = $2"
            " RETURNING true", analysis_id, point_id) is not None
