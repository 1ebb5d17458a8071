"""EventBridge event patterns: the language Tocsin's event rules route alarm events with.

``compile_pattern(pattern)`` validates a pattern (JSON text or decoded mapping) and returns an
:class:`EventPattern`; ``EventPattern.matches(event)`` tells whether an event matches. Compile
once per rule and match many events: all parsing, validation and set building happen at
compile time.

The whole language of EventBridge event buses is implemented: exact strings, numbers,
booleans and null (an event array matches when any element does, with array-consistent
matching of objects inside arrays); ``prefix``, ``suffix`` and their ``equals-ignore-case``
forms; ``equals-ignore-case``; ``wildcard`` with its escapes and complexity limit;
``anything-but`` with a value, a list, or a ``prefix`` / ``suffix`` / ``equals-ignore-case`` /
``wildcard`` form; ``numeric`` comparisons and ranges; ``exists``; ``cidr`` for IPv4 and IPv6;
``$or``, nested; and the reference implementation's undocumented ``exactly``. Semantics and
validation follow aws/event-ruler, the library EventBridge is built on.

Where EventBridge publishes no number, Tocsin chooses: the wildcard complexity limit is
:data:`MAX_WILDCARD_COMPLEXITY` (measured on characters, where event-ruler counts UTF-8 bytes
of the quoted value) and ``$or`` may expand to at most :data:`MAX_BRANCHES` alternatives.
Numbers are IEEE 754 doubles over their whole range, as in current event-ruler; the guide
still states the older limit of -5.0e9..+5.0e9 with six decimal places, which Tocsin does not
impose (it accepts larger bounds and tells apart numbers closer than 1e-6). Case-insensitive
matching folds character by character. The length limit of a rule's pattern text belongs
to the API that receives it, not here.

Why Tocsin has its own implementation: no maintained Python library covers the language.
The PyPI package ``event-ruler`` (last released in 2023) wraps the Go library quamina, which
lacks numeric ranges and CIDR matching, behind a one-shot test function; moto's matcher covers
a subset; LocalStack's is part of an emulator far too large to depend on for one module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tocsin.incidents.event_rules.eventpattern.compiler import (
    MAX_BRANCHES,
    MAX_WILDCARD_COMPLEXITY,
    compile_branches,
)
from tocsin.incidents.event_rules.eventpattern.matching import EventPattern

__all__ = ["MAX_BRANCHES", "MAX_WILDCARD_COMPLEXITY", "EventPattern", "compile_pattern"]


def compile_pattern(pattern: str | Mapping[str, Any]) -> EventPattern:
    """Validate and compile an event pattern.

    Raises :class:`tocsin.shared.errors.ValidationError` (``ValidationException``) whose
    message gives the reason and the place in the pattern, as EventBridge words it, e.g.
    ``Event pattern is not valid. Reason: empty arrays are not allowed (at detail.state)``.
    """
    return EventPattern(compile_branches(pattern))
