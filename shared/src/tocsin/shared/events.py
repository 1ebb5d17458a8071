"""Writing and reading events: the one way a service publishes what changed, and the one
way a consumer gets it typed.

:func:`emit` turns typed events (:class:`tocsin.shared.contracts.base.Event`) into
envelopes and writes them into the outbox of the caller's transaction, so an event is
published if and only if its change commits. The subject, ``type``, ``service`` and
``schemaVersion`` all come from the event's class.

:func:`typed` makes a consumer's handler receive :class:`Received` events: the envelope
(its wire JSON untouched, ``data`` still there for readers of the old shape) and
``event``, its ``data`` decoded into the producer's contract (a member of
``tocsin.shared.contracts.<service>``'s union). A payload that does not fit the contract is
rejected at the boundary (the consumer terminates it), never handed on as a dict.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import asyncpg
import msgspec
from nats.aio.msg import Msg

from tocsin.shared import codec
from tocsin.shared.contracts.base import Event, decode, encode_data
from tocsin.shared.db import write_events
from tocsin.shared.logging import context_headers, context_principal

__all__ = ["Received", "emit", "emit_each", "envelope_of", "received", "typed"]

E = TypeVar("E", bound=Event)


def envelope_of(event: Event, *, region: str, now: datetime,
                correlation: codec.Correlation, hlc: int | None = None) -> codec.Envelope:
    """The envelope that carries ``event``, with a fresh id."""
    return codec.Envelope(
        id=codec.new_event_id(), type=type(event).__name__, service=event.service,
        region=region, time=now, data=encode_data(event),
        schema_version=event.version, correlation=correlation, hlc=hlc)


async def emit(conn: asyncpg.Connection, events: Event | Sequence[Event], *, region: str,
               now: datetime, incident_arn: str | None = None,
               engagement_arn: str | None = None) -> None:
    """Write ``events`` (one, or the events of one change in order) into the outbox of the
    current transaction, in one statement.

    Each envelope's correlation carries the request id and the caller's principal of the
    current context (:mod:`tocsin.shared.bus.rpc` binds them), and the incident and
    engagement the change belongs to; an event with an ``engagement_arn``
    member names its own engagement when none is given. Each envelope carries the
    transaction's clock stamp, the one its replicated rows got
    (:mod:`tocsin.shared.replication.stamps`).
    """
    batch = [events] if isinstance(events, Event) else list(events)
    await emit_each(conn, [(event, incident_arn) for event in batch], region=region, now=now,
                    engagement_arn=engagement_arn)


async def emit_each(conn: asyncpg.Connection, changes: Sequence[tuple[Event, str | None]], *,
                    region: str, now: datetime, engagement_arn: str | None = None) -> None:
    """:func:`emit` of the events of several changes, each ``(event, the incident it
    belongs to)``, in order and in one statement (a batch of alarms' starts)."""
    if not changes:
        return
    headers = context_headers()
    request_id = headers.get("Tocsin-Request-Id")
    principal = context_principal()
    envelopes = [
        envelope_of(event, region=region, now=now, correlation=codec.Correlation(
            request_id=request_id, principal=principal, incident_arn=incident_arn,
            engagement_arn=engagement_arn or getattr(event, "engagement_arn", None)))
        for event, incident_arn in changes]
    await write_events(conn, envelopes, headers)  # stamps them


@dataclass(frozen=True, slots=True)
class Received(Generic[E]):
    """An event as a consumer receives it: ``event`` is the typed contract event, the
    rest is its envelope's."""

    envelope: codec.Envelope
    event: E

    @property
    def id(self) -> str:
        return self.envelope.id

    @property
    def type(self) -> str:
        return self.envelope.type

    @property
    def service(self) -> str:
        return self.envelope.service

    @property
    def region(self) -> str:
        return self.envelope.region

    @property
    def time(self) -> datetime:
        return self.envelope.time

    @property
    def correlation(self) -> codec.Correlation:
        return self.envelope.correlation

    @property
    def data(self) -> dict[str, Any]:
        """The untyped payload, as it is on the wire (prefer :attr:`event`)."""
        return self.envelope.data


def received(envelope: codec.Envelope, union: Any) -> Received[Any]:
    """``envelope`` with its ``data`` decoded into the member of ``union`` its ``type``
    names; raises ``msgspec.ValidationError`` when it does not fit."""
    return Received(envelope, decode(envelope.type, envelope.data, union))


def typed(union: Any, handler: Callable[[Received[Any], Msg], Awaitable[None]], *,
          only: frozenset[str] | None = None
          ) -> Callable[[codec.Envelope, Msg], Awaitable[None]]:
    """A consumer handler that decodes each envelope into ``union`` (a contract's tagged
    union) before ``handler`` sees it; with ``only``, events of other types are
    acknowledged without being decoded. A payload that does not fit is rejected
    (``msgspec.ValidationError``, which the consumer loop terminates)."""

    async def decoded(envelope: codec.Envelope, msg: Msg) -> None:
        if only is not None and envelope.type not in only:
            return
        try:
            event = received(envelope, union)
        except msgspec.ValidationError as exc:
            raise msgspec.ValidationError(
                f"{envelope.service} {envelope.type} does not fit its contract: {exc}"
            ) from None
        await handler(event, msg)

    return decoded
