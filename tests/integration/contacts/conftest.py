"""A contacts service running in the test's event loop, on the test's own names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tocsin.contacts.app import lifespan
from tocsin.contacts.settings import Settings
from tocsin.shared.bus import Bus
from tocsin.shared.testing import running


@pytest_asyncio.fixture
async def contacts(nats_url: str, database_url: str, isolation: dict[str, str],
                   bus: Bus) -> AsyncIterator[Settings]:
    settings = Settings(nats_url=nats_url, database_url=database_url, shutdown_grace=5,
                        outbox_poll_interval=0.2, **isolation)
    async with running(lifespan, settings):
        yield settings
