"""The ``ssm-contacts`` inputs of the directory's operations: contacts and their plans,
tags and the contact policy (the gateway has checked them against the model already)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from tocsin.contacts.directory.domain import MAX_TAGS, ContactType

__all__ = [
    "ChannelTargetInfo",
    "ContactId",
    "ContactTargetInfo",
    "CreateContact",
    "GetContactPolicy",
    "ListContacts",
    "ListTagsForResource",
    "Plan",
    "PutContactPolicy",
    "Stage",
    "Tag",
    "TagResource",
    "Target",
    "UntagResource",
    "UpdateContact",
]

_ALIAS = r"^[a-z0-9_\-]*$"


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



class _Tagging(msgspec.Struct, kw_only=True, frozen=True):
    """The tagging inputs spell ``ResourceARN`` with a capital ARN."""


class TagResource(_Tagging, frozen=True):
    resource_arn: str = msgspec.field(name="ResourceARN")
    tags: Annotated[list[Tag], msgspec.Meta(max_length=MAX_TAGS)] = msgspec.field(name="Tags")


class UntagResource(_Tagging, frozen=True):
    resource_arn: str = msgspec.field(name="ResourceARN")
    tag_keys: Annotated[list[str], msgspec.Meta(max_length=MAX_TAGS)] = msgspec.field(
        name="TagKeys")


class ListTagsForResource(_Tagging, frozen=True):
    resource_arn: str = msgspec.field(name="ResourceARN")


class PutContactPolicy(msgspec.Struct, rename="pascal", kw_only=True, frozen=True):
    contact_arn: str
    policy: str


class GetContactPolicy(msgspec.Struct, rename="pascal", kw_only=True, frozen=True):
    contact_arn: str
