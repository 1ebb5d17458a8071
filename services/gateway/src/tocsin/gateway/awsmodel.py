"""The API models Tocsin serves: AWS's, read from botocore's own data files, and its own.

``ssm-incidents``, ``ssm-contacts`` and ``ssm`` are loaded once per process from the
``service-2.json.gz`` files that ship inside the ``botocore`` distribution (``ssm`` cut down
to the operations Tocsin serves, :data:`SUBSETS`, and the shapes they reach); ``tocsin``
(Tocsin's own operations: event rules, integration keys, ...) from
``models/tocsin/<version>/service-2.json`` in the repository, the same file SDKs load with
``AWS_DATA_PATH=<repo>/models``. Nothing in this module is a hand-copied list of
operations or constraints. Only the data files are read: importing botocore's client
machinery would cost tens of megabytes of RSS that the gateway does not need.

The model drives three things:

- :func:`validate_input` checks an operation's input the way AWS does on the server
  side (required members, JSON types, ``min``/``max``, ``enum``, ``pattern``, unions)
  and raises :class:`~tocsin.shared.errors.ValidationError` with AWS's message format.
- :func:`normalize_input` turns a validated input into what the services receive:
  modelled members only, no nulls, timestamps as epoch seconds.
- :func:`serialize_output` keeps only the output shape's members of a service's reply
  and renders timestamps as epoch seconds, which botocore's parsers accept.

Patterns follow Smithy semantics: they are ECMAScript regular expressions and are *not*
implicitly anchored, so they are applied with search semantics (``regex.search``), and a
trailing ``$`` means the end of the input (not "before a final newline", as in Python).
The PyPI ``regex`` package is used because several patterns use ``\\p{L}``-style classes.

**Partition rewrite.** Tocsin's ARNs use the deployment's partition
(``TOCSIN_ARN_PARTITION``, ``tocsin`` by default:
``arn:tocsin:ssm-incidents::000000000000:response-plan/x``), while the models' ARN
patterns only allow AWS partitions: ``arn:aws(-cn|-us-gov)?:...`` in ssm-incidents and
``arn:(aws|aws-cn|aws-us-gov):...`` in ssm-contacts. A model is loaded for a partition,
and those partition alternations are widened to also accept it (see
:func:`enforced_pattern`); ARNs with AWS partitions stay valid, so tooling that carries
real AWS ARNs keeps working. Error messages quote the pattern actually enforced.
"""

from __future__ import annotations

import base64
import binascii
import functools
import gzip
import importlib.resources
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import regex  # type: ignore[import-untyped]

from tocsin.gateway.clients import SSM_OWNERS
from tocsin.shared import timestamps
from tocsin.shared.arns import AWS_PARTITIONS, DEFAULT_PARTITION
from tocsin.shared.errors import ValidationError

__all__ = [
    "APIS",
    "MODELS_DIR",
    "OWN_APIS",
    "SUBSETS",
    "Member",
    "Operation",
    "ServiceModel",
    "Shape",
    "compile_pattern",
    "enforced_pattern",
    "load",
    "normalize_input",
    "parse_timestamp",
    "read_model",
    "serialize_output",
    "subset",
    "validate_input",
]

BOTOCORE_APIS: Mapping[str, str] = {
    "ssm-incidents": "data/ssm-incidents/2018-05-10/service-2.json.gz",
    "ssm-contacts": "data/ssm-contacts/2021-05-03/service-2.json.gz",
    "ssm": "data/ssm/2014-11-06/service-2.json.gz",
    "cloudtrail": "data/cloudtrail/2013-11-01/service-2.json.gz",
}
"""Each served AWS API and its model file inside the ``botocore`` package (of
``cloudtrail`` the gateway serves ``LookupEvents`` alone, from its audit trail)."""

SUBSETS: Mapping[str, frozenset[str]] = {"ssm": frozenset(SSM_OWNERS)}
"""The APIs Tocsin serves only in part, and the operations it serves of each: the rest of
the model (``ssm`` has 150 operations about fleets, patches and parameters) is dropped
when it is read, so an unserved operation is an unknown one."""

