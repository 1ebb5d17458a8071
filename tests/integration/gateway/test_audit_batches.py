"""The audit trail's group commit against real NATS: the records of concurrent calls share
messages, each is found once by ``LookupEvents`` (with the single-record messages written
before batches, page by page), a message that cannot be written fails every call that
waited on it and nothing answered before, and every gateway follows batched sign-outs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

import nats.errors
import pytest
from aiohttp.test_utils import make_mocked_request
from nats.js.api import PubAck

from tocsin.gateway.access import Call, Face, Principal
from tocsin.gateway.audit import AuditTrail, Record
from tocsin.gateway.audit_batches import records_in
from tocsin.gateway.console.sessions import Session, Sessions
from tocsin.gateway.console.signins import SignInTrail
from tocsin.gateway.trail import AuditLookup
from tocsin.shared import codec
from tocsin.shared.bus import Bus, audit_subject
from tocsin.shared.errors import ServiceUnavailable
from tocsin.shared.testing import wait_for

ACCOUNT = "000000000000"
ALICE = Principal(arn=f"arn:tocsin:iam::{ACCOUNT}:user/alice", account=ACCOUNT,
                  access_key_id="AKIDALICE")
PLAN = f"arn:tocsin:ssm-incidents::{ACCOUNT}:response-plan/web"


class FaultyBus(Bus):
    """The test's NATS connection, whose publishes (numbered from 1 as they are made)
    can be held, fail, or lose their acknowledgement."""

    def __init__(self, bus: Bus) -> None:
        super().__init__(bus.nc)
        self.attempts = 0
        self.hold: asyncio.Event | None = None
        """While an unset event, publishes made wait for it."""
        self.fail_from: int | None = None
        """Publishes from this number on time out (NATS unreachable)."""
        self.lose_ack: set[int] = set()
        """Publishes of these numbers are stored but their acknowledgement is lost."""

    async def publish(self, subject: str, data: bytes, *, msg_id: str,
                      headers: Mapping[str, str] | None = None) -> PubAck:
        self.attempts += 1
        attempt = self.attempts
        if self.hold is not None:
            await self.hold.wait()
        if self.fail_from is not None and attempt >= self.fail_from:
            raise nats.errors.TimeoutError
        ack = await super().publish(subject, data, msg_id=msg_id, headers=headers)
        if attempt in self.lose_ack:
            raise nats.errors.TimeoutError
        return ack


@pytest.fixture
async def faulty(bus: Bus) -> FaultyBus:
    return FaultyBus(bus)


@pytest.fixture
async def trail(faulty: FaultyBus, isolation: dict[str, str]) -> AsyncIterator[AuditTrail]:
    audit = AuditTrail(faulty, region=isolation["region"], account=ACCOUNT)
    await audit.start()
    yield audit
    await audit.close(timeout=10)


def start(title: str) -> Call:
    return Call(face=Face.GRPC, api="ssm-incidents", operation="StartIncident",
                principal=ALICE, params={"responsePlanArn": PLAN, "title": title},
                request_id=str(uuid.uuid4()), source_ip="10.0.0.7", resources=(PLAN,))


async def stored(bus: Bus, stream: str) -> list[list[dict[str, Any]]]:
    """The stream's messages in order, each as the records it holds."""
    info = await bus.js.stream_info(stream)
    if not info.state.messages:
        return []
    return [[codec.decode(data, dict[str, Any])
             for data in records_in((await bus.js.get_msg(stream, seq)).data or b"")]
            for seq in range(info.state.first_seq, info.state.last_seq + 1)]


async def all_pages(lookup: AuditLookup, size: int, **query: Any) -> list[list[str]]:
    """Every page of a lookup, as event ids."""
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        page = await lookup.lookup_events({"MaxResults": size, **query,
                                           **({"NextToken": token} if token else {})})
        pages.append([e["EventId"] for e in page["Events"]])
        token = page.get("NextToken")
        if not token:
            return pages


async def test_concurrent_calls_share_messages_and_each_is_found_once(
        trail: AuditTrail, faulty: FaultyBus, bus: Bus, isolation: dict[str, str]) -> None:
    """Three records written one message each (as before batches), then 120 calls at once
    while a message is in flight: they are written in a few messages, not 120, every
    call returns only after its record is stored, and lookups page through all 123 newest
    first, each once, with the same filters as before."""
    region = isolation["region"]
    subject = audit_subject(region, "ssm-incidents", "StartIncident")
    old: list[Record] = []
    for n in range(3):  # the single-record messages of a gateway before batches
        record = trail.make(start(f"old {n}"), response={"incidentRecordArn": f"arn:old:{n}"})
        await bus.publish(subject, codec.encode(record), msg_id=record.eventID)
        old.append(record)

    hold = faulty.hold = asyncio.Event()
    first = asyncio.create_task(trail.record(start("first")))
    await wait_for(lambda: faulty.attempts == 1)
    # While the first message waits, these calls queue behind it and none has returned.
    rest = [asyncio.create_task(trail.record(start(f"call {n}"))) for n in range(119)]
    await asyncio.sleep(0.1)
    assert not any(task.done() for task in [first, *rest])
    faulty.hold = None
    hold.set()
    records = [await first, *await asyncio.gather(*rest)]

    messages = await stored(bus, trail.stream)
    assert [len(m) for m in messages[:4]] == [1, 1, 1, 1]  # three old ones, then "first"
    assert len(messages) < 10  # the 119 went together (at most 256 to a message)
    in_order = [r["eventID"] for m in messages for r in m]
    assert sorted(in_order) == sorted([r.eventID for r in old + records])

    lookup = AuditLookup(bus, region=region, stream=trail.stream)
    newest_first = list(reversed(in_order))
    for size in (7, 50, 123):
        pages = await all_pages(lookup, size)
        assert [e for page in pages for e in page] == newest_first
        assert all(len(page) == size for page in pages[:-1])
    by_name = await all_pages(lookup, 11, LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "StartIncident"}])
    assert [e for page in by_name for e in page] == newest_first
    by_user = await all_pages(lookup, 50, LookupAttributes=[
        {"AttributeKey": "Username", "AttributeValue": "alice"}])
    assert [e for page in by_user for e in page] == newest_first
    one = records[60]
    found = await lookup.lookup_events({"LookupAttributes": [
        {"AttributeKey": "EventId", "AttributeValue": one.eventID}]})
    assert [codec.decode(e["CloudTrailEvent"].encode(), Record) for e in found["Events"]] \
        == [one]
    assert found["Events"][0]["Resources"] == [
        {"ResourceType": "ssm-incidents:response-plan", "ResourceName": PLAN}]


