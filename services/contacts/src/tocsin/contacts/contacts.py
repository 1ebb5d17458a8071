"""Contacts: CreateContact, GetContact, ListContacts, UpdateContact and DeleteContact, with
the rules their plans follow.

A contact's ``Type`` says what its ``Plan`` is:

- ``PERSONAL`` — an *engagement plan*: stages whose targets are ``ChannelTargetInfo``
  naming channels of that same contact (so a new personal contact starts with stages
  without targets, and gets channel targets from ``UpdateContact`` once its channels exist);
- ``ESCALATION`` — an *escalation plan*: stages whose targets are ``ContactTargetInfo``
  naming existing ``PERSONAL`` or ``ONCALL_SCHEDULE`` contacts (no nested escalation plans);
- ``ONCALL_SCHEDULE`` — ``RotationIds`` naming existing rotations, and no stages.

Each target sets exactly one of ``ChannelTargetInfo`` and ``ContactTargetInfo``; a stage
without targets must last at least a minute. A plan that breaks a rule, or names something
that does not exist, is a ``ValidationException`` naming the member and the resource.
References are checked when a plan is written, not kept as foreign keys: ``DeleteContact``
leaves escalation plans naming the deleted contact as they are (the model's documented
behaviour), and an engagement reports what no longer exists (``EngagementFailed``). It
refuses, with a ``ConflictException`` listing the dependants, to delete a member of a
rotation or a contact that a response plan engages (:mod:`tocsin.contacts.dependants`).

The ``contact`` table's ``plan`` column holds the plan exactly as ``GetContact`` returns it
(PascalCase, ``Stages`` always present, ``RotationIds`` for on-call schedules only), so the
engagement code reads it as the API describes it.

Events carry camelCase data like every other Tocsin event: ``ContactCreated`` and
``ContactUpdated`` the contact as ``GetContact`` returns it, ``ContactDeleted`` its ARN,
alias, type and the ARNs of the channels deleted with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal

import asyncpg
import msgspec

from tocsin.contacts.dependants import Dependants
from tocsin.contacts.usecases import CONTACT_QUOTA, JSON, UseCases
from tocsin.shared.bus import RpcRequest
from tocsin.shared.db import transaction
from tocsin.shared.db.quotas import check_quota
from tocsin.shared.db.tags import TagStore
from tocsin.shared.errors import ConflictError, NotFoundError, ValidationError
from tocsin.shared.paging import make_token, page_size
from tocsin.shared.paging import read_token as _read_token

__all__ = [
    "CHANNEL",
    "CONTACT",
    "MAX_ROTATIONS",
    "ROTATION",
    "ROTATION_MEMBER",
    "Contact",
    "ContactHandlers",
    "ContactStore",
    "ContactType",
    "Plan",
    "PlanReferences",
    "Tag",
    "camel",
    "check_plan",
    "contact_or_404",
    "make_token",
    "page_size",
    "plan_output",
    "read_token",
    "tag_dict",
]

CONTACT = "CONTACT"
"""``ResourceType`` of a contact (any type) in error replies."""
CHANNEL = "CONTACT_CHANNEL"
"""``ResourceType`` of a contact channel in error replies."""
ROTATION = "ROTATION"
"""``ResourceType`` of a rotation in error replies."""
ROTATION_MEMBER = "ROTATION_MEMBER"
"""``DependentEntity.RelationType`` when rotations keep a contact from being deleted: the
contact is a member of each rotation in ``DependentResourceIds``."""

MAX_ROTATIONS = 25
"""Most rotations an on-call schedule names (``Plan.RotationIds``)."""

ContactType = Literal["PERSONAL", "ESCALATION", "ONCALL_SCHEDULE"]

_ALIAS = r"^[a-z0-9_\-]*$"


# --- inputs -----------------------------------------------------------------------------


class _In(msgspec.Struct, rename="pascal", kw_only=True, frozen=True, omit_defaults=True):
    """An ``ssm-contacts`` shape: PascalCase, unknown members ignored, absent ones omitted."""


class Tag(_In, frozen=True):
    """``Tag``: the model makes both members optional; a tag without a key is refused."""

    key: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None
    value: Annotated[str, msgspec.Meta(min_length=1, max_length=256)] | None = None


Tags = Annotated[list[Tag], msgspec.Meta(max_length=50)]


class ChannelTargetInfo(_In, frozen=True):
    contact_channel_id: str
    retry_interval_in_minutes: Annotated[int, msgspec.Meta(ge=0, le=60)] | None = None


class ContactTargetInfo(_In, frozen=True):
    is_essential: bool
    contact_id: str | None = None


class Target(_In, frozen=True):
    channel_target_info: ChannelTargetInfo | None = None
    contact_target_info: ContactTargetInfo | None = None


class Stage(_In, frozen=True):
    duration_in_minutes: Annotated[int, msgspec.Meta(ge=0, le=30)]
    targets: list[Target]


class Plan(_In, frozen=True):
    stages: list[Stage] | None = None
    rotation_ids: list[str] | None = None


class CreateContact(_In, frozen=True):
    alias: Annotated[str, msgspec.Meta(min_length=1, max_length=255, pattern=_ALIAS)]
    type: ContactType
    plan: Plan
    display_name: Annotated[str, msgspec.Meta(max_length=255)] | None = None
    tags: Tags | None = None
    idempotency_token: str | None = None


class ContactId(_In, frozen=True):
    contact_id: str


class ListContacts(_In, frozen=True):
    next_token: str | None = None
    max_results: Annotated[int, msgspec.Meta(ge=0, le=1024)] | None = None
    alias_prefix: Annotated[str, msgspec.Meta(max_length=255)] | None = None
    type: ContactType | None = None


class UpdateContact(_In, frozen=True):
    contact_id: str
    display_name: Annotated[str, msgspec.Meta(max_length=255)] | None = None
    plan: Plan | None = None


# --- the rules of plans -----------------------------------------------------------------


class PlanReferences(msgspec.Struct, frozen=True, kw_only=True):
    """What a plan names, each with the member that names it first (for messages)."""

    channels: dict[str, str]
    contacts: dict[str, str]
    rotations: dict[str, str]


def check_plan(contact_type: str, plan: Plan) -> PlanReferences:
    """Check the shape of ``plan`` for a contact of ``contact_type``; return what it names.

    Raises:
        ValidationError: naming the member that breaks a rule.
    """
    channels: dict[str, str] = {}
    contacts: dict[str, str] = {}
    rotations: dict[str, str] = {}
    stages = plan.stages or []
    if contact_type == "ONCALL_SCHEDULE":
        if stages:
            raise ValidationError(
                "Plan.Stages must be empty for an ONCALL_SCHEDULE contact: an on-call "
                "schedule engages whoever is on call in its Plan.RotationIds")
        ids = plan.rotation_ids or []
        if len(ids) > MAX_ROTATIONS:
            raise ValidationError(
                f"Plan.RotationIds names {len(ids)} rotations; an on-call schedule has at "
                f"most {MAX_ROTATIONS}")
        for i, rotation in enumerate(ids):
            if rotation in rotations:
                raise ValidationError(
                    f"Plan.RotationIds[{i}]: rotation {rotation} is listed twice")
            rotations[rotation] = f"Plan.RotationIds[{i}]"
        return PlanReferences(channels=channels, contacts=contacts, rotations=rotations)
    if plan.rotation_ids:
        raise ValidationError(
            f"Plan.RotationIds is only for ONCALL_SCHEDULE contacts, not {contact_type}")
    for s, stage in enumerate(stages):
        where = f"Plan.Stages[{s}]"
        if not stage.targets and stage.duration_in_minutes == 0:
            raise ValidationError(
                f"{where}.DurationInMinutes can be 0 only if the stage has targets")
        for t, target in enumerate(stage.targets):
            at = f"{where}.Targets[{t}]"
            channel, contact = target.channel_target_info, target.contact_target_info
            if (channel is None) == (contact is None):
                raise ValidationError(
                    f"{at}: exactly one of ChannelTargetInfo and ContactTargetInfo must be set")
            if contact_type == "PERSONAL":
                if channel is None:
                    raise ValidationError(
                        f"{at}: a PERSONAL contact's engagement plan targets its own contact "
                        "channels (ChannelTargetInfo), not other contacts")
                channels.setdefault(channel.contact_channel_id,
                                    f"{at}.ChannelTargetInfo.ContactChannelId")
            else:
                if contact is None:
                    raise ValidationError(
                        f"{at}: an escalation plan targets contacts (ContactTargetInfo), not "
                        "contact channels")
                if not contact.contact_id:
                    raise ValidationError(f"{at}.ContactTargetInfo.ContactId is required")
                contacts.setdefault(contact.contact_id, f"{at}.ContactTargetInfo.ContactId")
    return PlanReferences(channels=channels, contacts=contacts, rotations=rotations)


def plan_output(contact_type: str, plan: Plan) -> JSON:
    """``plan`` as ``GetContact`` returns it (and as the ``contact`` table keeps it)."""
    out: JSON = {"Stages": msgspec.to_builtins(plan.stages or [])}
    if contact_type == "ONCALL_SCHEDULE":
        out["RotationIds"] = list(plan.rotation_ids or [])
    return out


# --- storage ----------------------------------------------------------------------------


class Contact(msgspec.Struct, frozen=True, kw_only=True):
    """A row of ``contact``."""

    arn: str
    alias: str
    type: ContactType
    display_name: str | None
    plan: JSON

    def summary(self) -> JSON:
        """The ``Contact`` shape of ``ListContacts``."""
        out: JSON = {"ContactArn": self.arn, "Alias": self.alias, "Type": self.type}
        if self.display_name is not None:
            out["DisplayName"] = self.display_name
        return out

    def output(self) -> JSON:
        """The ``GetContact`` output."""
        return {**self.summary(), "Plan": self.plan}


def _contact(row: asyncpg.Record) -> Contact:
    return Contact(arn=row["arn"], alias=row["alias"], type=row["type"],
                   display_name=row["display_name"], plan=row["plan"])


_COLUMNS = "arn, alias, type, display_name, plan"


class ContactStore:
    """The SQL of contacts, on the caller's connection."""

    @staticmethod
    async def insert(conn: asyncpg.Connection, contact: Contact, *, now: datetime) -> bool:
        """False when the alias is taken."""
        return bool(await conn.fetchval(
            "INSERT INTO contact (arn, alias, type, display_name, plan, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
            contact.arn, contact.alias, contact.type, contact.display_name, contact.plan,
            now))

    @staticmethod
    async def get(conn: asyncpg.Connection, arn: str, *, lock: bool = False) -> Contact | None:
        row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM contact WHERE arn = $1"
                                  + (" FOR UPDATE" if lock else ""), arn)
        return _contact(row) if row else None

    @staticmethod
    async def page(conn: asyncpg.Connection, *, prefix: str | None, contact_type: str | None,
                   after: str | None, limit: int) -> list[Contact]:
        """Contacts in alias order (bytewise), after the alias ``after``."""
        pattern = None if prefix is None else _like_escape(prefix) + "%"
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM contact"
            " WHERE ($1::text IS NULL OR alias COLLATE \"C\" LIKE $1)"
            " AND ($2::text IS NULL OR type = $2)"
            " AND ($3::text IS NULL OR alias COLLATE \"C\" > $3)"
            " ORDER BY alias COLLATE \"C\" LIMIT $4", pattern, contact_type, after, limit)
        return [_contact(r) for r in rows]

    @staticmethod
    async def save(conn: asyncpg.Connection, contact: Contact) -> None:
        await conn.execute("UPDATE contact SET display_name = $2, plan = $3 WHERE arn = $1",
                           contact.arn, contact.display_name, contact.plan)

    @staticmethod
    async def delete(conn: asyncpg.Connection, arn: str) -> list[str]:
        """Delete the contact with its channels, tags and policy; returns the channels'
        ARNs."""
        channels = [r["arn"] for r in await conn.fetch(
            "SELECT arn FROM contact_channel WHERE contact_arn = $1 ORDER BY position", arn)]
        await conn.execute("DELETE FROM tag WHERE resource_arn = $1", arn)
        await conn.execute("DELETE FROM contact WHERE arn = $1", arn)
        return channels

    @staticmethod
    async def types(conn: asyncpg.Connection, arns: Iterable[str]) -> dict[str, str]:
        """ARN → type of those of ``arns`` that are contacts.

        The rows are share-locked for the caller's transaction, so a contact that a new
        plan or rotation names can't be deleted until that write commits, and
        ``DeleteContact`` then sees it (rotation members have no foreign key).
        """
        rows = await conn.fetch(
            "SELECT arn, type FROM contact WHERE arn = ANY($1::text[]) ORDER BY arn FOR SHARE",
            list(arns))
        return {r["arn"]: r["type"] for r in rows}

    @staticmethod
    async def channels_of(conn: asyncpg.Connection, contact_arn: str,
                          arns: Iterable[str]) -> set[str]:
        """Those of ``arns`` that are channels of ``contact_arn``."""
        rows = await conn.fetch(
            "SELECT arn FROM contact_channel WHERE contact_arn = $1 AND arn = ANY($2::text[])",
            contact_arn, list(arns))
        return {r["arn"] for r in rows}

    @staticmethod
    async def rotations(conn: asyncpg.Connection, arns: Iterable[str]) -> set[str]:
        """Those of ``arns`` that are rotations (the rotations' table), share-locked for
        the caller's transaction, so ``DeleteRotation`` sees the schedule that names one."""
        rows = await conn.fetch("SELECT arn FROM rotation WHERE arn = ANY($1::text[])"
                                " ORDER BY arn FOR SHARE", list(arns))
        return {r["arn"] for r in rows}

    @staticmethod
    async def rotations_with(conn: asyncpg.Connection, contact_arn: str,
                             now: datetime) -> list[str]:
        """The rotations ``contact_arn`` is a member of, or that an override not over at
        ``now`` puts it on call in."""
        rows = await conn.fetch(
            "SELECT rotation_arn FROM rotation_contact WHERE contact_arn = $1"
            " UNION SELECT rotation_arn FROM rotation_override"
            " WHERE $1 = ANY(new_contact_ids) AND end_time > $2"
            " ORDER BY rotation_arn", contact_arn, now)
        return [r["rotation_arn"] for r in rows]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def contact_or_404(conn: asyncpg.Connection, arn: str, *,
                         lock: bool = False) -> Contact:
    """The contact ``arn`` (its row locked with ``lock``).

    Raises:
        NotFoundError: there is no such contact.
    """
    contact = await ContactStore.get(conn, arn, lock=lock)
    if contact is None:
        raise NotFoundError(f"Contact {arn} does not exist", resource_type=CONTACT,
                            resource_id=arn)
    return contact


