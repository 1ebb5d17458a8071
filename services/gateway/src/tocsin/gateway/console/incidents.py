"""The incident list (live over Server-Sent Events, filtered), starting an incident, and an
incident's page: its banner, its seven tabs with their update counters, and its actions."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tocsin.gateway.access import Principal
from tocsin.gateway.console import analyses, charts, listing, runbooks, sessions
from tocsin.gateway.console import engagements as engagement_rows
from tocsin.gateway.console.live import Feed
from tocsin.gateway.console.pages import (
    CONTACTS,
    INCIDENTS,
    PREFIX,
    SSM,
    TABS,
    TOCSIN,
    Pages,
    Route,
    form_int,
    form_time,
    incident_url,
)
from tocsin.shared.errors import TocsinError
from tocsin.shared.logging import get_logger

__all__ = ["IncidentPages"]

log = get_logger(__name__)

TAB_TITLES = {"overview": "Overview", "metrics": "Metrics", "timeline": "Timeline",
              "runbook": "Runbook", "engagements": "Engagements", "related": "Related items",
              "properties": "Properties"}
TIMELINE_SHOWN = 50
"""The timeline tab shows this many of the most recent events."""
SEEN_COOKIE = "tocsin_console_seen"
"""When the viewer last opened each tab of each incident (for the tabs' update counters)."""


class IncidentPages:
    """The incident list (live), starting an incident, and an incident's page and actions."""

    def __init__(self, pages: Pages, feed: Feed) -> None:
        self._pages = pages
        self._feed = feed

    def routes(self) -> list[Route]:
        return [("GET", "/", self._list),
                ("GET", "/live", self._live),
                ("POST", "/incidents/start", self._start_incident),
                ("GET", "/incident", self._incident),
                ("GET", "/incident/live", self._incident_live),
                ("POST", "/incident/update", self._update_incident),
                ("POST", "/incident/resolve", self._resolve),
                ("POST", "/incident/timeline", self._add_timeline_event),
                ("POST", "/incident/timeline/edit", self._edit_timeline_event),
                ("POST", "/incident/related", self._change_related),
                ("POST", "/incident/engage", self._engage),
                ("POST", "/incident/acknowledge", self._acknowledge)]

    async def _list(self, request: web.Request) -> web.StreamResponse:
        principal = self._pages.principal(request)
        filters = listing.Filters.from_query(request.query)
        sets = await self._pages.call(request, principal, INCIDENTS, "ListReplicationSets", {})
        if not sets.get("replicationSetArns"):
            return self._pages.render(
                "list.html", request, filters=filters, unprepared=True,
                open_incidents=[], resolved=[], plans=[], start_plans=[], analyses=None,
                periods=list(listing.PERIODS), live_query="", now=time.time())
        open_, resolved, plans = await asyncio.gather(
            self._records(request, principal, "OPEN", filters),
            self._records(request, principal, "RESOLVED", filters),
            self._pages.call(request, principal, INCIDENTS, "ListResponsePlans",
                             {"maxResults": 100}))
        details = await asyncio.gather(*(
            self._pages.call(request, principal, INCIDENTS, "GetIncidentRecord", {"arn": r["arn"]})
            for r in open_))
        analysed = await analyses.listed(self._pages, request, principal, {"maxResults": 50})
        summaries = plans.get("responsePlanSummaries", [])
        startable = [p for p in summaries if await self._pages.call.allowed(
            request, principal, INCIDENTS, "StartIncident", {"responsePlanArn": p["arn"]})]
        return self._pages.render(
            "list.html", request, filters=filters,
            open_incidents=[d["incidentRecord"] for d in details], resolved=resolved,
            plans=summaries, start_plans=startable, periods=list(listing.PERIODS),
            analyses=analysed, now=time.time(),
            live_query=urlencode(filters.query()), unprepared=False)

    async def _records(self, request: web.Request, principal: Principal, status: str,
                       filters: listing.Filters) -> list[dict[str, Any]]:
        output = await self._pages.call(request, principal, INCIDENTS, "ListIncidentRecords", {
            "maxResults": 100, "filters": [{"key": "status", "condition": {
                "equals": {"stringValues": [status]}}}]})
        records = [r for r in output.get("incidentRecordSummaries", []) if filters.admit(r)]
        return sorted(records, key=lambda r: -float(r.get("creationTime", 0)))

    async def _live(self, request: web.Request) -> web.StreamResponse:
        principal = self._pages.principal(request)
        filters = listing.Filters.from_query(request.query)
        template = self._pages.template("tile.html")

        async def tile(arn: str, event_type: str) -> str | None:
            if not arn:
                return None
            if event_type == "IncidentRecordDeleted":
                return template.render(record={"arn": arn, "status": "DELETED"}, now=time.time())
            try:
                record = (await self._pages.call(request, principal, INCIDENTS, "GetIncidentRecord",
                                                 {"arn": arn}))["incidentRecord"]
            except TocsinError as exc:
                log.debug("console.tile_unreadable", arn=arn, code=exc.aws_code)
                return None
            if not filters.admit(record):
                return None
            return template.render(record=record, now=time.time())

        return await self._feed.tiles(request, tile)

    async def _incident_live(self, request: web.Request) -> web.StreamResponse:
        arn = request.query.get("arn", "")
        # Reading the record first: only a viewer who may read the incident hears of it.
        await self._pages.call(request, self._pages.principal(request), INCIDENTS,
                               "GetIncidentRecord", {"arn": arn})
        return await self._feed.changes(request, arn)

    async def _start_incident(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        params: dict[str, Any] = {"responsePlanArn": str(form.get("plan", ""))}
        if form.get("title"):
            params["title"] = str(form["title"])
        if form.get("impact"):
            params["impact"] = form_int(form["impact"])
        output = await self._pages.act(request, INCIDENTS, "StartIncident", params,
                                       back=f"{PREFIX}/")
        if isinstance(output, web.StreamResponse):
            return output
        raise web.HTTPSeeOther(incident_url(output["incidentRecordArn"]))

    async def _incident(self, request: web.Request) -> web.StreamResponse:
        principal = self._pages.principal(request)
        arn = request.query.get("arn", "")
        tab = request.query.get("tab", "overview")
        if tab not in TABS:
            tab = "overview"
        record = (await self._pages.call(request, principal, INCIDENTS, "GetIncidentRecord",
                                         {"arn": arn}))["incidentRecord"]
        timeline, related = await asyncio.gather(
            self._pages.call(request, principal, INCIDENTS, "ListTimelineEvents", {
                "incidentRecordArn": arn, "sortBy": "EVENT_TIME", "sortOrder": "DESCENDING",
                "maxResults": 100}),
            self._pages.call(request, principal, INCIDENTS, "ListRelatedItems",
                             {"incidentRecordArn": arn, "maxResults": 100}))
        engagements = await engagement_rows.read(self._pages, request, principal, arn)
        table = engagement_rows.rows(
            engagements, await self._contacts(request, principal, engagements), time.time()
        ) if tab == "engagements" else []
        summaries = timeline.get("eventSummaries", [])
        # A summary has no eventData: read the events shown in full.
        shown = summaries[:5] if tab == "overview" else summaries[:TIMELINE_SHOWN]
        runs = await runbooks.runs(self._pages, request, principal, record) \
            if tab in ("overview", "runbook") else []
        documents = (await self._pages.call(request, principal, SSM, "ListDocuments", {
            "Filters": [{"Key": "DocumentType", "Values": ["Automation"]}],
            "MaxResults": 50})).get("DocumentIdentifiers", []) if tab == "runbook" else []
        analysed = await analyses.listed(self._pages, request, principal, {
            "incidentRecordArn": arn}) if record["status"] == "RESOLVED" else []
        events = [found["event"] for found in await asyncio.gather(*(
            self._pages.call(request, principal, INCIDENTS, "GetTimelineEvent", {
                "incidentRecordArn": arn, "eventId": e["eventId"]}) for e in shown))]
        progress: dict[str, Any] = {}
        incident_metrics: dict[str, Any] | None = None
        if tab == "metrics":
            incident_metrics = await analyses.incident_metrics(self._pages, request, principal,
                                                               arn)
            end = float(record.get("resolvedTime") or time.time())
            progress = charts.engagement_progress(engagements, float(record["creationTime"]),
                                                  end)
            progress["marks"] = charts.key_time_marks(
                (incident_metrics or {}).get("keyTimes", {}), analyses.KEY_TIMES)
        authors = await self._pages.call.timeline_authors(
            principal, arn, [e["eventId"] for e in events]) if tab == "timeline" else {}
        items = related.get("relatedItems", [])
        seen = _seen(request)
        key = listing.incident_id(arn)
        counts = _tab_counts(seen.get(key, {}), record, summaries, items, engagements)
        counts[tab] = 0
        response = self._pages.render(
            "incident.html", request, record=record, tab=tab, tabs=TABS,
            tab_titles=TAB_TITLES, counts=counts, events=events, related=items,
            engagements=engagements, now=time.time(), edit=request.query.get("edit", ""),
            authors=authors, me=principal.arn, engagement_table=table,
            progress=progress, incident_metrics=incident_metrics,
            analyses=analysed, runbooks=runs, documents=documents,
            manual=runbooks.MANUAL_STEP_STATUSES,
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
        answers = await asyncio.gather(*(self._pages.call.allowed(request, principal, *ask)
                                         for ask in asks.values()))
        return dict(zip(asks, answers, strict=True))

    async def _contacts(self, request: web.Request, principal: Principal,
                        engagements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The contacts the Engagements tab names, by ARN; the escalation plans engaged
        with their stages (``GetContact``), to show whom a later stage will engage."""
        listed = await self._pages.call(request, principal, CONTACTS, "ListContacts",
                                        {"MaxResults": 100})
        contacts = {c["ContactArn"]: c for c in listed.get("Contacts", [])}
        wanted = {e["ContactArn"] for e in engagements
                  if contacts.get(e["ContactArn"], {}).get("Type") != "PERSONAL"}
        found = await asyncio.gather(*(
            self._pages.call(request, principal, CONTACTS, "GetContact", {"ContactId": arn})
            for arn in sorted(wanted)), return_exceptions=True)
        for arn, contact in zip(sorted(wanted), found, strict=True):
            if isinstance(contact, dict):
                contacts[arn] = contact
            elif not isinstance(contact, TocsinError):
                raise contact
        return contacts

    async def _update_incident(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        params: dict[str, Any] = {"arn": arn}
        for field in ("title", "summary"):
            if field in form:
                params[field] = str(form[field])
        if form.get("impact"):
            params["impact"] = form_int(form["impact"])
        if "chat_channel" in form:
            topics = [t.strip() for t in str(form["chat_channel"]).split(",") if t.strip()]
            params["chatChannel"] = {"chatbotSns": topics} if topics else {"empty": {}}
        return await self._pages.act_and_return(request, INCIDENTS, "UpdateIncidentRecord",
                                                params, arn, str(form.get("tab", "overview")))

    async def _resolve(self, request: web.Request) -> web.StreamResponse:
        arn = str((await request.post()).get("arn", ""))
        return await self._pages.act_and_return(request, INCIDENTS, "UpdateIncidentRecord",
                                                {"arn": arn, "status": "RESOLVED"}, arn, "overview")

    async def _add_timeline_event(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        when = form_time(str(form.get("event_time", "")))
        return await self._pages.act_and_return(request, INCIDENTS, "CreateTimelineEvent", {
            "incidentRecordArn": arn, "eventTime": when,
            "eventType": str(form.get("event_type", "") or "Custom Event"),
            "eventData": json.dumps(str(form.get("text", "")))}, arn, "timeline")

    async def _edit_timeline_event(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        event_id = str(form.get("event_id", ""))
        principal = self._pages.principal(request)
        authors = await self._pages.call.timeline_authors(principal, arn, [event_id])
        if authors.get(event_id, principal.arn) != principal.arn:
            # The console's rule, not the API's: a responder edits only the notes they
            # wrote (events without a known author stay editable by anyone allowed).
            return self._pages.refuse(
                request, 403, "Only the responder who wrote a timeline event edits it "
                "here.", code="AccessDeniedException", back=incident_url(arn, "timeline"))
        params: dict[str, Any] = {"incidentRecordArn": arn, "eventId": event_id,
                                  "eventData": json.dumps(str(form.get("text", "")))}
        if form.get("event_time"):
            params["eventTime"] = form_time(str(form["event_time"]))
        return await self._pages.act_and_return(request, INCIDENTS, "UpdateTimelineEvent",
                                                params, arn, "timeline")

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
        return await self._pages.act_and_return(request, INCIDENTS, "UpdateRelatedItems", {
            "incidentRecordArn": arn, "relatedItemsUpdate": update}, arn, "related")

    async def _engage(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        principal = self._pages.principal(request)
        return await self._pages.act_and_return(request, CONTACTS, "StartEngagement", {
            "ContactId": str(form.get("contact", "")).strip(), "Sender": principal.arn[-200:],
            "Subject": str(form.get("subject", "") or "You are needed on an incident"),
            "Content": str(form.get("content", "") or f"Please join incident {arn}"),
            "IncidentId": arn}, arn, "engagements")

    async def _acknowledge(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        return await self._pages.act_and_return(request, CONTACTS, "AcceptPage", {
            "PageId": str(form.get("page", "")), "AcceptType": "READ",
            "AcceptCode": str(form.get("code", "")).strip(),
            "Note": "Acknowledged in the console"}, arn, "engagements")


def _item_value(kind: str, detail: str) -> dict[str, Any]:
    return {"url": detail} if kind == "OTHER" else {"arn": detail}


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
    page_times = [float(t) for e in engagements for p in e.get("Pages", [])
                  for t in (p.get("SentTime"), p.get("ReadTime")) if t]
    return {
        "overview": since("overview", [float(record.get("lastModifiedTime") or 0)]),
        "metrics": 0,
        "timeline": since("timeline", event_times),
        "runbook": since("runbook", [float(e.get("eventTime") or 0) for e in events
                                     if "runbook" in str(e.get("eventType", "")).lower()]),
        "engagements": since("engagements", page_times),
        # Related items carry no time: all of them count until the tab is first opened.
        "related": 0 if "related" in seen else len(related),
        "properties": since("properties", [float(record.get("lastModifiedTime") or 0)]),
    }
