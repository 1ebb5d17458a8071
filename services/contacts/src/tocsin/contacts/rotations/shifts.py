"""The shift engine: who is on call in a rotation, and when.

Pure: no I/O, no clock (the caller passes every instant in). The recurrence is the
``RecurrenceSettings`` shape of the API, so what the API receives, the table keeps and the
engine reads are one thing. Instants are timezone-aware ``datetime``; wall-clock
arithmetic happens in the rotation's IANA zone.

The rules (the model leaves them open, so these are Tocsin's decisions):

- **Hand-off points.** The settings name wall-clock points: every day at each
  ``DailySettings`` time, every week at each ``WeeklySettings`` day and time, every month
  at each ``MonthlySettings`` day and time. A ``DayOfMonth`` the month lacks (31 in April,
  29-31 in February) is the month's last day; two settings that land on the same point
  count once.
- **Wall clock across DST.** A point keeps its wall-clock time when the offset changes,
  so the shift spanning the change is an hour (or 30 minutes, Lord Howe) shorter or longer.
  A point that does not exist (inside a spring-forward gap) happens at the first instant
  after it, the moment the clocks jump; a point that exists twice (fall-back) happens at
  its first occurrence.
- **Phase.** The rotation takes effect at ``StartTime``; the first group is on call from
  then until the ``RecurrenceMultiplier``-th point after the last point at or before
  ``StartTime``. From there the on-call group changes at every ``RecurrenceMultiplier``-th
  point. So a rotation that starts between hand-off times gives its first group a shift
  shortened by less than one period, and a start exactly at a hand-off gives a full one.
- **Groups.** Shift *j* is on call for ``NumberOfOnCalls`` members taken in list order
  from position ``j x NumberOfOnCalls``, wrapping round the list.
- **Coverage.** ``ShiftCoverages`` (absent or empty: 24x7) names, per weekday, wall-clock
  windows in which someone is on call. An ``End`` at or before its ``Start`` ends the next
  day (``22:00-06:00`` is overnight, ``09:00-09:00`` is 24 hours); a missing ``Start`` is
  00:00 and a missing ``End`` midnight. Windows that touch or overlap are one window. A
  shift's uncovered parts are not shifts: nobody is on call then.
- **Overrides** replace the on-call contacts during their span, within covered time only
  (an override never adds coverage). Where several overlap, the later one in the list wins
  (the store lists them by creation time). The overlapped part of a shift is its own
  ``OVERRIDDEN`` shift recording the contacts it replaced; an override with no contacts
  leaves nobody on call.
- **Window.** Shifts are clipped to the requested window ``[start, end)`` and to the
  rotation's start; they come in time order, never overlap and are never empty.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, available_timezones

import msgspec

from tocsin.shared.errors import ValidationError

__all__ = [
    "DAYS",
    "CoverageTime",
    "HandOffTime",
    "MonthlySetting",
    "Override",
    "RecurrenceSettings",
    "Rotation",
    "Shift",
    "WeeklySetting",
    "check_rotation",
    "iter_shifts",
    "on_call",
    "shifts",
    "zone",
]

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
"""``DayOfWeek`` values, in ``date.weekday()`` order."""

MIN_COVERAGE_MINUTES = 30
"""Shortest coverage window (the console's rule, enforced by the API too)."""

DayOfWeek = Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


# --- the API shapes the engine reads ----------------------------------------------------


class _Shape(msgspec.Struct, rename="pascal", kw_only=True, frozen=True, omit_defaults=True):
    """An ``ssm-contacts`` structure: PascalCase, unknown members ignored."""


class HandOffTime(_Shape, frozen=True):
    """A wall-clock time of day in the rotation's zone."""

    hour_of_day: Annotated[int, msgspec.Meta(ge=0, le=23)]
    minute_of_hour: Annotated[int, msgspec.Meta(ge=0, le=59)]

    @property
    def minutes(self) -> int:
        return self.hour_of_day * 60 + self.minute_of_hour


class WeeklySetting(_Shape, frozen=True):
    day_of_week: DayOfWeek
    hand_off_time: HandOffTime


class MonthlySetting(_Shape, frozen=True):
    day_of_month: Annotated[int, msgspec.Meta(ge=1, le=31)]
    hand_off_time: HandOffTime


class CoverageTime(_Shape, frozen=True):
    """A coverage window on one weekday; both ends are optional in the model."""

    start: HandOffTime | None = None
    end: HandOffTime | None = None


class RecurrenceSettings(_Shape, frozen=True):
    """``RecurrenceSettings``: exactly one of the three settings lists is non-empty."""

    number_of_on_calls: Annotated[int, msgspec.Meta(ge=1)]
    recurrence_multiplier: Annotated[int, msgspec.Meta(ge=1, le=100)]
    daily_settings: list[HandOffTime] | None = None
    weekly_settings: list[WeeklySetting] | None = None
    monthly_settings: list[MonthlySetting] | None = None
    shift_coverages: dict[DayOfWeek, list[CoverageTime]] | None = None


# --- the engine's inputs and outputs ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rotation:
    """What the engine needs of a rotation."""

    members: Sequence[str]
    """Contact ARNs (or, for a preview, any strings) in shift order."""
    start: datetime
    """When the rotation takes effect."""
    time_zone_id: str
    recurrence: RecurrenceSettings


@dataclass(frozen=True, slots=True)
class Override:
    """Who is on call instead of the regular group in ``[start, end)``."""

    contacts: Sequence[str]
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Shift:
    """A span in which the same contacts are on call."""

    contacts: tuple[str, ...]
    start: datetime
    end: datetime
    overridden: tuple[str, ...] | None = None
    """For an ``OVERRIDDEN`` shift, the regular contacts the override replaced."""

    @property
    def type(self) -> Literal["REGULAR", "OVERRIDDEN"]:
        return "REGULAR" if self.overridden is None else "OVERRIDDEN"


# --- checks -----------------------------------------------------------------------------


@functools.cache
def _zone_names() -> frozenset[str]:
    # IANA names are Area/Location; of the bare names only UTC and GMT are zones rather
    # than legacy designators without DST rules (EST, PST8PDT, ...), which AWS refuses.
    return frozenset(n for n in available_timezones() if "/" in n or n in ("UTC", "GMT"))


def zone(time_zone_id: str) -> ZoneInfo:
    """The IANA zone ``time_zone_id``.

    Raises:
        ValidationError: not an IANA zone name (``PST``, ``EST5EDT`` and typos included).
    """
    if time_zone_id not in _zone_names():
        raise ValidationError(
            f"TimeZoneId {time_zone_id!r} is not an IANA time zone name such as "
            "America/Los_Angeles, Europe/London or UTC")
    return ZoneInfo(time_zone_id)


def check_rotation(rotation: Rotation) -> None:
    """Check what the model cannot express.

    Raises:
        ValidationError: naming the member that breaks a rule.
    """
    zone(rotation.time_zone_id)
    rec = rotation.recurrence
    if not rotation.members:
        raise ValidationError("A rotation needs at least one member")
    seen: set[str] = set()
    for i, member in enumerate(rotation.members):
        if member in seen:
            raise ValidationError(f"{member} is listed twice in the rotation (position {i})")
        seen.add(member)
    if not 1 <= rec.recurrence_multiplier <= 100:
        raise ValidationError("Recurrence.RecurrenceMultiplier must be between 1 and 100")
    if rec.number_of_on_calls < 1:
        raise ValidationError("Recurrence.NumberOfOnCalls must be at least 1")
    if rec.number_of_on_calls > len(rotation.members):
        raise ValidationError(
            f"Recurrence.NumberOfOnCalls is {rec.number_of_on_calls} but the rotation has "
            f"only {len(rotation.members)} member(s)")
    kinds = [name for name, value in (("DailySettings", rec.daily_settings),
                                      ("WeeklySettings", rec.weekly_settings),
                                      ("MonthlySettings", rec.monthly_settings)) if value]
    if len(kinds) != 1:
        raise ValidationError(
            "Recurrence must set exactly one of DailySettings, WeeklySettings and "
            f"MonthlySettings; it sets {', '.join(kinds) if kinds else 'none'}")
    for day, windows in (rec.shift_coverages or {}).items():
        for i, window in enumerate(windows):
            if _window(window)[1] < MIN_COVERAGE_MINUTES:
                raise ValidationError(
                    f"Recurrence.ShiftCoverages.{day}[{i}] lasts less than "
                    f"{MIN_COVERAGE_MINUTES} minutes")


def _window(window: CoverageTime) -> tuple[int, int]:
    """(start minute of the day, length in minutes) of a coverage window."""
    start = window.start.minutes if window.start else 0
    end = window.end.minutes if window.end else 24 * 60
    length = (end - start) % (24 * 60)
    return start, length or 24 * 60


# --- wall clock <-> instants ------------------------------------------------------------


class _Wall:
    """Conversions between instants and wall-clock times of one zone."""

    __slots__ = ("_offset", "_zone")

    def __init__(self, tz: ZoneInfo) -> None:
        self._zone = tz
        self._offset = timedelta(0)
        """The last offset seen: hand-offs come in order, so it is almost always right."""

    def wall(self, t: datetime) -> datetime:
        """The naive wall-clock time at instant ``t``."""
        return t.astimezone(self._zone).replace(tzinfo=None)

    def instant(self, wall: datetime) -> datetime:
        """The instant of a wall-clock time: the first occurrence of one that happens
        twice, the moment the clocks jump for one that never happens."""
        guess = (wall - self._offset).replace(tzinfo=UTC)
        seen = guess.astimezone(self._zone)
        if not seen.fold and seen.utcoffset() == self._offset:
            return guess  # the only occurrence, or the first (fold 0) of two
        utc = wall.replace(tzinfo=self._zone).astimezone(UTC)
        if self.wall(utc) == wall:
            self._offset = wall - utc.replace(tzinfo=None)
            return utc  # fold=0 is the first occurrence of an ambiguous time
        # In a gap: fold=0 and fold=1 read it with the offsets before and after the jump,
        # and the jump lies between the two readings (to the second, as tzdata has it).
        other = wall.replace(tzinfo=self._zone, fold=1).astimezone(UTC)
        lo = int(min(utc, other).timestamp())
        hi = int(max(utc, other).timestamp()) + 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.wall(datetime.fromtimestamp(mid, UTC)) > wall:
                hi = mid
            else:
                lo = mid
        return datetime.fromtimestamp(hi, UTC)


# --- hand-off points --------------------------------------------------------------------


_Pos = tuple[int, int]
"""A hand-off point: (period number, index among the period's points)."""


class _Points:
    """The hand-off points of a recurrence: the wall-clock times of each period (a day, a
    week from Monday, or a month), numbered consecutively."""

    def __init__(self, rec: RecurrenceSettings) -> None:
        self.kind: Literal["DAILY", "WEEKLY", "MONTHLY"]
        self._monthly: tuple[tuple[int, int], ...] = ()
        if rec.daily_settings:
            self.kind = "DAILY"
            self._offsets = sorted({h.minutes for h in rec.daily_settings})
        elif rec.weekly_settings:
            self.kind = "WEEKLY"
            self._offsets = sorted({DAYS.index(w.day_of_week) * 1440 + w.hand_off_time.minutes
                                    for w in rec.weekly_settings})
        else:
            self.kind = "MONTHLY"
            self._offsets = []
            self._monthly = tuple(sorted({(m.day_of_month, m.hand_off_time.minutes)
                                          for m in rec.monthly_settings or ()}))
        self._count = len(self._offsets)
        self._walls: dict[int, tuple[datetime, ...]] = {}

    def period(self, wall: datetime) -> int:
        """The period a wall-clock time falls in."""
        if self.kind == "DAILY":
            return wall.toordinal()
        if self.kind == "WEEKLY":
            return (wall.toordinal() - 1) // 7  # date.fromordinal(1) is a Monday
        return wall.year * 12 + wall.month - 1

    def walls(self, period: int) -> tuple[datetime, ...]:
        """The wall-clock points of ``period``, in order."""
        found = self._walls.get(period)
        if found is None:
            found = self._walls[period] = self._make_walls(period)
            if len(self._walls) > 64:  # a long walk keeps only the periods it is near
                del self._walls[next(iter(self._walls))]
        return found

    def _make_walls(self, period: int) -> tuple[datetime, ...]:
        if self.kind == "MONTHLY":
            year, month0 = divmod(period, 12)
            last = calendar.monthrange(year, month0 + 1)[1]
            first = datetime(year, month0 + 1, 1)
            offsets = sorted({(min(day, last) - 1) * 1440 + minutes
                              for day, minutes in self._monthly})
        else:
            ordinal = period if self.kind == "DAILY" else period * 7 + 1
            first = datetime.combine(date.fromordinal(ordinal), datetime.min.time())
            offsets = self._offsets
        return tuple(first + timedelta(minutes=m) for m in offsets)

    def wall_at(self, pos: _Pos) -> datetime:
        if self.kind == "MONTHLY":
            return self.walls(pos[0])[pos[1]]
        ordinal = pos[0] if self.kind == "DAILY" else pos[0] * 7 + 1
        return datetime.fromordinal(ordinal) + timedelta(minutes=self._offsets[pos[1]])

    def advance(self, pos: _Pos, steps: int) -> _Pos:
        """The point ``steps`` points after ``pos``."""
        if self.kind != "MONTHLY":
            return divmod(pos[0] * self._count + pos[1] + steps, self._count)
        period, index = pos
        while True:
            left = len(self.walls(period)) - 1 - index
            if steps <= left:
                return period, index + steps
            steps -= left + 1
            period, index = period + 1, 0

    def steps(self, a: _Pos, b: _Pos) -> int:
        """How many points after ``a`` the point ``b`` is (``b`` not before ``a``)."""
        if self.kind != "MONTHLY":
            return (b[0] - a[0]) * self._count + b[1] - a[1]
        if a[0] == b[0]:
            return b[1] - a[1]
        return (len(self.walls(a[0])) - a[1]
                + sum(self._in_month(p) for p in range(a[0] + 1, b[0])) + b[1])

    def _in_month(self, period: int) -> int:
        year, month0 = divmod(period, 12)
        last = calendar.monthrange(year, month0 + 1)[1]
        return len({(min(day, last), minutes) for day, minutes in self._monthly})


class _Plan:
    """A rotation compiled for one computation."""

    def __init__(self, rotation: Rotation) -> None:
        self.rotation = rotation
        self.clock = _Wall(zone(rotation.time_zone_id))
        self.points = _Points(rotation.recurrence)
        rec = rotation.recurrence
        self.every = rec.recurrence_multiplier
        self.members = tuple(rotation.members)
        self.size = min(rec.number_of_on_calls, len(self.members))
        self.coverage: dict[int, list[tuple[int, int]]] | None = None
        if rec.shift_coverages:
            self.coverage = {DAYS.index(day): sorted(_window(w) for w in windows)
                             for day, windows in rec.shift_coverages.items()}
        self._groups: dict[int, tuple[str, ...]] = {}
        self.phase = self.last_point(rotation.start)
        """The point the rotation's first shift is counted from."""

    def instant(self, pos: _Pos) -> datetime:
        return self.clock.instant(self.points.wall_at(pos))

    def last_point(self, t: datetime) -> _Pos:
        """The latest point whose instant is at or before ``t``."""
        period = self.points.period(self.clock.wall(t)) + 1
        while True:
            walls = self.points.walls(period)
            for index in range(len(walls) - 1, -1, -1):
                if self.clock.instant(walls[index]) <= t:
                    return period, index
            period -= 1

    def group(self, shift: int) -> tuple[str, ...]:
        n = len(self.members)
        base = shift * self.size % n
        found = self._groups.get(base)
        if found is None:
            found = self._groups[base] = tuple(self.members[(base + i) % n]
                                               for i in range(self.size))
        return found

    def regular(self, a: datetime, e: datetime) -> Iterator[tuple[datetime, datetime, int]]:
        """Regular shifts (start, end, shift number) clipped to ``[a, e)``; ``a`` is not
        before the rotation's start."""
        shift = self.points.steps(self.phase, self.last_point(a)) // self.every
        pos = self.points.advance(self.phase, shift * self.every)
        start = self.rotation.start if shift == 0 else self.instant(pos)
        while start < e:
            pos = self.points.advance(pos, self.every)
            end = self.instant(pos)
            if end > a and end > start:
                yield max(start, a), min(end, e), shift
            start, shift = max(start, end), shift + 1

    def covered(self, a: datetime, e: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The covered spans within ``[a, e)``, merged, in order."""
        if self.coverage is None:
            yield a, e
            return
        day = self.clock.wall(a).date() - timedelta(days=2)
        last = self.clock.wall(e).date() + timedelta(days=1)
        pending: tuple[datetime, datetime] | None = None
        while day <= last:
            midnight = datetime.combine(day, datetime.min.time())
            for start_min, length in self.coverage.get(day.weekday(), ()):
                ws = midnight + timedelta(minutes=start_min)
                s = max(self.clock.instant(ws), a)
                t = min(self.clock.instant(ws + timedelta(minutes=length)), e)
                if s >= t:
                    continue
                if pending is not None and s <= pending[1]:
                    pending = pending[0], max(pending[1], t)
                    continue
                if pending is not None:
                    yield pending
                pending = s, t
            day += timedelta(days=1)
        if pending is not None:
            yield pending


def _intersect(regular: Iterable[tuple[datetime, datetime, int]],
               covered: Iterator[tuple[datetime, datetime]],
               ) -> Iterator[tuple[datetime, datetime, int]]:
    """The parts of regular shifts inside covered spans (both sorted and disjoint)."""
    cover = next(covered, None)
    for start, end, shift in regular:
        while cover is not None and cover[1] <= start:
            cover = next(covered, None)
        while cover is not None and cover[0] < end:
            lo, hi = max(start, cover[0]), min(end, cover[1])
            if lo < hi:
                yield lo, hi, shift
            if cover[1] > end:
                break
            cover = next(covered, None)
        if cover is None:
            return


def _override_spans(overrides: Sequence[Override], a: datetime, e: datetime,
                    ) -> list[tuple[datetime, datetime, tuple[str, ...]]]:
    """Disjoint spans in ``[a, e)`` with the contacts of the override in effect (the last
    of those that cover it)."""
    relevant = [o for o in overrides if o.start < e and o.end > a and o.start < o.end]
    cuts = sorted({max(a, min(e, t)) for o in relevant for t in (o.start, o.end)})
    spans: list[tuple[datetime, datetime, tuple[str, ...]]] = []
    last: Override | None = None
    for lo, hi in pairwise(cuts):
        winner = None
        for o in relevant:
            if o.start <= lo and o.end >= hi:
                winner = o
        if winner is None:
            last = None
            continue
        if winner is last and spans and spans[-1][1] == lo:
            spans[-1] = spans[-1][0], hi, spans[-1][2]
        else:
            spans.append((lo, hi, tuple(winner.contacts)))
        last = winner
    return spans


def iter_shifts(rotation: Rotation, overrides: Sequence[Override], start: datetime,
                end: datetime) -> Iterator[Shift]:
    """The shifts of ``rotation`` in ``[start, end)``, computed as they are consumed.

    Raises:
        ValidationError: the rotation's time zone is not an IANA zone.
    """
    plan = _Plan(rotation)
    a = max(start, rotation.start)
    if a >= end:
        return
    spans = _override_spans(overrides, a, end)
    if not spans and plan.coverage is None:
        for lo, hi, shift in plan.regular(a, end):
            yield Shift(plan.group(shift), lo, hi)
        return
    i = 0
    for lo, hi, shift in _intersect(plan.regular(a, end), plan.covered(a, end)):
        group = plan.group(shift)
        while i < len(spans) and spans[i][1] <= lo:
            i += 1
        cursor, k = lo, i
        while k < len(spans) and spans[k][0] < hi:
            s, t, contacts = spans[k]
            if s > cursor:
                yield Shift(group, cursor, s)
            cursor = min(t, hi)
            yield Shift(contacts, max(s, lo), cursor, overridden=group)
            if t > hi:
                break
            k += 1
        if cursor < hi:
            yield Shift(group, cursor, hi)


def shifts(rotation: Rotation, overrides: Sequence[Override], start: datetime,
           end: datetime) -> list[Shift]:
    """The shifts of ``rotation`` in ``[start, end)`` (see :func:`iter_shifts`)."""
    return list(iter_shifts(rotation, overrides, start, end))


def on_call(rotation: Rotation, overrides: Sequence[Override], at: datetime) -> list[str]:
    """The contacts on call at the instant ``at`` (none before the rotation starts, outside
    its coverage, or during an override without contacts)."""
    for shift in iter_shifts(rotation, overrides, at, at + timedelta(microseconds=1)):
        if shift.start <= at < shift.end:
            return list(shift.contacts)
    return []
