"""A contacts service running in the test's event loop, on the test's own names, beside the
incidents service that holds the replication set's data key (addresses, codes and delivery
requests are sealed with it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tocsin.contacts.app import lifespan
from tocsin.contacts.settings import Settings
from tocsin.incidents import app as incidents_app
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.shared.bus import Bus
from tocsin.shared.testing import running


@pytest_asyncio.fixture
async def data_keys(nats_url: str, database_url: str,
                    isolation: dict[str, str]) -> AsyncIterator[IncidentsSettings]:
    """The incidents service, which holds (and serves) the replication set's data key."""
    keys = IncidentsSettings(nats_url=nats_url, database_url=database_url, shutdown_grace=5,
                             changes_filter=f"changes.{isolation['region']}.>",
                             alarms_filter=f"alarms.{isolation['region']}.>", **isolation)
    async with running(incidents_app.lifespan, keys):
        yield keys


@pytest_asyncio.fixture
async def contacts(nats_url: str, database_url: str, isolation: dict[str, str],
                   data_keys: IncidentsSettings, bus: Bus) -> AsyncIterator[Settings]:
    settings = Settings(nats_url=nats_url, database_url=database_url, shutdown_grace=5,
                        outbox_poll_interval=0.2, **isolation)
    async with running(lifespan, settings):
        yield settings
