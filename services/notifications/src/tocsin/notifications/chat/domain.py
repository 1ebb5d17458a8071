"""Chat's domain: which incident events are told, where, and in what words. Pure: no I/O,
no clock."""

from __future__ import annotations

import json
from typing import Any, Literal

import msgspec

__all__ = ["KINDS", "OWN_TIMELINE_TYPES", "ChatTarget", "parse_topics", "timeline_text",
           "topic_name"]

KINDS = {"IncidentRecordCreated": "incident-started",
         "IncidentRecordUpdated": "incident-updated",
         "IncidentRecordResolved": "incident-resolved",
         "TimelineEventCreated": "timeline-event",
         "TimelineEventUpdated": "timeline-event"}
OWN_TIMELINE_TYPES = frozenset({"SSM Incident Trigger", "SSM Incident Start",
                                "SSM Incident Record Update"})


class ChatTarget(msgspec.Struct, frozen=True):
    kind: Literal["slack", "chime"]
    url: str


def parse_topics(text: str) -> dict[str, list[ChatTarget]]:
    """``TOCSIN_CHAT_TOPICS``; raises ``ValueError`` naming what does not fit."""
    if not text.strip():
        return {}
    try:
        return msgspec.json.decode(text.encode(), type=dict[str, list[ChatTarget]])
    except msgspec.DecodeError as exc:
        raise ValueError(f"TOCSIN_CHAT_TOPICS: {exc}") from None


def topic_name(arn: str) -> str:
    """The topic an SNS-style ARN names (its last segment), safe as a NATS token."""
    name = arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def timeline_text(raw: str) -> str:
    """What a timeline event says: its ``eventData``'s content, note or text, or itself."""
    data: Any
    try:
        data = json.loads(raw)
    except ValueError:
        data = raw
    if isinstance(data, dict):
        data = data.get("content") or data.get("note") or data.get("text") or ""
    return str(data or "")[:300]


def slack_escape(text: str) -> str:
    """``text`` as plain text in a Slack message: ``&``, ``<`` and ``>`` escaped as Slack
    requires, so a title such as ``<!channel> <https://evil|bank>`` neither pings a channel
    nor becomes a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_escaped(value: Any) -> Any:
    """Every string in ``value`` (a template context) escaped by :func:`slack_escape`."""
    if isinstance(value, str):
        return slack_escape(value)
    if isinstance(value, dict):
        return {k: slack_escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [slack_escaped(v) for v in value]
    return value
