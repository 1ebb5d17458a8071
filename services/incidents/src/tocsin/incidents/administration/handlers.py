"""Tags, resource policies and integration keys: one method per operation.

Tags (TagResource, UntagResource, ListTagsForResource) go on response plans, incident records
and the replication set. A tag change locks the tagged resource's row for its transaction, so
concurrent changes to one resource count its tags one after another (the 50-tag quota holds)
and a resource deleted meanwhile keeps no tags. Each change that alters a tag emits one event.

Resource policies (PutResourcePolicy, GetResourcePolicies, DeleteResourcePolicy) of response
plans: in AWS a plan's resource policy shares it (and every incident started from it) with
other accounts through RAM. Tocsin checks and stores the policies now; **it does not enforce
them yet**: a stored policy grants no one anything until authorization reads it. Policies go
with their plan (the table cascades on the plan's delete).

Integration keys (CreateIntegrationKey, ListIntegrationKeys, DeleteIntegrationKey): per-plan
credentials for the webhooks (Alertmanager, PagerDuty Events v2, ``POST /v1/events``), for
senders that can't sign requests with SigV4. A key is 32 random hexadecimal characters (the
shape of a PagerDuty integration key), shown once by ``CreateIntegrationKey``; only its
SHA-256 digest is stored, so a leaked database leaks no credential. A key is good for its own
plan only, and goes with it.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Mapping
from datetime import datetime

import asyncpg
import msgspec

from tocsin.incidents.administration.domain import (
    MAX_TAGS,
    TAG_QUOTA_CODE,
    check_policy,
    digest,
    resource_type_of,
)
from tocsin.incidents.administration.store import IntegrationKey, IntegrationKeyStore, PolicyStore
from tocsin.incidents.usecases import JSON, Deps, UseCases, make_token, read_token
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.contracts import incidents as c
from tocsin.shared.db import transaction
from tocsin.shared.db.tags import TagStore
from tocsin.shared.errors import (
    AccessDeniedError,
    NotFoundError,
    QuotaExceededError,
    ValidationError,
)
from tocsin.shared.events import emit
from tocsin.shared.paging import page_size

__all__ = ["IntegrationKeyHandlers", "PolicyHandlers", "TagHandlers", "operations"]


# --- tags ------------------------------------------------------------------------------


class TagResource(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The TagResource input: the tags to add or overwrite."""

    resource_arn: str
    tags: dict[str, str]


