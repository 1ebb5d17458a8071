"""The resource policy of a contact: PutContactPolicy and GetContactPolicy.

In AWS a contact's policy shares it (and its engagements) with other accounts through RAM.
Each contact (of any type) has at most one: ``PutContactPolicy`` replaces it. Tocsin
checks and stores it; **it does not enforce it yet**: a stored policy grants no one
anything until authorization reads it. The policy goes with its contact.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import msgspec

from tocsin.contacts.contacts import CONTACT, contact_or_404
from tocsin.contacts.usecases import JSON, UseCases
from tocsin.shared.bus import RpcRequest
from tocsin.shared.db import transaction
from tocsin.shared.errors import NotFoundError, ValidationError

__all__ = ["VERSIONS", "PolicyHandlers", "check_policy"]

VERSIONS = ("2012-10-17", "2008-10-17")
"""The policy-language versions IAM accepts."""

_REQUIRED = ("Principal", "Action")


def check_policy(document: str) -> None:
    """Check that ``document`` is a policy Tocsin can store for sharing a contact.

    It must be a JSON object with a ``Version`` and a non-empty ``Statement`` (one statement
    object or a list of them); each statement has ``Effect`` ``Allow`` and a ``Principal``
    and an ``Action``.

    Raises:
        ValidationError: naming the first thing that is wrong. ``Deny`` statements are
            refused: policies that deny access to shared resources are not supported.
    """
    try:
        doc = json.loads(document)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"Policy is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ValidationError("Policy must be a JSON object")
    if doc.get("Version") not in VERSIONS:
        raise ValidationError(f"Policy Version must be one of {', '.join(VERSIONS)}")
    statements = doc.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise ValidationError(
            "Policy Statement must be a statement object or a non-empty list of them")
    for i, statement in enumerate(statements):
        _check_statement(f"Policy Statement[{i}]", statement)


def _check_statement(where: str, statement: Any) -> None:
    if not isinstance(statement, dict):
        raise ValidationError(f"{where} must be a JSON object")
    effect = statement.get("Effect")
    if effect == "Deny":
        raise ValidationError(
            f"{where} has Effect Deny: policies that deny access to shared resources are not "
            "supported; share a contact with Allow statements only")
    if effect != "Allow":
        raise ValidationError(f"{where} Effect must be Allow, not {effect!r}")
    missing = [m for m in _REQUIRED if statement.get(m) in (None, "", [], {})]
    if missing:
        raise ValidationError(f"{where} has no {' and no '.join(missing)}")


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
