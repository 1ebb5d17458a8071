"""Reading the other regions' mirrors under a durable of one's own, and catching up with
them after a start.

Some services read, besides their own region's events, some events of every other
region's mirror here (:mod:`tocsin.shared.bus.regions`): the incidents service the
replication set's, the escalation service what keeps its standby timers and the
takeovers, the contacts service the takeovers that fence its stage work.
:class:`MirrorReaders` keeps one reader per mirror, started when the mirror appears and
stopped when it goes; :func:`watch` is the worker's loop around it.

After a start, a service that acts on what another region may have taken over acts on
nothing before :class:`CatchUp` says it has caught up with every other region: its mirror
here holds all that region's own stream holds (asked of that region's JetStream over the
leaf connection), and the service's durable on it has nothing pending; or that region has
not answered for ``patience`` seconds on end (it may be lost itself); or
:data:`GIVE_UP_AFTER` has passed (logged as an error: a page late for ever would be worse
than one paged twice).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy, StreamInfo

from tocsin.shared.bus import Bus, Consumer, consume
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.logging import get_logger
from tocsin.shared.outage import server_gone
from tocsin.shared.runner import pause

__all__ = ["GIVE_UP_AFTER", "CatchUp", "MirrorReaders", "watch"]

log = get_logger(__name__)

GIVE_UP_AFTER = 120.0
"""Seconds (or three times the patience, if longer) after which a starting service acts
even though it could not catch up with another region's events."""


class MirrorReaders:
    """One reader per other region's mirror here, under one ``durable``, of the subjects
    ``subject(origin)`` names; ``handler`` and ``deliver_policy`` (of a new durable) as a
    :class:`~tocsin.shared.bus.Consumer`'s."""

    def __init__(self, bus: Bus, *, durable: str, subject: Callable[[str], str],
                 handler: Callable[[Any, Msg], Awaitable[None]], name: str,
                 deliver_policy: DeliverPolicy = DeliverPolicy.ALL) -> None:
        self._bus = bus
        self._deliver_policy = deliver_policy
        self._durable = durable
        self._subject = subject
        self._handler = handler
        self._name = name
        self._readers: dict[str, tuple[asyncio.Task[None], asyncio.Event]] = {}

    def follow(self, origins: Iterable[str]) -> None:
        """Read the mirror of each of ``origins`` (again, if its reader ended); stop
        reading those of any other region."""
        wanted = set(origins)
        for origin in sorted(wanted):
            reader = self._readers.get(origin)
            if reader is None or reader[0].done():
                done = asyncio.Event()
                task = asyncio.create_task(consume(self._bus, Consumer(
                    stream=mirrors.mirror_name(origin), durable=self._durable,
                    filter_subject=self._subject(origin), handler=self._handler,
                    deliver_policy=self._deliver_policy), done),
                    name=f"{self._name}-{origin}")
                task.add_done_callback(functools.partial(self._ended, origin))
                self._readers[origin] = (task, done)
                log.info("regions.mirror_reading", reader=self._name, region=origin)
        for origin in set(self._readers) - wanted:
            _, done = self._readers.pop(origin)
            done.set()

    def _ended(self, origin: str, task: asyncio.Task[None]) -> None:
        """Logs a reader's failure (its mirror deleted under it, say) as it ends; the next
        :meth:`follow` starts the reader again if the mirror is still wanted. Read here, so
        a reader dropped meanwhile never leaves its failure unread."""
        if not task.cancelled() and task.exception() is not None:
            log.warning("regions.mirror_reader_ended", reader=self._name, region=origin,
                        error=repr(task.exception()))

    async def stop(self, origin: str) -> None:
        """Stop reading ``origin``'s mirror and wait for the reader to finish its batch
        (before the mirror is deleted under it)."""
        reader = self._readers.pop(origin, None)
        if reader is not None:
            reader[1].set()
            await asyncio.gather(reader[0], return_exceptions=True)

    async def close(self) -> None:
        """Stop every reader and wait for it to finish its batch."""
        readers, self._readers = list(self._readers.values()), {}
        for _, done in readers:
            done.set()
        await asyncio.gather(*(task for task, _ in readers), return_exceptions=True)


async def watch(stop: asyncio.Event, look: Callable[[], Awaitable[None]], *,
                readers: MirrorReaders, interval: float, name: str) -> None:
    """A worker's loop: ``look`` every ``interval`` seconds until ``stop``, riding out a
    NATS or PostgreSQL outage (a warning) and logging any other failure as an error (the
    next look tries again); then stop ``readers``."""
    try:
        while True:
            try:
                await look()
            except Exception as exc:
                if server_gone(exc) is None and not mirrors.unreachable(exc):
                    log.error(f"{name}.watch_failed", error=repr(exc), exc_info=exc)
                else:
                    log.warning(f"{name}.unavailable", error=repr(exc))
            if await pause(stop, interval):
                break
    finally:
        await readers.close()


class CatchUp:
    """Whether a service, since its start, has caught up with every other region's events
    read under ``durable`` (the module docstring); ``ready`` is set once it has."""

    def __init__(self, bus: Bus, *, durable: str, patience: float) -> None:
        self._bus = bus
        self._durable = durable
        self._patience = patience
        self._started = time.monotonic()
        self._heard: dict[str, float] = {}
        """Other region → when it last answered (monotonic); its silence counts from the
        start until it first does."""
        self._behind_last: list[str] = []
        self.ready = asyncio.Event()

    async def check(self, found: dict[str, StreamInfo]) -> bool:
        """Look at the mirrors ``found`` here (other region → its info): whether ready."""
        if self.ready.is_set():
            return True
        behind = [origin for origin, info in sorted(found.items())
                  if await self._behind(origin, info)]
        waited = time.monotonic() - self._started
        if behind and waited < max(3 * self._patience, GIVE_UP_AFTER):
            if behind != self._behind_last:
                log.info("regions.catching_up", durable=self._durable, behind=behind)
                self._behind_last = behind
            return False
        if behind:
            log.error("regions.not_caught_up", durable=self._durable, behind=behind,
                      waited_s=round(waited))
        log.info("regions.ready", durable=self._durable, mirrors=sorted(found))
        self.ready.set()
        return True

    async def _behind(self, origin: str, info: StreamInfo) -> bool:
        """Whether ``origin``'s events must still be waited for: its mirror here lacks some
        of what its stream holds, or they are not all handled yet. An ``origin`` that does
        not answer is waited for no longer than the patience."""
        try:
            theirs = await self._bus.nc.jetstream(
                domain=origin, timeout=mirrors.REMOTE_TIMEOUT).stream_info(
                    mirrors.mirror_name(origin))
        except Exception as exc:
            if not mirrors.unreachable(exc):  # refused (permissions?): as good as unheard
                log.warning("regions.remote_refused", region=origin, error=repr(exc))
            # Silent for the patience on end, not merely once after it: a region that
            # answered a moment ago and missed one question (a busy link) is still there.
            silent_since = self._heard.get(origin, self._started)
            return time.monotonic() - silent_since < self._patience
        self._heard[origin] = time.monotonic()
        if info.state.last_seq < theirs.state.last_seq:
            return True
        try:
            consumer = await self._bus.js.consumer_info(str(info.config.name), self._durable)
        except Exception:  # not created yet
            return True
        return bool(consumer.num_pending or consumer.num_ack_pending)
