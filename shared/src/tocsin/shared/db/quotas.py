"""Quotas on how many resources of a kind a deployment keeps (contacts, channels per
contact, rotations, response plans, event rules): ``ServiceQuotaExceededException``.

A create checks its quota inside its own transaction, after taking a transaction-scoped
advisory lock named after the quota, so two concurrent creates cannot both take the last
place. The lock serialises only creates of the same kind (and, for a per-parent quota,
the same parent), which are rare next to reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from tocsin.shared.errors import QuotaExceededError

__all__ = ["Quota", "check_quota"]


@dataclass(frozen=True, slots=True)
class Quota:
    """One quota: its code, the service it belongs to, and the resource it counts."""

    code: str
    """The ``QuotaCode`` of refusals."""
    service: str
    """The ``ServiceCode`` of refusals (``ssm-contacts``, ``ssm-incidents``)."""
    what: str
    """The counted resources as a refusal names them (``contacts``)."""
    resource_type: str | None = None
    """The ``ResourceType`` member of the refusal, if its model has one."""


async def check_quota(conn: asyncpg.Connection, quota: Quota, *, limit: int, count_sql: str,
                      args: tuple[object, ...] = (), scope: str = "",
                      camel: bool = True) -> None:
    """Refuse a create that would make more than ``limit`` of the resources ``count_sql``
    counts (a ``SELECT count(*)`` over ``args``) within ``scope`` (a parent's ARN, or the
    whole deployment).

    Args:
        camel: the error's members as ssm-incidents names them (``quotaCode``); False for
            ssm-contacts' (``QuotaCode``).

    Raises:
        QuotaExceededError: ``limit`` resources exist already.
    """
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"quota:{quota.code}:{scope}")
    count: int = await conn.fetchval(count_sql, *args)
    if count < limit:
        return
    where = f" in {scope}" if scope else ""
    message = (f"The quota of {limit} {quota.what}{where} is reached (quota code "
               f"{quota.code}); delete some, or raise the quota in the service's settings")
    if camel:
        raise QuotaExceededError(message, quotaCode=quota.code, serviceCode=quota.service,
                                 resourceType=quota.resource_type)
    raise QuotaExceededError(message, QuotaCode=quota.code, ServiceCode=quota.service,
                             ResourceType=quota.resource_type)
