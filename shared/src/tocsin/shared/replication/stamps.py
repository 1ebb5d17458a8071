"""Last writer wins, by a hybrid logical clock with the region as tie-break.

Every replicated row carries ``hlc`` (the stamp of its last write: microseconds since the
epoch, never behind a stamp its schema has seen) and ``origin`` (the region of that write;
NULL for this region). The triggers of the shared migration ``0003_replicas`` stamp local
writes and record deletions as tombstones; an event carries its transaction's stamp in the
envelope (``hlc``) and its region, so a region applying it compares
``(hlc, region)`` with the row's: the greater wins, in every region alike, whatever the
order the events arrive in. A deletion wins over any update of the resource that arrives
after it; an update of a resource this region never had is taken as its state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from tocsin.shared import codec
from tocsin.shared.replication.parked import ArrivedEarly

__all__ = ["Stamp", "applying", "stamp_of", "stored"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, order=True, slots=True)
class Stamp:
    """When and where a write happened: ordered by clock, then region."""

    hlc: int
    region: str


def stored(row: asyncpg.Record, home: str) -> Stamp:
    """The stamp a row (or tombstone) of this region's store keeps in its ``hlc`` and
    ``origin``: a NULL origin is ``home`` (this region); no stamp at all, a write from
    before rows carried one, older than any."""
    return Stamp(row["hlc"] or 0, row["origin"] or home)


def stamp_of(envelope: codec.Envelope) -> Stamp:
    """The stamp of the write ``envelope`` describes (its time, for an event published
    before envelopes carried the clock)."""
    hlc = envelope.hlc
    if hlc is None:
        hlc = (envelope.time - EPOCH) // timedelta(microseconds=1)
    return Stamp(hlc, envelope.region)


class Applying:
    """One replicated event's writes, in the caller's transaction (see :func:`applying`)."""

    def __init__(self, conn: asyncpg.Connection, stamp: Stamp, home: str) -> None:
        self.conn = conn
        self.stamp = stamp
        self.home = home
        """This region: the origin of rows written here."""

    async def wins(self, table: str, key_column: str, key: str, *,
                   creates: bool = False) -> bool:
        """Whether the event's write takes effect on the row of ``table`` keyed ``key``:
        the row's last write is older, or there is no row and the resource was not deleted
        (for a creation, ``creates``: not deleted later than it was created). Locks the
        row for the rest of the transaction."""
        row = await self.conn.fetchrow(
            f"SELECT hlc, origin FROM {table} WHERE {key_column} = $1 FOR UPDATE", key)
        if row is None:
            return await self.recreating(table, key) if creates \
                else not await self.deleted(table, key)
        return stored(row, self.home) < self.stamp

    async def holds(self, table: str, key_column: str, key: str) -> bool:
        """Whether this region holds the resource the event belongs to (the row of
        ``table`` whose text column ``key_column`` is ``key``). False when it was deleted
        here (the deletion wins: the event changes nothing). When it has not arrived yet,
        raises :class:`~tocsin.shared.replication.parked.ArrivedEarly`, undoing what the
        event wrote so far: the inbox keeps the event and applies it once the resource is
        here (:mod:`.parked`)."""
        if await self.conn.fetchval(
                f"SELECT true FROM {table} WHERE {key_column} = $1", key):
            return True
        if await self.deleted(table, key):
            return False
        raise ArrivedEarly(table, key_column, key)

    async def deleted(self, table: str, key: str) -> bool:
        """Whether the resource was deleted here (or by an event applied here)."""
        found = await self.conn.fetchval(
            "SELECT true FROM replica_tombstone WHERE kind = $1 AND key = $2", table, key)
        return bool(found)

    async def recreating(self, table: str, key: str) -> bool:
        """For a creation: whether it is later than the resource's deletion, if any (a
        name used again); lifts the tombstone then. False when the deletion is later."""
        tomb = await self.conn.fetchrow(
            "SELECT hlc, origin FROM replica_tombstone WHERE kind = $1 AND key = $2",
            table, key)
        if tomb is None:
            return True
        if stored(tomb, self.home) > self.stamp:
            return False
        await self.conn.execute(
            "DELETE FROM replica_tombstone WHERE kind = $1 AND key = $2", table, key)
        return True

    async def bury(self, table: str, key: str) -> None:
        """Record a deletion of a resource this region does not hold (its row's own
        deletion records itself), so its updates arriving later are dropped."""
        await self.conn.execute(
            "INSERT INTO replica_tombstone (kind, key, hlc, origin) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (kind, key) DO UPDATE SET hlc = excluded.hlc,"
            " origin = excluded.origin WHERE replica_tombstone.hlc < excluded.hlc",
            table, key, self.stamp.hlc, self.stamp.region)


async def applying(conn: asyncpg.Connection, stamp: Stamp, *, home: str) -> Applying:
    """Mark the caller's transaction as applying a write made in ``stamp.region``: the
    rows it writes keep that stamp and origin (not this region's), and this region's
    clock moves past the stamp."""
    await conn.execute(
        "SELECT set_config('tocsin.replica_origin', $1, true),"
        " set_config('tocsin.replica_hlc', $2, true), hlc_observe($3)",
        stamp.region, str(stamp.hlc), stamp.hlc)
    return Applying(conn, stamp, home)