MODELS_DIR = Path(__file__).resolve().parents[5] / "models"
"""The repository's ``models/`` folder, in botocore's loader layout
(``<api>/<version>/service-2.json``): what ``AWS_DATA_PATH`` names for SDKs."""

OWN_APIS: Mapping[str, str] = {"tocsin": "tocsin/2026-12-01/service-2.json"}
"""Tocsin's own APIs and their model files under :data:`MODELS_DIR`."""

APIS: frozenset[str] = frozenset((*BOTOCORE_APIS, *OWN_APIS))
"""Every API the gateway serves; each is also the signing name its requests carry."""

MAX_REPORTED_ERRORS = 10
"""AWS lists at most this many constraint violations in one ValidationException."""

PATTERN_TIMEOUT = 0.05
"""Seconds one pattern match may take; a slower match counts as a mismatch."""

LIST_LIMITS: Mapping[str, int] = {
    "StagesList": 30,
    "TargetsList": 50,
    "CoverageTimes": 168,
    "DailySettings": 48,
    "WeeklySettings": 168,
    "MonthlySettings": 62,
    "ShiftCoveragesMap": 7,
    "OverrideList": 200,
    # ssm: runbooks' documents and OpsItems
    "DocumentRequiresList": 100,
    "DocumentFilterList": 50,
    "DocumentKeyValuesFilterValues": 50,
    "OpsItemOperationalData": 100,
    "OpsItemOpsDataKeysList": 100,
    "OpsItemNotifications": 50,
    "RelatedOpsItems": 100,
    "OpsItemFilters": 50,
    "OpsItemFilterValues": 50,
    "OpsItemRelatedItemsFilters": 50,
    "OpsItemRelatedItemsFilterValues": 50,
    # cloudtrail LookupEvents (AWS takes one attribute: more is its own error)
    "LookupAttributesList": 50,
}
"""Tocsin's maxima for the lists and maps the models leave unbounded (README, "Decisions
where the AWS API is silent"): far above what a person configures, far below what would
overflow a NATS message."""

_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


@dataclass(frozen=True, slots=True)
class Member:
    """A member of a structure shape."""

    name: str
    """The member's name in the model, which is also its JSON key."""
    shape: str
    """Name of the member's shape."""
    location: str | None = None
    """``uri``, ``querystring`` or ``header`` for rest-json HTTP bindings; None: the body."""
    location_name: str = ""
    """The label, query key or header name when ``location`` is set."""
    idempotency_token: bool = False
    """Whether SDKs fill the member with a fresh UUID when the caller leaves it out."""


@dataclass(frozen=True, slots=True)
class Shape:
    """A shape of the model, with the traits the gateway uses (no documentation)."""

    name: str
    type: str
    """``structure``, ``list``, ``map``, ``string``, ``integer``, ``long``, ``double``,
    ``float``, ``boolean``, ``timestamp`` or ``blob``."""
    members: dict[str, Member] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    union: bool = False
    member: str | None = None
    """List item shape."""
    key: str | None = None
    """Map key shape."""
    value: str | None = None
    """Map value shape."""
    min: float | None = None
    max: float | None = None
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    """The pattern the gateway enforces: the model's, its ARN partitions widened to the
    deployment's (:func:`enforced_pattern`); quoted in error messages."""
    compiled: Any = None
    """:attr:`pattern` compiled by :func:`compile_pattern`."""
    exception: bool = False
    fault: bool = False
    """A server-side error (``InternalServerException``)."""
    http_status: int | None = None
    """The error's ``httpStatusCode`` (ssm-incidents models it; ssm-contacts does not)."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of an API and its HTTP binding."""

    name: str
    http_method: str
    request_uri: str
    response_code: int
    """Success status: 200, 201 or 204 (ssm-contacts always answers 200)."""
    input_shape: str | None
    output_shape: str | None
    error_shapes: tuple[str, ...]
    idempotent: bool = False


