"""Sets that converge member by member across the regions of the replication set: an
incident's related items (a member: a type and value) and a resource's tags (a key).

Either region adds and removes members, and their changes reach a third region by two
regions' streams, in no order between them: a removal can arrive before the addition it
removes. So each member's latest change wins, whatever the order: its addition (or new
value) or its removal, compared by their stamps (:class:`~tocsin.shared.replication.Stamp`,
the region breaking ties). The store keeps the stamp of each member's last write and, for
a removed member, a tombstone with the removal's stamp (migration
``0023_member_tombstones``: the triggers write tombstones when a member is deleted and lift
them when it is added again). An addition older than the member's tombstone is ignored; a
later one wins and brings the member back.

:func:`takes_effect` is the rule; :func:`add_items`, :func:`remove_item`, :func:`put_tags`
and :func:`remove_tags` apply another region's changes with it, in the inbox's transaction.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from tocsin.incidents.related.domain import item_key
from tocsin.shared.replication.stamps import Applying, Stamp

__all__ = ["add_items", "put_tags", "remove_item", "remove_tags", "takes_effect"]

JSON = dict[str, Any]


def takes_effect(change: Stamp, *, held: Stamp | None, removed: Stamp | None) -> bool:
    """Whether a change of a member stamped ``change`` (its addition, new value or
    removal) takes effect where the member's last write is ``held`` (None: not held) and
    its last removal ``removed`` (None: no tombstone): only when it is later than both."""
    return all(known is None or known < change for known in (held, removed))


def _stamp(row: asyncpg.Record | None, home: str) -> Stamp | None:
    """The stamp of a member's row or tombstone (a NULL origin: this region's; no stamp:
    written before members carried one, older than any)."""
    if row is None:
        return None
    return Stamp(row["hlc"] or 0, row["origin"] or home)


# --- related items -----------------------------------------------------------------------


async def _item_state(to: Applying, incident_arn: str, kind: str, value: str
                      ) -> tuple[Stamp | None, Stamp | None]:
    held = await to.conn.fetchrow(
        "SELECT hlc, origin FROM related_item WHERE incident_arn = $1 AND item_type = $2"
        " AND value_key = $3", incident_arn, kind, value)
    removed = await to.conn.fetchrow(
        "SELECT hlc, origin FROM related_item_removed WHERE incident_arn = $1"
        " AND item_type = $2 AND value_key = $3", incident_arn, kind, value)
    return _stamp(held, to.home), _stamp(removed, to.home)


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


# --- tags --------------------------------------------------------------------------------


async def _tag_states(to: Applying, arn: str, keys: list[str]
                      ) -> dict[str, tuple[Stamp | None, Stamp | None]]:
    """Each key's (last write, last removal) on ``arn``. Two regions' changes of the
    resource's tags applied at once are compared one after the other (a lock on its ARN,
    a key absent from both tables having no row to lock)."""
    await to.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", arn)
    held = {r["key"]: _stamp(r, to.home) for r in await to.conn.fetch(
        "SELECT key, hlc, origin FROM tag WHERE resource_arn = $1 AND key = ANY($2::text[])",
        arn, keys)}
    removed = {r["key"]: _stamp(r, to.home) for r in await to.conn.fetch(
        "SELECT key, hlc, origin FROM tag_removed WHERE resource_arn = $1"
        " AND key = ANY($2::text[])", arn, keys)}
    return {k: (held.get(k), removed.get(k)) for k in keys}


async def put_tags(to: Applying, arn: str, tags: dict[str, str]) -> None:
    """Another region's tags of ``arn`` (added, changed, or given at its creation), each
    unless this region holds a later write or removal of that key."""
    if not tags:
        return
    states = await _tag_states(to, arn, sorted(tags))
    later = {k: v for k, v in tags.items() if takes_effect(to.stamp, held=states[k][0],
                                                           removed=states[k][1])}
    if later:
        await to.conn.execute(
            "INSERT INTO tag (resource_arn, key, value)"
            " SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)"
            " ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value",
            arn, list(later), list(later.values()))


async def remove_tags(to: Applying, arn: str, keys: list[str]) -> None:
    """Another region's removal of tags of ``arn``, each key unless this region holds a
    later write of it; a tombstone stays for each."""
    if not keys:
        return
    states = await _tag_states(to, arn, sorted(set(keys)))
    later = [k for k, (held, removed) in states.items()
             if takes_effect(to.stamp, held=held, removed=removed)]
    if not later:
        return
    await to.conn.execute("DELETE FROM tag WHERE resource_arn = $1 AND key = ANY($2::text[])",
                          arn, later)
    # The deletion's trigger wrote the tombstones of the keys held here; the others' here.
    await to.conn.execute(
        "INSERT INTO tag_removed (resource_arn, key, hlc, origin)"
        " SELECT $1, k, $3, $4 FROM unnest($2::text[]) AS k"
        " ON CONFLICT (resource_arn, key) DO UPDATE"
        " SET hlc = excluded.hlc, origin = excluded.origin, removed_at = now()",
        arn, later, to.stamp.hlc, to.stamp.region)
