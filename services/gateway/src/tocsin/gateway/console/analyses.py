"""Post-incident analyses: questions by section, recommendations, action items, checklist,
the SVG timeline and export, through Tocsin's own API."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp import web

from tocsin.gateway.access import Principal
from tocsin.gateway.console import charts, engagements
from tocsin.gateway.console.pages import (
    SSM,
    TOCSIN,
    Pages,
    Route,
    analysis_url,
    form_time,
    incident_url,
)
from tocsin.shared.errors import TocsinError
from tocsin.shared.logging import get_logger

__all__ = ["KEY_TIMES", "AnalysisPages", "incident_metrics", "listed"]

log = get_logger(__name__)

KEY_TIMES = {"impactStartTime": "Impact started", "detectedTime": "Detected",
             "declaredTime": "Declared", "firstEngagedTime": "First engaged",
             "firstAcknowledgedTime": "First acknowledged", "mitigatedTime": "Mitigated",
             "resolvedTime": "Resolved"}
EDITABLE_TIMES = {"impactStartTime": "Impact started", "detectedTime": "Detected",
                  "mitigatedTime": "Mitigated"}
"""The key times a responder records on the analysis (the others come from the incident)."""
ACTION_ITEM_STATUSES = ("Open", "InProgress", "Resolved")
"""An action item's OpsItem statuses."""


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
                ("POST", "/analysis/checklist", self._checklist),
                ("POST", "/analysis/overview", self._overview),
                ("POST", "/analysis/timeline", self._timeline_point),
                ("POST", "/analysis/action-item", self._action_item),
                ("POST", "/analysis/metrics", self._metric_queries),
                ("POST", "/analysis/complete", self._complete)]

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
        analysis, timeline = await asyncio.gather(
            self._pages.call(request, principal, TOCSIN, "GetAnalysis", {"analysisArn": arn}),
            self._pages.call(request, principal, TOCSIN, "ListAnalysisTimeline",
                             {"analysisArn": arn, "maxResults": 100}))
        analysis = analysis["analysis"]
        asks = {"answer": "AnswerQuestion", "accept": "AcceptRecommendation",
                "dismiss": "DismissRecommendation", "restore": "RestoreRecommendation",
                "checklist": "UpdateChecklistItem", "update": "UpdateAnalysis",
                "complete": "CompleteAnalysis",
                "add_point": "AddAnalysisTimelineEvent",
                "edit_point": "UpdateAnalysisTimelineEvent",
                "delete_point": "DeleteAnalysisTimelineEvent"}
        answers = await asyncio.gather(*(self._pages.call.allowed(
            request, principal, TOCSIN, op, {"analysisArn": arn}) for op in asks.values()))
        can = dict(zip(asks, answers, strict=True))
        items = await self._action_items(request, principal, analysis.get("actionItems", []))
        can["update_item"] = await self._pages.call.allowed(request, principal, SSM,
                                                            "UpdateOpsItem")
        progress = await self._progress(request, principal, analysis)
        return self._pages.render("analysis.html", request, analysis=analysis, can=can,
                                  key_time_names=KEY_TIMES, editable_times=EDITABLE_TIMES,
                                  points=timeline.get("events", []), action_items=items,
                                  statuses=ACTION_ITEM_STATUSES, progress=progress,
                                  edit=request.query.get("edit", ""))

    async def _progress(self, request: web.Request, principal: Principal,
                        analysis: dict[str, Any]) -> dict[str, Any] | None:
        """The incident's engagement progress chart with the analysis's key times, or
        ``None`` when the engagements cannot be read (the rest of the page still shows)."""
        times = analysis.get("keyTimes", {})
        start = times.get("declaredTime") or times.get("detectedTime")
        if not start:
            return None
        try:
            found = await engagements.read(self._pages, request, principal,
                                           analysis["incidentRecordArn"])
        except TocsinError as exc:
            log.info("console.engagements_unavailable", code=exc.aws_code)
            return None
        progress = charts.engagement_progress(found, float(start),
                                              float(times.get("resolvedTime") or start))
        progress["marks"] = charts.key_time_marks(times, KEY_TIMES)
        return progress

    async def _complete(self, request: web.Request) -> web.StreamResponse:
        """Close the analysis; with checklist items still open only when the responder
        confirmed it (the service refuses otherwise, and the refusal names them)."""
        form = await request.post()
        arn = str(form.get("arn", ""))
        return await self._analysis_action(request, "CompleteAnalysis", {
            "analysisArn": arn, "acknowledgeIncomplete": form.get("incomplete") == "yes"}, arn)

    async def _metric_queries(self, request: web.Request) -> web.StreamResponse:
        """Add a PromQL graph to the analysis, or remove one (the list is replaced whole)."""
        form = await request.post()
        arn = str(form.get("arn", ""))
        principal = self._pages.principal(request)
        analysis = (await self._pages.call(request, principal, TOCSIN, "GetAnalysis",
                                           {"analysisArn": arn}))["analysis"]
        queries = [{"title": q.get("title", ""), "query": q["query"]}
                   for q in analysis.get("metricQueries", [])]
        if form.get("remove"):
            queries = [q for i, q in enumerate(queries) if str(i) != str(form["remove"])]
        else:
            queries.append({"title": str(form.get("title", "")),
                            "query": str(form.get("query", ""))})
        return await self._analysis_action(request, "UpdateAnalysis", {
            "analysisArn": arn, "metricQueries": queries}, arn)

    async def _action_items(self, request: web.Request, principal: Principal,
                            accepted: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The accepted action items with their OpsItem's status and due date (an item whose
        OpsItem cannot be read shows what the analysis knows)."""
        found = await asyncio.gather(*(
            self._pages.call(request, principal, SSM, "GetOpsItem", {"OpsItemId": i["opsItemId"]})
            for i in accepted if i.get("opsItemId")), return_exceptions=True)
        ops = iter(found)
        items = []
        for item in accepted:
            ops_item = next(ops) if item.get("opsItemId") else None
            if isinstance(ops_item, dict):
                item = {**item, "status": ops_item["OpsItem"].get("Status", ""),
                        "due": ops_item["OpsItem"].get("PlannedEndTime")}
            elif isinstance(ops_item, BaseException) and not isinstance(ops_item, TocsinError):
                raise ops_item
            items.append(item)
        return items

    async def _overview(self, request: web.Request) -> web.StreamResponse:
        """The overview's fields (last writer wins, as the incident's summary) and the key
        times a responder records (impact start, detected, mitigated)."""
        form = await request.post()
        arn = str(form.get("arn", ""))
        params: dict[str, Any] = {"analysisArn": arn}
        overview = {str(k)[len("field-"):]: str(v) for k, v in form.items()
                    if str(k).startswith("field-")}
        if overview:
            params["overview"] = overview
        for key in EDITABLE_TIMES:
            if form.get(key):
                params[key] = form_time(str(form[key]))
        return await self._analysis_action(request, "UpdateAnalysis", params, arn)

    async def _timeline_point(self, request: web.Request) -> web.StreamResponse:
        """Add, edit or delete a point of the analysis's own timeline (a copy: the
        incident's timeline is not touched)."""
        form = await request.post()
        arn = str(form.get("arn", ""))
        point = str(form.get("point", ""))
        if form.get("delete") and point:
            return await self._analysis_action(request, "DeleteAnalysisTimelineEvent", {
                "analysisArn": arn, "pointId": point}, arn)
        params: dict[str, Any] = {"analysisArn": arn,
                                  "eventTime": form_time(str(form.get("event_time", ""))),
                                  "eventType": str(form.get("event_type") or "Custom Event"),
                                  "eventData": str(form.get("text", ""))}
        if point:
            return await self._analysis_action(request, "UpdateAnalysisTimelineEvent",
                                               {**params, "pointId": point}, arn)
        return await self._analysis_action(request, "AddAnalysisTimelineEvent", params, arn)

    async def _action_item(self, request: web.Request) -> web.StreamResponse:
        """An action item's status and due date, on its OpsItem."""
        form = await request.post()
        arn = str(form.get("arn", ""))
        params: dict[str, Any] = {"OpsItemId": str(form.get("ops_item", ""))}
        if form.get("status"):
            params["Status"] = str(form["status"])
        if form.get("due"):
            params["PlannedEndTime"] = form_time(str(form["due"]))
        back = analysis_url(arn)
        return await self._pages.act_then(request, SSM, "UpdateOpsItem", params, back=back)

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
        if form.get("decision") == "restore":
            return await self._analysis_action(request, "RestoreRecommendation", params, arn)
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
