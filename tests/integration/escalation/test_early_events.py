"""Another region's change of an engagement read before the engagement's own start (a
third region's stop or acceptance, or this region's, while the start is still on its way
from the region that started it): the escalation service keeps it and applies it with the
start, so the standby timers the start schedules are cancelled, not left to fire after a
takeover."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
import pytest_asyncio

from tocsin.escalation.handlers import Plans
from tocsin.shared.clock import ManualClock
from tocsin.shared.codec import make_envelope
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.db import apply_migrations, create_pool
from tocsin.shared.events import received

ENGAGEMENT = "arn:tocsin:ssm-contacts:ra:000000000000:engagement/oncall/" + str(uuid.uuid4())
CONTACT = "arn:tocsin:ssm-contacts:ra:000000000000:contact/oncall"
ALICE = "arn:tocsin:ssm-contacts:ra:000000000000:contact/alice"


@pytest_asyncio.fixture
async def pool(database_url: str, isolation: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with create_pool(database_url,
                           schema=f"{isolation['schema_prefix']}escalation") as p:
        await apply_migrations(p, package="tocsin.escalation.migrations")
        yield p


async def _apply(plans: Plans, event: Any, *, region: str) -> None:
    envelope = make_envelope(type=type(event).__name__, service="contacts", region=region,
                             data=msgspec.to_builtins(event))
    await plans.apply_contacts_event(received(envelope, cc.ContactsEvent), origin=region)


async def test_a_stop_read_before_its_engagement_cancels_the_timers_of_its_start(
        pool: asyncpg.Pool) -> None:
    plans = Plans(pool, ManualClock(), region="rc")
    now = datetime.now(UTC)
    # Region B stopped region A's engagement; C reads B's stop first.
    await _apply(plans, cc.EngagementStopped(engagement_arn=ENGAGEMENT, contact_arn=CONTACT,
                                             stop_time=now), region="rb")
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM replica_parked") == 1
        assert await conn.fetchval("SELECT count(*) FROM timer") == 0

    stages = [cc.EngagementStage(stage_index=i, duration_in_minutes=5,
                                 targets=[cc.EngagementTarget(contact_arn=ALICE)])
              for i in range(3)]
    await _apply(plans, cc.EngagementStarted(
        engagement_arn=ENGAGEMENT, contact_arn=CONTACT, contact_type="ESCALATION",
        sender="tocsin", subject="Database down", start_time=now, stages=stages),
        region="ra")
    async with pool.acquire() as conn:
        states = await conn.fetch("SELECT state FROM timer WHERE engagement_arn = $1",
                                  ENGAGEMENT)
        assert [r["state"] for r in states] == ["cancelled", "cancelled"]
        assert await conn.fetchval(
            "SELECT stopped_at IS NOT NULL FROM engagement WHERE arn = $1", ENGAGEMENT)
        assert await conn.fetchval("SELECT count(*) FROM replica_parked") == 0
