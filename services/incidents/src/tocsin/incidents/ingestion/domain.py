"""How an EventBridge-shaped event becomes the start, or the recovery, of an incident
(``reference/aws-api.md`` section 4.4). Pure: no I/O, no clock.

- A CloudWatch ``Alarm State Change`` into ``ALARM`` starts an incident (or joins the open
  one of the same alarm); into ``OK`` it is a recovery; ``INSUFFICIENT_DATA`` is ignored.
  ``triggerArn`` is the alarm ARN and the timestamp the new state's.
- A Security Hub ``Findings - Imported`` event starts an incident per finding: its
  dedupe key is the rule (or the event's first resource) with the finding's ``Id``.
- Any other event starts an incident; ``triggerArn`` is the rule that matched it, else its
  first resource, so repeated events of one rule or resource join the open incident.

``rawData`` is the event as JSON text, at most :data:`MAX_RAW_DATA` characters: an event
too long for it is reduced (states' ``reasonData`` first, then ``detail``), never cut in
the middle of JSON, so the involved resources can still be read from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec

from tocsin.shared import timestamps

__all__ = [
    "MAX_RAW_DATA",
    "Malformed",
    "Trigger",
    "alarm_arn",
    "parse_event",
    "parse_time",
    "raw_data",
    "to_trigger",
]

JSON = dict[str, Any]

MAX_RAW_DATA = 10000
"""``TriggerDetails.rawData`` holds at most this many characters."""

CLOUDWATCH = ("aws.cloudwatch", "CloudWatch Alarm State Change")
SECURITY_HUB = ("aws.securityhub", "Security Hub Findings - Imported")

Kind = Literal["open", "recover", "ignore"]


class Malformed(ValueError):
    """The message is not an EventBridge-shaped event Tocsin can read; says why."""


@dataclass(frozen=True, slots=True)
class Trigger:
    """What one event asks of one response plan."""

    kind: Kind
    """``open`` starts (or joins) an incident, ``recover`` reports the trigger is over."""
    event_id: str
    source: str
    timestamp: float
    trigger_arn: str | None
    raw_data: str
    dedupe_key: str | None = None
    """Set when the default dedupe key is not ``trigger_arn`` (Security Hub findings)."""
    state: str | None = None
    """The alarm's new state, for alarms."""

    def trigger_details(self) -> JSON:
        """``StartIncident.triggerDetails``."""
        out: JSON = {"source": self.source, "timestamp": self.timestamp,
                     "rawData": self.raw_data}
        if self.trigger_arn:
            out["triggerArn"] = self.trigger_arn
        return out

    @property
    def key(self) -> str | None:
        """What identifies the trigger among the open incidents of a plan."""
        return self.dedupe_key or self.trigger_arn


def parse_event(data: bytes) -> JSON:
    """The event in ``data``, checked for the members every event needs.

    Raises:
        Malformed: not a JSON object, or ``id``, ``source``, ``detail-type`` or ``detail``
            missing or of the wrong type.
    """
    try:
        event = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise Malformed(f"the body is not JSON: {exc}") from None
    except RecursionError:  # msgspec's own depth limit: a poison message, not a failure
        raise Malformed("the body is JSON nested too deeply") from None
    return check_event(event)


def check_event(event: Any) -> JSON:
    """``event`` if it has the shape of an EventBridge event (see :func:`parse_event`)."""
    if not isinstance(event, dict):
        raise Malformed("the body is not a JSON object")
    for member in ("id", "source", "detail-type"):
        value = event.get(member)
        if not isinstance(value, str) or not value:
            raise Malformed(f"the event has no {member!r} string")
    if len(event["id"]) > 1024:
        raise Malformed("the event's 'id' is longer than 1024 characters")
    if not isinstance(event.get("detail"), dict):
        raise Malformed("the event's 'detail' is not a JSON object")
    resources = event.get("resources", [])
    if not isinstance(resources, list) or not all(isinstance(r, str) for r in resources):
        raise Malformed("the event's 'resources' is not a list of strings")
    if "time" in event and not isinstance(event["time"], str):
        raise Malformed("the event's 'time' is not a string")
    return event


_OFFSET = re.compile(r"([+-]\d\d)(\d\d)$")
_FRACTION = re.compile(r"\.\d{7,}")


