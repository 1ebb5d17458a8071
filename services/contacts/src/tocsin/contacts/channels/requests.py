"""The ``ssm-contacts`` inputs of the contact-channel operations."""

from __future__ import annotations

from typing import Annotated

import msgspec

from tocsin.shared.contracts import deliveries

__all__ = ["ActivateContactChannel", "ChannelId", "ContactChannelAddress",
           "CreateContactChannel", "ListContactChannels", "UpdateContactChannel"]

ChannelType = deliveries.ChannelType


class _In(msgspec.Struct, rename="pascal", kw_only=True, frozen=True, omit_defaults=True):
    """An ``ssm-contacts`` shape: PascalCase, unknown members ignored."""


Name = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class ContactChannelAddress(_In, frozen=True):
    simple_address: Annotated[str, msgspec.Meta(min_length=1, max_length=320)] | None = None


class CreateContactChannel(_In, frozen=True):
    contact_id: str
    name: Name
    type: ChannelType
    delivery_address: ContactChannelAddress
    defer_activation: bool | None = None
    idempotency_token: str | None = None


class ChannelId(_In, frozen=True):
    contact_channel_id: str


class ListContactChannels(_In, frozen=True):
    contact_id: str
    next_token: str | None = None
    max_results: Annotated[int, msgspec.Meta(ge=0, le=1024)] | None = None


class UpdateContactChannel(_In, frozen=True):
    contact_channel_id: str
    name: Name | None = None
    delivery_address: ContactChannelAddress | None = None


class ActivateContactChannel(_In, frozen=True):
    contact_channel_id: str
    activation_code: Annotated[str, msgspec.Meta(min_length=6, max_length=10,
                                                 pattern="^[0-9]*$")]

