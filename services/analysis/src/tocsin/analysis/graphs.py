"""Metric graphs of an analysis, when ``TOCSIN_PROMETHEUS_URL`` names a Prometheus server:
each PromQL query (the analysis's own ``metricQueries`` and the incident's ``METRIC``
related items whose ``metricDefinition`` is PromQL) is fetched over the incident's window
(``/api/v1/query_range``) and drawn as SVG with the incident's key times as annotations.

Without a Prometheus, or when it does not answer, an analysis has no graphs; a query that
fails is drawn as a note saying why, never as an empty chart that looks like no traffic.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tocsin.analysis import svg
from tocsin.analysis.incidents import IncidentsClient
from tocsin.analysis.store import AnalysisRow
from tocsin.shared import errors
from tocsin.shared.logging import get_logger

__all__ = ["Graphs"]

log = get_logger(__name__)

JSON = dict[str, Any]

MARGIN = 0.25
"""Share of the incident's duration shown before its start and after its end."""
POINTS = 120
"""Samples per graph."""


class Graphs:
    def __init__(self, prometheus_url: str | None, incidents: IncidentsClient,
                 session: aiohttp.ClientSession | None) -> None:
        self._url = prometheus_url.rstrip("/") if prometheus_url else None
        self._incidents = incidents
        self._session = session

    async def queries(self, row: AnalysisRow) -> list[JSON]:
        """``[{"title", "query"}]``: the analysis's own, then the incident's PromQL metrics."""
        out = [q for q in row.metric_queries if q.get("query")]
        try:
            items = await self._incidents.related_items(row.incident_arn)
        except errors.TocsinError as exc:
            log.warning("graphs.related_items_unavailable", error=exc.message)
            items = []
        for item in items:
            identifier = item.get("identifier", {})
            definition = identifier.get("value", {}).get("metricDefinition")
            if identifier.get("type") == "METRIC" and definition and \
                    not definition.lstrip().startswith(("{", "[")):
                out.append({"title": item.get("title") or definition, "query": definition})
        return out

    async def figures(self, row: AnalysisRow, key_times: dict[str, float]) -> list[str]:
        """An SVG per query (empty without a Prometheus)."""
        if self._url is None or self._session is None:
            return []
        start = key_times.get("impactStartTime") or key_times.get("detectedTime") \
            or key_times.get("declaredTime")
        end = key_times.get("resolvedTime")
        if start is None or end is None:
            return []
        margin = max((end - start) * MARGIN, 60.0)
        lo, hi = start - margin, end + margin
        out = []
        for q in await self.queries(row):
            title = str(q.get("title") or q["query"])
            try:
                series = await self._range(q["query"], lo, hi)
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                out.append(svg.graph([], key_times, title=f"{title}: not fetched ({exc})",
                                     start=lo, end=hi))
                continue
            out.append(svg.graph(series, key_times, title=title, start=lo, end=hi))
        return out

    async def _range(self, query: str, start: float, end: float
                     ) -> list[tuple[str, list[tuple[float, float]]]]:
        assert self._session is not None
        step = max((end - start) / POINTS, 1.0)
        async with self._session.get(f"{self._url}/api/v1/query_range", params={
                "query": query, "start": f"{start:.3f}", "end": f"{end:.3f}",
                "step": f"{step:.3f}"}, timeout=aiohttp.ClientTimeout(total=10)) as response:
            body = await response.json(content_type=None)
        if body.get("status") != "success":
            raise ValueError(body.get("error", "Prometheus refused the query"))
        out = []
        for result in body["data"]["result"]:
            name = json.dumps(result.get("metric", {}), sort_keys=True)
            out.append((name, [(float(t), float(v)) for t, v in result.get("values", [])]))
        return out
