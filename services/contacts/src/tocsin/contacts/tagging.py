"""Tags of contacts (all three types) and rotations: TagResource, UntagResource and
ListTagsForResource.

``ssm-contacts`` tags are a list of ``{Key, Value}``; the ``tag`` table keys them by the
resource's ARN. A change locks the tagged resource's row for its transaction, so
concurrent changes to one resource count its tags one after another (the 50-tag quota
holds) and a resource deleted meanwhile keeps no tags. Each call that alters a tag emits
one event (``ResourceTagged`` / ``ResourceUntagged``, camelCase data).

Whoever deletes a tagged resource deletes its tags: ``DeleteContact`` does, and
``DeleteRotation`` must (``DELETE FROM tag WHERE resource_arn = $1``); ``CreateRotation``'s
``Tags`` go in with :meth:`TagStore.put`.
"""

from __future__ import annotations

import re
from typing import Annotated

import asyncpg
import msgspec

from tocsin.contacts.contacts import (
    CONTACT,
    ROTATION,
    Tag,
    contact_or_404,
    tag_dict,
)
from tocsin.contacts.usecases import JSON, UseCases
from tocsin.shared.bus import RpcRequest
from tocsin.shared.db import transaction
from tocsin.shared.db.tags import TagStore
from tocsin.shared.errors import NotFoundError, QuotaExceededError, ValidationError

__all__ = ["MAX_TAGS", "TAG_QUOTA_CODE", "TagHandlers", "resource_type_of"]

MAX_TAGS = 50
"""Most tags one resource carries."""

TAG_QUOTA_CODE = "TagsPerResource"
"""``QuotaCode`` of the 50-tag quota; AWS publishes none, so this one is Tocsin's."""

_KIND = re.compile(r"^arn:[^:]+:ssm-contacts:[^:]*:[^:]*:(?P<kind>contact|rotation)/[^/]+$")


def resource_type_of(arn: str) -> str | None:
    """``CONTACT`` or ``ROTATION`` by the ARN's shape, or None for an ARN that names
    nothing taggable (whether the resource exists is not looked at)."""
    m = _KIND.match(arn)
    if m is None:
        return None
    return CONTACT if m["kind"] == "contact" else ROTATION


class _In(msgspec.Struct, kw_only=True, frozen=True):
    """The tagging inputs spell ``ResourceARN`` with a capital ARN."""


class TagResource(_In, frozen=True):
    resource_arn: str = msgspec.field(name="ResourceARN")
    tags: Annotated[list[Tag], msgspec.Meta(max_length=MAX_TAGS)] = msgspec.field(name="Tags")


class UntagResource(_In, frozen=True):
    resource_arn: str = msgspec.field(name="ResourceARN")
    tag_keys: Annotated[list[str], msgspec.Meta(max_length=MAX_TAGS)] = msgspec.field(
        name="TagKeys")


class ListTagsForResource(_In, frozen=True):
    resource_arn: str = msgspec.field(name="ResourceARN")


def _tag_list(tags: dict[str, str]) -> list[JSON]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


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
                await self._events.emit(
                    conn, "ResourceTagged",
                    {"resourceArn": cmd.resource_arn, "resourceType": kind,
                     "tags": dict(sorted(changed.items()))},
                    now=self._clock.now())
        return {}

    async def untag_resource(self, req: RpcRequest) -> JSON:
        cmd: UntagResource = req.decode(UntagResource)
        async with transaction(self._pool) as conn:
            kind = await self._taggable(conn, cmd.resource_arn, lock=True)
            # Keys the resource does not carry are no error: untagging is idempotent.
            removed = await TagStore.untag(conn, cmd.resource_arn, cmd.tag_keys)
            if removed:
                await self._events.emit(
                    conn, "ResourceUntagged",
                    {"resourceArn": cmd.resource_arn, "resourceType": kind,
                     "tagKeys": removed}, now=self._clock.now())
        return {}

    async def list_tags_for_resource(self, req: RpcRequest) -> JSON:
        cmd: ListTagsForResource = req.decode(ListTagsForResource)
        async with self._pool.acquire() as conn:
            await self._taggable(conn, cmd.resource_arn)
            return {"Tags": _tag_list(await TagStore.tags(conn, cmd.resource_arn))}

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
        elif not await conn.fetchval(
                "SELECT true FROM rotation WHERE arn = $1" + (" FOR UPDATE" if lock else ""),
                arn):
            raise NotFoundError(f"Rotation {arn} does not exist", resource_type=ROTATION,
                                resource_id=arn)
        return kind
