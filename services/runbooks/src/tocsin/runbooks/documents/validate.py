"""Validation of a document's content at CreateDocument and UpdateDocument.

``Automation`` documents are checked against the schema 0.3 rules Tocsin can check
without running them (each problem raises :class:`InvalidDocumentContent` naming it):
``schemaVersion`` 0.3, ``mainSteps`` present, unique and well-formed step names, every
``nextStep`` / ``onFailure: step:X`` / ``onCancel`` / branch target existing, known
``aws:branch`` operators, ``{{ }}`` references resolving to declared parameters, outputs
of steps that may run before, declared variables or automation built-ins, parameter types
and defaults, and each action's required inputs. Actions that need AWS infrastructure
are accepted, so documents written for AWS import unchanged (they fail at run time).

"Steps that may run before" follows the control flow, not the list order: a step may
use the outputs of any step from which it can be reached (through ``nextStep``, the list
order, failure and cancel targets, branches and loops), so a document that jumps
backwards or around is judged by what can actually happen.

Other document types register their own check with :func:`register`; the
``ProblemAnalysisTemplate`` check here only requires an object, the analysis service
owns its deeper schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tocsin.runbooks import language
from tocsin.runbooks.catalogue import ACTIONS
from tocsin.runbooks.errors import (
    InvalidAutomationExecutionParametersException,
    InvalidDocumentContent,
)
from tocsin.shared.contracts.analysis import parse_template

__all__ = ["DOCUMENT_TYPES", "Validator", "register", "validate"]

Validator = Callable[[dict[str, Any]], None]
"""A document type's check: raises InvalidDocumentContent naming the problem."""

