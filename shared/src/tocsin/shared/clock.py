"""Wall and monotonic time that honour ``TOCSIN_CLOCK_SCALE``, and a clock tests move.

Plan time (escalation stages, retry intervals) runs ``scale`` times faster than real
time, so a demo can let a one-minute stage pass in a second. Domain code never reads a
clock: handlers pass ``clock.now()`` in.

Tests use a :class:`ManualClock` instead: plan time stands still until the test
advances it, and :meth:`ManualClock.advance` returns once every worker that waits on plan
time (the durable timers' :class:`~tocsin.shared.timers.TimerWorker`) has looked at the new
time, so "a minute later" takes no real minute and "not yet due" is a barrier, not a
sleep. A test makes the services it starts use one with :func:`installed`, which
:func:`clock_for` honours.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

__all__ = ["CaughtUp", "Clock", "Controlled", "ManualClock", "ScaledClock", "SystemClock",
           "clock_for", "installed"]


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


CaughtUp = Callable[[datetime], Awaitable[None]]
"""What a worker waiting on plan time gives a :class:`ManualClock`: returns once the worker
has acted on the plan time given (fired what fell due by then)."""


@runtime_checkable
class Controlled(Protocol):
    """A clock that jumps when told (:class:`ManualClock`): a worker that waits on plan
    time registers with it, so it is woken at each jump and the jump waits for it."""

    def on_jump(self, caught_up: CaughtUp) -> Callable[[], None]:
        """Await ``caught_up(now)`` after each jump; returns what unregisters it."""
        ...


class ManualClock:
    """Plan time that moves only when the test advances it (real time goes on apart).

    ``now()`` starts at ``start`` (default: the real time at creation, so rows stamped
    with it sort among real ones) and ``monotonic()`` at 0. :meth:`sleep` returns once plan
    time has passed its deadline. :meth:`advance` moves time, wakes sleepers, then awaits
    every registered worker's ``caught_up`` (at most ``catch_up_timeout`` real seconds).
    """

    def __init__(self, start: datetime | None = None, *,
                 catch_up_timeout: float = 10.0) -> None:
        self._now = start if start is not None else datetime.now(UTC)
        self._start = self._now
        self._moved = asyncio.Event()
        self._workers: list[CaughtUp] = []
        self._timeout = catch_up_timeout

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return (self._now - self._start).total_seconds()

    def sleep(self, seconds: float) -> Coroutine[Any, Any, None]:
        """Wait until plan time has passed ``seconds`` from the call (not from when the
        coroutine first runs: a jump in between counts)."""
        return self._sleep_until(self._now + timedelta(seconds=seconds))

    async def _sleep_until(self, until: datetime) -> None:
        while self._now < until:
            await self._moved.wait()

    def on_jump(self, caught_up: CaughtUp) -> Callable[[], None]:
        self._workers.append(caught_up)

        def unregister() -> None:
            with contextlib.suppress(ValueError):
                self._workers.remove(caught_up)
        return unregister

    async def advance(self, by: float | timedelta) -> datetime:
        """Move plan time on by ``by`` (seconds, or a timedelta); returns the new time once
        every registered worker has caught up with it."""
        step = by if isinstance(by, timedelta) else timedelta(seconds=by)
        if step < timedelta(0):
            raise ValueError("plan time never goes back")
        self._now += step
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()
        now = self._now
        try:
            async with asyncio.timeout(self._timeout):
                await asyncio.gather(*(caught_up(now) for caught_up in list(self._workers)))
        except TimeoutError:
            raise AssertionError(f"a timer worker did not catch up with {now.isoformat()}"
                                 f" within {self._timeout}s") from None
        return now

    async def advance_to(self, moment: datetime) -> datetime:
        """Move plan time on to ``moment`` (no move when it is past already)."""
        return await self.advance(max(timedelta(0), moment - self._now))


_installed: list[Clock] = []


@contextlib.contextmanager
def installed(clock: Clock) -> Iterator[Clock]:
    """Within the block, :func:`clock_for` returns ``clock`` whatever the settings say:
    how a test runs services (in its own event loop) on a :class:`ManualClock`."""
    _installed.append(clock)
    try:
        yield clock
    finally:
        _installed.remove(clock)


def clock_for(scale: float, epoch: float | None = None) -> Clock:
    """The clock a process should use for ``TOCSIN_CLOCK_SCALE`` and
    ``TOCSIN_CLOCK_EPOCH`` (or the one a test :func:`installed`)."""
    if _installed:
        return _installed[-1]
    return SystemClock() if scale == 1 else ScaledClock(scale, epoch)