@pytest.mark.expected_error_logs(r"audit\.read_lost")
async def test_a_message_that_cannot_be_written_fails_every_call_waiting_on_it(
        trail: AuditTrail, faulty: FaultyBus, bus: Bus) -> None:
    """The calls queued behind an in-flight message share the next one; when it cannot be
    written, each of them fails with ServiceUnavailable (a read's record is logged lost),
    the call answered before stays in the trail, and the trail goes on once NATS is back."""
    hold = faulty.hold = asyncio.Event()
    answered = asyncio.create_task(trail.record(start("answered")))
    await wait_for(lambda: faulty.attempts == 1)
    waiting = [asyncio.create_task(trail.record(start(f"waiting {n}"))) for n in range(30)]
    read = Call(face=Face.GRPC, api="ssm-incidents", operation="ListIncidentRecords",
                principal=ALICE, params={}, request_id="read")
    await trail.record(read)  # a read returns at once: its record is queued
    await wait_for(lambda: faulty.attempts == 2)  # the read's message, held too
    # NATS goes away once the first message is through.
    faulty.fail_from = 2
    faulty.hold = None
    hold.set()
    kept = await answered
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, ServiceUnavailable) for r in results), results
    assert "StartIncident could not be recorded" in str(results[0])
    await trail.close(timeout=10)  # the read's message has given up too
    messages = await stored(bus, trail.stream)
    assert [[r["eventID"] for r in m] for m in messages] == [[kept.eventID]]

    faulty.fail_from = None
    after = await trail.record(start("after"))
    messages = await stored(bus, trail.stream)
    assert [[r["eventID"] for r in m] for m in messages] == [[kept.eventID], [after.eventID]]


async def test_a_message_whose_acknowledgement_was_lost_is_stored_once(
        trail: AuditTrail, faulty: FaultyBus, bus: Bus) -> None:
    """A message stored whose acknowledgement never came is published again with the same
    message id: its records are in the trail once, and its callers succeed."""
    hold = faulty.hold = asyncio.Event()
    first = asyncio.create_task(trail.record(start("first")))
    await wait_for(lambda: faulty.attempts == 1)
    group = [asyncio.create_task(trail.record(start(f"call {n}"))) for n in range(20)]
    await asyncio.sleep(0.1)
    faulty.lose_ack = {2}  # the group's message
    faulty.hold = None
    hold.set()
    records = [await first, *await asyncio.gather(*group)]
    assert faulty.attempts == 3  # the group's message was published again
    messages = await stored(bus, trail.stream)
    assert [len(m) for m in messages] == [1, 20]
    assert sorted(r["eventID"] for m in messages for r in m) == \
        sorted(r.eventID for r in records)


def _request() -> Any:
    return make_mocked_request("POST", "/console/sign-out",
                               headers={"User-Agent": "Firefox"})


async def test_every_gateway_follows_sign_outs_written_together(
        trail: AuditTrail, bus: Bus, isolation: dict[str, str]) -> None:
    """Twenty sessions signed out at once on one gateway are recorded in shared messages;
    another gateway already following, and one started afterwards, refuse them all."""
    region = isolation["region"]
    keys = {"AKIDALICE": "alice-secret"}

    def gateway() -> tuple[Sessions, SignInTrail]:
        sessions = Sessions(lambda: keys, lifetime=3600)
        return sessions, SignInTrail(trail, bus, region, sessions, lifetime=3600)

    (here, here_trail), (there, there_trail) = gateway(), gateway()
    await here_trail.start()
    await there_trail.start()
    later_trail: SignInTrail | None = None
    try:
        signed_in = [here.sign_in("AKIDALICE", "alice-secret") for _ in range(20)]
        sessions: list[Session] = [s for s in signed_in if s is not None]
        cookies = [here.cookie(s) for s in sessions]
        assert all(there.check(c) is not None for c in cookies)
        await asyncio.gather(*(here_trail.signed_out(_request(), ALICE, s)
                               for s in sessions))
        messages = await stored(bus, trail.stream)
        assert sum(len(m) for m in messages) == 20
        assert len(messages) < 20  # they went together
        await wait_for(lambda: all(there.check(c) is None for c in cookies), timeout=10)
        assert all(here.check(c) is None for c in cookies)

        later, later_trail = gateway()
        await later_trail.start()  # reads the sign-outs recorded before it served a page
        assert all(later.check(c) is None for c in cookies)
    finally:
        for follower in (here_trail, there_trail, later_trail):
            if follower is not None:
                await follower.stop()
