"""What the analysis service asks of the incidents service, over its RPC operations."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, rpc_subject
from tocsin.shared.contracts.incidents import IncidentRecord, TimelineEvent

__all__ = ["IncidentsClient"]

JSON = dict[str, Any]

FETCH_CONCURRENCY = 16
"""Timeline events fetched at once while copying a timeline (``ListTimelineEvents``
lists events without their data)."""


class _Page(msgspec.Struct, rename="camel"):
    event_summaries: list[JSON]
    next_token: str | None = None


class IncidentsClient:
    """Typed calls to ``tocsin.rpc.incidents.<Operation>``."""

    def __init__(self, bus: Bus, *, timeout: float = 10.0) -> None:
        self._bus = bus
        self._timeout = timeout

    async def _call(self, operation: str, params: JSON) -> bytes:
        return await self._bus.request(rpc_subject("incidents", operation), params,
                                       timeout=self._timeout)

    async def incident(self, arn: str) -> IncidentRecord:
        """The incident record (NotFoundError as the incidents service says it)."""
        reply = await self._call("GetIncidentRecord", {"arn": arn})
        record: IncidentRecord = codec.decode(reply, _Record).incident_record
        return record

    async def timeline(self, arn: str) -> list[TimelineEvent]:
        """The incident's whole timeline, oldest first, each event with its data."""
        summaries: list[JSON] = []
        token: str | None = None
        while True:
            params: JSON = {"incidentRecordArn": arn, "sortOrder": "ASCENDING",
                            "maxResults": 100}
            if token:
                params["nextToken"] = token
            page = codec.decode(await self._call("ListTimelineEvents", params), _Page)
            summaries += page.event_summaries
            token = page.next_token
            if not token:
                break
        slots = asyncio.Semaphore(FETCH_CONCURRENCY)

        async def fetch(summary: JSON) -> TimelineEvent:
            async with slots:
                reply = await self._call("GetTimelineEvent", {
                    "incidentRecordArn": arn, "eventId": summary["eventId"]})
            event: TimelineEvent = codec.decode(reply, _Event).event
            return event

        return list(await asyncio.gather(*(fetch(s) for s in summaries)))

    async def add_related_item(self, incident_arn: str, item: JSON, *, token: str) -> bool:
        """Add a related item to the incident; False when it already has it. The service
        asks as itself (no principal: only the identities that act for callers may name
        one, :mod:`tocsin.shared.bus.principals`)."""
        try:
            await self._call("UpdateRelatedItems", {
                "incidentRecordArn": incident_arn, "clientToken": token,
                "relatedItemsUpdate": {"itemToAdd": item}})
        except errors.ConflictError as exc:
            if "already has a related item" in exc.message:
                return False
            raise
        return True

    async def remove_related_item(self, incident_arn: str, identifier: JSON) -> None:
        """Remove a related item from the incident, when it (and the incident) still exist
        (as the service itself, like :meth:`add_related_item`)."""
        try:
            await self._call("UpdateRelatedItems", {
                "incidentRecordArn": incident_arn,
                "relatedItemsUpdate": {"itemToRemove": identifier}})
        except errors.NotFoundError:
            pass

    async def related_items(self, incident_arn: str) -> list[JSON]:
        """Every related item of the incident."""
        items: list[JSON] = []
        token: str | None = None
        while True:
            params: JSON = {"incidentRecordArn": incident_arn, "maxResults": 100}
            if token:
                params["nextToken"] = token
            page = codec.decode(await self._call("ListRelatedItems", params), dict[str, Any])
            items += page.get("relatedItems", [])
            token = page.get("nextToken")
            if not token:
                return items


class _Record(msgspec.Struct, rename="camel"):
    incident_record: IncidentRecord


class _Event(msgspec.Struct, rename="camel"):
    event: TimelineEvent
