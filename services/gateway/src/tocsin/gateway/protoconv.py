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
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar

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
#
# Both directions are compiled once per message type (and, for requests, per model shape)
# into a plan of plain closures: a call then reads and writes its fields without asking
# the descriptors or the model anything (descriptor attributes are slow to read).

Read = Callable[[Any, str], Any]
"""Converts a field's Python value to JSON; the second argument is its path (errors)."""


class _Member(NamedTuple):
    name: str
    """The model's member name (the field's JSON name)."""
    field: str
    repeated: bool
    skip_empty: bool
    """Repeated and optional: left out when empty."""
    presence: bool
    """Left out when not set (``HasField``)."""
    read: Read | None
    """None: the value as it is."""


def to_params(message: Message, shape: Shape, model: ServiceModel) -> dict[str, Any]:
    """The AWS-shaped input of a request ``message`` whose model shape is ``shape``.

    Unset optional fields, empty optional repeated fields, unset oneofs and enum fields
    left at ``*_UNSPECIFIED`` are omitted; required plain fields are always included,
    so the model's validation sees exactly what the caller sent.

    Raises:
        ValidationError: an enum field holds a number the enum does not define.
    """
    return _read_structure(message, _members(message.DESCRIPTOR, shape, model), "")


def _read_structure(message: Message, members: tuple[_Member, ...], path: str
                    ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in members:
        value = getattr(message, m.field)
        if m.repeated:
            if m.skip_empty and not value:
                continue
        elif m.presence and not message.HasField(m.field):
            continue
        if m.read is None:
            out[m.name] = value
            continue
        converted = m.read(value, f"{path}.{m.name}" if path else m.name)
        if converted is not _OMIT:
            out[m.name] = converted
    return out


_MEMBERS: dict[tuple[int, str, str], tuple[ServiceModel, tuple[_Member, ...]]] = {}
"""(model, shape, message type) → the model (kept, so its id stays its own) and the plan."""


def _members(descriptor: Descriptor, shape: Shape, model: ServiceModel
             ) -> tuple[_Member, ...]:
    key = (id(model), shape.name, descriptor.full_name)
    held = _MEMBERS.get(key)
    if held is None:
        fields = _fields_by_json_name(descriptor)
        required = set(shape.required)
        plan = []
        for name, member in shape.members.items():
            field = fields[name]
            repeated = _is_repeated(field)
            plan.append(_Member(
                name=name, field=field.name, repeated=repeated,
                skip_empty=repeated and name not in required,
                presence=not repeated and bool(field.has_presence),
                read=_reader(model.shape(member.shape), field, model)))
        held = _MEMBERS[key] = (model, tuple(plan))
    return held[1]


_OMIT: Any = object()
"""An enum left at ``*_UNSPECIFIED``: the member was not given."""


def _reader(shape: Shape, field: FieldDescriptor, model: ServiceModel) -> Read | None:
    """How a value of ``field`` (or one of its elements) whose shape is ``shape`` becomes
    JSON; None when it is already."""
    kind = shape.type
    if kind in _CONTAINERS:
        wrapped = not _is_repeated(field)  # a wrapper message around the container
        if wrapped:
            field = field.message_type.fields_by_name[WRAPPED_FIELD]
        if kind == "list":
            assert shape.member is not None
            item = _element_reader(model.shape(shape.member), field, model)

            def read_list(value: Any, path: str) -> Any:
                if wrapped:
                    value = getattr(value, WRAPPED_FIELD)
                if item is None:
                    return list(value)
                return [item(v, f"{path}.{i}") for i, v in enumerate(value, 1)]

            return read_list
        assert shape.value is not None
        value_read = _element_reader(model.shape(shape.value),
                                     field.message_type.fields_by_name["value"], model)

        def read_map(value: Any, path: str) -> Any:
            if wrapped:
                value = getattr(value, WRAPPED_FIELD)
            if value_read is None:
                return dict(sorted(value.items()))
            return {k: value_read(v, f"{path}.{k}") for k, v in sorted(value.items())}

        return read_map
    if kind == "structure":
        descriptor = field.message_type

        def read_structure(value: Any, path: str) -> Any:
            # Looked up when first read, not while planning: shapes may nest themselves.
            return _read_structure(value, _members(descriptor, shape, model), path)

        return read_structure
    if kind == "timestamp":
        return lambda value, path: value.seconds + value.nanos / 1e9
    if shape.enum is not None:
        by_number = _enum_strings(shape, field.enum_type)

        def read_enum(value: Any, path: str) -> Any:
            if value == 0:
                return _OMIT
            found = by_number.get(value)
            if found is None:
                raise ValidationError(_enum_violation(value, shape, path))
            return found

        return read_enum
    if kind == "blob":
        return lambda value, path: base64.b64encode(value).decode("ascii")
    return None


def _element_reader(shape: Shape, field: FieldDescriptor, model: ServiceModel
                    ) -> Read | None:
    """A list element's or map value's reader; an ``*_UNSPECIFIED`` enum there cannot be
    left out."""
    read = _reader(shape, field, model)
    if read is None or shape.enum is None:
        return read
    inner = read

    def read_element(value: Any, path: str) -> Any:
        converted = inner(value, path)
        if converted is _OMIT:
            raise ValidationError(_enum_violation(value, shape, path))
        return converted

    return read_element


def _enum_strings(shape: Shape, enum: EnumDescriptor) -> dict[int, str]:
    """Enum number → the model's string, for the values both define."""
    assert shape.enum is not None
    by_name = {enum_value_name(shape.name, v): v for v in shape.enum}
    return {number: by_name[value.name] for number, value in enum.values_by_number.items()
            if value.name in by_name}


def _enum_violation(number: int, shape: Shape, path: str) -> str:
    assert shape.enum is not None
    return (
        f"1 validation error detected: Value '{number}' at '{path}' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{', '.join(shape.enum)}]"
    )


# --- replies: result → message ---------------------------------------------------------

Write = Callable[[Message, Any, str], None]
"""Sets a field of the message from a JSON value; the third argument is its path."""


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
    writers = _writers(message.DESCRIPTOR)
    for key, value in data.items():
        write = writers.get(key)
        if write is None or value is None:
            continue
        write(message, value, f"{path}.{key}" if path else key)


@functools.cache
def _writers(descriptor: Descriptor) -> dict[str, Write]:
    """JSON name → how a value of that member is set on a ``descriptor`` message."""
    return {name: _writer(field) for name, field in _fields_by_json_name(descriptor).items()}


def _writer(field: FieldDescriptor) -> Write:
    name = field.name
    if _is_map(field):
        value_field = field.message_type.fields_by_name["value"]
        into = _message_writer(value_field.message_type) if value_field.message_type \
            is not None else None
        scalar = _scalar_writer(value_field)

        def write_map(message: Message, value: Any, path: str) -> None:
            if not isinstance(value, Mapping):
                raise ValueError(f"{path}: expected an object, got {type(value).__name__}")
            target = getattr(message, name)
            for k, v in value.items():
                if v is None:
                    continue
                if into is not None:
                    into(target[k], v, f"{path}.{k}")
                else:
                    target[k] = scalar(v, f"{path}.{k}")

        return write_map
    if _is_repeated(field):
        into = _message_writer(field.message_type) if field.message_type is not None \
            else None
        scalar = _scalar_writer(field)

        def write_list(message: Message, value: Any, path: str) -> None:
            if not isinstance(value, list | tuple):
                raise ValueError(f"{path}: expected a list, got {type(value).__name__}")
            target = getattr(message, name)
            for i, v in enumerate(value, 1):
                if v is None:
                    continue
                if into is not None:
                    into(target.add(), v, f"{path}.{i}")
                else:
                    target.append(scalar(v, f"{path}.{i}"))

        return write_list
    if field.message_type is not None:
        into_message = _message_writer(field.message_type)
        return lambda message, value, path: into_message(getattr(message, name), value, path)
    scalar = _scalar_writer(field)
    return lambda message, value, path: setattr(message, name, scalar(value, path))


def _message_writer(descriptor: Descriptor) -> Callable[[Message, Any, str], None]:
    """Fills a message field (``target``, the message itself) from a JSON value."""
    if descriptor.full_name == TIMESTAMP:
        return _write_timestamp
    if _is_wrapper(descriptor):
        values = _writer(descriptor.fields_by_name[WRAPPED_FIELD])

        def write_wrapper(target: Message, value: Any, path: str) -> None:
            values(target, value, path)
            target.SetInParent()

        return write_wrapper

    def write_structure(target: Message, value: Any, path: str) -> None:
        _fill(target, value, path)
        target.SetInParent()  # an empty structure ({}) is still set: EmptyChatChannel

    return write_structure


def _write_timestamp(target: Message, value: Any, path: str) -> None:
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


def _scalar_writer(field: FieldDescriptor) -> Callable[[Any, str], Any]:
    enum = field.enum_type
    if enum is not None:
        numbers = {value.name: value.number for value in enum.values}
        enum_name = enum.name

        def enum_number(value: Any, path: str) -> Any:
            if not isinstance(value, str):
                raise ValueError(f"{path}: expected a {enum_name} string, got {value!r}")
            number = numbers.get(enum_value_name(enum_name, value))
            if number is None:
                raise ValueError(f"{path}: {value!r} is not a {enum_name}")
            return number

        return enum_number
    if field.type == FieldDescriptor.TYPE_BYTES:
        def blob(value: Any, path: str) -> Any:
            if not isinstance(value, str):
                return value
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError(f"{path}: not base64: {value!r}") from exc

        return blob
    return lambda value, path: value


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
