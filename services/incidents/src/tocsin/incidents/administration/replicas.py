"""Resource policies and integration keys of response plans, applied from the other
regions of the replication set (part of the incidents inbox, :mod:`tocsin.incidents.replicas`).

A policy and a key are made and deleted, never changed: each is added unless deleted (the
deletion wins over a creation that did not see it) and goes with its plan. A key travels
as the digest the store keeps (an unkeyed SHA-256 of 128 random bits, never the key), so a
webhook presenting a key made in another region is accepted here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from tocsin.shared.contracts import incidents as c
from tocsin.shared.replication.stamps import Applying

__all__ = ["APPLY"]

def _plan_name(arn: str) -> str:
    return arn.rpartition(":response-plan/")[2]


def _ts(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


async def _add(to: Applying, plan_name: str, table: str, key_column: str, key: str,
               sql: str, *args: Any) -> None:
    """Insert a row of a plan unless it was deleted; nothing when the plan was deleted
    here (the row went with it there too); once the plan is here when it has not
    arrived yet (another region's policy on a third region's plan)."""
    if not await to.holds("response_plan", "name", plan_name) \
            or not await to.wins(table, key_column, key, creates=True):
        return
    await to.conn.execute(sql, *args)


async def _delete(to: Applying, table: str, key_column: str, key: str) -> None:
    if await to.conn.execute(f"DELETE FROM {table} WHERE {key_column} = $1",
                             key) == "DELETE 0":
        await to.bury(table, key)


async def _policy_created(to: Applying, e: c.ResourcePolicyCreated) -> None:
    await _add(to, _plan_name(e.resource_arn), "resource_policy", "policy_id", e.policy_id,
               "INSERT INTO resource_policy (policy_id, plan_name, document)"
               " VALUES ($1, $2, $3) ON CONFLICT (policy_id) DO NOTHING",
               e.policy_id, _plan_name(e.resource_arn), e.policy_document)


async def _policy_deleted(to: Applying, e: c.ResourcePolicyDeleted) -> None:
    await _delete(to, "resource_policy", "policy_id", e.policy_id)


async def _key_created(to: Applying, e: c.IntegrationKeyCreated) -> None:
    if e.key_digest is None:  # published before events carried it: nothing to check with
        return
    await _add(to, _plan_name(e.response_plan_arn), "integration_key", "id", e.id,
               "INSERT INTO integration_key (id, plan_name, key_digest, created_time,"
               " expires_time) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
               e.id, _plan_name(e.response_plan_arn), e.key_digest, _ts(e.created_time),
               _ts(e.expires_time))


async def _key_deleted(to: Applying, e: c.IntegrationKeyDeleted) -> None:
    await _delete(to, "integration_key", "id", e.id)


APPLY: dict[type[Any], Callable[[Applying, Any], Awaitable[None]]] = {
    c.ResourcePolicyCreated: _policy_created,
    c.ResourcePolicyDeleted: _policy_deleted,
    c.IntegrationKeyCreated: _key_created,
    c.IntegrationKeyDeleted: _key_deleted,
}
"""What the incidents inbox applies of policies and keys, by event type."""
