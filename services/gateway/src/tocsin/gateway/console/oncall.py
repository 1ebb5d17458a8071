"""On call: who is on call now in each rotation, a rotation's coming weeks with its
overrides (and creating one), and contacts' channels with their activation state."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tocsin.gateway.console import calendar
from tocsin.gateway.console.pages import CONTACTS, PREFIX, Pages, Route, form_time

__all__ = ["OnCallPages"]

WEEK = 7 * 86400
CALENDAR_WEEKS = 4
"""A rotation's calendar shows this week and the three after it (three weeks ahead even
on a Sunday)."""


class OnCallPages:
    """Who is on call, rotations' calendars and overrides, contact channels' activation."""

    def __init__(self, pages: Pages) -> None:
        self._pages = pages

    def routes(self) -> list[Route]:
        return [("GET", "/oncall", self._oncall),
                ("GET", "/rotation", self._rotation),
                ("POST", "/rotation/override", self._override),
                ("POST", "/contacts/activate", self._activate)]

    async def _oncall(self, request: web.Request) -> web.StreamResponse:
        principal = self._pages.principal(request)
        now = time.time()
        rotations, contacts = await asyncio.gather(
            self._pages.call(request, principal, CONTACTS, "ListRotations", {"MaxResults": 100}),
            self._pages.call(request, principal, CONTACTS, "ListContacts", {"MaxResults": 100}))
        people = contacts.get("Contacts", [])
        shifts = await asyncio.gather(*(
            self._pages.call(request, principal, CONTACTS, "ListRotationShifts", {
                # A week ahead, so the shift under way shows its real end (a window ends
                # the shifts it cuts); from the whole second, as the service keeps them.
                "RotationId": r["RotationArn"], "StartTime": int(now), "EndTime": now + WEEK,
                "MaxResults": 2}) for r in rotations.get("Rotations", [])))
        channels = await asyncio.gather(*(
            self._pages.call(request, principal, CONTACTS, "ListContactChannels",
                             {"ContactId": c["ContactArn"], "MaxResults": 100})
            for c in people if c["Type"] == "PERSONAL"))
        personal = [c for c in people if c["Type"] == "PERSONAL"]
        return self._pages.render(
            "oncall.html", request, names=_names(people),
            on_call=[(r, _current(found.get("RotationShifts", []), now)) for r, found in
                     zip(rotations.get("Rotations", []), shifts, strict=True)],
            contacts=[(c, found.get("ContactChannels", [])) for c, found in
                      zip(personal, channels, strict=True)],
            can_activate=await self._pages.call.allowed(request, principal, CONTACTS,
                                                        "ActivateContactChannel"))

    async def _rotation(self, request: web.Request) -> web.StreamResponse:
        principal = self._pages.principal(request)
        arn = request.query.get("arn", "")
        now = time.time()
        monday = calendar.first_monday(now)
        since = datetime(monday.year, monday.month, monday.day, tzinfo=UTC).timestamp()
        until = since + CALENDAR_WEEKS * WEEK
        rotation, shifts, overrides, contacts = await asyncio.gather(
            self._pages.call(request, principal, CONTACTS, "GetRotation", {"RotationId": arn}),
            self._pages.call(request, principal, CONTACTS, "ListRotationShifts", {
                "RotationId": arn, "StartTime": since, "EndTime": until,
                "MaxResults": 1024}),
            self._pages.call(request, principal, CONTACTS, "ListRotationOverrides", {
                "RotationId": arn, "StartTime": now, "EndTime": until, "MaxResults": 1024}),
            self._pages.call(request, principal, CONTACTS, "ListContacts", {"MaxResults": 100}))
        names = _names(contacts.get("Contacts", []))
        grid = calendar.weeks(shifts.get("RotationShifts", []), names, start=monday,
                              count=CALENDAR_WEEKS, now=now)
        day = _day(request.query.get("day", ""))
        return self._pages.render(
            "rotation.html", request, rotation=rotation, weeks=grid,
            overrides=overrides.get("RotationOverrides", []), names=names,
            override_from=day.strftime("%Y-%m-%dT00:00") if day else "",
            override_to=(day + timedelta(days=1)).strftime("%Y-%m-%dT00:00") if day else "",
            can_override=await self._pages.call.allowed(
                request, principal, CONTACTS, "CreateRotationOverride", {"RotationId": arn}))

    async def _override(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        arn = str(form.get("rotation", ""))
        back = f"{PREFIX}/rotation?{urlencode({'arn': arn})}"
        return await self._pages.act_then(request, CONTACTS, "CreateRotationOverride", {
            "RotationId": arn, "NewContactIds": [str(c) for c in form.getall("contact", [])],
            "StartTime": form_time(str(form.get("start", ""))),
            "EndTime": form_time(str(form.get("end", "")))}, back=back)

    async def _activate(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        return await self._pages.act_then(request, CONTACTS, "ActivateContactChannel", {
            "ContactChannelId": str(form.get("channel", "")),
            "ActivationCode": str(form.get("code", "")).strip()}, back=f"{PREFIX}/oncall")


def _names(contacts: list[dict[str, Any]]) -> dict[str, str]:
    """Contact ARN → what to call them."""
    return {c["ContactArn"]: c.get("DisplayName") or c["Alias"] for c in contacts}


def _current(shifts: list[dict[str, Any]], now: float) -> dict[str, Any] | None:
    """The shift under way at ``now``."""
    return next((s for s in shifts
                 if float(s["StartTime"]) <= now < float(s["EndTime"])), None)


def _day(text: str) -> date | None:
    """The day a calendar cell's "Override" link names (``YYYY-MM-DD``), if any."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
