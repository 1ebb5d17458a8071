"""SQL of OpsItems and their related items (``ops_item``, ``ops_item_related_item``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from tocsin.shared.errors import OpsItemRelatedItemAlreadyExists

__all__ = ["OpsItemRow", "OpsItemStore", "RelatedItemRow"]

JSON = dict[str, Any]


class OpsItemRow(msgspec.Struct, kw_only=True):
    """One OpsItem as stored."""

    id: str
    ops_item_type: str
    title: str
    description: str
    source: str
    status: str
    priority: int | None = None
    severity: str | None = None
    category: str | None = None
    operational_data: JSON = {}
    notifications: list[JSON] = []
    related_ops_items: list[JSON] = []
    actual_start_time: datetime | None = None
    actual_end_time: datetime | None = None
    planned_start_time: datetime | None = None
    planned_end_time: datetime | None = None
    owner_contact_arn: str | None = None
    response_plan_arn: str | None = None
    resolved_at: datetime | None = None
    created_by: str
    created_time: datetime
    last_modified_by: str
    last_modified_time: datetime
    version: int = 1
    home_region: str | None = None
    """The region of the replication set that made it (None: this one), which names it in
    its ARN and reminds its owner (unless another region took it over,
    :mod:`tocsin.analysis.runners`)."""


class RelatedItemRow(msgspec.Struct, kw_only=True):
    association_id: str
    ops_item_id: str
    association_type: str
    resource_type: str
    resource_uri: str
    created_by: str
    created_time: datetime


_FIELDS = OpsItemRow.__struct_fields__
_COLUMNS = ", ".join(_FIELDS)


class OpsItemStore:
    """Reads and writes of OpsItems (stateless: every call takes its connection)."""

    @staticmethod
    async def insert(conn: asyncpg.Connection, row: OpsItemRow) -> bool:
        """Store a new OpsItem; False when one with its id exists already."""
        placeholders = ", ".join(f"${i}" for i in range(1, len(_FIELDS) + 1))
        return await conn.fetchval(
            f"INSERT INTO ops_item ({_COLUMNS}) VALUES ({placeholders})"
            " ON CONFLICT (id) DO NOTHING RETURNING true",
            *[getattr(row, f) for f in _FIELDS]) is not None

    @staticmethod
    async def get(conn: asyncpg.Connection, ops_item_id: str, *, lock: bool = False
                  ) -> OpsItemRow | None:
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM ops_item WHERE id = $1{' FOR UPDATE' if lock else ''}",
            ops_item_id)
        return OpsItemRow(**dict(row)) if row else None

    @staticmethod
    async def update(conn: asyncpg.Connection, row: OpsItemRow) -> None:
        names = [f for f in _FIELDS if f not in ("id", "created_by", "created_time")]
        sets = ", ".join(f"{n} = ${i}" for i, n in enumerate(names, start=2))
        await conn.execute(f"UPDATE ops_item SET {sets} WHERE id = $1", row.id,
                           *[getattr(row, n) for n in names])

    @staticmethod
    async def existing(conn: asyncpg.Connection, ids: list[str]) -> set[str]:
        rows = await conn.fetch("SELECT id FROM ops_item WHERE id = ANY($1)", ids)
        return {r["id"] for r in rows}

    @staticmethod
    async def search(conn: asyncpg.Connection, where: list[str], args: list[Any], *,
                     after: tuple[datetime, str] | None, limit: int) -> list[OpsItemRow]:
        """OpsItems matching every SQL condition of ``where`` (``$n`` numbered from 1 over
        ``args``), newest first, keyset-paged by (created_time, id)."""
        n = len(args)
        conditions = [*where, f"(${n + 1}::timestamptz IS NULL OR (created_time, id) <"
                              f" (${n + 1}, ${n + 2}))"]
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM ops_item WHERE {' AND '.join(conditions)}"
            f" ORDER BY created_time DESC, id DESC LIMIT ${n + 3}",
            *args, after[0] if after else None, after[1] if after else "", limit)
        return [OpsItemRow(**dict(r)) for r in rows]

    # --- related items -------------------------------------------------------------

    @staticmethod
    async def associate(conn: asyncpg.Connection, item: RelatedItemRow) -> None:
        """Associate a resource with an OpsItem.

        Raises:
            OpsItemRelatedItemAlreadyExists: the resource is associated already.
        """
        inserted = await conn.fetchval(
            "INSERT INTO ops_item_related_item (association_id, ops_item_id,"
            " association_type, resource_type, resource_uri, created_by, created_time)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (ops_item_id, resource_type, resource_uri) DO NOTHING RETURNING true",
            item.association_id, item.ops_item_id, item.association_type, item.resource_type,
            item.resource_uri, item.created_by, item.created_time)
        if inserted is None:
            raise OpsItemRelatedItemAlreadyExists(
                f"The resource {item.resource_uri} is already associated with the OpsItem "
                f"{item.ops_item_id}", ResourceUri=item.resource_uri,
                OpsItemId=item.ops_item_id)

    @staticmethod
    async def related(conn: asyncpg.Connection, *, ops_item_id: str | None,
                      resource_type: list[str] | None, association_id: list[str] | None,
                      resource_uri: list[str] | None, after: tuple[datetime, str] | None,
                      limit: int) -> list[RelatedItemRow]:
        rows = await conn.fetch(
            "SELECT association_id, ops_item_id, association_type, resource_type,"
            " resource_uri, created_by, created_time FROM ops_item_related_item"
            " WHERE ($1::text IS NULL OR ops_item_id = $1)"
            " AND ($2::text[] IS NULL OR resource_type = ANY($2))"
            " AND ($3::text[] IS NULL OR association_id = ANY($3))"
            " AND ($4::text[] IS NULL OR resource_uri = ANY($4))"
            " AND ($5::timestamptz IS NULL OR (created_time, association_id) > ($5, $6))"
            " ORDER BY created_time, association_id LIMIT $7",
            ops_item_id, resource_type, association_id, resource_uri,
            after[0] if after else None, after[1] if after else "", limit)
        return [RelatedItemRow(**dict(r)) for r in rows]
