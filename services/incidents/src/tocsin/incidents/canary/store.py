"""The ``canary_timer`` table (migration 0011): scheduled, claimed and pruned by
:mod:`tocsin.shared.timers`; every call runs on the caller's connection."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from tocsin.incidents.canary.domain import CanaryTimer, round_time
from tocsin.shared.timers import Timers, TimerTable

__all__ = ["TIMERS", "CanaryStore", "timer_of"]

TIMERS = Timers(TimerTable(name="canary_timer", channel="tocsin_incidents_canary",
                           columns=(("kind", "text"), ("round", "bigint"))))


def timer_of(row: Mapping[str, Any]) -> CanaryTimer:
    return CanaryTimer(id=row["id"], kind=row["kind"], round=row["round"],
                       due_at=row["due_at"], engagement_arn=row["engagement_arn"],
                       detail=row["detail"])


class CanaryStore:
    @staticmethod
    async def schedule_send(conn: asyncpg.Connection, round_: int, *, now: datetime) -> None:
        """The round's test page (once, however many instances schedule it)."""
        await TIMERS.schedule(conn, [(f"send:{round_}", round_time(round_), ("send", round_))],
                              now=now)

    @staticmethod
    async def schedule_check(conn: asyncpg.Connection, round_: int, *, window: timedelta,
                             now: datetime) -> None:
        await TIMERS.schedule(conn, [(f"check:{round_}", now + window, ("check", round_))],
                              now=now)

    @staticmethod
    async def note_send(conn: asyncpg.Connection, round_: int, *,
                        engagement_arn: str | None, detail: str | None) -> None:
        """What the round's check will look at: its engagement, or why there is none."""
        await conn.execute(
            "UPDATE canary_timer SET engagement_arn = $2, detail = $3 WHERE id = $1",
            f"check:{round_}", engagement_arn, detail)
