"""The timeline operations: custom events are created, read, edited and deleted here;
automatic ones can only be read."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from tocsin.incidents.related.store import RelatedItemStore
from tocsin.incidents.timeline.domain import (
    CUSTOM_TYPES,
    TimelineEvent,
    check_custom_type,
    timeline_query,
)
from tocsin.incidents.timeline.store import TimelineStore
from tocsin.incidents.usecases import JSON, UseCases, make_token
from tocsin.shared.bus import RpcRequest
from tocsin.shared.contracts import incidents as c
from tocsin.shared.db import transaction
from tocsin.shared.errors import NotFoundError, ValidationError
from tocsin.shared.events import emit
from tocsin.shared.logging import bind
from tocsin.shared.paging import page_size

__all__ = ["TimelineHandlers"]



class TimelineHandlers(UseCases):
    """CreateTimelineEvent, GetTimelineEvent, ListTimelineEvents, UpdateTimelineEvent,
    DeleteTimelineEvent."""

    _timeline = TimelineStore()

    async def create_timeline_event(self, req: RpcRequest) -> JSON:
        cmd: c.CreateTimelineEvent = req.decode(c.CreateTimelineEvent)
        check_custom_type(cmd.event_type)
        bind(incident_arn=cmd.incident_record_arn)

        async def body(conn: asyncpg.Connection) -> JSON:
            record = await self._incident(conn, cmd.incident_record_arn)
            refs = await self._references(conn, cmd.incident_record_arn, cmd.event_references)
            now = self._clock.now()
            event = TimelineEvent(
                incident_record_arn=cmd.incident_record_arn, event_id=str(uuid.uuid4()),
                event_time=cmd.event_time, event_updated_time=now.timestamp(),
                event_type=cmd.event_type, event_data=cmd.event_data, event_references=refs)
            await self._timeline.add(conn, [event], is_automatic=False,
                                     created_by=self._by(req))
            await emit(conn, c.TimelineEventCreated(**msgspec.structs.asdict(event),
                                                    principal=self._by(req),
                                                    resource_version=1, incident=record),
                       region=self._region, now=now, incident_arn=event.incident_record_arn)
            return {"eventId": event.event_id, "incidentRecordArn": event.incident_record_arn}

        return await self._once(req, cmd.client_token, body)

    async def get_timeline_event(self, req: RpcRequest) -> JSON:
        cmd: c.TimelineEventId = req.decode(c.TimelineEventId)
        async with self._pool.acquire() as conn:
            found = await self._timeline.get(conn, cmd.incident_record_arn, _uuid(cmd.event_id))
            if found is None:
                await self._replication_set(conn)
                raise NotFoundError(
                    f"Timeline event {cmd.event_id} of {cmd.incident_record_arn} does not "
                    "exist", resource_type="TIMELINE_EVENT", resource_id=cmd.event_id)
        return {"event": msgspec.to_builtins(found[0])}

    async def list_timeline_events(self, req: RpcRequest) -> JSON:
        cmd: c.ListTimelineEvents = req.decode(c.ListTimelineEvents)
        if cmd.sort_by not in (None, "EVENT_TIME"):
            raise ValidationError("sortBy must be EVENT_TIME")
        if cmd.sort_order not in (None, "ASCENDING", "DESCENDING"):
            raise ValidationError("sortOrder must be ASCENDING or DESCENDING")
        limit = page_size(cmd.max_results)
        query = timeline_query(cmd, limit=limit + 1)
        async with self._pool.acquire() as conn:
            events = await self._timeline.page(conn, query)
            if not events and not cmd.next_token:
                await self._replication_set(conn)
        out: JSON = {"eventSummaries": [e.summary() for e in events[:limit]]}
        if len(events) > limit:
            last = events[limit - 1]
            out["nextToken"] = make_token((last.event_time, last.event_id))
        return out

    async def update_timeline_event(self, req: RpcRequest) -> JSON:
        cmd: c.UpdateTimelineEvent = req.decode(c.UpdateTimelineEvent)
        if cmd.event_type is not None:
            check_custom_type(cmd.event_type)
        bind(incident_arn=cmd.incident_record_arn)

        async def body(conn: asyncpg.Connection) -> JSON:
            event = await self._custom(conn, cmd.incident_record_arn, cmd.event_id, "updated")
            refs = (event.event_references if cmd.event_references is None else
                    await self._references(conn, cmd.incident_record_arn, cmd.event_references))
            now = self._clock.now()
            updated = msgspec.structs.replace(
                event, event_updated_time=now.timestamp(), event_references=refs,
                event_time=event.event_time if cmd.event_time is None else cmd.event_time,
                event_type=cmd.event_type or event.event_type,
                event_data=event.event_data if cmd.event_data is None else cmd.event_data)
            version = await self._timeline.save(conn, updated)
            await emit(conn, c.TimelineEventUpdated(**msgspec.structs.asdict(updated),
                                                    principal=self._by(req),
                                                    resource_version=version),
                       region=self._region, now=now, incident_arn=cmd.incident_record_arn)
            return {}

        return await self._once(req, cmd.client_token, body)

    async def delete_timeline_event(self, req: RpcRequest) -> JSON:
        cmd: c.TimelineEventId = req.decode(c.TimelineEventId)
        bind(incident_arn=cmd.incident_record_arn)
        async with transaction(self._pool) as conn:
            try:
                await self._custom(conn, cmd.incident_record_arn, cmd.event_id, "deleted")
            except NotFoundError:
                await self._replication_set(conn)
                return {}  # deleting what is not there is a quiet success
            version = await self._timeline.delete(conn, cmd.incident_record_arn,
                                                  _uuid(cmd.event_id))
            await emit(conn, c.TimelineEventDeleted(
                incident_record_arn=cmd.incident_record_arn, event_id=cmd.event_id,
                principal=self._by(req), resource_version=version),
                region=self._region, now=self._clock.now(),
                incident_arn=cmd.incident_record_arn)
        return {}

    async def timeline_event_authors(self, req: RpcRequest) -> JSON:
        """Who wrote which of an incident's custom events (the console offers Edit on a
        responder's own): ``{"authors": {eventId: principal ARN}}``. Not an AWS
        operation: the gateway calls it after the caller read the same timeline."""
        cmd: _Authors = req.decode(_Authors)
        ids = [i for i in cmd.event_ids[:AUTHORS_LIMIT] if _is_uuid(i)]
        async with self._pool.acquire() as conn:
            authors = await self._timeline.authors(conn, cmd.incident_record_arn, ids)
        return {"authors": authors}

    async def _custom(self, conn: asyncpg.Connection, incident_arn: str, event_id: str,
                      verb: str) -> TimelineEvent:
        found = await self._timeline.get(conn, incident_arn, _uuid(event_id), lock=True)
        if found is None:
            raise NotFoundError(f"Timeline event {event_id} of {incident_arn} does not exist",
                                resource_type="TIMELINE_EVENT", resource_id=event_id)
        event, is_automatic = found
        if is_automatic:
            raise ValidationError(
                f"Timeline event {event_id} is an automatic {event.event_type!r} event; only "
                f"custom events ({', '.join(CUSTOM_TYPES)}) can be {verb}")
        return event

    async def _references(self, conn: asyncpg.Connection, incident_arn: str,
                          refs: list[JSON] | None) -> list[JSON]:
        """References as given; a related-item reference must name an item of the incident."""
        refs = refs or []
        wanted = [r["relatedItemId"] for r in refs if "relatedItemId" in r]
        if wanted:
            known = await RelatedItemStore.known(conn, incident_arn, wanted)
            missing = [w for w in wanted if w not in known]
            if missing:
                raise ValidationError(f"eventReferences names related item {missing[0]}, "
                                      f"which is not an item of {incident_arn}")
        return refs


AUTHORS_LIMIT = 500
"""Events a ``TimelineEventAuthors`` request may name."""


class _Authors(msgspec.Struct, rename="camel"):
    incident_record_arn: str
    event_ids: list[str]


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _uuid(event_id: str) -> str:
    try:
        return str(uuid.UUID(event_id))
    except ValueError:
        raise NotFoundError(f"Timeline event {event_id} does not exist",
                            resource_type="TIMELINE_EVENT", resource_id=event_id) from None
