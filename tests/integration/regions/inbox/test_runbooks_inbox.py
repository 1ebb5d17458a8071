"""The runbooks service's inbox: documents written in one region are read in the other,
concurrent changes converge (each version by its last writer, a deletion winning), and an
execution's visible state is read in every region while it runs in its own only."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from tests.integration.regions.inbox.conftest import (
    Region,
    mirror,
    partition,
    redelivery_changes_nothing,
)
from tests.integration.regions.inbox.settling import settled
from tocsin.runbooks import app as runbooks_app
from tocsin.runbooks.settings import Settings as RunbooksSettings
from tocsin.shared import errors
from tocsin.shared.bus import connect
from tocsin.shared.testing import running, wait_for

TIMEOUT = 30.0

PAUSED = {"schemaVersion": "0.3", "description": "Waits for a person, then says hello",
          "parameters": {"Who": {"type": "String", "default": "world"}},
          "mainSteps": [
              {"name": "hold", "action": "aws:pause", "inputs": {}},
              {"name": "hello", "action": "aws:executeScript", "inputs": {
                  "Runtime": "python3.11", "Handler": "main",
                  "Script": "def main(events, context):\n    return {'said': 'hello'}\n",
                  "InputPayload": {"who": "{{ Who }}"}},
               "outputs": [{"Name": "Said", "Selector": "$.Payload.said",
                            "Type": "String"}]}]}


@pytest_asyncio.fixture
async def regions(region_servers: tuple[str, str, str, str], database_url: str,
                  master_key_file: str) -> AsyncIterator[tuple[Region, Region]]:
    """Regions A and B, each with its runbooks service, each mirroring the other's
    events."""
    a_name, a_url, b_name, b_url = region_servers
    async with contextlib.AsyncExitStack() as stack:
        made = []
        for name, url in ((a_name, a_url), (b_name, b_url)):
            bus = await stack.enter_async_context(connect([url], name=f"tests-{name}"))
            await stack.enter_async_context(running(runbooks_app.lifespan, RunbooksSettings(
                nats_url=url, database_url=database_url, shutdown_grace=5,
                outbox_poll_interval=0.2, inbox_rescan=0.5, region=name,
                schema_prefix=f"{name}_", master_key_file=master_key_file)))
            made.append(Region(name, url, bus))
        region_a, region_b = made
        await mirror(region_a, region_b)
        await mirror(region_b, region_a)
        yield region_a, region_b


async def _ssm(region: Region, operation: str, **params: Any) -> dict[str, Any]:
    return await region.call("runbooks", operation, params)


async def _content(region: Region, name: str, version: str | None = None) -> Any:
    """The document's content (its default version, or ``version``), or None while it is
    not there."""
    try:
        found = await _ssm(region, "GetDocument", Name=name,
                           **({"DocumentVersion": version} if version else {}))
    except errors.TocsinError as exc:
        if exc.aws_code in ("InvalidDocument", "InvalidDocumentVersion"):
            return None
        raise
    return json.loads(found["Content"])


def _doc(description: str) -> dict[str, Any]:
    return {**PAUSED, "description": description}


async def _create(region: Region, name: str, description: str) -> None:
    await _ssm(region, "CreateDocument", Name=name, Content=json.dumps(_doc(description)),
               DocumentType="Automation", DocumentFormat="JSON",
               Tags=[{"Key": "team", "Value": "db"}])


async def _update(region: Region, name: str, description: str) -> str:
    out = await _ssm(region, "UpdateDocument", Name=name,
                     Content=json.dumps(_doc(description)), DocumentVersion="$LATEST")
    return str(out["DocumentDescription"]["DocumentVersion"])


async def _execution(region: Region, execution_id: str) -> dict[str, Any] | None:
    try:
        out = await _ssm(region, "GetAutomationExecution", AutomationExecutionId=execution_id)
    except errors.NotFoundError:
        return None
    found: dict[str, Any] = out["AutomationExecution"]
    return found


def _steps(execution: dict[str, Any]) -> dict[str, str]:
    return {s["StepName"]: s["StepStatus"] for s in execution["StepExecutions"]}


async def _stream_count(region: Region, subject: str) -> int:
    info = await region.bus.js.stream_info(region.stream, subjects_filter=subject)
    return sum((info.state.subjects or {}).values())


async def test_documents_and_executions_of_a_are_read_in_b(
        regions: tuple[Region, Region], database_url: str) -> None:
    """A document created and updated in A, and an execution of it started there, are
    read through B's own API as they move; B refuses to move A's execution and starts
    nothing of it (no event, no timer)."""
    a, b = regions
    await _create(a, "restart-db", "first")
    assert await wait_for(lambda: _content(b, "restart-db"), timeout=TIMEOUT) == _doc("first")
    assert await _update(a, "restart-db", "second") == "2"
    await _ssm(a, "UpdateDocumentDefaultVersion", Name="restart-db", DocumentVersion="2")

    async def default_is_second() -> bool:
        return await _content(b, "restart-db") == _doc("second")
    await wait_for(default_is_second, timeout=TIMEOUT)
    described = (await _ssm(b, "DescribeDocument", Name="restart-db"))["Document"]
    assert (described["DefaultVersion"], described["LatestVersion"]) == ("2", "2")
    assert described["Tags"] == [{"Key": "team", "Value": "db"}]
    listed = await _ssm(b, "ListDocuments", Filters=[{"Key": "Owner", "Values": ["Self"]}])
    assert [d["Name"] for d in listed["DocumentIdentifiers"]] == ["restart-db"]
    versions = await _ssm(b, "ListDocumentVersions", Name="restart-db")
    assert [v["DocumentVersion"] for v in versions["DocumentVersions"]] == ["1", "2"]

    execution_id = (await _ssm(a, "StartAutomationExecution", DocumentName="restart-db",
                               Parameters={"Who": ["ops"]}))["AutomationExecutionId"]

    async def waiting_in_b() -> dict[str, Any] | None:
        found = await _execution(b, execution_id)
        return found if found and found["AutomationExecutionStatus"] == "Waiting" else None
    seen = await wait_for(waiting_in_b, timeout=TIMEOUT)
    assert seen["CurrentStepName"] == "hold"
    assert _steps(seen) == {"hold": "Waiting", "hello": "Pending"}
    assert seen["Parameters"] == {"Who": ["ops"]}
    described = await _ssm(b, "DescribeAutomationExecutions")
    assert [e["AutomationExecutionId"] for e in
            described["AutomationExecutionMetadataList"]] == [execution_id]

    with pytest.raises(errors.TocsinError) as refused:
        await _ssm(b, "SendAutomationSignal", AutomationExecutionId=execution_id,
                   SignalType="Resume", Payload={"StepName": ["hold"]})
    assert refused.value.aws_code == "InvalidAutomationStatusUpdateException"
    assert a.name in refused.value.message

    await _ssm(a, "SendAutomationSignal", AutomationExecutionId=execution_id,
               SignalType="Resume", Payload={"StepName": ["hold"]})

    async def done_in_b() -> dict[str, Any] | None:
        found = await _execution(b, execution_id)
        return found if found and found["AutomationExecutionStatus"] == "Success" else None
    done = await wait_for(done_in_b, timeout=TIMEOUT)
    assert done == await _execution(a, execution_id)
    assert _steps(done) == {"hold": "Success", "hello": "Success"}
    hello = next(s for s in done["StepExecutions"] if s["StepName"] == "hello")
    assert hello["Outputs"]["Said"] == ["hello"]

    # B applied without publishing anything or arming a timer of its own.
    await settled(a, b, "runbooks", database_url)
    assert await _stream_count(b, f"events.{b.name}.runbooks.>") == 0
    conn = await asyncpg.connect(database_url)
    try:
        schema = f'"{b.name}_runbooks"'
        assert await conn.fetchval(f"SELECT count(*) FROM {schema}.runbook_timer") == 0
        assert await conn.fetchval(f"SELECT count(*) FROM {schema}.outbox") == 0
    finally:
        await conn.close()



async def test_versions_made_apart_converge_on_the_last_writer(
        regions: tuple[Region, Region],
        database_url: str) -> None:
    """Both regions add version 2 of one document while cut off from each other: once
    they hear from each other again, both hold the version 2 of the later write."""
    a, b = regions
    await _create(a, "failover", "first")
    await wait_for(lambda: _content(b, "failover"), timeout=TIMEOUT)
    async with partition(a, b):
        assert await _update(a, "failover", "by A") == "2"
        assert await _update(b, "failover", "by B") == "2"
    stamps = {await r.last_stamp(f"events.{r.name}.runbooks.DocumentUpdated"): text
              for r, text in ((a, "by A"), (b, "by B"))}
    winner = _doc(stamps[max(stamps)])
    await settled(a, b, "runbooks", database_url)
    for region in (a, b):
        assert await _content(region, "failover", "2") == winner
        assert await _content(region, "failover", "1") == _doc("first")
        described = (await _ssm(region, "DescribeDocument", Name="failover"))["Document"]
        assert described["LatestVersion"] == "2"


async def test_a_deletion_wins_over_a_concurrent_update(
        regions: tuple[Region, Region],
        database_url: str) -> None:
    """A document deleted in A while B, cut off and later, adds a version to it, and a
    version deleted in B while A, later, makes it the default: deleted in both regions,
    the latest version serving as the default."""
    a, b = regions
    await _create(a, "gone", "first")
    await _create(a, "kept", "first")
    await _update(a, "kept", "second")
    await wait_for(lambda: _content(b, "kept", "2"), timeout=TIMEOUT)
    await wait_for(lambda: _content(b, "gone"), timeout=TIMEOUT)
    async with partition(a, b):
        await _ssm(a, "DeleteDocument", Name="gone")
        await _update(b, "gone", "by B")
        await _ssm(b, "DeleteDocument", Name="kept", DocumentVersion="2")
        await _ssm(a, "UpdateDocument", Name="kept", Content=json.dumps(_doc("third")),
                   DocumentVersion="$LATEST")
        await _ssm(a, "UpdateDocumentDefaultVersion", Name="kept", DocumentVersion="2")
    await settled(a, b, "runbooks", database_url)
    for region in (a, b):
        assert await _content(region, "gone") is None
        assert await _content(region, "kept", "2") is None
        assert await _content(region, "kept", "3") == _doc("third")
        assert await _content(region, "kept") == _doc("third")
        described = (await _ssm(region, "DescribeDocument", Name="kept"))["Document"]
        assert (described["DefaultVersion"], described["LatestVersion"]) == ("3", "3")
        listed = await _ssm(region, "ListDocuments",
                            Filters=[{"Key": "Owner", "Values": ["Self"]}])
        assert [d["Name"] for d in listed["DocumentIdentifiers"]] == ["kept"]


async def _digest(conn: asyncpg.Connection, region: str) -> list[Any]:
    schema = f'"{region}_runbooks"'
    return [[tuple(r) for r in await conn.fetch(f"SELECT * FROM {schema}.{table} ORDER BY 1")]
            for table in ("document", "document_version", "execution", "step_execution",
                          "replica_tombstone")]


async def test_redelivered_events_change_nothing(regions: tuple[Region, Region],
                                                 database_url: str) -> None:
    """Every event of A read again by B's inbox (its durable made anew reads the mirror
    from the start) leaves B's store as it was."""
    a, b = regions
    await _create(a, "again", "first")
    await _update(a, "again", "second")
    await _ssm(a, "UpdateDocumentDefaultVersion", Name="again", DocumentVersion="2")
    await _ssm(a, "DeleteDocument", Name="again", DocumentVersion="1")
    execution_id = (await _ssm(a, "StartAutomationExecution", DocumentName="again",
                               DocumentVersion="2"))["AutomationExecutionId"]

    async def waiting_in_a() -> bool:
        found = await _execution(a, execution_id)
        return found is not None and found["AutomationExecutionStatus"] == "Waiting"
    await wait_for(waiting_in_a, timeout=TIMEOUT)
    await _ssm(a, "SendAutomationSignal", AutomationExecutionId=execution_id,
               SignalType="Resume", Payload={"StepName": ["hold"]})

    async def done_in_b() -> bool:
        found = await _execution(b, execution_id)
        return found is not None and found["AutomationExecutionStatus"] == "Success"
    await wait_for(done_in_b, timeout=TIMEOUT)
    await settled(a, b, "runbooks", database_url)
    conn = await asyncpg.connect(database_url)
    try:
        await redelivery_changes_nothing(b, a, "runbooks",
                                         lambda: _digest(conn, b.name))
    finally:
        await conn.close()
