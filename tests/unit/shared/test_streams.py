"""A stream's configuration as a deployment sizes it."""

from __future__ import annotations

from typing import Any, cast

import nats.errors
import nats.js.errors
from nats.js.api import StreamConfig

from tocsin.shared.bus.streams import (
    alarms_stream,
    audit_stream,
    ensure_stream,
    events_stream,
    sized,
)


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


class _SlowJetStream:
    """A JetStream API that lets its first request time out (a cluster still placing a
    replicated stream's group), then has no such stream."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.created: list[StreamConfig] = []

    async def stream_info(self, name: str) -> Any:
        self.requests.append(f"info {name}")
        if len(self.requests) == 1:
            raise nats.errors.TimeoutError
        raise nats.js.errors.NotFoundError

    async def add_stream(self, config: StreamConfig) -> None:
        self.requests.append(f"add {config.name}")
        self.created.append(config)


async def test_a_declaration_jetstream_does_not_answer_in_time_is_asked_again() -> None:
    """The start-up of a service does not fail on one unanswered request: the stream is
    looked up again and created, once, as the deployment sizes it."""
    js = _SlowJetStream()
    await ensure_stream(cast(Any, js), alarms_stream(), replicas=3)
    assert js.requests == ["info ALARMS", "info ALARMS", "add ALARMS"]
    assert [c.num_replicas for c in js.created] == [3]
