"""How a WatchEventsRequest becomes a watch: validation and the consumer's filter subjects."""

from __future__ import annotations

import pytest

from tocsin.gateway import watch
from tocsin.proto.events.v1 import events_pb2 as pb
from tocsin.shared.errors import ValidationError


class TestFilterSubjects:
    def test_no_filters_is_every_event_of_the_region(self) -> None:
        """An empty request filters on events.<region>.*.*."""
        assert watch.Watch.from_request(pb.WatchEventsRequest(), "r1").subjects == (
            "events.r1.*.*",)

    def test_services_and_types_multiply(self) -> None:
        """Each service is combined with each type, deduplicated and sorted."""
        request = pb.WatchEventsRequest(services=["incidents", "contacts", "incidents"],
                                        event_types=["B", "A"])
        assert watch.Watch.from_request(request, "r1").subjects == (
            "events.r1.contacts.A", "events.r1.contacts.B",
            "events.r1.incidents.A", "events.r1.incidents.B")

    def test_types_alone_use_a_service_wildcard(self) -> None:
        """Event types without services match that type from any service."""
        request = pb.WatchEventsRequest(event_types=["IncidentRecordCreated"])
        assert watch.Watch.from_request(request, "r1").subjects == (
            "events.r1.*.IncidentRecordCreated",)

    def test_too_many_combinations_fall_back_to_the_services(self) -> None:
        """Beyond the limit the consumer filters on services only and keeps the types to
        check in the gateway."""
        request = pb.WatchEventsRequest(services=[f"s{i}" for i in range(10)],
                                        event_types=[f"T{i}" for i in range(10)])
        built = watch.Watch.from_request(request, "r1")
        assert built.subjects == tuple(f"events.r1.s{i}.*" for i in range(10))
        assert built.event_types == {f"T{i}" for i in range(10)}


class TestStart:
    def test_start_sequence_is_kept(self) -> None:
        """start_sequence is the first sequence to deliver."""
        built = watch.Watch.from_request(pb.WatchEventsRequest(start_sequence=7), "r1")
        assert (built.start_sequence, built.from_beginning) == (7, False)

    def test_unset_start_is_none(self) -> None:
        """Without start_sequence the watch starts after the last stored event."""
        assert watch.Watch.from_request(pb.WatchEventsRequest(), "r1").start_sequence is None

    @pytest.mark.parametrize(
        "request_",
        [
            pb.WatchEventsRequest(start_sequence=1, from_beginning=True),
            pb.WatchEventsRequest(start_sequence=0),
            pb.WatchEventsRequest(services=["a.b"]),
            pb.WatchEventsRequest(event_types=["A B"]),
            pb.WatchEventsRequest(incident_arns=["x" * 3000]),
            pb.WatchEventsRequest(services=[f"s{i}" for i in range(101)]),
        ],
    )
    def test_bad_requests_are_validation_errors(self, request_: pb.WatchEventsRequest) -> None:
        """Contradictory starts and malformed or oversized filters are refused."""
        with pytest.raises(ValidationError):
            watch.Watch.from_request(request_, "r1")
