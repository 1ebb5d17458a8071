"""The escalation service's requests, on ``tocsin.rpc.escalation.<Operation>``.

``ListTimers`` {EngagementArn} → {Timers: [{TimerId, Kind, StageIndex, Round, PageArn,
ChannelArn, DueAt, State, FinishedAt}], RunHere}: an engagement's timers, earliest first,
for operators and tests (finished ones until ``TOCSIN_TIMER_RETENTION_HOURS`` has passed);
``RunHere`` is False when another region runs the engagement (its timers here are standby
copies, :mod:`tocsin.escalation.regions`). Answering at all is what puts an instance in
``/healthz``.

``ListTakeovers`` {} → {Takeovers: [{Region, Epoch, ByRegion, TakenAt, Engagements}]}: every
takeover of a lost region known here, latest first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
import msgspec

from tocsin.escalation.store import EngagementStore, TakeoverStore, TimerStore
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler

__all__ = ["operations"]


class ListTimers(msgspec.Struct, rename="pascal", kw_only=True):
    engagement_arn: str


def operations(pool: asyncpg.Pool) -> Mapping[str, Handler]:
    """Operation name → handler, for the request/reply server."""

    async def list_timers(req: RpcRequest) -> dict[str, Any]:
        cmd: ListTimers = req.decode(ListTimers)
        async with pool.acquire() as conn:
            timers = await TimerStore.of_engagement(conn, cmd.engagement_arn)
            run_here = await EngagementStore.fires_here(conn, cmd.engagement_arn)
        return {"RunHere": run_here, "Timers": [{
            "TimerId": t.id, "Kind": t.kind, "StageIndex": t.stage_index, "Round": t.round,
            "PageArn": t.page_arn, "ChannelArn": t.channel_arn, "DueAt": t.due_at.timestamp(),
            "State": t.state.upper(),
            "FinishedAt": t.finished_at.timestamp() if t.finished_at else None}
            for t in timers]}

    async def list_takeovers(req: RpcRequest) -> dict[str, Any]:
        async with pool.acquire() as conn:
            rows = await TakeoverStore.of(conn)
        return {"Takeovers": [{
            "Region": r["region"], "Epoch": r["epoch"], "ByRegion": r["by_region"],
            "TakenAt": r["taken_at"].timestamp(), "Engagements": r["engagements"]}
            for r in rows]}

    return {"ListTimers": list_timers, "ListTakeovers": list_takeovers}
