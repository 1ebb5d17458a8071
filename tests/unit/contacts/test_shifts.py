"""The shift engine, without I/O: worked examples on DST dates, and properties over many
zones and windows that span their transitions."""

from __future__ import annotations

import bisect
import calendar
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tocsin.contacts.rotations.shifts import (
    DAYS,
    Override,
    RecurrenceSettings,
    Rotation,
    Shift,
    check_rotation,
    iter_shifts,
    on_call,
    shifts,
    zone,
)
from tocsin.shared.errors import ValidationError

NY = "America/New_York"
MEMBERS = ("alice", "bob", "carol")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local(tz: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz), fold=fold).astimezone(UTC)  # type: ignore[misc]


def hm(hour: int, minute: int = 0) -> dict[str, int]:
    return {"HourOfDay": hour, "MinuteOfHour": minute}


def make_recurrence(*, on_calls: int = 1, every: int = 1, **settings: Any) -> RecurrenceSettings:
    doc = {"NumberOfOnCalls": on_calls, "RecurrenceMultiplier": every, **settings}
    return msgspec.convert(doc, RecurrenceSettings)


def daily(*times: tuple[int, int], **kw: Any) -> RecurrenceSettings:
    return make_recurrence(DailySettings=[hm(*t) for t in times], **kw)


def make_rotation(recurrence: RecurrenceSettings, *, start: datetime, tz: str = NY,
                  members: Sequence[str] = MEMBERS) -> Rotation:
    return Rotation(members=members, start=start, time_zone_id=tz, recurrence=recurrence)


def spans(found: list[Shift]) -> list[tuple[tuple[str, ...], datetime, datetime]]:
    return [(s.contacts, s.start, s.end) for s in found]


class TestDaylightSaving:
    def test_spring_forward_shift_is_an_hour_shorter(self) -> None:
        """A daily 09:00 hand-off stays at 09:00 local: the shift over 2026-03-08 lasts 23 h."""
        rot = make_rotation(daily((9, 0)), start=local(NY, 2026, 3, 1, 9))
        found = shifts(rot, [], local(NY, 2026, 3, 7, 9), local(NY, 2026, 3, 9, 9))
        assert [s.end - s.start for s in found] == [timedelta(hours=23), timedelta(hours=24)]
        assert [s.start.astimezone(ZoneInfo(NY)).hour for s in found] == [9, 9]

    def test_fall_back_shift_is_an_hour_longer(self) -> None:
        """Over 2026-11-01 the 09:00-to-09:00 shift lasts 25 hours."""
        rot = make_rotation(daily((9, 0)), start=local(NY, 2026, 10, 1, 9))
        found = shifts(rot, [], local(NY, 2026, 10, 31, 9), local(NY, 2026, 11, 1, 9))
        assert spans(found) == [(("alice",), utc(2026, 10, 31, 13), utc(2026, 11, 1, 14))]

    def test_missing_hand_off_happens_when_clocks_jump(self) -> None:
        """02:30 does not exist on 2026-03-08 in New York: the hand-off is at 03:00 EDT."""
        rot = make_rotation(daily((2, 30)), start=local(NY, 2026, 3, 1, 2, 30))
        found = shifts(rot, [], utc(2026, 3, 7, 12), utc(2026, 3, 9, 12))
        assert [s.end for s in found[:2]] == [utc(2026, 3, 8, 7), utc(2026, 3, 9, 6, 30)]

    def test_repeated_hand_off_happens_at_first_occurrence(self) -> None:
        """01:30 happens twice on 2026-11-01 in New York: the hand-off is at 01:30 EDT."""
        rot = make_rotation(daily((1, 30)), start=local(NY, 2026, 10, 1, 1, 30))
        found = shifts(rot, [], utc(2026, 10, 31, 12), utc(2026, 11, 2, 12))
        assert found[0].end == utc(2026, 11, 1, 5, 30)
        assert found[0].end - local(NY, 2026, 10, 31, 1, 30) == timedelta(hours=24)
        assert found[1].end - found[1].start == timedelta(hours=25)

    def test_lord_howe_half_hour_change(self) -> None:
        """Lord Howe moves 30 minutes (2026-10-04 02:00 → 02:30): that shift lasts 23.5 h."""
        tz = "Australia/Lord_Howe"
        rot = make_rotation(daily((8, 0)), start=local(tz, 2026, 9, 1, 8), tz=tz)
        found = shifts(rot, [], local(tz, 2026, 10, 3, 8), local(tz, 2026, 10, 5, 8))
        assert [s.end - s.start for s in found] == [timedelta(hours=23, minutes=30),
                                                    timedelta(hours=24)]

    def test_lord_howe_missing_quarter_past_two(self) -> None:
        """02:15 on 2026-10-04 falls in Lord Howe's 30-minute gap: hand-off at 02:30."""
        tz = "Australia/Lord_Howe"
        rot = make_rotation(daily((2, 15)), start=local(tz, 2026, 9, 1, 2, 15), tz=tz)
        found = shifts(rot, [], local(tz, 2026, 10, 3, 12), local(tz, 2026, 10, 4, 12))
        assert found[0].end == local(tz, 2026, 10, 4, 2, 30)

    def test_chatham_hand_off_in_its_gap(self) -> None:
        """Chatham jumps 02:45 → 03:45 on 2026-09-27: a 03:00 hand-off happens at 03:45."""
        tz = "Pacific/Chatham"
        rot = make_rotation(daily((3, 0)), start=local(tz, 2026, 9, 1, 3), tz=tz)
        found = shifts(rot, [], local(tz, 2026, 9, 26, 12), local(tz, 2026, 9, 27, 12))
        assert found[0].end == local(tz, 2026, 9, 27, 3, 45)
        assert found[0].end.astimezone(ZoneInfo(tz)).utcoffset() == timedelta(hours=13,
                                                                                minutes=45)

    def test_kathmandu_offset_has_no_changes(self) -> None:
        """In Asia/Kathmandu (+05:45) every daily shift lasts exactly a day."""
        tz = "Asia/Kathmandu"
        rot = make_rotation(daily((9, 0)), start=local(tz, 2026, 1, 1, 9), tz=tz)
        found = shifts(rot, [], utc(2026, 3, 1), utc(2026, 12, 1))
        assert {s.end - s.start for s in found[1:-1]} == {timedelta(days=1)}
        assert found[1].start == utc(2026, 3, 1, 3, 15)


