"""Related items: resources, links, metrics and other incidents attached to an incident.

An item is identified by its type and value: adding one that is there already is a
conflict, and removal matches on type and value. Tocsin assigns each item its
``generatedId`` (``related-item/<TYPE>/<32 hex>``), which timeline events may reference.
Every change writes an automatic timeline event.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import msgspec

from tocsin.incidents import timeline
from tocsin.incidents.usecases import JSON, UseCases, make_token, read_token
from tocsin.shared.bus import RpcRequest
from tocsin.shared.contracts import incidents as c
from tocsin.shared.errors import ConflictError, NotFoundError, ValidationError
from tocsin.shared.logging import bind
from tocsin.shared.paging import page_size

__all__ = ["RelatedItemStore", "RelatedItemsHandlers", "item_key", "new_item"]


def item_key(identifier: JSON) -> tuple[str, str]:
    """The (type, value) an item is known by; the value as canonical JSON."""
    try:
        kind, value = identifier["type"], identifier["value"]
    except (KeyError, TypeError):
        raise ValidationError("a related item's identifier needs a type and a value") from None
    return str(kind), msgspec.json.encode(value, order="sorted").decode()


def new_item(item: JSON) -> JSON:
    """The item as stored and listed, with a fresh ``generatedId``."""
    if "generatedId" in item:
        raise ValidationError("generatedId is assigned by Tocsin and must not be sent")
    kind, _ = item_key(item.get("identifier"))  # type: ignore[arg-type]
    return {**item, "generatedId": f"related-item/{kind}/{uuid.uuid4().hex.upper()}"}


class RelatedItemStore:
    """SQL for ``related_item``."""

    @staticmethod
    async def add(conn: asyncpg.Connection, incident_arn: str, items: list[JSON]) -> list[JSON]:
        """Add items not there yet (by type and value); returns those added."""
        if not items:
            return []
        keys = [item_key(i["identifier"]) for i in items]
        rows = await conn.fetch(
            "INSERT INTO related_item (incident_arn, generated_id, item_type, value_key, item)"
            " SELECT $1, g, t, v, i::jsonb FROM unnest($2::text[], $3::text[], $4::text[],"
            " $5::text[]) AS e(g, t, v, i)"
            " ON CONFLICT (incident_arn, item_type, value_key) DO NOTHING RETURNING item",
            incident_arn, [i["generatedId"] for i in items], [k for k, _ in keys],
            [v for _, v in keys], [msgspec.json.encode(i).decode() for i in items])
        return [r["item"] for r in rows]

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
    async def known(conn: asyncpg.Connection, incident_arn: str,
                    generated_ids: list[str]) -> set[str]:
        """Which of ``generated_ids`` are items of the incident."""
        rows = await conn.fetch(
            "SELECT generated_id FROM related_item WHERE incident_arn = $1"
            " AND generated_id = ANY($2::text[])", incident_arn, generated_ids)
        return {r["generated_id"] for r in rows}


def change_event(incident_arn: str, *, title: str, by: str, added: JSON | None = None,
                 removed: JSON | None = None, at: float) -> timeline.TimelineEvent:
    """The automatic timeline event of a related-item change."""
    change = {"itemToAdd": added} if added is not None else {"itemToRemove": removed}
    return timeline.automatic(incident_arn, timeline.RECORD_UPDATE, {
        "modifiedBy": by, "incidentTitle": title,
        "modifiedAttributes": [{"attributeName": "relatedItems",
                                "newValue": msgspec.json.encode(change).decode()}]}, at=at)


class RelatedItemsHandlers(UseCases):
    """UpdateRelatedItems and ListRelatedItems."""

    _items = RelatedItemStore()

    async def update_related_items(self, req: RpcRequest) -> JSON:
        cmd: c.UpdateRelatedItems = req.decode(c.UpdateRelatedItems)
        update = cmd.related_items_update
        if (update.item_to_add is None) == (update.item_to_remove is None):
            raise ValidationError("relatedItemsUpdate takes exactly one of itemToAdd and "
                                  "itemToRemove")
        bind(incident_arn=cmd.incident_record_arn)

        async def body(conn: asyncpg.Connection) -> JSON:
            record = await self._incident(conn, cmd.incident_record_arn, lock=True)
            now = self._clock.now()
            data: dict[str, Any]
            if update.item_to_add is not None:
                item = new_item(update.item_to_add)
                if not await self._items.add(conn, record.arn, [item]):
                    raise ConflictError(
                        f"{record.arn} already has a related item of type "
                        f"{item['identifier']['type']} with this value",
                        resource_type="INCIDENT_RECORD", resource_id=record.arn)
                event = change_event(record.arn, title=record.title, by=self._by(req),
                                     added=item, at=now.timestamp())
                kind, data = "RelatedItemAdded", {"incidentRecordArn": record.arn, "item": item}
            else:
                assert update.item_to_remove is not None
                removed = await self._items.remove(conn, record.arn, update.item_to_remove)
                if removed is None:
                    raise NotFoundError(f"{record.arn} has no such related item",
                                        resource_type="INCIDENT_RECORD", resource_id=record.arn)
                event = change_event(record.arn, title=record.title, by=self._by(req),
                                     removed=update.item_to_remove, at=now.timestamp())
                kind, data = "RelatedItemRemoved", {"incidentRecordArn": record.arn,
                                                    "item": removed}
            await timeline.TimelineStore.add(conn, [event], is_automatic=True)
            await self._events.emit(conn, kind, {
                **data, "timelineEvents": [msgspec.to_builtins(event)]},
                now=now, incident_arn=record.arn)
            return {}

        return await self._once(req, cmd.client_token, body)

    async def list_related_items(self, req: RpcRequest) -> JSON:
        cmd: c.ListRelatedItems = req.decode(c.ListRelatedItems)
        limit = page_size(cmd.max_results)
        after = read_token(cmd.next_token, int) if cmd.next_token else None
        async with self._pool.acquire() as conn:
            rows = await self._items.page(conn, cmd.incident_record_arn, after=after,
                                          limit=limit + 1)
            if not rows and after is None:
                await self._replication_set(conn)
        out: JSON = {"relatedItems": [item for _, item in rows[:limit]]}
        if len(rows) > limit:
            out["nextToken"] = make_token(rows[limit - 1][0])
        return out
