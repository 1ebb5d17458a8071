"""The escalation schema: its ``timer`` and ``engagement`` tables.

A timer is a row of ``timer`` (its migrations 0001-0003 follow
:data:`tocsin.shared.timers.TABLE_TEMPLATE`), scheduled, claimed, fired and pruned by
:mod:`tocsin.shared.timers`. An ``engagement`` row is what the service knows of an
engagement: enough to tell whether a stage is still live (channel retries) and whom to
engage again (acknowledgement timeouts). Every call runs on the caller's connection, in its
transaction. No statement here can violate a constraint (inserts are ``ON CONFLICT DO
NOTHING``), so no database error has a domain meaning: any that reaches a handler is an
outage, which the consumer loop rides out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from tocsin.escalation.domain import NewTimer, Timer
from tocsin.shared.timers import Timers, TimerTable

__all__ = ["TIMERS", "EngagementStore", "TakeoverStore", "TimerStore", "timer_of"]

TIMERS = Timers(TimerTable(
    name="timer", channel="tocsin_escalation_timer",
    columns=(("kind", "text"), ("engagement_arn", "text"), ("stage_index", "int"),
             ("round", "int"), ("page_arn", "text"), ("channel_arn", "text"),
             ("contact_arn", "text"), ("incident_arn", "text")),
    eligible="NOT EXISTS (SELECT 1 FROM engagement e"
             " WHERE e.arn = timer.engagement_arn AND NOT e.fires_here)"))
"""The ``timer`` table; its NOTIFY channel is the one the service always used. A timer
fires here unless its engagement is run by another region (a standby copy of another
region's timer, or one of this region's engagements another region took over)."""


_FIELDS = ("id", "kind", "engagement_arn", "stage_index", "round", "page_arn", "channel_arn",
           "contact_arn", "incident_arn", "due_at", "state", "finished_at")
_COLUMNS = ", ".join(_FIELDS)


def timer_of(row: Mapping[str, Any]) -> Timer:
    """A ``timer`` row as the domain's :class:`Timer`."""
    return Timer(**{name: row[name] for name in _FIELDS})


class TimerStore:
    """The escalation service's ``timer`` table (:mod:`tocsin.shared.timers` does the
    scheduling, claiming and pruning); every call runs on the caller's connection."""

    @staticmethod
    async def schedule(conn: asyncpg.Connection, timers: Sequence[NewTimer], *,
                       now: datetime) -> list[NewTimer]:
        """Insert pending timers in one statement; returns those that did not exist yet.
        Wakes the workers when the transaction commits."""
        inserted = await TIMERS.schedule(conn, [
            (t.id, t.due_at, (t.kind, t.engagement_arn, t.stage_index, t.round, t.page_arn,
                              t.channel_arn, t.contact_arn, t.incident_arn)) for t in timers],
            now=now)
        return [t for t in timers if t.id in inserted]

    @staticmethod
    async def cancel(conn: asyncpg.Connection, *, now: datetime,
                     engagement_arn: str | None = None, page_arn: str | None = None,
                     incident_arn: str | None = None,
                     kinds: Sequence[str] = (),
                     created_before: datetime | None = None) -> list[Timer]:
        """Cancel the pending timers of an engagement, a page or an incident (of ``kinds``
        only, when given; scheduled no later than ``created_before``, when given); returns
        those cancelled, earliest first. A timer is cancelled or fired, never both."""
        rows = await TIMERS.cancel(
            conn, now=now,
            where="($2::text IS NULL OR engagement_arn = $2)"
                  " AND ($3::text IS NULL OR page_arn = $3)"
                  " AND ($4::text IS NULL OR incident_arn = $4)"
                  " AND (cardinality($5::text[]) = 0 OR kind = ANY($5))"
                  " AND ($6::timestamptz IS NULL OR created_at <= $6)",
            args=(engagement_arn, page_arn, incident_arn, list(kinds), created_before))
        return [timer_of(r) for r in rows]

    @staticmethod
    async def settle(conn: asyncpg.Connection, timer_id: str, state: str, *,
                     now: datetime) -> bool:
        """Mark a pending timer ``fired`` or ``cancelled`` because the region running its
        engagement did so (its event reached this region); False when it was not pending."""
        done: str = await conn.execute(
            "UPDATE timer SET state = $2, finished_at = $3 WHERE id = $1 AND state = 'pending'",
            timer_id, state, now)
        return done != "UPDATE 0"

    @staticmethod
    async def next_stage_start(conn: asyncpg.Connection, engagement_arn: str) -> datetime | None:
        """When the engagement's next stage starts: the end of the stage live now."""
        due: datetime | None = await conn.fetchval(
            "SELECT min(due_at) FROM timer WHERE engagement_arn = $1 AND state = 'pending'"
            " AND kind = 'START_ENGAGEMENT_STAGE'", engagement_arn)
        return due

    @staticmethod
    async def of_engagement(conn: asyncpg.Connection, engagement_arn: str) -> list[Timer]:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM timer WHERE engagement_arn = $1"
            " ORDER BY due_at, id", engagement_arn)
        return [timer_of(r) for r in rows]



