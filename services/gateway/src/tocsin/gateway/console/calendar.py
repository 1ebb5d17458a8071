"""A rotation's calendar, pure: the coming weeks as a grid of days (Monday first, in UTC),
each day with who is on call in it, from when to when, and whether an override put them
there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

__all__ = ["Day", "Entry", "first_monday", "weeks"]

DAY = 86400


@dataclass(frozen=True, slots=True)
class Entry:
    """Part of a shift within one day."""

    names: str
    start: float
    end: float
    override: bool
    to_midnight: bool = False
    """It lasts to the end of the day (shown ``24:00``)."""


@dataclass(slots=True)
class Day:
    day: date
    past: bool
    today: bool
    entries: list[Entry] = field(default_factory=list)

    @property
    def start(self) -> float:
        return datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC).timestamp()

    @property
    def overridden(self) -> bool:
        return any(e.override for e in self.entries)


def first_monday(now: float) -> date:
    """The Monday of ``now``'s week (UTC): where the calendar starts."""
    today = datetime.fromtimestamp(now, UTC).date()
    return today - timedelta(days=today.weekday())


def weeks(shifts: Sequence[Mapping[str, Any]], names: Mapping[str, str], *, start: date,
          count: int, now: float) -> list[list[Day]]:
    """``count`` weeks from Monday ``start``, each seven days holding the parts of
    ``shifts`` (``ListRotationShifts``) that fall in them."""
    today = datetime.fromtimestamp(now, UTC).date()
    days = [Day(day=start + timedelta(days=i), past=start + timedelta(days=i) < today,
                today=start + timedelta(days=i) == today) for i in range(7 * count)]
    for shift in shifts:
        begin, end = float(shift["StartTime"]), float(shift["EndTime"])
        who = ", ".join(names.get(c, c.rsplit("/", 1)[-1]) for c in shift.get("ContactIds", []))
        for d in days:
            lo, hi = max(begin, d.start), min(end, d.start + DAY)
            if lo < hi:
                d.entries.append(Entry(names=who, start=lo, end=hi,
                                       override=shift.get("Type") == "OVERRIDDEN",
                                       to_midnight=hi == d.start + DAY))
    for d in days:
        d.entries.sort(key=lambda e: e.start)
    return [days[i:i + 7] for i in range(0, len(days), 7)]
