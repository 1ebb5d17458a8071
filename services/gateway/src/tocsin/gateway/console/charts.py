"""What the console's charts draw, pure: series the browser hands to uPlot (vendored under
``static/vendor``), and that the page also shows as a table, so the numbers read without
JavaScript and to a screen reader.

A chart is ``{"id", "title", "x": [epoch seconds], "series": [{"label", "values"}]}``,
embedded in the page as JSON (``<script type="application/json">``: data, never run) next
to a ``[data-chart]`` element that ``console-charts.js`` draws into.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["engagement_progress", "key_time_marks"]


def engagement_progress(engagements: Sequence[Mapping[str, Any]], start: float,
                        end: float) -> dict[str, Any]:
    """How many pages had been sent, and how many acknowledged, over the incident (from
    ``start`` to ``end``): a step each time a page goes out or is acknowledged."""
    sent = sorted(float(p["SentTime"]) for e in engagements for p in e.get("Pages", [])
                  if p.get("SentTime"))
    read = sorted(float(p["ReadTime"]) for e in engagements for p in e.get("Pages", [])
                  if p.get("ReadTime"))
    times = sorted({start, *sent, *read, max(end, start)})
    return {"id": "engagement-progress",
            "title": "Engagement progress: pages sent and acknowledged",
            "x": times,
            "series": [{"label": "Pages sent", "values": [_upto(sent, t) for t in times]},
                       {"label": "Acknowledged", "values": [_upto(read, t) for t in times]}]}


def key_time_marks(key_times: Mapping[str, Any], names: Mapping[str, str]
                   ) -> list[dict[str, Any]]:
    """The key times the chart marks with a line: ``[{"label", "time"}]`` in time order."""
    marks = [{"label": label, "time": float(key_times[key])}
             for key, label in names.items() if key_times.get(key)]
    return sorted(marks, key=lambda m: m["time"])


def _upto(times: Sequence[float], t: float) -> int:
    return sum(1 for x in times if x <= t)
