"""An incidents service running in the test's event loop, on the test's own names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tocsin.incidents.app import lifespan
from tocsin.incidents.settings import Settings
from tocsin.shared.bus import Bus
from tocsin.shared.testing import running


@pytest_asyncio.fixture
async def incidents(nats_url: str, database_url: str, isolation: dict[str, str],
                    bus: Bus) -> AsyncIterator[Settings]:
    # CHANGES and ALARMS are one stream each for every test: each service keeps only its
    # own region's.
    settings = Settings(nats_url=nats_url, database_url=database_url, shutdown_grace=5,
                        outbox_poll_interval=0.2,
                        changes_filter=f"changes.{isolation['region']}.>",
                        alarms_filter=f"alarms.{isolation['region']}.>", **isolation)
    async with running(lifespan, settings):
        yield settings
