"""Related items: resources, links, metrics and other incidents attached to an incident.

An item is identified by its type and value: adding one that is there already is a
conflict, and removal matches on type and value. Tocsin assigns each item its
``generatedId`` (``related-item/<TYPE>/<32 hex>``), which timeline events may reference.
Every change writes an automatic timeline event.
"""

from __future__ import annotations

import asyncpg

from tocsin.incidents.related.domain import change_event, new_item
from tocsin.incidents.related.store import RelatedItemStore
from tocsin.incidents.timeline.store import TimelineStore
from tocsin.incidents.usecases import JSON, UseCases, make_token, read_token
from tocsin.shared.bus import RpcRequest
from tocsin.shared.contracts import incidents as c
from tocsin.shared.errors import ConflictError, NotFoundError, ValidationError
from tocsin.shared.events import emit
from tocsin.shared.logging import bind
from tocsin.shared.paging import page_size

__all__ = ["RelatedItemsHandlers"]


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
            kind: type[c.RelatedItemAdded | c.RelatedItemRemoved]
            if update.item_to_add is not None:
                item = new_item(update.item_to_add)
                if not await self._items.add(conn, record.arn, [item]):
                    raise ConflictError(
                        f"{record.arn} already has a related item of type "
                        f"{item['identifier']['type']} with this value",
                        resource_type="INCIDENT_RECORD", resource_id=record.arn)
                event = change_event(record.arn, title=record.title, by=self._by(req),
                                     added=item, at=now.timestamp())
                kind, changed = c.RelatedItemAdded, item
            else:
                assert update.item_to_remove is not None
                removed = await self._items.remove(conn, record.arn, update.item_to_remove)
                if removed is None:
                    raise NotFoundError(f"{record.arn} has no such related item",
                                        resource_type="INCIDENT_RECORD", resource_id=record.arn)
                event = change_event(record.arn, title=record.title, by=self._by(req),
                                     removed=update.item_to_remove, at=now.timestamp())
                kind, changed = c.RelatedItemRemoved, removed
            await TimelineStore.add(conn, [event], is_automatic=True)
            version = await self._items.changed(conn, record.arn)
            await emit(conn, kind(incident_record_arn=record.arn, item=changed,
                                  timeline_events=[event], principal=self._by(req),
                                  resource_version=version),
                       region=self._region, now=now, incident_arn=record.arn)
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
