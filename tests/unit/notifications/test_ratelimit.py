"""The token bucket: priority order, never dropping, cancellation, its delay estimates."""

from __future__ import annotations

import asyncio

import pytest

from tocsin.notifications.delivery.ratelimit import TokenBucket


async def test_more_urgent_waiters_get_tokens_first_and_none_is_dropped() -> None:
    bucket = TokenBucket(rate=200)
    first = bucket.take(1)
    assert first.delay == 0
    order: list[str] = []

    async def send(name: str, priority: int) -> None:
        await bucket.take(priority).wait()
        order.append(name)

    tasks = [asyncio.create_task(send(f"code{i}", 1)) for i in range(3)]
    await asyncio.sleep(0)  # the codes queue first...
    tasks += [asyncio.create_task(send(f"page{i}", 0)) for i in range(3)]
    await asyncio.gather(*tasks)
    assert order == ["page0", "page1", "page2", "code0", "code1", "code2"]


async def test_delay_estimates_count_the_waiters_ahead() -> None:
    bucket = TokenBucket(rate=10)
    assert bucket.take(0).delay == 0
    later = [bucket.take(1) for _ in range(3)]
    assert [round(t.delay, 1) for t in later] == pytest.approx([0.1, 0.2, 0.3], abs=0.02)
    urgent = bucket.take(0)  # jumps ahead of the three codes
    assert urgent.delay == pytest.approx(0.1, abs=0.02)
    assert bucket.queued == 4


async def test_a_cancelled_waiter_gives_its_place_up() -> None:
    bucket = TokenBucket(rate=100)
    bucket.take(0)
    gone = asyncio.create_task(bucket.take(0).wait())
    kept = bucket.take(0)
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.wait_for(kept.wait(), 1)
    assert bucket.queued == 0


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=0)
