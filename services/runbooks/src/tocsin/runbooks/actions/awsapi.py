"""``aws:executeAwsApi``, ``aws:waitForAwsResourceProperty``, ``aws:assertAwsResourceProperty``
against Tocsin's own APIs.

``Service`` names the API as boto3 does: ``ssm-incidents``, ``ssm-contacts``, ``ssm`` (the
runbooks service itself) or ``tocsin``. ``Api`` is the operation (``ListTimelineEvents``;
boto3's ``list_timeline_events`` is accepted too), and the step's other inputs are the
operation's parameters, in the model's own casing (camelCase for ``ssm-incidents``).
The call goes through the gateway's own model and routing (:mod:`tocsin.gateway.awsmodel`,
:class:`tocsin.gateway.clients.ServiceClient`): the input is validated and normalised
exactly as an HTTP request would be, then sent over NATS request/reply as the execution's
principal; the reply is reduced to the output shape. Any other service is an AWS one,
which a self-hosted Tocsin does not reach: the step fails saying so.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any

from tocsin.gateway import awsmodel
from tocsin.gateway.clients import ServiceClient
from tocsin.runbooks import language
from tocsin.runbooks.actions.context import (
    ActionContext,
    ActionFailed,
    ActionTimedOut,
    FailureType,
)
from tocsin.shared import errors

__all__ = ["SERVED_APIS", "assert_property", "call_api", "execute_api", "wait_for_property"]

SERVED_APIS: tuple[str, ...] = ("ssm-incidents", "ssm-contacts", "ssm", "tocsin")
"""The APIs an Automation step may call: Tocsin's own."""
_STEP_KEYS = frozenset({"Service", "Api", "PropertySelector", "DesiredValues"})


async def execute_api(inputs: Mapping[str, Any], ctx: ActionContext) -> dict[str, Any]:
    """``aws:executeAwsApi``: the operation's response, for the step's output selectors."""
    return await call_api(inputs, ctx)


async def assert_property(inputs: Mapping[str, Any], ctx: ActionContext) -> dict[str, Any]:
    """``aws:assertAwsResourceProperty``: one call; fails unless the selected property is
    one of ``DesiredValues``."""
    value = _property(await call_api(inputs, ctx), inputs)
    if not _matches(value, inputs):
        raise ActionFailed(
            "PostVerification", "Verification",
            f"{inputs['PropertySelector']} is {_shown(value)}, not one of the desired values "
            f"{_desired(inputs)}")
    return {}


