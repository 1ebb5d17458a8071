"""Which streams the inbox reads, and how stamps order concurrent writes."""

from __future__ import annotations

from datetime import UTC, datetime

from nats.js.api import ExternalStream, StreamConfig, StreamInfo, StreamSource, StreamState

from tocsin.shared import codec
from tocsin.shared.replication.inbox import mirrored_region
from tocsin.shared.replication.stamps import Stamp, stamp_of


def _info(config: StreamConfig) -> StreamInfo:
    return StreamInfo(config=config, state=StreamState(messages=0, bytes=0, first_seq=0,
                                                       last_seq=0, consumer_count=0))


def test_the_mirror_of_another_regions_events_names_that_region() -> None:
    mirror = StreamConfig(name="EVENTS_EU-WEST-1", mirror=StreamSource(
        name="EVENTS_EU-WEST-1", external=ExternalStream(api="$JS.eu-west-1.API")))
    assert mirrored_region(_info(mirror), "us-east-1") == "eu-west-1"
    alone = StreamConfig(name="EVENTS_EU-WEST-1", sources=[StreamSource(
        name="EVENTS_EU-WEST-1")])
    assert mirrored_region(_info(alone), "us-east-1") == "eu-west-1"


def test_own_streams_and_other_streams_are_not_read() -> None:
    own = StreamConfig(name="EVENTS_US-EAST-1", subjects=["events.us-east-1.>"])
    assert mirrored_region(_info(own), "us-east-1") is None
    own_mirrored = StreamConfig(name="EVENTS_X", mirror=StreamSource(name="EVENTS_US-EAST-1"))
    assert mirrored_region(_info(own_mirrored), "us-east-1") is None
    deliveries = StreamConfig(name="DELIVERIES_EU-WEST-1", mirror=StreamSource(
        name="DELIVERIES_EU-WEST-1"))
    assert mirrored_region(_info(deliveries), "us-east-1") is None
    aggregate = StreamConfig(name="EVENTS_ALL", sources=[
        StreamSource(name="EVENTS_A"), StreamSource(name="EVENTS_B")])
    assert mirrored_region(_info(aggregate), "us-east-1") is None


def test_the_later_clock_wins_and_the_region_breaks_ties() -> None:
    assert Stamp(2, "a") > Stamp(1, "z")
    assert Stamp(1, "b") > Stamp(1, "a")
    assert max(Stamp(5, "eu"), Stamp(5, "us"), Stamp(4, "zz")) == Stamp(5, "us")


def test_an_event_without_a_clock_is_stamped_by_its_time() -> None:
    at = datetime(2026, 1, 1, 10, 0, 0, 123456, tzinfo=UTC)
    old = codec.Envelope(id="1", type="T", service="s", region="r", time=at, data={})
    assert stamp_of(old) == Stamp(1767261600123456, "r")
    new = codec.Envelope(id="1", type="T", service="s", region="r", time=at, data={}, hlc=7)
    assert stamp_of(new) == Stamp(7, "r")
