"""Protobuf messages ↔ the AWS-shaped dicts the services speak, driven by descriptors and model.

``tools/protogen.py`` generates the messages from the AWS model, so one set of rules
converts every operation; there is no table per operation here:

- A field's JSON name (``field.json_name``) is the model's member name: ``incident_record_arn``
  ↔ ``incidentRecordArn`` (protogen sets ``json_name`` wherever protoc's camel-casing
  would not give the member name back).
- ``google.protobuf.Timestamp`` ↔ epoch seconds (a float).
- An enum value ``<ENUM>_<VALUE>`` ↔ the model's string: ``INCIDENT_RECORD_STATUS_OPEN``
  ↔ ``"OPEN"``; ``<ENUM>_UNSPECIFIED`` (0) means "not given".
- A ``oneof`` ↔ a union: a dict with exactly the one key that is set.
- ``bytes`` ↔ a base64 string (a blob in AWS JSON).
- A wrapper message (one field, ``values``, repeated or a map) ↔ the plain list or dict
  it wraps; protogen wraps containers that protobuf cannot nest or put in a ``oneof``.

Requests (:func:`to_params`) walk the operation's input shape beside the message, because
only the model knows which lists are required (an empty required list is sent, an empty
optional one is left out) and which strings an enum's values stand for. Replies
(:func:`from_result`) need only the descriptors.

proto3 cannot tell an empty repeated field from an absent one, so a request cannot send an
empty optional list (AWS's way of clearing ``engagements``, say).
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from google.protobuf.descriptor import (  # type: ignore[import-untyped]
    Descriptor,
    EnumDescriptor,
    FieldDescriptor,
)
from google.protobuf.message import Message  # type: ignore[import-untyped]

from tocsin.gateway.awsmodel import ServiceModel, Shape, parse_timestamp
from tocsin.shared.errors import ValidationError

__all__ = ["enum_value_name", "from_result", "to_params"]

TIMESTAMP = "google.protobuf.Timestamp"
WRAPPED_FIELD = "values"

_CONTAINERS = ("list", "map")

M = TypeVar("M", bound=Message)


def _snake(name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()


@functools.cache
def enum_value_name(enum: str, value: str) -> str:
    """The protobuf name of the model's enum value: ``("SortOrder", "ASCENDING")`` →
    ``SORT_ORDER_ASCENDING``; the same rule as ``tools/protogen.py``."""
    return f"{_snake(enum)}_{_snake(value)}".upper()


# --- requests: message → params --------------------------------------------------------


def to_params(message: Message, shape: Shape, model: ServiceModel) -> dict[str, Any]:
    """The AWS-shaped input of a request ``message`` whose model shape is ``shape``.

    Unset optional fields, empty optional repeated fields, unset oneofs and enum fields
    left at ``*_UNSPECIFIED`` are omitted; required plain fields are always included,
    so the model's validation sees exactly what the caller sent.

    Raises:
        ValidationError: an enum field holds a number the enum does not define.
    """
    return _structure_to_dict(message, shape, model, "")


def _structure_to_dict(
    message: Message, shape: Shape, model: ServiceModel, path: str
) -> dict[str, Any]:
    fields = _fields_by_json_name(message.DESCRIPTOR)
    required = set(shape.required)
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        field = fields[name]
        member_shape = model.shape(member.shape)
        where = f"{path}.{name}" if path else name
        value = getattr(message, field.name)
        if _is_repeated(field):
            if not value and name not in required:
                continue
        elif field.has_presence and not message.HasField(field.name):
            continue
        converted = _to_json(value, member_shape, field, model, where)
        if converted is not _OMIT:
            out[name] = converted
    return out


_OMIT: Any = object()
"""An enum left at ``*_UNSPECIFIED``: the member was not given."""


def _to_json(
    value: Any, shape: Shape, field: FieldDescriptor, model: ServiceModel, path: str
) -> Any:
    """``value`` (the Python value of ``field``, or of one of its elements) as JSON."""
    kind = shape.type
    if kind in _CONTAINERS:
        if isinstance(value, Message):  # a wrapper
            field = value.DESCRIPTOR.fields_by_name[WRAPPED_FIELD]
            value = getattr(value, WRAPPED_FIELD)
        if kind == "list":
            assert shape.member is not None
            item_shape = model.shape(shape.member)
            return [
                _element(v, item_shape, field, model, f"{path}.{i}") for i, v in enumerate(value, 1)
            ]
        assert shape.value is not None
        value_shape = model.shape(shape.value)
        value_field = field.message_type.fields_by_name["value"]
        return {
            k: _element(v, value_shape, value_field, model, f"{path}.{k}")
            for k, v in sorted(value.items())
        }
    if kind == "structure":
        return _structure_to_dict(value, shape, model, path)
    if kind == "timestamp":
        return value.seconds + value.nanos / 1e9
    if shape.enum is not None:
        if value == 0:
            return _OMIT
        return _enum_to_json(value, shape, field.enum_type, path)
    if kind == "blob":
        return base64.b64encode(value).decode("ascii")
    return value


def _element(
    value: Any, shape: Shape, field: FieldDescriptor, model: ServiceModel, path: str
) -> Any:
    """A list element or map value; an ``*_UNSPECIFIED`` enum there cannot be left out."""
    converted = _to_json(value, shape, field, model, path)
    if converted is _OMIT:
        assert shape.enum is not None
        raise ValidationError(_enum_violation(value, shape, path))
    return converted


def _enum_to_json(number: int, shape: Shape, enum: EnumDescriptor, path: str) -> str:
    described = enum.values_by_number.get(number)
    assert shape.enum is not None
    by_name = {enum_value_name(shape.name, v): v for v in shape.enum}
    if described is None or described.name not in by_name:
        raise ValidationError(_enum_violation(number, shape, path))
    return by_name[described.name]


def _enum_violation(number: int, shape: Shape, path: str) -> str:
    assert shape.enum is not None
    return (
        f"1 validation error detected: Value '{number}' at '{path}' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{', '.join(shape.enum)}]"
    )


# --- replies: result → message ---------------------------------------------------------


def from_result(result: Mapping[str, Any], message_cls: type[M]) -> M:
    """The reply ``message_cls`` built from a service's AWS-shaped ``result``.

    Members the message does not have and null members are ignored.

    Raises:
        ValueError: a value does not fit its field (a service's bug, not the caller's).
    """
    message: M = message_cls()
    _fill(message, result, "")
    return message


def _fill(message: Message, data: Mapping[str, Any], path: str) -> None:
    if not isinstance(data, Mapping):
        raise ValueError(
            f"{path or message.DESCRIPTOR.name}: expected an object, got {type(data).__name__}"
        )
    fields = _fields_by_json_name(message.DESCRIPTOR)
    for key, value in data.items():
        field = fields.get(key)
        if field is None or value is None:
            continue
        where = f"{path}.{key}" if path else key
        _set(message, field, value, where)


def _set(message: Message, field: FieldDescriptor, value: Any, path: str) -> None:
    target = getattr(message, field.name)
    if _is_map(field):
        if not isinstance(value, Mapping):
            raise ValueError(f"{path}: expected an object, got {type(value).__name__}")
        value_field = field.message_type.fields_by_name["value"]
        for k, v in value.items():
            if v is None:
                continue
            if value_field.message_type is not None:
                _set_message(target[k], v, f"{path}.{k}")
            else:
                target[k] = _scalar(v, value_field, f"{path}.{k}")
    elif _is_repeated(field):
        if not isinstance(value, list | tuple):
            raise ValueError(f"{path}: expected a list, got {type(value).__name__}")
        for i, v in enumerate(value, 1):
            if v is None:
                continue
            if field.message_type is not None:
                _set_message(target.add(), v, f"{path}.{i}")
            else:
                target.append(_scalar(v, field, f"{path}.{i}"))
    elif field.message_type is not None:
        _set_message(target, value, path)
    else:
        setattr(message, field.name, _scalar(value, field, path))


def _set_message(target: Message, value: Any, path: str) -> None:
    descriptor = target.DESCRIPTOR
    if descriptor.full_name == TIMESTAMP:
        try:
            seconds = parse_timestamp(value)
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"{path}: not a timestamp: {value!r}") from exc
        whole = math.floor(seconds)
        nanos = round((seconds - whole) * 1e9)
        if nanos >= 1_000_000_000:
            whole, nanos = whole + 1, 0
        target.seconds = whole
        target.nanos = nanos
    elif _is_wrapper(descriptor):
        _set(target, descriptor.fields_by_name[WRAPPED_FIELD], value, path)
    else:
        _fill(target, value, path)
    target.SetInParent()  # an empty structure ({}) is still set: EmptyChatChannel


def _scalar(value: Any, field: FieldDescriptor, path: str) -> Any:
    enum = field.enum_type
    if enum is not None:
        if not isinstance(value, str):
            raise ValueError(f"{path}: expected a {enum.name} string, got {value!r}")
        described = enum.values_by_name.get(enum_value_name(enum.name, value))
        if described is None:
            raise ValueError(f"{path}: {value!r} is not a {enum.name}")
        return described.number
    if field.type == FieldDescriptor.TYPE_BYTES and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"{path}: not base64: {value!r}") from exc
    return value


# --- descriptors -----------------------------------------------------------------------


@functools.cache
def _fields_by_json_name(descriptor: Descriptor) -> dict[str, FieldDescriptor]:
    return {f.json_name: f for f in descriptor.fields}


@functools.cache
def _is_repeated(field: FieldDescriptor) -> bool:
    repeated = getattr(field, "is_repeated", None)  # protobuf ≥ 6.30; ``label`` before
    if repeated is None:
        return bool(field.label == FieldDescriptor.LABEL_REPEATED)
    return bool(repeated)


@functools.cache
def _is_map(field: FieldDescriptor) -> bool:
    message = field.message_type
    return _is_repeated(field) and message is not None and message.GetOptions().map_entry


@functools.cache
def _is_wrapper(descriptor: Descriptor) -> bool:
    """A message protogen made to hold a nested list or map: one field, ``values``."""
    fields = descriptor.fields
    return len(fields) == 1 and fields[0].name == WRAPPED_FIELD and _is_repeated(fields[0])
