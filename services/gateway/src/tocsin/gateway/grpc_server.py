"""The gateway's gRPC face: ``tocsin.incidents.v1.Incidents``, ``tocsin.contacts.v1.Contacts``,
``tocsin.api.v1.Tocsin`` (Tocsin's own API, generated from ``models/tocsin``),
``tocsin.ssm.v1.SSM`` (documents, automation executions, OpsItems), the older
hand-written ``tocsin.rules.v1.Rules`` (:mod:`.rules`), ``tocsin.events.v1.Events``
(:mod:`.watch`, when the gateway has a NATS connection), reflection and health.

Every rpc of the service is served by one generic handler built from the service
descriptor: the request message becomes the operation's AWS-shaped input
(:func:`.protoconv.to_params`), the model validates it, the owning service answers over
NATS, and its output becomes the response message (:func:`.protoconv.from_result`). A
:class:`~tocsin.shared.errors.TocsinError` ends the call with its gRPC status and the
trailing metadata ``aws-error-code: <AWS code>``; anything else is ``INTERNAL``.

Each call's request id is the caller's ``x-request-id`` metadata, or a new one; it is sent
back as initial metadata ``x-request-id`` and travels to the services.
"""

from __future__ import annotations

import asyncio
import enum
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import grpc
from google.protobuf.message import DecodeError, Message  # type: ignore[import-untyped]
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection

from tocsin.gateway import awsmodel, grpcauth, health, protoconv, rules, watch
from tocsin.gateway.access import Access
from tocsin.gateway.clients import OPERATION_OWNERS, OWNERS
from tocsin.gateway.settings import Settings
from tocsin.proto.api.v1 import tocsin_pb2
from tocsin.proto.contacts.v1 import contacts_pb2
from tocsin.proto.events.v1 import events_pb2_grpc
from tocsin.proto.incidents.v1 import incidents_pb2
from tocsin.proto.rules.v1 import rules_pb2_grpc
from tocsin.proto.ssm.v1 import ssm_pb2
from tocsin.shared.bus import Bus
from tocsin.shared.errors import TocsinError, ValidationError
from tocsin.shared.listen import CannotListen
from tocsin.shared.logging import bound, get_logger

__all__ = ["API", "MIRRORS", "SERVICE_NAME", "GrpcGateway", "Mirror"]

log = get_logger(__name__)



class Mirror(NamedTuple):
    """A gRPC service generated from an AWS API's model, and the module holding its messages."""

    api: str
    module: Any
    service: Any

    @property
    def name(self) -> str:
        return str(self.service.full_name)


MIRRORS: tuple[Mirror, ...] = (
    Mirror("ssm-incidents", incidents_pb2,
           incidents_pb2.DESCRIPTOR.services_by_name["Incidents"]),
    Mirror("ssm-contacts", contacts_pb2, contacts_pb2.DESCRIPTOR.services_by_name["Contacts"]),
    Mirror("tocsin", tocsin_pb2, tocsin_pb2.DESCRIPTOR.services_by_name["Tocsin"]),
    Mirror("ssm", ssm_pb2, ssm_pb2.DESCRIPTOR.services_by_name["SSM"]),
)
"""``tocsin.incidents.v1.Incidents``, ``tocsin.contacts.v1.Contacts``,
``tocsin.api.v1.Tocsin`` and ``tocsin.ssm.v1.SSM`` (the served part of ``ssm``)."""

API = MIRRORS[0].api
SERVICE_NAME: str = MIRRORS[0].name

REQUEST_ID = "x-request-id"
AWS_ERROR_CODE = "aws-error-code"
_MAX_REQUEST_ID = 128


class _State(enum.Enum):
    UNSTARTED = "unstarted"
    SERVING = "serving"
    STOPPED = "stopped"


Behaviour = Callable[[Message, grpc.aio.ServicerContext], Awaitable[Message]]


