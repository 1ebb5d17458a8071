"""An incident's timeline: automatic events Tocsin writes, custom events responders write.

Automatic events (the trigger, the start, every record update, related-item changes; later
engagements, acknowledgements and runbook steps) carry a JSON object serialised as a
string in ``eventData``, as the AWS service does, and can't be edited or deleted. Custom
events (``Custom Event``, ``Note``) are the responders' own: created, edited (references
replaced as a whole) and deleted through the API, with a past ``eventTime`` allowed.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from tocsin.shared import codec
from tocsin.shared.contracts import incidents as ci
from tocsin.shared.errors import ValidationError
from tocsin.shared.paging import read_token
from tocsin.shared.timestamps import Epoch

__all__ = [
    "CUSTOM_TYPES",
    "RECORD_UPDATE",
    "START",
    "TRIGGER",
    "TimelineEvent",
    "TimelineQuery",
    "automatic",
    "check_custom_type",
    "timeline_query",
]

TRIGGER = "SSM Incident Trigger"
START = "SSM Incident Start"
RECORD_UPDATE = "SSM Incident Record Update"
CUSTOM_TYPES = ("Custom Event", "Note")
"""The only event types callers may create or edit."""
_FILTER_KEYS = ("eventTime", "eventType", "eventReference")

JSON = dict[str, Any]


class TimelineEvent(ci.TimelineEvent, frozen=True):
    """A timeline event as ``GetTimelineEvent`` returns it, shaped by its contract."""

    def summary(self) -> JSON:
        """The event as ``ListTimelineEvents`` lists it: without its data."""
        out: JSON = msgspec.to_builtins(self)
        del out["eventData"]
        return out


def automatic(incident_arn: str, event_type: str, data: JSON, *, at: float,
              references: list[JSON] | None = None) -> TimelineEvent:
    """An automatic event; ``data`` is stored as a JSON string."""
    return TimelineEvent(incident_record_arn=incident_arn, event_id=str(uuid.uuid4()),
                         event_time=at, event_updated_time=at, event_type=event_type,
                         event_data=codec.encode(data).decode(),
                         event_references=references or [])


def check_custom_type(event_type: str) -> None:
    if event_type not in CUSTOM_TYPES:
        raise ValidationError(f"eventType must be one of {', '.join(CUSTOM_TYPES)}; "
                              f"{event_type!r} events are written by Tocsin itself")


class TimelineQuery(msgspec.Struct, kw_only=True, frozen=True):
    """What ``ListTimelineEvents`` asks for."""

    incident_arn: str
    before: float | None = None
    after: float | None = None
    types: list[str] | None = None
    references: list[str] | None = None
    descending: bool = True
    position: tuple[float, str] | None = None
    limit: int = 100


def timeline_query(cmd: ci.ListTimelineEvents, *, limit: int) -> TimelineQuery:
    """Filters ANDed, their values ORed."""
    fields: dict[str, Any] = {}
    for f in cmd.filters or []:
        cond, equals = f.condition, f.condition.equals or {}
        if f.key == "eventTime":
            if cond.before is None and cond.after is None:
                raise ValidationError("filter eventTime takes a before or after condition")
            if cond.before is not None:
                fields["before"] = cond.before
            if cond.after is not None:
                fields["after"] = cond.after
        elif f.key in ("eventType", "eventReference"):
            values = equals.get("stringValues")
            if not values:
                raise ValidationError(f"filter {f.key} takes equals.stringValues")
            fields["types" if f.key == "eventType" else "references"] = [str(v) for v in values]
        else:
            raise ValidationError(
                f"filter key {f.key!r} is not one of {', '.join(_FILTER_KEYS)}")
    position = (tuple(read_token(cmd.next_token, tuple[Epoch, str]))
                if cmd.next_token else None)
    return TimelineQuery(incident_arn=cmd.incident_record_arn, limit=limit,
                         descending=cmd.sort_order != "ASCENDING", position=position, **fields)
