"""Write Tocsin's ``.proto`` files from botocore service models.

``python tools/protogen.py`` reads the ssm-incidents, ssm-contacts and ssm models that ship
with botocore (ssm cut down to the operations Tocsin serves, as the gateway's model is:
``tocsin.gateway.awsmodel.SUBSETS``), and Tocsin's own model
(``models/tocsin/<version>/service-2.json``), and writes one ``.proto`` file for each
(``proto/tocsin/proto/incidents/v1/incidents.proto``, ...): one ``rpc`` per operation and
one message per structure, so the gRPC API mirrors the model member for member. The output
depends only on the model, so regenerating it is a no-op unless the model changed.

The mapping:

=======================  ==========================================================
model                    protobuf
=======================  ==========================================================
operation ``Op``         ``rpc Op(OpRequest) returns (OpResponse)``; the input and
                         output shapes are renamed, an absent output is an empty message
structure                message, with the first sentence of its documentation
union structure          message holding one ``oneof``
member ``fooBarArn``     field ``foo_bar_arn`` (``json_name`` set where protoc's own
                         camel-casing would not give the member name back)
optional scalar member   ``optional`` field, so presence survives
required member          plain field
list / map               ``repeated`` / ``map<string, V>``
list or map as a list    wrapper message named after the model's list or map shape,
element, map value or    holding ``values`` (protobuf cannot nest containers, nor put
union member             one in a ``oneof``)
timestamp                ``google.protobuf.Timestamp``
integer / long           ``int32`` / ``int64``
string enum ``Foo``      ``enum Foo { FOO_UNSPECIFIED = 0; FOO_<VALUE> = n; }``
=======================  ==========================================================

Field numbers follow the order of the members in the model; enum numbers follow the
order of the values.
"""

from __future__ import annotations

import argparse
import gzip
import html
import importlib.resources
import json
import re
import sys
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tocsin.gateway.awsmodel import SUBSETS, subset

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    """Where one AWS API's protobuf definitions go."""

    api: str
    """botocore's service name."""
    version: str
    """The model's API version (its folder in botocore's data)."""
    package: str
    """The protobuf package."""
    service: str
    """The protobuf service name."""
    path: str
    """The ``.proto`` file, relative to the repository root."""


TARGETS: dict[str, Target] = {
    "ssm-incidents": Target(
        api="ssm-incidents",
        version="2018-05-10",
        package="tocsin.incidents.v1",
        service="Incidents",
        path="proto/tocsin/proto/incidents/v1/incidents.proto",
    ),
    "ssm-contacts": Target(
        api="ssm-contacts",
        version="2021-05-03",
        package="tocsin.contacts.v1",
        service="Contacts",
        path="proto/tocsin/proto/contacts/v1/contacts.proto",
    ),
    "ssm": Target(
        api="ssm",
        version="2014-11-06",
        package="tocsin.ssm.v1",
        service="SSM",
        path="proto/tocsin/proto/ssm/v1/ssm.proto",
    ),
    "tocsin": Target(
        api="tocsin",
        version="2026-12-01",
        package="tocsin.api.v1",
        service="Tocsin",
        path="proto/tocsin/proto/api/v1/tocsin.proto",
    ),
}

OWN_MODELS = ROOT / "models"
"""Tocsin's own models, in botocore's loader layout; an API found here is not botocore's."""

SCALARS: dict[str, str] = {
    "string": "string",
    "integer": "int32",
    "long": "int64",
    "boolean": "bool",
    "float": "float",
    "double": "double",
    "blob": "bytes",
    "timestamp": "google.protobuf.Timestamp",
}
"""Protobuf types of the model's non-container shape types."""

WRAPPED_FIELD = "values"
"""The one field of a wrapper message."""

COMMENT_WIDTH = 96
SUMMARY_LIMIT = 240


class ModelError(Exception):
    """The model holds something this generator cannot map faithfully."""


def load_model(api: str, version: str) -> dict[str, Any]:
    """The ``service-2.json`` of ``api``: Tocsin's own under ``models/``, else botocore's."""
    own = OWN_MODELS / api / version / "service-2.json"
    if own.exists():
        own_model: dict[str, Any] = json.loads(own.read_text(encoding="utf-8"))
        return own_model
    path = importlib.resources.files("botocore") / f"data/{api}/{version}/service-2.json.gz"
    model: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    if api in SUBSETS:
        model = subset(model, SUBSETS[api])
    return model