async def wait_for_property(inputs: Mapping[str, Any], ctx: ActionContext) -> dict[str, Any]:
    """``aws:waitForAwsResourceProperty``: call every ``poll_interval`` seconds until the
    selected property is one of ``DesiredValues``, or the step's timeout runs out. A call
    the service could not answer (unavailable, throttled) is tried again at the next poll;
    a call it refused fails the step."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.timeout_seconds
    interval = ctx.deps.poll_interval
    last = "not read yet"
    while True:
        value: Any = None
        try:
            value = _property(await call_api(inputs, ctx), inputs)
        except ActionFailed as exc:
            if exc.failure_type not in _TRANSIENT and exc.failure_stage != "PostVerification":
                raise
            last = exc.message  # unanswered, or the property is not there yet
        else:
            if _matches(value, inputs):
                return {}
            last = f"was still {_shown(value)}"
        if loop.time() + interval >= deadline:
            raise ActionTimedOut(
                f"{inputs['PropertySelector']}: {last} when the step's timeout of "
                f"{ctx.timeout_seconds:g} seconds ran out, waiting for one of "
                f"{_desired(inputs)}")
        await asyncio.sleep(interval)


_TRANSIENT = frozenset({"Throttling", "Internal"})
"""Failure types of a call worth repeating at the next poll."""


async def call_api(inputs: Mapping[str, Any], ctx: ActionContext) -> dict[str, Any]:
    """Call ``inputs["Api"]`` of ``inputs["Service"]`` with the step's other inputs, as
    the execution's principal; the response as the model's output shape.

    Raises:
        ActionFailed: the service is not Tocsin's, the operation does not exist, the
            parameters do not satisfy the model, or the service refused the call.
    """
    service, api = inputs.get("Service"), inputs.get("Api")
    if service not in SERVED_APIS:
        raise ActionFailed(
            "InputValidation", "Action",
            f"Service {service!r} is an AWS service: a self-hosted Tocsin calls only its own "
            f"APIs ({', '.join(SERVED_APIS)}), and no AWS access is configured")
    model = _model(str(service), ctx)
    operation = _operation(model, api)
    params = {k: v for k, v in inputs.items() if k not in _STEP_KEYS}
    try:
        awsmodel.validate_input(model, operation, params)
    except errors.ValidationError as exc:
        raise ActionFailed("InputValidation", "Action",
                           f"{service} {operation}: {exc.message}") from None
    params = awsmodel.normalize_input(model, operation, params)
    deps = ctx.deps
    client = ServiceClient(deps.bus, timeout=max(0.1, min(deps.call_timeout,
                                                          ctx.timeout_seconds)),
                           arns=deps.arns)
    try:
        output = await client.call(str(service), operation, params, principal=ctx.principal,
                                   request_id=f"{ctx.execution_id}/{uuid.uuid4()}")
    except KeyError:
        raise _not_served(str(service), operation) from None
    except errors.TocsinError as exc:
        raise ActionFailed(
            "Invocation", _failure_type(exc),
            f"{service} {operation} failed: {exc.aws_code}: {exc.message}",
            {"ErrorCode": [exc.aws_code], "ErrorMessage": [exc.message]}) from None
    return awsmodel.serialize_output(model, operation, output)


def _model(service: str, ctx: ActionContext) -> awsmodel.ServiceModel:
    try:
        return awsmodel.load(service, ctx.deps.arns.partition)
    except KeyError:
        raise _not_served(service, None) from None


def _not_served(service: str, operation: str | None) -> ActionFailed:
    what = f"{service} {operation}" if operation else f"the {service} API"
    return ActionFailed("InputValidation", "Action",
                        f"{what} is not served by this Tocsin deployment")


def _operation(model: awsmodel.ServiceModel, api: Any) -> str:
    if isinstance(api, str):
        if api in model.operations:
            return api
        wanted = api.replace("_", "").lower()  # boto3's snake_case method name
        for name in model.operations:
            if name.lower() == wanted:
                return name
    raise ActionFailed("InputValidation", "Action",
                       f"Api {api!r} is not an operation of {model.api} that Tocsin serves")


def _failure_type(exc: errors.TocsinError) -> FailureType:
    if isinstance(exc, errors.AccessDeniedError):
        return "Permission"
    if isinstance(exc, errors.ThrottlingError):
        return "Throttling"
    if isinstance(exc, errors.ServiceUnavailable | errors.InternalError):
        return "Internal"
    return "Action"


def _property(response: dict[str, Any], inputs: Mapping[str, Any]) -> Any:
    try:
        return language.select(response, str(inputs.get("PropertySelector", "")))
    except language.LanguageError as exc:
        raise ActionFailed("PostVerification", "Verification",
                           f"PropertySelector: {exc}") from None


def _desired(inputs: Mapping[str, Any]) -> list[str]:
    desired = inputs.get("DesiredValues")
    values = desired if isinstance(desired, list) else [desired]
    return [_comparable(v) for v in values]


def _comparable(value: Any) -> str:
    """Values compare as text; booleans without regard to case (AWS writes ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower()
    return language.to_text(value)


def _matches(value: Any, inputs: Mapping[str, Any]) -> bool:
    """The selected value is desired; a selection of several values, when each is."""
    desired = set(_desired(inputs))
    values = value if isinstance(value, list) else [value]
    return bool(values) and all(_comparable(v) in desired for v in values)


def _shown(value: Any) -> str:
    return "missing" if value is None else language.to_text(value)