class GrpcGateway:
    """The gRPC server, as a worker: serves until the stop event, then shuts down gracefully."""

    def __init__(
        self, settings: Settings, access: Access, bus: Bus | None, *, instance: str
    ) -> None:
        self._settings = settings
        self._access = access
        self._bus = bus
        self._instance = instance
        self._state = _State.UNSTARTED
        self.started = asyncio.Event()
        """Set once the server listens and reports its health (:mod:`.health`)."""
        self.port = 0
        """The bound port (``settings.grpc_addr`` may ask for port 0)."""

    async def __call__(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set; then NOT_SERVING, and ``shutdown_grace`` to finish.

        Raises:
            RuntimeError: the gateway was already run, or the address cannot be bound.
        """
        if self._state is not _State.UNSTARTED:
            raise RuntimeError("a GrpcGateway runs once; make a new one")
        self._state = _State.SERVING
        # Without SO_REUSEPORT: a second gateway on a taken port must fail, not share it.
        server = grpc.aio.server(
            interceptors=[grpcauth.SigV4Interceptor(self._access.authenticator)],
            options=[("grpc.so_reuseport", 0)])
        health_servicer = health_aio.HealthServicer()
        server.add_generic_rpc_handlers([self._handler(m) for m in MIRRORS])
        # Each gRPC service, and the Tocsin services it calls (for its health).
        services: dict[str, tuple[str, ...]] = {
            m.name: (OWNERS[m.api],) if m.api in OWNERS
            else tuple(sorted(set(OPERATION_OWNERS[m.api].values()))) for m in MIRRORS}
        rules_pb2_grpc.add_RulesServicer_to_server(
            rules.RulesServicer(self._access), server)
        services[rules.SERVICE_NAME] = ("incidents",)
        if self._bus is not None:
            events_pb2_grpc.add_EventsServicer_to_server(
                watch.EventsServicer(self._bus, self._settings, self._access, stop=stop),
                server)
            services[watch.SERVICE_NAME] = ()  # NATS alone
        statuses = health.GrpcHealth(health_servicer, self._bus, services,
                                     instance=self._instance)
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        reflection.enable_server_reflection(
            (
                *services,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ),
            server,
        )
        try:
            self.port = server.add_insecure_port(self._settings.grpc_addr)
        except RuntimeError:  # grpc says only "Failed to bind"
            self.port = 0
        if not self.port:
            raise CannotListen(self._settings.grpc_addr, "TOCSIN_GRPC_ADDR",
                               "in use, or not an address of this machine")
        await server.start()
        try:
            await statuses.update()
            log.info(
                "grpc.serving",
                addr=self._settings.grpc_addr,
                port=self.port,
                instance=self._instance,
            )
            self.started.set()
            await statuses.follow(stop)
        finally:
            self._state = _State.STOPPED
            await health_servicer.enter_graceful_shutdown()
            await server.stop(self._settings.shutdown_grace)
            log.info("grpc.stopped")

    def _handler(self, mirror: Mirror) -> grpc.GenericRpcHandler:
        model = awsmodel.load(mirror.api, self._settings.arn_partition)
        handlers = {}
        for method in mirror.service.methods:
            request_cls = getattr(mirror.module, method.input_type.name)
            response_cls = getattr(mirror.module, method.output_type.name)
            handlers[method.name] = grpc.unary_unary_rpc_method_handler(
                self._behaviour(mirror.api, model, method.name, response_cls),
                request_deserializer=_lenient(request_cls),
                response_serializer=response_cls.SerializeToString,
            )
        return grpc.method_handlers_generic_handler(mirror.name, handlers)

    def _behaviour(self, api: str, model: awsmodel.ServiceModel, operation: str,
                   response_cls: type[Message]) -> Behaviour:
        shape_name = model.operations[operation].input_shape
        input_shape = model.shape(shape_name) if shape_name else None

        async def behaviour(request: Message, context: grpc.aio.ServicerContext) -> Message:
            request_id = _request_id(context.invocation_metadata())
            # Sent with the status rather than as separate initial metadata, which would
            # cost a frame of its own on every call.
            context.set_trailing_metadata(((REQUEST_ID, request_id),))
            started = time.perf_counter()
            with bound(None, request_id=request_id, operation=operation):
                try:
                    if isinstance(request, Undecodable):
                        raise ValidationError(f"The request is not a valid {request.name} "
                                              f"message: {request.error}")
                    params = (
                        protoconv.to_params(request, input_shape, model)
                        if input_shape is not None
                        else {}
                    )
                    awsmodel.validate_input(model, operation, params)
                    call = self._access.grpc_call(context, api=api, operation=operation,
                                                  principal=grpcauth.caller(), params=params,
                                                  request_id=request_id)
                    result = await self._access.gate(call)
                    response = protoconv.from_result(result or {}, response_cls)
                except TocsinError as exc:
                    failure: tuple[grpc.StatusCode, str, str] = (
                        getattr(grpc.StatusCode, exc.grpc_code),
                        exc.message,
                        exc.aws_code,
                    )
                except Exception:
                    log.exception("grpc.failed")
                    failure = (
                        grpc.StatusCode.INTERNAL,
                        f"{operation} failed unexpectedly",
                        "InternalServerException",
                    )
                else:
                    log.debug("grpc.answered", ms=round((time.perf_counter() - started) * 1000, 2))
                    return response
                code, message, aws_code = failure
                log.debug("grpc.refused", code=code.name, aws_code=aws_code)
                await context.abort(code, message, trailing_metadata=(
                    (REQUEST_ID, request_id), (AWS_ERROR_CODE, aws_code)))
                raise AssertionError("unreachable: abort raises")

        return behaviour


class Undecodable(NamedTuple):
    """A request whose bytes are no message of its type (garbage, nesting past protobuf's
    recursion limit): answered INVALID_ARGUMENT, where grpc's own deserializer failure
    would answer INTERNAL."""

    name: str
    error: str


def _lenient(message_cls: type[Message]) -> Callable[[bytes], Message | Undecodable]:
    def deserialize(data: bytes) -> Message | Undecodable:
        try:
            return message_cls.FromString(data)
        except DecodeError as exc:
            return Undecodable(message_cls.DESCRIPTOR.full_name, str(exc) or "cannot parse")

    return deserialize


def _request_id(metadata: Any) -> str:
    for key, value in metadata or ():
        if (
            key == REQUEST_ID
            and isinstance(value, str)
            and 0 < len(value) <= _MAX_REQUEST_ID
            and value.isprintable()
        ):
            return value
    return uuid.uuid4().hex
