"""What Tocsin measures of an incident, and why a measure is missing (pure: no I/O).

Key times of an incident: ``impactStarted`` (recorded in the analysis), ``detected`` (the
first trigger, or the declaration of a manual incident), ``declared`` (the incident record
created), ``firstEngaged`` (the first page sent), ``firstAcknowledged`` (the first page
read: an ``AcceptPage`` of type READ), ``mitigated`` (recorded in the analysis) and
``resolved``.

Every duration but time to detect runs from the incident's **start**: the impact start when
the analysis recorded one, otherwise the declaration (each duration says which it used).
A duration whose end (or start) is unknown is null with status ``TIMESTAMPS_MISSING``; one
whose end comes before its start is null with ``INVALID_TIMESTAMPS``: never a made-up 0.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

__all__ = ["DURATIONS", "Duration", "KeyTimes", "durations"]


class KeyTimes(msgspec.Struct, kw_only=True, frozen=True):
    """The key times of one incident, each None when unknown."""

    impact_started: datetime | None = None
    detected: datetime | None = None
    declared: datetime | None = None
    first_engaged: datetime | None = None
    first_ack: datetime | None = None
    mitigated: datetime | None = None
    resolved: datetime | None = None


class Duration(msgspec.Struct, rename="camel", kw_only=True, frozen=True, omit_defaults=True):
    """One measure of an incident as the API returns it."""

    name: str
    status: Literal["SUCCESS", "TIMESTAMPS_MISSING", "INVALID_TIMESTAMPS"]
    start: str
    """The key time it runs from (``impactStarted`` or ``declared``)."""
    end: str
    seconds: float | None = None
    """Absent when the duration cannot be measured (``reason`` says why)."""
    reason: str | None = None


DURATIONS: dict[str, tuple[str, str]] = {
    "timeToDetect": ("impactStarted", "detected"),
    "timeToEngage": ("start", "firstEngaged"),
    "timeToAcknowledge": ("start", "firstAcknowledged"),
    "timeToMitigate": ("start", "mitigated"),
    "timeToResolve": ("start", "resolved"),
}
"""Each duration's name → (from, to) key times; ``start`` is the impact start or else the
declaration."""

_MISSING = {
    "impactStarted": "the impact start is not recorded (UpdateAnalysis impactStartTime)",
    "detected": "the incident has no trigger or declaration time",
    "declared": "the incident's creation time is unknown",
    "firstEngaged": "nobody was paged for this incident",
    "firstAcknowledged": "no page for this incident was acknowledged (read)",
    "mitigated": "the mitigation time is not recorded (UpdateAnalysis mitigatedTime)",
    "resolved": "the incident is not resolved",
}


def _times(t: KeyTimes) -> dict[str, datetime | None]:
    return {"impactStarted": t.impact_started, "detected": t.detected,
            "declared": t.declared, "firstEngaged": t.first_engaged,
            "firstAcknowledged": t.first_ack, "mitigated": t.mitigated,
            "resolved": t.resolved}


def durations(t: KeyTimes) -> list[Duration]:
    """Every duration of :data:`DURATIONS`, measured or null with its reason."""
    times = _times(t)
    start_name = "impactStarted" if t.impact_started is not None else "declared"
    out = []
    for name, (frm, to) in DURATIONS.items():
        frm = start_name if frm == "start" else frm
        a, b = times[frm], times[to]
        if a is None or b is None:
            out.append(Duration(name=name, status="TIMESTAMPS_MISSING", seconds=None,
                                start=frm, end=to, reason=_MISSING[frm if a is None else to]))
        elif b < a:
            out.append(Duration(name=name, status="INVALID_TIMESTAMPS", seconds=None,
                                start=frm, end=to,
                                reason=f"{to} ({b.isoformat()}) is before {frm} "
                                       f"({a.isoformat()})"))
        else:
            out.append(Duration(name=name, status="SUCCESS", seconds=(b - a).total_seconds(),
                                start=frm, end=to))
    return out
