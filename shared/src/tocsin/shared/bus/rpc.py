"""Request/reply services on ``tocsin.rpc.<service>.<Operation>``.

Each service registers its operations as ``nats.micro`` endpoints in a queue group named
after the service, so any number of instances share the load and ``$SRV.PING.<service>``
lists them (``/healthz`` uses that). A subscription's callback runs one message at a
time, so each request is handed to its own task, bounded by ``concurrency``; shutdown
stops taking requests, then waits for those in flight. Each request is counted and timed
by operation and outcome (:mod:`tocsin.shared.metrics`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import msgspec
import nats.errors
import nats.micro
from nats.micro.request import Request
from nats.micro.service import EndpointConfig, ServiceConfig

from tocsin.shared import codec, errors, metrics
from tocsin.shared.bus.connection import PRINCIPAL_HEADER, Bus
from tocsin.shared.bus.principals import SIGNATURE_HEADER, Verifier
from tocsin.shared.logging import bound, get_logger
from tocsin.shared.outage import server_gone

__all__ = ["Handler", "RpcRequest", "RpcServer", "rpc_subject"]

log = get_logger(__name__)


def rpc_subject(service: str, operation: str) -> str:
    """The subject an operation of a service is served on."""
    return f"tocsin.rpc.{service}.{operation}"


class RpcRequest:
    """One request as a handler sees it: the operation, the JSON body, the caller."""

    __slots__ = ("data", "headers", "operation")

    def __init__(self, operation: str, data: bytes, headers: Mapping[str, str]) -> None:
        self.operation = operation
        self.data = data
        self.headers = headers

    @property
    def principal(self) -> str:
        """The caller's ARN as the gateway authenticated it (empty for internal calls)."""
        return self.headers.get(PRINCIPAL_HEADER, "")

    def decode(self, tp: type[Any]) -> Any:
        """The body as ``tp``; a body that does not fit is the caller's mistake."""
        try:
            return codec.decode(self.data or b"{}", tp)
        except msgspec.ValidationError as exc:
            raise errors.ValidationError(_aws_message(str(exc))) from None
        except msgspec.DecodeError as exc:
            raise errors.ValidationError(f"the request body is not valid JSON: {exc}") from None
        except RecursionError:
            raise errors.ValidationError("the request body is nested too deeply") from None


Handler = Callable[[RpcRequest], Awaitable[Any]]
"""An operation: takes the request, returns what to encode as the reply body."""


