"""The directory's operations: CreateContact, GetContact, ListContacts, UpdateContact and
DeleteContact; TagResource, UntagResource and ListTagsForResource; PutContactPolicy and
GetContactPolicy.

**Contacts.** A plan's shape is checked by :func:`~tocsin.contacts.directory.domain.check_plan`;
what it names must exist and may be named, or it is a ``ValidationException`` naming the
member and the resource. References are checked when a plan is written, not kept as
foreign keys: ``DeleteContact`` leaves escalation plans naming the deleted contact as they
are (the model's documented behaviour), and an engagement reports what no longer exists
(``EngagementFailed``). It refuses, with a ``ConflictException`` listing the dependants, to
delete a member of a rotation or a contact that a response plan engages
(:mod:`tocsin.contacts.directory.dependants`).

**Tags** of contacts (all three types) and rotations: ``ssm-contacts`` tags are a list of
``{Key, Value}``; the ``tag`` table keys them by the resource's ARN. A change locks the
tagged resource's row for its transaction, so concurrent changes to one resource count its
tags one after another (the 50-tag quota holds) and a resource deleted meanwhile keeps no
tags. Whoever deletes a tagged resource deletes its tags.

**Contact policies.** In AWS a contact's policy shares it (and its engagements) with other
accounts through RAM. Each contact (of any type) has at most one: ``PutContactPolicy``
replaces it. Tocsin checks and stores it; **it does not enforce it yet**: a stored policy
grants no one anything until authorization reads it. The policy goes with its contact.

Each change emits one event, with the change, in its transaction.
"""

from __future__ import annotations

import asyncpg
import msgspec

from tocsin.contacts.directory.dependants import Dependants
from tocsin.contacts.directory.domain import (
    CONTACT,
    MAX_TAGS,
    ROTATION_MEMBER,
    TAG_QUOTA_CODE,
    Contact,
    PlanReferences,
    check_plan,
    check_policy,
    plan_output,
    resource_type_of,
    tag_dict,
    tag_list,
)
from tocsin.contacts.directory.requests import (
    ContactId,
    CreateContact,
    GetContactPolicy,
    ListContacts,
    ListTagsForResource,
    PutContactPolicy,
    TagResource,
    UntagResource,
    UpdateContact,
)
from tocsin.contacts.directory.store import (
    ContactStore,
    PolicyStore,
    bump_version,
    contact_or_404,
    rotation_exists,
)
from tocsin.contacts.usecases import JSON, UseCases, read_token
from tocsin.shared.bus import RpcRequest
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.db import transaction
from tocsin.shared.db.tags import TagStore
from tocsin.shared.errors import ConflictError, QuotaExceededError, ValidationError
from tocsin.shared.events import emit
from tocsin.shared.paging import make_token, page_size

__all__ = ["ContactHandlers", "PolicyHandlers", "TagHandlers"]


