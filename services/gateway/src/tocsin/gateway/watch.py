"""``tocsin.events.v1.Events``: the live event stream of the gateway's region, for dashboards.

Each ``WatchEvents`` call reads ``EVENTS_<REGION>`` through a JetStream consumer of its own:
an ephemeral push consumer without acks, with flow control and idle heartbeats, that the
gateway keeps ordered. A gap in the consumer sequence, or a consumer that falls silent
(server restart, lost interest), makes the gateway recreate it from the stream sequence
after the last one it delivered, trying again while JetStream does not answer (a NATS
restart). The request's services and event types become the consumer's filter subjects
(``events.<region>.<service>.<type>``, ``*`` for an empty list); the incident ARN filter
runs in the gateway, on the decoded envelope.

Buffering is bounded by JetStream's flow control. The server stops pushing when a consumer
has a window of unanswered bytes outstanding (2 MiB at first, doubling with each answer up to
the server's fixed 32 MiB), and the gateway answers a flow-control request (and a stalled
heartbeat) only when its loop reaches it in the queue, that is after the gRPC client has
taken every earlier event: a gRPC write waits for the client's HTTP/2 window. A client that
stops reading therefore holds at most about 32 MiB in the gateway, plus gRPC's transport
buffers, and holds back its own consumer and nothing else.

Why not nats-py's ``ordered_consumer=True`` (2.16): it records a message's stream sequence
when the message arrives, not when it is read, so a message dropped by a full subscription
is skipped without a trace; it answers stalled heartbeats wherever the reader is, so the
buffer is not bounded; and a reset before the first message starts again at sequence 1.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
import msgspec
import nats.errors
import nats.js.errors
from google.protobuf.timestamp_pb2 import Timestamp  # type: ignore[import-untyped]
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, Header

from tocsin.gateway import grpcauth
from tocsin.gateway.access import Access, Call
from tocsin.gateway.grpcauth import AWS_ERROR_CODE
from tocsin.gateway.settings import Settings
from tocsin.proto.events.v1 import events_pb2, events_pb2_grpc
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, events_stream
from tocsin.shared.logging import bound, get_logger
from tocsin.shared.outage import RECONNECT_BASE, RECONNECT_CAP, backoff

__all__ = ["SERVICE_NAME", "EventsServicer", "OrderedConsumer", "Watch"]

log = get_logger(__name__)

SERVICE_NAME: str = events_pb2.DESCRIPTOR.services_by_name["Events"].full_name
"""``tocsin.events.v1.Events``."""

HEARTBEAT = 5.0
"""Seconds between the server's idle heartbeats on a watch consumer."""
SILENCE_LIMIT = 3 * HEARTBEAT
"""A consumer silent this long (not even a heartbeat) is gone, and is recreated."""
INACTIVE_THRESHOLD = 30.0
"""The server deletes a watch consumer nobody listens to after this long (a gateway that
died without deleting its consumers)."""
PENDING_MSGS = 262_144
PENDING_BYTES = 64 * 1024 * 1024
"""Safety limits of the subscription, above the server's 32 MiB flow-control window so that
nothing is dropped; a message dropped anyway is a gap, repaired by recreating the consumer."""
MAX_FILTER_VALUES = 100
"""At most this many incident ARNs, event types or services in one request."""
MAX_FILTER_SUBJECTS = 64
"""Beyond this many service-and-type combinations the consumer filters on the services alone
(or the types alone, or nothing) and the gateway checks the rest."""

_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")
_MAX_ARN = 2048
_MAX_REQUEST_ID = 128
_STATUS = Header.STATUS.value
_CONTROL = "100"
"""The status of idle heartbeats and flow-control requests."""


