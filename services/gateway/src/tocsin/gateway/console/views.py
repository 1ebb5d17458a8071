"""The console's pages and actions under ``/console/``.

Every page is whole HTML that reads without JavaScript; htmx (``hx-boost``) only spares
the reload. Every action is a POST form carrying the session's CSRF token, answered with a
redirect back to the page it came from (post/redirect/get), or with the page again and the
service's error when the call was refused. Every call goes through :class:`Calls` as the
session's principal.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from importlib import resources
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from tocsin.gateway.access import Principal
from tocsin.gateway.console import listing, sessions
from tocsin.gateway.console.calls import Calls
from tocsin.gateway.console.live import Feed
from tocsin.gateway.console.sessions import CSRF_FIELD, Session, Sessions
from tocsin.gateway.settings import Settings
from tocsin.shared.errors import TocsinError
from tocsin.shared.logging import get_logger

__all__ = ["Console"]

log = get_logger(__name__)

PREFIX = "/console"
INCIDENTS = "ssm-incidents"
CONTACTS = "ssm-contacts"
TOCSIN = "tocsin"
SSM = "ssm"
MANUAL_STEP_STATUSES = ("Waiting",)
"""A step in this status waits for a responder's Next step (``aws:pause``, an approval)."""
TABS = ("overview", "metrics", "timeline", "runbook", "engagements", "related", "properties")
TAB_TITLES = {"overview": "Overview", "metrics": "Metrics", "timeline": "Timeline",
              "runbook": "Runbook", "engagements": "Engagements", "related": "Related items",
              "properties": "Properties"}
SESSION_LIFETIME = 12 * 3600.0
"""Seconds a sign-in lasts: a night's shift."""
TIMELINE_SHOWN = 50
"""The timeline tab shows this many of the most recent events."""
KEY_TIMES = {"impactStartTime": "Impact started", "detectedTime": "Detected",
             "declaredTime": "Declared", "firstEngagedTime": "First engaged",
             "firstAcknowledgedTime": "First acknowledged", "mitigatedTime": "Mitigated",
             "resolvedTime": "Resolved"}
CALENDAR_DAYS = 21
"""A rotation's calendar shows this many days ahead."""
SEEN_COOKIE = "tocsin_console_seen"
"""When the viewer last opened each tab of each incident (for the tabs' update counters)."""