@dataclass(frozen=True, slots=True)
class ServiceModel:
    """One AWS API as botocore models it."""

    api: str
    """``ssm-incidents``, ``ssm-contacts`` or ``tocsin``."""
    protocol: str
    """``rest-json`` or ``json``."""
    signing_name: str
    target_prefix: str | None
    """``SSMContacts`` or ``Tocsin`` for the JSON 1.1 APIs: ``X-Amz-Target:
    <prefix>.<Operation>``."""
    api_version: str
    operations: dict[str, Operation]
    shapes: dict[str, Shape]

    def shape(self, name: str) -> Shape:
        """The shape called ``name``."""
        return self.shapes[name]

    def error_shape(self, code: str) -> Shape | None:
        """The modelled error shape for an AWS error code, if the model has one."""
        shape = self.shapes.get(code)
        return shape if shape is not None and shape.exception else None


# --- loading ----------------------------------------------------------------------------


@functools.cache
def load(api: str, partition: str = DEFAULT_PARTITION) -> ServiceModel:
    """The model of ``api`` (``ssm-incidents``, ``ssm-contacts``, ``ssm`` or ``tocsin``), read once
    per process, its ARN patterns accepting ``partition`` as well as AWS's.

    Raises:
        KeyError: ``api`` is not one Tocsin serves.
    """
    raw = read_model(api)
    metadata = raw["metadata"]
    shapes = {name: _shape(name, spec, partition) for name, spec in raw["shapes"].items()}
    operations = {name: _operation(name, spec) for name, spec in raw["operations"].items()}
    return ServiceModel(
        api=api, protocol=metadata["protocol"],
        signing_name=metadata.get("signingName", metadata["endpointPrefix"]),
        target_prefix=metadata.get("targetPrefix"), api_version=metadata["apiVersion"],
        operations=operations, shapes=shapes)


def read_model(api: str) -> dict[str, Any]:
    """The raw ``service-2.json`` of ``api``, as botocore's loader would read it.

    Raises:
        KeyError: ``api`` is not one Tocsin serves.
    """
    if api in OWN_APIS:
        raw: dict[str, Any] = json.loads((MODELS_DIR / OWN_APIS[api]).read_text("utf-8"))
        return raw
    resource = importlib.resources.files("botocore") / BOTOCORE_APIS[api]
    raw = json.loads(gzip.decompress(resource.read_bytes()))
    if api in SUBSETS:
        raw = subset(raw, SUBSETS[api])
    return raw


def subset(raw: dict[str, Any], operations: frozenset[str]) -> dict[str, Any]:
    """``raw`` with only ``operations`` and the shapes their inputs, outputs and errors
    reach (the model's order kept, so generated protobuf numbering stays stable).

    Raises:
        KeyError: an operation is not in the model.
    """
    ops = {name: raw["operations"][name] for name in raw["operations"] if name in operations}
    missing = operations - set(ops)
    if missing:
        raise KeyError(f"not in the model: {sorted(missing)}")
    reached: set[str] = set()
    pending = [ref["shape"] for spec in ops.values()
               for ref in (spec.get("input"), spec.get("output"), *spec.get("errors", ()))
               if ref]
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        spec = raw["shapes"][name]
        refs = [*spec.get("members", {}).values(), spec.get("member"), spec.get("key"),
                spec.get("value")]
        pending += [ref["shape"] for ref in refs if ref]
    shapes = {name: spec for name, spec in raw["shapes"].items() if name in reached}
    return {**raw, "operations": ops, "shapes": shapes}


