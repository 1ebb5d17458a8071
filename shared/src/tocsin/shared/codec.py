"""The bytes format of Tocsin's messages: msgspec JSON, and the event envelope.

This module is the only one that knows the wire format; encoders and typed decoders are
built once and reused (msgspec's "Reuse Encoders/Decoders").
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

__all__ = ["Correlation", "Envelope", "decode", "decoder_for", "encode", "new_event_id"]

_encoder = msgspec.json.Encoder()


def encode(obj: Any) -> bytes:
    """Encode a Struct, dict or list as JSON bytes."""
    return _encoder.encode(obj)


@functools.cache
def decoder_for(tp: Any) -> msgspec.json.Decoder[Any]:
    """The cached typed JSON decoder for ``tp``."""
    return msgspec.json.Decoder(tp)


def decode(data: bytes | str, tp: Any) -> Any:
    """Decode JSON ``data`` as ``tp``; raises ``msgspec.DecodeError`` on a bad payload.

    ``tp`` may be any type msgspec decodes, generic aliases (``dict[str, Any]``) included.
    """
    return decoder_for(tp).decode(data)


def new_event_id() -> str:
    """A fresh event id (UUID4 text); also the ``Nats-Msg-Id`` of the event."""
    return str(uuid.uuid4())


class Correlation(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Ids that tie an event to a request and an incident; they are bound into log lines."""

    request_id: str | None = None
    incident_arn: str | None = None
    engagement_arn: str | None = None
    principal: str | None = None
    """The ARN of the caller whose request made the change, as the gateway authenticated
    it; None for a change a service made on its own (a timer, a reaction to an event)."""


class Envelope(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Every event Tocsin publishes on ``events.<region>.<service>.<type>``.

    New fields always get defaults (msgspec's schema-evolution rules), so services at
    different versions keep reading each other's events.
    """

    id: str
    """Event id; also the ``Nats-Msg-Id``, so a republished event is stored once."""
    type: str
    """Event type, the last token of the subject (``IncidentRecordCreated``)."""
    service: str
    """The producing service (``incidents``)."""
    region: str
    """Region the event was produced in."""
    time: datetime
    """When the change happened."""
    data: dict[str, Any]
    """The event's payload: the resource as the API returns it, or the change."""
    schema_version: int = 1
    correlation: Correlation = Correlation()
    hlc: int | None = None
    """The hybrid logical clock stamp of the change (microseconds since the epoch, never
    behind a stamp its service had seen): with ``region``, what orders concurrent changes
    of one resource made in two regions (:mod:`tocsin.shared.replication.stamps`). None
    for a change that wrote no replicated row, or from a service that predates it."""

    @property
    def subject(self) -> str:
        return f"events.{self.region}.{self.service}.{self.type}"


def make_envelope(*, type: str, service: str, region: str, data: dict[str, Any],
                  correlation: Correlation | None = None,
                  time: datetime | None = None) -> Envelope:
    """A new envelope with a fresh id."""
    return Envelope(id=new_event_id(), type=type, service=service, region=region,
                    time=time or datetime.now(UTC), data=data,
                    correlation=correlation or Correlation())
