"""The ``duplicate_merge`` table (migration 0020): the durable timers of merges, scheduled
by the inbox, claimed and pruned by :mod:`tocsin.shared.timers`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import asyncpg

from tocsin.shared.timers import Timers, TimerTable

__all__ = ["TIMERS", "Due", "schedule", "timer_of"]

TIMERS = Timers(TimerTable(name="duplicate_merge", channel="tocsin_incidents_duplicates",
                           columns=(("kind", "text"), ("incident_arn", "text"),
                                    ("survivor_arn", "text"))))

Kind = Literal["merge", "note"]


@dataclass(frozen=True, slots=True)
class Due:
    """One fired timer: ``merge`` this region's ``duplicate`` into ``survivor``, or
    ``note`` on this region's ``survivor`` that ``duplicate`` was merged into it."""

    kind: Kind
    duplicate: str
    survivor: str


def timer_of(row: Mapping[str, Any]) -> Due:
    return Due(row["kind"], str(row["incident_arn"]), str(row["survivor_arn"]))


async def schedule(conn: asyncpg.Connection, kind: Kind, duplicates: list[str], *,
                   survivor: str, now: datetime) -> None:
    """One timer of ``kind`` per duplicate, due at once (once per kind and pair, however
    often the event that revealed it is applied)."""
    await TIMERS.schedule(conn, [(f"{kind} {arn} {survivor}", now, (kind, arn, survivor))
                                 for arn in duplicates], now=now)
