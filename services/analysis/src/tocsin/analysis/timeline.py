"""The analysis's own timeline: a copy of the incident's, edited freely (any point may be
added, changed or deleted, unlike the incident timeline, which these never touch).

Operations: ``ListAnalysisTimeline``, ``AddAnalysisTimelineEvent``,
``UpdateAnalysisTimelineEvent``, ``DeleteAnalysisTimelineEvent``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from tocsin.analysis import domain
from tocsin.analysis.analyses import Analyses
from tocsin.analysis.deps import Deps
from tocsin.analysis.store import AnalysisStore, TimelinePoint, point_state, state_of
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.contracts import analysis as ca
from tocsin.shared.db import transaction
from tocsin.shared.errors import NotFoundError, ValidationError
from tocsin.shared.paging import make_token, page_size, read_token
from tocsin.shared.timestamps import to_datetime

__all__ = ["Timeline", "operations"]

JSON = dict[str, Any]


def _check(event_type: str | None, event_data: str | None) -> None:
    if event_type is not None and not 1 <= len(event_type) <= 100:
        raise ValidationError("eventType must be 1 to 100 characters")
    if event_data is not None and len(event_data) > 12000:
        raise ValidationError("eventData must be at most 12000 characters")


class Timeline:
    def __init__(self, deps: Deps, analyses: Analyses) -> None:
        self._deps = deps
        self._analyses = analyses

    async def list_analysis_timeline(self, req: RpcRequest) -> JSON:
        cmd: ca.ListAnalysisTimeline = req.decode(ca.ListAnalysisTimeline)
        limit = page_size(cmd.max_results)
        after = None
        if cmd.next_token:
            when, last = read_token(cmd.next_token, tuple[float, str])
            after = (datetime.fromtimestamp(when, UTC), last)
        async with self._deps.pool.acquire() as conn:
            row = await self._analyses.row(conn, cmd.analysis_arn)
            points = await AnalysisStore.points(conn, row.id, after=after, limit=limit + 1)
        out: JSON = {"events": [domain.point_view(p) for p in points[:limit]]}
        if len(points) > limit:
            last_point = points[limit - 1]
            out["nextToken"] = make_token((last_point.event_time.timestamp(),
                                           last_point.point_id))
        return out

    async def _edit(self, req: RpcRequest, arn: str, edit: Any, *,
                    added: str | None = None) -> JSON:
        """Run ``edit(conn, analysis_id) -> (answer, point added or edited or None, point
        id removed or None)`` on the locked analysis, with its ``AnalysisUpdated``."""
        by, now = self._deps.by(req), self._deps.clock.now()
        async with transaction(self._deps.pool) as conn:
            row = await self._analyses.row(conn, arn, lock=True)
            out: JSON
            changed: TimelinePoint | None
            removed: str | None
            out, changed, removed = await edit(conn, row.id)
            updated = msgspec.structs.replace(row, last_modified_by=by, last_modified_at=now)
            stamps = await AnalysisStore.update(conn, updated)
            await self._deps.emit(conn, ca.AnalysisUpdated(
                analysis_arn=arn, changed=["timeline"], principal=by,
                analysis=state_of(updated, stamps, region=self._deps.settings.region),
                points_added=[point_state(changed)]
                if changed is not None and changed.point_id == added else [],
                points_changed=[point_state(changed)]
                if changed is not None and changed.point_id != added else [],
                points_removed=[removed] if removed is not None else []),
                now=now, incident_arn=row.incident_arn)
        return out

    async def add_analysis_timeline_event(self, req: RpcRequest) -> JSON:
        cmd: ca.AddTimelinePoint = req.decode(ca.AddTimelinePoint)
        _check(cmd.event_type, cmd.event_data)
        point = TimelinePoint(point_id=str(uuid.uuid4()), source_event_id=None,
                              event_time=to_datetime(cmd.event_time, "eventTime"),
                              event_type=cmd.event_type, event_data=cmd.event_data,
                              edited=True)

        async def edit(conn: Any, analysis_id: str) -> tuple[JSON, TimelinePoint, None]:
            await AnalysisStore.add_points(conn, analysis_id, [point])
            return {"pointId": point.point_id}, point, None

        return await self._edit(req, cmd.analysis_arn, edit, added=point.point_id)

    async def update_analysis_timeline_event(self, req: RpcRequest) -> JSON:
        cmd: ca.UpdateTimelinePoint = req.decode(ca.UpdateTimelinePoint)
        _check(cmd.event_type, cmd.event_data)

        async def edit(conn: Any, analysis_id: str) -> tuple[JSON, TimelinePoint, None]:
            point = await AnalysisStore.point(conn, analysis_id, cmd.point_id)
            if point is None:
                raise _no_point(cmd.point_id)
            changes: JSON = {}
            if cmd.event_time is not None:
                changes["event_time"] = to_datetime(cmd.event_time, "eventTime")
            if cmd.event_type is not None:
                changes["event_type"] = cmd.event_type
            if cmd.event_data is not None:
                changes["event_data"] = cmd.event_data
            edited = msgspec.structs.replace(point, **changes, edited=True)
            await AnalysisStore.update_point(conn, analysis_id, edited)
            return {}, edited, None

        return await self._edit(req, cmd.analysis_arn, edit)

    async def delete_analysis_timeline_event(self, req: RpcRequest) -> JSON:
        cmd: ca.TimelinePointRef = req.decode(ca.TimelinePointRef)

        async def edit(conn: Any, analysis_id: str) -> tuple[JSON, None, str]:
            if not await AnalysisStore.delete_point(conn, analysis_id, cmd.point_id):
                raise _no_point(cmd.point_id)
            return {}, None, cmd.point_id

        return await self._edit(req, cmd.analysis_arn, edit)


def _no_point(point_id: str) -> NotFoundError:
    return NotFoundError(f"The analysis's timeline has no event {point_id}",
                         resource_type="TIMELINE_EVENT", resource_id=point_id)


def operations(deps: Deps, analyses: Analyses) -> Mapping[str, Handler]:
    h = Timeline(deps, analyses)
    return {"ListAnalysisTimeline": h.list_analysis_timeline,
            "AddAnalysisTimelineEvent": h.add_analysis_timeline_event,
            "UpdateAnalysisTimelineEvent": h.update_analysis_timeline_event,
            "DeleteAnalysisTimelineEvent": h.delete_analysis_timeline_event}
