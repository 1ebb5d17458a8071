"""The shape every event contract shares: a msgspec tagged union per service.

Each service's events are :class:`Event` subclasses in
``tocsin.shared.contracts.<service>``; the tag is the class name, which is also the
envelope's ``type`` and the last token of the subject ``events.<region>.<service>.<type>``.
On the wire the tag lives in the envelope, not in ``data`` (``data`` is what it always
was), so :func:`decode` puts it back before msgspec picks the member of the union.

Nested parts of an event derive from :class:`Part`, which carries no tag.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import msgspec

__all__ = ["TAG_FIELD", "Change", "Event", "Part", "decode", "encode_data", "types_of"]

TAG_FIELD = "$type"
"""The member msgspec reads the tag from while decoding: the envelope's ``type``, put
back under a name no payload uses (several have a ``type`` of their own)."""


class Part(msgspec.Struct, rename="camel", kw_only=True, frozen=True, omit_defaults=True):
    """A piece of an event's ``data``: camelCase, unknown members ignored, defaults
    omitted."""


class Event(Part, tag_field=TAG_FIELD, tag=True, frozen=True):
    """An event's ``data``, tagged by its class name.

    ``service`` is the producing service; ``version`` the schema version of this type
    (the envelope's ``schemaVersion``), raised when a change is not one msgspec's
    schema-evolution rules absorb.
    """

    service: ClassVar[str] = ""
    version: ClassVar[int] = 1


class Change(Event, kw_only=True, frozen=True):
    """An event that changes one resource: besides the resource, the version it has after
    the change and who made it, so a subscriber (a dashboard, another region) applies the
    changes of one resource in order and skips one it has seen.

    ``version`` (``resource_version`` in Python, not to be confused with the type's schema
    :attr:`Event.version`) counts the changes of the resource, starting at 1 on creation and
    rising with every change, in the same statement that changes it; several events of one
    change carry the same version. 0 means the producing service does not count them.
    """

    resource_version: int = msgspec.field(default=0, name="version")
    """The resource's version after the change (1 for a new one)."""
    principal: str | None = None
    """The IAM principal whose request made the change (the account's root for a change
    Tocsin made by itself)."""


def encode_data(event: Event) -> dict[str, Any]:
    """``event`` as the envelope's ``data``: its members without the tag (the envelope's
    ``type`` carries it)."""
    data: dict[str, Any] = msgspec.to_builtins(event)
    data.pop(TAG_FIELD, None)
    return data


def decode(event_type: str, data: dict[str, Any], union: Any) -> Any:
    """The member of ``union`` tagged ``event_type``, built from an envelope's ``data``.

    Raises ``msgspec.ValidationError`` for a type the union does not hold or a payload that
    does not fit (a subclass of ``msgspec.DecodeError``, which consumers already catch).
    """
    # Into the tagged member itself: msgspec caches a Struct's type information, but
    # rebuilds a union's on every convert (~40 times the cost of the conversion here).
    member = _members(union).get(event_type)
    if member is None:
        raise msgspec.ValidationError(f"Invalid value {event_type!r} - at `$.{TAG_FIELD}`")
    return msgspec.convert({**data, TAG_FIELD: event_type}, member)


@functools.cache
def _members(union: Any) -> dict[str, type[Event]]:
    return types_of(union)


def types_of(union: Any) -> dict[str, type[Event]]:
    """Tag → Struct for every member of ``union``."""
    members = getattr(union, "__args__", (union,))
    return {m.__name__: m for m in members}
