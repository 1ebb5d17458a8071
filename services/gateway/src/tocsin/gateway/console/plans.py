"""Response plans, read-only."""

from __future__ import annotations

import json

from aiohttp import web

from tocsin.gateway.console.pages import INCIDENTS, Pages, Route

__all__ = ["PlanPages"]


class PlanPages:
    """Response plans, read-only (editing stays in the API)."""

    def __init__(self, pages: Pages) -> None:
        self._pages = pages

    def routes(self) -> list[Route]:
        return [("GET", "/plans", self._plans), ("GET", "/plan", self._plan)]

    async def _plans(self, request: web.Request) -> web.StreamResponse:
        output = await self._pages.call(request, self._pages.principal(request), INCIDENTS,
                                        "ListResponsePlans", {"maxResults": 100})
        return self._pages.render("plans.html", request,
                                  plans=output.get("responsePlanSummaries", []))

    async def _plan(self, request: web.Request) -> web.StreamResponse:
        plan = await self._pages.call(request, self._pages.principal(request), INCIDENTS,
                                      "GetResponsePlan", {"arn": request.query.get("arn", "")})
        return self._pages.render("plan.html", request, plan=plan,
                                  plan_json=json.dumps(plan, indent=2, sort_keys=True))