class TestRecurrence:
    def test_members_take_turns_in_list_order(self) -> None:
        """Daily shifts go alice, bob, carol, alice, ... from the rotation's start."""
        rot = make_rotation(daily((9, 0)), start=local(NY, 2026, 1, 5, 9))
        found = shifts(rot, [], local(NY, 2026, 1, 5, 9), local(NY, 2026, 1, 9, 9))
        assert [s.contacts for s in found] == [("alice",), ("bob",), ("carol",), ("alice",)]

    def test_several_on_call_wrap_round_the_list(self) -> None:
        """Two on call of three: (alice, bob), (carol, alice), (bob, carol)."""
        rot = make_rotation(daily((9, 0), on_calls=2), start=local(NY, 2026, 1, 5, 9))
        found = shifts(rot, [], local(NY, 2026, 1, 5, 9), local(NY, 2026, 1, 8, 9))
        assert [s.contacts for s in found] == [("alice", "bob"), ("carol", "alice"),
                                               ("bob", "carol")]

    def test_multiplier_lengthens_shifts(self) -> None:
        """RecurrenceMultiplier 3 on a daily rotation makes three-day shifts."""
        rot = make_rotation(daily((9, 0), every=3), start=local(NY, 2026, 1, 5, 9))
        found = shifts(rot, [], local(NY, 2026, 1, 5, 9), local(NY, 2026, 1, 14, 9))
        assert [s.start for s in found] == [local(NY, 2026, 1, d, 9) for d in (5, 8, 11)]
        assert [s.contacts for s in found] == [("alice",), ("bob",), ("carol",)]

    def test_window_far_from_start_keeps_the_phase(self) -> None:
        """Years after the start, shifts still fall on the start's three-day phase."""
        rot = make_rotation(daily((9, 0), every=3), start=local(NY, 2020, 1, 1, 9))
        found = shifts(rot, [], local(NY, 2026, 6, 1), local(NY, 2026, 6, 10))
        for s in found[:-1]:
            boundary = s.end.astimezone(ZoneInfo(NY))
            assert (boundary.date() - date(2020, 1, 1)).days % 3 == 0
            assert (boundary.hour, boundary.minute) == (9, 0)

    def test_start_between_hand_offs_shortens_the_first_shift(self) -> None:
        """A rotation starting at 15:00 gives its first member the time until 09:00."""
        rot = make_rotation(daily((9, 0)), start=local(NY, 2026, 1, 5, 15))
        found = shifts(rot, [], utc(2026, 1, 1), local(NY, 2026, 1, 7, 9))
        assert spans(found) == [(("alice",), local(NY, 2026, 1, 5, 15), local(NY, 2026, 1, 6, 9)),
                                (("bob",), local(NY, 2026, 1, 6, 9), local(NY, 2026, 1, 7, 9))]

    def test_several_daily_hand_offs(self) -> None:
        """Hand-offs at 08:00 and 20:00 make twelve-hour shifts."""
        rot = make_rotation(daily((8, 0), (20, 0)), start=local(NY, 2026, 1, 5, 8))
        found = shifts(rot, [], local(NY, 2026, 1, 5, 8), local(NY, 2026, 1, 6, 20))
        assert [s.start.astimezone(ZoneInfo(NY)).hour for s in found] == [8, 20, 8]
        assert [s.contacts for s in found] == [("alice",), ("bob",), ("carol",)]

    def test_weekly_hand_off_every_other_week(self) -> None:
        """WeeklySettings MON 09:00 with multiplier 2 hands off every second Monday."""
        rec = make_recurrence(every=2, WeeklySettings=[
            {"DayOfWeek": "MON", "HandOffTime": hm(9)}])
        rot = make_rotation(rec, start=local(NY, 2026, 1, 7, 12))
        found = shifts(rot, [], utc(2026, 1, 1), utc(2026, 2, 16))
        assert [s.start for s in found] == [local(NY, 2026, 1, 7, 12), local(NY, 2026, 1, 19, 9),
                                            local(NY, 2026, 2, 2, 9)]

    def test_weekly_several_days(self) -> None:
        """MON and THU hand-offs split each week into two shifts."""
        rec = make_recurrence(WeeklySettings=[{"DayOfWeek": "THU", "HandOffTime": hm(17)},
                                              {"DayOfWeek": "MON", "HandOffTime": hm(9)}])
        rot = make_rotation(rec, start=local(NY, 2026, 1, 5, 9))
        found = shifts(rot, [], local(NY, 2026, 1, 5, 9), local(NY, 2026, 1, 12, 9))
        assert spans(found) == [
            (("alice",), local(NY, 2026, 1, 5, 9), local(NY, 2026, 1, 8, 17)),
            (("bob",), local(NY, 2026, 1, 8, 17), local(NY, 2026, 1, 12, 9))]

    def test_monthly_on_short_months(self) -> None:
        """DayOfMonth 31 hands off on the last day of months that have fewer days."""
        rec = make_recurrence(MonthlySettings=[{"DayOfMonth": 31, "HandOffTime": hm(9)}])
        rot = make_rotation(rec, start=utc(2026, 1, 1), tz="UTC")
        found = shifts(rot, [], utc(2026, 1, 1), utc(2026, 6, 1))
        assert [s.end.date().isoformat() for s in found[:-1]] == [
            "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]

    def test_monthly_in_leap_year(self) -> None:
        """DayOfMonth 30 is 29 February in 2028."""
        rec = make_recurrence(MonthlySettings=[{"DayOfMonth": 30, "HandOffTime": hm(0)}])
        rot = make_rotation(rec, start=utc(2028, 1, 30), tz="UTC")
        assert shifts(rot, [], utc(2028, 2, 1), utc(2028, 3, 1))[0].end == utc(2028, 2, 29)

    def test_monthly_settings_landing_on_one_day_count_once(self) -> None:
        """Settings for the 30th and 31st are one hand-off in February."""
        rec = make_recurrence(MonthlySettings=[{"DayOfMonth": 30, "HandOffTime": hm(9)},
                                               {"DayOfMonth": 31, "HandOffTime": hm(9)}])
        rot = make_rotation(rec, start=utc(2026, 1, 30, 9), tz="UTC")
        found = shifts(rot, [], utc(2026, 1, 30, 9), utc(2026, 3, 31, 9))
        assert [(s.contacts[0], s.start.date().isoformat()) for s in found] == [
            ("alice", "2026-01-30"), ("bob", "2026-01-31"), ("carol", "2026-02-28"),
            ("alice", "2026-03-30")]

    def test_nothing_before_the_rotation_starts(self) -> None:
        """A window that ends before the rotation's start has no shifts."""
        rot = make_rotation(daily((9, 0)), start=utc(2026, 6, 1))
        assert shifts(rot, [], utc(2026, 1, 1), utc(2026, 6, 1)) == []
        assert on_call(rot, [], utc(2026, 5, 31)) == []


class TestCoverage:
    def test_business_hours(self) -> None:
        """Weekday 09:00-17:00 coverage leaves nights and the weekend without shifts."""
        rec = make_recurrence(DailySettings=[hm(9)], ShiftCoverages={
            d: [{"Start": hm(9), "End": hm(17)}] for d in DAYS[:5]})
        rot = make_rotation(rec, start=local(NY, 2026, 1, 5, 9))
        found = shifts(rot, [], local(NY, 2026, 1, 9), local(NY, 2026, 1, 13))
        assert spans(found) == [
            (("bob",), local(NY, 2026, 1, 9, 9), local(NY, 2026, 1, 9, 17)),
            (("bob",), local(NY, 2026, 1, 12, 9), local(NY, 2026, 1, 12, 17))]

    def test_overnight_window(self) -> None:
        """A 22:00-06:00 window on MON covers Monday night into Tuesday morning."""
        rec = make_recurrence(DailySettings=[hm(9)],
                              ShiftCoverages={"MON": [{"Start": hm(22), "End": hm(6)}]})
        rot = make_rotation(rec, start=local(NY, 2026, 1, 5, 9))
        found = shifts(rot, [], local(NY, 2026, 1, 5), local(NY, 2026, 1, 8))
        assert spans(found) == [
            (("alice",), local(NY, 2026, 1, 5, 22), local(NY, 2026, 1, 6, 6))]

    def test_coverage_splits_at_hand_off(self) -> None:
        """A covered span that crosses a hand-off is two shifts, one per group."""
        rec = make_recurrence(DailySettings=[hm(12)],
                              ShiftCoverages={"TUE": [{"Start": hm(9), "End": hm(17)}]})
        rot = make_rotation(rec, start=local(NY, 2026, 1, 5, 12))
        found = shifts(rot, [], local(NY, 2026, 1, 6), local(NY, 2026, 1, 7))
        assert spans(found) == [
            (("alice",), local(NY, 2026, 1, 6, 9), local(NY, 2026, 1, 6, 12)),
            (("bob",), local(NY, 2026, 1, 6, 12), local(NY, 2026, 1, 6, 17))]

    def test_touching_windows_merge(self) -> None:
        """MON 00:00-24:00 and TUE 00:00-12:00 are one covered span."""
        rec = make_recurrence(every=7, DailySettings=[hm(0)], ShiftCoverages={
            "MON": [{}], "TUE": [{"End": hm(12)}]})
        rot = make_rotation(rec, start=local(NY, 2026, 1, 5), tz=NY)
        found = shifts(rot, [], local(NY, 2026, 1, 5), local(NY, 2026, 1, 12))
        assert spans(found) == [(("alice",), local(NY, 2026, 1, 5), local(NY, 2026, 1, 6, 12))]

    def test_short_window_is_refused(self) -> None:
        """A coverage window shorter than 30 minutes is a validation error."""
        rec = make_recurrence(DailySettings=[hm(9)], ShiftCoverages={
            "MON": [{"Start": hm(9), "End": hm(9, 20)}]})
        with pytest.raises(ValidationError, match="30 minutes"):
            check_rotation(make_rotation(rec, start=utc(2026, 1, 1)))


class TestOverrides:
    def test_override_splits_a_shift(self) -> None:
        """An override inside a shift makes regular, overridden, regular pieces."""
        rot = make_rotation(daily((9, 0)), start=local(NY, 2026, 1, 5, 9))
        ov = Override(["dave"], local(NY, 2026, 1, 5, 12), local(NY, 2026, 1, 5, 15))
        found = shifts(rot, [ov], local(NY, 2026, 1, 5, 9), local(NY, 2026, 1, 6, 9))
        assert [(s.contacts, s.type, s.overridden) for s in found] == [
            (("alice",), "REGULAR", None), (("dave",), "OVERRIDDEN", ("alice",)),
            (("alice",), "REGULAR", None)]
        assert [s.start for s in found] == [local(NY, 2026, 1, 5, h) for h in (9, 12, 15)]

    def test_override_over_a_hand_off(self) -> None:
        """An override across a hand-off records each shift's replaced contacts."""
        rot = make_rotation(daily((9, 0)), start=local(NY, 2026, 1, 5, 9))
        ov = Override(["bob"], local(NY, 2026, 1, 5, 20), local(NY, 2026, 1, 6, 20))
        found = shifts(rot, [ov], local(NY, 2026, 1, 5, 9), local(NY, 2026, 1, 7, 9))
        assert [(s.contacts, s.overridden) for s in found] == [
            (("alice",), None), (("bob",), ("alice",)), (("bob",), ("bob",)),
            (("bob",), None)]

    def test_override_without_contacts_leaves_nobody(self) -> None:
        """An override with no contacts is an OVERRIDDEN shift with no one on call."""
        rot = make_rotation(daily((9, 0)), start=local(NY, 2026, 1, 5, 9))
        ov = Override([], local(NY, 2026, 1, 5, 10), local(NY, 2026, 1, 5, 11))
        assert on_call(rot, [ov], local(NY, 2026, 1, 5, 10, 30)) == []
        assert on_call(rot, [ov], local(NY, 2026, 1, 5, 11)) == ["alice"]

    def test_later_override_wins(self) -> None:
        """Where two overrides overlap, the later one in the list is in effect."""
        rot = make_rotation(daily((9, 0)), start=local(NY, 2026, 1, 5, 9))
        first = Override(["x"], local(NY, 2026, 1, 5, 10), local(NY, 2026, 1, 5, 14))
        second = Override(["y"], local(NY, 2026, 1, 5, 12), local(NY, 2026, 1, 5, 13))
        found = shifts(rot, [first, second], local(NY, 2026, 1, 5, 10), local(NY, 2026, 1, 5, 14))
        assert [(s.contacts, s.start.astimezone(ZoneInfo(NY)).hour) for s in found] == [
            (("x",), 10), (("y",), 12), (("x",), 13)]

    def test_override_adds_no_coverage(self) -> None:
        """An override outside the coverage windows puts nobody on call."""
        rec = make_recurrence(DailySettings=[hm(9)],
                              ShiftCoverages={"MON": [{"Start": hm(9), "End": hm(17)}]})
        rot = make_rotation(rec, start=local(NY, 2026, 1, 5, 9))
        ov = Override(["dave"], local(NY, 2026, 1, 5, 16), local(NY, 2026, 1, 5, 20))
        found = shifts(rot, [ov], local(NY, 2026, 1, 5), local(NY, 2026, 1, 6))
        assert [(s.contacts, s.end) for s in found] == [
            (("alice",), local(NY, 2026, 1, 5, 16)), (("dave",), local(NY, 2026, 1, 5, 17))]
        assert on_call(rot, [ov], local(NY, 2026, 1, 5, 18)) == []


class TestChecks:
    def test_unknown_zone(self) -> None:
        """Designators without DST rules and unknown names are refused; IANA names pass."""
        for bad in ("PST", "EST5EDT", "Mars/Olympus", "", "../etc/passwd"):
            with pytest.raises(ValidationError, match="IANA"):
                zone(bad)
        assert str(zone("UTC")) == "UTC"

    @pytest.mark.parametrize("settings", [
        {}, {"DailySettings": [hm(9)], "WeeklySettings": [{"DayOfWeek": "MON",
                                                           "HandOffTime": hm(9)}]},
        {"DailySettings": []}])
    def test_exactly_one_recurrence_kind(self, settings: dict[str, Any]) -> None:
        """None, two, or an empty list of settings is a validation error."""
        with pytest.raises(ValidationError, match="exactly one"):
            check_rotation(make_rotation(make_recurrence(**settings), start=utc(2026, 1, 1)))

    def test_more_on_call_than_members(self) -> None:
        """NumberOfOnCalls may not exceed the number of members."""
        with pytest.raises(ValidationError, match="NumberOfOnCalls"):
            check_rotation(make_rotation(daily((9, 0), on_calls=4), start=utc(2026, 1, 1)))

    def test_duplicate_member(self) -> None:
        """A member listed twice is a validation error."""
        with pytest.raises(ValidationError, match="twice"):
            check_rotation(make_rotation(daily((9, 0)), start=utc(2026, 1, 1),
                                         members=["a", "b", "a"]))


# --- properties -------------------------------------------------------------------------

ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu",
         "Pacific/Chatham", "UTC", "America/Sao_Paulo", "Europe/Dublin")


