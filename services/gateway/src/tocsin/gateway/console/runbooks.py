"""An incident's runbooks, read over the ssm API: each run's steps, Next step on a manual
one, starting and cancelling; and the runbook documents, read-only."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tocsin.gateway.access import Principal
from tocsin.gateway.console.pages import SSM, TOCSIN, Pages, Route
from tocsin.shared.errors import TocsinError

__all__ = ["MANUAL_STEP_STATUSES", "RunbookPages", "runs"]

MANUAL_STEP_STATUSES = ("Waiting",)
"""A step in this status waits for a responder's Next step (``aws:pause``, an approval)."""


async def runs(pages: Pages, request: web.Request, principal: Principal,
               record: dict[str, Any]) -> list[dict[str, Any]]:
    """The incident's runbook executions, each with its steps (past, current and
    future), newest first."""
    arns = [a["ssmExecutionArn"] for a in record.get("automationExecutions", [])
            if a.get("ssmExecutionArn")]
    found = await asyncio.gather(*(
        pages.call(request, principal, SSM, "GetAutomationExecution",
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


class RunbookPages:
    """An incident's runbooks (Next step, start, cancel) and the runbook documents."""

    def __init__(self, pages: Pages) -> None:
        self._pages = pages

    def routes(self) -> list[Route]:
        return [("POST", "/incident/runbook/next", self._next_step),
                ("POST", "/incident/runbook/start", self._start_runbook),
                ("POST", "/incident/runbook/stop", self._stop_runbook),
                ("GET", "/documents", self._documents),
                ("GET", "/document", self._document)]

    async def _next_step(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        return await self._pages.act_and_return(request, SSM, "SendAutomationSignal", {
            "AutomationExecutionId": str(form.get("execution", "")), "SignalType": "Resume",
            "Payload": {"StepName": [str(form.get("step", ""))]}}, arn,
            str(form.get("tab", "runbook")))

    async def _start_runbook(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        return await self._pages.act_and_return(request, TOCSIN, "StartIncidentRunbook", {
            "incidentRecordArn": arn, "documentName": str(form.get("document", ""))},
            arn, "runbook")

    async def _stop_runbook(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("arn", ""))
        return await self._pages.act_and_return(request, TOCSIN, "StopIncidentRunbook", {
            "incidentRecordArn": arn,
            "automationExecutionArn": str(form.get("execution", ""))}, arn, "runbook")

    async def _documents(self, request: web.Request) -> web.StreamResponse:
        output = await self._pages.call(request, self._pages.principal(request), SSM,
                                        "ListDocuments", {"MaxResults": 50})
        return self._pages.render("documents.html", request,
                                  documents=output.get("DocumentIdentifiers", []))

    async def _document(self, request: web.Request) -> web.StreamResponse:
        document = await self._pages.call(request, self._pages.principal(request), SSM,
                                          "GetDocument", {"Name": request.query.get("name", "")})
        return self._pages.render("document.html", request, document=document)
