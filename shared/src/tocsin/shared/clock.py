"""Wall and monotonic time that honour ``TOCSIN_CLOCK_SCALE``.

Plan time (escalation stages, retry intervals) runs ``scale`` times faster than real
time, so a demo or a test can let a one-minute stage pass in a second. Domain code never
reads a clock: handlers pass ``clock.now()`` in.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ScaledClock", "SystemClock"]


class Clock(Protocol):
    """A source of time."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of plan time."""
        ...


class SystemClock:
    """Real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ScaledClock:
    """Time that runs ``scale`` times faster than real time from ``epoch``.

    ``epoch`` (Unix seconds) is the real moment at which plan time equals real time. Every
    process of one deployment must use the same epoch, or each would have its own plan
    time and a stage scheduled by one would fall due early or late by another's clock;
    ``make run`` and the test fixtures set ``TOCSIN_CLOCK_EPOCH`` once for all of them.
    Without one, the epoch is the moment the clock is made.
    """

    def __init__(self, scale: float, epoch: float | None = None) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale
        self.epoch = time.time() if epoch is None else epoch
        # Plan time runs on the monotonic clock from a wall reading taken once, so a wall
        # clock step after start-up does not move plan time.
        wall, self._mono0 = time.time(), time.monotonic()
        self._plan0 = datetime.fromtimestamp(self.epoch + (wall - self.epoch) * scale, UTC)

    def now(self) -> datetime:
        return self._plan0 + timedelta(seconds=(time.monotonic() - self._mono0) * self.scale)

    def monotonic(self) -> float:
        return self._mono0 + (time.monotonic() - self._mono0) * self.scale

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.scale)


def clock_for(scale: float, epoch: float | None = None) -> Clock:
    """The clock a process should use for ``TOCSIN_CLOCK_SCALE`` and
    ``TOCSIN_CLOCK_EPOCH``."""
    return SystemClock() if scale == 1 else ScaledClock(scale, epoch)
