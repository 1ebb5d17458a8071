"""SigV4 on gRPC calls: a server interceptor that verifies a signed call before it runs.

A call is signed like an HTTP request with the same access keys (``Part 1`` of the
architecture): SigV4 over ``POST <method path>`` (``/tocsin.incidents.v1.Incidents/
ListResponsePlans``), no query string, the serialized request message as the body, the
signed headers and ``authorization`` carried as metadata (lower-case keys: ``authorization``,
``x-amz-date``, ``host``, ...). botocore's ``SigV4Auth`` signs it unchanged: sign an
``AWSRequest("POST", "http://<host><method path>", data=<request bytes>)`` and send its
headers as metadata.

The credential must be scoped to the region this deployment serves, as over HTTP: a call
signed for another region is refused (``UNAUTHENTICATED``, trailing metadata
``aws-error-code: InvalidSignatureException``) naming the region served. Its principal is
what :func:`caller` returns while the call runs.

A call without ``authorization`` metadata still acts as the gateway's gRPC principal:
enforcing signatures on every gRPC call belongs to the authentication work still to come.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any

import grpc

from tocsin.gateway import sigv4
from tocsin.shared.logging import get_logger

__all__ = ["AWS_ERROR_CODE", "SigV4Interceptor", "caller"]

log = get_logger(__name__)

AWS_ERROR_CODE = "aws-error-code"

_CALLER: ContextVar[str | None] = ContextVar("tocsin_grpc_caller", default=None)


def caller() -> str | None:
    """The principal of the signed gRPC call being served, or None (unsigned)."""
    return _CALLER.get()


class SigV4Interceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Verifies the SigV4 signature of every signed unary-request call."""

    def __init__(self, *, credentials: Mapping[str, str], account: str, region: str,
                 partition: str) -> None:
        self._credentials = credentials
        self._account = account
        self._region = region
        self._partition = partition

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], details: Any,
    ) -> Any:
        handler = await continuation(details)
        metadata = tuple(details.invocation_metadata or ())
        if handler is None or handler.request_streaming \
                or not any(key == "authorization" for key, _ in metadata):
            return handler
        method = str(details.method)
        parse = handler.request_deserializer or (lambda raw: raw)

        async def admit(raw: bytes, context: grpc.aio.ServicerContext) -> Any:
            """The request message once the signature holds; else the call is aborted."""
            try:
                principal = sigv4.verify(
                    method="POST", path=method, query="", headers=_Metadata(metadata),
                    body=raw, credentials=self._credentials, account=self._account,
                    region=self._region, partition=self._partition)
            except sigv4.AuthError as exc:
                log.debug("grpc.unauthenticated", method=method, aws_code=exc.aws_code)
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, exc.message,
                                    trailing_metadata=((AWS_ERROR_CODE, exc.aws_code),))
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


class _Metadata:
    """gRPC metadata as the multi-dict :func:`sigv4.verify` reads headers from."""

    def __init__(self, metadata: tuple[Any, ...]) -> None:
        self._items = [(str(k), v) for k, v in metadata if isinstance(v, str)]

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)
