"""The ``ssm-contacts`` inputs of the rotation operations."""

from __future__ import annotations

from typing import Annotated

import msgspec

from tocsin.contacts.directory.requests import Tag
from tocsin.contacts.rotations.shifts import RecurrenceSettings
from tocsin.shared.timestamps import Epoch

__all__ = [
    "CreateRotation",
    "CreateRotationOverride",
    "ListPreviewRotationShifts",
    "ListRotationOverrides",
    "ListRotationShifts",
    "ListRotations",
    "PreviewOverride",
    "RotationId",
    "RotationOverrideId",
    "UpdateRotation",
]

_Name = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
_Members = Annotated[list[str], msgspec.Meta(min_length=1, max_length=30)]


class _In(msgspec.Struct, rename="pascal", kw_only=True, frozen=True):
    """An ``ssm-contacts`` input: PascalCase, unknown members ignored."""


class CreateRotation(_In, frozen=True):
    name: _Name
    contact_ids: _Members
    time_zone_id: str
    recurrence: RecurrenceSettings
    start_time: Epoch | None = None
    tags: Annotated[list[Tag], msgspec.Meta(max_length=50)] | None = None
    idempotency_token: str | None = None


class RotationId(_In, frozen=True):
    rotation_id: str


class UpdateRotation(_In, frozen=True):
    rotation_id: str
    recurrence: RecurrenceSettings
    contact_ids: _Members | None = None
    start_time: Epoch | None = None
    time_zone_id: str | None = None


class ListRotations(_In, frozen=True):
    rotation_name_prefix: _Name | None = None
    next_token: str | None = None
    max_results: Annotated[int, msgspec.Meta(ge=0, le=1024)] | None = None


class CreateRotationOverride(_In, frozen=True):
    rotation_id: str
    new_contact_ids: Annotated[list[str], msgspec.Meta(max_length=30)]
    start_time: Epoch
    end_time: Epoch
    idempotency_token: str | None = None


class RotationOverrideId(_In, frozen=True):
    rotation_id: str
    rotation_override_id: str


class ListRotationOverrides(_In, frozen=True):
    rotation_id: str
    start_time: Epoch
    end_time: Epoch
    next_token: str | None = None
    max_results: Annotated[int, msgspec.Meta(ge=0, le=1024)] | None = None


class ListRotationShifts(_In, frozen=True):
    rotation_id: str
    end_time: Epoch
    start_time: Epoch | None = None
    next_token: str | None = None
    max_results: Annotated[int, msgspec.Meta(ge=0, le=1024)] | None = None


class PreviewOverride(_In, frozen=True):
    new_members: Annotated[list[str], msgspec.Meta(max_length=30)] | None = None
    start_time: Epoch | None = None
    end_time: Epoch | None = None


class ListPreviewRotationShifts(_In, frozen=True):
    end_time: Epoch
    members: _Members
    time_zone_id: str
    recurrence: RecurrenceSettings
    rotation_start_time: Epoch | None = None
    start_time: Epoch | None = None
    overrides: list[PreviewOverride] | None = None
    next_token: str | None = None
    max_results: Annotated[int, msgspec.Meta(ge=0, le=1024)] | None = None

