"""The gateway's HTTP server: the AWS-compatible API and ``/healthz``.

Two AWS protocols share one port, told apart by the request (``reference/aws-api.md``
section 1.1):

- ``ssm-contacts``, the served part of ``ssm`` (documents, automation executions, OpsItems)
  and Tocsin's own API (``models/tocsin``) are AWS JSON 1.1: every call is ``POST /`` with
  ``X-Amz-Target: SSMContacts.<Operation>``, ``AmazonSSM.<Operation>`` or
  ``Tocsin.<Operation>`` and the whole input as the JSON body.
- ``ssm-incidents`` is rest-json: each operation has its method and path in the model
  (``GET /getIncidentRecord?arn=...``, ``DELETE /tags/{resourceArn}?tagKeys=...``), and
  its input comes from URI labels, the query string and the JSON body.

Every request is SigV4-verified, validated against botocore's model, handed to the
owning service with :meth:`ServiceClient.call`, and answered the way botocore's parsers
expect: the operation's status code, only the output shape's members, timestamps as
epoch seconds, ``x-amzn-RequestId`` on every response, errors as each protocol shapes
them. Nothing unexpected reaches the client as a traceback: it is logged and answered as
``InternalServerException``.

Other faces of the HTTP port (webhooks, the console) add their routes to :attr:`app`
before the server starts.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import msgspec
from aiohttp import web

from tocsin.gateway import awsmodel, health, inbound, jsonapi, sigv4
from tocsin.gateway.access import Access, Face, Principal
from tocsin.gateway.settings import Settings
from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.errors import (
    InternalError,
    ServiceUnavailable,
    TocsinError,
    UnsupportedOperation,
    ValidationError,
)
from tocsin.shared.listen import CannotListen
from tocsin.shared.logging import bound, get_logger

__all__ = ["HttpGateway"]

log = get_logger(__name__)

REQUEST_ID_HEADER = "x-amzn-RequestId"
JSON_11 = "application/x-amz-json-1.1"
REST_JSON = "application/json"
MAX_BODY = 4 * 1024 * 1024
"""Largest request body accepted (the largest modelled member, a contact policy, is
under 400 kB)."""

_REQUEST_ID = web.RequestKey("tocsin.request_id", str)


class UnknownOperation(ValidationError):
    """No ssm-incidents operation is bound to the request's method and path."""

    aws_code = "UnknownOperationException"
    http_status = 404


class SerializationError(ValidationError):
    """The body cannot be read as JSON at all: nested too deeply, or not encoded the way
    its ``Content-Encoding`` says."""

    aws_code = "SerializationException"
    http_status = 400


@dataclass(frozen=True, slots=True)
class _Route:
    operation: awsmodel.Operation
    pattern: re.Pattern[str]
    labels: dict[str, str]
    """Regex group name → URI label (member location name)."""


class _RestRouter:
    """Finds the rest-json operation of a request from its method and *raw* path.

    The raw path is matched because botocore encodes ``/`` inside a label as ``%2F``
    (``/tags/arn%3A...%3Aresponse-plan%2Fname``), which a decoded path would split.
    """

    def __init__(self, model: awsmodel.ServiceModel) -> None:
        self.routes: list[_Route] = []
        self.paths: set[str] = set()
        """The aiohttp route paths that cover every operation."""
        for op in model.operations.values():
            path = op.request_uri.partition("?")[0]
            pattern, labels, route_path = _compile_uri(path)
            self.routes.append(_Route(op, pattern, labels))
            self.paths.add(route_path)

    def match(self, method: str, raw_path: str) -> tuple[awsmodel.Operation, dict[str, str]]:
        """The operation and its decoded URI labels.

        Raises:
            UnknownOperation: nothing matches.
        """
        for route in self.routes:
            if route.operation.http_method != method:
                continue
            found = route.pattern.fullmatch(raw_path)
            if found:
                return route.operation, {
                    label: unquote(found.group(group)) for group, label in route.labels.items()}
        raise UnknownOperation(f"No ssm-incidents operation is bound to {method} {raw_path}")


