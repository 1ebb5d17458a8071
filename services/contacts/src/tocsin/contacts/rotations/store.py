"""The SQL of rotations, their members and overrides; and who is on call in a rotation.

Every function works on the caller's connection (or transaction); none opens its own.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import msgspec

from tocsin.contacts.rotations import shifts
from tocsin.contacts.rotations.domain import OverrideRecord, RotationRecord
from tocsin.contacts.rotations.shifts import RecurrenceSettings
from tocsin.shared import codec

__all__ = ["RotationStore", "who_is_on_call"]

JSON = dict[str, Any]

_MEMBERS = ("coalesce((SELECT array_agg(m.contact_arn ORDER BY m.position)"
            " FROM rotation_contact m WHERE m.rotation_arn = r.arn), '{}') AS contact_ids")
_ROTATION = (f"SELECT r.arn, r.name, r.start_time, r.time_zone_id, r.recurrence, r.version,"
             f" {_MEMBERS}")
_OVERRIDE = "id, rotation_arn, new_contact_ids, start_time, end_time, create_time"


def _json(value: Any) -> Any:
    """A jsonb value: decoded by the service pool's codec, or text on a plain connection."""
    return codec.decode(value, Any) if isinstance(value, str) else value


def _rotation(row: asyncpg.Record) -> RotationRecord:
    return RotationRecord(arn=row["arn"], name=row["name"], contact_ids=list(row["contact_ids"]),
                          start_time=row["start_time"], time_zone_id=row["time_zone_id"],
                          recurrence=msgspec.convert(_json(row["recurrence"]),
                                                     RecurrenceSettings),
                          version=row["version"])


