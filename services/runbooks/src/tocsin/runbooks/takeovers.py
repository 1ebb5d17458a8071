"""Runbook executions survive a region's loss: the runbooks service follows the escalation
service's takeovers.

When a region has been unreachable for ``TOCSIN_REGION_TAKEOVER_SECONDS`` the escalation
service of the next region of the set records ``RegionTakenOver`` under an epoch
(:mod:`tocsin.escalation.regions`, the one place that decides). This service records every
takeover it learns of in ``region_takeover``: this region's own, read from its own
escalation events (:func:`own_takeovers`), and every other region's, read from the mirrors
here (:func:`takeover_watch`, :mod:`tocsin.shared.replication.takeovers`). Each one decides
again which region runs each execution that has not ended (``execution_runner``, by
:func:`~tocsin.shared.replication.takeovers.runner_of`: an execution started in the lost
region before the takeover, or taken over by it earlier, moves to the region that took it
over; one started after stays its own region's).

The region that takes an execution over goes on from where the lost region's replicated
events left it (:meth:`Engine.resume <tocsin.runbooks.executions.engine.Engine.resume>`,
called by the lease sweep): its standby copies of the execution's timers (a sleep's end, a
timeout, a retry's backoff) fire here from then on, overdue ones at once; a step started
there and not taken up yet starts here; a work attempt that was running there is lost with
it (failed ``Internal`` and retried per the step's ``maxAttempts`` and ``onFailure``, as
when an instance dies); a step waiting for a signal (an approval, a pause, the next manual
step) takes it here.

The lost region, back, stands down: after a start its timers, its engine and its lease
sweep act on nothing before it has caught up with the other regions' takeovers (``ready``),
so it learns that its executions run elsewhere before it could run a step again; from then
on it drops their work (:meth:`Engine.moving`), refuses their signals and stops, and keeps
their state and timers in step with the region that runs them, as standby.

Left open, as in the escalation service: what the lost region did just before its loss
whose events did not leave it (a step's result, a timer fired) is done again by the region
that takes over (at least once, never lost); during a partition (both regions up, the
link cut) both run the lost region's executions until the link heals, and the region cut
off then stands down.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import asyncpg

from tocsin.runbooks.executions.domain import TERMINAL
from tocsin.runbooks.executions.engine import TIMER_TABLE
from tocsin.shared.bus import Bus, Consumer
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.logging import get_logger
from tocsin.shared.replication.takeovers import Takeover, TakeoverWatch, runner_of
from tocsin.shared.replication.takeovers import own_takeovers as shared_own_takeovers

__all__ = ["INBOX", "Runners", "own_takeovers", "record", "takeover_watch"]

log = get_logger(__name__)

INBOX = "runbooks-takeovers"
"""The inbox of the takeovers recorded here (this region's and the others')."""

_LOCK = "SELECT {}(hashtext('tocsin-execution-runners'))"


class Runners:
    """The ``region_takeover`` and ``execution_runner`` tables; every call runs on the
    caller's connection."""

    @staticmethod
    async def record(conn: asyncpg.Connection, takeover: Takeover) -> bool:
        """A takeover (once); False when it was known already. Waits for the executions
        being assigned meanwhile (:meth:`assign`), so that none is decided without it."""
        await conn.execute(_LOCK.format("pg_advisory_xact_lock"))
        done: str = await conn.execute(
            "INSERT INTO region_takeover (region, epoch, by_region, taken_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            takeover.region, takeover.epoch, takeover.by_region, takeover.taken_at)
        return done != "INSERT 0 0"

    @staticmethod
    async def applying(conn: asyncpg.Connection) -> None:
        """Before another region's execution is applied here (its row locked): let a
        takeover being recorded finish first, which would otherwise wait for that row
        while this transaction waits for it in :meth:`assign`."""
        await conn.execute(_LOCK.format("pg_advisory_xact_lock_shared"))

    @staticmethod
    async def assign(conn: asyncpg.Connection, *, here: str,
                     execution_ids: Sequence[str] | None = None) -> list[str]:
        """Decide the runner of the executions ``execution_ids`` (None: of every one that
        has not ended) from the takeovers known here; returns the ids that now run here and
        did not before, marked for :meth:`Engine.resume` (the lease sweep's). Executions are
        assigned side by side, a takeover being recorded alone (:meth:`record`)."""
        await conn.execute(_LOCK.format("pg_advisory_xact_lock" if execution_ids is None
                                        else "pg_advisory_xact_lock_shared"))
        takeovers = [Takeover(r["region"], r["epoch"], r["by_region"], r["taken_at"])
                     for r in await conn.fetch(
                         "SELECT region, epoch, by_region, taken_at FROM region_takeover")]
        # ``was``: the other region that ran it so far (None: this one).
        query = ("SELECT e.id, e.home_region, e.start_time, CASE WHEN r.execution_id IS NULL"
                 " THEN e.home_region ELSE r.region END AS was FROM execution e"
                 " LEFT JOIN execution_runner r ON r.execution_id = e.id")
        if execution_ids is None:
            rows = await conn.fetch(f"{query} WHERE e.status <> ALL($1::text[])",
                                    sorted(TERMINAL))
        else:
            rows = await conn.fetch(f"{query} WHERE e.id = ANY($1::text[])",
                                    list(execution_ids))
        ids: list[str] = []
        regions: list[str | None] = []
        epochs: list[int] = []
        taken_from: list[str | None] = []
        for row in rows:
            region, epoch = runner_of(row["home_region"] or here, row["start_time"],
                                      takeovers)
            ids.append(row["id"])
            regions.append(None if region == here else region)
            epochs.append(epoch)
            taken_from.append(row["was"] if region == here else None)
        await conn.execute(
            "INSERT INTO execution_runner (execution_id, region, epoch, taken_from)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[])"
            " ON CONFLICT (execution_id) DO UPDATE SET region = excluded.region,"
            " epoch = excluded.epoch,"
            " taken_from = coalesce(excluded.taken_from, execution_runner.taken_from)",
            ids, regions, epochs, taken_from)
        return sorted(i for i, lost in zip(ids, taken_from, strict=True) if lost)

    @staticmethod
    async def to_resume(conn: asyncpg.Connection, limit: int) -> list[tuple[str, str]]:
        """Executions this region took over and has yet to go on with, with the region
        each was taken from."""
        rows = await conn.fetch(
            "SELECT execution_id, taken_from FROM execution_runner"
            " WHERE taken_from IS NOT NULL AND region IS NULL LIMIT $1", limit)
        return [(r["execution_id"], r["taken_from"]) for r in rows]

    @staticmethod
    async def resumed(conn: asyncpg.Connection, execution_id: str) -> bool:
        """The execution went on here (once: False when another instance did it)."""
        done: str = await conn.execute(
            "UPDATE execution_runner SET taken_from = NULL"
            " WHERE execution_id = $1 AND taken_from IS NOT NULL", execution_id)
        return done != "UPDATE 0"


async def record(conn: asyncpg.Connection, data: ec.RegionTakenOver, *, here: str) -> None:
    """A takeover of any region, once: the runners of the executions that have not ended
    decided again, and the timers woken when some now fire here."""
    if not await Runners.record(conn, Takeover.of(data)):
        return
    now_here = await Runners.assign(conn, here=here)
    if now_here:
        await conn.execute("SELECT pg_notify($1, current_schema())", TIMER_TABLE.channel)
    event = "executions.stood_down" if data.region == here else "executions.taken_over"
    log.info(event, region=data.region, by=data.by_region, epoch=data.epoch,
             now_here=len(now_here))


def takeover_watch(pool: asyncpg.Pool, bus: Bus, *, region: str, schema: str,
                   takeover_seconds: float, interval: float) -> TakeoverWatch:
    """The watch that records the other regions' takeovers; its ``ready`` holds the
    timers, the engine and the lease sweep back after a start."""
    return TakeoverWatch(pool, bus, region=region, schema=schema,
                         takeover_seconds=takeover_seconds, inbox=INBOX,
                         record=functools.partial(record, here=region), interval=interval)


def own_takeovers(pool: asyncpg.Pool, *, region: str, schema: str) -> Consumer:
    """The consumer of this region's own takeovers (its escalation service's
    ``RegionTakenOver``)."""
    return shared_own_takeovers(pool, region=region, schema=schema, inbox=INBOX,
                                record=functools.partial(record, here=region))
