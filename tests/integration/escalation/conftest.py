"""The contacts and escalation services running in the test's event loop, on the test's
own names, on a :class:`~tocsin.shared.clock.ManualClock` the test advances (a one-minute
stage lasts no real time at all). A test that overrides the ``clock`` fixture with None runs
them at ``TOCSIN_CLOCK_SCALE=60`` instead (a one-minute stage lasts a second): one that
starts escalation processes of its own, which cannot share the test's clock."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tocsin.contacts import app as contacts_app
from tocsin.contacts.settings import Settings as ContactsSettings
from tocsin.escalation import app as escalation_app
from tocsin.escalation.settings import Settings as EscalationSettings
from tocsin.incidents import app as incidents_app
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.shared.bus import Bus
from tocsin.shared.clock import ManualClock, installed
from tocsin.shared.testing import running

SCALE = 60.0


@pytest.fixture
def clock() -> ManualClock | None:
    """The plan time the services run on, which the test advances."""
    return ManualClock()


@pytest_asyncio.fixture
async def contacts(nats_url: str, database_url: str, isolation: dict[str, str],
                   bus: Bus, clock: ManualClock | None) -> AsyncIterator[dict[str, Any]]:
    """The contacts service, beside the incidents service that holds the data key it seals
    addresses and delivery requests with; what an escalation instance needs to join them.
    Every service started while it runs gets ``clock`` (when there is one)."""
    common: dict[str, Any] = {"nats_url": nats_url, "database_url": database_url,
                              "shutdown_grace": 5, "clock_scale": SCALE, **isolation}
    with installed(clock) if clock is not None else contextlib.nullcontext():
        async with running(incidents_app.lifespan, IncidentsSettings(
                changes_filter=f"changes.{isolation['region']}.>",
                alarms_filter=f"alarms.{isolation['region']}.>", **common)), \
                running(contacts_app.lifespan,
                        ContactsSettings(outbox_poll_interval=0.2, **common)):
            yield common


@pytest_asyncio.fixture
async def services(contacts: dict[str, Any], bus: Bus) -> AsyncIterator[dict[str, Any]]:
    """Contacts, then escalation (so escalation's plan clock is never ahead of contacts')."""
    async with running(escalation_app.lifespan,
                       EscalationSettings(outbox_poll_interval=0.2, **contacts)):
        yield contacts


@pytest_asyncio.fixture
async def extras(contacts: dict[str, Any], bus: Bus) -> AsyncIterator[dict[str, Any]]:
    """Contacts, then escalation with the features that are off by default turned on:
    escalation plans run twice, and acknowledgements of incidents time out after one
    (plan) minute."""
    async with running(escalation_app.lifespan, EscalationSettings(
            outbox_poll_interval=0.2, escalation_repeats=1, ack_timeout_minutes=1,
            **contacts)):
        yield contacts