def _override(row: asyncpg.Record) -> OverrideRecord:
    return OverrideRecord(id=str(row["id"]), rotation_arn=row["rotation_arn"],
                          new_contact_ids=list(row["new_contact_ids"]),
                          start_time=row["start_time"], end_time=row["end_time"],
                          create_time=row["create_time"])


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class RotationStore:
    """The SQL of ``rotation``, ``rotation_contact`` and ``rotation_override``."""

    @staticmethod
    async def insert(conn: asyncpg.Connection, rotation: RotationRecord, *,
                     now: datetime) -> None:
        await conn.execute(
            "INSERT INTO rotation (arn, name, start_time, time_zone_id, recurrence, created_at,"
            " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)", rotation.arn, rotation.name,
            rotation.start_time, rotation.time_zone_id, rotation.recurrence, now)
        await RotationStore._members(conn, rotation)

    @staticmethod
    async def _members(conn: asyncpg.Connection, rotation: RotationRecord) -> None:
        await conn.execute(
            "INSERT INTO rotation_contact (rotation_arn, contact_arn, position)"
            " SELECT $1, c, p - 1 FROM unnest($2::text[]) WITH ORDINALITY AS m(c, p)",
            rotation.arn, rotation.contact_ids)

    @staticmethod
    async def get(conn: asyncpg.Connection, arn: str, *,
                  lock: bool = False) -> RotationRecord | None:
        row = await conn.fetchrow(f"{_ROTATION} FROM rotation r WHERE r.arn = $1"
                                  + (" FOR UPDATE OF r" if lock else ""), arn)
        return _rotation(row) if row else None

    @staticmethod
    async def save(conn: asyncpg.Connection, rotation: RotationRecord, *, now: datetime,
                   members_changed: bool) -> RotationRecord:
        """Write a changed rotation (its member list rewritten when it changed); the
        rotation as saved, with its next version."""
        version: int = await conn.fetchval(
            "UPDATE rotation SET start_time = $2, time_zone_id = $3, recurrence = $4,"
            " updated_at = $5, version = version + 1 WHERE arn = $1 RETURNING version",
            rotation.arn, rotation.start_time, rotation.time_zone_id, rotation.recurrence, now)
        if members_changed:
            await conn.execute("DELETE FROM rotation_contact WHERE rotation_arn = $1",
                               rotation.arn)
            await RotationStore._members(conn, rotation)
        return msgspec.structs.replace(rotation, version=version)

    @staticmethod
    async def delete(conn: asyncpg.Connection, arn: str) -> None:
        """Delete the rotation with its members, overrides and tags."""
        await conn.execute("DELETE FROM tag WHERE resource_arn = $1", arn)
        await conn.execute("DELETE FROM rotation WHERE arn = $1", arn)

    @staticmethod
    async def page(conn: asyncpg.Connection, *, prefix: str | None,
                   after: tuple[str, str] | None, limit: int) -> list[RotationRecord]:
        """Rotations in name order (bytewise, then ARN), after the position ``after``."""
        pattern = None if prefix is None else _like_escape(prefix) + "%"
        rows = await conn.fetch(
            f"{_ROTATION} FROM rotation r"
            " WHERE ($1::text IS NULL OR r.name COLLATE \"C\" LIKE $1)"
            " AND ($2::text IS NULL OR (r.name COLLATE \"C\", r.arn) > ($2, $3::text))"
            " ORDER BY r.name COLLATE \"C\", r.arn LIMIT $4",
            pattern, after[0] if after else None, after[1] if after else None, limit)
        return [_rotation(r) for r in rows]

    # --- overrides ----------------------------------------------------------------------

    @staticmethod
    async def add_override(conn: asyncpg.Connection, override: OverrideRecord) -> None:
        await conn.execute(
            f"INSERT INTO rotation_override ({_OVERRIDE}) VALUES ($1, $2, $3, $4, $5, $6)",
            override.id, override.rotation_arn, override.new_contact_ids, override.start_time,
            override.end_time, override.create_time)

    @staticmethod
    async def get_override(conn: asyncpg.Connection, rotation_arn: str, override_id: str, *,
                           lock: bool = False) -> OverrideRecord | None:
        try:
            key = uuid.UUID(override_id)
        except ValueError:
            return None
        row = await conn.fetchrow(
            f"SELECT {_OVERRIDE} FROM rotation_override WHERE rotation_arn = $1 AND id = $2"
            + (" FOR UPDATE" if lock else ""), rotation_arn, key)
        return _override(row) if row else None

    @staticmethod
    async def delete_override(conn: asyncpg.Connection, override: OverrideRecord) -> None:
        await conn.execute("DELETE FROM rotation_override WHERE id = $1",
                           uuid.UUID(override.id))

    @staticmethod
    async def overrides_page(conn: asyncpg.Connection, rotation_arn: str, *, start: datetime,
                             end: datetime, after: tuple[datetime, str] | None,
                             limit: int) -> list[OverrideRecord]:
        """Overrides overlapping ``[start, end)``, by start time then id."""
        rows = await conn.fetch(
            f"SELECT {_OVERRIDE} FROM rotation_override"
            " WHERE rotation_arn = $1 AND start_time < $3 AND end_time > $2"
            " AND ($4::timestamptz IS NULL OR (start_time, id) > ($4, $5::uuid))"
            " ORDER BY start_time, id LIMIT $6", rotation_arn, start, end,
            after[0] if after else None, uuid.UUID(after[1]) if after else None, limit)
        return [_override(r) for r in rows]

    @staticmethod
    async def for_shifts(conn: asyncpg.Connection, arn: str, start: datetime,
                         end: datetime) -> tuple[RotationRecord, list[shifts.Override]] | None:
        """The rotation and its overrides overlapping ``[start, end)`` in precedence order
        (creation), read in one statement so both come from one snapshot."""
        row = await conn.fetchrow(
            f"{_ROTATION}, (SELECT coalesce(jsonb_agg(jsonb_build_array("
            "   o.new_contact_ids, extract(epoch FROM o.start_time),"
            "   extract(epoch FROM o.end_time)) ORDER BY o.create_time, o.id), '[]'::jsonb)"
            "  FROM rotation_override o WHERE o.rotation_arn = r.arn"
            "  AND o.start_time < $3 AND o.end_time > $2) AS overrides"
            " FROM rotation r WHERE r.arn = $1", arn, start, end)
        if row is None:
            return None
        overrides = [shifts.Override(contacts=who, start=datetime.fromtimestamp(float(s), UTC),
                                     end=datetime.fromtimestamp(float(e), UTC))
                     for who, s, e in _json(row["overrides"])]
        return _rotation(row), overrides


async def who_is_on_call(conn: asyncpg.Connection, rotation_arn: str,
                         at: datetime) -> list[str]:
    """The contact ARNs on call in the rotation at the instant ``at``, in list order.

    An unknown rotation has nobody on call (an on-call schedule may still name a rotation
    deleted a moment ago).
    """
    found = await RotationStore.for_shifts(conn, rotation_arn, at,
                                           at + timedelta(microseconds=1))
    if found is None:
        return []
    rotation, overrides = found
    return shifts.on_call(rotation.engine(), overrides, at)

