"""Incident metrics: ``GetIncidentMetrics`` (one incident's durations, each measured or
null with its reason) and ``GetResponseMetrics`` (count, mean, p50 and p90 of each duration
per response plan, impact or month, and the follow-through of action items per plan)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from tocsin.analysis.analyses import key_times_view
from tocsin.analysis.deps import Deps
from tocsin.analysis.durations import DURATIONS, durations
from tocsin.analysis.facts import GROUPS, FactsStore
from tocsin.analysis.incidents import IncidentsClient
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.contracts import analysis as ca
from tocsin.shared.errors import ValidationError

__all__ = ["Metrics", "operations"]

JSON = dict[str, Any]


class Metrics:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._incidents = IncidentsClient(deps.bus)

    async def get_incident_metrics(self, req: RpcRequest) -> JSON:
        cmd: ca.IncidentArn = req.decode(ca.IncidentArn)
        async with self._deps.pool.acquire() as conn:
            times = await FactsStore.key_times(conn, cmd.incident_record_arn)
        if times is None:
            # Not seen yet (or from before this service ran): what the record itself says.
            record = await self._incidents.incident(cmd.incident_record_arn)
            async with self._deps.pool.acquire() as conn:
                await FactsStore.changed(conn, record)
                times = await FactsStore.key_times(conn, record.arn)
            assert times is not None
        return {"incidentRecordArn": cmd.incident_record_arn,
                "keyTimes": key_times_view(times),
                "metrics": [msgspec.to_builtins(d) for d in durations(times)]}

    async def get_response_metrics(self, req: RpcRequest) -> JSON:
        cmd: ca.GetResponseMetrics = req.decode(ca.GetResponseMetrics)
        if cmd.group_by not in GROUPS:
            raise ValidationError(f"groupBy must be one of {', '.join(GROUPS)}")
        if cmd.end_time <= cmd.start_time:
            raise ValidationError("endTime must be after startTime")
        start = datetime.fromtimestamp(cmd.start_time, UTC)
        end = datetime.fromtimestamp(cmd.end_time, UTC)
        async with self._deps.pool.acquire() as conn:
            rows = await FactsStore.aggregate(conn, group_by=cmd.group_by, start=start, end=end)
            follow = await conn.fetch(
                "SELECT response_plan_arn, count(*) AS total,"
                " count(*) FILTER (WHERE status <> 'Resolved') AS open,"
                " count(*) FILTER (WHERE status <> 'Resolved' AND planned_end_time < $3)"
                "  AS overdue,"
                " count(*) FILTER (WHERE status = 'Resolved') AS done,"
                " count(*) FILTER (WHERE status = 'Resolved' AND planned_end_time IS NOT NULL"
                "  AND resolved_at <= planned_end_time) AS done_on_time"
                " FROM ops_item WHERE response_plan_arn IS NOT NULL"
                " AND created_time >= $1 AND created_time < $2"
                " AND NOT (operational_data ? '/tocsin/parent')"
                " GROUP BY response_plan_arn ORDER BY response_plan_arn",
                start, end, self._deps.clock.now())
        groups = []
        for row in rows:
            stats = {}
            for name in DURATIONS:
                stat: JSON = {"count": row[f"{name}.count"]}
                if row[f"{name}.count"]:
                    p50, p90 = row[f"{name}.pct"]
                    stat.update(mean=float(row[f"{name}.mean"]), p50=p50, p90=p90)
                stats[name] = stat
            groups.append({"key": row["grp"], "incidentCount": row["incidents"],
                           "durations": stats})
        return {"groupBy": cmd.group_by, "groups": groups, "actionItems": [
            {"responsePlanArn": r["response_plan_arn"], "total": r["total"],
             "open": r["open"], "overdue": r["overdue"], "resolved": r["done"],
             "resolvedOnTime": r["done_on_time"]} for r in follow]}


def operations(deps: Deps) -> Mapping[str, Handler]:
    h = Metrics(deps)
    return {"GetIncidentMetrics": h.get_incident_metrics,
            "GetResponseMetrics": h.get_response_metrics}