@dataclass(frozen=True)
class Watch:
    """A validated ``WatchEventsRequest``: what to deliver and from where."""

    subjects: tuple[str, ...]
    """The consumer's filter subjects."""
    services: frozenset[str]
    """Services to deliver (empty: all); checked again in the gateway."""
    event_types: frozenset[str]
    """Event types to deliver (empty: all); checked again in the gateway."""
    incident_arns: frozenset[str]
    """Incident records to deliver (empty: all); checked in the gateway only."""
    start_sequence: int | None
    """The first stream sequence to deliver; ``None`` for the first one stored after now."""
    from_beginning: bool

    @classmethod
    def from_request(cls, request: events_pb2.WatchEventsRequest, region: str) -> Watch:
        """Check ``request`` and build the watch for ``region``.

        Raises:
            ValidationError: a malformed or oversized filter, a zero ``start_sequence``, or
                both ``start_sequence`` and ``from_beginning``.
        """
        services = _tokens("services", request.services, "a service name")
        event_types = _tokens("event_types", request.event_types, "an event type")
        arns = _unique("incident_arns", request.incident_arns)
        for arn in arns:
            if not arn or len(arn) > _MAX_ARN or not arn.isprintable():
                raise errors.ValidationError(
                    f"incident_arns: {arn[:80]!r} is not an incident record ARN")
        start: int | None = None
        if request.HasField("start_sequence"):
            if request.from_beginning:
                raise errors.ValidationError(
                    "start_sequence and from_beginning exclude each other: "
                    "set start_sequence to resume, from_beginning for the whole history")
            if request.start_sequence < 1:
                raise errors.ValidationError("start_sequence must be 1 or more")
            start = request.start_sequence
        return cls(
            subjects=_filter_subjects(region, services, event_types),
            services=frozenset(services),
            event_types=frozenset(event_types),
            incident_arns=frozenset(arns),
            start_sequence=start,
            from_beginning=request.from_beginning,
        )

    def event(self, msg: Msg, sequence: int) -> events_pb2.Event | None:
        """The message as an ``Event``, or ``None`` when the filters leave it out."""
        tokens = msg.subject.split(".")
        service, event_type = (tokens[2], tokens[3]) if len(tokens) == 4 else ("", "")
        if (self.services and service not in self.services) or (
            self.event_types and event_type not in self.event_types
        ):
            return None
        try:
            envelope = codec.decode(msg.data, codec.Envelope)
        except msgspec.DecodeError as exc:
            log.warning("watch.undecodable", subject=msg.subject, sequence=sequence,
                        error=str(exc))
            return None
        correlation = envelope.correlation
        if self.incident_arns and correlation.incident_arn not in self.incident_arns:
            return None
        time = Timestamp()
        time.FromDatetime(envelope.time)
        return events_pb2.Event(
            sequence=sequence,
            id=envelope.id,
            type=envelope.type,
            service=envelope.service,
            region=envelope.region,
            time=time,
            schema_version=envelope.schema_version,
            incident_arn=correlation.incident_arn or "",
            engagement_arn=correlation.engagement_arn or "",
            request_id=correlation.request_id or "",
            data_json=codec.encode(envelope.data).decode(),
        )


def _unique(field: str, values: Iterable[str]) -> list[str]:
    unique = sorted(set(values))
    if len(unique) > MAX_FILTER_VALUES:
        raise errors.ValidationError(f"{field}: at most {MAX_FILTER_VALUES} values")
    return unique


def _tokens(field: str, values: Iterable[str], what: str) -> list[str]:
    tokens = _unique(field, values)
    for token in tokens:
        if not _TOKEN.fullmatch(token):
            raise errors.ValidationError(
                f"{field}: {token[:80]!r} is not {what} "
                "(1 to 128 letters, digits, '_' or '-')")
    return tokens


def _filter_subjects(region: str, services: Sequence[str],
                     event_types: Sequence[str]) -> tuple[str, ...]:
    def product(ss: Sequence[str], ts: Sequence[str]) -> tuple[str, ...]:
        return tuple(f"events.{region}.{s}.{t}" for s in ss or ["*"] for t in ts or ["*"])

    # Distinct literal tokens never overlap, which the server requires of filter_subjects.
    for ss, ts in ((services, event_types), (services, ()), ((), event_types)):
        subjects = product(ss, ts)
        if len(subjects) <= MAX_FILTER_SUBJECTS:
            return subjects
    return product((), ())


