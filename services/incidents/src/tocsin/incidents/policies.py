"""Resource policies of response plans: PutResourcePolicy, GetResourcePolicies and
DeleteResourcePolicy.

In AWS a plan's resource policy shares it (and every incident started from it) with other
accounts through RAM. Tocsin checks and stores the policies now; **it does not enforce
them yet**: a stored policy grants no one anything until authorization reads it. Policies
go with their plan (the table cascades on the plan's delete).
"""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from tocsin.incidents.tagging import resource_type_of
from tocsin.incidents.usecases import JSON, UseCases, make_token, read_token
from tocsin.shared import policies
from tocsin.shared.bus import RpcRequest
from tocsin.shared.db import transaction
from tocsin.shared.errors import NotFoundError, ValidationError
from tocsin.shared.paging import page_size

__all__ = ["PolicyHandlers", "check_policy"]

def check_policy(document: str) -> None:
    """Check a policy sharing a response plan (:func:`tocsin.shared.policies.check_policy`)."""
    policies.check_policy(document, shares="a response plan",
                          required=("Principal", "Action", "Resource"))


class PutResourcePolicy(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The PutResourcePolicy input."""

    resource_arn: str
    policy: str


class GetResourcePolicies(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The GetResourcePolicies input (``resourceArn`` comes from the query string)."""

    resource_arn: str
    max_results: int | None = None
    next_token: str | None = None


class DeleteResourcePolicy(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The DeleteResourcePolicy input."""

    resource_arn: str
    policy_id: str


class _PolicyStore:
    """The ``resource_policy`` table, on the caller's connection."""

    @staticmethod
    async def insert(conn: asyncpg.Connection, plan_name: str, policy_id: str,
                     document: str) -> None:
        await conn.execute(
            "INSERT INTO resource_policy (policy_id, plan_name, document) VALUES ($1, $2, $3)",
            policy_id, plan_name, document)

    @staticmethod
    async def page(conn: asyncpg.Connection, plan_name: str, *, after: int | None,
                   limit: int) -> list[asyncpg.Record]:
        """Rows ``(position, policy_id, document)`` in the order they were put."""
        rows: list[asyncpg.Record] = await conn.fetch(
            "SELECT position, policy_id, document FROM resource_policy"
            " WHERE plan_name = $1 AND ($2::bigint IS NULL OR position > $2)"
            " ORDER BY position LIMIT $3", plan_name, after, limit)
        return rows

    @staticmethod
    async def delete(conn: asyncpg.Connection, plan_name: str, policy_id: str) -> bool:
        return bool(await conn.fetchval(
            "DELETE FROM resource_policy WHERE plan_name = $1 AND policy_id = $2"
            " RETURNING true", plan_name, policy_id))


class PolicyHandlers(UseCases):
    """PutResourcePolicy, GetResourcePolicies and DeleteResourcePolicy (stored, not yet
    enforced)."""

    async def put_resource_policy(self, req: RpcRequest) -> JSON:
        cmd: PutResourcePolicy = req.decode(PutResourcePolicy)
        self._only_plans(cmd.resource_arn)
        check_policy(cmd.policy)
        policy_id = uuid.uuid4().hex
        async with transaction(self._pool) as conn:
            plan = await self._plan(conn, cmd.resource_arn)
            try:
                await _PolicyStore.insert(conn, plan.name, policy_id, cmd.policy)
            except asyncpg.ForeignKeyViolationError:
                # The plan was deleted between the lookup and the insert.
                raise NotFoundError(f"Response plan {cmd.resource_arn} does not exist",
                                    resource_type="RESPONSE_PLAN",
                                    resource_id=cmd.resource_arn) from None
            await self._events.emit(
                conn, "ResourcePolicyCreated",
                {"resourceArn": plan.arn, **self._policy(policy_id, cmd.policy)},
                now=self._clock.now())
        return {"policyId": policy_id}

    async def get_resource_policies(self, req: RpcRequest) -> JSON:
        cmd: GetResourcePolicies = req.decode(GetResourcePolicies)
        self._only_plans(cmd.resource_arn)
        limit = page_size(cmd.max_results)
        after = read_token(cmd.next_token, int) if cmd.next_token else None
        async with self._pool.acquire() as conn:
            plan = await self._plan(conn, cmd.resource_arn)
            rows = await _PolicyStore.page(conn, plan.name, after=after, limit=limit + 1)
        out: JSON = {"resourcePolicies": [self._policy(r["policy_id"], r["document"])
                                          for r in rows[:limit]]}
        if len(rows) > limit:
            out["nextToken"] = make_token(rows[limit - 1]["position"])
        return out

    async def delete_resource_policy(self, req: RpcRequest) -> JSON:
        cmd: DeleteResourcePolicy = req.decode(DeleteResourcePolicy)
        self._only_plans(cmd.resource_arn)
        async with transaction(self._pool) as conn:
            plan = await self._plan(conn, cmd.resource_arn)
            if not await _PolicyStore.delete(conn, plan.name, cmd.policy_id):
                raise NotFoundError(
                    f"Resource policy {cmd.policy_id} does not exist on {cmd.resource_arn}",
                    resource_type="RESOURCE_POLICY", resource_id=cmd.policy_id)
            await self._events.emit(
                conn, "ResourcePolicyDeleted",
                {"resourceArn": plan.arn, "policyId": cmd.policy_id}, now=self._clock.now())
        return {}

    def _policy(self, policy_id: str, document: str) -> JSON:
        return {"policyDocument": document, "policyId": policy_id,
                "ramResourceShareRegion": self._region}

    @staticmethod
    def _only_plans(arn: str) -> None:
        if resource_type_of(arn) != "RESPONSE_PLAN":
            raise ValidationError(
                f"{arn} is not a response plan: resource policies can be attached only to "
                "response plans")
