"""Events that arrive before their resource: kept in the store until it arrives.

A region reads each other region's stream on its own, in that region's order, but no order
holds across them: in a set of three, region C can receive B's timeline event (or related
item, page, acceptance...) of an incident A opened before A's ``IncidentRecordCreated``
reaches it, when its mirror of A is behind or its link to A cut. Such an event is neither
dropped nor applied to nothing: the apply function asks
:meth:`~tocsin.shared.replication.stamps.Applying.holds` for the resource it belongs to,
which raises :class:`ArrivedEarly` when the resource is neither here nor deleted here; the
inbox then parks the event (:func:`park`) in the transaction that acknowledges it, and
applies it again once its resource is held or deleted (:func:`release`), in the order
the events were parked. A parked event therefore never holds back another: other
resources' events go on being applied meanwhile (and one that fails when applied again
is logged and kept, not retried in a loop).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg

from tocsin.shared import codec
from tocsin.shared.logging import get_logger

__all__ = ["ArrivedEarly", "park", "release", "take_ready", "waiting"]

log = get_logger(__name__)


class ArrivedEarly(Exception):
    """The event belongs to a resource this region does not hold yet, and did not delete:
    it is to be applied once the resource is here."""

    def __init__(self, kind: str, key_column: str, key: str) -> None:
        """``kind``: the resource's table; ``key_column``: its key, a text column."""
        super().__init__(f"{kind} {key} not held yet")
        for name in (kind, key_column):
            if not name.isidentifier():
                raise ValueError(f"not a table or column name: {name!r}")
        self.kind = kind
        """The table of the resource it waits for."""
        self.key_column = key_column
        self.key = key


async def park(conn: asyncpg.Connection, early: ArrivedEarly, envelope: codec.Envelope, *,
               consumer: str) -> None:
    """Keep ``envelope`` for ``consumer`` until the resource ``early`` names arrives."""
    await conn.execute(
        "INSERT INTO replica_parked (consumer, kind, key_column, key, envelope)"
        " VALUES ($1, $2, $3, $4, $5)",
        consumer, early.kind, early.key_column, early.key, codec.encode(envelope))


async def waiting(conn: asyncpg.Connection, *, consumer: str) -> bool:
    """Whether ``consumer`` has events parked (a release can find nothing otherwise)."""
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM replica_parked WHERE consumer = $1)", consumer))


async def take_ready(conn: asyncpg.Connection, *, consumer: str
                     ) -> list[tuple[ArrivedEarly, codec.Envelope]]:
    """The events ``consumer`` parked whose resource is now held or deleted here, each
    with what it waited for, taken out of the store (in the caller's transaction), in the
    order they were parked."""
    waits = await conn.fetch(
        "SELECT DISTINCT kind, key_column FROM replica_parked WHERE consumer = $1", consumer)
    ready: list[asyncpg.Record] = []
    for kind, key_column in waits:
        # Both names were checked when the event was parked (ArrivedEarly); the key is
        # compared as it is (a text key), so that the key's index finds it.
        ready += await conn.fetch(
            "DELETE FROM replica_parked p WHERE consumer = $1 AND kind = $2"
            " AND key_column = $3"
            f' AND (EXISTS (SELECT 1 FROM "{kind}" r WHERE r."{key_column}" = p.key)'
            "      OR EXISTS (SELECT 1 FROM replica_tombstone t"
            "                 WHERE t.kind = p.kind AND t.key = p.key))"
            " RETURNING seq, kind, key_column, key, envelope", consumer, kind, key_column)
    return [(ArrivedEarly(row["kind"], row["key_column"], row["key"]),
             codec.decode(row["envelope"], codec.Envelope))
            for row in sorted(ready, key=lambda row: row["seq"])]


async def release(conn: asyncpg.Connection, *, consumer: str,
                  apply: Callable[[codec.Envelope], Awaitable[None]]) -> int:
    """Hand ``apply`` (which may park an event again) each event ``consumer`` parked that
    is ready, in ``conn``'s transaction, until none is; how many it was given. One that
    fails is logged and parked again, for the next release: it holds back nothing else."""
    failed: list[tuple[ArrivedEarly, codec.Envelope]] = []
    given = 0
    while ready := await take_ready(conn, consumer=consumer):
        for early, envelope in ready:
            try:
                async with conn.transaction():  # a savepoint: a failure undoes its writes
                    await apply(envelope)
            except Exception as exc:
                log.error("parked.apply_failed", consumer=consumer, event_type=envelope.type,
                          event_id=envelope.id, region=envelope.region, error=repr(exc),
                          exc_info=exc)
                failed.append((early, envelope))
            else:
                given += 1
    for early, envelope in failed:
        await park(conn, early, envelope, consumer=consumer)
    return given
