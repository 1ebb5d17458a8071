"""Reading and validating an event pattern: JSON in, match branches out.

The result of compiling is a list of *branches*, each a mapping from a flattened field path
(``"detail.state"``) to the :class:`FieldTest` its match values compile to. A pattern without
``$or`` has one branch; each ``$or`` forks the branches built so far once per alternative, as
the reference implementation does. A pattern matches an event when any branch matches it.

Validation follows EventBridge (its reference implementation, aws/event-ruler): the pattern is
a non-empty JSON object whose fields are non-empty objects or non-empty arrays of match values;
a match value is a string, number, boolean, null or a one-key object naming an operator with
a well-formed argument. Every error names the offending place in the pattern.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NoReturn

from tocsin.incidents.event_rules.eventpattern import addresses, values, wildcard
from tocsin.incidents.event_rules.eventpattern.values import FieldTest
from tocsin.shared.errors import ValidationError

__all__ = ["MAX_BRANCHES", "MAX_WILDCARD_COMPLEXITY", "Branch", "compile_branches"]

Branch = dict[str, FieldTest]

MAX_WILDCARD_COMPLEXITY = 100
"""Most wildcard prefixes one value of a field may match at once (see :mod:`.wildcard`).

EventBridge rejects rules whose wildcards are too complex without publishing its threshold;
Tocsin uses the reference implementation's measure with this limit.
"""

MAX_BRANCHES = 1000
"""Most alternatives the ``$or`` operators of one pattern may expand to (Tocsin's guard)."""

RESERVED_IN_OR = frozenset({
    "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard",
    "numeric", "cidr", "=", "<", "<=", ">", ">=", "regex", "not-wildcard",
    "not-equals-ignore-case", "date-after", "date-on-or-after", "date-before",
    "date-on-or-before", "in-date-range", "ip-address-in-range", "ip-address-not-in-range",
})
"""Names that may not be field names inside ``$or`` (operators, and words kept for new ones)."""


class _Object:
    """A JSON object as its members in order (duplicate names kept, the last one wins)."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


def _pairs(value: Any) -> list[tuple[Any, Any]]:
    return value.pairs if isinstance(value, _Object) else list(value.items())


def _is_object(value: Any) -> bool:
    return isinstance(value, _Object | Mapping)


def _is_array(value: Any) -> bool:
    return isinstance(value, list | tuple)


def _is_number(value: Any) -> bool:
    return type(value) in (int, float, Decimal)


def _invalid(where: str, reason: str) -> NoReturn:
    place = f" (at {where})" if where else ""
    raise ValidationError(f"Event pattern is not valid. Reason: {reason}{place}")


def _child(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _load(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_Object, parse_float=Decimal,
                          parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        _invalid("", f"not valid JSON: {error.msg} at line {error.lineno} "
                     f"column {error.colno}")
    except ValueError as error:
        _invalid("", f"not valid JSON: {error}")


def compile_branches(pattern: str | Mapping[str, Any]) -> list[Branch]:
    """Validate ``pattern`` and compile it to its branches; ValidationError when invalid."""
    try:
        root = _load(pattern) if isinstance(pattern, str) else pattern
        if not _is_object(root):
            _invalid("", "the event pattern must be a JSON object")
        branches = _object(root, "", [], inside_or=False, where="")
    except RecursionError:
        _invalid("", "the event pattern is nested too deeply")
    _check_wildcard_complexity(branches)
    return branches


def _object(obj: Any, path: str, branches: list[Branch], *, inside_or: bool,
            where: str) -> list[Branch]:
    pairs = _pairs(obj)
    if not pairs:
        _invalid(where, "empty objects are not allowed")
    for key, value in pairs:
        if not isinstance(key, str):
            _invalid(where, f"field names must be strings, not {key!r}")
        here = _child(where, key)
        if key == "$or":
            branches = _or(value, path, branches, where=here)
            continue
        if inside_or and key in RESERVED_IN_OR:
            _invalid(here, f'"{key}" is a reserved word and cannot be a field name inside $or')
        field_path = f"{path}.{key}" if path else key
        if _is_object(value):
            branches = _object(value, field_path, branches, inside_or=inside_or, where=here)
        elif _is_array(value):
            test = _field(value, here)
            branches = [{**branch, field_path: test} for branch in branches or [{}]]
        else:
            _invalid(here, f'"{key}" must be an object or an array')
    return branches


def _or(value: Any, path: str, branches: list[Branch], *, where: str) -> list[Branch]:
    if not _is_array(value):
        _invalid(where, "$or must be followed by an array")
    if len(value) < 2:
        _invalid(where, "$or needs at least 2 objects")
    forked: list[Branch] = []
    for index, alternative in enumerate(value):
        here = f"{where}[{index}]"
        if not _is_object(alternative):
            _invalid(here, "only JSON objects are allowed in the array of $or")
        forked += _object(alternative, path, list(branches) or [{}], inside_or=True, where=here)
        if len(forked) > MAX_BRANCHES:
            _invalid(where, f"rule is too complex: $or expands to more than {MAX_BRANCHES} "
                            "alternatives")
    return forked


def _field(items: Sequence[Any], where: str) -> FieldTest:
    if not items:
        _invalid(where, "empty arrays are not allowed")
    test = FieldTest()
    for index, item in enumerate(items):
        here = f"{where}[{index}]"
        if isinstance(item, str):
            address = addresses.parse_address(item)
            if address is None:
                test.strings.add(item)
            else:
                test.address_ranges.append(addresses.single_address(address))
        elif item is True:
            test.true = True
        elif item is False:
            test.false = True
        elif item is None:
            test.null = True
        elif _is_number(item):
            number = values.comparable(item)
            if number is None:
                test.exact_decimals.add(_decimal(item, here))
            else:
                test.numbers.add(number)
        elif _is_object(item):
            _expression(item, test, here)
        else:
            _invalid(here, "match value must be a string, number, true, false, null or a "
                           "match expression object")
    return test


def _decimal(item: Any, where: str) -> Decimal:
    number = values.as_decimal(item)
    if number is None:
        _invalid(where, f"cannot compare number {item}")
    return number


def _comparable(item: Any, where: str, what: str) -> float:
    if not _is_number(item):
        _invalid(where, f"value of {what} must be numeric")
    number = values.comparable(item)
    if number is None:
        _invalid(where, f"cannot compare number {item}: it is not exactly a 64-bit float")
    return number


def _string(item: Any, where: str, what: str) -> str:
    if not isinstance(item, str):
        _invalid(where, f"{what} match pattern must be a string")
    return item


def _expression(obj: Any, test: FieldTest, where: str) -> None:
    pairs = _pairs(obj)
    if not pairs:
        _invalid(where, "match expression name not found")
    name, argument = pairs[0]
    operator = _OPERATORS.get(name)
    if operator is None:
        _invalid(where, f"unrecognized match type {name}")
    if len(pairs) > 1:
        _invalid(where, "only one key allowed in match expression")
    operator(argument, test, _child(where, name))


def _ignore_case_argument(argument: Any, where: str, what: str) -> str:
    pairs = _pairs(argument)
    if not pairs:
        _invalid(where, f"{what} expression name not found")
    name, text = pairs[0]
    if name != "equals-ignore-case":
        _invalid(where, f"unsupported {what} pattern: {name}")
    if len(pairs) > 1:
        _invalid(where, "only one key allowed in match expression")
    return _string(text, _child(where, name), "equals-ignore-case")


def _exactly(argument: Any, test: FieldTest, where: str) -> None:
    test.strings.add(_string(argument, where, "exact"))


def _prefix(argument: Any, test: FieldTest, where: str) -> None:
    if _is_object(argument):
        text = _ignore_case_argument(argument, where, "prefix")
        test.predicates.append(values.prefix_ignore_case(text))
    else:
        test.predicates.append(values.prefix(_string(argument, where, "prefix")))


def _suffix(argument: Any, test: FieldTest, where: str) -> None:
    if _is_object(argument):
        text = _ignore_case_argument(argument, where, "suffix")
        test.predicates.append(values.suffix_ignore_case(text))
    else:
        test.predicates.append(values.suffix(_string(argument, where, "suffix")))


def _equals_ignore_case(argument: Any, test: FieldTest, where: str) -> None:
    text = _string(argument, where, "equals-ignore-case")
    test.predicates.append(values.equals_ignore_case(text))


def _wildcard_segments(argument: Any, where: str) -> wildcard.Segments:
    text = _string(argument, where, "wildcard")
    try:
        return wildcard.parse(text)
    except wildcard.WildcardSyntaxError as error:
        _invalid(where, f"invalid wildcard {text!r}: {error}")


def _wildcard(argument: Any, test: FieldTest, where: str) -> None:
    segments = _wildcard_segments(argument, where)
    test.predicates.append(values.wildcard_match(segments))
    test.wildcards.append(segments)


def _exists(argument: Any, test: FieldTest, where: str) -> None:
    if argument is True:
        test.exists = True
    elif argument is False:
        test.absent = True
    else:
        _invalid(where, "exists match pattern must be either true or false")


def _cidr(argument: Any, test: FieldTest, where: str) -> None:
    text = _string(argument, where, "cidr")
    try:
        test.address_ranges.append(addresses.cidr_range(text))
    except ValueError as error:
        _invalid(where, f"{error}: {text!r}")


_NUMERIC_LOWER = {">": True, ">=": False}
_NUMERIC_UPPER = {"<": True, "<=": False}


def _numeric(argument: Any, test: FieldTest, where: str) -> None:
    if not _is_array(argument):
        _invalid(where, "value of numeric must be an array")
    terms = list(argument)
    if not terms or not isinstance(terms[0], str):
        _invalid(where, f"invalid member in numeric match: {terms[0] if terms else ']'}")
    operator = terms[0]
    if operator == "=":
        number = _comparable(terms[1] if len(terms) > 1 else None, where, "=")
        if len(terms) > 2:
            _invalid(where, "too many elements in numeric expression")
        test.numbers.add(number)
        return
    if operator in _NUMERIC_UPPER:
        high = _comparable(terms[1] if len(terms) > 1 else None, where, operator)
        if len(terms) > 2:
            _invalid(where, "too many elements in numeric expression")
        test.predicates.append(values.numeric_range(None, False, high,
                                                    _NUMERIC_UPPER[operator]))
        return
    if operator not in _NUMERIC_LOWER:
        _invalid(where, f"unrecognized numeric range operator: {operator}")
    low = _comparable(terms[1] if len(terms) > 1 else None, where, operator)
    low_open = _NUMERIC_LOWER[operator]
    if len(terms) == 2:
        test.predicates.append(values.numeric_range(low, low_open, None, False))
        return
    upper = terms[2]
    if not isinstance(upper, str):
        _invalid(where, f"bad value in numeric range: {upper}")
    if upper not in _NUMERIC_UPPER:
        _invalid(where, f"bad numeric range operator: {upper}")
    high = _comparable(terms[3] if len(terms) > 3 else None, where, upper)
    if len(terms) > 4:
        _invalid(where, "too many terms in numeric range expression")
    if not low < high:
        _invalid(where, "bottom must be less than top")
    test.predicates.append(values.numeric_range(low, low_open, high, _NUMERIC_UPPER[upper]))


_ANYTHING_BUT_FORMS = ("equals-ignore-case", "prefix", "suffix", "wildcard")


def _anything_but(argument: Any, test: FieldTest, where: str) -> None:
    if _is_object(argument):
        _anything_but_form(argument, test, where)
    elif _is_array(argument):
        if not argument:
            _invalid(where, "inside anything-but list, either all values are number or "
                            "string, mixed type is not supported")
        if all(isinstance(item, str) for item in argument):
            test.predicates.append(values.anything_but_strings(frozenset(argument)))
        elif all(_is_number(item) for item in argument):
            excluded = frozenset(_comparable(item, f"{where}[{index}]", "anything-but")
                                 for index, item in enumerate(argument))
            test.predicates.append(values.anything_but_numbers(excluded))
        elif any(not (isinstance(item, str) or _is_number(item)) for item in argument):
            _invalid(where, "inside anything-but list, only strings and numbers are supported")
        else:
            _invalid(where, "inside anything-but list, either all values are number or "
                            "string, mixed type is not supported")
    elif isinstance(argument, str):
        test.predicates.append(values.anything_but_strings(frozenset((argument,))))
    elif _is_number(argument):
        number = _comparable(argument, where, "anything-but")
        test.predicates.append(values.anything_but_numbers(frozenset((number,))))
    else:
        _invalid(where, "value of anything-but must be an array or single string/number value")


def _anything_but_form(argument: Any, test: FieldTest, where: str) -> None:
    pairs = _pairs(argument)
    if not pairs:
        _invalid(where, "anything-but expression name not found")
    form, operand = pairs[0]
    if form not in _ANYTHING_BUT_FORMS:
        _invalid(where, f"unsupported anything-but pattern: {form}")
    if len(pairs) > 1:
        _invalid(where, "only one key allowed in match expression")
    here = _child(where, form)
    items = list(operand) if _is_array(operand) else [operand]
    for index, item in enumerate(items):
        place = f"{here}[{index}]" if _is_array(operand) else here
        if not isinstance(item, str):
            kind = "equals-ignore-case" if form == "equals-ignore-case" else form
            _invalid(place, f"anything-but/{kind} match pattern must be a string")
        if form in ("prefix", "suffix") and not item:
            _invalid(place, f"an empty anything-but/{form} is not allowed")
    texts: list[str] = items
    if form == "equals-ignore-case":
        test.predicates.append(values.anything_but_ignore_case(frozenset(texts)))
    elif form == "prefix":
        test.predicates.append(values.anything_but_prefix(tuple(texts)))
    elif form == "suffix":
        test.predicates.append(values.anything_but_suffix(tuple(texts)))
    else:
        segments = tuple(_wildcard_segments(text, here) for text in texts)
        test.predicates.append(values.anything_but_wildcard(segments))
        test.wildcards.extend(segments)


_OPERATORS = {
    "exactly": _exactly,
    "prefix": _prefix,
    "suffix": _suffix,
    "equals-ignore-case": _equals_ignore_case,
    "wildcard": _wildcard,
    "anything-but": _anything_but,
    "numeric": _numeric,
    "exists": _exists,
    "cidr": _cidr,
}


def _check_wildcard_complexity(branches: list[Branch]) -> None:
    by_path: dict[str, set[wildcard.Segments]] = {}
    for branch in branches:
        for path, test in branch.items():
            if test.wildcards:
                by_path.setdefault(path, set()).update(test.wildcards)
    for path, patterns in sorted(by_path.items()):
        score = wildcard.complexity(sorted(patterns), limit=MAX_WILDCARD_COMPLEXITY)
        if score > MAX_WILDCARD_COMPLEXITY:
            _invalid(path, "rule is too complex: its wildcards could make one value match "
                           f"more than {MAX_WILDCARD_COMPLEXITY} partial patterns at once; "
                           "use fewer wildcards or fewer repeated characters after them")
