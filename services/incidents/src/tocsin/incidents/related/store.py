"""SQL for ``related_item``; every function runs on the caller's connection."""

from __future__ import annotations

import asyncpg
import msgspec

from tocsin.incidents.related.domain import JSON, item_key

__all__ = ["RelatedItemStore"]


class RelatedItemStore:
    """SQL for ``related_item``."""

    @staticmethod
    async def add(conn: asyncpg.Connection, incident_arn: str, items: list[JSON]) -> list[JSON]:
        """Add items not there yet (by type and value); returns those added."""
        added = await RelatedItemStore.add_to_each(conn, [(incident_arn, i) for i in items])
        return added.get(incident_arn, [])

    @staticmethod
    async def add_to_each(conn: asyncpg.Connection,
                          items: list[tuple[str, JSON]]) -> dict[str, list[JSON]]:
        """Add ``(incident ARN, item)`` pairs not there yet, for several incidents in one
        statement; returns those added, by incident."""
        if not items:
            return {}
        keys = [item_key(i["identifier"]) for _, i in items]
        rows = await conn.fetch(
            "INSERT INTO related_item (incident_arn, generated_id, item_type, value_key, item)"
            " SELECT a, g, t, v, i::jsonb FROM unnest($1::text[], $2::text[], $3::text[],"
            " $4::text[], $5::text[]) AS e(a, g, t, v, i)"
            " ON CONFLICT (incident_arn, item_type, value_key) DO NOTHING"
            " RETURNING incident_arn, item",
            [arn for arn, _ in items], [i["generatedId"] for _, i in items],
            [k for k, _ in keys], [v for _, v in keys],
            [msgspec.json.encode(i).decode() for _, i in items])
        added: dict[str, list[JSON]] = {}
        for r in rows:
            added.setdefault(r["incident_arn"], []).append(r["item"])
        return added

    @staticmethod
    async def remove(conn: asyncpg.Connection, incident_arn: str,
                     identifier: JSON) -> JSON | None:
        kind, value = item_key(identifier)
        item: JSON | None = await conn.fetchval(
            "DELETE FROM related_item WHERE incident_arn = $1 AND item_type = $2"
            " AND value_key = $3 RETURNING item", incident_arn, kind, value)
        return item

    @staticmethod
    async def page(conn: asyncpg.Connection, incident_arn: str, *, after: int | None,
                   limit: int) -> list[tuple[int, JSON]]:
        rows = await conn.fetch(
            "SELECT added, item FROM related_item WHERE incident_arn = $1"
            " AND ($2::bigint IS NULL OR added > $2) ORDER BY added LIMIT $3",
            incident_arn, after, limit)
        return [(r["added"], r["item"]) for r in rows]

    @staticmethod
    async def changed(conn: asyncpg.Connection, incident_arn: str) -> int:
        """Count one more change of the incident's related items; returns the set's new
        version."""
        version: int = await conn.fetchval(
            "UPDATE incident_record SET related_items_version = related_items_version + 1"
            " WHERE arn = $1 RETURNING related_items_version", incident_arn)
        return version

    @staticmethod
    async def known(conn: asyncpg.Connection, incident_arn: str,
                    generated_ids: list[str]) -> set[str]:
        """Which of ``generated_ids`` are items of the incident."""
        rows = await conn.fetch(
            "SELECT generated_id FROM related_item WHERE incident_arn = $1"
            " AND generated_id = ANY($2::text[])", incident_arn, generated_ids)
        return {r["generated_id"] for r in rows}