def _shape(name: str, spec: dict[str, Any], partition: str) -> Shape:
    members = {
        mname: Member(name=mname, shape=m["shape"], location=m.get("location"),
                      location_name=m.get("locationName", mname),
                      idempotency_token=bool(m.get("idempotencyToken")))
        for mname, m in spec.get("members", {}).items()
    }
    pattern = spec.get("pattern")
    if pattern is not None:
        pattern = enforced_pattern(pattern, partition)
    error = spec.get("error") or {}
    return Shape(
        name=name, type=spec["type"], members=members,
        required=tuple(spec.get("required", ())), union=bool(spec.get("union")),
        member=spec.get("member", {}).get("shape"), key=spec.get("key", {}).get("shape"),
        value=spec.get("value", {}).get("shape"), min=spec.get("min"), max=spec.get("max"),
        enum=tuple(spec["enum"]) if "enum" in spec else None, pattern=pattern,
        compiled=_compiled_or_none(name, pattern),
        exception=bool(spec.get("exception")), fault=bool(spec.get("fault")),
        http_status=error.get("httpStatusCode"))


def _compiled_or_none(name: str, pattern: str | None) -> Any:
    """The compiled pattern; None (not enforced) for the few that spell UTF-16 surrogate
    ranges (cloudtrail's ``PartitionKeyName``), which no Python regex can compile and no
    operation Tocsin serves uses."""
    if pattern is None:
        return None
    try:
        return compile_pattern(pattern, partition=None)
    except regex.error:
        return None


def _operation(name: str, spec: dict[str, Any]) -> Operation:
    http = spec.get("http", {})
    return Operation(
        name=name, http_method=http.get("method", "POST"),
        request_uri=http.get("requestUri", "/"), response_code=http.get("responseCode", 200),
        input_shape=spec.get("input", {}).get("shape"),
        output_shape=spec.get("output", {}).get("shape"),
        error_shapes=tuple(e["shape"] for e in spec.get("errors", ())),
        idempotent=bool(spec.get("idempotent")))


# --- patterns ---------------------------------------------------------------------------

# ``arn:aws`` optionally followed by a ``(-cn|-us-gov)?``-style suffix group.
_AWS_SUFFIXED = regex.compile(r"arn:aws(\((?:-[a-z-]+\|?)+\)\?)?(?=:)")
# ``arn:(aws|aws-cn|aws-us-gov)``: a group listing partitions.
_AWS_GROUP = regex.compile(r"arn:\(((?:\?:)?aws(?:-[a-z-]+)?(?:\|aws(?:-[a-z-]+)?)*)\)")


def enforced_pattern(pattern: str, partition: str = DEFAULT_PARTITION) -> str:
    """A model pattern with its AWS partition alternation widened to ``partition``.

    With ``tocsin``:

    - ``arn:aws(-cn|-us-gov)?:`` becomes ``arn:(?:aws(-cn|-us-gov)?|tocsin):``;
    - ``arn:(aws|aws-cn|aws-us-gov):`` becomes ``arn:(aws|aws-cn|aws-us-gov|tocsin):``.

    An AWS partition (``aws``) needs no widening: the pattern stays the model's.
    """
    if partition in AWS_PARTITIONS:
        return pattern
    source = _AWS_GROUP.sub(lambda m: f"arn:({m.group(1)}|{partition})", pattern)
    if source == pattern:
        source = _AWS_SUFFIXED.sub(
            lambda m: f"arn:(?:aws{m.group(1) or ''}|{partition})", pattern)
    return str(source)


def compile_pattern(pattern: str, *, partition: str | None = DEFAULT_PARTITION) -> Any:
    """Compile a model pattern with Smithy semantics and the deployment's partition.

    - partition alternations are widened by :func:`enforced_pattern` (unless ``partition``
      is None: ``pattern`` is already the enforced one);
    - a final unescaped ``$`` becomes ``\\Z`` (ECMAScript: end of input, no newline).

    The result is used with ``search``: Smithy patterns are not implicitly anchored.
    """
    source = pattern if partition is None else enforced_pattern(pattern, partition)
    if source.endswith("$") and not _escaped_at(source, len(source) - 1):
        source = source[:-1] + r"\Z"
    return regex.compile(source)