def tag_dict(tags: Iterable[Tag]) -> dict[str, str]:
    """``Tags`` as key → value (a later tag of a key wins).

    Raises:
        ValidationError: a tag has no key or no value.
    """
    out: dict[str, str] = {}
    for i, tag in enumerate(tags):
        if tag.key is None or tag.value is None:
            raise ValidationError(f"Tags[{i}] must have a Key and a Value")
        out[tag.key] = tag.value
    return out


# --- pagination and event data ----------------------------------------------------------


def read_token(token: str, tp: Any) -> Any:
    """The keyset position in a ``NextToken`` this service made."""
    return _read_token(token, tp, member="NextToken")


_FIRST = re.compile(r"^[A-Z]+(?=[A-Z][a-z]|$)|^[A-Z]")


def camel(value: Any) -> Any:
    """``value`` with every object key in camelCase (``ContactArn`` → ``contactArn``), for
    event data."""
    if isinstance(value, dict):
        return {_FIRST.sub(lambda m: m.group().lower(), k): camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


# --- the operations ---------------------------------------------------------------------


class ContactHandlers(UseCases):
    """CreateContact, GetContact, ListContacts, UpdateContact and DeleteContact."""

    async def create_contact(self, req: RpcRequest) -> JSON:
        cmd: CreateContact = req.decode(CreateContact)
        refs = check_plan(cmd.type, cmd.plan)
        tags = tag_dict(cmd.tags or [])
        arn = self._arns.contact(cmd.alias)

        async def body(conn: asyncpg.Connection) -> JSON:
            now = self._clock.now()
            await check_quota(conn, CONTACT_QUOTA, limit=self._quotas.contacts,
                              count_sql="SELECT count(*) FROM contact", camel=False)
            await self._check_references(conn, arn, refs)
            contact = Contact(arn=arn, alias=cmd.alias, type=cmd.type,
                              display_name=cmd.display_name,
                              plan=plan_output(cmd.type, cmd.plan))
            if not await ContactStore.insert(conn, contact, now=now):
                raise ConflictError(f"A contact with alias {cmd.alias} already exists",
                                    resource_type=CONTACT, resource_id=arn)
            await TagStore.put(conn, arn, tags)
            await self._events.emit(
                conn, "ContactCreated",
                {**camel(contact.output()),
                 "tags": dict(sorted(tags.items()))},
                now=now)
            return {"ContactArn": arn}

        return await self._once(req, cmd.idempotency_token, body)

    async def get_contact(self, req: RpcRequest) -> JSON:
        cmd: ContactId = req.decode(ContactId)
        async with self._pool.acquire() as conn:
            contact = await contact_or_404(conn, cmd.contact_id)
        return contact.output()

    async def list_contacts(self, req: RpcRequest) -> JSON:
        cmd: ListContacts = req.decode(ListContacts)
        limit = page_size(cmd.max_results)
        after = read_token(cmd.next_token, str) if cmd.next_token else None
        async with self._pool.acquire() as conn:
            contacts = await ContactStore.page(conn, prefix=cmd.alias_prefix,
                                               contact_type=cmd.type, after=after,
                                               limit=limit + 1)
        out: JSON = {"Contacts": [c.summary() for c in contacts[:limit]]}
        if len(contacts) > limit:
            out["NextToken"] = make_token(contacts[limit - 1].alias)
        return out

    async def update_contact(self, req: RpcRequest) -> JSON:
        cmd: UpdateContact = req.decode(UpdateContact)
        async with transaction(self._pool) as conn:
            contact = await contact_or_404(conn, cmd.contact_id, lock=True)
            updated = contact
            if cmd.display_name is not None:
                updated = msgspec.structs.replace(updated, display_name=cmd.display_name)
            if cmd.plan is not None:
                refs = check_plan(contact.type, cmd.plan)
                await self._check_references(conn, contact.arn, refs)
                updated = msgspec.structs.replace(updated,
                                                  plan=plan_output(contact.type, cmd.plan))
            if updated != contact:
                await ContactStore.save(conn, updated)
                await self._events.emit(conn, "ContactUpdated", camel(updated.output()),
                                        now=self._clock.now())
        return {}

    async def delete_contact(self, req: RpcRequest) -> JSON:
        cmd: ContactId = req.decode(ContactId)
        async with transaction(self._pool) as conn:
            contact = await contact_or_404(conn, cmd.contact_id, lock=True)
            await self._not_in_rotations(conn, contact.arn)
            await Dependants(self._pool, self._deps.bus).check_contact(conn, contact.arn)
            try:
                channels = await ContactStore.delete(conn, contact.arn)
            except asyncpg.ForeignKeyViolationError:
                # Something that references the contact (a rotation) took it in between
                # the check and the delete.
                raise ConflictError(
                    f"Contact {contact.arn} is in use; try again to see what depends on it",
                    resource_type=CONTACT, resource_id=contact.arn) from None
            await self._events.emit(
                conn, "ContactDeleted",
                {"contactArn": contact.arn, "alias": contact.alias, "type": contact.type,
                 "contactChannelArns": channels}, now=self._clock.now())
        return {}

    async def _not_in_rotations(self, conn: asyncpg.Connection, arn: str) -> None:
        rotations = await ContactStore.rotations_with(conn, arn, self._clock.now())
        if rotations:
            raise ConflictError(
                f"Contact {arn} is a member of {len(rotations)} rotation(s), or on call in "
                "their overrides; remove it from them (UpdateRotation, "
                "DeleteRotationOverride) or delete them before deleting the contact",
                resource_type=CONTACT, resource_id=arn,
                DependentEntities=[{"RelationType": ROTATION_MEMBER,
                                    "DependentResourceIds": rotations[:25]}])

    async def _check_references(self, conn: asyncpg.Connection, contact_arn: str,
                                refs: PlanReferences) -> None:
        """Check that what a plan names exists and may be named.

        Raises:
            ValidationError: naming the first member whose resource is missing or of the
                wrong kind.
        """
        if refs.channels:
            found = await ContactStore.channels_of(conn, contact_arn, refs.channels)
            for arn, where in refs.channels.items():
                if arn not in found:
                    raise ValidationError(
                        f"{where}: contact channel {arn} does not exist or is not a channel "
                        f"of contact {contact_arn}")
        if refs.contacts:
            types = await ContactStore.types(conn, refs.contacts)
            for arn, where in refs.contacts.items():
                kind = types.get(arn)
                if kind is None:
                    raise ValidationError(f"{where}: contact {arn} does not exist")
                if kind == "ESCALATION":
                    raise ValidationError(
                        f"{where}: contact {arn} is an escalation plan; an escalation plan "
                        "targets PERSONAL and ONCALL_SCHEDULE contacts")
        if refs.rotations:
            found = await ContactStore.rotations(conn, refs.rotations)
            for arn, where in refs.rotations.items():
                if arn not in found:
                    raise ValidationError(f"{where}: rotation {arn} does not exist")
