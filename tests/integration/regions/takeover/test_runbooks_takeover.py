"""Runbook executions survive a region's loss: an execution of a lost region goes on from
the next region of the set once it has taken the lost one over, each step's action once;
a work attempt that was running in the lost region counts as lost there and is retried;
the region, back, stands down."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from tests.integration.regions.takeover.conftest import Region
from tests.integration.regions.takeover.test_takeover import TIMEOUT
from tocsin.shared import errors
from tocsin.shared.testing import wait_for

SLEEP_THEN_NOTIFY = {"schemaVersion": "0.3", "mainSteps": [
    # 30 plan minutes: 30 real seconds, long enough to lose A before it ends.
    {"name": "Wait", "action": "aws:sleep", "inputs": {"Duration": "PT30M"}},
    {"name": "Notify", "action": "aws:invokeWebhook",
     "inputs": {"IntegrationName": "hook", "Body": "the database failed over"}}]}
CALL = {"schemaVersion": "0.3", "mainSteps": [
    {"name": "Call", "action": "aws:invokeWebhook", "maxAttempts": 2,
     "inputs": {"IntegrationName": "hook", "Body": "restart the workers"}}]}
MANUAL = {"schemaVersion": "0.3", "mainSteps": [
    {"name": "Announce", "action": "aws:invokeWebhook",
     "inputs": {"IntegrationName": "hook", "Body": "we are on it"}}]}


@dataclass
class Receiver:
    """The webhooks' HTTP server: each call as (region, step, attempt); a region's calls
    held unanswered while it is in ``hold``."""

    url: str = ""
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    hold: set[str] = field(default_factory=set)
    released: asyncio.Event = field(default_factory=asyncio.Event)


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()

    async def hook(request: web.Request) -> web.Response:
        region = request.path.strip("/")
        state.calls.append((region, request.headers["X-Tocsin-Step-Name"],
                            request.headers["X-Tocsin-Attempt"]))
        if region in state.hold:
            await state.released.wait()
        return web.Response(text='{"ok": true}')

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield state
    finally:
        state.released.set()
        await runner.cleanup()


@pytest.fixture
def also_services() -> tuple[str, ...]:
    return ("runbooks",)


@pytest.fixture
def runbook_webhooks(receiver: Receiver) -> str:
    return json.dumps({"hook": {"url": f"{receiver.url}/{{region}}"}})


async def _document(region: Region, name: str, content: dict[str, Any],
                    elsewhere: Region) -> None:
    await region.call("runbooks", "CreateDocument", {
        "Name": name, "Content": json.dumps(content), "DocumentType": "Automation",
        "DocumentFormat": "JSON"})

    async def known() -> bool:
        try:
            await elsewhere.call("runbooks", "GetDocument", {"Name": name})
        except errors.TocsinError:
            return False
        return True
    await wait_for(known, timeout=TIMEOUT)


async def _start(region: Region, document: str, mode: str = "Auto") -> str:
    out = await region.call("runbooks", "StartAutomationExecution",
                            {"DocumentName": document, "Mode": mode})
    return str(out["AutomationExecutionId"])


async def _execution(region: Region, execution_id: str) -> dict[str, Any] | None:
    """The execution as ``region`` shows it (None while it does not hold it)."""
    try:
        out = await region.call("runbooks", "GetAutomationExecution",
                                {"AutomationExecutionId": execution_id})
    except errors.TocsinError:
        return None
    found: dict[str, Any] = out["AutomationExecution"]
    return found


async def _status(region: Region, execution_id: str) -> tuple[str, dict[str, str]] | None:
    """The execution's status and its steps' statuses, as ``region`` shows them."""
    ex = await _execution(region, execution_id)
    if ex is None:
        return None
    return ex["AutomationExecutionStatus"], {s["StepName"]: s["StepStatus"]
                                             for s in ex["StepExecutions"]}


async def _timers(region: Region, execution_id: str) -> list[tuple[str, str]]:
    """The execution's timers in ``region``: (kind, state)."""
    rows = await region.sql("SELECT kind, state FROM runbook_timer WHERE execution_id = $1"
                            " ORDER BY due_at", execution_id, service="runbooks")
    return [(r["kind"], r["state"]) for r in rows]


async def _claim(region: Region, execution_id: str, step: str) -> str | None:
    rows = await region.sql("SELECT claimed_by FROM step_execution WHERE execution_id = $1"
                            " AND name = $2", execution_id, step, service="runbooks")
    return str(rows[0]["claimed_by"]) if rows and rows[0]["claimed_by"] else None


async def _taken_over(b: Region, a: Region) -> None:
    [taken] = await wait_for(lambda: b.events("escalation.RegionTakenOver"), timeout=TIMEOUT)
    assert taken.data["region"] == a.name and taken.data["byRegion"] == b.name


async def _sleeping_in_a_then_lost(a: Region, b: Region, receiver: Receiver) -> str:
    """An execution of A asleep, B holding its state and a standby copy of its sleep's
    timer; A lost, and taken over by B."""
    await _document(a, "FailOverDatabase", SLEEP_THEN_NOTIFY, elsewhere=b)
    execution = await _start(a, "FailOverDatabase")

    async def standby() -> bool:
        return await _timers(b, execution) == [("SLEEP_DONE", "pending")] and \
            await _status(b, execution) == ("InProgress", {"Wait": "InProgress",
                                                           "Notify": "Pending"})
    await wait_for(standby, timeout=TIMEOUT)
    assert await _timers(a, execution) == [("SLEEP_DONE", "pending")]
    await a.lose()
    assert receiver.calls == []  # A was lost asleep
    await _taken_over(b, a)
    return execution


