"""What every use case of the incidents service shares: its dependencies, the client-token
rule, and the lookups that tell a missing resource from a missing replication set."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from tocsin.incidents.records import domain
from tocsin.incidents.records.domain import Arns, IncidentRecord
from tocsin.incidents.records.store import Store
from tocsin.shared.arns import DEFAULT_PARTITION
from tocsin.shared.bus import Bus, RpcRequest
from tocsin.shared.clock import Clock
from tocsin.shared.db.group_commit import GroupCommit
from tocsin.shared.db.idempotency import once
from tocsin.shared.db.quotas import Quota
from tocsin.shared.errors import NotFoundError, ValidationError
from tocsin.shared.keys import Keks
from tocsin.shared.logging import bind
from tocsin.shared.paging import make_token, read_token

__all__ = ["JSON", "PLAN_QUOTA", "RULE_QUOTA", "Deps", "Quotas", "UseCases", "make_token",
           "read_token"]

JSON = dict[str, Any]

PLAN_QUOTA = Quota(code="tocsin-response-plans", service="ssm-incidents",
                   what="response plans", resource_type="RESPONSE_PLAN")
RULE_QUOTA = Quota(code="tocsin-event-rules", service="tocsin", what="event rules")
"""The quotas of the incidents service; AWS publishes no quota codes Tocsin could reuse, so
the codes are Tocsin's own."""


@dataclass(frozen=True, kw_only=True)
class Quotas:
    """How many of each resource a deployment keeps (the settings ``TOCSIN_QUOTA_*``)."""

    response_plans: int = 500
    rules: int = 1000


@dataclass(frozen=True, kw_only=True)
class Deps:
    """What the use cases are built from, in ``app``."""

    pool: asyncpg.Pool
    clock: Clock
    region: str
    account: str
    partition: str = DEFAULT_PARTITION
    findings_window: float = 3600.0
    bus: Bus | None = None
    """For calls to the contacts service (a response plan's engagements, stopping a
    resolved incident's engagements); None in tests that need none."""
    keks: Keks | None = None
    """The key-encryption keys a replication set's ``SseKmsKeyId`` may name; None in tests
    that need none."""
    quotas: Quotas = Quotas()


class UseCases:
    """The base of each group of operations over the incidents schema."""

    def __init__(self, deps: Deps) -> None:
        self._pool = deps.pool
        self._clock = deps.clock
        self._region = deps.region
        self._account = deps.account
        self._bus = deps.bus
        self._keks = deps.keks
        self._quotas = deps.quotas
        self._arns = Arns(deps.account, partition=deps.partition, region=deps.region)
        self._store = Store()
        self._grouped = GroupCommit(deps.pool)

    def _by(self, req: RpcRequest) -> str:
        """The caller, or the account itself for Tocsin's own calls."""
        return req.principal or self._arns.iam("root")

    async def _once(self, req: RpcRequest, token: str | None,
                    body: Callable[[asyncpg.Connection], Awaitable[JSON]]) -> JSON:
        """Run ``body`` in a transaction, at most once per client token (see
        :mod:`tocsin.shared.db.idempotency`)."""
        return await once(self._pool, operation=req.operation, principal=self._by(req),
                          token=token, params=req.data, token_member="clientToken", body=body)

    async def _once_grouped(self, req: RpcRequest, token: str | None,
                            body: Callable[[asyncpg.Connection], Awaitable[JSON]]) -> JSON:
        """As :meth:`_once`, in a transaction shared with the concurrent calls of the same
        kind (:mod:`tocsin.shared.db.group_commit`): for the frequent, small changes."""
        return await self._grouped.once(operation=req.operation, principal=self._by(req),
                                        token=token, params=req.data,
                                        token_member="clientToken", body=body)

    async def _absent(self, conn: asyncpg.Connection, error: NotFoundError) -> NotFoundError:
        """``error``, unless what is really missing is the replication set.

        Deleting the replication set deletes everything, so a resource that exists proves
        the set exists, and only a miss needs to look.
        """
        await self._replication_set(conn)
        return error

    async def _replication_set(self, conn: asyncpg.Connection) -> domain.ReplicationSet:
        rs = await self._store.replication_set(conn)
        if rs is None:
            raise ValidationError(
                "A replication set is required: create one with CreateReplicationSet "
                "before using Incident Manager")
        return rs

    async def _plan(self, conn: asyncpg.Connection, arn: str, *,
                    lock: bool = False) -> domain.ResponsePlan:
        name = self._arns.plan_name(arn)
        plan = await self._store.plan(conn, name, lock=lock) if name else None
        if plan is None:
            hint = self._arns.partition_hint(arn)  # alarms name plans without the gateway
            raise await self._absent(conn, NotFoundError(
                f"Response plan {arn} does not exist" + (f". Note: {hint}." if hint else ""),
                resource_type="RESPONSE_PLAN", resource_id=arn))
        return plan

    async def _incident(self, conn: asyncpg.Connection, arn: str, *,
                        lock: bool = False) -> IncidentRecord:
        bind(incident_arn=arn)
        record = await self._store.incident(conn, arn, lock=lock)
        if record is None:
            raise await self._absent(conn, NotFoundError(
                f"Incident record {arn} does not exist", resource_type="INCIDENT_RECORD",
                resource_id=arn))
        return record
