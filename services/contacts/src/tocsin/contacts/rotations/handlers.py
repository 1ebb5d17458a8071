"""Rotations, their overrides and their shifts: CreateRotation, GetRotation, ListRotations,
UpdateRotation, DeleteRotation, CreateRotationOverride, GetRotationOverride,
ListRotationOverrides, DeleteRotationOverride, ListRotationShifts and
ListPreviewRotationShifts.

The rules beyond the model's shapes:

- Members are existing ``PERSONAL`` contacts, each listed once; a missing one is
  ``ResourceNotFoundException``, another type a ``ValidationException``.
  ``NumberOfOnCalls`` may not exceed the number of members, and the recurrence sets exactly
  one of ``DailySettings``, ``WeeklySettings`` and ``MonthlySettings``. ``TimeZoneId`` is an
  IANA name. ``StartTime`` defaults to the time of the call.
- ``UpdateRotation`` replaces the recurrence (the model requires it) and, when given, the
  members (rewriting their order), the start time and the zone. Overrides stay as they are.
- ``DeleteRotation`` also deletes its overrides and tags. A rotation that an on-call
  schedule names is not deleted: ``ConflictException`` listing the schedules
  (:mod:`tocsin.contacts.directory.dependants`), since a schedule left without it would page nobody.
- Overrides last at least 30 minutes, end in the future and start no more than six months
  ahead (the console's rules, enforced here too). They name existing ``PERSONAL`` contacts,
  members of the rotation or not (a standby outside it may cover); a missing one is
  ``ResourceNotFoundException``, another type a ``ValidationException``. Where overrides
  overlap, the one created last is in effect. ``DeleteContact`` refuses a contact that an
  override not yet over names, as it refuses a member.
- ``ListRotationShifts`` computes the shifts in ``[StartTime, EndTime)`` (``StartTime``
  defaults to now; ``EndTime`` must be later), clipped to that window; see
  :mod:`tocsin.contacts.rotations.shifts`. The rotation and its overrides are read in one statement,
  so a concurrent update is seen whole or not at all, and the ``ConflictException`` the
  model lists is never needed. ``ListPreviewRotationShifts`` computes the same from the
  request alone: members and override members are any non-blank strings, the rotation
  starts at ``RotationStartTime`` (default: now) and the window at ``StartTime`` (default:
  the rotation's start).
- ``NextToken`` of the shift lists is the end of the last shift returned, so a page is
  computed from there on only; a page carries at most 8192 contact ids, fewer shifts than
  ``MaxResults`` when many are on call at once, to keep the reply within a NATS message.

Events carry camelCase data: ``RotationCreated`` / ``RotationUpdated`` the rotation as
``GetRotation`` returns it (with ``tags`` on creation), ``RotationDeleted`` its ARN and
name, ``RotationOverrideCreated`` the override with its rotation's
ARN, ``RotationOverrideDeleted`` both ids.
"""


from __future__ import annotations

import uuid

import asyncpg
import msgspec

from tocsin.contacts.directory.dependants import Dependants
from tocsin.contacts.directory.domain import CONTACT, ROTATION, tag_dict
from tocsin.contacts.directory.store import ContactStore, bump_version
from tocsin.contacts.rotations.domain import (
    EARLIEST,
    MAX_OVERRIDE_AHEAD_MONTHS,
    MICRO,
    MIN_OVERRIDE,
    OverrideRecord,
    RotationRecord,
    add_months,
    epoch,
    instant,
    micros,
    missing_rotation,
    rotation_state,
    shift_page,
)
from tocsin.contacts.rotations.requests import (
    CreateRotation,
    CreateRotationOverride,
    ListPreviewRotationShifts,
    ListRotationOverrides,
    ListRotations,
    ListRotationShifts,
    RotationId,
    RotationOverrideId,
    UpdateRotation,
)
from tocsin.contacts.rotations.shifts import Override, Rotation, check_rotation
from tocsin.contacts.rotations.store import RotationStore
from tocsin.contacts.usecases import JSON, UseCases, read_token
from tocsin.shared.bus import RpcRequest
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.db import transaction
from tocsin.shared.db.tags import TagStore
from tocsin.shared.errors import NotFoundError, ValidationError
from tocsin.shared.events import emit
from tocsin.shared.logging import bind
from tocsin.shared.paging import make_token, page_size

