"""SigV4 on gRPC calls: a server interceptor that verifies every call before it runs.

A call is signed like an HTTP request with the same access keys (``Part 1`` of the
architecture): SigV4 over ``POST <method path>`` (``/tocsin.incidents.v1.Incidents/
ListResponsePlans``), no query string, the serialized request message as the body, the
signed headers and ``authorization`` carried as metadata (lower-case keys: ``authorization``,
``x-amz-date``, ``host``, ...). :mod:`tocsin.gateway.grpcsign` signs for clients; botocore's
``SigV4Auth`` signs the same way (sign an ``AWSRequest("POST", "http://<host><method
path>", data=<request bytes>)`` and send its headers as metadata). The signing name is
any of Tocsin's (``tocsin``, ``ssm-incidents``, ``ssm-contacts``); the region must be the
one this deployment serves.

A call that is not signed, or signed wrongly, ends ``UNAUTHENTICATED`` with the trailing
metadata ``aws-error-code: <AWS code>`` before anything runs; ``WatchEvents`` included.
Only the standard health service and server reflection answer unsigned calls: probes
cannot sign, and the schema reflection describes is the published ``proto/``.
Its principal is what :func:`caller` returns while the call runs.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import grpc

from tocsin.gateway import sigv4
from tocsin.gateway.access import Authenticator, Principal
from tocsin.gateway.jsonapi import SIGNING_NAMES
from tocsin.shared.logging import get_logger

__all__ = ["AWS_ERROR_CODE", "UNSIGNED_SERVICES", "SigV4Interceptor", "caller"]

log = get_logger(__name__)

AWS_ERROR_CODE = "aws-error-code"

UNSIGNED_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/",
                     "/grpc.reflection.v1.ServerReflection/")
"""Method path prefixes served without a signature."""

_CALLER: ContextVar[Principal | None] = ContextVar("tocsin_grpc_caller", default=None)


def caller() -> Principal:
    """The principal of the gRPC call being served (verified by :class:`SigV4Interceptor`).

    Raises:
        RuntimeError: called outside a verified call (a wiring mistake, never a caller's).
    """
    principal = _CALLER.get()
    if principal is None:
        raise RuntimeError("no verified gRPC caller: the SigV4 interceptor is not installed")
    return principal


class SigV4Interceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Verifies the SigV4 signature of every call but health checks and reflection."""

    def __init__(self, authenticator: Authenticator) -> None:
        self._authenticator = authenticator

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], details: Any,
    ) -> Any:
        handler = await continuation(details)
        method = str(details.method)
        if handler is None or method.startswith(UNSIGNED_SERVICES):
            return handler
        metadata = tuple(details.invocation_metadata or ())
        if handler.request_streaming:
            return _refusing(handler, sigv4.MissingAuthentication(
                f"{method} streams its requests and cannot be signed"))
        parse = handler.request_deserializer or (lambda raw: raw)

        async def admit(raw: bytes, context: grpc.aio.ServicerContext) -> Any:
            """The request message once the signature holds; else the call is aborted."""
            try:
                principal = self._authenticator.grpc(method, metadata, raw,
                                                     service=SIGNING_NAMES)
            except sigv4.AuthError as exc:
                log.debug("grpc.unauthenticated", method=method, aws_code=exc.aws_code)
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, exc.message,
                                    trailing_metadata=((AWS_ERROR_CODE, exc.aws_code),))
                raise AssertionError("unreachable: abort raises") from None
            _CALLER.set(principal)
            return parse(raw)

        if handler.unary_unary is not None:
            inner = handler.unary_unary

            async def unary_unary(raw: bytes, context: grpc.aio.ServicerContext) -> Any:
                return await inner(await admit(raw, context), context)

            return grpc.unary_unary_rpc_method_handler(
                unary_unary, response_serializer=handler.response_serializer)

        inner_stream = handler.unary_stream

        async def unary_stream(raw: bytes, context: grpc.aio.ServicerContext) -> None:
            result = inner_stream(await admit(raw, context), context)
            if inspect.isasyncgen(result):
                async for item in result:
                    await context.write(item)
            else:
                await result

        return grpc.unary_stream_rpc_method_handler(
            unary_stream, response_serializer=handler.response_serializer)


def _refusing(handler: Any, error: sigv4.AuthError) -> Any:
    """A handler of a request-streaming method that refuses every call."""
    async def refuse(requests: Any, context: grpc.aio.ServicerContext) -> None:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, error.message,
                            trailing_metadata=((AWS_ERROR_CODE, error.aws_code),))

    if handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(
            refuse, response_serializer=handler.response_serializer)
    return grpc.stream_unary_rpc_method_handler(
        refuse, response_serializer=handler.response_serializer)
