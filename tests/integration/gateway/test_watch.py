"""WatchEvents: the gateway's live event stream, read through the generated stub from a real
JetStream stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
import pytest_asyncio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tocsin.gateway import watch
from tocsin.gateway.app import build_access
from tocsin.gateway.grpc_server import SERVICE_NAME, GrpcGateway
from tocsin.gateway.grpcsign import SigV4Signer
from tocsin.gateway.settings import Settings
from tocsin.proto.events.v1 import events_pb2 as pb
from tocsin.proto.events.v1 import events_pb2_grpc
from tocsin.shared import codec
from tocsin.shared.bus import Bus, connect, ensure_stream, events_stream
from tocsin.shared.codec import Correlation

INCIDENT_A = "arn:tocsin:ssm-incidents::000000000000:incident-record/web/aaaaaaaaaaaaaaaa"
INCIDENT_B = "arn:tocsin:ssm-incidents::000000000000:incident-record/web/bbbbbbbbbbbbbbbb"
WAIT = 10.0
KEY_ID, SECRET = "AKIDWATCHTEST", "watch-test-secret"


def signer(region: str) -> Any:
    """Client interceptors signing every call (WatchEvents needs a signature)."""
    return SigV4Signer(KEY_ID, SECRET, region=region).interceptors()


class NoClient:
    """The service client; WatchEvents never calls it."""

    async def call(self, api: str, operation: str, params: dict[str, Any], *, principal: str,
                   request_id: str) -> dict[str, Any]:
        raise AssertionError("WatchEvents must not call a service")


@dataclass
class Running:
    gateway: GrpcGateway
    bus: Bus
    region: str
    stream: str
    channel: grpc.aio.Channel
    stop: asyncio.Event

    @property
    def stub(self) -> events_pb2_grpc.EventsStub:
        return events_pb2_grpc.EventsStub(self.channel)

    async def publish(self, type: str = "IncidentRecordCreated", service: str = "incidents",
                      incident_arn: str | None = INCIDENT_A,
                      data: dict[str, Any] | None = None) -> tuple[codec.Envelope, int]:
        envelope = codec.make_envelope(
            type=type, service=service, region=self.region, data=data or {"n": 1},
            correlation=Correlation(incident_arn=incident_arn, request_id="req-1"))
        ack = await self.bus.publish(envelope.subject, codec.encode(envelope), msg_id=envelope.id)
        return envelope, ack.seq

    async def consumers(self) -> int:
        info = await self.bus.js.stream_info(self.stream)
        return info.state.consumer_count


@pytest_asyncio.fixture
async def running(bus: Bus, isolation: dict[str, str]) -> AsyncIterator[Running]:
    region = isolation["region"]
    config = events_stream(region)
    await ensure_stream(bus.js, config)
    settings = Settings(grpc_addr="127.0.0.1:0", shutdown_grace=1.0, region=region,
                        access_keys=f"{KEY_ID}:{SECRET}")
    gateway = GrpcGateway(settings, build_access(settings, NoClient()), bus, instance="test")
    stop = asyncio.Event()
    task = asyncio.create_task(gateway(stop))
    await asyncio.wait_for(gateway.started.wait(), timeout=WAIT)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{gateway.port}",
                                             interceptors=signer(region)) as channel:
            yield Running(gateway, bus, region, config.name or "", channel, stop)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=WAIT)
        await bus.js.delete_stream(config.name or "")


async def take(call: Any, n: int) -> list[pb.Event]:
    """The next ``n`` events of a WatchEvents call, within WAIT seconds."""

    async def read() -> list[pb.Event]:
        return [await call.read() for _ in range(n)]

    events = await asyncio.wait_for(read(), timeout=WAIT)
    assert all(isinstance(e, pb.Event) for e in events), events
    return events


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait up to WAIT seconds for ``check`` to hold (server state has no event to await)."""

    async def poll() -> None:
        while True:
            if await check():
                return
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout=WAIT)


async def started(running: Running, call: Any, before: int = 0) -> None:
    """Wait until the call's consumer exists, so events published next are "new"."""
    # Not call.wait_for_connection(): a stream sends its headers with the first event.
    del call

    async def more() -> bool:
        return await running.consumers() > before

    await until(more)


async def consumers_back_to(running: Running, count: int) -> None:
    async def back() -> bool:
        return await running.consumers() == count

    await until(back)


def ids(events: Sequence[pb.Event]) -> list[str]:
    return [e.id for e in events]