__all__ = ["RotationHandlers"]


class RotationHandlers(UseCases):
    """The eleven rotation operations."""

    async def create_rotation(self, req: RpcRequest) -> JSON:
        cmd: CreateRotation = req.decode(CreateRotation)
        tags = tag_dict(cmd.tags or [])
        start = None if cmd.start_time is None else instant(cmd.start_time, "StartTime")
        arn = self._arns.rotation()
        bind(rotation_arn=arn)

        async def body(conn: asyncpg.Connection) -> JSON:
            now = self._clock.now()
            rotation = RotationRecord(arn=arn, name=cmd.name, contact_ids=list(cmd.contact_ids),
                                      start_time=start or now, time_zone_id=cmd.time_zone_id,
                                      recurrence=cmd.recurrence)
            check_rotation(rotation.engine())
            await self._check_members(conn, rotation.contact_ids)
            await RotationStore.insert(conn, rotation, now=now)
            await TagStore.put(conn, arn, tags)
            await emit(conn, cc.RotationCreated(**rotation_state(rotation, by=self._by(req)),
                                                tags=dict(sorted(tags.items()))),
                       region=self._region, now=now)
            return {"RotationArn": arn}

        return await self._once(req, cmd.idempotency_token, body)

    async def get_rotation(self, req: RpcRequest) -> JSON:
        cmd: RotationId = req.decode(RotationId)
        async with self._pool.acquire() as conn:
            rotation = await self._rotation(conn, cmd.rotation_id)
        return rotation.output()

    async def list_rotations(self, req: RpcRequest) -> JSON:
        cmd: ListRotations = req.decode(ListRotations)
        limit = page_size(cmd.max_results)
        after = (tuple(read_token(cmd.next_token, tuple[str, str])) if cmd.next_token
                 else None)
        async with self._pool.acquire() as conn:
            found = await RotationStore.page(conn, prefix=cmd.rotation_name_prefix,
                                             after=after, limit=limit + 1)
        out: JSON = {"Rotations": [r.output() for r in found[:limit]]}
        if len(found) > limit:
            last = found[limit - 1]
            out["NextToken"] = make_token((last.name, last.arn))
        return out

    async def update_rotation(self, req: RpcRequest) -> JSON:
        cmd: UpdateRotation = req.decode(UpdateRotation)
        start = None if cmd.start_time is None else instant(cmd.start_time, "StartTime")
        bind(rotation_arn=cmd.rotation_id)
        async with transaction(self._pool) as conn:
            rotation = await self._rotation(conn, cmd.rotation_id, lock=True)
            updated = msgspec.structs.replace(
                rotation, recurrence=cmd.recurrence,
                contact_ids=rotation.contact_ids if cmd.contact_ids is None
                else list(cmd.contact_ids),
                start_time=start or rotation.start_time,
                time_zone_id=cmd.time_zone_id or rotation.time_zone_id)
            check_rotation(updated.engine())
            members_changed = updated.contact_ids != rotation.contact_ids
            if members_changed:
                await self._check_members(conn, updated.contact_ids)
            if updated != rotation:
                now = self._clock.now()
                saved = await RotationStore.save(conn, updated, now=now,
                                                 members_changed=members_changed)
                await emit(conn, cc.RotationUpdated(**rotation_state(saved, by=self._by(req))),
                           region=self._region, now=now)
        return {}

    async def delete_rotation(self, req: RpcRequest) -> JSON:
        cmd: RotationId = req.decode(RotationId)
        bind(rotation_arn=cmd.rotation_id)
        async with transaction(self._pool) as conn:
            rotation = await self._rotation(conn, cmd.rotation_id, lock=True)
            now = self._clock.now()
            await Dependants.check_rotation(conn, rotation.arn)
            await RotationStore.delete(conn, rotation.arn)
            await emit(conn, cc.RotationDeleted(rotation_arn=rotation.arn, name=rotation.name,
                                                resource_version=rotation.version + 1,
                                                principal=self._by(req)),
                       region=self._region, now=now)
        return {}

    # --- overrides ----------------------------------------------------------------------

    async def create_rotation_override(self, req: RpcRequest) -> JSON:
        cmd: CreateRotationOverride = req.decode(CreateRotationOverride)
        start, end = instant(cmd.start_time, "StartTime"), instant(cmd.end_time, "EndTime")
        if end - start < MIN_OVERRIDE:
            raise ValidationError("An override must last at least 30 minutes "
                                  "(EndTime at least 30 minutes after StartTime)")
        if len(set(cmd.new_contact_ids)) != len(cmd.new_contact_ids):
            raise ValidationError("NewContactIds lists a contact twice")
        bind(rotation_arn=cmd.rotation_id)

        async def body(conn: asyncpg.Connection) -> JSON:
            now = self._clock.now()
            if end <= now:
                raise ValidationError("The override is over: EndTime must be in the future")
            if start > add_months(now, MAX_OVERRIDE_AHEAD_MONTHS):
                raise ValidationError(
                    f"An override may start at most {MAX_OVERRIDE_AHEAD_MONTHS} months ahead")
            rotation = await self._rotation(conn, cmd.rotation_id, lock=True)
            # Anyone may cover, a standby outside the rotation too (as AWS's model allows).
            await self._check_members(conn, cmd.new_contact_ids, member="NewContactIds")
            override = OverrideRecord(id=str(uuid.uuid4()), rotation_arn=rotation.arn,
                                      new_contact_ids=list(cmd.new_contact_ids),
                                      start_time=start, end_time=end, create_time=now)
            await RotationStore.add_override(conn, override)
            version = await bump_version(conn, rotation.arn, resource_type=ROTATION)
            await emit(conn, cc.RotationOverrideCreated(
                resource_version=version, principal=self._by(req),
                rotation_arn=rotation.arn, rotation_override_id=override.id,
                new_contact_ids=list(override.new_contact_ids),
                start_time=epoch(override.start_time), end_time=epoch(override.end_time),
                create_time=epoch(override.create_time)), region=self._region, now=now)
            return {"RotationOverrideId": override.id}

        return await self._once(req, cmd.idempotency_token, body)

    async def get_rotation_override(self, req: RpcRequest) -> JSON:
        cmd: RotationOverrideId = req.decode(RotationOverrideId)
        async with self._pool.acquire() as conn:
            override = await self._override(conn, cmd)
        return {"RotationArn": override.rotation_arn, **override.output()}

    async def list_rotation_overrides(self, req: RpcRequest) -> JSON:
        cmd: ListRotationOverrides = req.decode(ListRotationOverrides)
        start, end = instant(cmd.start_time, "StartTime"), instant(cmd.end_time, "EndTime")
        if end <= start:
            raise ValidationError("EndTime must be after StartTime")
        limit = page_size(cmd.max_results)
        after = None
        if cmd.next_token:
            at, last_id = read_token(cmd.next_token, tuple[int, str])
            after = (EARLIEST + at * MICRO, last_id)
        async with self._pool.acquire() as conn:
            rotation = await self._rotation(conn, cmd.rotation_id)
            found = await RotationStore.overrides_page(conn, rotation.arn, start=start,
                                                       end=end, after=after, limit=limit + 1)
        out: JSON = {"RotationOverrides": [o.output() for o in found[:limit]]}
        if len(found) > limit:
            last = found[limit - 1]
            out["NextToken"] = make_token((micros(last.start_time), last.id))
        return out

    async def delete_rotation_override(self, req: RpcRequest) -> JSON:
        cmd: RotationOverrideId = req.decode(RotationOverrideId)
        bind(rotation_arn=cmd.rotation_id)
        async with transaction(self._pool) as conn:
            override = await self._override(conn, cmd, lock=True)
            await RotationStore.delete_override(conn, override)
            version = await bump_version(conn, override.rotation_arn, resource_type=ROTATION)
            await emit(conn, cc.RotationOverrideDeleted(
                resource_version=version, principal=self._by(req),
                rotation_arn=override.rotation_arn, rotation_override_id=override.id),
                region=self._region, now=self._clock.now())
        return {}

    # --- shifts -------------------------------------------------------------------------

    async def list_rotation_shifts(self, req: RpcRequest) -> JSON:
        cmd: ListRotationShifts = req.decode(ListRotationShifts)
        start = (self._clock.now() if cmd.start_time is None
                 else instant(cmd.start_time, "StartTime"))
        end = instant(cmd.end_time, "EndTime")
        async with self._pool.acquire() as conn:
            found = await RotationStore.for_shifts(conn, cmd.rotation_id, start, end)
        if found is None:
            raise missing_rotation(cmd.rotation_id)
        rotation, overrides = found
        return shift_page(rotation.engine(), overrides, start=start, end=end,
                           next_token=cmd.next_token, max_results=cmd.max_results)

    async def list_preview_rotation_shifts(self, req: RpcRequest) -> JSON:
        cmd: ListPreviewRotationShifts = req.decode(ListPreviewRotationShifts)
        rotation_start = (self._clock.now() if cmd.rotation_start_time is None
                          else instant(cmd.rotation_start_time, "RotationStartTime"))
        rotation = Rotation(members=list(cmd.members), start=rotation_start,
                            time_zone_id=cmd.time_zone_id, recurrence=cmd.recurrence)
        check_rotation(rotation)
        overrides = []
        for i, o in enumerate(cmd.overrides or []):
            if o.start_time is None or o.end_time is None:
                raise ValidationError(f"Overrides[{i}] needs a StartTime and an EndTime")
            o_start = instant(o.start_time, f"Overrides[{i}].StartTime")
            o_end = instant(o.end_time, f"Overrides[{i}].EndTime")
            if o_end <= o_start:
                raise ValidationError(f"Overrides[{i}].EndTime must be after its StartTime")
            overrides.append(Override(contacts=list(o.new_members or []), start=o_start,
                                            end=o_end))
        start = rotation_start if cmd.start_time is None else instant(cmd.start_time,
                                                                    "StartTime")
        return shift_page(rotation, overrides, start=start,
                           end=instant(cmd.end_time, "EndTime"), next_token=cmd.next_token,
                           max_results=cmd.max_results)

    # --- lookups ------------------------------------------------------------------------

    async def _rotation(self, conn: asyncpg.Connection, arn: str, *,
                        lock: bool = False) -> RotationRecord:
        rotation = await RotationStore.get(conn, arn, lock=lock)
        if rotation is None:
            raise missing_rotation(arn)
        return rotation

    async def _override(self, conn: asyncpg.Connection, cmd: RotationOverrideId, *,
                        lock: bool = False) -> OverrideRecord:
        await self._rotation(conn, cmd.rotation_id)
        override = await RotationStore.get_override(conn, cmd.rotation_id,
                                                    cmd.rotation_override_id, lock=lock)
        if override is None:
            raise NotFoundError(
                f"Rotation override {cmd.rotation_override_id} of {cmd.rotation_id} does "
                "not exist", resource_type="ROTATION_OVERRIDE",
                resource_id=cmd.rotation_override_id)
        return override

    async def _check_members(self, conn: asyncpg.Connection, members: list[str], *,
                             member: str = "ContactIds") -> None:
        """Every member (of ``member`` in the request) is an existing PERSONAL contact.

        Raises:
            NotFoundError: a member does not exist.
            ValidationError: a member is an escalation plan or an on-call schedule.
        """
        types = await ContactStore.types(conn, members)
        for i, arn in enumerate(members):
            kind = types.get(arn)
            if kind is None:
                raise NotFoundError(f"{member}[{i}]: contact {arn} does not exist",
                                    resource_type=CONTACT, resource_id=arn)
            if kind != "PERSONAL":
                raise ValidationError(
                    f"{member}[{i}]: contact {arn} is {kind}; only PERSONAL contacts go "
                    "on call in a rotation")


