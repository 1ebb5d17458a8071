"""The service kernel: a service says what it is in one table, the kernel runs it.

A service's ``app.py`` is a :class:`Kernel`: its name, the streams it declares and a
``table`` function that, given what the kernel opened (:class:`Opened`), returns the
:class:`Service` table: its RPC operations, its JetStream consumers, its timers and its
other background workers. The kernel owns everything around that table, the same for
every service:

1. the PostgreSQL pool on the service's schema, and its migrations
   (``tocsin.<service>.migrations``);
2. the NATS connection as the service's own identity (:mod:`tocsin.shared.bus.identities`;
   it drains on exit) and the stream declarations;
3. the RPC server (``tocsin.rpc.<service>.<Operation>``), whose ``$SRV.PING`` answer
   carries the :class:`~tocsin.shared.outage.PostgresProbe`'s readiness;
4. one :func:`~tocsin.shared.bus.consume` worker per consumer, the timers and workers,
   and the inbox of the other regions' events when the table declares one
   (:mod:`tocsin.shared.replication.inbox`);
5. the outbox relay (unless ``TOCSIN_OUTBOX_RELAY`` is off) and the inbox's and client
   tokens' retention (:mod:`tocsin.shared.db.retention`); the outbox's backlog, the
   declared streams' sizes and mirrors measured (:mod:`tocsin.shared.metrics`: the RPC
   server, the consumers and the timers measure themselves; the ping answer names this
   process's metrics address);
6. orderly shutdown: :func:`tocsin.shared.runner.serve` stops the workers within the
   grace period, then the exit stack drains the bus and closes the pool, in that order.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from importlib.metadata import version
from typing import Generic, TypeVar

import asyncpg
from nats.js.api import StreamConfig

from tocsin.shared import metrics
from tocsin.shared.bus import Bus, Consumer, RpcServer, consume, ensure_stream, identities
from tocsin.shared.bus.connection import connect_as
from tocsin.shared.bus.principals import parse_signers
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.bus.streams import watch_streams
from tocsin.shared.config import ServiceSettings
from tocsin.shared.db import OutboxRelay, apply_migrations, create_pool, watch_backlog
from tocsin.shared.db.retention import retain, shared_tables
from tocsin.shared.logging import get_logger
from tocsin.shared.outage import PostgresProbe
from tocsin.shared.replication.inbox import Inbox, run_inbox
from tocsin.shared.runner import Worker

__all__ = ["Kernel", "Opened", "Service"]

S = TypeVar("S", bound=ServiceSettings)
log = get_logger(__name__)


@dataclass(frozen=True, kw_only=True)
class Opened(Generic[S]):
    """What the kernel opened for a service before asking for its table."""

    settings: S
    pool: asyncpg.Pool
    bus: Bus
    stack: AsyncExitStack
    """For what else the service must own (an HTTP session): closed before the bus
    drains and the pool closes."""
    status: dict[str, str] = field(default_factory=dict)
    """The instance's ping metadata, which ``/healthz`` reports: a service may add to it
    (in place, at any time: it is never replaced)."""


@dataclass(frozen=True, kw_only=True)
class Service:
    """One service as a table: everything it serves and runs."""

    operations: Mapping[str, Handler] = field(default_factory=dict)
    """RPC operations by name, served on ``tocsin.rpc.<service>.<Operation>``."""
    consumers: Sequence[Consumer] = ()
    """Durable JetStream pull consumers, each run by :func:`~tocsin.shared.bus.consume`."""
    timers: Sequence[Worker] = ()
    """Workers that fire what falls due (the durable timers)."""
    workers: Sequence[Worker] = ()
    """Other background workers (a consumer with its own discipline, a reporter)."""
    inbox: Inbox | None = None
    """How the service applies the other regions' events to its store (None: it keeps
    nothing of theirs)."""


@dataclass(frozen=True, kw_only=True)
class Kernel(Generic[S]):
    """A service's composition root: call :meth:`lifespan` (the runner's lifespan)."""

    name: str
    """The service's name: its package ``tocsin.<name>``, its distribution
    ``tocsin-<name>``, its RPC subjects and queue group."""
    description: str
    """What ``$SRV.INFO`` says the service is."""
    table: Callable[[Opened[S]], Awaitable[Service]]
    streams: Callable[[S], Sequence[StreamConfig]] = lambda settings: ()
    """The streams the service publishes to or consumes from, declared at start-up."""

    @asynccontextmanager
    async def lifespan(self, settings: S) -> AsyncIterator[Sequence[Worker]]:
        """Open the pool and the bus, migrate, declare the streams and yield the workers."""
        async with AsyncExitStack() as stack:
            pool = await stack.enter_async_context(
                create_pool(settings.database_url, schema=settings.schema,
                            max_size=settings.pool_max))
            await apply_migrations(pool, package=f"tocsin.{self.name}.migrations")
            bus = await stack.enter_async_context(connect_as(settings, self.name))
            verifier = parse_signers(settings.principal_signers)
            if verifier is None:
                log.warning("principals.unsigned", detail="TOCSIN_PRINCIPAL_SIGNERS is unset: "
                            "the Tocsin-Principal header of requests is trusted as sent")
            streams = self.streams(settings)
            for stream in streams:
                owner = identities.stream_kind(str(stream.name)) in bus.identity.owns \
                    if bus.identity else True
                await ensure_stream(bus.js, stream, update=owner,
                                    replicas=settings.stream_replicas,
                                    max_bytes=settings.stream_byte_limits)
            probe = PostgresProbe(pool)
            service = await self.table(Opened(settings=settings, pool=pool, bus=bus,
                                              stack=stack, status=probe.status))
            if metrics.address():
                probe.status["metrics"] = metrics.address()
            server = RpcServer(bus, service=self.name, version=version(f"tocsin-{self.name}"),
                               handlers=service.operations,
                               concurrency=settings.rpc_concurrency, status=probe.status,
                               description=self.description, verifier=verifier)
            workers: list[Worker] = [server, *service.timers]
            workers += [functools.partial(consume, bus, c) for c in service.consumers]
            if service.inbox is not None:
                workers.append(functools.partial(
                    run_inbox, bus, pool, service.inbox, service=self.name,
                    region=settings.region, schema=settings.schema,
                    rescan=settings.inbox_rescan))
            workers += [*service.workers, probe.run,
                        functools.partial(watch_backlog, pool, settings.schema),
                        functools.partial(watch_streams, bus.js, [s.name for s in streams
                                                                  if s.name])]
            workers.append(functools.partial(retain, pool, shared_tables(
                inbox=timedelta(days=settings.inbox_retention_days),
                client_token=timedelta(days=settings.client_token_retention_days))))
            if settings.outbox_relay:
                relay = OutboxRelay(pool, bus, poll_interval=settings.outbox_poll_interval)
                workers.append(relay.run)
            yield workers