class TestLive:
    async def test_new_events_arrive_in_order_with_their_envelope(self, running: Running) -> None:
        """Events published after the call started arrive in order, each with its stream
        sequence and every envelope field."""
        await running.publish()  # history, not delivered without from_beginning
        call = running.stub.WatchEvents(pb.WatchEventsRequest())
        await started(running, call)
        published = [await running.publish(data={"n": i}) for i in range(3)]
        events = await take(call, 3)
        assert [(e.id, e.sequence) for e in events] == [(env.id, seq) for env, seq in published]
        first, (envelope, _) = events[0], published[0]
        assert (first.type, first.service, first.region) == (
            "IncidentRecordCreated", "incidents", running.region)
        assert (first.incident_arn, first.request_id, first.engagement_arn) == (
            INCIDENT_A, "req-1", "")
        assert first.schema_version == 1
        assert first.time.ToDatetime().replace(tzinfo=envelope.time.tzinfo) == envelope.time
        assert json.loads(first.data_json) == {"n": 0}
        call.cancel()

    async def test_a_start_sequence_beyond_the_stream_waits_for_it(self, running: Running) -> None:
        """A start_sequence past the last stored event delivers nothing until the stream
        reaches it."""
        _, last = await running.publish()
        call = running.stub.WatchEvents(pb.WatchEventsRequest(start_sequence=last + 2))
        await started(running, call)
        await running.publish()  # last + 1: before the start
        target, seq = await running.publish()
        [event] = await take(call, 1)
        assert (event.id, event.sequence) == (target.id, seq)
        call.cancel()


class TestFilters:
    async def test_event_types_filter(self, running: Running) -> None:
        """Only the requested event types are delivered."""
        call = running.stub.WatchEvents(pb.WatchEventsRequest(
            event_types=["IncidentRecordResolved", "TimelineEventCreated"]))
        await started(running, call)
        await running.publish(type="IncidentRecordCreated")
        resolved, _ = await running.publish(type="IncidentRecordResolved")
        timeline, _ = await running.publish(type="TimelineEventCreated")
        assert ids(await take(call, 2)) == [resolved.id, timeline.id]
        call.cancel()

    async def test_services_filter(self, running: Running) -> None:
        """Only events of the requested services are delivered."""
        call = running.stub.WatchEvents(pb.WatchEventsRequest(services=["contacts"]))
        await started(running, call)
        await running.publish(service="incidents")
        page, _ = await running.publish(service="contacts", type="PageSent")
        [event] = await take(call, 1)
        assert (event.id, event.service) == (page.id, "contacts")
        call.cancel()

    async def test_incident_arns_filter(self, running: Running) -> None:
        """Only events correlated with one of the requested incident records are delivered."""
        call = running.stub.WatchEvents(pb.WatchEventsRequest(incident_arns=[INCIDENT_B]))
        await started(running, call)
        await running.publish(incident_arn=INCIDENT_A)
        await running.publish(incident_arn=None)
        wanted, _ = await running.publish(incident_arn=INCIDENT_B)
        [event] = await take(call, 1)
        assert (event.id, event.incident_arn) == (wanted.id, INCIDENT_B)
        call.cancel()

    async def test_filters_combine(self, running: Running) -> None:
        """Service, type and incident filters must all match."""
        call = running.stub.WatchEvents(pb.WatchEventsRequest(
            services=["incidents", "contacts"], event_types=["IncidentRecordUpdated"],
            incident_arns=[INCIDENT_A]))
        await started(running, call)
        await running.publish(type="IncidentRecordCreated")
        await running.publish(type="IncidentRecordUpdated", incident_arn=INCIDENT_B)
        await running.publish(type="IncidentRecordUpdated", service="runbooks")
        wanted, _ = await running.publish(type="IncidentRecordUpdated")
        assert ids(await take(call, 1)) == [wanted.id]
        call.cancel()

    async def test_many_combinations_are_filtered_in_the_gateway(self, running: Running) -> None:
        """Beyond the filter-subject limit the gateway itself keeps to the services and
        types asked for."""
        services = [f"svc{i}" for i in range(9)]
        types = [f"Type{i}" for i in range(9)]
        assert len(services) * len(types) > watch.MAX_FILTER_SUBJECTS
        call = running.stub.WatchEvents(pb.WatchEventsRequest(services=services,
                                                              event_types=types))
        await started(running, call)
        await running.publish(service="svc1", type="Other")
        await running.publish(service="other", type="Type1")
        wanted, _ = await running.publish(service="svc8", type="Type0")
        assert ids(await take(call, 1)) == [wanted.id]
        call.cancel()


