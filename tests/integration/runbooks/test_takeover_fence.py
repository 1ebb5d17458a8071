"""A region that learns another region took it over stands down for its executions at once
(the link of a partition healed, or it learnt of the takeover only after a restart): no
timer of theirs fires here and no signal moves them here; an execution it starts after the
takeover is its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from tests.integration.runbooks.conftest import Ssm, statuses
from tocsin.runbooks.takeovers import record
from tocsin.shared.contracts.escalation import RegionTakenOver
from tocsin.shared.errors import TocsinError
from tocsin.shared.testing import wait_for

SLEEP = {"schemaVersion": "0.3", "mainSteps": [
    {"name": "Settle", "action": "aws:sleep", "inputs": {"Duration": "PT2S"}},
    {"name": "Check", "action": "aws:pause", "inputs": {}}]}


@pytest_asyncio.fixture
async def store(database_url: str, service_settings: dict[str, Any]
                ) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the runbooks service's schema."""
    conn = await asyncpg.connect(database_url)
    await conn.execute(f'SET search_path TO "{service_settings["schema_prefix"]}runbooks"')
    try:
        yield conn
    finally:
        await conn.close()


async def _timer(store: asyncpg.Connection, execution_id: str) -> str | None:
    state: str | None = await store.fetchval(
        "SELECT state FROM runbook_timer WHERE execution_id = $1", execution_id)
    return state


@pytest.mark.timeout(60)
async def test_a_region_taken_over_stands_down_for_its_executions(
        ssm: Ssm, store: asyncpg.Connection, service_settings: dict[str, Any]) -> None:
    here = service_settings["region"]
    await ssm.create("Settle", SLEEP)
    before = await ssm.start("Settle")
    await wait_for(lambda: _timer(store, before))  # asleep
    assert await _timer(store, before) == "pending"

    async with store.transaction():
        await record(store, RegionTakenOver(region=here, epoch=1, by_region="elsewhere",
                                            taken_at=datetime.now(UTC)), here=here)

    with pytest.raises(TocsinError, match="runs in region elsewhere") as refused:
        await ssm("StopAutomationExecution", AutomationExecutionId=before)
    assert refused.value.aws_code == "InvalidAutomationStatusUpdateException"

    # An execution started after the takeover runs here; its sleep, due after the other's,
    # ends: the timers were looked at past the other's due time, which did not fire.
    after = await ssm.start("Settle")
    await ssm.waiting(after, "Check", timeout=30)
    assert await _timer(store, after) == "fired"
    assert await _timer(store, before) == "pending"
    assert statuses(await ssm.execution(before)) == {"Settle": "InProgress",
                                                      "Check": "Pending"}