def parse_time(value: Any, *, fallback: float | None = None) -> float:
    """Epoch seconds of an ISO-8601 time: EventBridge's ``...Z`` and CloudWatch's
    ``2024-03-05T09:20:41.515+0000`` alike. A time Tocsin cannot store (before 1970) is
    ``fallback`` when one is given: an alarm with a bogus clock still pages.

    Raises:
        Malformed: not such a time (or out of range, without a fallback).
    """
    if not isinstance(value, str):
        raise Malformed(f"{value!r} is not an ISO-8601 time")
    try:  # as it comes, the common case: Python reads both forms, and nanoseconds
        at = datetime.fromisoformat(value)
    except ValueError:
        text = _OFFSET.sub(r"\1:\2", value.strip().replace("Z", "+00:00"))
        # RFC 3339 allows nanoseconds (Prometheus sends them); Python reads up to micro.
        text = _FRACTION.sub(lambda m: m.group(0)[:7], text)
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            raise Malformed(f"{value!r} is not an ISO-8601 time") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    epoch = at.timestamp()
    if timestamps.in_range(epoch):
        return epoch
    if fallback is None:
        raise Malformed(f"{value!r} is not a time {timestamps.RANGE_TEXT}")
    return fallback


def alarm_arn(event: JSON) -> str:
    """The ARN of the alarm of a CloudWatch state change: its first resource, else built
    from its region, account and name."""
    resources = event.get("resources") or []
    if resources:
        return str(resources[0])
    name = event["detail"].get("alarmName")
    if not isinstance(name, str) or not name:
        raise Malformed("the alarm state change names no alarm (no resources, no alarmName)")
    return f"arn:aws:cloudwatch:{event.get('region', '')}:{event.get('account', '')}:alarm:{name}"


def to_trigger(event: JSON, *, rule_arn: str | None, received: float) -> Trigger:
    """What ``event`` asks of the plan it reached, directly (``rule_arn`` None) or through
    the rule ``rule_arn``. ``received`` is the time used when the event has none.

    Raises:
        Malformed: an alarm state change without a readable state.
    """
    source, detail_type = event["source"], event["detail-type"]
    at = parse_time(event["time"], fallback=received) if "time" in event else received
    resources = event.get("resources") or []
    first = str(resources[0]) if resources else None
    raw = raw_data(event)
    if (source, detail_type) == CLOUDWATCH:
        state = event["detail"].get("state")
        if not isinstance(state, dict) or not isinstance(state.get("value"), str):
            raise Malformed("the alarm state change has no detail.state.value")
        value = state["value"]
        kind: Kind = {"ALARM": "open", "OK": "recover"}.get(value, "ignore")  # type: ignore[assignment]
        when = parse_time(state["timestamp"], fallback=at) if "timestamp" in state else at
        return Trigger(kind=kind, event_id=event["id"], source=source, timestamp=when,
                       trigger_arn=alarm_arn(event), raw_data=raw, state=value)
    trigger_arn = rule_arn or first
    dedupe = None
    if (source, detail_type) == SECURITY_HUB:
        findings = event["detail"].get("findings")
        finding = findings[0] if isinstance(findings, list) and findings else None
        finding_id = finding.get("Id") if isinstance(finding, dict) else None
        if isinstance(finding_id, str) and finding_id:
            dedupe = f"{trigger_arn or source}|{finding_id}"[:1000]
    return Trigger(kind="open", event_id=event["id"], source=source[:50], timestamp=at,
                   trigger_arn=trigger_arn, raw_data=raw, dedupe_key=dedupe)


_REDUCTIONS: tuple[tuple[str, ...], ...] = (
    ("detail", "previousState", "reasonData"),
    ("detail", "state", "reasonData"),
    ("detail", "previousState"),
    ("detail", "alarmTags"),
    ("detail", "findings"),
    ("detail",),
    ("resources",),
)


def raw_data(event: JSON) -> str:
    """The event as compact JSON, reduced to fit :data:`MAX_RAW_DATA` characters."""
    text = msgspec.json.encode(event).decode()
    if len(text) <= MAX_RAW_DATA:
        return text
    reduced: JSON = msgspec.json.decode(text)
    for path in _REDUCTIONS:
        holder: Any = reduced
        for key in path[:-1]:
            holder = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and path[-1] in holder:
            holder[path[-1]] = {} if path == ("detail",) else (
                [] if path == ("resources",) else None)
            if holder[path[-1]] is None:
                del holder[path[-1]]
            text = msgspec.json.encode(reduced).decode()
            if len(text) <= MAX_RAW_DATA:
                return text
    # Only the envelope's own strings are left to blame: keep what identifies the event.
    keep = {k: reduced[k] for k in ("version", "id", "source", "detail-type", "time")
            if k in reduced and len(str(reduced[k])) <= 1100}
    return msgspec.json.encode({**keep, "detail": {}}).decode()
