"""Matching a compiled pattern against an event, with EventBridge's array rules.

The event is flattened into leaves: each string, number, boolean or null with its dotted path
(``detail.state``; as in EventBridge a key containing dots is the same path as the nesting it
spells) and the array elements it sits in. Only the paths the pattern names are visited.

An event array matches when any element matches; when fields of a pattern reach into objects
inside an array, EventBridge only combines values from the same array element: in
``{"employees": [{"first": "Anna", "last": "Smith"}, {"first": "Peter", "last": "Jones"}]}``
the pattern ``{"employees": {"first": ["Anna"], "last": ["Jones"]}}`` does not match. The
fields of a branch are tried in path order, each value narrowing the array elements the later
fields may use; ``{"exists": false}`` holds when no value of its path is left in the elements
chosen so far — the same walk the reference implementation makes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from tocsin.incidents.event_rules.eventpattern.compiler import Branch
from tocsin.incidents.event_rules.eventpattern.values import FieldTest

__all__ = ["EventPattern"]

Membership = tuple[tuple[int, int], ...]
"""The (array id, element index) pairs of the arrays a leaf sits in, outermost first."""

Constraints = dict[int, int]
Leaves = dict[str, list[tuple[Any, Membership]]]


class _Flattener:
    """Collects the leaves of the named paths of one event."""

    __slots__ = ("leaves", "next_array", "prefixes", "wanted")

    def __init__(self, wanted: frozenset[str], prefixes: frozenset[str]) -> None:
        self.wanted = wanted
        self.prefixes = prefixes
        self.leaves: Leaves = defaultdict(list)
        self.next_array = 0

    def visit(self, node: Any, path: str, membership: Membership) -> None:
        if isinstance(node, Mapping):
            for key, child in node.items():
                child_path = f"{path}.{key}" if path else str(key)
                if child_path in self.prefixes:
                    self.visit(child, child_path, membership)
        elif isinstance(node, list | tuple):
            array = self.next_array
            self.next_array += 1
            for index, element in enumerate(node):
                self.visit(element, path, (*membership, (array, index)))
        elif path in self.wanted:
            self.leaves[path].append((node, membership))


def _narrow(constraints: Constraints, membership: Membership) -> Constraints | None:
    """The constraints with the leaf's elements added, or None if it is in another element."""
    narrowed: Constraints | None = None
    for array, index in membership:
        chosen = constraints.get(array)
        if chosen is None:
            if narrowed is None:
                narrowed = dict(constraints)
            narrowed[array] = index
        elif chosen != index:
            return None
    return constraints if narrowed is None else narrowed


def _consistent(constraints: Constraints, membership: Membership) -> bool:
    return all(constraints.get(array, index) == index for array, index in membership)


class EventPattern:
    """A compiled EventBridge event pattern; compile once with ``compile_pattern``, reuse.

    Immutable and safe to share between tasks.
    """

    __slots__ = ("_branches", "_prefixes", "_wanted")

    def __init__(self, branches: list[Branch]) -> None:
        self._branches: tuple[tuple[tuple[str, FieldTest], ...], ...] = tuple(
            tuple(sorted(branch.items())) for branch in branches)
        wanted = {path for branch in branches for path in branch}
        prefixes: set[str] = set()
        for path in wanted:
            parts = path.split(".")
            prefixes.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
        self._wanted = frozenset(wanted)
        self._prefixes = frozenset(prefixes)

    @property
    def paths(self) -> frozenset[str]:
        """The dotted event paths the pattern looks at."""
        return self._wanted

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether the event (an EventBridge-shaped JSON object, decoded) matches."""
        flattener = _Flattener(self._wanted, self._prefixes)
        flattener.visit(event, "", ())
        leaves = flattener.leaves
        return any(_match_fields(fields, 0, leaves, {}) for fields in self._branches)

    def __repr__(self) -> str:
        return f"EventPattern(paths={sorted(self._wanted)!r}, branches={len(self._branches)})"


def _match_fields(fields: tuple[tuple[str, FieldTest], ...], position: int, leaves: Leaves,
                  constraints: Constraints) -> bool:
    if position == len(fields):
        return True
    path, test = fields[position]
    found = leaves.get(path, ())
    if test.absent and not any(_consistent(constraints, membership)
                               for _, membership in found):
        if _match_fields(fields, position + 1, leaves, constraints):
            return True
    for value, membership in found:
        narrowed = _narrow(constraints, membership)
        if narrowed is None or not test.accepts(value):
            continue
        if _match_fields(fields, position + 1, leaves, narrowed):
            return True
    return False