def _compile_uri(template: str) -> tuple[re.Pattern[str], dict[str, str], str]:
    """A request URI template as a regex over the raw path, plus an aiohttp route path."""
    regex_parts: list[str] = []
    route_parts: list[str] = []
    labels: dict[str, str] = {}
    for i, piece in enumerate(re.split(r"(\{[^}]+\})", template)):
        if piece.startswith("{") and piece.endswith("}"):
            name = piece[1:-1]
            greedy = name.endswith("+")
            name = name.rstrip("+")
            group = f"g{i}"
            labels[group] = name
            # An empty label still routes to its operation, so the answer names the
            # member (``/tags/``: resourceArn must not be empty; see _check_label).
            regex_parts.append(f"(?P<{group}>{'.*' if greedy else '[^/]*'})")
            route_parts.append(f"{{{group}:[\\s\\S]*}}")  # CR/LF too: refused later
        else:
            regex_parts.append(re.escape(piece))
            route_parts.append(piece)
    return re.compile("".join(regex_parts)), labels, "".join(route_parts)


class HttpGateway:
    """The aiohttp server of one gateway instance; a runner worker."""

    def __init__(self, settings: Settings, access: Access, bus: Bus, *,
                 instance: str) -> None:
        self.started = asyncio.Event()
        """Set once the server accepts connections (and :attr:`port` is known)."""
        self.port: int = 0
        """The bound port; the real one when ``http_addr`` asks for port 0."""
        self._settings = settings
        self._access = access
        self._bus = bus
        self._instance = instance
        self._incidents = awsmodel.load("ssm-incidents", settings.arn_partition)
        self._contacts = awsmodel.load("ssm-contacts", settings.arn_partition)
        tocsin = awsmodel.load("tocsin", settings.arn_partition)
        ssm = awsmodel.load("ssm", settings.arn_partition)
        self._json_models = {m.target_prefix: m for m in (self._contacts, tocsin, ssm)}
        """The JSON 1.1 APIs by their ``X-Amz-Target`` prefix."""
        self._router = _RestRouter(self._incidents)
        self.app = web.Application(client_max_size=MAX_BODY, middlewares=[_request_id])
        """The aiohttp application; other HTTP faces add their routes before start."""
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_post("/", self._json_rpc)
        for path in sorted(self._router.paths):
            self.app.router.add_route("*", path, self._rest_json)
        inbound.add_routes(self.app, bus, access, timeout=settings.rpc_timeout)

    async def __call__(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set, then finish in-flight requests and close."""
        host, _, port = self._settings.http_addr.rpartition(":")
        self._route_the_rest()
        # Leave part of the runner's grace period for closing the bus after this worker.
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False,
                               shutdown_timeout=max(0.5, self._settings.shutdown_grace * 0.8))
        await runner.setup()
        try:
            site = web.TCPSite(runner, host.strip("[]"), int(port))
            try:
                await site.start()
            except OSError as exc:
                reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
                raise CannotListen(self._settings.http_addr, "TOCSIN_HTTP_ADDR",
                                   reason) from None
            self.port = int(runner.addresses[0][1])
            log.info("http.serving", host=host, port=self.port)
            self.started.set()
            await stop.wait()
        finally:
            log.info("http.stopping")
            await runner.cleanup()

    def _route_the_rest(self) -> None:
        """Send every request no other route takes to the ssm-incidents router, so an
        unknown path or method is answered as AWS does (``UnknownOperationException`` in
        the JSON error shape botocore parses), never aiohttp's plain-text 404 or 405.
        Added last, once the other faces have added their routes. The path is known to
        be nobody's before the request is authenticated, as aiohttp's 404 was."""
        self.app.router.add_route("*", r"/{tail:[\s\S]*}", self._unrouted)

    async def _unrouted(self, request: web.Request) -> web.Response:
        try:
            _refuse_unserved(request, None, {})
            self._router.match(request.method, jsonapi.raw_target(request)[0])
        except UnknownOperation as exc:
            error = exc

            async def refuse(request_id: str) -> web.Response:
                raise error

            return await self._guard(request, self._incidents, refuse)
        return await self._rest_json(request)

    # --- handlers -----------------------------------------------------------------------

    async def _healthz(self, request: web.Request) -> web.Response:
        try:
            report: dict[str, Any] = await health.check(self._bus, instance=self._instance)
            healthy = bool(report.get("status") == "ok")
        except Exception as exc:
            log.warning("health.failed", error=repr(exc))
            report, healthy = {"status": "unavailable", "error": str(exc)}, False
        return web.Response(status=200 if healthy else 503, body=codec.encode(report),
                            content_type="application/json")

    async def _json_rpc(self, request: web.Request) -> web.Response:
        """ssm-contacts, ssm and Tocsin's own API: ``POST /`` with ``X-Amz-Target:
        SSMContacts.<Operation>``, ``AmazonSSM.<Operation>`` or ``Tocsin.<Operation>``."""
        target = request.headers.get("X-Amz-Target", "")
        model = self._json_models.get(target.partition(".")[0], self._contacts)

        async def handle(request_id: str) -> web.Response:
            body = await _read(request)
            _refuse_unserved(request, target, self._json_models)
            principal = self._access.authenticator.http(
                request, body, service=model.signing_name, must_sign=("x-amz-target",))
            prefix, _, name = target.partition(".")
            if prefix != model.target_prefix or name not in model.operations:
                raise ValidationError(
                    f"Unknown operation {target!r}: X-Amz-Target must be "
                    f"{model.target_prefix}.<Operation>", reason="UNKNOWN_OPERATION")
            params = _decode_object(body) if body.strip() else {}
            output = await self._call(request, model, name, params, principal, request_id)
            return web.Response(status=200, body=codec.encode(output),
                                content_type=JSON_11)

        return await self._guard(request, model, handle)

    async def _rest_json(self, request: web.Request) -> web.Response:
        """ssm-incidents: the operation is the method plus the model's request URI."""
        model = self._incidents

        async def handle(request_id: str) -> web.Response:
            body = await _read(request)
            _refuse_unserved(request, None, {})
            principal = self._access.authenticator.http(request, body,
                                                        service=model.signing_name)
            path, query = jsonapi.raw_target(request)
            operation, labels = self._router.match(request.method, path)
            params = _rest_params(model, operation, labels, query, request, body)
            output = await self._call(request, model, operation.name, params, principal,
                                      request_id)
            if operation.response_code == 204:
                return web.Response(status=204)
            return web.Response(status=operation.response_code, body=codec.encode(output),
                                content_type=REST_JSON)

        return await self._guard(request, model, handle)

    # --- shared steps -------------------------------------------------------------------

    async def _call(self, request: web.Request, model: awsmodel.ServiceModel,
                    operation: str, params: dict[str, Any], principal: Principal,
                    request_id: str) -> dict[str, Any]:
        awsmodel.validate_input(model, operation, params)
        params = awsmodel.normalize_input(model, operation, params)
        call = self._access.http_call(request, face=Face.AWS_HTTP, api=model.api,
                                      operation=operation, principal=principal,
                                      params=params, request_id=request_id)
        with bound(operation=operation):
            output = await self._access.gate(call)
        return awsmodel.serialize_output(model, operation, output)

    async def _guard(self, request: web.Request, model: awsmodel.ServiceModel,
                     handle: Callable[[str], Awaitable[web.Response]]) -> web.Response:
        request_id = request[_REQUEST_ID]
        started = time.perf_counter()
        with bound(request_id=request_id, api=model.api):
            try:
                response = await handle(request_id)
            except TocsinError as exc:
                response = _error_response(model, exc)
                level = log.warning if response.status >= 500 else log.debug
                level("http.error", code=exc.aws_code, status=response.status,
                      error=exc.message)
            except Exception:
                log.exception("http.crashed", method=request.method, path=request.path)
                response = _error_response(model, InternalError(
                    "The request processing has failed because of an unknown error, "
                    f"exception or failure (request id {request_id})."))
            log.debug("http.answered", method=request.method, status=response.status,
                      ms=round((time.perf_counter() - started) * 1000, 2))
            return response


# --- requests meant for other services ---------------------------------------------------

SERVED = ("this endpoint serves the AWS APIs ssm-incidents (rest-json), ssm-contacts "
          "(X-Amz-Target: SSMContacts.<Operation>) and ssm's Automation documents, "
          "executions and OpsItems (X-Amz-Target: AmazonSSM.<Operation>), and Tocsin's own "
          "API tocsin "
          "(X-Amz-Target: Tocsin.<Operation>, signing name tocsin: event rules, integration "
          "keys, ...; also as JSON under /v1, event rules at /v1/rules)")
"""What an answer to a request meant for another service says Tocsin serves."""

_SIGNING_NAMES = frozenset(awsmodel.APIS)


def _refuse_unserved(request: web.Request, target: str | None,
                     served: Mapping[str | None, object]) -> None:
    """``UnknownOperationException`` for a request meant for an AWS service Tocsin does
    not serve (``aws events list-rules`` pointed at Tocsin), told by its ``X-Amz-Target``
    prefix or the service its credential is scoped to, before the signature is checked:
    "scoped to correct service: 'ssm-contacts'" would send the caller after a signing
    problem it does not have.

    Args:
        target: the ``X-Amz-Target`` header (JSON protocol), or None (rest-json).
        served: the target prefixes the endpoint serves (``SSMContacts``, ``Tocsin``).
    """
    service = sigv4.scope_service(request.headers)
    if target is not None and not target.strip():
        raise UnknownOperation(f"The request names no operation (X-Amz-Target): {SERVED}.")
    prefix = (target or "").partition(".")[0]
    if prefix and prefix not in served:
        meant = f" (signed for '{service}')" if service else ""
        raise UnknownOperation(f"Tocsin does not serve {target}{meant}: {SERVED}.")
    if service is not None and service not in _SIGNING_NAMES:
        raise UnknownOperation(
            f"Tocsin does not serve the service '{service}' this request is signed for: "
            f"{SERVED}.")


# --- request decoding -------------------------------------------------------------------


@web.middleware
async def _request_id(request: web.Request,
                      handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                      ) -> web.StreamResponse:
    """Give every request an id and every response (errors too) ``x-amzn-RequestId``."""
    request_id = str(uuid.uuid4())
    request[_REQUEST_ID] = request_id
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[REQUEST_ID_HEADER] = request_id
        raise
    response.headers[REQUEST_ID_HEADER] = request_id
    if request.get(jsonapi.CLOSE):
        response.force_close()
    return response


async def _read(request: web.Request) -> bytes:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ValidationError(f"The request body exceeds {MAX_BODY} bytes",
                              reason="OTHER") from None
    except jsonapi.UNREADABLE_BODY:
        jsonapi.abandon_body(request)
        encoding = request.headers.get("Content-Encoding", "")
        raise SerializationError(
            f"The request body could not be decoded as its Content-Encoding "
            f"({encoding!r}) says") from None


def _decode_object(body: bytes) -> dict[str, Any]:
    try:
        params: dict[str, Any] = codec.decode(body, dict[str, Any])
    except msgspec.DecodeError as exc:
        raise ValidationError(f"The request body could not be parsed as a JSON object: {exc}",
                              reason="CANNOT_PARSE") from None
    except RecursionError:
        raise SerializationError("The request body is nested too deeply to be parsed "
                                 "as JSON") from None
    return params


def _query_pairs(query: str) -> list[tuple[str, str]]:
    pairs = []
    for item in query.split("&"):
        if item:
            key, _, value = item.partition("=")
            pairs.append((unquote(key), unquote(value)))
    return pairs


def _rest_params(model: awsmodel.ServiceModel, operation: awsmodel.Operation,
                 labels: dict[str, str], query: str, request: web.Request,
                 body: bytes) -> dict[str, Any]:
    """The input of a rest-json operation gathered from labels, query, headers and body."""
    if operation.input_shape is None:
        return {}
    shape = model.shape(operation.input_shape)
    bound_members = {m.name for m in shape.members.values() if m.location}
    params: dict[str, Any] = {}
    if body.strip():
        params = {k: v for k, v in _decode_object(body).items() if k not in bound_members}
    pairs = _query_pairs(query)
    claimed = {m.location_name for m in shape.members.values()
               if m.location == "querystring" and model.shape(m.shape).type != "map"}
    for member in shape.members.values():
        target = model.shape(member.shape)
        if member.location == "uri" and member.location_name in labels:
            _check_label(labels[member.location_name], member.name)
            params[member.name] = _from_text(target, labels[member.location_name],
                                             member.name)
        elif member.location == "header" and member.location_name in request.headers:
            params[member.name] = _from_text(target,
                                             request.headers[member.location_name],
                                             member.name)
        elif member.location == "querystring":
            if target.type == "map":
                params[member.name] = {k: v for k, v in pairs if k not in claimed}
                continue
            values = [v for k, v in pairs if k == member.location_name]
            if not values:
                continue
            if target.type == "list":
                assert target.member is not None
                item = model.shape(target.member)
                params[member.name] = [_from_text(item, v, f"{member.name}.{i}")
                                       for i, v in enumerate(values, start=1)]
            else:
                params[member.name] = _from_text(target, values[0], member.name)
    return params


def _check_label(text: str, path: str) -> None:
    """A URI label names a resource: never empty, never a control character (CR/LF)."""
    if text and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return
    constraint = ("Member must have length greater than or equal to 1" if not text else
                  "Member must not contain control characters")
    shown = text.encode("unicode_escape").decode("ascii")
    raise ValidationError(
        f"1 validation error detected: Value '{shown}' at '{path}' failed to satisfy "
        f"constraint: {constraint}", reason="FIELD_VALIDATION_FAILED",
        fields=[{"name": path, "message": constraint}])


def _from_text(shape: awsmodel.Shape, text: str, path: str) -> Any:
    """A query-string, label or header value as the JSON type of its member's shape."""
    kind = shape.type
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("double", "float"):
            return float(text)
        if kind == "boolean":
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        if kind == "timestamp":
            return awsmodel.parse_timestamp(text)
    except (ValueError, OverflowError):
        raise ValidationError(
            f"1 validation error detected: Value '{text}' at '{path}' failed to satisfy "
            f"constraint: Member must be of type {kind}", reason="FIELD_VALIDATION_FAILED",
            fields=[{"name": path, "message": f"Member must be of type {kind}"}]) from None
    return text


# --- responses --------------------------------------------------------------------------


def _error_response(model: awsmodel.ServiceModel, exc: TocsinError) -> web.Response:
    """An error as the protocol of ``model`` carries it."""
    code = exc.aws_code
    shape = model.error_shape(code)
    extra = awsmodel.serialize_error_fields(model, shape, exc.fields) if shape else {}
    if model.protocol == "rest-json":
        status = exc.http_status
        if shape is not None and shape.http_status and not isinstance(exc, sigv4.AuthError):
            status = shape.http_status
        return web.Response(status=status, body=codec.encode({"message": exc.message, **extra}),
                            content_type=REST_JSON, headers={"x-amzn-ErrorType": code})
    return web.Response(status=_json_status(exc, shape),
                        body=codec.encode({"__type": code, "Message": exc.message, **extra}),
                        content_type=JSON_11)


def _json_status(exc: TocsinError, shape: awsmodel.Shape | None) -> int:
    """The HTTP status of an AWS JSON 1.1 error (its model gives none; botocore reads
    only ``__type``, and retries 5xx): 403 for authentication failures, 503/501 for an
    unavailable or unsupported operation, 500 for server faults, else 400."""
    if isinstance(exc, sigv4.AuthError):
        return 403
    if isinstance(exc, ServiceUnavailable | UnsupportedOperation):
        return exc.http_status
    if (shape is not None and shape.fault) or isinstance(exc, InternalError) \
            or exc.http_status >= 500:
        return 500
    return 400
