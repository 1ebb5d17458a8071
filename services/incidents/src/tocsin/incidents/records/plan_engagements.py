"""The contacts a response plan engages: checked with the contacts service when a plan is
written, and reported to it when it deletes a contact.

**Why this stays correct under concurrency.** A response plan must never name a contact
that no longer exists, while the plan lives here and the contact in the contacts service.
Two requests meet:

- a plan write (``CreateResponsePlan`` / ``UpdateResponsePlan`` with ``engagements``) first
  takes ``response_plan`` in ``ROW EXCLUSIVE`` mode, then, still in its transaction, asks
  the contacts service to ``ReserveEngagementContacts``: that share-locks the contacts'
  rows (waiting at most a moment for a concurrent change), answers what each one is, and
  records that the plan uses them, before this transaction commits;
- ``DeleteContact`` locks the contact's row for update and, when a plan ever reserved it,
  asks :meth:`PlanEngagements.response_plans_engaging`, which takes ``response_plan`` in
  ``SHARE`` mode: that waits for every plan write in flight to commit or roll back, so the
  answer counts each plan that reserved the contact before the delete locked it.

A write that reserves after the delete locked the contact waits for the delete and then
finds the contact gone (``ValidationException``), or times out on the lock and rolls back
(``ConflictException``, try again): either way no plan commits naming a deleted contact.
Keeping a list of references from this service's events instead would lag behind the
commit, and a delete in that gap would succeed.

Plans written before reservations existed are reserved once each time the service starts
(:meth:`PlanEngagements.reserve_existing`, idempotent), so an upgraded deployment's plans
are protected too once the contacts service has answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import asyncpg

from tocsin.incidents.records.domain import check_engagement_kinds
from tocsin.incidents.records.store import Store
from tocsin.incidents.usecases import JSON, Deps, UseCases
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, RpcRequest, rpc_subject
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import incidents as c
from tocsin.shared.db import transaction
from tocsin.shared.logging import get_logger
from tocsin.shared.runner import pause

__all__ = ["PlanEngagements", "check_engagements", "operations"]

log = get_logger(__name__)

async def _reserve(bus: Bus, plan_arn: str, engagements: list[str]) -> dict[str, str]:
    """Ask the contacts service to reserve ``engagements`` for the plan; what each is."""
    reply = await bus.request(
        rpc_subject("contacts", "ReserveEngagementContacts"),
        codec.encode(cc.ReserveEngagementContacts(
            response_plan_arn=plan_arn, contact_arns=list(dict.fromkeys(engagements)))),
        timeout=10)
    kinds: dict[str, str] = codec.decode(reply, dict[str, Any]).get("Kinds") or {}
    return kinds


async def check_engagements(conn: asyncpg.Connection, bus: Bus | None, plan_arn: str,
                            engagements: list[str]) -> None:
    """Check, in the plan write's transaction, that each of ``engagements`` is a contact.

    Raises:
        ValidationError: naming the first member that is not an existing contact.
        ConflictError: a named contact is being changed or deleted right now.
        ServiceUnavailable: the contacts service did not answer.
    """
    if not engagements:
        return
    # The mark DeleteContact's question waits on (see the module docstring).
    await Store.lock_plans_for_write(conn)
    if bus is None:
        raise errors.ServiceUnavailable("the contacts service is not reachable")
    check_engagement_kinds(engagements, await _reserve(bus, plan_arn, engagements))


class PlanEngagements(UseCases):
    """``ResponsePlansEngaging``, the contacts service's question before it deletes a
    contact."""

    async def reserve_existing(self, stop: asyncio.Event) -> None:
        """Reserve every plan's engagements once (a worker): until the contacts service
        answers, retry with backoff; then idle until the service stops."""
        delay = 0.5
        while self._bus is not None:
            try:
                async with self._pool.acquire() as conn:
                    plans = await self._store.plans_with_engagements(conn)
                for arn, engagements in plans:
                    await _reserve(self._bus, arn, engagements)
                log.info("plans.engagements_reserved", plans=len(plans))
                break
            except (errors.ServiceUnavailable, errors.ConflictError) as exc:
                log.info("plans.reservation_waits", error=exc.message, retry_in=delay)
                if await pause(stop, delay):
                    return
                delay = min(delay * 2, 30.0)
        await stop.wait()

    async def response_plans_engaging(self, req: RpcRequest) -> JSON:
        cmd: c.ResponsePlansEngaging = req.decode(c.ResponsePlansEngaging)
        async with transaction(self._pool) as conn:
            # Waits for plan writes in flight (ROW EXCLUSIVE), and keeps new ones out
            # until this answer is read.
            await self._store.lock_plans_for_read(conn)
            arns = await self._store.plans_engaging(conn, cmd.contact_arn)
        return {"responsePlanArns": arns}


def operations(deps: Deps) -> Mapping[str, Handler]:
    """The Tocsin-internal operation, for the request/reply server."""
    return {"ResponsePlansEngaging": PlanEngagements(deps).response_plans_engaging}
