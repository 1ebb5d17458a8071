"""The directory's SQL: contacts, their tags and policies, and the reservations that keep a
contact from being deleted; every method runs on the caller's connection."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import asyncpg
import msgspec

from tocsin.contacts.directory.domain import CONTACT, ROTATION, Contact
from tocsin.shared.errors import ConflictError, NotFoundError

__all__ = ["ContactStore", "DependantStore", "PolicyStore", "bump_version", "contact_or_404",
           "rotation_exists"]


def _contact(row: asyncpg.Record) -> Contact:
    return Contact(arn=row["arn"], alias=row["alias"], type=row["type"],
                   display_name=row["display_name"], plan=row["plan"], version=row["version"])


_COLUMNS = "arn, alias, type, display_name, plan, version"


class ContactStore:
    """The SQL of contacts, on the caller's connection."""

    @staticmethod
    async def insert(conn: asyncpg.Connection, contact: Contact, *, now: datetime) -> None:
        """Raises ``ConflictError`` when the alias is taken."""
        if not await conn.fetchval(
                "INSERT INTO contact (arn, alias, type, display_name, plan, created_at)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
                contact.arn, contact.alias, contact.type, contact.display_name, contact.plan,
                now):
            raise ConflictError(f"A contact with alias {contact.alias} already exists",
                                resource_type=CONTACT, resource_id=contact.arn)

    @staticmethod
    async def get(conn: asyncpg.Connection, arn: str, *, lock: bool = False) -> Contact | None:
        row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM contact WHERE arn = $1"
                                  + (" FOR UPDATE" if lock else ""), arn)
        return _contact(row) if row else None

    @staticmethod
    async def page(conn: asyncpg.Connection, *, prefix: str | None, contact_type: str | None,
                   after: str | None, limit: int) -> list[Contact]:
        """Contacts in alias order (bytewise), after the alias ``after``."""
        pattern = None if prefix is None else _like_escape(prefix) + "%"
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM contact"
            " WHERE ($1::text IS NULL OR alias COLLATE \"C\" LIKE $1)"
            " AND ($2::text IS NULL OR type = $2)"
            " AND ($3::text IS NULL OR alias COLLATE \"C\" > $3)"
            " ORDER BY alias COLLATE \"C\" LIMIT $4", pattern, contact_type, after, limit)
        return [_contact(r) for r in rows]

    @staticmethod
    async def save(conn: asyncpg.Connection, contact: Contact) -> Contact:
        """Write a changed contact; the contact as saved, with its next version."""
        version: int = await conn.fetchval(
            "UPDATE contact SET display_name = $2, plan = $3, version = version + 1"
            " WHERE arn = $1 RETURNING version", contact.arn, contact.display_name, contact.plan)
        return msgspec.structs.replace(contact, version=version)

    @staticmethod
    async def delete(conn: asyncpg.Connection, arn: str) -> list[str]:
        """Delete the contact with its channels, tags and policy; returns the channels'
        ARNs.

        Raises:
            ConflictError: something that references the contact took it in between the
                caller's checks and the delete.
        """
        channels = [r["arn"] for r in await conn.fetch(
            "SELECT arn FROM contact_channel WHERE contact_arn = $1 ORDER BY position", arn)]
        await conn.execute("DELETE FROM tag WHERE resource_arn = $1", arn)
        try:
            await conn.execute("DELETE FROM contact WHERE arn = $1", arn)
        except asyncpg.ForeignKeyViolationError:
            raise ConflictError(
                f"Contact {arn} is in use; try again to see what depends on it",
                resource_type=CONTACT, resource_id=arn) from None
        return channels

    @staticmethod
    async def types(conn: asyncpg.Connection, arns: Iterable[str]) -> dict[str, str]:
        """ARN → type of those of ``arns`` that are contacts.

        The rows are share-locked for the caller's transaction, so a contact that a new
        plan or rotation names can't be deleted until that write commits, and
        ``DeleteContact`` then sees it (rotation members have no foreign key).
        """
        rows = await conn.fetch(
            "SELECT arn, type FROM contact WHERE arn = ANY($1::text[]) ORDER BY arn FOR SHARE",
            list(arns))
        return {r["arn"]: r["type"] for r in rows}

    @staticmethod
    async def channels_of(conn: asyncpg.Connection, contact_arn: str,
                          arns: Iterable[str]) -> set[str]:
        """Those of ``arns`` that are channels of ``contact_arn``."""
        rows = await conn.fetch(
            "SELECT arn FROM contact_channel WHERE contact_arn = $1 AND arn = ANY($2::text[])",
            contact_arn, list(arns))
        return {r["arn"] for r in rows}

    @staticmethod
    async def rotations(conn: asyncpg.Connection, arns: Iterable[str]) -> set[str]:
        """Those of ``arns`` that are rotations (the rotations' table), share-locked for
        the caller's transaction, so ``DeleteRotation`` sees the schedule that names one."""
        rows = await conn.fetch("SELECT arn FROM rotation WHERE arn = ANY($1::text[])"
                                " ORDER BY arn FOR SHARE", list(arns))
        return {r["arn"] for r in rows}

    @staticmethod
    async def rotations_with(conn: asyncpg.Connection, contact_arn: str,
                             now: datetime) -> list[str]:
        """The rotations ``contact_arn`` is a member of, or that an override not over at
        ``now`` puts it on call in."""
        rows = await conn.fetch(
            "SELECT rotation_arn FROM rotation_contact WHERE contact_arn = $1"
            " UNION SELECT rotation_arn FROM rotation_override"
            " WHERE $1 = ANY(new_contact_ids) AND end_time > $2"
            " ORDER BY rotation_arn", contact_arn, now)
        return [r["rotation_arn"] for r in rows]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def contact_or_404(conn: asyncpg.Connection, arn: str, *,
                         lock: bool = False) -> Contact:
    """The contact ``arn`` (its row locked with ``lock``).

    Raises:
        NotFoundError: there is no such contact.
    """
    contact = await ContactStore.get(conn, arn, lock=lock)
    if contact is None:
        raise NotFoundError(f"Contact {arn} does not exist", resource_type=CONTACT,
                            resource_id=arn)
    return contact