@functools.cache
def transitions(tz: str) -> tuple[datetime, ...]:
    """The offset changes of ``tz`` in 2024-2028 (to the second), or month starts if none."""
    z = ZoneInfo(tz)
    found = []
    t = utc(2024, 1, 1)
    while t < utc(2029, 1, 1):
        nxt = t + timedelta(hours=6)
        if t.astimezone(z).utcoffset() != nxt.astimezone(z).utcoffset():
            lo, hi = int(t.timestamp()), int(nxt.timestamp())
            while hi - lo > 1:
                mid = (lo + hi) // 2
                same = (datetime.fromtimestamp(mid, UTC).astimezone(z).utcoffset()
                        == t.astimezone(z).utcoffset())
                lo, hi = (mid, hi) if same else (lo, mid)
            found.append(datetime.fromtimestamp(hi, UTC))
        t = nxt
    return tuple(found) or tuple(utc(2024 + m // 12, m % 12 + 1, 1) for m in range(60))


def _apart(a: int, b: int) -> int:
    return min((a - b) % 1440, (b - a) % 1440)


@st.composite
def hand_off_times(draw: st.DrawFn, n: int, hint: int | None) -> list[int]:
    """Minutes of the day, at least two hours apart so that no two hand-offs of a day fall
    into one DST gap; the first is ``hint`` (a time near a transition) when given."""
    found = [] if hint is None else [hint]
    for h in draw(st.permutations(range(0, 24, 2))):
        if len(found) == n:
            break
        minute = h * 60 + draw(st.integers(0, 59))
        if all(_apart(minute, f) >= 121 for f in found):
            found.append(minute)
    return found


@st.composite
def recurrences(draw: st.DrawFn, members: int, coverage: bool, near: datetime,
                focus: bool) -> RecurrenceSettings:
    """A recurrence whose hand-offs (and coverage windows) are often at the wall-clock
    times around the transition just after ``near`` (a naive local time)."""
    kind = draw(st.sampled_from(("DAILY", "WEEKLY", "MONTHLY")))
    count = draw(st.integers(1, 3))
    around = (near.hour * 60 + near.minute + draw(st.integers(-30, 45))) % 1440
    hinted = focus or draw(st.booleans())
    times = draw(hand_off_times(count, around if hinted else None))
    doc: dict[str, Any] = {"NumberOfOnCalls": draw(st.integers(1, members)),
                           "RecurrenceMultiplier": 1 if focus else draw(st.integers(1, 4))}
    if kind == "DAILY":
        doc["DailySettings"] = [hm(*divmod(t, 60)) for t in times]
    elif kind == "WEEKLY":
        days = draw(st.lists(st.sampled_from(DAYS), min_size=count, max_size=count,
                             unique=True))
        if hinted and DAYS[near.weekday()] not in days:
            days[0] = DAYS[near.weekday()]
        doc["WeeklySettings"] = [{"DayOfWeek": d, "HandOffTime": hm(*divmod(t, 60))}
                                 for d, t in zip(days, times, strict=True)]
    else:
        dom = draw(st.lists(st.integers(1, 31), min_size=count, max_size=count, unique=True))
        if hinted and near.day not in dom:
            dom[0] = near.day
        doc["MonthlySettings"] = [{"DayOfMonth": d, "HandOffTime": hm(*divmod(t, 60))}
                                  for d, t in zip(dom, times, strict=True)]
    if coverage:
        windows = st.tuples(st.integers(0, 1439), st.integers(30, 1440))
        cover = draw(st.dictionaries(st.sampled_from(DAYS),
                                     st.lists(windows, min_size=1, max_size=2),
                                     min_size=1, max_size=7))
        if draw(st.booleans()):  # a window that starts or ends around the transition
            length = draw(st.integers(30, 1440))
            edge = (around, length) if draw(st.booleans()) else ((around - length) % 1440,
                                                                  length)
            cover.setdefault(DAYS[near.weekday()], []).append(edge)
        doc["ShiftCoverages"] = {
            day: [{"Start": hm(*divmod(s, 60)), "End": hm(*divmod((s + n) % 1440, 60))}
                  for s, n in ws] for day, ws in cover.items()}
    return msgspec.convert(doc, RecurrenceSettings)


@dataclass(frozen=True)
class Case:
    rotation: Rotation
    start: datetime
    end: datetime
    overrides: tuple[Override, ...]


@st.composite
def cases(draw: st.DrawFn, *, coverage: bool | None = None, overrides: bool = False,
          focus: bool = False) -> Case:
    """A rotation and a window near one of its zone's transitions; with ``focus``, the
    window spans the transition and a hand-off is set right next to it."""
    tz = draw(st.sampled_from(ZONES))
    anchor = draw(st.sampled_from(transitions(tz)))
    near = (anchor - timedelta(seconds=1)).astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    start = anchor - timedelta(minutes=draw(st.integers(0, 10 * 1440)))
    end = start + timedelta(minutes=draw(st.integers(60, 21 * 1440)))
    if focus:
        end = max(end, anchor + timedelta(days=2))
    rot_start = start - timedelta(minutes=draw(st.integers(-2 * 1440, 90 * 1440)))
    n = draw(st.integers(1, 6))
    members = [f"m{i}" for i in range(n)]
    with_coverage = draw(st.booleans()) if coverage is None else coverage
    rotation = Rotation(members=members, start=rot_start, time_zone_id=tz,
                        recurrence=draw(recurrences(n, with_coverage, near, focus)))
    ovs: list[Override] = []
    if overrides:
        for _ in range(draw(st.integers(1, 3))):
            o_start = start + timedelta(minutes=draw(st.integers(-1440, 21 * 1440)))
            length = timedelta(minutes=draw(st.integers(30, 4 * 1440)))
            who = draw(st.lists(st.sampled_from([*members, "x"]), max_size=3, unique=True))
            ovs.append(Override(who, o_start, o_start + length))
    return Case(rotation, start, end, tuple(ovs))


def is_ambiguous(t: datetime, tz: str) -> bool:
    """Whether the wall-clock time at ``t`` also happens at another instant."""
    w = t.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    z = ZoneInfo(tz)
    return w.replace(tzinfo=z, fold=0).utcoffset() != w.replace(tzinfo=z, fold=1).utcoffset()


def covered_by_wall_clock(rec: RecurrenceSettings, tz: str, t: datetime) -> bool:
    """An oracle: is ``t`` inside a coverage window, judged by its wall-clock time."""
    if not rec.shift_coverages:
        return True
    w = t.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    for day in (w.date(), w.date() - timedelta(days=1)):
        midnight = datetime.combine(day, datetime.min.time())
        for window in rec.shift_coverages.get(DAYS[day.weekday()], ()):  # type: ignore[call-overload]
            s = window.start.minutes if window.start else 0
            e = window.end.minutes if window.end else 1440
            length = (e - s) % 1440 or 1440
            ws = midnight + timedelta(minutes=s)
            if ws <= w < ws + timedelta(minutes=length):
                return True
    return False


def is_hand_off(rec: RecurrenceSettings, tz: str, boundary: datetime) -> bool:
    """An oracle: the wall clock shows a hand-off point at ``boundary``, or the clocks
    jumped there over one."""
    z = ZoneInfo(tz)
    w = boundary.astimezone(z).replace(tzinfo=None)
    before = (boundary - timedelta(seconds=1)).astimezone(z).replace(tzinfo=None)
    jumped = before + timedelta(seconds=1) != w

    def points(day: datetime) -> list[datetime]:
        midnight = datetime.combine(day.date(), datetime.min.time())
        if rec.daily_settings:
            return [midnight + timedelta(minutes=h.minutes) for h in rec.daily_settings]
        if rec.weekly_settings:
            return [midnight + timedelta(minutes=s.hand_off_time.minutes)
                    for s in rec.weekly_settings if DAYS.index(s.day_of_week) == day.weekday()]
        last = calendar.monthrange(day.year, day.month)[1]
        return [midnight + timedelta(minutes=s.hand_off_time.minutes)
                for s in rec.monthly_settings or () if min(s.day_of_month, last) == day.day]

    candidates = points(w) + points(w - timedelta(days=1))
    if w in candidates:
        return True
    return jumped and any(before < p < w for p in candidates)


def samples(case: Case, found: list[Shift]) -> list[datetime]:
    """Instants to check: a regular grid plus both sides of every boundary."""
    step = max(timedelta(minutes=17), (case.end - case.start) / 400)
    grid = []
    t = case.start
    while t < case.end:
        grid.append(t)
        t += step
    edges = [x for s in found for x in (s.start, s.end - timedelta(seconds=1), s.end)]
    return [t for t in grid + edges if case.start <= t < case.end]


def shift_at(found: list[Shift], t: datetime) -> Shift | None:
    i = bisect.bisect_right([s.start for s in found], t) - 1
    return found[i] if i >= 0 and found[i].start <= t < found[i].end else None


def check_well_formed(case: Case, found: list[Shift]) -> None:
    low = max(case.start, case.rotation.start)
    for s in found:
        assert low <= s.start < s.end <= case.end
    for a, b in pairwise(found):
        assert a.end <= b.start


PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


class TestProperties:
    @PROPERTY
    @given(cases(coverage=False))
    def test_without_coverage_shifts_tile_the_window(self, case: Case) -> None:
        """Without coverage windows, shifts are contiguous from the start to the end."""
        found = shifts(case.rotation, [], case.start, case.end)
        check_well_formed(case, found)
        low = max(case.start, case.rotation.start)
        if low >= case.end:
            assert found == []
            return
        assert found[0].start == low and found[-1].end == case.end
        assert all(a.end == b.start for a, b in pairwise(found))

    @PROPERTY
    @given(cases(coverage=False))
    def test_hand_offs_follow_list_order(self, case: Case) -> None:
        """Each shift's group is the previous one advanced by NumberOfOnCalls, wrapping."""
        rot = case.rotation
        found = shifts(rot, [], case.start, case.end)
        k, n = rot.recurrence.number_of_on_calls, len(rot.members)
        if found and found[0].start == rot.start:
            assert found[0].contacts == tuple(rot.members[:k])
        for a, b in pairwise(found):
            first = rot.members.index(a.contacts[0])
            assert b.contacts == tuple(rot.members[(first + k + i) % n] for i in range(k))
            assert len(set(b.contacts)) == k

    @PROPERTY
    @given(cases(coverage=False, focus=True))
    def test_hand_offs_at_wall_clock_time(self, case: Case) -> None:
        """Every hand-off is at a hand-off time on the zone's wall clock (or at the jump)."""
        rot = case.rotation
        found = shifts(rot, [], case.start, case.end)
        for s in found[:-1]:
            assert is_hand_off(rot.recurrence, rot.time_zone_id, s.end), s.end

    @PROPERTY
    @given(cases(coverage=True))
    def test_shifts_cover_exactly_the_coverage_windows(self, case: Case) -> None:
        """Someone is on call exactly when the wall clock is in a coverage window."""
        rot = case.rotation
        found = shifts(rot, [], case.start, case.end)
        check_well_formed(case, found)
        uncovered = msgspec.structs.replace(rot.recurrence, shift_coverages=None)
        regular = shifts(Rotation(rot.members, rot.start, rot.time_zone_id, uncovered), [],
                         case.start, case.end)
        for t in samples(case, found):
            if is_ambiguous(t, rot.time_zone_id):
                continue
            expected = t >= rot.start and covered_by_wall_clock(rot.recurrence,
                                                                rot.time_zone_id, t)
            got = shift_at(found, t)
            assert (got is not None) == expected, t
            if got is not None:
                full = shift_at(regular, t)
                assert full is not None and got.contacts == full.contacts
        for a, b in pairwise(found):
            if a.end == b.start:
                assert a.contacts != b.contacts or is_hand_off(
                    rot.recurrence, rot.time_zone_id, a.end)

    @PROPERTY
    @given(cases(overrides=True))
    def test_overrides_replace_on_call_contacts(self, case: Case) -> None:
        """Under overrides the covered time is unchanged and the last override decides."""
        rot = case.rotation
        plain = shifts(rot, [], case.start, case.end)
        found = shifts(rot, case.overrides, case.start, case.end)
        check_well_formed(case, found)
        for t in samples(case, found) + samples(case, plain):
            before, after = shift_at(plain, t), shift_at(found, t)
            assert (before is None) == (after is None), t
            if before is None or after is None:
                continue
            winner = [o for o in case.overrides if o.start <= t < o.end]
            if winner:
                assert after.type == "OVERRIDDEN"
                assert after.contacts == tuple(winner[-1].contacts)
                assert after.overridden == before.contacts
            else:
                assert after.type == "REGULAR" and after.contacts == before.contacts
            assert on_call(rot, case.overrides, t) == list(after.contacts)

    @settings(max_examples=100, deadline=None)
    @given(cases(), st.integers(1, 40))
    def test_lazy_iteration_matches_pages(self, case: Case, page: int) -> None:
        """Resuming from the end of the last shift seen gives the same shifts."""
        whole = shifts(case.rotation, case.overrides, case.start, case.end)
        resumed: list[Shift] = []
        start = case.start
        while True:
            chunk = []
            for s in iter_shifts(case.rotation, case.overrides, start, case.end):
                chunk.append(s)
                if len(chunk) == page:
                    break
            resumed += chunk
            if len(chunk) < page:
                break
            start = chunk[-1].end
        assert resumed == whole
