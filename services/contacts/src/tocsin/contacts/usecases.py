"""What every use case of the contacts service shares: its dependencies and the
idempotency-token rule."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from tocsin.contacts.arns import Arns
from tocsin.shared.arns import DEFAULT_PARTITION
from tocsin.shared.bus import Bus, RpcRequest
from tocsin.shared.clock import Clock
from tocsin.shared.db.group_commit import GroupCommit
from tocsin.shared.db.idempotency import once
from tocsin.shared.db.quotas import Quota
from tocsin.shared.keys import KeyRing, no_keys
from tocsin.shared.paging import read_token as _read_token

__all__ = ["CHANNEL_QUOTA", "CONTACT_QUOTA", "JSON", "ROTATION_QUOTA", "Deps", "Quotas",
           "UseCases", "read_token"]

JSON = dict[str, Any]

CONTACT_QUOTA = Quota(code="tocsin-contacts", service="ssm-contacts", what="contacts",
                      resource_type="CONTACT")
CHANNEL_QUOTA = Quota(code="tocsin-channels-per-contact", service="ssm-contacts",
                      what="contact channels", resource_type="CONTACT_CHANNEL")
ROTATION_QUOTA = Quota(code="tocsin-rotations", service="ssm-contacts", what="rotations",
                       resource_type="ROTATION")
"""The quotas of the contacts service. AWS publishes the figures of some (contacts per
account, channels per contact) but no quota codes that Tocsin could reuse, so the codes are
Tocsin's own."""


@dataclass(frozen=True, kw_only=True)
class Quotas:
    """How many of each resource a deployment keeps (the settings ``TOCSIN_QUOTA_*``)."""

    contacts: int = 1000
    channels_per_contact: int = 10
    rotations: int = 1000


@dataclass(frozen=True, kw_only=True)
class Deps:
    """What the use cases are built from, in ``app``."""

    pool: asyncpg.Pool
    clock: Clock
    region: str
    account: str
    partition: str = DEFAULT_PARTITION
    bus: Bus | None = None
    """For calls to other services (incidents' timeline); None in tests that need none."""
    keys: KeyRing = field(default_factory=no_keys)
    """The replication set's data keys: addresses, delivery requests and accept codes are
    sealed or indexed with them."""
    quotas: Quotas = Quotas()


class UseCases:
    """The base of each group of operations over the contacts schema."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._pool = deps.pool
        self._clock = deps.clock
        self._keys = deps.keys
        self._region = deps.region
        self._account = deps.account
        self._arns = Arns(deps.region, deps.account, partition=deps.partition)
        self._quotas = deps.quotas
        self._grouped = GroupCommit(deps.pool)

    @property
    def tocsin_principal(self) -> str:
        """Who Tocsin acts as when it acts by itself: the account's root."""
        return self._arns.iam("root")

    def _by(self, req: RpcRequest | None = None) -> str:
        """The caller, or the account itself for Tocsin's own calls and for what Tocsin
        does by itself (no request)."""
        return (req.principal if req is not None else None) or self.tocsin_principal

    async def _once(self, req: RpcRequest, token: str | None,
                    body: Callable[[asyncpg.Connection], Awaitable[JSON]]) -> JSON:
        """Run ``body`` in a transaction, at most once per ``IdempotencyToken``."""
        return await once(self._pool, operation=req.operation, principal=self._by(req),
                          token=token, params=req.data, token_member="IdempotencyToken",
                          body=body)

    async def _once_grouped(self, req: RpcRequest, token: str | None,
                            body: Callable[[asyncpg.Connection], Awaitable[JSON]]) -> JSON:
        """As :meth:`_once`, in a transaction shared with the concurrent calls of the same
        kind (:mod:`tocsin.shared.db.group_commit`): for the frequent, small changes of a
        storm (engagements, receipts)."""
        return await self._grouped.once(operation=req.operation, principal=self._by(req),
                                        token=token, params=req.data,
                                        token_member="IdempotencyToken", body=body)


def read_token(token: str, tp: Any) -> Any:
    """The keyset position in a ``NextToken`` this service made."""
    return _read_token(token, tp, member="NextToken")
