"""Quotas of the contacts service: contacts, channels per contact and rotations beyond the
deployment's quota are refused with ServiceQuotaExceededException (ssm-contacts' members)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tocsin.contacts.app import lifespan
from tocsin.contacts.settings import Settings
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.testing import running


@pytest_asyncio.fixture
async def small(nats_url: str, database_url: str, isolation: dict[str, str],
                data_keys: IncidentsSettings, bus: Bus) -> AsyncIterator[Settings]:
    """A contacts service with small quotas, beside the incidents service whose data key
    seals the channels' addresses (``data_keys``)."""
    settings = Settings(nats_url=nats_url, database_url=database_url, shutdown_grace=5,
                        outbox_poll_interval=0.2, quota_contacts=2,
                        quota_channels_per_contact=2, quota_rotations=1, **isolation)
    async with running(lifespan, settings):
        yield settings


async def call(bus: Bus, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.contacts.{operation}", params,
                              headers={"Tocsin-Principal": "arn:tocsin:iam::000000000000:user/a"})
    return codec.decode(reply, dict[str, Any])


async def contact(bus: Bus, alias: str) -> str:
    created = await call(bus, "CreateContact", {"Alias": alias, "Type": "PERSONAL",
                                                "Plan": {"Stages": []}})
    return str(created["ContactArn"])


async def channel(bus: Bus, contact_arn: str, name: str) -> str:
    created = await call(bus, "CreateContactChannel", {
        "ContactId": contact_arn, "Name": name, "Type": "EMAIL",
        "DeliveryAddress": {"SimpleAddress": f"{name}@example.com"}, "DeferActivation": True})
    return str(created["ContactChannelArn"])


async def test_contacts_and_channels_beyond_their_quotas(small: Settings, bus: Bus) -> None:
    alice = await contact(bus, "alice")
    bob = await contact(bus, "bob")
    with pytest.raises(errors.QuotaExceededError) as refused:
        await contact(bus, "carol")
    assert refused.value.fields["QuotaCode"] == "tocsin-contacts"
    assert refused.value.fields["ServiceCode"] == "ssm-contacts"
    await channel(bus, alice, "work")
    await channel(bus, alice, "home")
    with pytest.raises(errors.QuotaExceededError, match=f"contact channels in {alice}"):
        await channel(bus, alice, "spare")
    await channel(bus, bob, "work")  # the quota is per contact
    await call(bus, "DeleteContact", {"ContactId": bob})
    await contact(bus, "carol")


async def test_rotations_beyond_the_quota(small: Settings, bus: Bus) -> None:
    alice = await contact(bus, "alice")
    rotation = {"ContactIds": [alice], "TimeZoneId": "UTC", "Recurrence": {
        "NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
        "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]}}
    await call(bus, "CreateRotation", {"Name": "primary", **rotation})
    with pytest.raises(errors.QuotaExceededError, match="quota of 1 rotations"):
        await call(bus, "CreateRotation", {"Name": "secondary", **rotation})