async def bump_version(conn: asyncpg.Connection, arn: str, *, resource_type: str) -> int:
    """Count a change of the contact or rotation ``arn`` (its tags, its policy, its
    overrides) that leaves its own row as it is; its new version."""
    table = {CONTACT: "contact", ROTATION: "rotation"}[resource_type]
    version: int = await conn.fetchval(
        f"UPDATE {table} SET version = version + 1 WHERE arn = $1 RETURNING version", arn)
    return version


async def rotation_exists(conn: asyncpg.Connection, arn: str, *, lock: bool = False) -> None:
    """Raises ``NotFoundError`` unless the rotation ``arn`` exists (its row locked with
    ``lock``)."""
    if not await conn.fetchval(
            "SELECT true FROM rotation WHERE arn = $1" + (" FOR UPDATE" if lock else ""), arn):
        raise NotFoundError(f"Rotation {arn} does not exist", resource_type=ROTATION,
                            resource_id=arn)


class PolicyStore:
    """The SQL of ``contact_policy``."""

    @staticmethod
    async def get(conn: asyncpg.Connection, contact_arn: str) -> str | None:
        policy: str | None = await conn.fetchval(
            "SELECT policy FROM contact_policy WHERE contact_arn = $1", contact_arn)
        return policy

    @staticmethod
    async def put(conn: asyncpg.Connection, contact_arn: str, policy: str) -> None:
        """Raises ``NotFoundError`` when the contact is gone."""
        try:
            await conn.execute(
                "INSERT INTO contact_policy (contact_arn, policy) VALUES ($1, $2)"
                " ON CONFLICT (contact_arn) DO UPDATE SET policy = EXCLUDED.policy",
                contact_arn, policy)
        except asyncpg.ForeignKeyViolationError:
            raise NotFoundError(f"Contact {contact_arn} does not exist",
                                resource_type=CONTACT, resource_id=contact_arn) from None


class DependantStore:
    """The SQL of ``plan_engagement`` (the response plans' reservations of contacts) and of
    the on-call schedules that name a rotation."""

    @staticmethod
    async def reserve(conn: asyncpg.Connection, arns: list[str], response_plan_arn: str, *,
                      lock_wait: str) -> dict[str, str]:
        """Record that the plan engages those of ``arns`` that are contacts (share-locked
        for the caller's transaction, waiting at most ``lock_wait`` for one being changed);
        their ARN → type.

        Raises:
            ConflictError: a contact is being changed or deleted right now.
        """
        await conn.execute(f"SET LOCAL lock_timeout = '{lock_wait}'")
        try:
            rows = await conn.fetch(
                "SELECT arn, type FROM contact WHERE arn = ANY($1::text[])"
                " ORDER BY arn FOR SHARE", arns)
        except asyncpg.LockNotAvailableError:
            raise ConflictError(
                "A contact of engagements is being changed or deleted right now; "
                "try again", resource_type="RESPONSE_PLAN",
                resource_id=response_plan_arn) from None
        kinds = {r["arn"]: r["type"] for r in rows}
        await conn.execute(
            "INSERT INTO plan_engagement (contact_arn, response_plan_arn, reserved_at)"
            " SELECT unnest($1::text[]), $2, clock_timestamp()"
            " ON CONFLICT (contact_arn, response_plan_arn)"
            " DO UPDATE SET reserved_at = excluded.reserved_at",
            list(kinds), response_plan_arn)
        return kinds

    @staticmethod
    async def other_kinds(conn: asyncpg.Connection, arns: list[str]) -> dict[str, str]:
        """``CONTACT_CHANNEL`` or ``ROTATION`` for those of ``arns`` that name one."""
        kinds: dict[str, str] = {}
        for r in await conn.fetch(
                "SELECT arn FROM contact_channel WHERE arn = ANY($1::text[])", arns):
            kinds[r["arn"]] = "CONTACT_CHANNEL"
        for r in await conn.fetch("SELECT arn FROM rotation WHERE arn = ANY($1::text[])", arns):
            kinds[r["arn"]] = "ROTATION"
        return kinds

    @staticmethod
    async def reserved(conn: asyncpg.Connection, contact_arn: str) -> bool:
        """Whether a response plan reserved the contact."""
        return bool(await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM plan_engagement WHERE contact_arn = $1)",
            contact_arn))

    @staticmethod
    async def forget(conn: asyncpg.Connection, contact_arn: str) -> None:
        await conn.execute("DELETE FROM plan_engagement WHERE contact_arn = $1", contact_arn)

    @staticmethod
    async def schedules_naming(conn: asyncpg.Connection, rotation_arn: str) -> list[str]:
        """The on-call schedules whose ``RotationIds`` name the rotation."""
        rows = await conn.fetch(
            "SELECT arn FROM contact WHERE type = 'ONCALL_SCHEDULE'"
            " AND plan -> 'RotationIds' @> jsonb_build_array($1::text) ORDER BY arn",
            rotation_arn)
        return [r["arn"] for r in rows]