def _escaped_at(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _matches(shape: Shape, value: str) -> bool:
    try:
        if len(value) <= _REMEMBERED_LENGTH:
            return _remembered_match(shape.compiled, value)
        return _search(shape.compiled, value)
    except TimeoutError:
        return False


_REMEMBERED_LENGTH = 256
"""Values this short have their match remembered: the same ARNs and names come back call
after call, and a search with a timeout costs more than the rest of a validation. A
search that timed out raises, so it is not remembered."""


@functools.lru_cache(maxsize=4096)
def _remembered_match(compiled: Any, value: str) -> bool:
    return _search(compiled, value)


def _search(compiled: Any, value: str) -> bool:
    """Raises TimeoutError when the search takes longer than :data:`PATTERN_TIMEOUT`."""
    return compiled.search(value, timeout=PATTERN_TIMEOUT) is not None


# --- timestamps -------------------------------------------------------------------------


def parse_timestamp(value: Any) -> float:
    """Epoch seconds from an epoch number, an ISO-8601 string or an aware ``datetime``.

    Raises:
        ValueError: the value is none of those.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a timestamp")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return float(value)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            pass
        moment = datetime.fromisoformat(text)
    else:
        raise ValueError(f"{type(value).__name__} is not a timestamp")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


# --- validation -------------------------------------------------------------------------


class _Violations:
    """Constraint violations found in one input, in AWS's wording."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        """(member path, full violation sentence)."""

    def add(self, path: str, value: Any, constraint: str) -> None:
        self.items.append((path, f"Value {_render(value)}at '{path}' failed to satisfy "
                                 f"constraint: {constraint}"))


def _render(value: Any) -> str:
    if value is None:
        return "null "
    if isinstance(value, bool):
        return f"'{'true' if value else 'false'}' "
    if isinstance(value, str | int | float):
        text = str(value).replace("\x00", "\\u0000")  # never echo a NUL
        return f"'{text if len(text) <= 256 else text[:256] + '...'}' "
    return ""


def validate_input(model: ServiceModel, operation: str, params: dict[str, Any]) -> None:
    """Check ``params`` against the input shape of ``operation``, as AWS does on its side.

    Members not in the model are ignored. Paths name nested members with dots
    (``incidentTemplate.title``) and list items by 1-based position
    (``relatedItems.1.title``); map values are named by key (``tags.team``).

    Raises:
        ValidationError: AWS's ``N validation error(s) detected: Value 'x' at 'path'
            failed to satisfy constraint: ...`` message; ``reason`` is
            ``FIELD_VALIDATION_FAILED`` and ``fields`` lists ``{"name", "message"}``
            per violation (ssm-contacts returns them as ``Reason``/``Fields``).
            ``reason`` is ``UNKNOWN_OPERATION`` when the operation does not exist.
    """
    op = model.operations.get(operation)
    if op is None:
        raise ValidationError(f"Unknown operation {operation!r} for {model.api}",
                              reason="UNKNOWN_OPERATION")
    if op.input_shape is None:
        return
    found = _Violations()
    if not isinstance(params, dict):
        found.add("", params, "Member must be an object")
    else:
        _check_structure(model, model.shape(op.input_shape), params, "", found)
    if found.items:
        count = len(found.items)
        shown = found.items[:MAX_REPORTED_ERRORS]
        noun = "error" if count == 1 else "errors"
        message = f"{count} validation {noun} detected: " + "; ".join(m for _, m in shown)
        raise ValidationError(
            message, reason="FIELD_VALIDATION_FAILED",
            fields=[{"name": path, "message": m} for path, m in shown])


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _check_structure(model: ServiceModel, shape: Shape, value: dict[str, Any], path: str,
                     found: _Violations) -> None:
    for name in shape.required:
        if value.get(name) is None:
            found.add(_join(path, name), None, "Member must not be null")
    if shape.union:
        present = [n for n in shape.members if value.get(n) is not None]
        if len(present) != 1:
            found.add(path or shape.name, value,
                      f"Member must have exactly one of its members set "
                      f"({', '.join(shape.members)}); {len(present)} set")
    for name, member in shape.members.items():
        item = value.get(name)
        if item is not None:
            _check(model, model.shape(member.shape), item, _join(path, name), found)


def _check(model: ServiceModel, shape: Shape, value: Any, path: str,
           found: _Violations) -> None:
    kind = shape.type
    if kind == "structure":
        if not isinstance(value, dict):
            found.add(path, value, "Member must be an object")
            return
        _check_structure(model, shape, value, path, found)
    elif kind == "list":
        if not isinstance(value, list):
            found.add(path, value, "Member must be a list")
            return
        _check_size(shape, len(value), value, path, found)
        if _over_limit(shape, len(value), path, found):
            return
        assert shape.member is not None
        item_shape = model.shape(shape.member)
        for i, item in enumerate(value, start=1):
            if item is None:
                found.add(f"{path}.{i}", None, "Member must not be null")
            else:
                _check(model, item_shape, item, f"{path}.{i}", found)
    elif kind == "map":
        if not isinstance(value, dict):
            found.add(path, value, "Member must be an object")
            return
        _check_size(shape, len(value), value, path, found)
        if _over_limit(shape, len(value), path, found):
            return
        assert shape.key is not None and shape.value is not None
        key_shape, value_shape = model.shape(shape.key), model.shape(shape.value)
        for key, item in value.items():
            key_errors = _Violations()
            _check(model, key_shape, key, path, key_errors)
            for _, sentence in key_errors.items:
                constraint = sentence.split("failed to satisfy constraint: ", 1)[1]
                found.add(path, key, f"Map keys must satisfy constraint: [{constraint}]")
            if item is None:
                found.add(f"{path}.{key}", None, "Member must not be null")
            else:
                _check(model, value_shape, item, f"{path}.{key}", found)
    elif kind == "string":
        if not isinstance(value, str):
            found.add(path, value, "Member must be a string")
            return
        _check_length(shape, len(value), value, path, found)
        if "\x00" in value:
            found.add(path, value, "Member must not contain the NUL character (\\u0000)")
        if shape.enum is not None and value not in shape.enum:
            found.add(path, value,
                      f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        if shape.compiled is not None and not _matches(shape, value):
            found.add(path, value,
                      f"Member must satisfy regular expression pattern: {shape.pattern}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            found.add(path, value, f"Member must be an {kind}" if kind == "integer"
                      else "Member must be a long")
            return
        low, high = _INT_RANGE[kind]
        _check_range(shape, value, path, found, low, high)
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, float) and not math.isfinite(value)):
            found.add(path, value, "Member must be a number")
            return
        _check_range(shape, value, path, found, None, None)
    elif kind == "boolean":
        if not isinstance(value, bool):
            found.add(path, value, "Member must be a boolean")
    elif kind == "timestamp":
        try:
            seconds = parse_timestamp(value)
        except (ValueError, OverflowError):
            found.add(path, value,
                      "Member must be a timestamp (epoch seconds or an ISO-8601 string)")
            return
        if not timestamps.in_range(seconds):
            found.add(path, value, f"Member must be a timestamp {timestamps.RANGE_TEXT}")
    elif kind == "blob":
        if not isinstance(value, str):
            found.add(path, value, "Member must be a base64-encoded string")
            return
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            found.add(path, None, "Member must be a base64-encoded string")
            return
        _check_length(shape, len(data), None, path, found)