class TestHistory:
    async def test_start_sequence_redelivers_from_there(self, running: Running) -> None:
        """start_sequence delivers from that stream sequence onwards, inclusive, then live."""
        published = [await running.publish(data={"n": i}) for i in range(4)]
        call = running.stub.WatchEvents(pb.WatchEventsRequest(start_sequence=published[1][1]))
        history = await take(call, 3)
        assert [(e.id, e.sequence) for e in history] == [(env.id, s) for env, s in published[1:]]
        live, seq = await running.publish()
        [event] = await take(call, 1)
        assert (event.id, event.sequence) == (live.id, seq)
        call.cancel()

    async def test_resuming_after_a_disconnect_loses_nothing(self, running: Running) -> None:
        """A client that reconnects with the last sequence seen plus one gets exactly what
        it missed."""
        call = running.stub.WatchEvents(pb.WatchEventsRequest())
        await started(running, call)
        await running.publish()
        [seen] = await take(call, 1)
        call.cancel()
        missed = [(await running.publish())[0] for _ in range(2)]
        again = running.stub.WatchEvents(pb.WatchEventsRequest(start_sequence=seen.sequence + 1))
        assert ids(await take(again, 2)) == [e.id for e in missed]
        again.cancel()

    async def test_from_beginning_delivers_the_history_then_live_events(
        self, running: Running
    ) -> None:
        """from_beginning delivers every retained event first, then new ones."""
        history = [(await running.publish(data={"n": i}))[0] for i in range(3)]
        call = running.stub.WatchEvents(pb.WatchEventsRequest(from_beginning=True))
        assert ids(await take(call, 3)) == [e.id for e in history]
        live, _ = await running.publish()
        assert ids(await take(call, 1)) == [live.id]
        call.cancel()


class TestInvalidArguments:
    @pytest.mark.parametrize(
        ("request_", "words"),
        [
            (pb.WatchEventsRequest(start_sequence=3, from_beginning=True), "exclude each other"),
            (pb.WatchEventsRequest(start_sequence=0), "start_sequence"),
            (pb.WatchEventsRequest(event_types=["Incident.Created"]), "event_types"),
            (pb.WatchEventsRequest(event_types=["*"]), "event_types"),
            (pb.WatchEventsRequest(services=["incidents>"]), "services"),
            (pb.WatchEventsRequest(services=[""]), "services"),
            (pb.WatchEventsRequest(incident_arns=[""]), "incident_arns"),
            (pb.WatchEventsRequest(event_types=[f"T{i}" for i in range(101)]), "at most"),
        ],
    )
    async def test_bad_arguments_are_invalid_argument(
        self, running: Running, request_: pb.WatchEventsRequest, words: str
    ) -> None:
        """A malformed filter or contradictory start is INVALID_ARGUMENT with a message that
        names the problem, and no consumer is made."""
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await asyncio.wait_for(running.stub.WatchEvents(request_).read(), timeout=WAIT)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert words in (info.value.details() or "")
        assert await running.consumers() == 0