class OrderedConsumer:
    """One watch's ephemeral push consumer, delivering in stream order without gaps."""

    def __init__(self, bus: Bus, stream: str, subjects: Sequence[str], *,
                 description: str) -> None:
        self._bus = bus
        self._stream = stream
        self._subjects = list(subjects)
        self._description = description
        self._sub: Subscription | None = None
        self._name = ""
        self._delivered = 0
        """Consumer sequence of the last message read from the current consumer."""
        self.last_sequence = 0
        """Stream sequence of the last message read (or the one before the start)."""
        self._getter: asyncio.Task[Msg] | None = None
        self._stopping: asyncio.Task[Any] | None = None

    async def open(self, watch: Watch, stop: asyncio.Event) -> None:
        """Create the consumer at the watch's start; ``next`` returns ``None`` once ``stop``
        is set.

        Raises:
            ServiceUnavailable: the stream does not exist or JetStream does not answer.
        """
        self._stopping = asyncio.ensure_future(stop.wait())
        if watch.from_beginning:
            await self._create(DeliverPolicy.ALL, None)
            return
        if watch.start_sequence is not None:
            start = watch.start_sequence
        else:
            # "Only new events" is "from the one after the last stored now", so that a
            # consumer recreated before its first message resumes from the same place.
            try:
                info = await self._bus.js.stream_info(self._stream)
            except nats.js.errors.NotFoundError:
                raise errors.ServiceUnavailable(
                    f"the event stream {self._stream} does not exist yet") from None
            except (nats.errors.Error, TimeoutError) as exc:
                raise errors.ServiceUnavailable(
                    f"the event stream {self._stream} cannot be read: {exc!r}") from None
            start = info.state.last_seq + 1
        await self._create(DeliverPolicy.BY_START_SEQUENCE, start)

    async def next(self) -> tuple[Msg, int] | None:
        """The next event message and its stream sequence; ``None`` once stopped.

        Raises:
            ServiceUnavailable: the consumer was lost and cannot be recreated.
        """
        assert self._stopping is not None, "open() first"
        while True:
            if self._stopping.done():
                return None
            if self._getter is None:
                assert self._sub is not None
                self._getter = asyncio.ensure_future(self._sub.next_msg(timeout=None))
            done, _ = await asyncio.wait(
                (self._getter, self._stopping), timeout=SILENCE_LIMIT,
                return_when=asyncio.FIRST_COMPLETED)
            if self._stopping in done:
                return None
            if self._getter not in done:
                await self._recreate("silent")
                continue
            getter, self._getter = self._getter, None
            try:
                msg = getter.result()
            except nats.errors.ConnectionClosedError:
                raise errors.ServiceUnavailable("the gateway's NATS connection closed") from None
            headers = msg.headers or {}
            status = headers.get(_STATUS)
            if status == _CONTROL and not msg.data:
                await self._control(msg, headers)
                continue
            if status is not None:
                # e.g. 409 Consumer Deleted: an operator removed it, or the server did.
                await self._recreate(f"status {status} {headers.get(Header.DESCRIPTION, '')}")
                continue
            try:
                sequence = msg.metadata.sequence
            except nats.errors.NotJSMessageError:
                log.warning("watch.stray_message", subject=msg.subject)
                continue
            if sequence.consumer != self._delivered + 1:
                await self._recreate("gap")
                continue
            self._delivered = sequence.consumer
            self.last_sequence = sequence.stream
            return msg, sequence.stream

    async def _control(self, msg: Msg, headers: dict[str, str]) -> None:
        # Everything queued before this message has been read: answering now lets the
        # server send the next window.
        if msg.reply:  # a flow-control request
            await self._bus.nc.publish(msg.reply)
            return
        stalled = headers.get(Header.CONSUMER_STALLED)  # an earlier answer went missing
        if stalled:
            await self._bus.nc.publish(stalled)
        last = headers.get(Header.LAST_CONSUMER)
        if last is not None and last.isdigit() and int(last) != self._delivered:
            await self._recreate("gap")

    async def _create(self, policy: DeliverPolicy, start: int | None) -> None:
        nc = self._bus.nc
        inbox = nc.new_inbox()
        self._sub = await nc.subscribe(inbox, pending_msgs_limit=PENDING_MSGS,
                                       pending_bytes_limit=PENDING_BYTES)
        config = ConsumerConfig(
            description=self._description,
            deliver_subject=inbox,
            deliver_policy=policy,
            opt_start_seq=start,
            ack_policy=AckPolicy.NONE,
            flow_control=True,
            idle_heartbeat=HEARTBEAT,
            inactive_threshold=INACTIVE_THRESHOLD,
            mem_storage=True,
            num_replicas=1,
            filter_subject=self._subjects[0] if len(self._subjects) == 1 else None,
            filter_subjects=self._subjects if len(self._subjects) > 1 else None,
        )
        try:
            info = await self._bus.js.add_consumer(self._stream, config)
        except nats.js.errors.NotFoundError:
            raise errors.ServiceUnavailable(
                f"the event stream {self._stream} does not exist yet") from None
        except (nats.errors.Error, TimeoutError) as exc:
            resume = f"; resume with start_sequence={start}" if start else ""
            raise errors.ServiceUnavailable(
                f"cannot read the event stream {self._stream}: {exc!r}{resume}") from None
        self._name = info.name
        self._delivered = 0
        self.last_sequence = (start - 1) if start else 0

    async def _recreate(self, reason: str) -> None:
        """A new consumer from the last sequence read. While JetStream does not answer (a
        NATS restart) it is tried again with a short backoff until it does or the watch
        stops (then ``next`` returns ``None``)."""
        resume = self.last_sequence + 1
        log.warning("watch.consumer_recreated", reason=reason, consumer=self._name,
                    resume=resume)
        assert self._stopping is not None
        attempt = 0
        while True:
            await self._release()
            if self._bus.nc.is_connected:
                try:
                    await self._create(DeliverPolicy.BY_START_SEQUENCE, resume)
                    return
                except errors.ServiceUnavailable as exc:
                    log.warning("watch.recreate_failed", error=exc.message, attempt=attempt)
            attempt += 1
            await asyncio.wait([self._stopping], timeout=backoff(
                attempt, base=RECONNECT_BASE, cap=RECONNECT_CAP))
            if self._stopping.done():
                await self._release()
                return

    async def _release(self) -> None:
        if self._getter is not None:
            self._getter.cancel()
            self._getter = None
        sub, self._sub = self._sub, None
        name, self._name = self._name, ""
        if sub is not None:
            try:
                await sub.unsubscribe()
            except nats.errors.Error:
                pass
        if name and self._bus.nc.is_connected:  # else the server drops it by itself
            try:
                await self._bus.js.delete_consumer(self._stream, name)
            except (nats.errors.Error, TimeoutError) as exc:
                # The server removes it after INACTIVE_THRESHOLD anyway.
                log.debug("watch.consumer_not_deleted", consumer=name, error=repr(exc))

    async def close(self) -> None:
        """Unsubscribe and delete the consumer; safe to call more than once."""
        if self._stopping is not None:
            self._stopping.cancel()
        await self._release()


