"""A stream's configuration as a deployment sizes it."""

from __future__ import annotations

from tocsin.shared.bus.streams import alarms_stream, audit_stream, events_stream, sized


def test_replicas_and_the_byte_limit_of_its_kind() -> None:
    """Each stream gets the deployment's replicas and the byte limit named for its kind
    (a regional stream by the part of its name before the region); the others none (-1,
    so that removing a limit lifts it), and everything else of its configuration stays."""
    limits = {"EVENTS": 64 * 2**30, "ALARMS": 8 * 2**30}
    events = sized(events_stream("eu-west-1"), replicas=3, max_bytes=limits)
    assert (events.num_replicas, events.max_bytes) == (3, 64 * 2**30)
    assert (events.subjects, events.max_age) == (["events.eu-west-1.>"], 30 * 24 * 3600.0)
    assert sized(alarms_stream(), replicas=3, max_bytes=limits).max_bytes == 8 * 2**30
    audit = sized(audit_stream("eu-west-1"), replicas=3, max_bytes=limits)
    assert (audit.num_replicas, audit.max_bytes) == (3, -1)
    assert (sized(alarms_stream()).num_replicas, sized(alarms_stream()).max_bytes) == (1, -1)
