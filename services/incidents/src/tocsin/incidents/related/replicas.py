"""Another region's related items of an incident, applied item by item
(:mod:`tocsin.shared.replication.members`): each item's (by type and value) latest
addition or removal wins, whatever order the regions' streams bring them in.

The store keeps the stamp of each item's last write and, for a removed item, a tombstone
with the removal's stamp (migration ``0023_member_tombstones``: the triggers write
tombstones when an item is deleted and lift them when it is added again); an incident's
deletion takes its items' tombstones with it.
"""

from __future__ import annotations

from typing import Any

from tocsin.incidents.related.domain import item_key
from tocsin.shared.replication.members import takes_effect
from tocsin.shared.replication.stamps import Applying, Stamp, stored

__all__ = ["add_items", "remove_item"]

JSON = dict[str, Any]


async def _item_state(to: Applying, incident_arn: str, kind: str, value: str
                      ) -> tuple[Stamp | None, Stamp | None]:
    held = await to.conn.fetchrow(
        "SELECT hlc, origin FROM related_item WHERE incident_arn = $1 AND item_type = $2"
        " AND value_key = $3", incident_arn, kind, value)
    removed = await to.conn.fetchrow(
        "SELECT hlc, origin FROM related_item_removed WHERE incident_arn = $1"
        " AND item_type = $2 AND value_key = $3", incident_arn, kind, value)
    return (stored(held, to.home) if held else None,
            stored(removed, to.home) if removed else None)


async def _lock_incident(to: Applying, incident_arn: str) -> bool:
    """Lock the incident (as its local changes do), so that two regions' changes of its
    members applied at once are compared one after the other; False if it is not here."""
    return bool(await to.conn.fetchval(
        "SELECT true FROM incident_record WHERE arn = $1 FOR UPDATE", incident_arn))


async def add_items(to: Applying, incident_arn: str, items: list[JSON]) -> None:
    """Add another region's related items to an incident held here, each unless this
    region holds a later write or removal of it (by type and value). An item another
    region added concurrently under another ``generatedId`` is replaced by the later."""
    if not items or not await _lock_incident(to, incident_arn):
        return
    for item in items:
        kind, value = item_key(item["identifier"])
        held, removed = await _item_state(to, incident_arn, kind, value)
        if not takes_effect(to.stamp, held=held, removed=removed):
            continue
        if held is None:
            await to.conn.execute(
                "INSERT INTO related_item (incident_arn, generated_id, item_type, value_key,"
                " item) VALUES ($1, $2, $3, $4, $5)",
                incident_arn, item["generatedId"], kind, value, item)
        else:
            await to.conn.execute(
                "UPDATE related_item SET generated_id = $4, item = $5"
                " WHERE incident_arn = $1 AND item_type = $2 AND value_key = $3",
                incident_arn, kind, value, item["generatedId"], item)


async def remove_item(to: Applying, incident_arn: str, item: JSON) -> None:
    """Remove another region's removed related item (by type and value) from an incident
    held here, unless this region holds a later write of it; its tombstone stays, so that
    an older addition arriving later is ignored."""
    if not await _lock_incident(to, incident_arn):
        return
    kind, value = item_key(item["identifier"])
    held, removed = await _item_state(to, incident_arn, kind, value)
    if not takes_effect(to.stamp, held=held, removed=removed):
        return
    await to.conn.execute(
        "DELETE FROM related_item WHERE incident_arn = $1 AND item_type = $2"
        " AND value_key = $3", incident_arn, kind, value)
    # The deletion's trigger wrote the tombstone if the item was here; if not, here.
    await to.conn.execute(
        "INSERT INTO related_item_removed (incident_arn, item_type, value_key, hlc, origin)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (incident_arn, item_type, value_key)"
        " DO UPDATE SET hlc = excluded.hlc, origin = excluded.origin, removed_at = now()",
        incident_arn, kind, value, to.stamp.hlc, to.stamp.region)