class EventsServicer(events_pb2_grpc.EventsServicer):  # type: ignore[misc]
    """Serves ``WatchEvents`` from the region's event stream until each client cancels or
    ``stop`` is set.

    A watch is one call through the gateway's pipeline (``tocsin:WatchEvents`` on the
    incident records it names, else ``*``), which lasts as long as the stream does."""

    def __init__(self, bus: Bus, settings: Settings, access: Access, *,
                 stop: asyncio.Event) -> None:
        self._bus = bus
        self._access = access
        self._region = settings.region
        self._stream = events_stream(settings.region).name or ""
        self._stop = stop
        self._limit = settings.watch_limit
        self._open: Counter[str] = Counter()
        """Open watches by principal (or source address)."""

    async def WatchEvents(
        self, request: events_pb2.WatchEventsRequest, context: grpc.aio.ServicerContext
    ) -> None:
        """Stream the matching events; end with OK when the gateway stops."""
        watch_id = uuid.uuid4().hex[:12]
        request_id = _request_id(context.invocation_metadata())
        with bound(None, request_id=request_id, watch=watch_id):
            try:
                watch = Watch.from_request(request, self._region)
            except errors.ValidationError as exc:
                log.debug("watch.refused", error=exc.message)
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, exc.message)
                raise AssertionError("unreachable: abort raises") from None
            call = self._access.grpc_call(
                context, api="tocsin", operation="WatchEvents", principal=grpcauth.caller(),
                params={"incidentArns": sorted(watch.incident_arns),
                        "services": sorted(watch.services),
                        "eventTypes": sorted(watch.event_types)},
                request_id=request_id)
            call.resources = tuple(sorted(watch.incident_arns)) or ("*",)

            async def stream(call: Call) -> None:
                holder = call.principal.arn or call.source_ip
                if self._open[holder] >= self._limit:
                    raise errors.QuotaExceededError(
                        f"{holder or 'this caller'} already has {self._limit} WatchEvents "
                        "streams open on this gateway (TOCSIN_WATCH_LIMIT); close one first")
                self._open[holder] += 1
                try:
                    await self._stream_events(watch, watch_id, context)
                finally:
                    self._open[holder] -= 1
                    if not self._open[holder]:
                        del self._open[holder]

            try:
                await self._access.gate(call, stream)
            except errors.TocsinError as exc:
                log.debug("watch.refused", code=exc.aws_code)
                await context.abort(getattr(grpc.StatusCode, exc.grpc_code), exc.message,
                                    trailing_metadata=((AWS_ERROR_CODE, exc.aws_code),))

    async def _stream_events(self, watch: Watch, watch_id: str,
                             context: grpc.aio.ServicerContext) -> None:
        consumer = OrderedConsumer(self._bus, self._stream, watch.subjects,
                                    description=f"WatchEvents {watch_id}")
        delivered = 0
        try:
            await consumer.open(watch, self._stop)
            # Tells the client the watch is live (every event stored from now on comes),
            # before any event does.
            await context.send_initial_metadata((("x-watch-id", watch_id),))
            log.info("watch.started", subjects=list(watch.subjects),
                     incident_arns=len(watch.incident_arns),
                     start=watch.start_sequence or consumer.last_sequence + 1,
                     from_beginning=watch.from_beginning)
            while (item := await consumer.next()) is not None:
                event = watch.event(*item)
                if event is not None:
                    await context.write(event)
                    delivered += 1
        except errors.ServiceUnavailable as exc:
            log.warning("watch.unavailable", error=exc.message)
            await context.abort(grpc.StatusCode.UNAVAILABLE, exc.message)
        finally:
            await consumer.close()
            log.info("watch.ended", delivered=delivered, last_sequence=consumer.last_sequence)


def _request_id(metadata: Any) -> str:
    for key, value in metadata or ():
        if (key == "x-request-id" and isinstance(value, str)
                and 0 < len(value) <= _MAX_REQUEST_ID and value.isprintable()):
            return value
    return uuid.uuid4().hex
