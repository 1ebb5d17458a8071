"""The resource policy of a contact: PutContactPolicy and GetContactPolicy.

In AWS a contact's policy shares it (and its engagements) with other accounts through RAM.
Each contact (of any type) has at most one: ``PutContactPolicy`` replaces it. Tocsin
checks and stores it; **it does not enforce it yet**: a stored policy grants no one
anything until authorization reads it. The policy goes with its contact.
"""

from __future__ import annotations

import asyncpg
import msgspec

from tocsin.contacts.contacts import CONTACT, contact_or_404
from tocsin.contacts.usecases import JSON, UseCases
from tocsin.shared import policies
from tocsin.shared.bus import RpcRequest
from tocsin.shared.db import transaction
from tocsin.shared.errors import NotFoundError

__all__ = ["PolicyHandlers", "check_policy"]

def check_policy(document: str) -> None:
    """Check a policy sharing a contact (see :func:`tocsin.shared.policies.check_policy`)."""
    policies.check_policy(document, shares="a contact", required=("Principal", "Action"))


class PutContactPolicy(msgspec.Struct, rename="pascal", kw_only=True, frozen=True):
    contact_arn: str
    policy: str


class GetContactPolicy(msgspec.Struct, rename="pascal", kw_only=True, frozen=True):
    contact_arn: str


class PolicyHandlers(UseCases):
    """PutContactPolicy and GetContactPolicy (stored, not yet enforced)."""

    async def put_contact_policy(self, req: RpcRequest) -> JSON:
        cmd: PutContactPolicy = req.decode(PutContactPolicy)
        check_policy(cmd.policy)
        async with transaction(self._pool) as conn:
            contact = await contact_or_404(conn, cmd.contact_arn, lock=True)
            previous = await conn.fetchval(
                "SELECT policy FROM contact_policy WHERE contact_arn = $1", contact.arn)
            if previous == cmd.policy:
                return {}
            try:
                await conn.execute(
                    "INSERT INTO contact_policy (contact_arn, policy) VALUES ($1, $2)"
                    " ON CONFLICT (contact_arn) DO UPDATE SET policy = EXCLUDED.policy",
                    contact.arn, cmd.policy)
            except asyncpg.ForeignKeyViolationError:
                raise NotFoundError(f"Contact {contact.arn} does not exist",
                                    resource_type=CONTACT, resource_id=contact.arn) from None
            await self._events.emit(
                conn, "ContactPolicyPut",
                {"contactArn": contact.arn, "policy": cmd.policy,
                 "replaced": previous is not None}, now=self._clock.now())
        return {}

    async def get_contact_policy(self, req: RpcRequest) -> JSON:
        cmd: GetContactPolicy = req.decode(GetContactPolicy)
        async with self._pool.acquire() as conn:
            contact = await contact_or_404(conn, cmd.contact_arn)
            policy = await conn.fetchval(
                "SELECT policy FROM contact_policy WHERE contact_arn = $1", contact.arn)
        out: JSON = {"ContactArn": contact.arn}
        if policy is not None:
            out["Policy"] = policy
        return out