class EngagementStore:
    """The ``engagement`` table."""

    @staticmethod
    async def add(conn: asyncpg.Connection, *, arn: str, contact_arn: str, contact_type: str,
                  incident_arn: str | None, start_at: datetime, ends_at: datetime,
                  home_region: str | None = None) -> None:
        """Record a started engagement (once: a redelivery changes nothing); one started
        in another region (``home_region``) is a standby copy: its timers wait here."""
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('engagement:' || $1))", arn)
        await conn.execute(
            "INSERT INTO engagement (arn, contact_arn, contact_type, incident_arn, start_at,"
            " ends_at, home_region, fires_here) VALUES ($1, $2, $3, $4, $5, $6, $7::text,"
            " $7::text IS NULL)"
            " ON CONFLICT (arn) DO NOTHING",
            arn, contact_arn, contact_type, incident_arn, start_at, ends_at, home_region)

    @staticmethod
    async def known(conn: asyncpg.Connection, arn: str) -> bool:
        """Whether the engagement is recorded here, its start and the check of it one after
        the other (a transaction-long lock of the ARN): a change read on one consumer while
        another records the start either sees it or is parked before the start looks for
        what waits for it."""
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('engagement:' || $1))", arn)
        return bool(await conn.fetchval("SELECT true FROM engagement WHERE arn = $1", arn))

    @staticmethod
    async def fires_here(conn: asyncpg.Connection, arn: str) -> bool:
        """Whether this region runs the engagement's timers (True for one it never heard
        of, as before regions: its events are this region's own)."""
        found: bool | None = await conn.fetchval(
            "SELECT fires_here FROM engagement WHERE arn = $1", arn)
        return found is None or found

    @staticmethod
    async def run_elsewhere(conn: asyncpg.Connection, arns: Iterable[str]) -> set[str]:
        """Of ``arns``, the engagements another region runs (whose timers this region
        keeps as standby copies, and publishes nothing of)."""
        rows = await conn.fetch("SELECT arn FROM engagement WHERE arn = ANY($1::text[])"
                                " AND NOT fires_here", list(arns))
        return {r["arn"] for r in rows}

    @staticmethod
    async def take_over(conn: asyncpg.Connection, region: str, *, epoch: int,
                        here: str) -> list[str]:
        """Run, from this region (``here``) on, the timers of the engagements that waited
        on ``region`` (started there, or run there since a takeover) and may still page:
        open ones, and stopped ones with a timer pending (an acknowledgement timeout
        outlives its engagement's progression); returns their ARNs."""
        rows = await conn.fetch(
            "UPDATE engagement e SET fires_here = true, owner_region = $3, owner_epoch = $2"
            " WHERE (e.home_region = $1 OR e.owner_region = $1)"
            " AND NOT e.fires_here AND e.owner_epoch < $2"
            " AND (e.stopped_at IS NULL OR EXISTS (SELECT 1 FROM timer t"
            "  WHERE t.engagement_arn = e.arn AND t.state = 'pending'))"
            " RETURNING e.arn", region, epoch, here)
        return sorted(r["arn"] for r in rows)

    @staticmethod
    async def hand_over(conn: asyncpg.Connection, arns: Sequence[str], *, to: str,
                        epoch: int, here: bool) -> list[str]:
        """Another region's takeover (or this one's, ``here``) of ``arns`` under ``epoch``:
        the region that runs them from now on, unless a takeover at least as recent
        decided already (the greater region breaking a tie of epochs); returns the ARNs
        whose runner changed."""
        rows = await conn.fetch(
            "UPDATE engagement SET fires_here = $4, owner_region = $2, owner_epoch = $3"
            " WHERE arn = ANY($1::text[]) AND (owner_epoch < $3"
            "  OR (owner_epoch = $3 AND coalesce(owner_region, '') < $2)) RETURNING arn",
            list(arns), to, epoch, here)
        return sorted(r["arn"] for r in rows)

    @staticmethod
    async def stop(conn: asyncpg.Connection, arn: str, at: datetime) -> None:
        await conn.execute("UPDATE engagement SET stopped_at = $2 WHERE arn = $1", arn, at)

    @staticmethod
    async def stop_all(conn: asyncpg.Connection, at: datetime) -> None:
        """Stop every engagement still running (the replication set was deleted)."""
        await conn.execute("UPDATE engagement SET stopped_at = $1 WHERE stopped_at IS NULL",
                           at)

    @staticmethod
    async def live_until(conn: asyncpg.Connection, arn: str) -> datetime | None:
        """Until when the engagement's current stage is live (its next stage's start, or
        the end of its last stage), locking its row; None when it stopped or is unknown."""
        engagement = await conn.fetchrow(
            "SELECT ends_at, stopped_at FROM engagement WHERE arn = $1 FOR UPDATE", arn)
        if engagement is None or engagement["stopped_at"] is not None:
            return None
        ends_at: datetime = engagement["ends_at"]
        return await TimerStore.next_stage_start(conn, arn) or ends_at

    @staticmethod
    async def contact_of(conn: asyncpg.Connection, arn: str) -> str | None:
        """The contact the engagement engages."""
        contact: str | None = await conn.fetchval(
            "SELECT contact_arn FROM engagement WHERE arn = $1", arn)
        return contact

    @staticmethod
    async def prune(conn: asyncpg.Connection, before: datetime) -> None:
        """Delete engagements that ended before ``before`` and have no pending timer left
        (run with the deletion of finished timers)."""
        await conn.execute(
            "WITH gone AS (DELETE FROM engagement e"
            " WHERE coalesce(e.stopped_at, e.ends_at) < $1"
            " AND NOT EXISTS (SELECT 1 FROM timer t WHERE t.engagement_arn = e.arn"
            "  AND t.state = 'pending') RETURNING arn)"
            # A late event of one waits for nothing any more (tocsin.shared.replication).
            " DELETE FROM replica_parked WHERE kind = 'engagement'"
            "  AND key IN (SELECT arn FROM gone)", before)


