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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BUILTINS",
    "LanguageError",
    "OutputError",
    "Scope",
    "UnknownReference",
    "automation_builtins",
    "bind_parameters",
    "choose",
    "interpolate",
    "references",
    "select_outputs",
]


class LanguageError(ValueError):
    """A step's inputs, outputs or conditions cannot be evaluated; the message says why
    in words a runbook author understands. The engine fails the step with it."""


class UnknownReference(LanguageError):
    """A ``{{ ... }}`` names nothing in scope."""


class OutputError(LanguageError):
    """An output's ``Selector`` selects nothing, or a value its ``Type`` cannot hold."""


BUILTINS: frozenset[str] = frozenset()
"""The automation built-ins a document may reference (``automation:EXECUTION_ID``,
``global:DATE_TIME``, ...)."""


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


def automation_builtins(*, execution_id: str, document_name: str, region: str, account: str,
                        partition: str, now: float) -> dict[str, str]:
    """The built-ins' values for one evaluation at ``now`` (Unix seconds)."""
    raise NotImplementedError


def references(value: Any) -> list[str]:
    """Every ``{{ ... }}`` inside ``value`` (strings, lists and map values, recursively),
    each stripped of its braces and spaces, in order of appearance."""
    raise NotImplementedError


def interpolate(value: Any, scope: Scope) -> Any:
    """``value`` with every reference resolved against ``scope``.

    A string that is exactly one reference becomes the referenced value itself, its type
    kept (a list stays a list); a list element that is one reference to a list is spliced
    in. References embedded in longer strings are rendered as text (JSON for lists and
    maps). Map keys are left alone.

    Raises:
        UnknownReference: a reference names nothing in ``scope``.
    """
    raise NotImplementedError


def select_outputs(raw: Mapping[str, Any], outputs_spec: list[dict[str, Any]]) -> dict[str, Any]:
    """A step's declared outputs, each ``Selector`` (JSONPath) applied to ``raw`` (what the
    action returned) and converted to its ``Type``.

    Raises:
        OutputError: a selector selects nothing, or a value does not fit its type.
    """
    raise NotImplementedError


def choose(branch_inputs: Mapping[str, Any], scope: Scope) -> str | None:
    """The step an ``aws:branch`` goes to: the ``NextStep`` of its first true choice, else
    its ``Default``, else None (go on with the next step in the list).

    Raises:
        LanguageError: a variable does not resolve, or cannot be compared as the operator
            needs (a number for ``Numeric*``, a boolean for ``BooleanEquals``).
    """
    raise NotImplementedError


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
    raise NotImplementedError
