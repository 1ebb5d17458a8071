"""The ``duplicate_merge`` table (migration 0020): one durable timer per duplicate to
merge, scheduled by the inbox, claimed and pruned by :mod:`tocsin.shared.timers`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg

from tocsin.shared.timers import Timers, TimerTable

__all__ = ["TIMERS", "schedule_merges", "timer_of"]

TIMERS = Timers(TimerTable(name="duplicate_merge", channel="tocsin_incidents_duplicates",
                           columns=(("incident_arn", "text"), ("survivor_arn", "text"))))


def timer_of(row: Mapping[str, Any]) -> tuple[str, str]:
    """The duplicate and the survivor of a fired merge."""
    return str(row["incident_arn"]), str(row["survivor_arn"])


async def schedule_merges(conn: asyncpg.Connection, duplicates: list[str], *, survivor: str,
                          now: datetime) -> None:
    """A merge, due at once, of each of this region's ``duplicates`` (once per pair, however
    often the event that revealed it is applied)."""
    await TIMERS.schedule(conn, [(f"{arn} {survivor}", now, (arn, survivor))
                                 for arn in duplicates], now=now)