def snake_case(name: str) -> str:
    """``incidentRecordArn`` → ``incident_record_arn``; ``SSEKey`` → ``sse_key``."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()


def upper_snake(name: str) -> str:
    """``IncidentRecordStatus`` → ``INCIDENT_RECORD_STATUS``; ``ssm-incidents`` → ``SSM_INCIDENTS``.

    The gateway's ``protoconv.enum_value_name`` applies the same rule.
    """
    return snake_case(name).upper()


def protoc_json_name(field: str) -> str:
    """The JSON name protoc derives from a field name (``ToJsonName`` in protoc's source)."""
    out: list[str] = []
    upper_next = False
    for char in field:
        if char == "_":
            upper_next = True
        else:
            out.append(char.upper() if upper_next else char)
            upper_next = False
    return "".join(out)


def summary(documentation: str | None) -> str:
    """The first sentence of a model documentation string, as plain text."""
    if not documentation:
        return ""
    text = re.sub(r"<[^>]+>", " ", documentation)
    text = " ".join(html.unescape(text).split())
    text = re.sub(r" (?=[.,;:!?)])", "", text)
    match = re.search(r"(?<![ .]e\.g)(?<![ .]i\.e)[.!?](?=\s+[A-Z(]|$)", text)
    if match:
        text = text[: match.end()]
    if len(text) > SUMMARY_LIMIT:
        text = text[: SUMMARY_LIMIT - 1].rsplit(" ", 1)[0] + "…"
    return text


def comment(text: str, indent: str) -> list[str]:
    """``text`` as ``//`` comment lines."""
    if not text:
        return []
    return [f"{indent}// {line}" for line in textwrap.wrap(text, COMMENT_WIDTH - len(indent))]


class Generator:
    """Turns one model into one ``.proto`` file."""

    def __init__(self, model: dict[str, Any], target: Target) -> None:
        self.model = model
        self.target = target
        self.shapes: dict[str, dict[str, Any]] = model["shapes"]
        self.renamed: dict[str, str] = {}
        """Operation input/output shape → ``<Op>Request`` / ``<Op>Response``."""
        for op, spec in model["operations"].items():
            for key, suffix in (("input", "Request"), ("output", "Response")):
                if key in spec:
                    self.renamed[spec[key]["shape"]] = op + suffix
        self.structures: set[str] = set()
        self.wrappers: set[str] = set()
        self.enums: set[str] = {n for n, s in self.shapes.items() if "enum" in s}
        self.uses_timestamp = False

    # -- types -------------------------------------------------------------------------

    def message_name(self, shape: str) -> str:
        return self.renamed.get(shape, shape)

    def element_type(self, shape_name: str) -> str:
        """The protobuf type of a value that stands alone: a list element or map value."""
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            self.structures.add(shape_name)
            return self.message_name(shape_name)
        if kind in ("list", "map"):
            self.wrappers.add(shape_name)
            self.container_type(shape_name)  # reach what the wrapper holds
            return shape_name
        if "enum" in shape:
            return shape_name
        if kind == "timestamp":
            self.uses_timestamp = True
        try:
            return SCALARS[kind]
        except KeyError:
            raise ModelError(f"shape {shape_name!r} has unsupported type {kind!r}") from None

    def container_type(self, shape_name: str) -> str:
        """A list or map shape as ``repeated T`` / ``map<string, T>``."""
        shape = self.shapes[shape_name]
        if shape["type"] == "list":
            return f"repeated {self.element_type(shape['member']['shape'])}"
        key = self.shapes[shape["key"]["shape"]]
        if key["type"] != "string":
            raise ModelError(f"map {shape_name!r} has non-string keys")
        return f"map<string, {self.element_type(shape['value']['shape'])}>"

    def field_type(self, shape_name: str, *, required: bool, in_oneof: bool) -> str:
        shape = self.shapes[shape_name]
        if shape["type"] in ("list", "map") and not in_oneof:
            return self.container_type(shape_name)
        proto = self.element_type(shape_name)
        scalar = shape["type"] not in ("structure", "list", "map", "timestamp")
        if scalar and not required and not in_oneof:
            return f"optional {proto}"
        return proto

    # -- rendering ---------------------------------------------------------------------

    def render_field(
        self,
        member: str,
        spec: dict[str, Any],
        number: int,
        *,
        required: bool,
        in_oneof: bool,
        indent: str,
    ) -> list[str]:
        name = snake_case(member)
        options = []
        if protoc_json_name(name) != member:
            options.append(f'json_name = "{member}"')
        if spec.get("deprecated"):
            options.append("deprecated = true")
        suffix = f" [{', '.join(options)}]" if options else ""
        kind = self.field_type(spec["shape"], required=required, in_oneof=in_oneof)
        return [
            *comment(summary(spec.get("documentation")), indent),
            f"{indent}{kind} {name} = {number}{suffix};",
        ]

    def render_structure(
        self, shape_name: str, name: str = "", doc_fallback: str = ""
    ) -> list[str]:
        shape = self.shapes.get(shape_name, {"members": {}})
        name = name or self.message_name(shape_name)
        members: dict[str, Any] = shape.get("members", {})
        required = set(shape.get("required", ()))
        fields = [snake_case(m) for m in members]
        if len(set(fields)) != len(fields):
            raise ModelError(f"members of {shape_name!r} collide in snake_case: {fields}")
        if fields == [WRAPPED_FIELD] and self.shapes[members[WRAPPED_FIELD]["shape"]]["type"] in (
            "list",
            "map",
        ):
            raise ModelError(f"structure {shape_name!r} would look like a wrapper message")
        lines = [
            *comment(summary(shape.get("documentation")) or doc_fallback, ""),
            f"message {name} {{",
        ]
        body: list[str] = []
        if shape.get("union"):
            oneof = snake_case(name)
            if oneof in fields:
                raise ModelError(f"oneof {oneof!r} collides with a member of {shape_name!r}")
            body.append(f"  oneof {oneof} {{")
            for number, (member, spec) in enumerate(members.items(), 1):
                body += self.render_field(
                    member, spec, number, required=False, in_oneof=True, indent="    "
                )
            body.append("  }")
        else:
            for number, (member, spec) in enumerate(members.items(), 1):
                body += self.render_field(
                    member, spec, number, required=member in required, in_oneof=False, indent="  "
                )
        return [*lines, *body, "}"]

    def render_wrapper(self, shape_name: str) -> list[str]:
        shape = self.shapes[shape_name]
        what = "list" if shape["type"] == "list" else "map"
        doc = summary(shape.get("documentation")) or (
            f"The model's {shape_name} {what}, wrapped: protobuf cannot nest a {what} in a "
            f"{what}, a map or a oneof."
        )
        return [
            *comment(doc, ""),
            f"message {shape_name} {{",
            f"  {self.container_type(shape_name)} {WRAPPED_FIELD} = 1;",
            "}",
        ]

    def render_shape(self, shape_name: str) -> list[str]:
        """A nested structure or a wrapper message."""
        if shape_name in self.renamed:
            raise ModelError(
                f"{shape_name!r} is an operation's input or output and also nested in another shape"
            )
        if shape_name in self.wrappers:
            return self.render_wrapper(shape_name)
        return self.render_structure(shape_name)

    def render_enum(self, shape_name: str) -> list[str]:
        shape = self.shapes[shape_name]
        prefix = upper_snake(shape_name)
        names = [f"{prefix}_{upper_snake(v)}" for v in shape["enum"]]
        if len(set(names)) != len(names):
            raise ModelError(f"values of enum {shape_name!r} collide: {names}")
        return [
            *comment(summary(shape.get("documentation")), ""),
            f"enum {shape_name} {{",
            f"  {prefix}_UNSPECIFIED = 0;",
            *(f"  {n} = {i};" for i, n in enumerate(names, 1)),
            "}",
        ]

    def render(self) -> str:
        ops: dict[str, Any] = self.model["operations"]
        t = self.target
        service = [
            *comment(summary(self.model.get("documentation")), ""),
            f"service {t.service} {{",
        ]
        for op, spec in ops.items():
            service += comment(summary(spec.get("documentation")), "  ")
            service.append(f"  rpc {op}({op}Request) returns ({op}Response);")
        service.append("}")

        blocks: list[list[str]] = []
        for op, spec in ops.items():
            for key, suffix in (("input", "Request"), ("output", "Response")):
                shape = spec.get(key, {}).get("shape", "")
                blocks.append(self.render_structure(shape, op + suffix, f"{suffix} of {op}."))
        rendered: set[str] = set()
        while pending := (self.structures | self.wrappers) - rendered:
            for shape_name in sorted(pending):  # reach every nested shape first
                rendered.add(shape_name)
                self.render_shape(shape_name)
        blocks += [self.render_shape(name) for name in sorted(rendered)]
        blocks += [self.render_enum(name) for name in sorted(self.enums)]
        names = [*(op + s for op in ops for s in ("Request", "Response")), *rendered, *self.enums]
        if len(set(names)) != len(names):
            raise ModelError("two protobuf types would share a name")

        meta = self.model["metadata"]
        origin = "Tocsin's own" if t.api == "tocsin" else "botocore's"
        head = [
            f"// Generated by tools/protogen.py from {origin} {t.api} model "
            f"({meta['apiVersion']}). Do not edit.",
            f"// The gRPC face of {meta.get('serviceFullName', t.api)}:",
            "// the same operations, members (in snake_case) and enums.",
            "",
            'syntax = "proto3";',
            "",
            f"package {t.package};",
            "",
        ]
        if self.uses_timestamp:
            head += ['import "google/protobuf/timestamp.proto";', ""]
        return "\n".join([*head, *_join([service, *blocks])]) + "\n"


def _join(blocks: Iterable[list[str]]) -> Iterator[str]:
    for i, block in enumerate(blocks):
        if i:
            yield ""
        yield from block


def generate(api: str) -> tuple[Path, str]:
    """The path and text of ``api``'s ``.proto`` file."""
    target = TARGETS[api]
    text = Generator(load_model(target.api, target.version), target).render()
    return ROOT / target.path, text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "apis",
        nargs="*",
        default=sorted(TARGETS),
        help=f"APIs to generate (default: {', '.join(sorted(TARGETS))})",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file is not up to date"
    )
    args = parser.parse_args(argv)
    stale = False
    for api in args.apis:
        path, text = generate(api)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            print(f"{path.relative_to(ROOT)} is out of date", file=sys.stderr)
            stale = True
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
