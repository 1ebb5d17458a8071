"""The escalation service's requests, on ``tocsin.rpc.escalation.<Operation>``.

``ListTimers`` {EngagementArn} → {Timers: [{TimerId, StageIndex, DueAt, State,
Attempts}]}: an engagement's timers, for operators and tests. Answering at all is what
puts an instance in ``/healthz``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
import msgspec

from tocsin.escalation.timers import TimerStore
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
        return {"Timers": [{"TimerId": t.id, "StageIndex": t.stage_index,
                            "DueAt": t.due_at.timestamp(), "State": t.state.upper(),
                            "Attempts": t.attempts} for t in timers]}

    return {"ListTimers": list_timers}