class UntagResource(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The UntagResource input: the keys to remove."""

    resource_arn: str
    tag_keys: list[str]


class ListTagsForResource(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The ListTagsForResource input."""

    resource_arn: str


class TagHandlers(UseCases):
    """TagResource, UntagResource and ListTagsForResource."""

    async def tag_resource(self, req: RpcRequest) -> JSON:
        cmd: TagResource = req.decode(TagResource)
        async with transaction(self._pool) as conn:
            kind = await self._taggable(conn, cmd.resource_arn, lock=True)
            current = await TagStore.tags(conn, cmd.resource_arn)
            after = {**current, **cmd.tags}
            if len(after) > MAX_TAGS:
                raise QuotaExceededError(
                    f"{cmd.resource_arn} would carry {len(after)} tags; a resource carries at "
                    f"most {MAX_TAGS}", quotaCode=TAG_QUOTA_CODE, serviceCode="ssm-incidents",
                    resourceType=kind, resourceIdentifier=cmd.resource_arn)
            changed = {k: v for k, v in cmd.tags.items() if current.get(k) != v}
            if changed:
                await TagStore.put(conn, cmd.resource_arn, changed)
                await emit(conn, c.ResourceTagged(resource_arn=cmd.resource_arn,
                                                  resource_type=kind, tags=changed,
                                                  principal=self._by(req)),
                           region=self._region, now=self._clock.now(),
                           incident_arn=_incident(kind, cmd.resource_arn))
        return {}

    async def untag_resource(self, req: RpcRequest) -> JSON:
        cmd: UntagResource = req.decode(UntagResource)
        async with transaction(self._pool) as conn:
            kind = await self._taggable(conn, cmd.resource_arn, lock=True)
            # Keys the resource does not carry are no error: untagging is idempotent.
            removed = await TagStore.untag(conn, cmd.resource_arn, cmd.tag_keys)
            if removed:
                await emit(conn, c.ResourceUntagged(resource_arn=cmd.resource_arn,
                                                    resource_type=kind, tag_keys=removed,
                                                    principal=self._by(req)),
                           region=self._region, now=self._clock.now(),
                           incident_arn=_incident(kind, cmd.resource_arn))
        return {}

    async def list_tags_for_resource(self, req: RpcRequest) -> JSON:
        cmd: ListTagsForResource = req.decode(ListTagsForResource)
        async with self._pool.acquire() as conn:
            await self._taggable(conn, cmd.resource_arn)
            return {"tags": await TagStore.tags(conn, cmd.resource_arn)}

    async def _taggable(self, conn: asyncpg.Connection, arn: str, *, lock: bool = False) -> str:
        """The resource type of ``arn``, once it is known to exist (locked with ``lock``).

        Raises:
            ValidationError: the ARN names nothing taggable, or there is no replication set.
            NotFoundError: the resource does not exist.
        """
        kind = resource_type_of(arn)
        if kind is None:
            raise ValidationError(
                f"{arn} is not the ARN of a taggable resource: tags apply to response plans, "
                "incident records and the replication set")
        if kind == "RESPONSE_PLAN":
            await self._plan(conn, arn, lock=lock)
        elif kind == "INCIDENT_RECORD":
            await self._incident(conn, arn, lock=lock)
        else:
            rs = await self._store.replication_set(conn, lock=lock)
            if rs is None or rs.arn != arn:
                raise await self._absent(conn, NotFoundError(
                    f"Replication set {arn} does not exist", resource_type="REPLICATION_SET",
                    resource_id=arn))
        return kind


def _incident(kind: str, arn: str) -> str | None:
    return arn if kind == "INCIDENT_RECORD" else None


# --- resource policies -----------------------------------------------------------------


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
            await PolicyStore.insert(conn, plan.name, policy_id, cmd.policy,
                                     plan_arn=cmd.resource_arn)
            await emit(conn, c.ResourcePolicyCreated(
                resource_arn=plan.arn, policy_document=cmd.policy, policy_id=policy_id,
                ram_resource_share_region=self._region, principal=self._by(req)),
                region=self._region, now=self._clock.now())
        return {"policyId": policy_id}

    async def get_resource_policies(self, req: RpcRequest) -> JSON:
        cmd: GetResourcePolicies = req.decode(GetResourcePolicies)
        self._only_plans(cmd.resource_arn)
        limit = page_size(cmd.max_results)
        after = read_token(cmd.next_token, int) if cmd.next_token else None
        async with self._pool.acquire() as conn:
            plan = await self._plan(conn, cmd.resource_arn)
            rows = await PolicyStore.page(conn, plan.name, after=after, limit=limit + 1)
        out: JSON = {"resourcePolicies": [
            self._policy(r["policy_id"], r["document"], r["origin"]) for r in rows[:limit]]}
        if len(rows) > limit:
            out["nextToken"] = make_token(rows[limit - 1]["position"])
        return out

    async def delete_resource_policy(self, req: RpcRequest) -> JSON:
        cmd: DeleteResourcePolicy = req.decode(DeleteResourcePolicy)
        self._only_plans(cmd.resource_arn)
        async with transaction(self._pool) as conn:
            plan = await self._plan(conn, cmd.resource_arn)
            if not await PolicyStore.delete(conn, plan.name, cmd.policy_id):
                raise NotFoundError(
                    f"Resource policy {cmd.policy_id} does not exist on {cmd.resource_arn}",
                    resource_type="RESOURCE_POLICY", resource_id=cmd.policy_id)
            await emit(conn, c.ResourcePolicyDeleted(resource_arn=plan.arn,
                                                     policy_id=cmd.policy_id,
                                                     principal=self._by(req)),
                       region=self._region, now=self._clock.now())
        return {}

    def _policy(self, policy_id: str, document: str, origin: str | None) -> JSON:
        """A policy as the API shows it: shared from the region it was put in (``origin``,
        None for this one)."""
        return {"policyDocument": document, "policyId": policy_id,
                "ramResourceShareRegion": origin or self._region}

    @staticmethod
    def _only_plans(arn: str) -> None:
        if resource_type_of(arn) != "RESPONSE_PLAN":
            raise ValidationError(
                f"{arn} is not a response plan: resource policies can be attached only to "
                "response plans")


# --- integration keys ------------------------------------------------------------------


class _In(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """An operation's input: camelCase, unknown members ignored."""


class PlanKeys(_In, frozen=True):
    response_plan_arn: str


class NewKey(PlanKeys, frozen=True):
    expires_time: float | None = None


class PresentedKey(_In, frozen=True):
    integration_key: str
    response_plan: str | None = None


def _epoch(at: datetime | None) -> float | None:
    return at.timestamp() if at is not None else None


class KeyId(_In, frozen=True):
    id: str


class IntegrationKeyHandlers(UseCases):
    """Creating, listing and deleting a plan's keys; finding the plan of a key."""

    async def create_integration_key(self, req: RpcRequest) -> JSON:
        cmd: NewKey = req.decode(NewKey)
        if cmd.expires_time is not None and cmd.expires_time <= time.time():
            raise ValidationError("expiresTime must be in the future")
        key = secrets.token_hex(16)
        async with transaction(self._pool) as conn:
            plan = await self._plan(conn, cmd.response_plan_arn)
            now = self._clock.now()
            out = IntegrationKey(id=str(uuid.uuid4()), response_plan_arn=plan.arn,
                                 created_time=now.timestamp(), expires_time=cmd.expires_time)
            await IntegrationKeyStore.add_key(conn, key_id=out.id, plan_name=plan.name,
                                              digest=digest(key), at=out.created_time,
                                              expires=cmd.expires_time)
            await emit(conn, c.IntegrationKeyCreated(
                id=out.id, response_plan_arn=out.response_plan_arn,
                created_time=out.created_time, principal=self._by(req),
                key_digest=digest(key), expires_time=cmd.expires_time),
                region=self._region, now=now)
        return {**msgspec.to_builtins(out), "integrationKey": key}

    async def list_integration_keys(self, req: RpcRequest) -> JSON:
        cmd: PlanKeys = req.decode(PlanKeys)
        async with self._pool.acquire() as conn:
            plan = await self._plan(conn, cmd.response_plan_arn)
            rows = await IntegrationKeyStore.keys(conn, plan.name)
        return {"integrationKeys": [msgspec.to_builtins(IntegrationKey(
            id=r["id"], response_plan_arn=plan.arn,
            created_time=r["created_time"].timestamp(),
            expires_time=_epoch(r["expires_time"]),
            last_used_time=_epoch(r["last_used_time"]))) for r in rows]}

    async def delete_integration_key(self, req: RpcRequest) -> JSON:
        cmd: KeyId = req.decode(KeyId)
        async with transaction(self._pool) as conn:
            if await IntegrationKeyStore.delete_key(conn, cmd.id):
                await emit(conn, c.IntegrationKeyDeleted(id=cmd.id, principal=self._by(req)),
                           region=self._region, now=self._clock.now())
        return {}

    async def plan_of(self, conn: asyncpg.Connection | asyncpg.Pool, key: str) -> str | None:
        """The ARN of the plan the key belongs to, or None (no such key, or expired); the
        key's use is recorded."""
        row = await IntegrationKeyStore.use_key(conn, digest(key))
        return self._arns.response_plan(row["plan_name"]) if row is not None else None

    async def check_integration_key(self, req: RpcRequest) -> JSON:
        """``CheckIntegrationKey`` (the gateway's, before it reads a webhook's body): the
        plan of a valid, unexpired key, which must be ``responsePlan`` when it is named.

        Raises:
            AccessDeniedError: the key is not one, has expired, or is another plan's.
        """
        cmd: PresentedKey = req.decode(PresentedKey)
        plan = await self.plan_of(self._pool, cmd.integration_key)
        if plan is None:
            raise AccessDeniedError("The integration key is not valid")
        if cmd.response_plan and cmd.response_plan not in (plan, plan.rsplit("/", 1)[-1]):
            raise AccessDeniedError(
                f"The integration key is not a key of response plan {cmd.response_plan}")
        return {"responsePlanArn": plan}


def operations(deps: Deps) -> Mapping[str, Handler]:
    """Operation name → handler."""
    h = IntegrationKeyHandlers(deps)
    return {"CreateIntegrationKey": h.create_integration_key,
            "ListIntegrationKeys": h.list_integration_keys,
            "DeleteIntegrationKey": h.delete_integration_key,
            "CheckIntegrationKey": h.check_integration_key}
