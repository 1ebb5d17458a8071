"""Times out of range never reach the timeline, and migration 0009 repairs the rows that
did before: a poisoned incident's timeline reads again."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tocsin.incidents.settings import Settings
from tocsin.incidents.timeline.domain import TimelineEvent
from tocsin.incidents.timeline.store import TimelineStore
from tocsin.shared import errors
from tocsin.shared.bus import Bus
from tocsin.shared.db import create_pool
from tocsin.shared.db.migrate import apply_migrations

from .test_timeline import call, plan, start, timeline

YEAR_ONE = -62135596800  # 0001-01-01T00:00:00Z, as the requests sent it
MIGRATION = "tocsin.incidents.migrations:0009_timeline_times_in_range.sql"


@pytest.mark.parametrize("event_time", [YEAR_ONE, -1, 253402300800, 1e20, 1e30])
async def test_service_refuses_out_of_range_times(incidents: Settings, bus: Bus,
                                                  event_time: float) -> None:
    """A request that reaches the service without the gateway (another service, a tool on
    NATS) is refused all the same, naming the member."""
    plan_arn = await plan(bus, incidents)
    arn = await start(bus, plan_arn)
    with pytest.raises(errors.ValidationError) as created:
        await call(bus, "CreateTimelineEvent", {"incidentRecordArn": arn, "eventTime": event_time,
                                                "eventType": "Note", "eventData": "x"})
    assert "'eventTime'" in created.value.message
    with pytest.raises(errors.ValidationError) as started:
        await start(bus, plan_arn, triggerDetails={
            "source": "x", "timestamp": event_time})
    assert "triggerDetails.timestamp" in started.value.message
    assert len(await timeline(bus, arn)) == 2  # its trigger and start, nothing more


@pytest.mark.expected_error_logs("rpc\\.crashed")  # the poisoned rows, before the repair
async def test_migration_repairs_poisoned_rows(incidents: Settings, bus: Bus,
                                               database_url: str) -> None:
    arn = await start(bus, await plan(bus, incidents), triggerDetails={
        "source": "x", "timestamp": 1_700_000_000})
    written = time.time()
    async with create_pool(database_url, schema=incidents.schema, min_size=1,
                           max_size=1) as pool:
        async with pool.acquire() as conn:
            creation = await conn.fetchval(
                "SELECT creation_time FROM incident_record WHERE arn = $1", arn)
            # As the bug wrote them: a custom event with eventTime -62135596800, and
            # the trigger event of a StartIncident with that triggerDetails.timestamp
            # (an automatic event's two times are both the trigger's).
            poisoned = TimelineEvent(incident_record_arn=arn,
                                     event_id="5f0c3c1e-6a55-4a52-9a43-5d0f7f3d7e01",
                                     event_time=YEAR_ONE, event_updated_time=written,
                                     event_type="Note", event_data="poison")
            await TimelineStore.add(conn, [poisoned], is_automatic=False)
            await conn.execute(
                "UPDATE timeline_event SET event_time = $2, event_updated_time = $2"
                " WHERE incident_arn = $1 AND event_type = 'SSM Incident Trigger'",
                arn, datetime.fromtimestamp(YEAR_ONE, UTC))

        for operation, params in (
                ("ListTimelineEvents", {"incidentRecordArn": arn}),
                ("GetTimelineEvent", {"incidentRecordArn": arn, "eventId": poisoned.event_id})):
            with pytest.raises(errors.InternalError):
                await call(bus, operation, params)

        async with pool.acquire() as conn:
            await conn.execute("DELETE FROM schema_migrations WHERE name = $1", MIGRATION)
        assert MIGRATION in await apply_migrations(
            pool, package="tocsin.incidents.migrations")

    events = {e["eventType"]: e for e in await timeline(bus, arn)}
    assert events["Note"]["eventTime"] == pytest.approx(written, abs=1e-3)
    assert events["SSM Incident Trigger"]["eventTime"] == creation.timestamp()
    assert events["SSM Incident Trigger"]["eventUpdatedTime"] == creation.timestamp()
    got = await call(bus, "GetTimelineEvent", {"incidentRecordArn": arn,
                                               "eventId": poisoned.event_id})
    assert got["event"]["eventData"] == "poison"
    await call(bus, "UpdateTimelineEvent", {"incidentRecordArn": arn,
                                            "eventId": poisoned.event_id, "eventData": "ok"})
