"""What the escalation service publishes, on ``events.<region>.escalation.<Type>``.

The envelope's ``data`` is the matching Struct, encoded camelCase, times as ISO-8601
strings; the correlation carries ``engagement_arn`` always and ``incident_arn`` when the
engagement belongs to an incident. Read one with :func:`event_data`. Times are plan time
(``TOCSIN_CLOCK_SCALE``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

import msgspec

__all__ = ["EVENT_TYPES", "StageStarted", "TimerCancelled", "TimerScheduled", "event_data"]

TimerKind = Literal["START_ENGAGEMENT_STAGE"]
"""What a timer does when it falls due."""


class _Event(msgspec.Struct, rename="camel", kw_only=True, frozen=True, omit_defaults=True):
    """An escalation event's payload."""


class TimerScheduled(_Event, frozen=True):
    """A timer was written: stage ``stage_index`` of the engagement starts at ``due_at``."""

    timer_id: str
    engagement_arn: str
    stage_index: int
    due_at: datetime
    kind: TimerKind = "START_ENGAGEMENT_STAGE"


class StageStarted(_Event, frozen=True):
    """A timer fired: ``StartEngagementStage`` was called for its stage.

    ``started`` is false when the contacts service refused (``reason`` says why:
    ``STOPPED``, ``PROGRESSION_STOPPED`` or ``ALREADY_STARTED``).
    """

    timer_id: str
    engagement_arn: str
    stage_index: int
    due_at: datetime
    fired_at: datetime
    started: bool
    page_arns: list[str] = []
    reason: str | None = None
    attempts: int = 1


class TimerCancelled(_Event, frozen=True):
    """A pending timer was cancelled before it fell due; it will never fire."""

    timer_id: str
    engagement_arn: str
    stage_index: int
    due_at: datetime
    reason: Literal["ENGAGEMENT_STOPPED", "PROGRESSION_STOPPED"]


EVENT_TYPES: Final[dict[str, type[_Event]]] = {
    "TimerScheduled": TimerScheduled,
    "StageStarted": StageStarted,
    "TimerCancelled": TimerCancelled,
}
"""Envelope ``type`` → the Struct of its ``data``."""


def event_data(event_type: str, data: dict[str, Any]) -> Any:
    """The typed payload of an escalation event; ``KeyError`` for another type."""
    return msgspec.convert(data, EVENT_TYPES[event_type])
