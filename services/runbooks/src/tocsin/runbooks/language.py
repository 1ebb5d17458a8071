"""The Automation document language at run time: references, outputs, branches, parameters.

- :class:`Scope` holds what ``{{ ... }}`` may name while a step's inputs are resolved, and
  :func:`interpolate` resolves them (:func:`references` lists them, for validation).
- :func:`select_outputs` applies a step's ``outputs`` (``Name``/``Selector``/``Type``) to
  what its action returned.
- :func:`choose` evaluates an ``aws:branch`` step's ``Choices``.
- :func:`bind_parameters` turns StartAutomationExecution's ``Parameters`` (a map of string
  lists) into typed values, checked against the document's declarations.

Everything here is pure: no I/O and no clock (``global:DATE_TIME`` and friends come in
through :func:`automation_builtins`, given the time).

Typed substitution (the reference's rule, consistent with AWS's examples such as
``InstanceIds: "{{ InstanceId }}"``): a string that is exactly one reference becomes the
referenced value with its type; references inside longer strings are rendered as text,
lists, maps, numbers and booleans as JSON (``true``, ``["a"]``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jsonpath

from tocsin.runbooks.errors import InvalidAutomationExecutionParametersException

__all__ = [
    "BRANCH_OPERATORS",
    "BUILTINS",
    "OUTPUT_TYPES",
    "PARAMETER_TYPES",
    "REFERENCE",
    "LanguageError",
    "OutputError",
    "Scope",
    "UnknownReference",
    "automation_builtins",
    "bind_parameters",
    "check_selector",
    "choose",
    "condition_holds",
    "convert",
    "default_fits",
    "fits",
    "interpolate",
    "references",
    "select",
    "select_outputs",
    "to_text",
    "with_article",
]


class LanguageError(ValueError):
    """A step's inputs, outputs or conditions cannot be evaluated; the message says why
    in words a runbook author understands. The engine fails the step with it."""


class UnknownReference(LanguageError):
    """A ``{{ ... }}`` names nothing in scope."""


class OutputError(LanguageError):
    """An output's ``Selector`` selects nothing, or a value its ``Type`` cannot hold."""


REFERENCE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
"""One ``{{ ... }}``; group 1 is what it names, without the spaces."""

BUILTINS: frozenset[str] = frozenset({
    "automation:EXECUTION_ID", "automation:DOCUMENT_NAME", "global:ACCOUNT_ID",
    "global:REGION", "global:AWS_PARTITION", "global:DATE", "global:DATE_TIME"})
"""The automation built-ins a document may reference."""

PARAMETER_TYPES: frozenset[str] = frozenset({
    "String", "StringList", "Integer", "Boolean", "StringMap", "MapList"})
"""The types a parameter (or variable) may be declared with."""

OUTPUT_TYPES = PARAMETER_TYPES
"""The types a step output may be declared with."""

BRANCH_OPERATORS: frozenset[str] = frozenset({
    "StringEquals", "EqualsIgnoreCase", "StartsWith", "EndsWith", "Contains",
    "NumericEquals", "NumericGreater", "NumericLesser", "NumericGreaterOrEquals",
    "NumericLesserOrEquals", "BooleanEquals"})
"""The comparison operators of ``aws:branch`` choices (and ``aws:loop`` conditions);
``And``, ``Or`` and ``Not`` compose them."""