class TestLifecycle:
    async def test_cancelling_the_call_removes_its_consumer(self, running: Running) -> None:
        """Each call has a consumer of its own, deleted when the client cancels."""
        first = running.stub.WatchEvents(pb.WatchEventsRequest())
        await started(running, first)
        second = running.stub.WatchEvents(pb.WatchEventsRequest(services=["incidents"]))
        await started(running, second, before=1)
        assert await running.consumers() == 2
        first.cancel()
        await consumers_back_to(running, 1)
        second.cancel()
        await consumers_back_to(running, 0)

    async def test_gateway_stop_ends_the_stream_cleanly(self, running: Running) -> None:
        """When the gateway stops, an open stream ends with OK and its consumer is gone."""
        call = running.stub.WatchEvents(pb.WatchEventsRequest())
        await started(running, call)
        running.stop.set()
        assert await asyncio.wait_for(call.read(), timeout=WAIT) is grpc.aio.EOF
        assert await call.code() == grpc.StatusCode.OK
        await consumers_back_to(running, 0)

    async def test_a_deleted_consumer_is_recreated_without_a_gap(
        self, running: Running, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """If the server loses a watch's consumer, the gateway notices the missing heartbeats,
        recreates it from the next sequence, and the client notices nothing."""
        monkeypatch.setattr(watch, "HEARTBEAT", 0.5)
        monkeypatch.setattr(watch, "SILENCE_LIMIT", 1.5)
        call = running.stub.WatchEvents(pb.WatchEventsRequest())
        await started(running, call)
        first, _ = await running.publish()
        assert ids(await take(call, 1)) == [first.id]
        [name] = [c.name async for c in _consumers(running)]
        await running.bus.js.delete_consumer(running.stream, name)
        later = [(await running.publish())[0] for _ in range(2)]
        assert ids(await take(call, 2)) == [e.id for e in later]
        call.cancel()

    async def test_a_slow_client_is_held_back_by_flow_control(self, running: Running) -> None:
        """A client that stops reading leaves a bounded backlog in the gateway (the server
        stops pushing), and reading again delivers everything in order."""
        call = running.stub.WatchEvents(pb.WatchEventsRequest())
        await started(running, call)
        [slow] = [c.name async for c in _consumers(running)]
        reader = running.stub.WatchEvents(pb.WatchEventsRequest())  # reads all it is sent
        await started(running, reader, before=1)
        blob = "x" * 65_536
        published = [(await running.publish(data={"n": i, "blob": blob}))[0] for i in range(800)]
        # The barrier: a client that reads got all of it, so the server had the time to
        # push all of it to the one that does not.
        assert len(await take(reader, len(published))) == len(published)
        reader.cancel()
        [info] = [c async for c in _consumers(running) if c.name == slow]
        # About 52 MB were published; JetStream stops at a 32 MiB window (plus what gRPC's
        # transport buffers took), so part of the stream is not yet pushed.
        assert info.num_pending > 0
        assert ids(await take(call, len(published))) == [e.id for e in published]
        call.cancel()

    async def test_health_and_reflection_name_the_events_service(self, running: Running) -> None:
        """Health reports tocsin.events.v1.Events SERVING and reflection lists it."""
        stub = health_pb2_grpc.HealthStub(running.channel)
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=watch.SERVICE_NAME))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING

        async def requests() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
            yield reflection_pb2.ServerReflectionRequest(list_services="")

        reflection = reflection_pb2_grpc.ServerReflectionStub(running.channel)
        async for answer in reflection.ServerReflectionInfo(requests()):
            names = {s.name for s in answer.list_services_response.service}
            break
        assert {watch.SERVICE_NAME, SERVICE_NAME} <= names


async def _consumers(running: Running) -> AsyncIterator[Any]:
    for info in await running.bus.js.consumers_info(running.stream):
        yield info


class TestNatsRestart:
    async def test_a_watch_outlasts_a_nats_restart(
            self, own_nats: Any, isolation: dict[str, str],
            monkeypatch: pytest.MonkeyPatch) -> None:
        """NATS stays down past a watch's silence limit and longer than a JetStream request
        waits: its consumer cannot be recreated meanwhile, and is once NATS is back, so the
        watch delivers the next event instead of ending UNAVAILABLE."""
        monkeypatch.setattr(watch, "SILENCE_LIMIT", 0.5)
        silent: list[str] = []
        recreate = watch.OrderedConsumer._recreate

        async def noted(self: Any, reason: str) -> None:
            silent.append(reason)
            await recreate(self, reason)

        monkeypatch.setattr(watch.OrderedConsumer, "_recreate", noted)
        region = isolation["region"]
        config = events_stream(region)
        async with connect([own_nats.url], name="tests-watch") as bus:
            await ensure_stream(bus.js, config)
            settings = Settings(grpc_addr="127.0.0.1:0", shutdown_grace=1.0, region=region,
                        access_keys=f"{KEY_ID}:{SECRET}")
            gateway = GrpcGateway(settings, build_access(settings, NoClient()), bus,
                                  instance="test")
            stop = asyncio.Event()
            task = asyncio.create_task(gateway(stop))
            await asyncio.wait_for(gateway.started.wait(), timeout=WAIT)
            async with grpc.aio.insecure_channel(f"127.0.0.1:{gateway.port}",
                                             interceptors=signer(region)) as channel:
                running = Running(gateway, bus, region, config.name or "", channel, stop)
                call = running.stub.WatchEvents(pb.WatchEventsRequest())
                await started(running, call)
                first, _ = await running.publish()
                assert ids(await take(call, 1)) == [first.id]

                await asyncio.to_thread(own_nats.stop)
                await until(lambda: asyncio.sleep(0, bool(silent)))
                # Down longer than a JetStream request waits (5 s) for deleting the old
                # consumer plus creating the new one: an outage no buffered request outlasts.
                await asyncio.sleep(11)
                await asyncio.to_thread(own_nats.start)

                async def published() -> bool:
                    try:
                        await running.publish(data={"n": 2})
                        return True
                    except Exception:
                        return False  # reconnecting, or JetStream not ready yet

                await until(published)
                [event] = await take(call, 1)
                assert json.loads(event.data_json) == {"n": 2}
                call.cancel()
            stop.set()
            await asyncio.wait_for(task, timeout=WAIT)