class ContactHandlers(UseCases):
    """CreateContact, GetContact, ListContacts, UpdateContact and DeleteContact."""

    async def create_contact(self, req: RpcRequest) -> JSON:
        cmd: CreateContact = req.decode(CreateContact)
        refs = check_plan(cmd.type, cmd.plan)
        tags = tag_dict(cmd.tags or [])
        arn = self._arns.contact(cmd.alias)

        async def body(conn: asyncpg.Connection) -> JSON:
            now = self._clock.now()
            await self._check_references(conn, arn, refs)
            contact = Contact(arn=arn, alias=cmd.alias, type=cmd.type,
                              display_name=cmd.display_name,
                              plan=plan_output(cmd.type, cmd.plan))
            await ContactStore.insert(conn, contact, now=now)
            await TagStore.put(conn, arn, tags)
            await emit(conn, contact.created(tags, by=self._by(req)), region=self._region,
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
                saved = await ContactStore.save(conn, updated)
                await emit(conn, saved.updated(by=self._by(req)), region=self._region,
                           now=self._clock.now())
        return {}

    async def delete_contact(self, req: RpcRequest) -> JSON:
        cmd: ContactId = req.decode(ContactId)
        async with transaction(self._pool) as conn:
            contact = await contact_or_404(conn, cmd.contact_id, lock=True)
            await self._not_in_rotations(conn, contact.arn)
            await Dependants(self._pool, self._deps.bus).check_contact(conn, contact.arn)
            channels = await ContactStore.delete(conn, contact.arn)
            await emit(conn, contact.deleted(channels, by=self._by(req)), region=self._region,
                       now=self._clock.now())
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


class TagHandlers(UseCases):
    """TagResource, UntagResource and ListTagsForResource."""

    async def tag_resource(self, req: RpcRequest) -> JSON:
        cmd: TagResource = req.decode(TagResource)
        tags = tag_dict(cmd.tags)
        async with transaction(self._pool) as conn:
            kind = await self._taggable(conn, cmd.resource_arn, lock=True)
            current = await TagStore.tags(conn, cmd.resource_arn)
            after = {**current, **tags}
            if len(after) > MAX_TAGS:
                raise QuotaExceededError(
                    f"{cmd.resource_arn} would carry {len(after)} tags; a resource carries at "
                    f"most {MAX_TAGS}", QuotaCode=TAG_QUOTA_CODE, ServiceCode="ssm-contacts",
                    ResourceType=kind, ResourceId=cmd.resource_arn)
            changed = {k: v for k, v in tags.items() if current.get(k) != v}
            if changed:
                await TagStore.put(conn, cmd.resource_arn, changed)
                version = await bump_version(conn, cmd.resource_arn, resource_type=kind)
                await emit(conn, cc.ResourceTagged(
                    resource_arn=cmd.resource_arn, resource_type=kind,
                    tags=dict(sorted(changed.items())), resource_version=version,
                    principal=self._by(req)), region=self._region, now=self._clock.now())
        return {}

    async def untag_resource(self, req: RpcRequest) -> JSON:
        cmd: UntagResource = req.decode(UntagResource)
        async with transaction(self._pool) as conn:
            kind = await self._taggable(conn, cmd.resource_arn, lock=True)
            # Keys the resource does not carry are no error: untagging is idempotent.
            removed = await TagStore.untag(conn, cmd.resource_arn, cmd.tag_keys)
            if removed:
                version = await bump_version(conn, cmd.resource_arn, resource_type=kind)
                await emit(conn, cc.ResourceUntagged(
                    resource_arn=cmd.resource_arn, resource_type=kind, tag_keys=removed,
                    resource_version=version, principal=self._by(req)),
                    region=self._region, now=self._clock.now())
        return {}

    async def list_tags_for_resource(self, req: RpcRequest) -> JSON:
        cmd: ListTagsForResource = req.decode(ListTagsForResource)
        async with self._pool.acquire() as conn:
            await self._taggable(conn, cmd.resource_arn)
            return {"Tags": tag_list(await TagStore.tags(conn, cmd.resource_arn))}

    async def _taggable(self, conn: asyncpg.Connection, arn: str, *, lock: bool = False) -> str:
        """The resource type of ``arn``, once it is known to exist (locked with ``lock``).

        Raises:
            ValidationError: the ARN names nothing taggable.
            NotFoundError: the resource does not exist.
        """
        kind = resource_type_of(arn)
        if kind is None:
            raise ValidationError(
                f"{arn} is not the ARN of a taggable resource: tags apply to contacts, "
                "escalation plans, on-call schedules and rotations")
        if kind == CONTACT:
            await contact_or_404(conn, arn, lock=lock)
        else:
            await rotation_exists(conn, arn, lock=lock)
        return kind


class PolicyHandlers(UseCases):
    """PutContactPolicy and GetContactPolicy (stored, not yet enforced)."""

    async def put_contact_policy(self, req: RpcRequest) -> JSON:
        cmd: PutContactPolicy = req.decode(PutContactPolicy)
        check_policy(cmd.policy)
        async with transaction(self._pool) as conn:
            contact = await contact_or_404(conn, cmd.contact_arn, lock=True)
            previous = await PolicyStore.get(conn, contact.arn)
            if previous == cmd.policy:
                return {}
            await PolicyStore.put(conn, contact.arn, cmd.policy)
            version = await bump_version(conn, contact.arn, resource_type=CONTACT)
            await emit(conn, cc.ContactPolicyPut(
                contact_arn=contact.arn, policy=cmd.policy, replaced=previous is not None,
                resource_version=version, principal=self._by(req)),
                region=self._region, now=self._clock.now())
        return {}

    async def get_contact_policy(self, req: RpcRequest) -> JSON:
        cmd: GetContactPolicy = req.decode(GetContactPolicy)
        async with self._pool.acquire() as conn:
            contact = await contact_or_404(conn, cmd.contact_arn)
            policy = await PolicyStore.get(conn, contact.arn)
        out: JSON = {"ContactArn": contact.arn}
        if policy is not None:
            out["Policy"] = policy
        return out