@dataclass(frozen=True, slots=True)
class Scope:
    """What references resolve against while one step's inputs are resolved."""

    parameters: Mapping[str, Any] = field(default_factory=dict)
    """The execution's typed parameters (:func:`bind_parameters`)."""
    outputs: Mapping[str, Any] = field(default_factory=dict)
    """Outputs of the steps that ran, by ``"<step>.<Output>"``."""
    variables: Mapping[str, Any] = field(default_factory=dict)
    """The runbook's variables, by name (without ``variable:``)."""
    builtins: Mapping[str, Any] = field(default_factory=dict)
    """The automation built-ins, by full name (:func:`automation_builtins`)."""

    def resolve(self, name: str) -> Any:
        """The value of the reference ``name`` (what is inside the braces).

        Raises:
            UnknownReference: nothing in scope has that name.
        """
        if name in self.builtins:
            return self.builtins[name]
        if name.startswith("variable:"):
            variable = name.removeprefix("variable:")
            if variable in self.variables:
                return self.variables[variable]
            raise UnknownReference(f"{{{{ {name} }}}} names no variable of the runbook")
        if name.startswith("ssm:"):
            raise UnknownReference(
                f"{{{{ {name} }}}} is a Parameter Store reference, which Tocsin does not have")
        if ":" in name:
            raise UnknownReference(f"{{{{ {name} }}}} is not an automation built-in (known: "
                                   f"{', '.join(sorted(BUILTINS))})")
        if "." in name:
            if name in self.outputs:
                return self.outputs[name]
            step, _, output = name.partition(".")
            raise UnknownReference(
                f"{{{{ {name} }}}}: step {step} has no output {output} (it has not run, or "
                "did not produce it)")
        if name in self.parameters:
            return self.parameters[name]
        raise UnknownReference(f"{{{{ {name} }}}} names no parameter of the runbook")


def automation_builtins(*, execution_id: str, document_name: str, region: str, account: str,
                        partition: str, now: float) -> dict[str, str]:
    """The built-ins' values for one evaluation at ``now`` (Unix seconds, shown in UTC).

    ``global:DATE`` is ``yyyy-MM-dd`` and ``global:DATE_TIME`` ``yyyy-MM-dd_HH.mm.ss``, as
    AWS writes them.
    """
    moment = datetime.fromtimestamp(now, UTC)
    return {
        "automation:EXECUTION_ID": execution_id,
        "automation:DOCUMENT_NAME": document_name,
        "global:ACCOUNT_ID": account,
        "global:REGION": region,
        "global:AWS_PARTITION": partition,
        "global:DATE": moment.strftime("%Y-%m-%d"),
        "global:DATE_TIME": moment.strftime("%Y-%m-%d_%H.%M.%S"),
    }


# --- references --------------------------------------------------------------------------


def references(value: Any) -> list[str]:
    """Every ``{{ ... }}`` inside ``value`` (strings, lists and map values, recursively),
    each stripped of its braces and spaces, in order of appearance."""
    found: list[str] = []
    _walk_strings(value, lambda text: found.extend(REFERENCE.findall(text)))
    return found


def _walk_strings(value: Any, visit: Callable[[str], None]) -> None:
    if isinstance(value, str):
        visit(value)
    elif isinstance(value, list):
        for item in value:
            _walk_strings(item, visit)
    elif isinstance(value, dict):
        for item in value.values():
            _walk_strings(item, visit)


def interpolate(value: Any, scope: Scope) -> Any:
    """``value`` with every reference resolved against ``scope``.

    A string that is exactly one reference becomes the referenced value itself, its type
    kept (a list stays a list); a list element that is one reference to a list is spliced
    in. References embedded in longer strings are rendered as text (JSON for lists and
    maps). Map keys are left alone.

    Raises:
        UnknownReference: a reference names nothing in ``scope``.
    """
    if isinstance(value, str):
        whole = REFERENCE.fullmatch(value)
        if whole is not None:
            return scope.resolve(whole.group(1))
        if "{{" not in value:
            return value
        return REFERENCE.sub(lambda m: to_text(scope.resolve(m.group(1))), value)
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            resolved = interpolate(item, scope)
            if isinstance(item, str) and REFERENCE.fullmatch(item) and isinstance(resolved, list):
                out.extend(resolved)
            else:
                out.append(resolved)
        return out
    if isinstance(value, dict):
        return {key: interpolate(item, scope) for key, item in value.items()}
    return value


