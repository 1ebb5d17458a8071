"""Another region's tags of a resource, applied key by key (:mod:`.members`): each key's
latest change wins, whether it was made when the resource was created or later, whatever
order the regions' streams bring the changes in.

A service whose resources carry tags keeps them in its schema's ``tag`` table (resource
ARN, key, value; :class:`tocsin.shared.db.tags.TagStore`), with the stamp of each key's
last write (``hlc``, ``origin``), and the tombstones of removed keys in ``tag_removed``;
its migration adds both, and the triggers that stamp a write, write a tombstone when a
key is deleted and lift it when the key is added again (the incidents service's
``0023_member_tombstones``, the contacts service's ``0015_tag_tombstones``). The tombstones
are pruned after the inbox's retention (:func:`tombstones_kept`): by then no addition
they stand against can still arrive.
"""

from __future__ import annotations

from datetime import timedelta

from tocsin.shared.db.retention import Kept
from tocsin.shared.replication.members import takes_effect
from tocsin.shared.replication.stamps import Applying, Stamp, stored

__all__ = ["put_tags", "remove_tags", "tombstones_kept"]


def tombstones_kept(retention: timedelta) -> Kept:
    """The tombstones of removed tags, for :func:`tocsin.shared.db.retention.retain`:
    kept ``retention`` (the inbox's), as long as an addition they stand against can still
    arrive."""
    return {"tag_removed": ("removed_at", retention)}


async def _states(to: Applying, arn: str, keys: list[str]
                  ) -> dict[str, tuple[Stamp | None, Stamp | None]]:
    """Each key's (last write, last removal) on ``arn``. Two regions' changes of the
    resource's tags applied at once are compared one after the other (a lock on its ARN,
    a key absent from both tables having no row to lock)."""
    await to.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", arn)
    held = {r["key"]: stored(r, to.home) for r in await to.conn.fetch(
        "SELECT key, hlc, origin FROM tag WHERE resource_arn = $1 AND key = ANY($2::text[])",
        arn, keys)}
    removed = {r["key"]: stored(r, to.home) for r in await to.conn.fetch(
        "SELECT key, hlc, origin FROM tag_removed WHERE resource_arn = $1"
        " AND key = ANY($2::text[])", arn, keys)}
    return {k: (held.get(k), removed.get(k)) for k in keys}


async def put_tags(to: Applying, arn: str, tags: dict[str, str]) -> None:
    """Another region's tags of ``arn`` (added, changed, or given at its creation), each
    unless this region holds a later write or removal of that key."""
    if not tags:
        return
    states = await _states(to, arn, sorted(tags))
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
    states = await _states(to, arn, sorted(set(keys)))
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
