"""Idempotency tokens: a mutating call runs at most once per token, operation and caller.

A replayed token returns the first call's result; the same token with other parameters is
refused. The token is recorded with the result at the end of the call's transaction, so a
first use costs one statement more than no token; a replay, or the loser of two concurrent
first uses, rolls its change back (or fails on what the first call created) and answers
from the recorded token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import msgspec

from tocsin.shared import codec
from tocsin.shared.db.pool import transaction
from tocsin.shared.errors import ConflictError, TocsinError

__all__ = ["TokenReused", "fingerprint", "once"]

JSON = dict[str, Any]


class TokenReused(ConflictError):
    """The token was recorded for a call with other parameters (a ``ConflictException``);
    a caller whose token names one event (an alarm webhook's) tells a resend of it by this."""


class _Replayed(Exception):
    """Another call recorded the token first; this call's change is rolled back."""


def fingerprint(params: bytes, *, token_member: str) -> str:
    """A stable digest of a request's parameters, without the token itself."""
    return fingerprint_of(codec.decode(params or b"{}", dict[str, Any]),
                          token_member=token_member)


def fingerprint_of(params: dict[str, Any], *, token_member: str) -> str:
    """:func:`fingerprint` of parameters at hand as JSON values (not encoded first)."""
    rest = {k: v for k, v in params.items() if k != token_member}
    return hashlib.sha256(msgspec.json.encode(rest, order="sorted")).hexdigest()


async def once(pool: asyncpg.Pool, *, operation: str, principal: str, token: str | None,
               params: bytes, token_member: str,
               body: Callable[[asyncpg.Connection], Awaitable[JSON]]) -> JSON:
    """Run ``body`` in a transaction, at most once per ``token``."""
    if not token:
        async with transaction(pool) as conn:
            return await body(conn)
    key = (operation, principal, token)
    mine = fingerprint(params, token_member=token_member)
    try:
        async with transaction(pool) as conn:
            result = await body(conn)
            if await conn.fetchval(
                    "INSERT INTO client_token (operation, principal, token, fingerprint, result)"
                    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING true",
                    *key, mine, result):
                return result
            raise _Replayed
    except (_Replayed, TocsinError) as exc:
        async with pool.acquire() as conn:
            first = await conn.fetchrow(
                "SELECT fingerprint, result FROM client_token"
                " WHERE operation = $1 AND principal = $2 AND token = $3", *key)
        if first is None:
            raise exc from None
    if first["fingerprint"] != mine:
        raise TokenReused(f"{token_member} {token!r} was already used for a {operation} "
                          "call with different parameters")
    result_json: JSON = first["result"]
    return result_json
