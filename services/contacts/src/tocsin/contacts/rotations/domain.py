"""Rotations and their overrides as records, the rules of overrides and the pages of
shifts. Pure: no I/O, no clock (the shift engine itself is
:mod:`tocsin.contacts.rotations.shifts`)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from tocsin.contacts.directory.domain import ROTATION, camel
from tocsin.contacts.rotations import shifts
from tocsin.contacts.rotations.shifts import (
    RecurrenceSettings,
    Rotation,
    Shift,
    iter_shifts,
)
from tocsin.shared.errors import NotFoundError, ValidationError
from tocsin.shared.paging import make_token, page_size, read_token

__all__ = [
    "EARLIEST",
    "MAX_IDS_PER_PAGE",
    "MAX_OVERRIDE_AHEAD_MONTHS",
    "MICRO",
    "MIN_OVERRIDE",
    "OverrideRecord",
    "RotationRecord",
    "add_months",
    "epoch",
    "instant",
    "micros",
    "missing_rotation",
    "rotation_state",
    "shift_page",
]

JSON = dict[str, Any]

MIN_OVERRIDE = timedelta(minutes=30)
"""Shortest override."""
MAX_OVERRIDE_AHEAD_MONTHS = 6
"""How far ahead an override may start."""
MAX_IDS_PER_PAGE = 8192
"""Most contact ids in one page of shifts."""

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)



def epoch(t: datetime) -> float:
    """``t`` as the API carries it: epoch seconds."""
    return t.timestamp()


class RotationRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A rotation with its members in shift order."""

    arn: str
    name: str
    contact_ids: list[str]
    start_time: datetime
    time_zone_id: str
    recurrence: RecurrenceSettings
    version: int = 1
    """Counts the rotation's changes (its overrides and tags included)."""

    def engine(self) -> shifts.Rotation:
        """What the shift engine reads."""
        return shifts.Rotation(members=self.contact_ids, start=self.start_time,
                               time_zone_id=self.time_zone_id, recurrence=self.recurrence)

    def output(self) -> JSON:
        """The rotation as ``GetRotation`` returns it (and ``ListRotations`` lists it)."""
        return {"RotationArn": self.arn, "Name": self.name, "ContactIds": list(self.contact_ids),
                "StartTime": epoch(self.start_time), "TimeZoneId": self.time_zone_id,
                "Recurrence": msgspec.to_builtins(self.recurrence)}


class OverrideRecord(msgspec.Struct, frozen=True, kw_only=True):
    """An override of a rotation."""

    id: str
    rotation_arn: str
    new_contact_ids: list[str]
    start_time: datetime
    end_time: datetime
    create_time: datetime

    def engine(self) -> shifts.Override:
        return shifts.Override(contacts=self.new_contact_ids, start=self.start_time,
                               end=self.end_time)

    def output(self) -> JSON:
        """The ``RotationOverride`` shape of ``ListRotationOverrides``."""
        return {"RotationOverrideId": self.id, "NewContactIds": list(self.new_contact_ids),
                "StartTime": epoch(self.start_time), "EndTime": epoch(self.end_time),
                "CreateTime": epoch(self.create_time)}



def instant(value: float, member: str) -> datetime:
    """An input timestamp (epoch seconds) as an instant."""
    try:
        t = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        t = _LATEST
    if not EARLIEST <= t < _LATEST:
        raise ValidationError(f"{member} must be between 1970 and 2200")
    return t


def add_months(t: datetime, months: int) -> datetime:
    """The same day and time ``months`` later (the month's last day if it is shorter)."""
    y, m = divmod(t.month - 1 + months, 12)
    year, month = t.year + y, m + 1
    days = (datetime(year + month // 12, month % 12 + 1, 1) - datetime(year, month, 1)).days
    return t.replace(year=year, month=month, day=min(t.day, days))


def micros(t: datetime) -> int:
    return (t - EARLIEST) // MICRO


def shift_output(shift: Shift) -> JSON:
    out: JSON = {"ContactIds": list(shift.contacts), "StartTime": epoch(shift.start),
                 "EndTime": epoch(shift.end), "Type": shift.type}
    if shift.overridden is not None:
        out["ShiftDetails"] = {"OverriddenContactIds": list(shift.overridden)}
    return out


def shift_page(rotation: Rotation, overrides: Sequence[shifts.Override], *, start: datetime,
                end: datetime, next_token: str | None, max_results: int | None) -> JSON:
    """One page of the shifts in ``[start, end)``."""
    if end <= start:
        raise ValidationError("EndTime must be after StartTime")
    if next_token:
        start = EARLIEST + read_token(next_token, int, member="NextToken") * MICRO
        if not EARLIEST <= start <= end:
            raise ValidationError("NextToken is not a token this operation returned")
    widest = rotation.recurrence.number_of_on_calls + max(
        (len(o.contacts) for o in overrides), default=0)
    limit = min(page_size(max_results), max(1, MAX_IDS_PER_PAGE // widest))
    found = list(itertools.islice(iter_shifts(rotation, overrides, start, end), limit + 1))
    out: JSON = {"RotationShifts": [shift_output(s) for s in found[:limit]]}
    if len(found) > limit:
        out["NextToken"] = make_token(micros(found[limit - 1].end))
    return out


def rotation_state(rotation: RotationRecord, *, by: str) -> JSON:
    """The members of a rotation event: the rotation as ``GetRotation`` returns it, its
    recurrence camelCase with ``shiftCoverages`` keyed by day, its version and who changed
    it."""
    recurrence = msgspec.to_builtins(rotation.recurrence)
    coverages = recurrence.pop("ShiftCoverages", None)
    data: JSON = camel(recurrence)
    if coverages is not None:
        data["shiftCoverages"] = {day: camel(w) for day, w in coverages.items()}
    return {"rotation_arn": rotation.arn, "name": rotation.name,
            "contact_ids": list(rotation.contact_ids), "start_time": epoch(rotation.start_time),
            "time_zone_id": rotation.time_zone_id, "recurrence": data,
            "resource_version": rotation.version, "principal": by}


def missing_rotation(arn: str) -> NotFoundError:
    return NotFoundError(f"Rotation {arn} does not exist", resource_type=ROTATION,
                         resource_id=arn)