_SESSION = web.RequestKey("tocsin.console.session", Session)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Console:
    """The console's routes, bound to one gateway's settings, services and event stream."""

    def __init__(self, settings: Settings, calls: Calls, feed: Feed) -> None:
        self._settings = settings
        self._call = calls
        self._calls_principal = calls.principal
        self._feed = feed
        self._sessions = Sessions(calls.secrets, lifetime=SESSION_LIFETIME)
        self._templates = jinja2.Environment(
            loader=jinja2.PackageLoader("tocsin.gateway.console", "templates"),
            autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
            lstrip_blocks=True)
        self._templates.filters.update(when=_when, duration=listing.duration,
                                       event_text=_event_text, plan_name=listing.plan_name,
                                       incident_id=listing.incident_id)

    def add_routes(self, app: web.Application) -> None:
        """Serve the console from ``app``; its feeds end when ``app`` shuts down."""
        async def stop_feeds(_: web.Application) -> None:
            self._feed.stopping.set()

        app.on_shutdown.append(stop_feeds)
        static = resources.files("tocsin.gateway.console") / "static"
        app.router.add_static(f"{PREFIX}/static", str(static), append_version=False)
        app.router.add_get(f"{PREFIX}", self._to_list)
        app.router.add_get(f"{PREFIX}/sign-in", self._sign_in_page)
        app.router.add_post(f"{PREFIX}/sign-in", self._sign_in)
        for method, path, handler in (
            ("GET", "/", self._list),
            ("GET", "/live", self._live),
            ("POST", "/sign-out", self._sign_out),
            ("POST", "/incidents/start", self._start_incident),
            ("GET", "/incident", self._incident),
            ("POST", "/incident/update", self._update_incident),
            ("POST", "/incident/resolve", self._resolve),
            ("POST", "/incident/timeline", self._add_timeline_event),
            ("POST", "/incident/timeline/edit", self._edit_timeline_event),
            ("POST", "/incident/related", self._change_related),
            ("POST", "/incident/engage", self._engage),
            ("POST", "/incident/acknowledge", self._acknowledge),
            ("POST", "/incident/runbook/next", self._next_step),
            ("POST", "/incident/runbook/start", self._start_runbook),
            ("POST", "/incident/runbook/stop", self._stop_runbook),
            ("GET", "/documents", self._documents),
            ("GET", "/document", self._document),
            ("POST", "/incident/analyse", self._create_analysis),
            ("GET", "/analysis", self._analysis),
            ("GET", "/analysis/timeline.svg", self._analysis_figure),
            ("GET", "/analysis/export", self._export),
            ("POST", "/analysis/answer", self._answer),
            ("POST", "/analysis/recommendation", self._recommendation),
            ("POST", "/analysis/checklist", self._checklist),
            ("GET", "/oncall", self._oncall),
            ("GET", "/rotation", self._rotation),
            ("POST", "/rotation/override", self._override),
            ("POST", "/contacts/activate", self._activate),
            ("GET", "/plans", self._plans),
            ("GET", "/plan", self._plan),
        ):
            app.router.add_route(method, f"{PREFIX}{path}", self._signed_in(handler))

    # --- sessions ---------------------------------------------------------------------------

    def _signed_in(self, handler: Handler) -> Handler:
        """``handler`` for a live session only; a POST must carry the session's CSRF token."""
        async def guarded(request: web.Request) -> web.StreamResponse:
            session = self._sessions.check(request.cookies.get(sessions.COOKIE))
            if session is None:
                if request.method == "GET":
                    target = request.path_qs if request.path != f"{PREFIX}/live" else ""
                    raise web.HTTPSeeOther(f"{PREFIX}/sign-in?" + urlencode(
                        {"next": target} if target else {}))
                return self._refuse(request, None, 401, "Your session has ended: sign in again.")
            request[_SESSION] = session
            if request.method == "POST":
                form = await request.post()
                if not sessions.csrf_ok(session.csrf, request, form):
                    log.warning("console.csrf_refused", path=request.path,
                                key_id=session.key_id)
                    return self._refuse(request, session, 403,
                                        "This form is missing its CSRF token, or it is stale: "
                                        "reload the page and try again.")
            try:
                return await handler(request)
            except TocsinError as exc:
                log.info("console.refused", path=request.path, code=exc.aws_code,
                         error=exc.message)
                return self._refuse(request, session, exc.http_status, exc.message,
                                    code=exc.aws_code)

        return guarded

    def _principal(self, request: web.Request) -> Principal:
        principal = self._calls_principal(request[_SESSION].key_id)
        if principal is None:  # the key went away since the session was checked
            raise web.HTTPSeeOther(f"{PREFIX}/sign-in")
        return principal

    async def _to_list(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(f"{PREFIX}/")

    async def _sign_in_page(self, request: web.Request) -> web.StreamResponse:
        return self._sign_in_form(request, status=200, error="")

    def _sign_in_form(self, request: web.Request, *, status: int, error: str) -> web.Response:
        token = sessions.login_token()
        response = self._render("sign_in.html", request, None, status=status, error=error,
                                login_token=token, next=_local(request.query.get("next", "")))
        response.set_cookie(sessions.LOGIN_COOKIE, token, path=f"{PREFIX}/sign-in",
                            httponly=True, samesite="Strict", secure=sessions.secure(request),
                            max_age=3600)
        return response

    async def _sign_in(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        expected = request.cookies.get(sessions.LOGIN_COOKIE, "")
        if not sessions.csrf_ok(expected, request, form):
            return self._sign_in_form(request, status=403, error=(
                "The sign-in form is missing its CSRF token, or it is stale: try again."))
        key_id, secret = str(form.get("access_key_id", "")), str(form.get("secret", ""))
        session = self._sessions.sign_in(key_id.strip(), secret.strip())
        if session is None:
            log.warning("console.sign_in_refused", key_id=key_id[:40])
            return self._sign_in_form(request, status=401, error=(
                "That access key ID and secret access key do not match a key of this "
                "Tocsin."))
        log.info("console.signed_in", key_id=session.key_id)
        response = web.HTTPSeeOther(_local(str(form.get("next", ""))) or f"{PREFIX}/")
        response.set_cookie(sessions.COOKIE, self._sessions.cookie(session), path=PREFIX,
                            httponly=True, samesite="Strict", secure=sessions.secure(request),
                            max_age=int(SESSION_LIFETIME))
        response.del_cookie(sessions.LOGIN_COOKIE, path=f"{PREFIX}/sign-in")
        raise response

    async def _sign_out(self, request: web.Request) -> web.StreamResponse:
        self._sessions.sign_out(request[_SESSION])
        log.info("console.signed_out", key_id=request[_SESSION].key_id)
        response = web.HTTPSeeOther(f"{PREFIX}/sign-in")
        response.del_cookie(sessions.COOKIE, path=PREFIX)
        raise response

    # --- the incident list ------------------------------------------------------------------

    async def _list(self, request: web.Request) -> web.StreamResponse:
        principal = self._principal(request)
        filters = listing.Filters.from_query(request.query)
        sets = await self._call(request, principal, INCIDENTS, "ListReplicationSets", {})
        if not sets.get("replicationSetArns"):
            return self._render(
                "list.html", request, request[_SESSION], filters=filters, unprepared=True,
                open_incidents=[], resolved=[], plans=[], start_plans=[], analyses=None,
                periods=list(listing.PERIODS), live_query="")
        open_, resolved, plans = await asyncio.gather(
            self._records(request, principal, "OPEN", filters),
            self._records(request, principal, "RESOLVED", filters),
            self._call(request, principal, INCIDENTS, "ListResponsePlans", {"maxResults": 100}))
        details = await asyncio.gather(*(
            self._call(request, principal, INCIDENTS, "GetIncidentRecord", {"arn": r["arn"]})
            for r in open_))
        analyses = await self._analyses(request, principal, {"maxResults": 50})
        summaries = plans.get("responsePlanSummaries", [])
        startable = [p for p in summaries if await self._call.allowed(
            request, principal, INCIDENTS, "StartIncident", {"responsePlanArn": p["arn"]})]
        return self._render(
            "list.html", request, request[_SESSION], filters=filters,
            open_incidents=[d["incidentRecord"] for d in details], resolved=resolved,
            plans=summaries, start_plans=startable, periods=list(listing.PERIODS),
            analyses=analyses,
            live_query=urlencode(filters.query()), unprepared=False)

    async def _records(self, request: web.Request, principal: Principal, status: str,
                       filters: listing.Filters) -> list[dict[str, Any]]:
        output = await self._call(request, principal, INCIDENTS, "ListIncidentRecords", {
            "maxResults": 100, "filters": [{"key": "status", "condition": {
                "equals": {"stringValues": [status]}}}]})
        records = [r for r in output.get("incidentRecordSummaries", []) if filters.admit(r)]
        return sorted(records, key=lambda r: -float(r.get("creationTime", 0)))

    async def _live(self, request: web.Request) -> web.StreamResponse:
        principal = self._principal(request)
        filters = listing.Filters.from_query(request.query)
        template = self._templates.get_template("tile.html")

        async def tile(arn: str, event_type: str) -> str | None:
            if not arn:
                return None
            if event_type == "IncidentRecordDeleted":
                return template.render(record={"arn": arn, "status": "DELETED"}, now=time.time())
            try:
                record = (await self._call(request, principal, INCIDENTS, "GetIncidentRecord",
                                           {"arn": arn}))["incidentRecord"]
            except TocsinError as exc:
                log.debug("console.tile_unreadable", arn=arn, code=exc.aws_code)
                return None
            if not filters.admit(record):
                return None
            return template.render(record=record, now=time.time())

        return await self._feed.serve(request, tile)

    async def _start_incident(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        params: dict[str, Any] = {"responsePlanArn": str(form.get("plan", ""))}
        if form.get("title"):
            params["title"] = str(form["title"])
        if form.get("impact"):
            params["impact"] = _int(form["impact"])
        output = await self._act(request, INCIDENTS, "StartIncident", params, back=f"{PREFIX}/")
        if isinstance(output, web.StreamResponse):
            return output
        raise web.HTTPSeeOther(_incident_url(output["incidentRecordArn"]))

    # --- an incident ------------------------------------------------------------------------

    async def _incident(self, request: web.Request) -> web.StreamResponse:
        principal = self._principal(request)
        arn = request.query.get("arn", "")
        tab = request.query.get("tab", "overview")
        if tab not in TABS:
            tab = "overview"
        try:
            record = (await self._call(request, principal, INCIDENTS, "GetIncidentRecord",
                                       {"arn": arn}))["incidentRecord"]
            timeline, related = await asyncio.gather(
                self._call(request, principal, INCIDENTS, "ListTimelineEvents", {
                    "incidentRecordArn": arn, "sortBy": "EVENT_TIME",
                    "sortOrder": "DESCENDING", "maxResults": 100}),
                self._call(request, principal, INCIDENTS, "ListRelatedItems",
                           {"incidentRecordArn": arn, "maxResults": 100}))
            engagements = await self._engagements(request, principal, arn) \
                if tab in ("engagements", "overview") else []
        except TocsinError as exc:
            return self._refuse(request, request[_SESSION], exc.http_status, exc.message,
                                code=exc.aws_code)
        summaries = timeline.get("eventSummaries", [])
        # A summary has no eventData: read the events shown in full.
        shown = summaries[:5] if tab == "overview" else summaries[:TIMELINE_SHOWN]
        runbooks = await self._runbooks(request, principal, record) \
            if tab in ("overview", "runbook") else []
        documents = (await self._call(request, principal, SSM, "ListDocuments", {
            "Filters": [{"Key": "DocumentType", "Values": ["Automation"]}],
            "MaxResults": 50})).get("DocumentIdentifiers", []) if tab == "runbook" else []
        analyses = await self._analyses(request, principal, {"incidentRecordArn": arn}) \
            if record["status"] == "RESOLVED" else []
        events = [found["event"] for found in await asyncio.gather(*(
            self._call(request, principal, INCIDENTS, "GetTimelineEvent", {
                "incidentRecordArn": arn, "eventId": e["eventId"]}) for e in shown))]
        items = related.get("relatedItems", [])
        seen = _seen(request)
        key = listing.incident_id(arn)
        counts = _tab_counts(seen.get(key, {}), record, summaries, items, engagements)
        counts[tab] = 0
        response = self._render(
            "incident.html", request, request[_SESSION], record=record, tab=tab, tabs=TABS,
            tab_titles=TAB_TITLES, counts=counts, events=events, related=items,
            engagements=engagements, now=time.time(), edit=request.query.get("edit", ""),
            analyses=analyses, runbooks=runbooks, documents=documents,
            manual=MANUAL_STEP_STATUSES,
            can=await self._offers(request, principal, arn))
        seen.setdefault(key, {})[tab] = time.time()
        _keep_seen(request, response, seen)
        return response

    async def _offers(self, request: web.Request, principal: Principal,
                      arn: str) -> dict[str, bool]:
        """Which of the incident page's actions to offer ``principal``."""
        asks = {"update": (INCIDENTS, "UpdateIncidentRecord", {"arn": arn}),
                "timeline": (INCIDENTS, "CreateTimelineEvent", {"incidentRecordArn": arn}),
                "related": (INCIDENTS, "UpdateRelatedItems", {"incidentRecordArn": arn}),
                "engage": (CONTACTS, "StartEngagement", {"IncidentId": arn}),
                "accept": (CONTACTS, "AcceptPage", {}),
                "analyse": (TOCSIN, "CreateAnalysis", {"incidentRecordArn": arn}),
                "next_step": (SSM, "SendAutomationSignal", {}),
                "start_runbook": (TOCSIN, "StartIncidentRunbook", {"incidentRecordArn": arn}),
                "stop_runbook": (TOCSIN, "StopIncidentRunbook", {"incidentRecordArn": arn})}
        answers = await asyncio.gather(*(self._call.allowed(request, principal, *ask)
                                         for ask in asks.values()))
        return dict(zip(asks, answers, strict=True))

    async def _engagements(self, request: web.Request, principal: Principal,
                           arn: str) -> list[dict[str, Any]]:
        output = await self._call(request, principal, CONTACTS, "ListEngagements",
                                  {"IncidentId": arn, "MaxResults": 100})
        engagements = output.get("Engagements", [])
        pages = await asyncio.gather(*(
            self._call(request, principal, CONTACTS, "ListPagesByEngagement",
                       {"EngagementId": e["EngagementArn"], "MaxResults": 100})
            for e in engagements))
        for engagement, found in zip(engagements, pages, strict=True):
            engagement["Pages"] = found.get("Pages", [])
        return sorted(engagements, key=lambda e: float(e.get("StartTime", 0)))

    async def _update_incident(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        params: dict[str, Any] = {"arn": arn}
        for field in ("title", "summary"):
            if field in form:
                params[field] = str(form[field])
        if form.get("impact"):
            params["impact"] = _int(form["impact"])
        if "chat_channel" in form:
            topics = [t.strip() for t in str(form["chat_channel"]).split(",") if t.strip()]
            params["chatChannel"] = {"chatbotSns": topics} if topics else {"empty": {}}
        return await self._act_and_return(request, INCIDENTS, "UpdateIncidentRecord", params,
                                          arn, str(form.get("tab", "overview")))

    async def _resolve(self, request: web.Request) -> web.StreamResponse:
        arn = str((await request.post()).get("arn", ""))
        return await self._act_and_return(request, INCIDENTS, "UpdateIncidentRecord",
                                          {"arn": arn, "status": "RESOLVED"}, arn, "overview")

    async def _add_timeline_event(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        when = _event_time(str(form.get("event_time", "")))
        return await self._act_and_return(request, INCIDENTS, "CreateTimelineEvent", {
            "incidentRecordArn": arn, "eventTime": when,
            "eventType": str(form.get("event_type", "") or "Custom Event"),
            "eventData": json.dumps(str(form.get("text", "")))}, arn, "timeline")

    async def _edit_timeline_event(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        params: dict[str, Any] = {"incidentRecordArn": arn,
                                  "eventId": str(form.get("event_id", "")),
                                  "eventData": json.dumps(str(form.get("text", "")))}
        if form.get("event_time"):
            params["eventTime"] = _event_time(str(form["event_time"]))
        return await self._act_and_return(request, INCIDENTS, "UpdateTimelineEvent", params,
                                          arn, "timeline")

    async def _change_related(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        update: dict[str, Any]
        if form.get("remove_type"):
            update = {"itemToRemove": {"type": str(form["remove_type"]),
                                       "value": _item_value(str(form["remove_type"]),
                                                            str(form.get("remove_value", "")))}}
        else:
            detail = str(form.get("detail", "")).strip()
            kind = "OTHER" if detail.startswith(("http://", "https://")) else "INVOLVED_RESOURCE"
            update = {"itemToAdd": {"title": str(form.get("title", "")), "identifier": {
                "type": kind, "value": _item_value(kind, detail)}}}
        return await self._act_and_return(request, INCIDENTS, "UpdateRelatedItems", {
            "incidentRecordArn": arn, "relatedItemsUpdate": update}, arn, "related")

    async def _engage(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        principal = self._principal(request)
        return await self._act_and_return(request, CONTACTS, "StartEngagement", {
            "ContactId": str(form.get("contact", "")).strip(), "Sender": principal.arn[-200:],
            "Subject": str(form.get("subject", "") or "You are needed on an incident"),
            "Content": str(form.get("content", "") or f"Please join incident {arn}"),
            "IncidentId": arn}, arn, "engagements")

    async def _acknowledge(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        return await self._act_and_return(request, CONTACTS, "AcceptPage", {
            "PageId": str(form.get("page", "")), "AcceptType": "READ",
            "AcceptCode": str(form.get("code", "")).strip(),
            "Note": "Acknowledged in the console"}, arn, "engagements")

    # --- runbooks ---------------------------------------------------------------------------

    async def _runbooks(self, request: web.Request, principal: Principal,
                        record: dict[str, Any]) -> list[dict[str, Any]]:
        """The incident's runbook executions, each with its steps (past, current and
        future), newest first."""
        arns = [a["ssmExecutionArn"] for a in record.get("automationExecutions", [])
                if a.get("ssmExecutionArn")]
        found = await asyncio.gather(*(
            self._call(request, principal, SSM, "GetAutomationExecution",
                       {"AutomationExecutionId": arn.rsplit("/", 1)[-1]}) for arn in arns),
            return_exceptions=True)
        executions = []
        for arn, output in zip(arns, found, strict=True):
            if isinstance(output, TocsinError):
                executions.append({"arn": arn, "error": output.message})
            elif isinstance(output, BaseException):
                raise output
            else:
                executions.append({"arn": arn, **output["AutomationExecution"]})
        return sorted(executions, key=lambda e: -float(e.get("ExecutionStartTime") or 0))

    async def _next_step(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        return await self._act_and_return(request, SSM, "SendAutomationSignal", {
            "AutomationExecutionId": str(form.get("execution", "")), "SignalType": "Resume",
            "Payload": {"StepName": [str(form.get("step", ""))]}}, arn,
            str(form.get("tab", "runbook")))

    async def _start_runbook(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        return await self._act_and_return(request, TOCSIN, "StartIncidentRunbook", {
            "incidentRecordArn": arn, "documentName": str(form.get("document", ""))},
            arn, "runbook")

    async def _stop_runbook(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        return await self._act_and_return(request, TOCSIN, "StopIncidentRunbook", {
            "incidentRecordArn": arn,
            "automationExecutionArn": str(form.get("execution", ""))}, arn, "runbook")

    async def _documents(self, request: web.Request) -> web.StreamResponse:
        output = await self._call(request, self._principal(request), SSM, "ListDocuments",
                                  {"MaxResults": 50})
        return self._render("documents.html", request, request[_SESSION],
                            documents=output.get("DocumentIdentifiers", []))

    async def _document(self, request: web.Request) -> web.StreamResponse:
        document = await self._call(request, self._principal(request), SSM, "GetDocument",
                                    {"Name": request.query.get("name", "")})
        return self._render("document.html", request, request[_SESSION], document=document)

    # --- analyses ---------------------------------------------------------------------------

    async def _analyses(self, request: web.Request, principal: Principal,
                        params: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The analyses ``params`` select, or ``None`` when the analysis service cannot
        say (the list and the incident still show)."""
        try:
            output = await self._call(request, principal, TOCSIN, "ListAnalyses", params)
        except TocsinError as exc:
            log.info("console.analyses_unavailable", code=exc.aws_code)
            return None
        found: list[dict[str, Any]] = output.get("analysisSummaries", [])
        return found

    async def _create_analysis(self, request: web.Request) -> web.StreamResponse:
        arn = str((await request.post()).get("arn", ""))
        output = await self._act(request, TOCSIN, "CreateAnalysis",
                                 {"incidentRecordArn": arn},
                                 back=_incident_url(arn, "properties"))
        if isinstance(output, web.StreamResponse):
            return output
        raise web.HTTPSeeOther(_analysis_url(output["analysisArn"]))

    async def _analysis(self, request: web.Request) -> web.StreamResponse:
        principal = self._principal(request)
        arn = request.query.get("arn", "")
        analysis = (await self._call(request, principal, TOCSIN, "GetAnalysis",
                                     {"analysisArn": arn}))["analysis"]
        asks = {"answer": "AnswerQuestion", "accept": "AcceptRecommendation",
                "dismiss": "DismissRecommendation", "checklist": "UpdateChecklistItem"}
        answers = await asyncio.gather(*(self._call.allowed(
            request, principal, TOCSIN, op, {"analysisArn": arn}) for op in asks.values()))
        return self._render("analysis.html", request, request[_SESSION], analysis=analysis,
                            can=dict(zip(asks, answers, strict=True)),
                            key_time_names=KEY_TIMES)

    async def _analysis_figure(self, request: web.Request) -> web.StreamResponse:
        """The analysis's SVG timeline, as the analysis service draws it in its export:
        served as an image, so nothing in it runs in the page."""
        exported = await self._call(request, self._principal(request), TOCSIN,
                                    "ExportAnalysis", {"analysisArn": request.query.get(
                                        "arn", ""), "format": "HTML"})
        found = re.search(r"<svg[\s\S]*?</svg>", exported.get("content", ""))
        if found is None:
            raise web.HTTPNotFound(text="This analysis has no timeline figure.")
        return web.Response(text=found.group(0), content_type="image/svg+xml",
                            headers={"Cache-Control": "no-store",
                                     "Content-Security-Policy": "default-src 'none'; "
                                     "style-src 'unsafe-inline'"})

    async def _export(self, request: web.Request) -> web.StreamResponse:
        fmt = request.query.get("format", "MARKDOWN")
        exported = await self._call(request, self._principal(request), TOCSIN,
                                    "ExportAnalysis", {"analysisArn": request.query.get(
                                        "arn", ""), "format": fmt})
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
                params["dueTime"] = _event_time(str(form["due"]))
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
        back = _analysis_url(arn)
        output = await self._act(request, TOCSIN, operation, params, back=back)
        if isinstance(output, web.StreamResponse):
            return output
        raise web.HTTPSeeOther(back)

    # --- on call ----------------------------------------------------------------------------

    async def _oncall(self, request: web.Request) -> web.StreamResponse:
        principal = self._principal(request)
        now = time.time()
        rotations, contacts = await asyncio.gather(
            self._call(request, principal, CONTACTS, "ListRotations", {"MaxResults": 100}),
            self._call(request, principal, CONTACTS, "ListContacts", {"MaxResults": 100}))
        people = contacts.get("Contacts", [])
        shifts = await asyncio.gather(*(
            self._call(request, principal, CONTACTS, "ListRotationShifts", {
                "RotationId": r["RotationArn"], "StartTime": now, "EndTime": now + 60,
                "MaxResults": 10}) for r in rotations.get("Rotations", [])))
        channels = await asyncio.gather(*(
            self._call(request, principal, CONTACTS, "ListContactChannels",
                       {"ContactId": c["ContactArn"], "MaxResults": 100})
            for c in people if c["Type"] == "PERSONAL"))
        personal = [c for c in people if c["Type"] == "PERSONAL"]
        return self._render(
            "oncall.html", request, request[_SESSION], names=_names(people),
            on_call=[(r, _current(found.get("RotationShifts", []), now)) for r, found in
                     zip(rotations.get("Rotations", []), shifts, strict=True)],
            contacts=[(c, found.get("ContactChannels", [])) for c, found in
                      zip(personal, channels, strict=True)],
            can_activate=await self._call.allowed(request, principal, CONTACTS,
                                                  "ActivateContactChannel"))

    async def _rotation(self, request: web.Request) -> web.StreamResponse:
        principal = self._principal(request)
        arn = request.query.get("arn", "")
        now = time.time()
        until = now + CALENDAR_DAYS * 86400
        rotation, shifts, overrides, contacts = await asyncio.gather(
            self._call(request, principal, CONTACTS, "GetRotation", {"RotationId": arn}),
            self._call(request, principal, CONTACTS, "ListRotationShifts", {
                "RotationId": arn, "StartTime": now, "EndTime": until, "MaxResults": 1024}),
            self._call(request, principal, CONTACTS, "ListRotationOverrides", {
                "RotationId": arn, "StartTime": now, "EndTime": until, "MaxResults": 1024}),
            self._call(request, principal, CONTACTS, "ListContacts", {"MaxResults": 100}))
        return self._render(
            "rotation.html", request, request[_SESSION], rotation=rotation,
            shifts=shifts.get("RotationShifts", []),
            overrides=overrides.get("RotationOverrides", []),
            names=_names(contacts.get("Contacts", [])), days=CALENDAR_DAYS,
            can_override=await self._call.allowed(request, principal, CONTACTS,
                                                  "CreateRotationOverride",
                                                  {"RotationId": arn}))

    async def _override(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("rotation", ""))
        back = f"{PREFIX}/rotation?{urlencode({'arn': arn})}"
        output = await self._act(request, CONTACTS, "CreateRotationOverride", {
            "RotationId": arn, "NewContactIds": [str(c) for c in form.getall("contact", [])],
            "StartTime": _event_time(str(form.get("start", ""))),
            "EndTime": _event_time(str(form.get("end", "")))}, back=back)
        if isinstance(output, web.StreamResponse):
            return output
        raise web.HTTPSeeOther(back)

    async def _activate(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        output = await self._act(request, CONTACTS, "ActivateContactChannel", {
            "ContactChannelId": str(form.get("channel", "")),
            "ActivationCode": str(form.get("code", "")).strip()}, back=f"{PREFIX}/oncall")
        if isinstance(output, web.StreamResponse):
            return output
        raise web.HTTPSeeOther(f"{PREFIX}/oncall")

    # --- response plans ---------------------------------------------------------------------

    async def _plans(self, request: web.Request) -> web.StreamResponse:
        output = await self._call(request, self._principal(request), INCIDENTS, "ListResponsePlans",
                                  {"maxResults": 100})
        return self._render("plans.html", request, request[_SESSION],
                            plans=output.get("responsePlanSummaries", []))

    async def _plan(self, request: web.Request) -> web.StreamResponse:
        try:
            plan = await self._call(request, self._principal(request), INCIDENTS, "GetResponsePlan",
                                    {"arn": request.query.get("arn", "")})
        except TocsinError as exc:
            return self._refuse(request, request[_SESSION], exc.http_status, exc.message,
                                code=exc.aws_code)
        return self._render("plan.html", request, request[_SESSION], plan=plan,
                            plan_json=json.dumps(plan, indent=2, sort_keys=True))

    # --- shared steps -----------------------------------------------------------------------

    async def _act(self, request: web.Request, api: str, operation: str,
                   params: dict[str, Any], *, back: str) -> dict[str, Any] | web.Response:
        """The output of an action, or the page that says why it was refused."""
        try:
            return await self._call(request, self._principal(request), api, operation, params)
        except TocsinError as exc:
            log.info("console.action_refused", operation=operation, code=exc.aws_code)
            return self._refuse(request, request[_SESSION], exc.http_status, exc.message,
                                code=exc.aws_code, back=back)

    async def _act_and_return(self, request: web.Request, api: str, operation: str,
                              params: dict[str, Any], arn: str, tab: str) -> web.StreamResponse:
        back = _incident_url(arn, tab if tab in TABS else "overview")
        output = await self._act(request, api, operation, params, back=back)
        if isinstance(output, web.StreamResponse):
            return output
        raise web.HTTPSeeOther(back)

    def _refuse(self, request: web.Request, session: Session | None, status: int,
                message: str, *, code: str = "", back: str = "") -> web.Response:
        return self._render("error.html", request, session, status=status, message=message,
                            code=code, back=back or f"{PREFIX}/")

    def _render(self, name: str, request: web.Request, session: Session | None, *,
                status: int = 200, **context: Any) -> web.Response:
        html = self._templates.get_template(name).render(
            session=session, csrf_field=CSRF_FIELD, csrf=session.csrf if session else "",
            prefix=PREFIX, path=request.path_qs, region=self._settings.region, **context)
        response = web.Response(text=html, status=status, content_type="text/html")
        response.headers.update({
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": (
                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                "script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
        })
        return response


# --- helpers -------------------------------------------------------------------------------


def _incident_url(arn: str, tab: str = "overview") -> str:
    query = {"arn": arn} if tab == "overview" else {"arn": arn, "tab": tab}
    return f"{PREFIX}/incident?{urlencode(query)}"


def _analysis_url(arn: str) -> str:
    return f"{PREFIX}/analysis?{urlencode({'arn': arn})}"


def _local(target: str) -> str:
    """``target`` when it is a console path of this site, else nothing (no open redirect)."""
    return target if target.startswith(f"{PREFIX}/") and "//" not in target \
        and "\\" not in target else ""


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0  # the model's validation names the field


def _event_time(text: str) -> float:
    """A ``datetime-local`` field (UTC, as the form says) or now."""
    from datetime import UTC, datetime

    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() if text \
            else time.time()
    except ValueError:
        return time.time()


def _item_value(kind: str, detail: str) -> dict[str, Any]:
    return {"url": detail} if kind == "OTHER" else {"arn": detail}


def _when(epoch: object) -> str:
    """An epoch time as ``2026-12-06 18:47:03 UTC``."""
    from datetime import UTC, datetime

    if epoch in (None, ""):
        return ""
    return datetime.fromtimestamp(float(str(epoch)), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _event_text(data: object) -> str:
    """A timeline event's ``eventData`` as text: a JSON string's value, or a JSON object's
    members."""
    try:
        value = json.loads(str(data))
    except ValueError:
        return str(data)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _names(contacts: list[dict[str, Any]]) -> dict[str, str]:
    """Contact ARN → what to call them."""
    return {c["ContactArn"]: c.get("DisplayName") or c["Alias"] for c in contacts}


def _current(shifts: list[dict[str, Any]], now: float) -> dict[str, Any] | None:
    """The shift under way at ``now``."""
    return next((s for s in shifts
                 if float(s["StartTime"]) <= now < float(s["EndTime"])), None)


def _seen(request: web.Request) -> dict[str, dict[str, float]]:
    """The tab-counter cookie; whatever in it is not ``{incident: {tab: time}}`` is
    dropped (it comes from the browser)."""
    try:
        seen = json.loads(request.cookies.get(SEEN_COOKIE, "{}"))
    except ValueError:
        return {}
    if not isinstance(seen, dict):
        return {}
    return {str(key): {str(t): float(v) for t, v in tabs.items()
                       if isinstance(v, int | float) and not isinstance(v, bool)}
            for key, tabs in seen.items() if isinstance(tabs, dict)}


def _keep_seen(request: web.Request, response: web.Response,
               seen: dict[str, dict[str, float]]) -> None:
    # The 20 incidents most recently looked at: a cookie stays small.
    recent = sorted(seen.items(), key=lambda kv: -max(kv[1].values(), default=0))[:20]
    response.set_cookie(SEEN_COOKIE, json.dumps(dict(recent), separators=(",", ":")),
                        path=PREFIX, httponly=True, samesite="Strict",
                        secure=sessions.secure(request), max_age=30 * 86400)


def _tab_counts(seen: Mapping[str, float], record: Mapping[str, Any],
                events: list[dict[str, Any]], related: list[dict[str, Any]],
                engagements: list[dict[str, Any]]) -> dict[str, int]:
    """How many updates each tab has had since the viewer last opened it (everything, the
    first time)."""
    def since(tab: str, times: list[float]) -> int:
        last = float(seen.get(tab, 0))
        return sum(1 for t in times if t > last)

    event_times = [float(e.get("eventUpdatedTime") or e.get("eventTime") or 0) for e in events]
    page_times = [float(p.get("SentTime") or 0) for e in engagements for p in e.get("Pages", [])]
    return {
        "overview": since("overview", [float(record.get("lastModifiedTime") or 0)]),
        "metrics": 0,
        "timeline": since("timeline", event_times),
        "runbook": since("runbook", [float(e.get("eventTime") or 0) for e in events
                                     if "runbook" in str(e.get("eventType", "")).lower()]),
        "engagements": since("engagements", page_times),
        "related": since("related", [float(record.get("creationTime") or 0)]
                         if related and not seen.get("related") else []),
        "properties": since("properties", [float(record.get("lastModifiedTime") or 0)]),
    }
