"""What keeps a contact or a rotation from being deleted while something pages through it.

- A **response plan** of the incidents service that engages a contact: the plan write
  reserves its contacts here (``ReserveEngagementContacts``, in the plan write's
  transaction), and ``DeleteContact`` asks the incidents service which of the reserving
  plans still engage the contact (``ResponsePlansEngaging``). Why this order is safe when
  the two race is explained in :mod:`tocsin.incidents.records.plan_engagements`; in short, the
  reservation and the delete serialize on the contact's row, and the incidents service's
  answer waits for every plan write in flight. Asking only when a reservation exists keeps
  a deleting contacts service independent of the incidents service for contacts no plan
  ever named.
- An **on-call schedule** that names a rotation in its ``RotationIds``: the schedule's
  write share-locks the rotation's row (:meth:`ContactStore.rotations`), and
  ``DeleteRotation`` locks it for update before looking for schedules, so one of the two
  always sees the other.

Both refusals are a ``ConflictException`` whose ``DependentEntities`` list the dependants,
as for a contact that is a member of a rotation.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from tocsin.contacts.directory.store import DependantStore
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, RpcRequest, rpc_subject
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import incidents as ic
from tocsin.shared.db import transaction

__all__ = ["ONCALL_SCHEDULE_ROTATION", "RESPONSE_PLAN_ENGAGEMENT", "Dependants"]

RESPONSE_PLAN_ENGAGEMENT = "RESPONSE_PLAN_ENGAGEMENT"
"""``DependentEntity.RelationType`` when response plans engage the contact being deleted
(``DependentResourceIds`` are the plans' ARNs)."""
ONCALL_SCHEDULE_ROTATION = "ONCALL_SCHEDULE_ROTATION"
"""``DependentEntity.RelationType`` when on-call schedules name the rotation being deleted
(``DependentResourceIds`` are the schedules' contact ARNs)."""

LOCK_WAIT = "2s"
"""How long a reservation waits for a contact another request is changing or deleting."""


class Dependants:
    """The reservations and the checks, on the contacts schema."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus | None) -> None:
        self._pool = pool
        self._bus = bus

    async def reserve_engagement_contacts(self, req: RpcRequest) -> dict[str, Any]:
        cmd: cc.ReserveEngagementContacts = req.decode(cc.ReserveEngagementContacts)
        arns = list(dict.fromkeys(cmd.contact_arns))
        async with transaction(self._pool) as conn:
            kinds = await DependantStore.reserve(conn, arns, cmd.response_plan_arn,
                                                 lock_wait=LOCK_WAIT)
            others = [a for a in arns if a not in kinds]
            if others:
                kinds.update(await DependantStore.other_kinds(conn, others))
        return {"Kinds": kinds}

    async def check_contact(self, conn: asyncpg.Connection, arn: str) -> None:
        """Refuse to delete ``arn`` (locked for update by the caller) while a response plan
        engages it; forget the reservations of plans that no longer do.

        Raises:
            ConflictError: listing the response plans.
            ServiceUnavailable: a plan reserved the contact and the incidents service
                does not answer.
        """
        if not await DependantStore.reserved(conn, arn):
            return
        if self._bus is None:
            raise errors.ServiceUnavailable("the incidents service is not reachable")
        reply = await self._bus.request(
            rpc_subject("incidents", "ResponsePlansEngaging"),
            codec.encode(ic.ResponsePlansEngaging(contact_arn=arn)), timeout=10)
        plans = [str(p) for p in codec.decode(reply, dict[str, Any]).get(
            "responsePlanArns") or []]
        if plans:
            raise errors.ConflictError(
                f"Contact {arn} is engaged by {len(plans)} response plan(s); remove it from "
                "their engagements (UpdateResponsePlan) or delete them before deleting the "
                "contact", resource_type="CONTACT", resource_id=arn,
                DependentEntities=[{"RelationType": RESPONSE_PLAN_ENGAGEMENT,
                                    "DependentResourceIds": plans[:25]}])
        # No plan engages it: no reservation can be newer (it would need this row's lock).
        await DependantStore.forget(conn, arn)

    @staticmethod
    async def check_rotation(conn: asyncpg.Connection, arn: str) -> None:
        """Refuse to delete the rotation ``arn`` (locked for update by the caller) while
        an on-call schedule names it.

        Raises:
            ConflictError: listing the schedules.
        """
        schedules = await DependantStore.schedules_naming(conn, arn)
        if schedules:
            raise errors.ConflictError(
                f"Rotation {arn} is used by {len(schedules)} on-call schedule(s); remove it "
                "from their Plan.RotationIds (UpdateContact) or delete them before deleting "
                "the rotation", resource_type="ROTATION", resource_id=arn,
                DependentEntities=[{"RelationType": ONCALL_SCHEDULE_ROTATION,
                                    "DependentResourceIds": schedules[:25]}])
