"""SQL for ``timeline_event``; every function runs on the caller's connection, so a handler
composes it with the outbox event of its change."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from tocsin.incidents.timeline.domain import TimelineEvent, TimelineQuery
from tocsin.shared import codec

__all__ = ["TimelineStore"]


def _ts(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class TimelineStore:
    """SQL for ``timeline_event``."""

    _COLUMNS = ("incident_arn, event_id, event_time, event_updated_time, event_type,"
                " event_data, event_references")

    @staticmethod
    async def add(conn: asyncpg.Connection, events: list[TimelineEvent], *,
                  is_automatic: bool, created_by: str | None = None) -> None:
        """Insert events in one statement; ``created_by`` is the principal who wrote them
        (custom events)."""
        if not events:
            return
        await conn.execute(
            "INSERT INTO timeline_event (incident_arn, event_id, event_time,"
            " event_updated_time, event_type, event_data, event_references, automatic,"
            " created_by)"
            " SELECT a, i, t, u, y, d, r::jsonb, $8, $9 FROM unnest($1::text[], $2::uuid[],"
            " $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[], $7::text[])"
            " AS e(a, i, t, u, y, d, r)",
            [e.incident_record_arn for e in events], [e.event_id for e in events],
            [_ts(e.event_time) for e in events], [_ts(e.event_updated_time) for e in events],
            [e.event_type for e in events], [e.event_data for e in events],
            # As JSON text: a list of lists would be read as a two-dimensional array.
            [codec.encode(e.event_references).decode() for e in events], is_automatic,
            created_by)

    @staticmethod
    async def authors(conn: asyncpg.Connection, incident_arn: str,
                      event_ids: list[str]) -> dict[str, str]:
        """Event id → the principal who wrote it, for those of ``event_ids`` that have one."""
        rows = await conn.fetch(
            "SELECT event_id, created_by FROM timeline_event WHERE incident_arn = $1"
            " AND event_id = ANY($2::uuid[]) AND created_by IS NOT NULL",
            incident_arn, event_ids)
        return {str(r["event_id"]): r["created_by"] for r in rows}

    @staticmethod
    def _event(row: asyncpg.Record) -> TimelineEvent:
        return TimelineEvent(
            incident_record_arn=row["incident_arn"], event_id=str(row["event_id"]),
            event_time=row["event_time"].timestamp(),
            event_updated_time=row["event_updated_time"].timestamp(),
            event_type=row["event_type"], event_data=row["event_data"],
            event_references=row["event_references"])

    @classmethod
    async def get(cls, conn: asyncpg.Connection, incident_arn: str, event_id: str, *,
                  lock: bool = False) -> tuple[TimelineEvent, bool] | None:
        """The event and whether it is automatic."""
        found = await cls.get_with_author(conn, incident_arn, event_id, lock=lock)
        return found[:2] if found else None

    @classmethod
    async def get_with_author(cls, conn: asyncpg.Connection, incident_arn: str,
                              event_id: str, *, lock: bool = False
                              ) -> tuple[TimelineEvent, bool, str | None] | None:
        """The event, whether it is automatic, and who wrote it (if known)."""
        row = await conn.fetchrow(
            f"SELECT {cls._COLUMNS}, automatic, created_by FROM timeline_event"
            " WHERE incident_arn = $1 AND event_id = $2" + (" FOR UPDATE" if lock else ""),
            incident_arn, event_id)
        return (cls._event(row), row["automatic"], row["created_by"]) if row else None

    @staticmethod
    async def save(conn: asyncpg.Connection, event: TimelineEvent) -> int:
        """Returns the event's new version."""
        version: int = await conn.fetchval(
            "UPDATE timeline_event SET event_time = $3, event_updated_time = $4,"
            " event_type = $5, event_data = $6, event_references = $7,"
            " version = version + 1 WHERE incident_arn = $1 AND event_id = $2"
            " RETURNING version",
            event.incident_record_arn, event.event_id, _ts(event.event_time),
            _ts(event.event_updated_time), event.event_type, event.event_data,
            event.event_references)
        return version

    @staticmethod
    async def delete(conn: asyncpg.Connection, incident_arn: str, event_id: str) -> int | None:
        """The version of the deletion (one more than the event's last), or None when there
        was no such event."""
        version: int | None = await conn.fetchval(
            "DELETE FROM timeline_event WHERE incident_arn = $1 AND event_id = $2"
            " RETURNING version + 1", incident_arn, event_id)
        return version

    @classmethod
    async def page(cls, conn: asyncpg.Connection, q: TimelineQuery) -> list[TimelineEvent]:
        """One page in time order (ties broken by id), after ``q.position``."""
        order, cmp = ("DESC", "<") if q.descending else ("ASC", ">")
        pos_time, pos_id = (_ts(q.position[0]), q.position[1]) if q.position else (None, None)
        rows = await conn.fetch(
            f"SELECT {cls._COLUMNS} FROM timeline_event WHERE incident_arn = $1"
            "   AND ($2::timestamptz IS NULL OR event_time < $2)"
            "   AND ($3::timestamptz IS NULL OR event_time > $3)"
            "   AND ($4::text[] IS NULL OR event_type = ANY($4))"
            "   AND ($5::text[] IS NULL OR event_references @> ANY($5::jsonb[]))"
            f"  AND ($6::timestamptz IS NULL OR (event_time, event_id) {cmp} ($6, $7::uuid))"
            f" ORDER BY event_time {order}, event_id {order} LIMIT $8",
            q.incident_arn, _ts(q.before) if q.before is not None else None,
            _ts(q.after) if q.after is not None else None, q.types,
            [codec.encode([{key: r}]).decode() for r in q.references
             for key in ("resource", "relatedItemId")] if q.references else None,
            pos_time, pos_id, q.limit)
        return [cls._event(r) for r in rows]