@pytest.mark.timeout(300)
async def test_a_lost_regions_execution_finishes_from_the_next_region(
        pair: tuple[Region, Region], receiver: Receiver) -> None:
    """A's execution asleep goes on from B: B's copy of the sleep's timer fires, the next
    step runs there, once. A's execution waiting for its next manual step takes it in B,
    which refused it while A ran the execution."""
    a, b = pair
    await _document(a, "AnnounceOutage", MANUAL, elsewhere=b)
    manual = await _start(a, "AnnounceOutage", mode="Interactive")
    await wait_for(lambda: _waiting(b, manual), timeout=TIMEOUT)
    with pytest.raises(errors.TocsinError, match=f"runs in region {a.name}"):
        await _start_step(b, manual, "Announce")

    execution = await _sleeping_in_a_then_lost(a, b, receiver)
    done = await wait_for(lambda: _ended(b, execution), timeout=TIMEOUT)
    assert done == ("Success", {"Wait": "Success", "Notify": "Success"})
    assert receiver.calls == [(b.name, "Notify", "1")]
    assert await _timers(b, execution) == [("SLEEP_DONE", "fired")]

    # The manual step: once B runs the execution, B takes its next step.
    await wait_for(lambda: _started_step(b, manual, "Announce"), timeout=TIMEOUT)
    assert await wait_for(lambda: _ended(b, manual), timeout=TIMEOUT) == (
        "Success", {"Announce": "Success"})
    assert receiver.calls == [(b.name, "Notify", "1"), (b.name, "Announce", "1")]


@pytest.mark.timeout(420)
async def test_the_returning_region_stands_down(
        pair: tuple[Region, Region], receiver: Receiver) -> None:
    """A returns with its copy of the sleep's timer overdue: it learns of B's takeover
    before it could fire it, runs no step of the execution again, and B's end settles
    its copy (cancelled, never fired)."""
    a, b = pair
    execution = await _sleeping_in_a_then_lost(a, b, receiver)
    await wait_for(lambda: _ended(b, execution), timeout=TIMEOUT)
    assert receiver.calls == [(b.name, "Notify", "1")]

    await a.come_back()

    async def settled() -> bool:
        return await _timers(a, execution) != [("SLEEP_DONE", "pending")] and \
            await _ended(a, execution) is not None
    await wait_for(settled, timeout=180)
    assert receiver.calls == [(b.name, "Notify", "1")]
    started_in_a = [e.data["stepName"] for e in await a.events("runbooks.StepStarted")
                    if e.data["executionId"] == execution]
    assert started_in_a == ["Wait"]
    assert await _timers(a, execution) == [("SLEEP_DONE", "cancelled")]
    assert await _ended(a, execution) == ("Success", {"Wait": "Success",
                                                      "Notify": "Success"})
    taken = await a.sql("SELECT region FROM execution_runner WHERE execution_id = $1",
                        execution, service="runbooks")
    assert [r["region"] for r in taken] == [b.name]


@pytest.mark.timeout(300)
async def test_a_step_running_in_the_lost_region_is_retried_as_a_lost_attempt(
        pair: tuple[Region, Region], receiver: Receiver) -> None:
    """A's webhook call is under way (its integration does not answer) when A is lost: B
    counts that attempt as lost with A and, the step allowing two, makes the second."""
    a, b = pair
    receiver.hold.add(a.name)
    await _document(a, "RestartWorkers", CALL, elsewhere=b)
    execution = await _start(a, "RestartWorkers")
    await wait_for(lambda: receiver.calls == [(a.name, "Call", "1")], timeout=TIMEOUT)
    await wait_for(lambda: _claimed(b, execution, "Call", "running"), timeout=TIMEOUT)
    await a.lose()
    await _taken_over(b, a)

    assert await wait_for(lambda: _ended(b, execution), timeout=TIMEOUT) == (
        "Success", {"Call": "Success"})
    assert receiver.calls == [(a.name, "Call", "1"), (b.name, "Call", "2")]
    [step] = await b.sql("SELECT attempt FROM step_execution WHERE execution_id = $1",
                         execution, service="runbooks")
    assert step["attempt"] == 2


async def _claimed(region: Region, execution_id: str, step: str, claim: str) -> bool:
    return await _claim(region, execution_id, step) == claim


async def _ended(region: Region, execution_id: str) -> tuple[str, dict[str, str]] | None:
    status = await _status(region, execution_id)
    if status is None or status[0] not in ("Success", "Failed", "TimedOut", "Cancelled"):
        return None
    return status


async def _waiting(region: Region, execution_id: str) -> bool:
    ex = await _execution(region, execution_id)
    return ex is not None and ex["AutomationExecutionStatus"] == "Waiting"


async def _start_step(region: Region, execution_id: str, step: str) -> None:
    await region.call("runbooks", "SendAutomationSignal", {
        "AutomationExecutionId": execution_id, "SignalType": "StartStep",
        "Payload": {"StepName": [step]}})


async def _started_step(region: Region, execution_id: str, step: str) -> bool:
    """Whether ``region`` took the manual step (False while it refuses: another region
    runs the execution still)."""
    try:
        await _start_step(region, execution_id, step)
    except errors.TocsinError as exc:
        if "runs in region" in exc.message:
            return False
        raise
    return True
