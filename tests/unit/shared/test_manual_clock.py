"""The plan clock tests advance: it stands still, wakes sleepers when moved, waits for the
workers that registered with it, and is what clock_for gives while installed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tocsin.shared.clock import ManualClock, ScaledClock, SystemClock, clock_for, installed

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


async def test_time_stands_still_until_advanced() -> None:
    clock = ManualClock(T0)
    await asyncio.sleep(0.01)
    assert (clock.now(), clock.monotonic()) == (T0, 0.0)
    assert await clock.advance(90) == T0 + timedelta(seconds=90)
    assert clock.monotonic() == 90.0
    with pytest.raises(ValueError, match="never goes back"):
        await clock.advance(-1)


async def test_a_sleeper_wakes_when_its_time_is_reached() -> None:
    clock = ManualClock(T0)
    sleeper = asyncio.create_task(clock.sleep(60))
    await clock.advance(59)
    assert not sleeper.done()
    await clock.advance(1)
    await asyncio.wait_for(sleeper, 1)


async def test_advance_returns_once_every_registered_worker_caught_up() -> None:
    clock = ManualClock(T0)
    seen: list[datetime] = []

    async def caught_up(at: datetime) -> None:
        await asyncio.sleep(0.01)
        seen.append(at)

    unregister = clock.on_jump(caught_up)
    await clock.advance(60)
    assert seen == [T0 + timedelta(seconds=60)]
    unregister()
    await clock.advance(60)
    assert len(seen) == 1


async def test_a_worker_that_never_catches_up_fails_the_advance() -> None:
    clock = ManualClock(T0, catch_up_timeout=0.05)
    clock.on_jump(lambda at: asyncio.Event().wait())
    with pytest.raises(AssertionError, match="did not catch up"):
        await clock.advance(1)


def test_clock_for_gives_the_installed_clock() -> None:
    assert isinstance(clock_for(1), SystemClock)
    assert isinstance(clock_for(60), ScaledClock)
    clock = ManualClock(T0)
    with installed(clock):
        assert clock_for(60) is clock
    assert isinstance(clock_for(60), ScaledClock)
