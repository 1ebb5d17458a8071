"""Post-incident analyses: questions by section, recommendations, action items, checklist,
the SVG timeline and export, through Tocsin's own API."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp import web

from tocsin.gateway.access import Principal
from tocsin.gateway.console.pages import TOCSIN, Pages, Route, analysis_url, form_time, incident_url
from tocsin.shared.errors import TocsinError
from tocsin.shared.logging import get_logger

__all__ = ["KEY_TIMES", "AnalysisPages", "incident_metrics", "listed"]

log = get_logger(__name__)

KEY_TIMES = {"impactStartTime": "Impact started", "detectedTime": "Detected",
             "declaredTime": "Declared", "firstEngagedTime": "First engaged",
             "firstAcknowledgedTime": "First acknowledged", "mitigatedTime": "Mitigated",
             "resolvedTime": "Resolved"}


async def listed(pages: Pages, request: web.Request, principal: Principal,
                 params: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The analyses ``params`` select, or ``None`` when the analysis service cannot
    say (the list and the incident still show)."""
    try:
        output = await pages.call(request, principal, TOCSIN, "ListAnalyses", params)
    except TocsinError as exc:
        log.info("console.analyses_unavailable", code=exc.aws_code)
        return None
    found: list[dict[str, Any]] = output.get("analysisSummaries", [])
    return found


async def incident_metrics(pages: Pages, request: web.Request, principal: Principal,
                           arn: str) -> dict[str, Any] | None:
    """An incident's key times and durations (``GetIncidentMetrics``), or ``None`` when
    the analysis service cannot say (the Metrics tab still shows the engagements)."""
    try:
        return await pages.call(request, principal, TOCSIN, "GetIncidentMetrics",
                                {"incidentRecordArn": arn})
    except TocsinError as exc:
        log.info("console.metrics_unavailable", code=exc.aws_code)
        return None


class AnalysisPages:
    """Creating an analysis, its page, and its actions."""

    def __init__(self, pages: Pages) -> None:
        self._pages = pages

    def routes(self) -> list[Route]:
        return [("POST", "/incident/analyse", self._create_analysis),
                ("GET", "/analysis", self._analysis),
                ("GET", "/analysis/timeline.svg", self._analysis_figure),
                ("GET", "/analysis/export", self._export),
                ("POST", "/analysis/answer", self._answer),
                ("POST", "/analysis/recommendation", self._recommendation),
                ("POST", "/analysis/checklist", self._checklist)]

    async def _create_analysis(self, request: web.Request) -> web.StreamResponse:
        arn = str((await request.post()).get("arn", ""))
        output = await self._pages.act(request, TOCSIN, "CreateAnalysis",
                                       {"incidentRecordArn": arn},
                                       back=incident_url(arn, "properties"))
        if isinstance(output, web.StreamResponse):
            return output
        raise web.HTTPSeeOther(analysis_url(output["analysisArn"]))

    async def _analysis(self, request: web.Request) -> web.StreamResponse:
        principal = self._pages.principal(request)
        arn = request.query.get("arn", "")
        analysis = (await self._pages.call(request, principal, TOCSIN, "GetAnalysis",
                                           {"analysisArn": arn}))["analysis"]
        asks = {"answer": "AnswerQuestion", "accept": "AcceptRecommendation",
                "dismiss": "DismissRecommendation", "checklist": "UpdateChecklistItem"}
        answers = await asyncio.gather(*(self._pages.call.allowed(
            request, principal, TOCSIN, op, {"analysisArn": arn}) for op in asks.values()))
        return self._pages.render("analysis.html", request, analysis=analysis,
                                  can=dict(zip(asks, answers, strict=True)),
                                  key_time_names=KEY_TIMES)

    async def _analysis_figure(self, request: web.Request) -> web.StreamResponse:
        """The analysis's SVG timeline, as the analysis service draws it in its export:
        served as an image, so nothing in it runs in the page."""
        exported = await self._pages.call(
            request, self._pages.principal(request), TOCSIN, "ExportAnalysis",
            {"analysisArn": request.query.get("arn", ""), "format": "HTML"})
        found = re.search(r"<svg[\s\S]*?</svg>", exported.get("content", ""))
        if found is None:
            raise web.HTTPNotFound(text="This analysis has no timeline figure.")
        return web.Response(text=found.group(0), content_type="image/svg+xml",
                            headers={"Cache-Control": "no-store",
                                     "Content-Security-Policy": "default-src 'none'; "
                                     "style-src 'unsafe-inline'"})

    async def _export(self, request: web.Request) -> web.StreamResponse:
        fmt = request.query.get("format", "MARKDOWN")
        exported = await self._pages.call(
            request, self._pages.principal(request), TOCSIN, "ExportAnalysis",
            {"analysisArn": request.query.get("arn", ""), "format": fmt})
        kind = "text/html" if fmt == "HTML" else "text/markdown"
        name = re.sub(r"[^A-Za-z0-9._-]", "_", exported.get("fileName") or "analysis")
        return web.Response(text=exported.get("content", ""), content_type=kind, headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        kind = str(form.get("kind", "text"))
        answer: dict[str, Any]
        if kind == "boolean":
            answer = {"flag": form.get("flag") == "true"}
        elif kind == "multiChoice":
            answer = {"items": [str(v) for v in form.getall("items", [])]}
        elif kind == "whys":
            answer = {"items": [line.strip() for line in str(form.get("text", "")).splitlines()
                                if line.strip()]}
        else:
            answer = {"text": str(form.get("text", ""))}
        params: dict[str, Any] = {"analysisArn": arn, "questionId": str(form.get("question", "")),
                                  "answer": answer}
        if form.get("comment"):
            params["comment"] = str(form["comment"])
        return await self._analysis_action(request, "AnswerQuestion", params, arn)

    async def _recommendation(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        params: dict[str, Any] = {"analysisArn": arn,
                                  "recommendationId": str(form.get("recommendation", ""))}
        if form.get("decision") == "accept":
            if form.get("due"):
                params["dueTime"] = form_time(str(form["due"]))
            return await self._analysis_action(request, "AcceptRecommendation", params, arn)
        return await self._analysis_action(request, "DismissRecommendation", params, arn)

    async def _checklist(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        return await self._analysis_action(request, "UpdateChecklistItem", {
            "analysisArn": arn, "itemId": str(form.get("item", "")),
            "done": form.get("done") == "true"}, arn)

    async def _analysis_action(self, request: web.Request, operation: str,
                               params: dict[str, Any], arn: str) -> web.StreamResponse:
        back = analysis_url(arn)
        output = await self._pages.act(request, TOCSIN, operation, params, back=back)
        if isinstance(output, web.StreamResponse):
            return output
        raise web.HTTPSeeOther(back)
