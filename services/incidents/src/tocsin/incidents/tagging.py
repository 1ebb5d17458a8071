"""Tags on response plans, incident records and the replication set: TagResource,
UntagResource and ListTagsForResource.

A tag change locks the tagged resource's row for its transaction, so concurrent changes to
one resource count its tags one after another (the 50-tag quota holds) and a resource
deleted meanwhile keeps no tags. Each change that alters a tag emits one event.
"""

from __future__ import annotations

import re

import asyncpg
import msgspec

from tocsin.incidents.usecases import JSON, UseCases
from tocsin.shared.bus import RpcRequest
from tocsin.shared.db import transaction
from tocsin.shared.db.tags import TagStore
from tocsin.shared.errors import NotFoundError, QuotaExceededError, ValidationError

__all__ = ["MAX_TAGS", "TAG_QUOTA_CODE", "TagHandlers", "resource_type_of"]

MAX_TAGS = 50
"""Most tags one resource carries."""

TAG_QUOTA_CODE = "TagsPerResource"
"""``quotaCode`` of the 50-tag quota; AWS publishes no code for it, so this one is Tocsin's."""

_KINDS = {"response-plan": "RESPONSE_PLAN", "incident-record": "INCIDENT_RECORD",
          "replication-set": "REPLICATION_SET"}
_KIND = re.compile(r"^arn:[^:]+:ssm-incidents:[^:]*:[^:]*:(?P<kind>[a-z-]+)/")


def resource_type_of(arn: str) -> str | None:
    """``RESPONSE_PLAN``, ``INCIDENT_RECORD`` or ``REPLICATION_SET`` by the ARN's shape, or
    None for an ARN that can name none of them (whether the resource exists is not looked
    at)."""
    m = _KIND.match(arn)
    return _KINDS.get(m["kind"]) if m else None


class TagResource(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The TagResource input: the tags to add or overwrite."""

    resource_arn: str
    tags: dict[str, str]


class UntagResource(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The UntagResource input: the keys to remove."""

    resource_arn: str
    tag_keys: list[str]


class ListTagsForResource(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The ListTagsForResource input."""

    resource_arn: str


class TagHandlers(UseCases):
    """TagResource, UntagResource and ListTagsForResource."""

    async def tag_resource(self, req: RpcRequest) -> JSON:
        cmd: TagResource = req.decode(TagResource)
        async with transaction(self._pool) as conn:
            kind = await self._taggable(conn, cmd.resource_arn, lock=True)
            current = await TagStore.tags(conn, cmd.resource_arn)
            after = {**current, **cmd.tags}
            if len(after) > MAX_TAGS:
                raise QuotaExceededError(
                    f"{cmd.resource_arn} would carry {len(after)} tags; a resource carries at "
                    f"most {MAX_TAGS}", quotaCode=TAG_QUOTA_CODE, serviceCode="ssm-incidents",
                    resourceType=kind, resourceIdentifier=cmd.resource_arn)
            changed = {k: v for k, v in cmd.tags.items() if current.get(k) != v}
            if changed:
                await TagStore.put(conn, cmd.resource_arn, changed)
                await self._events.emit(
                    conn, "ResourceTagged",
                    {"resourceArn": cmd.resource_arn, "resourceType": kind, "tags": changed},
                    now=self._clock.now(), incident_arn=_incident(kind, cmd.resource_arn))
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
                    {"resourceArn": cmd.resource_arn, "resourceType": kind, "tagKeys": removed},
                    now=self._clock.now(), incident_arn=_incident(kind, cmd.resource_arn))
        return {}

    async def list_tags_for_resource(self, req: RpcRequest) -> JSON:
        cmd: ListTagsForResource = req.decode(ListTagsForResource)
        async with self._pool.acquire() as conn:
            await self._taggable(conn, cmd.resource_arn)
            return {"tags": await TagStore.tags(conn, cmd.resource_arn)}

    async def _taggable(self, conn: asyncpg.Connection, arn: str, *, lock: bool = False) -> str:
        """The resource type of ``arn``, once it is known to exist (locked with ``lock``).

        Raises:
            ValidationError: the ARN names nothing taggable, or there is no replication set.
            NotFoundError: the resource does not exist.
        """
        kind = resource_type_of(arn)
        if kind is None:
            raise ValidationError(
                f"{arn} is not the ARN of a taggable resource: tags apply to response plans, "
                "incident records and the replication set")
        if kind == "RESPONSE_PLAN":
            await self._plan(conn, arn, lock=lock)
        elif kind == "INCIDENT_RECORD":
            await self._incident(conn, arn, lock=lock)
        else:
            rs = await self._store.replication_set(conn, lock=lock)
            if rs is None or rs.arn != arn:
                raise await self._absent(conn, NotFoundError(
                    f"Replication set {arn} does not exist", resource_type="REPLICATION_SET",
                    resource_id=arn))
        return kind


def _incident(kind: str, arn: str) -> str | None:
    return arn if kind == "INCIDENT_RECORD" else None
