"""Consumers receive typed events: the envelope on the wire is what it was, and its data
reaches the handler as the producer's contract struct (or is refused at the boundary)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from tocsin.shared import codec
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.events import Received, envelope_of, typed

STOPPED = cc.EngagementStopped(
    engagement_arn="arn:tocsin:ssm-contacts:r:000000000000:engagement/x/1",
    contact_arn="arn:tocsin:ssm-contacts:r:000000000000:contact/x",
    stop_time=datetime(2026, 12, 6, 12, 0, tzinfo=UTC), reason="fixed")


def _wire() -> bytes:
    return codec.encode(envelope_of(STOPPED, region="r", now=STOPPED.stop_time,
                                    correlation=codec.Correlation()))


async def test_the_handler_gets_the_contract_struct_and_the_envelope() -> None:
    got: list[Received[Any]] = []

    async def handler(event: Received[Any], msg: Any) -> None:
        got.append(event)

    envelope = codec.decode(_wire(), codec.Envelope)
    await typed(cc.ContactsEvent, handler)(envelope, None)  # type: ignore[arg-type]
    [event] = got
    assert event.event == STOPPED
    assert (event.id, event.type, event.service) == (envelope.id, "EngagementStopped",
                                                     "contacts")
    assert event.data == envelope.data  # the old, untyped shape is still there
    assert "$type" not in msgspec.json.decode(_wire())["data"]  # the wire did not change


async def test_types_outside_only_are_not_handed_on() -> None:
    got: list[Received[Any]] = []

    async def handler(event: Received[Any], msg: Any) -> None:
        got.append(event)

    envelope = codec.decode(_wire(), codec.Envelope)
    await typed(cc.ContactsEvent, handler, only=frozenset({"PageCreated"}))(
        envelope, None)  # type: ignore[arg-type]
    assert got == []


async def test_a_payload_that_does_not_fit_is_refused() -> None:
    async def handler(event: Received[Any], msg: Any) -> None:
        raise AssertionError("not reached")

    envelope = codec.make_envelope(type="EngagementStopped", service="contacts", region="r",
                                   data={"engagementArn": 7})
    with pytest.raises(msgspec.DecodeError, match="does not fit its contract"):
        await typed(cc.ContactsEvent, handler)(envelope, None)  # type: ignore[arg-type]
