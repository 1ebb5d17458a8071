"""Integration keys: per-plan credentials for the webhooks (Alertmanager, PagerDuty Events
v2, ``POST /v1/events``), for senders that can't sign requests with SigV4.

A key is 32 random hexadecimal characters (the shape of a PagerDuty integration key), shown
once by ``CreateIntegrationKey``; only its SHA-256 digest is stored, so a leaked database
leaks no credential. A key is good for its own plan only, and goes with it.
Operations: ``CreateIntegrationKey``, ``ListIntegrationKeys``, ``DeleteIntegrationKey``.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping

import asyncpg
import msgspec

from tocsin.incidents.rules_store import IntegrationKey, RuleStore
from tocsin.incidents.usecases import JSON, Deps, UseCases
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.db import transaction

__all__ = ["IntegrationKeyHandlers", "digest", "operations"]


def digest(key: str) -> str:
    """What is stored of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


class _In(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """An operation's input: camelCase, unknown members ignored."""


class PlanKeys(_In, frozen=True):
    response_plan_arn: str


class KeyId(_In, frozen=True):
    id: str


class IntegrationKeyHandlers(UseCases):
    """Creating, listing and deleting a plan's keys; finding the plan of a key."""

    async def create_integration_key(self, req: RpcRequest) -> JSON:
        cmd: PlanKeys = req.decode(PlanKeys)
        key = secrets.token_hex(16)
        async with transaction(self._pool) as conn:
            plan = await self._plan(conn, cmd.response_plan_arn)
            now = self._clock.now()
            out = IntegrationKey(id=str(uuid.uuid4()), response_plan_arn=plan.arn,
                                 created_time=now.timestamp())
            await RuleStore.add_key(conn, key_id=out.id, plan_name=plan.name,
                                    digest=digest(key), at=out.created_time)
            await self._events.emit(conn, "IntegrationKeyCreated", msgspec.to_builtins(out),
                                    now=now)
        return {**msgspec.to_builtins(out), "integrationKey": key}

    async def list_integration_keys(self, req: RpcRequest) -> JSON:
        cmd: PlanKeys = req.decode(PlanKeys)
        async with self._pool.acquire() as conn:
            plan = await self._plan(conn, cmd.response_plan_arn)
            rows = await RuleStore.keys(conn, plan.name)
        return {"integrationKeys": [msgspec.to_builtins(IntegrationKey(
            id=r["id"], response_plan_arn=plan.arn,
            created_time=r["created_time"].timestamp())) for r in rows]}

    async def delete_integration_key(self, req: RpcRequest) -> JSON:
        cmd: KeyId = req.decode(KeyId)
        async with transaction(self._pool) as conn:
            if await RuleStore.delete_key(conn, cmd.id):
                await self._events.emit(conn, "IntegrationKeyDeleted", {"id": cmd.id},
                                        now=self._clock.now())
        return {}

    async def plan_of(self, conn: asyncpg.Connection | asyncpg.Pool, key: str) -> str | None:
        """The ARN of the plan the key belongs to, or None."""
        name = await RuleStore.plan_of_key(conn, digest(key))
        return self._arns.response_plan(name) if name else None


def operations(deps: Deps) -> Mapping[str, Handler]:
    """Operation name → handler."""
    h = IntegrationKeyHandlers(deps)
    return {"CreateIntegrationKey": h.create_integration_key,
            "ListIntegrationKeys": h.list_integration_keys,
            "DeleteIntegrationKey": h.delete_integration_key}
