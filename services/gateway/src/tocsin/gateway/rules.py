"""Event rules and integration keys in their earlier forms, kept as aliases of the same
operations of Tocsin's own API (``models/tocsin``: ``Tocsin.CreateRule`` ..., and gRPC
``tocsin.api.v1.Tocsin`` generated from it). They hand the request to the incidents
service as before, without the model's checks (the service checks its input itself):

- gRPC ``tocsin.rules.v1.Rules`` (``proto/tocsin/proto/rules/v1/rules.proto``);
- JSON over HTTP, SigV4-signed like the AWS API (signing name ``tocsin``, or
  ``ssm-incidents`` / ``ssm-contacts``):

  =======================================  ======================  ======
  request                                  operation               status
  =======================================  ======================  ======
  ``POST /v1/rules``                       CreateRule              201
  ``GET /v1/rules``                        ListRules (query:       200
                                           ``maxResults``,
                                           ``nextToken``,
                                           ``responsePlanArn``)
  ``GET /v1/rules/{name}``                 GetRule                 200
  ``PATCH /v1/rules/{name}``               UpdateRule              200
  ``DELETE /v1/rules/{name}``              DeleteRule              204
  ``POST /v1/rules/{name}/test``           TestEventPattern        200
                                           (``{"event": ...}``)
  ``POST /v1/test-event-pattern``          TestEventPattern        200
                                           (``{"eventPattern",
                                           "event"}``)
  ``POST /v1/integration-keys``            CreateIntegrationKey    201
  ``GET /v1/integration-keys``             ListIntegrationKeys     200
                                           (query:
                                           ``responsePlanArn``)
  ``DELETE /v1/integration-keys/{id}``     DeleteIntegrationKey    204
  ``GET /v1/ingestion-stats``              GetIngestionStats       200
                                           (dead-lettered alarm
                                           messages by reason)
  =======================================  ======================  ======

Bodies and replies are the incidents service's own (camelCase, times as epoch seconds);
gRPC messages are the same members in snake_case, times as ``Timestamp``.
"""

from __future__ import annotations

import uuid
from typing import Any

import grpc
from aiohttp import web
from google.protobuf.descriptor import FieldDescriptor  # type: ignore[import-untyped]
from google.protobuf.message import Message  # type: ignore[import-untyped]
from google.protobuf.timestamp_pb2 import Timestamp  # type: ignore[import-untyped]

from tocsin.gateway import grpcauth, jsonapi
from tocsin.gateway.access import Access, Face
from tocsin.proto.rules.v1 import rules_pb2, rules_pb2_grpc
from tocsin.shared.errors import TocsinError
from tocsin.shared.logging import bound

__all__ = ["SERVICE_NAME", "RulesServicer", "add_routes"]

SERVICE_NAME: str = rules_pb2.DESCRIPTOR.services_by_name["Rules"].full_name
"""``tocsin.rules.v1.Rules``."""

API = "tocsin"
"""The API these are aliases of (``Tocsin.CreateRule``, ...; served by incidents)."""

JSON = dict[str, Any]


# --- HTTP ---------------------------------------------------------------------------------


