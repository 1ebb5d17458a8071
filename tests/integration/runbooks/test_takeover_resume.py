"""An execution taken over from a lost region goes on here from its last replicated state,
whichever state that was: a step started there and not taken up yet starts here; a work
attempt that was running there is lost with it and retried; an execution whose events
arrive only after the takeover is recorded goes on all the same. (The replicated states are
applied as the inbox applies another region's events; the takeover is recorded as the
takeover readers record it.)"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from tests.integration.runbooks.conftest import ALICE, Ssm, statuses
from tocsin.runbooks.replicas import apply
from tocsin.runbooks.takeovers import record
from tocsin.shared import codec
from tocsin.shared.contracts import runbooks as rc
from tocsin.shared.contracts.escalation import RegionTakenOver
from tocsin.shared.db import create_pool
from tocsin.shared.events import Received
from tocsin.shared.replication import Replicated
from tocsin.shared.replication.stamps import Stamp, applying

LOST = "lost-1"
PAUSE = {"schemaVersion": "0.3", "mainSteps": [
    {"name": "Triage", "action": "aws:pause", "inputs": {}}]}
SCRIPT = {"schemaVersion": "0.3", "mainSteps": [
    {"name": "Restart", "action": "aws:executeScript", "maxAttempts": 2,
     "inputs": {"Runtime": "python3.11", "Handler": "main",
                "Script": "def main(events, context):\n    return {'ok': True}\n"}}]}


@pytest_asyncio.fixture
async def store(database_url: str, service_settings: dict[str, Any]
                ) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the runbooks service's schema, as the service's own are."""
    schema = f"{service_settings['schema_prefix']}runbooks"
    async with create_pool(database_url, schema=schema, min_size=1, max_size=1) as pool, \
            pool.acquire() as conn:
        yield conn


def _in_lost_region(document: dict[str, Any], *, claim: str | None) -> rc.ExecutionUpdated:
    """The lost region's last word on an execution it started a minute ago: its first
    step ``InProgress`` (attempt 1) with ``claim``."""
    started = (datetime.now(UTC) - timedelta(minutes=1)).timestamp()
    step = document["mainSteps"][0]
    return rc.ExecutionUpdated(
        execution_id=str(uuid.uuid4()), document_name="Remote", document_version="1",
        status="InProgress", mode="Auto", parameters={}, parameters_echo={}, variables={},
        outputs={}, critical_failed=False, executed_by=ALICE, start_time=started,
        current_step=step["name"], current_action=step["action"], document=document,
        steps=[rc.StepExecutionState(
            id=str(uuid.uuid4()), ordinal=0, step_index=0, name=step["name"],
            action=step["action"], status="InProgress", attempt=1, start_time=started,
            state={"base": 0}, claim=claim)])


async def _apply(store: asyncpg.Connection, event: rc.ExecutionUpdated, hlc: int,
                 here: str) -> None:
    envelope = codec.Envelope(id=str(uuid.uuid4()), type="ExecutionUpdated",
                              service="runbooks", region=LOST, time=datetime.now(UTC),
                              data={}, hlc=hlc)
    async with store.transaction():
        to = await applying(store, Stamp(hlc, LOST), home=here)
        await apply(Replicated(event=Received(envelope=envelope, event=event), to=to))


async def _take_over(store: asyncpg.Connection, here: str) -> None:
    async with store.transaction():
        await record(store, RegionTakenOver(region=LOST, epoch=1, by_region=here,
                                            taken_at=datetime.now(UTC)), here=here)


@pytest.mark.timeout(60)
async def test_a_taken_over_execution_goes_on_from_its_last_replicated_state(
        ssm: Ssm, store: asyncpg.Connection, service_settings: dict[str, Any]) -> None:
    here = service_settings["region"]
    hlc = int(datetime.now(UTC).timestamp() * 1_000_000)
    not_taken_up = _in_lost_region(PAUSE, claim=None)
    running = _in_lost_region(SCRIPT, claim="running")
    for i, event in enumerate((not_taken_up, running)):
        await _apply(store, event, hlc + i, here)
        with pytest.raises(Exception, match=f"runs in region {LOST}"):
            await ssm("StopAutomationExecution", AutomationExecutionId=event.execution_id)

    await _take_over(store, here)
    # Known here only after the takeover was recorded: it runs here all the same.
    late = _in_lost_region(PAUSE, claim=None)
    await _apply(store, late, hlc + 2, here)

    for event in (not_taken_up, late):
        ex = await ssm.waiting(event.execution_id, "Triage")
        assert statuses(ex) == {"Triage": "Waiting"}
    ex = await ssm.ended(running.execution_id)
    assert ex["AutomationExecutionStatus"] == "Success"
    [attempts] = await store.fetch("SELECT attempt FROM step_execution"
                                   " WHERE execution_id = $1", running.execution_id)
    assert attempts["attempt"] == 2  # the first lost with its region