class TakeoverStore:
    """The ``takeover`` table: every takeover of a lost region known here."""

    @staticmethod
    async def lock(conn: asyncpg.Connection) -> None:
        """Serialize this region's instances deciding on a takeover."""
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('tocsin-takeover'))")

    @staticmethod
    async def next_epoch(conn: asyncpg.Connection) -> int:
        """One above every epoch known here (of any region's takeover, and of any
        engagement's runner): epochs order every takeover of an engagement."""
        epoch: int = await conn.fetchval(
            "SELECT 1 + greatest((SELECT coalesce(max(epoch), 0) FROM takeover),"
            " (SELECT coalesce(max(owner_epoch), 0) FROM engagement))")
        return epoch

    @staticmethod
    async def record(conn: asyncpg.Connection, *, region: str, epoch: int, by_region: str,
                     taken_at: datetime, engagements: int) -> bool:
        """Record a takeover (once); False when it was known already."""
        done: str = await conn.execute(
            "INSERT INTO takeover (region, epoch, by_region, taken_at, engagements)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            region, epoch, by_region, taken_at, engagements)
        return done != "INSERT 0 0"

    @staticmethod
    async def covers(conn: asyncpg.Connection, region: str, *, unheard_for: float) -> bool:
        """Whether a takeover of ``region`` (by any region) was recorded here within the
        last ``unheard_for`` real seconds, that is since ``region`` was last heard: it
        covers the region's present loss."""
        found: bool = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM takeover WHERE region = $1"
            " AND recorded_at > now() - make_interval(secs => $2))", region,
            float(unheard_for))
        return found

    @staticmethod
    async def of(conn: asyncpg.Connection) -> list[asyncpg.Record]:
        """Every takeover known here, latest first."""
        rows: list[asyncpg.Record] = await conn.fetch(
            "SELECT region, epoch, by_region, taken_at, engagements FROM takeover"
            " ORDER BY taken_at DESC, region")
        return rows
