"""A token bucket per provider that queues by priority and never drops.

``take(priority)`` returns a :class:`Ticket` at once: its :attr:`Ticket.delay` is 0 when a
token was free, otherwise the expected wait (how many tickets of the same or a more urgent
priority are queued ahead, over the rate), which the caller records as the message's
expected send time before it awaits :meth:`Ticket.wait`. Tokens go to the most urgent
waiter first (lower number = more urgent: pages before activation codes), first come
first served within a priority. A waiter that is cancelled gives its place up.

The estimate can slip when more urgent messages arrive later; it is what the caller knew
when it queued. Each instance keeps its own buckets, which order its sends by priority;
:func:`tocsin.notifications.delivery.store.shared_slot` then paces the sends of every
instance together (the generic cell rate algorithm over one PostgreSQL row per provider),
so with *n* instances a provider still sees at most its configured rate.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable

__all__ = ["Ticket", "TokenBucket"]


class Ticket:
    """One queued send."""

    __slots__ = ("_future", "delay", "priority")

    def __init__(self, priority: int, delay: float,
                 future: asyncio.Future[None] | None) -> None:
        self.priority = priority
        self.delay = delay
        """Expected seconds until the send may go (0: now)."""
        self._future = future

    async def wait(self) -> None:
        """Return when the send may go."""
        if self._future is not None:
            await self._future

    def cancel(self) -> None:
        """Give the place up without waiting."""
        if self._future is not None:
            self._future.cancel()


class TokenBucket:
    """``rate`` sends a second on average, bursts of up to ``burst`` (default 1: evenly
    paced, which is what a provider's "N per second" usually means)."""

    def __init__(self, rate: float, burst: float | None = None, *,
                 now: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else 1.0)
        self._now = now
        self._tokens = self.burst
        self._updated = now()
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def _refill(self) -> None:
        now = self._now()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def take(self, priority: int = 0) -> Ticket:
        """Queue one send at ``priority``."""
        self._refill()
        self._prune()
        if not self._waiters and self._tokens >= 1:
            self._tokens -= 1
            return Ticket(priority, 0.0, None)
        ahead = sum(1 for p, _, _ in self._waiters if p <= priority)
        delay = max(0.0, (ahead + 1 - self._tokens) / self.rate)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._seq), future))
        self._schedule()
        return Ticket(priority, delay, future)

    @property
    def queued(self) -> int:
        """Sends waiting for a token."""
        self._prune()
        return len(self._waiters)

    def _prune(self) -> None:
        while self._waiters and self._waiters[0][2].done():
            heapq.heappop(self._waiters)

    def _schedule(self) -> None:
        if self._timer is None and self._waiters:
            wait = max(0.0, (1 - self._tokens) / self.rate)
            self._timer = asyncio.get_running_loop().call_later(wait, self._release)

    def _release(self) -> None:
        self._timer = None
        self._refill()
        while self._waiters and self._tokens >= 1:
            _, _, future = heapq.heappop(self._waiters)
            if future.done():
                continue  # cancelled while waiting
            self._tokens -= 1
            future.set_result(None)
        self._prune()
        self._schedule()
