"""Which region reminds an action item's owner: the item's own region, or the region that
took it over when that region was lost.

The escalation service decides that a region is lost and which region takes it over
(``RegionTakenOver``, :mod:`tocsin.escalation.regions`). A takeover of region L by T at
``taken_at`` moves to T the items L reminded for since before ``taken_at``: an item made
in L before the takeover (known in T then, or arriving later), or one L had taken over
itself earlier. An item L makes after the takeover (L back, or L cut off but alive) stays
L's. Folding the takeovers in epoch order (then time, then the region) over an item's own
region and creation time gives its runner
(:func:`~tocsin.shared.replication.takeovers.runner_of`, the runbooks service's rule too):
the same in every region that knows the same takeovers, whatever order it learnt them in.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from tocsin.shared.replication.takeovers import Takeover, runner_of

__all__ = ["Runners", "Takeover", "runner_of"]


class Runners:
    """The ``region_takeover`` and ``reminder_runner`` tables; every call runs on the
    caller's connection."""

    @staticmethod
    async def record(conn: asyncpg.Connection, takeover: Takeover) -> bool:
        """A takeover (once); False when it was known already. Waits for the items being
        assigned meanwhile (:meth:`assign`), so that none is decided without it."""
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('tocsin-reminder-runners'))")
        done: str = await conn.execute(
            "INSERT INTO region_takeover (region, epoch, by_region, taken_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            takeover.region, takeover.epoch, takeover.by_region, takeover.taken_at)
        return done != "INSERT 0 0"

    @staticmethod
    async def assign(conn: asyncpg.Connection, *, here: str,
                     ops_item_ids: Sequence[str] | None = None) -> list[str]:
        """Decide the runner of the items ``ops_item_ids`` (None: of every item not
        resolved) from the takeovers known here; returns the ids whose reminders now fire
        here and did not before. Items are assigned side by side, a takeover being
        recorded alone (:meth:`record`): an item applied while a takeover is recorded is
        decided after it, with it."""
        lock = "pg_advisory_xact_lock" if ops_item_ids is None else \
            "pg_advisory_xact_lock_shared"
        await conn.execute(f"SELECT {lock}(hashtext('tocsin-reminder-runners'))")
        takeovers = [Takeover(r["region"], r["epoch"], r["by_region"], r["taken_at"])
                     for r in await conn.fetch(
                         "SELECT region, epoch, by_region, taken_at FROM region_takeover")]
        if ops_item_ids is None:
            items = await conn.fetch(
                "SELECT i.id, i.home_region, i.created_time, r.fires_here FROM ops_item i"
                " LEFT JOIN reminder_runner r ON r.ops_item_id = i.id"
                " WHERE i.status <> 'Resolved'")
        else:
            items = await conn.fetch(
                "SELECT i.id, i.home_region, i.created_time, r.fires_here FROM ops_item i"
                " LEFT JOIN reminder_runner r ON r.ops_item_id = i.id"
                " WHERE i.id = ANY($1::text[])", list(ops_item_ids))
        ids: list[str] = []
        regions: list[str | None] = []
        epochs: list[int] = []
        here_now: list[bool] = []
        for item in items:
            region, epoch = runner_of(item["home_region"] or here, item["created_time"],
                                      takeovers)
            ids.append(item["id"])
            regions.append(None if region == here else region)
            epochs.append(epoch)
            here_now.append(region == here)
        await conn.execute(
            "INSERT INTO reminder_runner (ops_item_id, region, epoch, fires_here)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bool[])"
            " ON CONFLICT (ops_item_id) DO UPDATE SET region = excluded.region,"
            " epoch = excluded.epoch, fires_here = excluded.fires_here",
            ids, regions, epochs, here_now)
        return sorted(item["id"] for item, now_here in zip(items, here_now, strict=True)
                      if now_here and not item["fires_here"])

    @staticmethod
    async def of(conn: asyncpg.Connection, ops_item_id: str) -> str | None:
        """The other region that reminds the item's owner; None when this one does (or
        the item is unknown)."""
        region: str | None = await conn.fetchval(
            "SELECT region FROM reminder_runner WHERE ops_item_id = $1", ops_item_id)
        return region