def add_routes(app: web.Application, access: Access) -> None:
    """Put the rules and integration-key endpoints on the gateway's HTTP app."""

    def endpoint(operation: str, *, status: int = 200, body: bool = True,
                 query: tuple[str, ...] = (), path: dict[str, str] | None = None
                 ) -> jsonapi.Handler:
        async def handle(request: web.Request) -> web.Response:
            raw = await jsonapi.read_body(request)
            principal = access.authenticator.http(request, raw,
                                                  service=jsonapi.SIGNING_NAMES)
            params: JSON = jsonapi.read_json(raw) if body else {}
            for name in query:
                if name in request.query:
                    value = request.query[name]
                    params[name] = int(value) if name == "maxResults" and value.isdigit() \
                        else value
            for member, label in (path or {}).items():
                params[member] = request.match_info[label]
            call = access.http_call(request, face=Face.V1, api=API, operation=operation,
                                    principal=principal, params=params,
                                    request_id=uuid.uuid4().hex)
            with bound(None, operation=operation):
                result = await access.gate(call)
            return jsonapi.json_response(result, status=status)

        return jsonapi.guarded(handle)

    app.router.add_post("/v1/rules", endpoint("CreateRule", status=201))
    app.router.add_get("/v1/rules", endpoint(
        "ListRules", body=False, query=("maxResults", "nextToken", "responsePlanArn")))
    app.router.add_get("/v1/rules/{name}", endpoint("GetRule", body=False,
                                                    path={"name": "name"}))
    app.router.add_patch("/v1/rules/{name}", endpoint("UpdateRule", path={"name": "name"}))
    app.router.add_delete("/v1/rules/{name}", endpoint("DeleteRule", status=204, body=False,
                                                       path={"name": "name"}))
    app.router.add_post("/v1/rules/{name}/test", endpoint("TestEventPattern",
                                                          path={"name": "name"}))
    app.router.add_post("/v1/test-event-pattern", endpoint("TestEventPattern"))
    app.router.add_post("/v1/integration-keys", endpoint("CreateIntegrationKey", status=201))
    app.router.add_get("/v1/integration-keys", endpoint(
        "ListIntegrationKeys", body=False, query=("responsePlanArn",)))
    app.router.add_delete("/v1/integration-keys/{id}", endpoint(
        "DeleteIntegrationKey", status=204, body=False, path={"id": "id"}))
    app.router.add_get("/v1/ingestion-stats", endpoint("GetIngestionStats", body=False))


# --- gRPC ---------------------------------------------------------------------------------


def _enum_prefix(field: FieldDescriptor) -> str:
    first: str = field.enum_type.values[0].name
    return first.removesuffix("UNSPECIFIED")


def to_params(message: Message) -> JSON:
    """A request message as the service's JSON input: set members only, enums by value
    name (``RULE_STATE_ENABLED`` → ``ENABLED``)."""
    params: JSON = {}
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.has_presence and not message.HasField(field.name):
            continue
        if field.type == FieldDescriptor.TYPE_ENUM:
            if value == 0:
                continue
            value = field.enum_type.values_by_number[value].name.removeprefix(
                _enum_prefix(field))
        params[field.json_name] = value
    return params


def to_message(data: JSON, cls: type[Message]) -> Message:
    """The service's JSON output as a response message; unknown members are dropped."""
    message = cls()
    for field in cls.DESCRIPTOR.fields:
        if field.json_name not in data or data[field.json_name] is None:
            continue
        value = data[field.json_name]
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.full_name == Timestamp.DESCRIPTOR.full_name:
                stamp = getattr(message, field.name)
                stamp.FromNanoseconds(round(float(value) * 1e9))
            elif field.is_repeated:
                item_cls = type(getattr(message, field.name).add())
                del getattr(message, field.name)[:]
                getattr(message, field.name).extend(to_message(v, item_cls) for v in value)
            else:
                getattr(message, field.name).CopyFrom(
                    to_message(value, type(getattr(message, field.name))))
        elif field.type == FieldDescriptor.TYPE_ENUM:
            setattr(message, field.name, field.enum_type.values_by_name[
                _enum_prefix(field) + str(value)].number)
        else:
            setattr(message, field.name, value)
    return message


class RulesServicer(rules_pb2_grpc.RulesServicer):  # type: ignore[misc]
    """Each rpc: the request as JSON to the incidents service, its reply as the response."""

    def __init__(self, access: Access) -> None:
        self._access = access
        for method in rules_pb2.DESCRIPTOR.services_by_name["Rules"].methods:
            setattr(self, method.name, self._rpc(
                method.name, getattr(rules_pb2, method.output_type.name)))

    def _rpc(self, operation: str, response_cls: type[Message]) -> Any:
        async def rpc(request: Message, context: grpc.aio.ServicerContext) -> Message:
            with bound(None, operation=operation):
                try:
                    call = self._access.grpc_call(context, api=API, operation=operation,
                                                  principal=grpcauth.caller(),
                                                  params=to_params(request),
                                                  request_id=uuid.uuid4().hex)
                    result = await self._access.gate(call)
                    return to_message(result or {}, response_cls)
                except TocsinError as exc:
                    await context.abort(getattr(grpc.StatusCode, exc.grpc_code), exc.message,
                                        trailing_metadata=(("aws-error-code", exc.aws_code),))
                    raise AssertionError("unreachable: abort raises") from None

        return rpc