STEP_NAME = re.compile(r"[a-zA-Z0-9_]+")
ACTION_NAME = re.compile(r"aws:[a-zA-Z]+")
ISO_DURATION = re.compile(
    r"P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
    r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")
TOP_LEVEL_KEYS = frozenset({"schemaVersion", "description", "assumeRole", "parameters",
                            "variables", "mainSteps", "outputs", "files"})
STEP_KEYS = frozenset({"name", "action", "description", "inputs", "outputs", "maxAttempts",
                       "timeoutSeconds", "onFailure", "onCancel", "isEnd", "nextStep",
                       "isCritical"})
NO_CANCEL_TARGET = frozenset({"aws:approve", "aws:copyImage", "aws:createImage",
                              "aws:createStack", "aws:createTags", "aws:pause",
                              "aws:runInstances", "aws:sleep"})
"""Actions an ``onCancel: step:X`` may not jump to (AWS's list)."""
MAX_SCRIPT_TIMEOUT = 600
MAX_SLEEP_SECONDS = 604_799
MAX_APPROVE_TIMEOUT = 30 * 24 * 3600
MAX_LOOP_ITERATIONS = 100


def _check_object(content: dict[str, Any]) -> None:
    """A ProblemAnalysisTemplate: the schema the analysis service reads it with
    (:func:`tocsin.shared.contracts.analysis.parse_template`)."""
    if not isinstance(content, dict):
        raise InvalidDocumentContent("The content must be an object")
    try:
        parse_template(content)
    except ValueError as exc:
        raise InvalidDocumentContent(str(exc)) from None


_VALIDATORS: dict[str, Validator] = {}


def register(document_type: str, validator: Validator) -> None:
    """Make ``validator`` the check of ``document_type`` (replacing the built-in one)."""
    _VALIDATORS[document_type] = validator


def validate(content: dict[str, Any], document_type: str) -> None:
    """Check ``content`` (as :func:`~tocsin.runbooks.documents.content.parse` returned it)
    against the rules of ``document_type``.

    Raises:
        InvalidDocumentContent: the first problem found, named.
    """
    validator = _VALIDATORS.get(document_type)
    if validator is None:
        raise InvalidDocumentContent(
            f"Tocsin stores documents of the types {', '.join(sorted(_VALIDATORS))}, not "
            f"{document_type}")
    validator(content)


def _fail(message: str) -> InvalidDocumentContent:
    return InvalidDocumentContent(message)


# --- Automation --------------------------------------------------------------------------


@dataclass
class _Step:
    """One step (main or inside a loop) with where it sits."""

    spec: dict[str, Any]
    name: str
    action: str
    siblings: list[str]
    """Names of the steps of its list (mainSteps or its loop's Steps), in order."""
    loop: str | None
    """The ``aws:loop`` step it is inside, if any."""
    successors: set[str] = field(default_factory=set)

    @property
    def inputs(self) -> dict[str, Any]:
        inputs = self.spec.get("inputs")
        return inputs if isinstance(inputs, dict) else {}


def validate_automation(content: dict[str, Any]) -> None:
    """The rules of an ``Automation`` document (schema 0.3); see the module docstring."""
    version = content.get("schemaVersion")
    if version is None:
        raise _fail("schemaVersion is required; Automation documents use '0.3'")
    if version != "0.3":
        raise _fail(f"schemaVersion {version!r} is not supported for Automation documents; "
                    "use '0.3' (quoted in YAML)")
    unknown = sorted(set(content) - TOP_LEVEL_KEYS)
    if unknown:
        raise _fail(f"The document has the unknown key {unknown[0]} (an Automation document "
                    f"has {', '.join(sorted(TOP_LEVEL_KEYS))})")
    for key in ("description", "assumeRole"):
        if key in content and not isinstance(content[key], str):
            raise _fail(f"{key} must be a string")
    parameters = _mapping(content, "parameters")
    variables = _mapping(content, "variables")
    for name, spec in parameters.items():
        _check_parameter(f"Parameter {name}", spec)
    for name, spec in variables.items():
        _check_parameter(f"Variable {name}", spec, variable=True)
    for name in language.references(content.get("assumeRole")):
        if name not in parameters:
            raise _fail(f"assumeRole references {{{{ {name} }}}}, which is not a declared "
                        "parameter")
    main = content.get("mainSteps")
    if not isinstance(main, list) or not main:
        raise _fail("mainSteps is required: a list of at least one step")
    steps: dict[str, _Step] = {}
    _collect(main, None, steps)
    for step in steps.values():
        _check_step(step, steps, variables)
    _link(main, None, steps)
    reach = _reachability(steps)
    for step in steps.values():
        _check_references(step, steps, reach, parameters, variables)
    _check_document_outputs(content.get("outputs"), steps)


def _mapping(content: dict[str, Any], key: str) -> dict[str, Any]:
    value = content.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(f"{key} must be a map of names to declarations")
    return value


def _check_parameter(what: str, spec: Any, *, variable: bool = False) -> None:
    if not isinstance(spec, dict):
        raise _fail(f"{what} must be a map with at least a type")
    kind = spec.get("type")
    if kind not in language.PARAMETER_TYPES:
        raise _fail(f"{what} has type {kind!r}; use one of "
                    f"{', '.join(sorted(language.PARAMETER_TYPES))}")
    for key in ("minItems", "maxItems", "minChars", "maxChars"):
        if key in spec and (not isinstance(spec[key], int) or isinstance(spec[key], bool)
                            or spec[key] < 0):
            raise _fail(f"{what}: {key} must be a non-negative integer")
    if "allowedValues" in spec and not isinstance(spec["allowedValues"], list):
        raise _fail(f"{what}: allowedValues must be a list")
    pattern = spec.get("allowedPattern")
    if pattern is not None:
        try:
            re.compile(str(pattern))
        except re.error as exc:
            raise _fail(f"{what}: allowedPattern {pattern!r} is not a valid pattern: {exc}") \
                from None
    if "default" not in spec:
        return
    default = spec["default"]
    found = language.references(default)
    if found and not variable and kind in ("String", "StringList") \
            and all(ref.startswith("ssm:") for ref in found):
        return  # a Parameter Store default, resolved (or refused) at start
    if found:
        raise _fail(f"{what}: its default may not reference {{{{ {found[0]} }}}} (defaults "
                    "cannot refer to parameters, outputs or variables)")
    if not language.fits(language.default_fits(kind, default)):
        raise _fail(f"{what}: its default {default!r} is not {language.with_article(kind)}")
    if not variable:
        try:
            language.bind_parameters({"p": spec}, {})
        except InvalidAutomationExecutionParametersException as exc:
            message = exc.message.removeprefix("Parameter p: ")
            raise _fail(f"{what}: its default does not satisfy its own constraints: "
                        f"{message}") from None


def _collect(specs: Any, loop: str | None, steps: dict[str, _Step]) -> None:
    where = f"the Steps of loop {loop}" if loop else "mainSteps"
    if not isinstance(specs, list) or not specs:
        raise _fail(f"{where} must be a list of at least one step")
    names: list[str] = []
    for index, spec in enumerate(specs):
        if not isinstance(spec, dict):
            raise _fail(f"Step {index + 1} of {where} must be a map")
        name = spec.get("name")
        if not isinstance(name, str) or not STEP_NAME.fullmatch(name):
            raise _fail(f"Step {index + 1} of {where} has the name {name!r}; a step name is "
                        "letters, digits and underscores")
        if name in steps or name in names:
            raise _fail(f"Step name {name} is used more than once; step names are unique")
        action = spec.get("action")
        if not isinstance(action, str) or not ACTION_NAME.fullmatch(action):
            raise _fail(f"Step {name} has the action {action!r}; an action is aws:<name>")
        if action not in ACTIONS:
            raise _fail(f"Step {name} uses the action {action}, which does not exist")
        names.append(name)
        steps[name] = _Step(spec, name, action, names, loop)
    for name in names:
        step = steps[name]
        if step.action == "aws:loop":
            _collect(step.inputs.get("Steps"), name, steps)


def _check_step(step: _Step, steps: dict[str, _Step], variables: dict[str, Any]) -> None:
    spec, name = step.spec, step.name
    unknown = sorted(set(spec) - STEP_KEYS)
    if unknown:
        raise _fail(f"Step {name} has the unknown key {unknown[0]}")
    if "inputs" in spec and not isinstance(spec["inputs"], dict):
        raise _fail(f"Step {name}: inputs must be a map")
    for key in ("isEnd", "isCritical"):
        if key in spec and not isinstance(spec[key], bool):
            raise _fail(f"Step {name}: {key} must be true or false")
    for key, low in (("maxAttempts", 1), ("timeoutSeconds", 1)):
        if key in spec and (not isinstance(spec[key], int) or isinstance(spec[key], bool)
                            or spec[key] < low):
            raise _fail(f"Step {name}: {key} must be an integer of at least {low}")
    timeout = spec.get("timeoutSeconds")
    if step.action == "aws:executeScript" and isinstance(timeout, int) \
            and timeout > MAX_SCRIPT_TIMEOUT:
        raise _fail(f"Step {name}: timeoutSeconds of aws:executeScript is at most "
                    f"{MAX_SCRIPT_TIMEOUT}")
    if step.action == "aws:approve" and isinstance(timeout, int) \
            and timeout > MAX_APPROVE_TIMEOUT:
        raise _fail(f"Step {name}: timeoutSeconds of aws:approve is at most "
                    f"{MAX_APPROVE_TIMEOUT} (30 days)")
    local = steps if step.loop is None else {n: steps[n] for n in step.siblings}
    scope = "" if step.loop is None else f" in loop {step.loop}"
    next_step = spec.get("nextStep")
    if next_step is not None and next_step not in local:
        raise _fail(f"Step {name}: nextStep {next_step} is not a step{scope}")
    _check_strategy(step, "onFailure", ("Abort", "Continue"), local, scope)
    if "onCancel" in spec:
        if step.action in ("aws:loop", "aws:updateVariable"):
            raise _fail(f"Step {name}: onCancel is not supported on {step.action}")
        target = _check_strategy(step, "onCancel", ("Abort",), local, scope)
        if target is not None and steps[target].action in NO_CANCEL_TARGET:
            raise _fail(f"Step {name}: onCancel may not go to step {target}, an "
                        f"{steps[target].action} step")
    _check_outputs(step)
    missing = [key for key in ACTIONS[step.action].required if key not in step.inputs]
    if missing:
        raise _fail(f"Step {name}: the action {step.action} requires the input {missing[0]}")
    for key in _keys(step.inputs):
        if "{{" in key:
            raise _fail(f"Step {name}: the input key {key!r} holds a reference; references "
                        "are allowed in values only")
    _ACTION_CHECKS.get(step.action, _no_check)(step, local, scope, variables)


def _check_strategy(step: _Step, key: str, words: tuple[str, ...], local: Mapping[str, _Step],
                    scope: str) -> str | None:
    value = step.spec.get(key)
    if value is None or value in words:
        return None
    if isinstance(value, str) and value.startswith("step:"):
        target = value.removeprefix("step:")
        if target not in local:
            raise _fail(f"Step {step.name}: {key} goes to step {target}, which is not a "
                        f"step{scope}")
        return target
    raise _fail(f"Step {step.name}: {key} is {value!r}; use "
                f"{', '.join(words)} or step:<step name>")


def _check_outputs(step: _Step) -> None:
    outputs = step.spec.get("outputs")
    if outputs is None:
        return
    if not isinstance(outputs, list):
        raise _fail(f"Step {step.name}: outputs must be a list of Name/Selector/Type")
    seen: set[str] = set()
    for output in outputs:
        if not isinstance(output, dict) or not isinstance(output.get("Name"), str) \
                or not output["Name"]:
            raise _fail(f"Step {step.name}: each output needs a Name")
        out = output["Name"]
        if out in seen:
            raise _fail(f"Step {step.name}: output {out} is declared twice")
        seen.add(out)
        try:
            language.check_selector(output.get("Selector"))
        except language.LanguageError as exc:
            raise _fail(f"Step {step.name}: output {out}: {exc}") from None
        kind = output.get("Type", "String")
        if kind not in language.OUTPUT_TYPES:
            raise _fail(f"Step {step.name}: output {out} has type {kind!r}; use one of "
                        f"{', '.join(sorted(language.OUTPUT_TYPES))}")


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def _is_reference(value: Any) -> bool:
    return isinstance(value, str) and language.REFERENCE.fullmatch(value) is not None


# --- per action --------------------------------------------------------------------------

_ActionCheck = Callable[[_Step, Mapping[str, _Step], str, dict[str, Any]], None]


def _no_check(step: _Step, local: Mapping[str, _Step], scope: str,
              variables: dict[str, Any]) -> None:
    del step, local, scope, variables


def _check_branch(step: _Step, local: Mapping[str, _Step], scope: str,
                  variables: dict[str, Any]) -> None:
    del variables
    choices = step.inputs.get("Choices")
    if not isinstance(choices, list) or not choices:
        raise _fail(f"Step {step.name}: Choices must be a list of at least one choice")
    for index, choice in enumerate(choices):
        where = f"Step {step.name}: choice {index + 1}"
        if not isinstance(choice, dict):
            raise _fail(f"{where} must be a map")
        target = choice.get("NextStep")
        if target is None:
            raise _fail(f"{where} has no NextStep")
        if target not in local:
            raise _fail(f"{where} goes to step {target}, which is not a step{scope}")
        condition = {k: v for k, v in choice.items() if k != "NextStep"}
        _check_condition(condition, where)
    default = step.inputs.get("Default")
    if default is not None and default not in local:
        raise _fail(f"Step {step.name}: Default goes to step {default}, which is not a "
                    f"step{scope}")


def _check_condition(condition: Any, where: str) -> None:
    if not isinstance(condition, dict):
        raise _fail(f"{where}: a condition must be a map")
    for composite in ("And", "Or"):
        if composite in condition:
            parts = condition[composite]
            if not isinstance(parts, list) or not parts:
                raise _fail(f"{where}: {composite} must be a list of conditions")
            _only(condition, {composite}, where)
            for part in parts:
                _check_condition(part, where)
            return
    if "Not" in condition:
        _only(condition, {"Not"}, where)
        inner = condition["Not"]
        if isinstance(inner, list) and len(inner) == 1:
            inner = inner[0]
        _check_condition(inner, where)
        return
    operators = [key for key in condition if key != "Variable"]
    unknown = [key for key in operators if key not in language.BRANCH_OPERATORS]
    if unknown:
        raise _fail(f"{where} uses the unknown operator {unknown[0]}; the operators are "
                    f"{', '.join(sorted(language.BRANCH_OPERATORS))}, And, Or and Not")
    if "Variable" not in condition:
        raise _fail(f"{where} has no Variable to compare")
    if len(operators) != 1:
        raise _fail(f"{where} needs exactly one operator, not {len(operators)}")


def _only(condition: dict[str, Any], keys: set[str], where: str) -> None:
    extra = sorted(set(condition) - keys)
    if extra:
        raise _fail(f"{where}: {extra[0]} cannot stand beside {', '.join(sorted(keys))}")


def _check_sleep(step: _Step, local: Mapping[str, _Step], scope: str,
                 variables: dict[str, Any]) -> None:
    del local, scope, variables
    duration, timestamp = step.inputs.get("Duration"), step.inputs.get("Timestamp")
    if (duration is None) == (timestamp is None):
        raise _fail(f"Step {step.name}: aws:sleep takes either Duration or Timestamp")
    if duration is not None and not _is_reference(duration):
        match = ISO_DURATION.fullmatch(str(duration))
        if match is None:
            raise _fail(f"Step {step.name}: Duration {duration!r} is not an ISO-8601 "
                        "duration such as PT10M")
        years, months, weeks, days, hours, minutes, seconds = (
            float(g) if g else 0.0 for g in match.groups())
        total = ((years * 365 + months * 30 + weeks * 7 + days) * 86400 + hours * 3600
                 + minutes * 60 + seconds)
        if total > MAX_SLEEP_SECONDS:
            raise _fail(f"Step {step.name}: Duration {duration} is longer than the "
                        f"{MAX_SLEEP_SECONDS} seconds aws:sleep allows")
    if timestamp is not None and not _is_reference(timestamp):
        try:
            datetime.fromisoformat(str(timestamp).replace("Z", "+00:00"))
        except ValueError:
            raise _fail(f"Step {step.name}: Timestamp {timestamp!r} is not an ISO-8601 "
                        "time such as 2026-12-01T12:00:00Z") from None


def _check_approve(step: _Step, local: Mapping[str, _Step], scope: str,
                   variables: dict[str, Any]) -> None:
    del local, scope, variables
    approvers = step.inputs.get("Approvers")
    if _is_reference(approvers):
        return
    if not isinstance(approvers, list) or not approvers or len(approvers) > 10:
        raise _fail(f"Step {step.name}: Approvers must be a list of 1 to 10 approvers")
    minimum = step.inputs.get("MinRequiredApprovals")
    if minimum is not None and not _is_reference(minimum) and (
            not isinstance(minimum, int) or isinstance(minimum, bool)
            or not 1 <= minimum <= len(approvers)):
        raise _fail(f"Step {step.name}: MinRequiredApprovals must be between 1 and the "
                    f"number of approvers ({len(approvers)})")
    message = step.inputs.get("Message")
    if isinstance(message, str) and len(message) > 4096:
        raise _fail(f"Step {step.name}: Message is longer than 4096 characters")


def _check_loop(step: _Step, local: Mapping[str, _Step], scope: str,
                variables: dict[str, Any]) -> None:
    del local, scope, variables
    inputs = step.inputs
    if ("Iterators" in inputs) == ("LoopCondition" in inputs):
        raise _fail(f"Step {step.name}: aws:loop takes either Iterators or LoopCondition")
    iterators = inputs.get("Iterators")
    if iterators is not None and not _is_reference(iterators) and (
            not isinstance(iterators, list) or len(iterators) > MAX_LOOP_ITERATIONS):
        raise _fail(f"Step {step.name}: Iterators must be a list of at most "
                    f"{MAX_LOOP_ITERATIONS} values")
    kind = inputs.get("IteratorDataType", "String")
    if kind not in ("Boolean", "Integer", "String", "StringMap"):
        raise _fail(f"Step {step.name}: IteratorDataType {kind!r} is not Boolean, Integer, "
                    "String or StringMap")
    if "LoopCondition" in inputs:
        _check_condition(inputs["LoopCondition"], f"Step {step.name}: LoopCondition")
    most = inputs.get("MaxIterations")
    if most is not None and not _is_reference(most) and (
            not isinstance(most, int) or isinstance(most, bool)
            or not 1 <= most <= MAX_LOOP_ITERATIONS):
        raise _fail(f"Step {step.name}: MaxIterations must be between 1 and "
                    f"{MAX_LOOP_ITERATIONS}")


def _check_update_variable(step: _Step, local: Mapping[str, _Step], scope: str,
                           variables: dict[str, Any]) -> None:
    del local, scope
    name = step.inputs.get("Name")
    if not isinstance(name, str) or not name.startswith("variable:"):
        raise _fail(f"Step {step.name}: Name must be variable:<name>, not {name!r}")
    if name.removeprefix("variable:") not in variables:
        raise _fail(f"Step {step.name}: {name} is not declared in variables")


def _check_script(step: _Step, local: Mapping[str, _Step], scope: str,
                  variables: dict[str, Any]) -> None:
    del local, scope, variables
    inputs = step.inputs
    if str(inputs.get("Runtime", "")).startswith("python") and "Handler" not in inputs:
        raise _fail(f"Step {step.name}: a Python aws:executeScript requires the input Handler "
                    "(the function to call)")
    if "Script" not in inputs and "Attachment" not in inputs:
        raise _fail(f"Step {step.name}: aws:executeScript needs a Script or an Attachment")
    for key in ("Runtime", "Handler", "Script"):
        if key in inputs and not isinstance(inputs[key], str):
            raise _fail(f"Step {step.name}: {key} must be a string")
    payload = inputs.get("InputPayload")
    if payload is not None and not isinstance(payload, dict) and not _is_reference(payload):
        raise _fail(f"Step {step.name}: InputPayload must be a map")


def _check_aws_api(step: _Step, local: Mapping[str, _Step], scope: str,
                   variables: dict[str, Any]) -> None:
    del local, scope, variables
    for key in ("Service", "Api"):
        if not isinstance(step.inputs.get(key), str) or not step.inputs[key]:
            raise _fail(f"Step {step.name}: {key} must be a non-empty string")
    if step.action != "aws:executeAwsApi":
        try:
            language.check_selector(step.inputs.get("PropertySelector"))
        except language.LanguageError as exc:
            raise _fail(f"Step {step.name}: PropertySelector: {exc}") from None
        desired = step.inputs.get("DesiredValues")
        if not _is_reference(desired) and (not isinstance(desired, list) or not desired):
            raise _fail(f"Step {step.name}: DesiredValues must be a list of values")


_ACTION_CHECKS: dict[str, _ActionCheck] = {
    "aws:branch": _check_branch,
    "aws:sleep": _check_sleep,
    "aws:approve": _check_approve,
    "aws:loop": _check_loop,
    "aws:updateVariable": _check_update_variable,
    "aws:executeScript": _check_script,
    "aws:executeAwsApi": _check_aws_api,
    "aws:waitForAwsResourceProperty": _check_aws_api,
    "aws:assertAwsResourceProperty": _check_aws_api,
}


# --- control flow and references ------------------------------------------------------------


def _link(specs: list[dict[str, Any]], loop: str | None, steps: dict[str, _Step]) -> None:
    """Give every step its possible successors."""
    names = [spec["name"] for spec in specs]
    for index, name in enumerate(names):
        step = steps[name]
        spec = step.spec
        after = names[index + 1] if index + 1 < len(names) else loop
        out = step.successors
        if after is not None and not spec.get("isEnd", False):
            out.add(after)  # the list order, and where Continue and a branch fall through
        for key in ("nextStep",):
            if isinstance(spec.get(key), str):
                out.add(spec[key])
        for key in ("onFailure", "onCancel"):
            value = spec.get(key)
            if isinstance(value, str) and value.startswith("step:"):
                out.add(value.removeprefix("step:"))
        if step.action == "aws:branch":
            for choice in step.inputs.get("Choices") or []:
                out.add(choice["NextStep"])
            if step.inputs.get("Default"):
                out.add(step.inputs["Default"])
            if after is not None:
                out.add(after)
        if step.action == "aws:loop":
            inner = step.inputs["Steps"]
            out.add(inner[0]["name"])
            _link(inner, name, steps)


def _reachability(steps: dict[str, _Step]) -> dict[str, set[str]]:
    """For each step, the steps that may run after it (itself only inside a cycle)."""
    reach: dict[str, set[str]] = {}
    for name in steps:
        seen: set[str] = set()
        todo = list(steps[name].successors)
        while todo:
            current = todo.pop()
            if current in seen or current not in steps:
                continue
            seen.add(current)
            todo.extend(steps[current].successors)
        reach[name] = seen
    return reach


def _outputs_of(step: _Step) -> frozenset[str] | None:
    predefined = ACTIONS[step.action].outputs
    if predefined is None:
        return None
    declared = {o["Name"] for o in step.spec.get("outputs") or [] if isinstance(o, dict)}
    return predefined | declared


def _check_references(step: _Step, steps: dict[str, _Step], reach: dict[str, set[str]],
                      parameters: dict[str, Any], variables: dict[str, Any]) -> None:
    for name in language.references(step.inputs):
        problem = _reference_problem(name, step, steps, reach, parameters, variables)
        if problem is not None:
            raise _fail(f"Step {step.name}: {{{{ {name} }}}} {problem}")


def _reference_problem(name: str, step: _Step, steps: dict[str, _Step],
                       reach: dict[str, set[str]], parameters: dict[str, Any],
                       variables: dict[str, Any]) -> str | None:
    if name in language.BUILTINS:
        return None
    if name.startswith("variable:"):
        return None if name.removeprefix("variable:") in variables \
            else "names no declared variable"
    if name.startswith("ssm:"):
        return ("is a Parameter Store reference; those are allowed only in a parameter's "
                "default")
    if ":" in name:
        return (f"is not an automation built-in (known: {', '.join(sorted(language.BUILTINS))})")
    if "." in name:
        source, _, output = name.partition(".")
        if source not in steps:
            return f"names the step {source}, which does not exist"
        if step.name not in reach[source]:
            return f"uses an output of step {source}, which cannot run before this step"
        known = _outputs_of(steps[source])
        if known is not None and output not in known:
            outputs = ", ".join(sorted(known)) or "none"
            return f"names no output of step {source} (its outputs: {outputs})"
        return None
    if name in parameters:
        return None
    if not name:
        return "is empty"
    return "names no declared parameter, step output, variable or automation built-in"


def _check_document_outputs(outputs: Any, steps: dict[str, _Step]) -> None:
    if outputs is None:
        return
    if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
        raise _fail("outputs must be a list of stepName.outputName strings")
    for entry in outputs:
        source, dot, output = entry.partition(".")
        if not dot or source not in steps:
            raise _fail(f"The runbook output {entry} does not name a step's output "
                        "(stepName.outputName)")
        known = _outputs_of(steps[source])
        if known is not None and output not in known:
            raise _fail(f"The runbook output {entry} names no output of step {source}")


register("Automation", validate_automation)
register("ProblemAnalysisTemplate", _check_object)

DOCUMENT_TYPES: frozenset[str] = frozenset(_VALIDATORS)
"""The document types Tocsin stores (each has a check)."""