def to_text(value: Any) -> str:
    """``value`` as text inside a longer string: strings as they are, anything else as
    JSON (``true``, ``3``, ``["a", "b"]``)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- outputs -----------------------------------------------------------------------------


def check_selector(selector: Any) -> None:
    """Raise :class:`LanguageError` unless ``selector`` is a JSONPath starting with ``$``."""
    if not isinstance(selector, str) or not selector.startswith("$"):
        raise LanguageError(f"the selector {selector!r} is not a JSONPath starting with $")
    try:
        jsonpath.compile(selector)
    except jsonpath.JSONPathError as exc:
        raise LanguageError(f"the selector {selector!r} is not valid JSONPath: "
                            f"{str(exc).splitlines()[0]}") from None


def select(raw: Any, selector: str) -> Any:
    """What ``selector`` (JSONPath) selects in ``raw``: the one value, or a list when the
    path may select several (a deep scan ``..`` always gives a list, as in AWS).

    Raises:
        OutputError: the selector is not valid or selects nothing.
    """
    try:
        check_selector(selector)
    except LanguageError as exc:
        raise OutputError(str(exc)) from None
    found = jsonpath.findall(selector, raw)
    if not found:
        raise OutputError(f"the selector {selector} selects nothing in {_preview(raw)}")
    if ".." in selector or "*" in selector or len(found) > 1:
        return list(found)
    return found[0]


def select_outputs(raw: Mapping[str, Any], outputs_spec: list[dict[str, Any]]) -> dict[str, Any]:
    """A step's declared outputs, each ``Selector`` (JSONPath) applied to ``raw`` (what the
    action returned) and converted to its ``Type`` (``String`` by default).

    Raises:
        OutputError: a selector selects nothing, or a value does not fit its type.
    """
    outputs: dict[str, Any] = {}
    for spec in outputs_spec:
        name = str(spec.get("Name", ""))
        selector = str(spec.get("Selector", ""))
        type_name = str(spec.get("Type", "String"))
        try:
            outputs[name] = convert(select(raw, selector), type_name)
        except LanguageError as exc:
            raise OutputError(f"Output {name}: {exc}") from None
    return outputs


def convert(value: Any, type_name: str) -> Any:
    """``value`` as a value of the document type ``type_name``.

    Numbers and booleans become text for ``String``; numeric text and integral floats
    become ``Integer``; ``"true"``/``"false"`` become ``Boolean``. Anything else that does
    not fit is an error naming the value and the type.

    Raises:
        OutputError: the value does not fit.
    """
    converter = _CONVERTERS.get(type_name)
    if converter is None:
        raise OutputError(f"{type_name} is not a type (use one of "
                          f"{', '.join(sorted(OUTPUT_TYPES))})")
    result = converter(value)
    if result is _MISMATCH:
        raise OutputError(f"the selected value {_preview(value)} is not {with_article(type_name)}")
    return result


_MISMATCH = object()


def with_article(type_name: str) -> str:
    """``a String``, ``an Integer``: a type named in a sentence."""
    return f"an {type_name}" if type_name[0] in "AEIOU" else f"a {type_name}"


def _as_string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return to_text(value)
    return _MISMATCH


def _as_integer(value: Any) -> Any:
    if isinstance(value, bool):
        return _MISMATCH
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return _MISMATCH


def _as_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return _MISMATCH


def _as_string_list(value: Any) -> Any:
    if not isinstance(value, list):
        return _MISMATCH
    items = [_as_string(item) for item in value]
    return _MISMATCH if any(item is _MISMATCH for item in items) else items


def _as_string_map(value: Any) -> Any:
    return value if isinstance(value, dict) else _MISMATCH


def _as_map_list(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    return _MISMATCH


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "String": _as_string, "Integer": _as_integer, "Boolean": _as_boolean,
    "StringList": _as_string_list, "StringMap": _as_string_map, "MapList": _as_map_list,
}


def _preview(value: Any, limit: int = 200) -> str:
    text = to_text(value) if not isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[:limit] + "..."


# --- aws:branch ----------------------------------------------------------------------------


def choose(branch_inputs: Mapping[str, Any], scope: Scope) -> str | None:
    """The step an ``aws:branch`` goes to: the ``NextStep`` of its first true choice, else
    its ``Default``, else None (go on with the next step in the list).

    Raises:
        LanguageError: a variable does not resolve, or cannot be compared as the operator
            needs (a number for ``Numeric*``, a boolean for ``BooleanEquals``).
    """
    for index, choice in enumerate(branch_inputs.get("Choices") or []):
        try:
            if condition_holds(choice, scope):
                return str(choice["NextStep"])
        except LanguageError as exc:
            raise type(exc)(f"Choice {index + 1}: {exc}") from None
    default = branch_inputs.get("Default")
    return str(default) if default else None


def condition_holds(condition: Mapping[str, Any], scope: Scope) -> bool:
    """Whether one choice's condition (``Variable`` + an operator, or ``And`` / ``Or`` /
    ``Not``) holds; also the ``LoopCondition`` of ``aws:loop``.

    Raises:
        LanguageError: as :func:`choose`.
    """
    if "And" in condition:
        return all(condition_holds(c, scope) for c in _conditions(condition["And"], "And"))
    if "Or" in condition:
        return any(condition_holds(c, scope) for c in _conditions(condition["Or"], "Or"))
    if "Not" in condition:
        inner = condition["Not"]
        if isinstance(inner, list) and len(inner) == 1:  # AWS writes Not: [cond]
            inner = inner[0]
        if not isinstance(inner, dict):
            raise LanguageError("Not must hold one condition")
        return not condition_holds(inner, scope)
    operators = [key for key in condition if key in BRANCH_OPERATORS]
    if len(operators) != 1 or "Variable" not in condition:
        raise LanguageError("a condition needs a Variable and exactly one operator (one of "
                            f"{', '.join(sorted(BRANCH_OPERATORS))}), or And, Or or Not")
    operator = operators[0]
    variable = interpolate(condition["Variable"], scope)
    expected = interpolate(condition[operator], scope)
    return _compare(operator, variable, expected)


def _conditions(value: Any, name: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not value or not all(isinstance(c, dict) for c in value):
        raise LanguageError(f"{name} must be a list of conditions")
    return value


def _compare(operator: str, variable: Any, expected: Any) -> bool:
    if operator.startswith("Numeric"):
        left, right = _number(variable, operator), _number(expected, operator)
        return {
            "NumericEquals": left == right, "NumericGreater": left > right,
            "NumericLesser": left < right, "NumericGreaterOrEquals": left >= right,
            "NumericLesserOrEquals": left <= right,
        }[operator]
    if operator == "BooleanEquals":
        return _boolean(variable) == _boolean(expected)
    if operator == "Contains" and isinstance(variable, list):
        return to_text(expected) in [to_text(item) for item in variable]
    text, wanted = to_text(variable), to_text(expected)
    if operator == "StringEquals":
        return text == wanted
    if operator == "EqualsIgnoreCase":
        return text.casefold() == wanted.casefold()
    if operator == "StartsWith":
        return text.startswith(wanted)
    if operator == "EndsWith":
        return text.endswith(wanted)
    return wanted in text  # Contains


def _number(value: Any, operator: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    raise LanguageError(f"{operator} compares numbers, and {_preview(value)} is not one")


def _boolean(value: Any) -> bool:
    result = _as_boolean(value)
    if result is _MISMATCH:
        raise LanguageError(f"BooleanEquals compares booleans, and {_preview(value)} is not one")
    return bool(result)


# --- parameters ----------------------------------------------------------------------------


def bind_parameters(declared: Mapping[str, Any],
                    given: Mapping[str, list[str]]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """StartAutomationExecution's ``Parameters`` bound to the document's ``parameters``.

    Returns the typed values (for interpolation) and their echo in the wire's list form,
    defaults included (``AutomationExecution.Parameters``).

    Raises:
        InvalidAutomationExecutionParametersException: an undeclared key, a required
            parameter missing, a value of the wrong type or outside ``allowedValues`` /
            ``allowedPattern`` / the item and character bounds.
    """
    undeclared = sorted(set(given) - set(declared))
    if undeclared:
        raise InvalidAutomationExecutionParametersException(
            f"Parameters {undeclared} are not declared by the document (it declares "
            f"{sorted(declared) or 'none'})")
    missing = sorted(name for name, spec in declared.items()
                     if name not in given and not _has_default(spec))
    if missing:
        raise InvalidAutomationExecutionParametersException(
            f"Required parameters {missing} were not given (they have no default)")
    typed: dict[str, Any] = {}
    echo: dict[str, list[str]] = {}
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        kind = str(spec.get("type", "String"))
        if name in given:
            values = list(given[name])
            value = _from_wire(name, kind, values)
            echo[name] = values
        else:
            value = _default(name, kind, spec.get("default"))
            echo[name] = _to_wire(kind, value)
        _check_constraints(name, kind, spec, value)
        typed[name] = value
    return typed, echo


def _has_default(spec: Any) -> bool:
    return isinstance(spec, dict) and "default" in spec


def _bad(name: str, problem: str) -> InvalidAutomationExecutionParametersException:
    return InvalidAutomationExecutionParametersException(f"Parameter {name}: {problem}")


def _from_wire(name: str, kind: str, values: list[str]) -> Any:
    if kind == "StringList":
        return values
    if len(values) != 1:
        raise _bad(name, f"a {kind} takes exactly one value, not {len(values)}")
    text = values[0]
    if kind == "String":
        return text
    if kind == "Integer":
        if not re.fullmatch(r"-?\d+", text):
            raise _bad(name, f"{text!r} is not an Integer")
        return int(text)
    if kind == "Boolean":
        if text.lower() not in ("true", "false"):
            raise _bad(name, f"{text!r} is not a Boolean (true or false)")
        return text.lower() == "true"
    try:
        decoded = json.loads(text)
    except ValueError:
        raise _bad(name, f"a {kind} is given as JSON, and {text!r} is not JSON") from None
    result = _as_string_map(decoded) if kind == "StringMap" else _as_map_list(decoded)
    if result is _MISMATCH:
        raise _bad(name, f"{text} is not a {kind}")
    return result


def _default(name: str, kind: str, default: Any) -> Any:
    if isinstance(default, str) and REFERENCE.fullmatch(default) \
            and default.strip("{} ").startswith("ssm:"):
        raise _bad(name, f"its default {default} is a Parameter Store reference, which Tocsin "
                         "does not have; give the parameter a value")
    result = default_fits(kind, default)
    if result is _MISMATCH:
        raise _bad(name, f"its default {_preview(default)} is not {with_article(kind)}")
    return result


def default_fits(kind: str, default: Any) -> Any:
    """A parameter's ``default`` as a value of its type ``kind``, or a sentinel that is not
    equal to any value when it does not fit (check with :func:`fits`)."""
    if kind == "String":
        return _as_string(default)
    if kind == "Integer":
        return default if isinstance(default, int) and not isinstance(default, bool) \
            else _MISMATCH
    if kind == "Boolean":
        return default if isinstance(default, bool) else _MISMATCH
    if kind == "StringList":
        return _as_string_list(default)
    if kind == "StringMap":
        return _as_string_map(default)
    if kind == "MapList":
        return _as_map_list(default)
    return _MISMATCH


def fits(result: Any) -> bool:
    """Whether a :func:`default_fits` result is a value (the default fits its type)."""
    return result is not _MISMATCH


def _to_wire(kind: str, value: Any) -> list[str]:
    if kind == "StringList":
        return [str(item) for item in value]
    if kind in ("StringMap", "MapList"):
        return [json.dumps(value, separators=(",", ":"))]
    return [to_text(value)]


def _check_constraints(name: str, kind: str, spec: Mapping[str, Any], value: Any) -> None:
    items: list[Any] = value if kind in ("StringList", "MapList") else [value]
    if kind in ("StringList", "MapList"):
        low, high = spec.get("minItems"), spec.get("maxItems")
        if isinstance(low, int) and len(items) < low:
            raise _bad(name, f"at least {low} items are required, {len(items)} given")
        if isinstance(high, int) and len(items) > high:
            raise _bad(name, f"at most {high} items are allowed, {len(items)} given")
    if kind not in ("String", "StringList", "Integer"):
        return
    texts = [to_text(item) for item in items]
    allowed = spec.get("allowedValues")
    if isinstance(allowed, list):
        permitted = {to_text(v) for v in allowed}
        for text in texts:
            if text not in permitted:
                raise _bad(name, f"{text!r} is not one of its allowedValues {allowed}")
    pattern = spec.get("allowedPattern")
    if isinstance(pattern, str):
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise _bad(name, f"its allowedPattern {pattern!r} is not a valid pattern: {exc}") \
                from None
        for text in texts:
            if compiled.search(text) is None:
                raise _bad(name, f"{text!r} does not match its allowedPattern {pattern}")
    low, high = spec.get("minChars"), spec.get("maxChars")
    for text in texts:
        if isinstance(low, int) and len(text) < low:
            raise _bad(name, f"{text!r} is shorter than its minChars {low}")
        if isinstance(high, int) and len(text) > high:
            raise _bad(name, f"{text!r} is longer than its maxChars {high}")
