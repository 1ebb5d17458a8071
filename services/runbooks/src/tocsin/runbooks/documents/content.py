"""A document's content: its text in JSON or YAML, and the object that text describes.

:func:`parse` reads what CreateDocument/UpdateDocument receive; :func:`render` writes the
content back in the format GetDocument's ``DocumentFormat`` asks for. YAML is read with
PyYAML's safe loader and three departures that keep the object what the author meant and
JSON can carry:

- ``schemaVersion: 0.3`` left unquoted stays the string ``"0.3"`` (YAML would read the
  float ``0.3``, and ``0.30`` would then become ``"0.3"``): the classic trap of
  Automation documents written in YAML.
- Mapping keys are their text as written (``on:`` is the key ``"on"``, not ``True``).
- Timestamps stay strings (``Timestamp: 2026-01-01T00:00:00Z`` for ``aws:sleep``).

Content that JSON cannot carry is refused: ``NaN``/``Infinity`` in JSON, and YAML whose
aliases make it recursive or expand it past :data:`MAX_ELEMENTS` values (a few kilobytes
of anchors can stand for billions of them).
"""

from __future__ import annotations

import json
from typing import Any, Literal

import yaml  # type: ignore[import-untyped]

from tocsin.runbooks.errors import InvalidDocumentContent

__all__ = ["Format", "parse", "render"]

Format = Literal["JSON", "YAML"]
"""The content formats a document may be written and read in (``TEXT`` is for document
types Tocsin does not store)."""

_STR_TAG = "tag:yaml.org,2002:str"

MAX_ELEMENTS = 100_000
"""The most values (maps, lists and scalars, counted as if written out) a document may
hold; far more than a 64 KB document written without aliases can."""


class _Loader(yaml.SafeLoader):  # type: ignore[misc]
    """The safe loader with the departures listed in the module docstring."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key_node.tag = _STR_TAG
                if key_node.value == "schemaVersion" and isinstance(value_node, yaml.ScalarNode):
                    value_node.tag = _STR_TAG
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


# Without the implicit timestamp resolver, such scalars resolve to plain strings.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Dumper(yaml.SafeDumper):  # type: ignore[misc]
    """The safe dumper, writing multi-line strings (scripts, Markdown) as ``|`` blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar(_STR_TAG, value, style=style)


_Dumper.add_representer(str, _represent_str)


def parse(text: str, format: str) -> dict[str, Any]:
    """The object ``text`` describes, read as ``format`` (``JSON`` or ``YAML``).

    Raises:
        InvalidDocumentContent: the text is not well-formed in that format, or does not
            describe an object (a mapping) at its top.
    """
    if format == "JSON":
        try:
            content = json.loads(text, parse_constant=_no_constant)
        except ValueError as exc:
            raise InvalidDocumentContent(
                f"The content is not valid JSON: {exc}") from None
    elif format == "YAML":
        try:
            content = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise InvalidDocumentContent(
                f"The content is not valid YAML: {_yaml_problem(exc)}") from None
    else:
        raise InvalidDocumentContent(
            f"The document format {format!r} is not supported for this document; use JSON or "
            "YAML")
    if not isinstance(content, dict):
        raise InvalidDocumentContent(
            f"The content must be a {format} object (a mapping of keys such as schemaVersion "
            f"and mainSteps), not {_kind(content)}")
    _check_size(content)
    return content


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_size(content: dict[str, Any]) -> None:
    """Refuse content that is recursive or too large once its YAML aliases are expanded."""
    count = 0
    pending: list[tuple[Any, int]] = [(content, 0)]
    while pending:
        value, depth = pending.pop()
        count += 1
        if count > MAX_ELEMENTS or depth > 100:
            raise InvalidDocumentContent(
                "The content is too large or too deeply nested once its aliases are expanded "
                f"(at most {MAX_ELEMENTS} values, 100 levels)")
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)


def render(content: dict[str, Any], format: str) -> str:
    """``content`` written as ``format`` (``JSON`` or ``YAML``), keys in their order.

    Raises:
        ValueError: ``format`` is neither.
    """
    if format == "JSON":
        return json.dumps(content, indent=2, ensure_ascii=False)
    if format == "YAML":
        text: str = yaml.dump(content, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                              default_flow_style=False, width=4096)
        return text
    raise ValueError(f"cannot render a document as {format!r}")


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        where = exc.problem_mark
        problem = exc.problem or exc.context or "malformed"
        if where is not None:
            return f"{problem} (line {where.line + 1}, column {where.column + 1})"
        return str(problem)
    return str(exc)


def _kind(value: Any) -> str:
    if value is None:
        return "empty content"
    if isinstance(value, list):
        return "a list"
    return f"the single value {json.dumps(value) if not isinstance(value, str) else repr(value)}"
