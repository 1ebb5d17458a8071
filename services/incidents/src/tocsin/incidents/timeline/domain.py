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

__all__ = [
    "CUSTOM_TYPES",
    "RECORD_UPDATE",
    "START",
    "TRIGGER",
    "TimelineEvent",
    "automatic",
]

TRIGGER = "SSM Incident Trigger"
START = "SSM Incident Start"
RECORD_UPDATE = "SSM Incident Record Update"
CUSTOM_TYPES = ("Custom Event", "Note")
"""The only event types callers may create or edit."""

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


