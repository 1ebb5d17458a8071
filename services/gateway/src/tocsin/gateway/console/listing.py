"""What the incident list shows: the filters a responder sets, and the tile of a record.

Pure: the page and the live feed both decide with :meth:`Filters.admit` whether a record
belongs on the list the responder is looking at.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["PERIODS", "Filters", "duration", "incident_id", "plan_name"]

PERIODS: dict[str, float] = {"1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
"""The time filter's choices: started within this many seconds."""


@dataclass(frozen=True, slots=True)
class Filters:
    """The list's filters; empty ones admit everything."""

    plan: str = ""
    """A response plan's name."""
    impact: int | None = None
    period: str = ""
    """A key of :data:`PERIODS`."""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        """The filters of a list URL's query; values that make no sense are ignored."""
        impact_text = query.get("impact", "")
        impact = int(impact_text) if impact_text in {"1", "2", "3", "4", "5"} else None
        period = query.get("period", "")
        return cls(plan=query.get("plan", "")[:200], impact=impact,
                   period=period if period in PERIODS else "")

    def admit(self, record: Mapping[str, Any], *, now: float | None = None) -> bool:
        """Whether an incident record (or its summary) belongs on the filtered list."""
        if self.plan and plan_name(str(record.get("arn", ""))) != self.plan:
            return False
        if self.impact is not None and record.get("impact") != self.impact:
            return False
        if self.period:
            since = (time.time() if now is None else now) - PERIODS[self.period]
            if float(record.get("creationTime", 0)) < since:
                return False
        return True

    def query(self) -> dict[str, str]:
        """The filters as a URL query (only those set)."""
        items = {"plan": self.plan, "impact": str(self.impact or ""), "period": self.period}
        return {k: v for k, v in items.items() if v}


def plan_name(arn: str) -> str:
    """The response plan's name in an incident record ARN
    (``...:incident-record/<plan>/<id>``)."""
    parts = arn.split(":", 5)[-1].split("/")
    return parts[1] if len(parts) == 3 else ""


def incident_id(arn: str) -> str:
    """The last part of an incident record ARN: short, and safe in an HTML id."""
    return "".join(c for c in arn.rsplit("/", 1)[-1] if c.isalnum() or c in "-_")


def duration(seconds: float) -> str:
    """``2h 05m``, ``4m 12s``: how long an incident has lasted."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"
