"""An incident's engagements with their pages (:func:`read`), and the Engagements tab's
table (:func:`rows`, pure): who has been engaged, through which escalation plan, when (or
when they will be), and whether they acknowledged.

An engagement of a contact pages that contact; an engagement of an escalation plan pages
the contacts of each stage as the stage begins, stage *k* when the durations of stages
0..k-1 have passed since the engagement started. A stage not yet begun shows its contacts
as scheduled, at that time, until the engagement stops or someone acknowledges (which
stops the escalation).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tocsin.gateway.access import Principal
from tocsin.gateway.console.pages import CONTACTS, Pages

__all__ = ["Row", "read", "rows"]


async def read(pages: Pages, request: web.Request, principal: Principal,
               incident_arn: str) -> list[dict[str, Any]]:
    """The incident's engagements in the order they started, each with its ``Pages``."""
    output = await pages.call(request, principal, CONTACTS, "ListEngagements",
                              {"IncidentId": incident_arn, "MaxResults": 100})
    engagements: list[dict[str, Any]] = output.get("Engagements", [])
    found = await asyncio.gather(*(
        pages.call(request, principal, CONTACTS, "ListPagesByEngagement",
                   {"EngagementId": e["EngagementArn"], "MaxResults": 100})
        for e in engagements))
    for engagement, listed in zip(engagements, found, strict=True):
        engagement["Pages"] = listed.get("Pages", [])
    return sorted(engagements, key=lambda e: float(e.get("StartTime", 0)))


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: a page sent, or a contact a later stage will engage."""

    contact_arn: str
    name: str
    plan_arn: str
    """The escalation plan it came through (empty when the contact was engaged directly)."""
    plan_name: str
    time: float
    """When the page was sent, or when the stage will engage the contact."""
    scheduled: bool
    page_arn: str = ""
    read_time: float | None = None
    engagement_arn: str = ""


def rows(engagements: Sequence[Mapping[str, Any]], contacts: Mapping[str, Mapping[str, Any]],
         now: float) -> list[Row]:
    """The table's rows, in time order: every page of ``engagements`` (each with its
    ``Pages``), then the stages to come of each escalation plan engaged.

    ``contacts`` maps a contact ARN to its ``GetContact`` output (``Alias``,
    ``DisplayName``, ``Type``, and ``Plan`` for the escalation plans engaged)."""
    out: list[Row] = []
    for e in engagements:
        engaged = contacts.get(e["ContactArn"], {})
        is_plan = engaged.get("Type") == "ESCALATION"
        plan_arn = e["ContactArn"] if is_plan else ""
        plan_name = _name(engaged, e["ContactArn"]) if is_plan else ""
        pages = e.get("Pages") or []
        for p in pages:
            out.append(Row(contact_arn=p["ContactArn"],
                           name=_name(contacts.get(p["ContactArn"], {}), p["ContactArn"]),
                           plan_arn=plan_arn, plan_name=plan_name,
                           time=float(p.get("SentTime") or e.get("StartTime") or 0),
                           scheduled=False, page_arn=p["PageArn"],
                           read_time=float(p["ReadTime"]) if p.get("ReadTime") else None,
                           engagement_arn=e["EngagementArn"]))
        if not pages and not is_plan:
            out.append(Row(contact_arn=e["ContactArn"], name=_name(engaged, e["ContactArn"]),
                           plan_arn="", plan_name="", time=float(e.get("StartTime") or 0),
                           scheduled=False, engagement_arn=e["EngagementArn"]))
        stopped = e.get("StopTime") or any(p.get("ReadTime") for p in pages)
        if is_plan and not stopped:
            paged = {p["ContactArn"] for p in pages}
            out += _to_come(e, engaged, contacts, paged, now, plan_name)
    return sorted(out, key=lambda r: (r.scheduled, r.time))


def _to_come(engagement: Mapping[str, Any], plan: Mapping[str, Any],
             contacts: Mapping[str, Mapping[str, Any]], paged: set[str], now: float,
             plan_name: str) -> list[Row]:
    start = float(engagement.get("StartTime") or now)
    out: list[Row] = []
    offset = 0.0
    for stage in (plan.get("Plan") or {}).get("Stages", []):
        begins = start + offset
        offset += float(stage.get("DurationInMinutes") or 0) * 60
        if begins <= now:
            continue  # begun: its pages are listed (or on their way)
        for target in stage.get("Targets", []):
            contact = (target.get("ContactTargetInfo") or {}).get("ContactId")
            if contact and contact not in paged:
                out.append(Row(contact_arn=contact, name=_name(contacts.get(contact, {}),
                                                                  contact),
                               plan_arn=engagement["ContactArn"], plan_name=plan_name,
                               time=begins, scheduled=True,
                               engagement_arn=engagement["EngagementArn"]))
    return out


def _name(contact: Mapping[str, Any], arn: str) -> str:
    return str(contact.get("DisplayName") or contact.get("Alias") or arn.rsplit("/", 1)[-1])
