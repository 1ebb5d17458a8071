"""Event rules applied from the other regions of the replication set (part of the
incidents inbox, :mod:`tocsin.incidents.replicas`): a rule follows its last writer by
stamp, a deletion wins over a change that did not see it. A rule applied here routes this
region's alarms and events once the router re-reads the rules (within its ttl)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from tocsin.shared.contracts import incidents as c
from tocsin.shared.replication.stamps import Applying

__all__ = ["APPLY"]


def _ts(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


async def _rule(to: Applying, e: c.EventRuleCreated | c.EventRuleUpdated) -> None:
    if not await to.wins("event_rule", "name", e.name,
                         creates=isinstance(e, c.EventRuleCreated)):
        return
    await to.conn.execute(
        "INSERT INTO event_rule (name, arn, description, event_pattern, response_plan_arn,"
        " state, created_time, last_modified_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (name) DO UPDATE SET arn = excluded.arn,"
        " description = excluded.description, event_pattern = excluded.event_pattern,"
        " response_plan_arn = excluded.response_plan_arn, state = excluded.state,"
        " created_time = excluded.created_time,"
        " last_modified_time = excluded.last_modified_time",
        e.name, e.arn, e.description, e.event_pattern, e.response_plan_arn, e.state,
        _ts(e.created_time), _ts(e.last_modified_time))


async def _rule_deleted(to: Applying, e: c.EventRuleDeleted) -> None:
    name = e.arn.rpartition(":rule/")[2]
    if await to.conn.execute("DELETE FROM event_rule WHERE name = $1", name) == "DELETE 0":
        await to.bury("event_rule", name)


APPLY: dict[type[Any], Callable[[Applying, Any], Awaitable[None]]] = {
    c.EventRuleCreated: _rule,
    c.EventRuleUpdated: _rule,
    c.EventRuleDeleted: _rule_deleted,
}
"""What the incidents inbox applies of event rules, by event type."""