class RpcServer:
    """The request/reply face of one service instance."""

    def __init__(self, bus: Bus, *, service: str, version: str,
                 handlers: Mapping[str, Handler], concurrency: int = 512,
                 description: str = "", status: dict[str, str] | None = None,
                 verifier: Verifier | None = None) -> None:
        """``status`` (a :class:`~tocsin.shared.outage.PostgresProbe`'s) is sent with
        every ``$SRV.PING`` answer and may change while serving. ``verifier``: a request
        naming a principal is refused unless a known signer signed it
        (:mod:`.principals`); None trusts the header (an open bus)."""
        self._verifier = verifier
        self._bus = bus
        self._service = service
        self._version = version
        self._handlers = dict(handlers)
        self._description = description
        self._status = status if status is not None else {}
        self._slots = asyncio.Semaphore(concurrency)
        self._inflight: set[asyncio.Task[None]] = set()
        self.started = asyncio.Event()
        """Set once every operation's endpoint is subscribed: requests are answered."""

    async def __call__(self, stop: asyncio.Event) -> None:
        """The server as a runner worker (see :meth:`serve`)."""
        await self.serve(stop)

    async def serve(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set, then finish the requests in flight."""
        svc = await nats.micro.add_service(
            self._bus.nc,
            ServiceConfig(name=self._service, version=self._version,
                          description=self._description or f"Tocsin {self._service}",
                          queue_group=self._service, metadata=self._status))
        try:
            for operation in self._handlers:
                await svc.add_endpoint(EndpointConfig(
                    name=operation, subject=rpc_subject(self._service, operation),
                    handler=self._dispatcher(operation)))
            try:
                # A request to this instance's own ping, sent after the subscriptions on
                # this connection, is answered once the server has them all: from then on
                # any client's request reaches them. (nats-py's flush() is no such barrier:
                # its PING overtakes subscriptions still queued.)
                await self._bus.nc.request(f"$SRV.PING.{self._service}.{svc.id}", b"",
                                           timeout=5.0)
            except nats.errors.Error as exc:  # NATS gone: the reconnection subscribes again
                log.warning("rpc.start_unconfirmed", error=repr(exc))
            log.info("rpc.serving", operations=len(self._handlers), instance=svc.id)
            self.started.set()
            await stop.wait()
        finally:
            try:
                await svc.stop()
            except nats.errors.Error as exc:  # NATS gone: the subscriptions went with it
                log.warning("rpc.stop_failed", error=repr(exc))
            if self._inflight:
                log.info("rpc.draining", inflight=len(self._inflight))
                await asyncio.gather(*self._inflight, return_exceptions=True)

    def _dispatcher(self, operation: str) -> Callable[[Request], Awaitable[None]]:
        handler = self._handlers[operation]
        measure = _Measure(self._service, operation)

        async def dispatch(request: Request) -> None:
            await self._slots.acquire()
            task = asyncio.create_task(self._measured(operation, handler, request, measure))
            self._inflight.add(task)
            task.add_done_callback(self._done)

        return dispatch

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._slots.release()

    async def _measured(self, operation: str, handler: Handler, request: Request,
                        measure: _Measure) -> None:
        started = time.perf_counter()
        outcome = await self._run(operation, handler, request, started)
        measure.done(outcome, time.perf_counter() - started)

    async def _run(self, operation: str, handler: Handler, request: Request,
                   started: float) -> str:
        """Answer one request; its outcome for the metrics."""
        headers = request.headers or {}
        # The caller's principal is bound for the request's log lines and for the events
        # it emits (their envelope's correlation), not passed on to further requests.
        with bound(headers, operation=operation,
                   principal=headers.get(PRINCIPAL_HEADER) or None):
            principal = headers.get(PRINCIPAL_HEADER)
            if principal and self._verifier is not None:
                why = self._verifier.check(request.subject, principal,
                                           headers.get(SIGNATURE_HEADER))
                if why is not None:
                    log.warning("rpc.principal_refused", principal=principal, reason=why)
                    await self._respond_error(request, errors.AccessDeniedError(
                        f"{operation} was refused: the caller's identity could not be "
                        "verified"))
                    return CLIENT_ERROR
            try:
                result = await handler(RpcRequest(operation, request.data, headers))
            except errors.TocsinError as exc:
                if isinstance(exc, errors.InternalError):
                    log.error("rpc.failed", error=exc.message)
                await self._respond_error(request, exc)
                return _outcome(exc)
            except Exception as exc:
                gone = server_gone(exc)
                if gone is not None:
                    # A restart of the database (or of NATS mid-request): the caller may
                    # retry, and nothing here is broken.
                    log.warning("rpc.server_gone", server=gone, error=repr(exc))
                    await self._respond_error(request, errors.ServiceUnavailable(
                        f"{operation} could not reach {gone}; try again"))
                    return UNAVAILABLE
                log.exception("rpc.crashed")
                await self._respond_error(request, errors.InternalError(
                    f"{operation} failed unexpectedly"))
                return SERVER_ERROR
            reply = b"{}" if result is None else codec.encode(result)
            if len(reply) > self._bus.nc.max_payload:
                # nats-py would raise MaxPayloadError and the caller would wait for its
                # timeout; answer at once, saying what went wrong.
                log.error("rpc.reply_too_large", size=len(reply))
                await self._respond_error(request, errors.InternalError(
                    f"{operation} produced a reply of {len(reply)} bytes, more than a "
                    f"message may carry; ask for fewer results"))
                return SERVER_ERROR
            try:
                await request.respond(reply)
            except nats.errors.Error as exc:  # NATS gone: the caller times out and retries
                log.warning("rpc.reply_lost", error=repr(exc))
                return UNAVAILABLE
            log.debug("rpc.answered", ms=round((time.perf_counter() - started) * 1000, 2))
            return OK

    @staticmethod
    async def _respond_error(request: Request, exc: errors.TocsinError) -> None:
        # The message travels in a header as well as in the body, and nats-py checks only
        # the body against the server's limit: an oversized error reply makes the server
        # drop this instance's connection. A message that quotes a huge input is cut.
        wire = exc.to_wire()
        message = wire["message"] = _bounded(exc.message)
        try:
            await request.respond_error(exc.aws_code, message, data=codec.encode(wire))
        except nats.errors.Error as lost:
            log.warning("rpc.reply_lost", error=repr(lost))


OK, CLIENT_ERROR, SERVER_ERROR, UNAVAILABLE = "ok", "client_error", "server_error", "unavailable"
"""A request's outcomes, as the metrics count them."""


def _outcome(exc: errors.TocsinError) -> str:
    if isinstance(exc, errors.ServiceUnavailable):
        return UNAVAILABLE
    return SERVER_ERROR if exc.http_status >= 500 else CLIENT_ERROR


class _Measure:
    """One operation's request counters and latency histogram, bound once."""

    __slots__ = ("_counts", "_latency", "_operation", "_service")

    def __init__(self, service: str, operation: str) -> None:
        self._service = service
        self._operation = operation
        self._latency = metrics.RPC_LATENCY.labels(service, operation)
        self._counts = {OK: metrics.RPC_REQUESTS.labels(service, operation, OK)}

    def done(self, outcome: str, seconds: float) -> None:
        counter = self._counts.get(outcome)
        if counter is None:
            counter = self._counts[outcome] = metrics.RPC_REQUESTS.labels(
                self._service, self._operation, outcome)
        counter.inc()
        self._latency.observe(seconds)


ERROR_MESSAGE_LIMIT = 16_384
"""Characters of an error message a reply carries (the rest is cut)."""


def _bounded(message: str) -> str:
    if len(message) <= ERROR_MESSAGE_LIMIT:
        return message
    return message[:ERROR_MESSAGE_LIMIT] + f"... ({len(message)} characters in all)"


def _aws_message(msgspec_message: str) -> str:
    """msgspec's ``Expected `int`, got `str` - at `$.impact``` in the AWS style."""
    text, sep, where = msgspec_message.rpartition(" - at `$.")
    if not sep:
        return f"1 validation error detected: {msgspec_message}"
    member = where.rstrip("`")
    return f"1 validation error detected: Value at '{member}' failed to satisfy constraint: {text}"
