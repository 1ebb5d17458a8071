"""What Tocsin's own JSON endpoints on the HTTP port share (``/v1/rules``,
``/v1/integration-keys``, the webhooks): SigV4 verification with any of Tocsin's signing
names (:data:`SIGNING_NAMES`), JSON
bodies, and errors as ``{"code", "message"}`` with the error's HTTP status and the header
``x-amzn-ErrorType``, like the ssm-incidents API. Nothing unexpected reaches the caller as a
traceback: it is logged and answered 500.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from aiohttp import web
from aiohttp.http_exceptions import ContentEncodingError
from aiohttp.web_protocol import RequestPayloadError

from tocsin.shared import codec
from tocsin.shared.errors import InternalError, TocsinError, ValidationError
from tocsin.shared.logging import bound, get_logger

__all__ = ["MAX_BODY", "SIGNING_NAMES", "error_response", "guarded", "json_response",
           "read_json"]

log = get_logger(__name__)

MAX_BODY = 512 * 1024
"""Largest body these endpoints take: everything must fit in one NATS message."""

JSON = dict[str, Any]


def raw_target(request: web.Request) -> tuple[str, str]:
    """The path and query string as the client sent them (still encoded)."""
    target = request.raw_path
    if "://" in target.partition("?")[0]:
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    path, _, query = target.partition("?")
    return path or "/", query


SIGNING_NAMES = ("tocsin", "ssm-incidents", "ssm-contacts")
"""The signing names a ``/v1`` request may be signed for (``tocsin`` is usual)."""


CLOSE = web.RequestKey("tocsin.close", bool)
"""Set when the connection must close after the answer (its body could not be read); the
HTTP server's middleware closes it."""

UNREADABLE_BODY = (ContentEncodingError, RequestPayloadError, web.HTTPBadRequest)
"""What reading a body raises when it is not what its ``Content-Encoding`` says."""


def abandon_body(request: web.Request) -> None:
    """End a body that cannot be read (aiohttp would try to read the rest after the answer
    and log the failure) and close the connection after the answer, since where the next
    request starts is unknown."""
    request.content.feed_eof()
    request[CLOSE] = True


async def read_body(request: web.Request) -> bytes:
    """The body, refused when larger than :data:`MAX_BODY` or not decodable."""
    if (request.content_length or 0) > MAX_BODY:
        raise TooLarge(f"The request body exceeds {MAX_BODY} bytes")
    try:
        body = await request.content.read(MAX_BODY + 1)
    except UNREADABLE_BODY:
        abandon_body(request)
        raise ValidationError(
            f"The request body could not be decoded as its Content-Encoding "
            f"({request.headers.get('Content-Encoding', '')!r}) says") from None
    if len(body) > MAX_BODY:
        raise TooLarge(f"The request body exceeds {MAX_BODY} bytes")
    return body


class TooLarge(ValidationError):
    http_status = 413


def read_json(body: bytes, tp: Any = dict[str, Any]) -> Any:
    """The body decoded as ``tp`` (an empty body is an empty object)."""
    try:
        return codec.decode(body or b"{}", tp)
    except msgspec.DecodeError as exc:
        raise ValidationError(f"The request body is not valid JSON of the right shape: {exc}",
                              reason="CANNOT_PARSE") from None
    except RecursionError:
        raise ValidationError("The request body is nested too deeply to be parsed as JSON",
                              reason="CANNOT_PARSE") from None


def json_response(data: Any, *, status: int = 200) -> web.Response:
    if status == 204:
        return web.Response(status=204)
    return web.Response(status=status, body=codec.encode(data), content_type="application/json")


def error_response(exc: TocsinError) -> web.Response:
    return web.Response(status=exc.http_status,
                        body=codec.encode({"code": exc.aws_code, "message": exc.message}),
                        content_type="application/json",
                        headers={"x-amzn-ErrorType": exc.aws_code})


Handler = Callable[[web.Request], Awaitable[web.Response]]


def guarded(handler: Handler, *, on_error: Callable[[TocsinError], web.Response] = error_response
            ) -> Handler:
    """``handler`` with errors answered by ``on_error`` and the unexpected logged."""

    async def guard(request: web.Request) -> web.Response:
        with bound(None, path=request.path):
            try:
                return await handler(request)
            except TocsinError as exc:
                log.debug("http.refused", code=exc.aws_code, error=exc.message)
                return on_error(exc)
            except Exception:
                log.exception("http.crashed", method=request.method)
                return on_error(InternalError(
                    "The request processing has failed because of an unknown error"))

    return guard
