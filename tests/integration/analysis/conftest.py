"""The analysis service and the incidents service it reads, in the test's event loop, on
the test's own names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tocsin.analysis.app import lifespan as analysis_lifespan
from tocsin.analysis.settings import Settings
from tocsin.incidents.app import lifespan as incidents_lifespan
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.shared.testing import running


@pytest_asyncio.fixture
async def incidents(nats_url: str, database_url: str, isolation: dict[str, str]
                    ) -> AsyncIterator[IncidentsSettings]:
    settings = IncidentsSettings(nats_url=nats_url, database_url=database_url,
                                 shutdown_grace=5, outbox_poll_interval=0.2,
                                 changes_filter=f"changes.{isolation['region']}.>",
                                 alarms_filter=f"alarms.{isolation['region']}.>", **isolation)
    async with running(incidents_lifespan, settings):
        yield settings


@pytest_asyncio.fixture
async def analysis(nats_url: str, database_url: str, isolation: dict[str, str],
                   incidents: IncidentsSettings) -> AsyncIterator[Settings]:
    settings = Settings(nats_url=nats_url, database_url=database_url, shutdown_grace=5,
                        outbox_poll_interval=0.2, **isolation)
    async with running(analysis_lifespan, settings):
        yield settings
