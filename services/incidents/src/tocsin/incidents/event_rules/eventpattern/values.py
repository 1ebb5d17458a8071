"""How one value of an event is tested against the match values of one pattern field.

A field of a pattern lists match values; the event value matches the field when any of them
matches (an event array matches when any element does, which the caller arranges by testing
each element). Exact strings, numbers, booleans and null are looked up in sets; every other
operator is a small predicate. The type rules are EventBridge's: string operators (prefix,
suffix, equals-ignore-case, wildcard, cidr) only match strings, ``numeric`` only matches JSON
numbers, and ``anything-but`` matches any present value of any type that it does not exclude.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tocsin.incidents.event_rules.eventpattern import addresses, wildcard

__all__ = ["FieldTest", "Predicate", "comparable", "fold_case"]

Predicate = Callable[[Any], bool]


def comparable(value: Any) -> float | None:
    """The value as a double when it is a JSON number EventBridge can compare, else None.

    EventBridge compares numbers as IEEE 754 doubles and treats a number that a double cannot
    represent exactly (an integer beyond 2**53, a decimal with too many digits) as not
    comparable: it then only matches an identical exact value.
    """
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is int:
        try:
            as_float = float(value)
        except OverflowError:
            return None
        return as_float if as_float == value else None
    if kind is Decimal:
        if not value.is_finite():
            return None
        as_float = float(value)
        if not math.isfinite(as_float) or Decimal(repr(as_float)) != value:
            return None
        return as_float
    return None


def as_decimal(value: Any) -> Decimal | None:
    """A JSON number (not a boolean) as an exact decimal, for values doubles cannot hold."""
    kind = type(value)
    if kind is int or kind is Decimal:
        return Decimal(value)
    if kind is float and math.isfinite(value):
        return Decimal(repr(value))
    return None


def _fold_char(char: str) -> str:
    upper = char.upper()
    if len(upper) == 1:
        char = upper
    lower = char.lower()
    return lower if len(lower) == 1 else char


def fold_case(text: str) -> str:
    """``text`` with each character case-folded to one character, so lengths are kept.

    Case-insensitive comparison is character by character, as in the reference
    implementation, so a prefix or suffix of the folded value is the folded prefix or suffix.
    """
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(char) for char in text)


@dataclass(slots=True)
class FieldTest:
    """Everything one pattern field accepts, compiled for fast repeated use."""

    strings: set[str] = field(default_factory=set)
    numbers: set[float] = field(default_factory=set)
    exact_decimals: set[Decimal] = field(default_factory=set)
    address_ranges: list[addresses.AddressRange] = field(default_factory=list)
    true: bool = False
    false: bool = False
    null: bool = False
    exists: bool = False
    absent: bool = False
    predicates: list[Predicate] = field(default_factory=list)
    wildcards: list[wildcard.Segments] = field(default_factory=list)
    """Wildcard values (plain and anything-but), kept for the complexity check."""

    def accepts(self, value: Any) -> bool:
        """Whether a present event value (never an object or array) matches this field."""
        if self.exists:
            return True
        kind = type(value)
        if kind is str:
            if value in self.strings:
                return True
            if self.address_ranges:
                address = addresses.parse_address(value)
                if address is not None and any(r.contains(address) for r in self.address_ranges):
                    return True
        elif kind is bool:
            if (self.true and value) or (self.false and not value):
                return True
        elif value is None:
            if self.null:
                return True
        elif self.numbers or self.exact_decimals:
            number = comparable(value)
            if number is not None:
                if number in self.numbers:
                    return True
            elif self.exact_decimals and as_decimal(value) in self.exact_decimals:
                return True
        return any(predicate(value) for predicate in self.predicates)


# --- the predicates: each one match value of a non-exact operator -------------------------


def prefix(text: str) -> Predicate:
    return lambda value: type(value) is str and value.startswith(text)


def suffix(text: str) -> Predicate:
    return lambda value: type(value) is str and value.endswith(text)


def prefix_ignore_case(text: str) -> Predicate:
    folded = fold_case(text)
    return lambda value: type(value) is str and fold_case(value).startswith(folded)


def suffix_ignore_case(text: str) -> Predicate:
    folded = fold_case(text)
    return lambda value: type(value) is str and fold_case(value).endswith(folded)


def equals_ignore_case(text: str) -> Predicate:
    folded = fold_case(text)
    return lambda value: type(value) is str and fold_case(value) == folded


def wildcard_match(segments: wildcard.Segments) -> Predicate:
    return lambda value: type(value) is str and wildcard.matches(segments, value)


def numeric_range(low: float | None, low_open: bool,
                  high: float | None, high_open: bool) -> Predicate:
    def test(value: Any) -> bool:
        number = comparable(value)
        if number is None:
            return False
        if low is not None and (number <= low if low_open else number < low):
            return False
        return high is None or (number < high if high_open else number <= high)
    return test


def anything_but_strings(excluded: frozenset[str]) -> Predicate:
    return lambda value: not (type(value) is str and value in excluded)


def anything_but_numbers(excluded: frozenset[float]) -> Predicate:
    def test(value: Any) -> bool:
        number = comparable(value)
        return number is None or number not in excluded
    return test


def anything_but_ignore_case(excluded: frozenset[str]) -> Predicate:
    folded = frozenset(fold_case(text) for text in excluded)
    return lambda value: not (type(value) is str and fold_case(value) in folded)


def anything_but_prefix(excluded: tuple[str, ...]) -> Predicate:
    return lambda value: not (type(value) is str and value.startswith(excluded))


def anything_but_suffix(excluded: tuple[str, ...]) -> Predicate:
    return lambda value: not (type(value) is str and value.endswith(excluded))


def anything_but_wildcard(excluded: tuple[wildcard.Segments, ...]) -> Predicate:
    return lambda value: not (
        type(value) is str and any(wildcard.matches(segments, value) for segments in excluded))