def _check_length(shape: Shape, length: int, value: Any, path: str,
                  found: _Violations) -> None:
    if shape.min is not None and length < shape.min:
        found.add(path, value, f"Member must have length greater than or equal to "
                               f"{_num(shape.min)}")
    if shape.max is not None and length > shape.max:
        found.add(path, value, f"Member must have length less than or equal to "
                               f"{_num(shape.max)}")


def _check_size(shape: Shape, size: int, value: Any, path: str, found: _Violations) -> None:
    _check_length(shape, size, None, path, found)


def _over_limit(shape: Shape, size: int, path: str, found: _Violations) -> bool:
    """Whether a list or map the model leaves unbounded exceeds Tocsin's own maximum
    (its items are then not checked one by one)."""
    limit = LIST_LIMITS.get(shape.name) if shape.max is None else None
    if limit is None or size <= limit:
        return False
    found.add(path, None, f"Member must have length less than or equal to {limit}")
    return True


def _check_range(shape: Shape, value: float, path: str, found: _Violations,
                 low: float | None, high: float | None) -> None:
    minimum = shape.min if shape.min is not None else low
    maximum = shape.max if shape.max is not None else high
    if minimum is not None and value < minimum:
        found.add(path, value, f"Member must have value greater than or equal to "
                               f"{_num(minimum)}")
    if maximum is not None and value > maximum:
        found.add(path, value, f"Member must have value less than or equal to "
                               f"{_num(maximum)}")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# --- normalizing inputs and outputs -----------------------------------------------------


def normalize_input(model: ServiceModel, operation: str,
                    params: dict[str, Any]) -> dict[str, Any]:
    """A validated input as the services receive it.

    Only modelled members are kept, null members are dropped, and timestamps become
    epoch seconds (botocore already sends numbers; other clients may send ISO-8601).
    """
    op = model.operations[operation]
    if op.input_shape is None:
        return {}
    result: dict[str, Any] = _convert(model, model.shape(op.input_shape), params, False)
    return result


def serialize_output(model: ServiceModel, operation: str, output: Any) -> dict[str, Any]:
    """A service's reply reduced to the output shape, timestamps as epoch seconds."""
    op = model.operations[operation]
    if op.output_shape is None or not isinstance(output, dict):
        return {}
    result: dict[str, Any] = _convert(model, model.shape(op.output_shape), output, False)
    return result


def serialize_error_fields(model: ServiceModel, shape: Shape,
                           fields: Mapping[str, Any]) -> dict[str, Any]:
    """An error's extra fields under the error shape's member names.

    Tocsin errors name their fields in camelCase (``resourceIdentifier``,
    ``resourceType``, ``reason``, ``fields``); each model names them its own way
    (``ResourceId``, ``ResourceType``, ``Reason``, ``Fields``). Names are matched
    without regard to case, nested structures too, and unmodelled fields are dropped.
    """
    aliases = {"resourceidentifier": "resourceid", "resourceid": "resourceidentifier"}
    lowered = {k.lower(): v for k, v in fields.items()}
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        if name.lower() == "message":
            continue
        key = name.lower()
        value = lowered.get(key, lowered.get(aliases.get(key, ""), None))
        if value is not None:
            out[name] = _convert(model, model.shape(member.shape), value, True)
    return out


def _convert(model: ServiceModel, shape: Shape, value: Any, loose: bool) -> Any:
    kind = shape.type
    if kind == "structure":
        if not isinstance(value, dict):
            return value
        if loose:
            value = {k.lower(): v for k, v in value.items()}
        out = {}
        for name, member in shape.members.items():
            item = value.get(name.lower() if loose else name)
            if item is not None:
                out[name] = _convert(model, model.shape(member.shape), item, loose)
        return out
    if kind == "list" and isinstance(value, list):
        assert shape.member is not None
        item_shape = model.shape(shape.member)
        return [_convert(model, item_shape, v, loose) for v in value if v is not None]
    if kind == "map" and isinstance(value, dict):
        assert shape.value is not None
        value_shape = model.shape(shape.value)
        return {k: _convert(model, value_shape, v, loose) for k, v in value.items()
                if v is not None}
    if kind == "timestamp":
        try:
            seconds = parse_timestamp(value)
        except (ValueError, OverflowError):
            return value
        return int(seconds) if seconds.is_integer() else seconds
    return value
