"""The notifications service's composition root."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from importlib.metadata import version

import aiohttp

from tocsin.notifications import api
from tocsin.notifications.chat import ChatRelay, chat_consumer, parse_topics
from tocsin.notifications.compose import Composer
from tocsin.notifications.delivery import Channels, DeliveryWorker, SendingProvider
from tocsin.notifications.events import Events
from tocsin.notifications.inbound import InboundHandlers
from tocsin.notifications.providers import parse_providers
from tocsin.notifications.receipts import ReceiptReporter
from tocsin.notifications.settings import Settings
from tocsin.notifications.slack import SlackCommands
from tocsin.notifications.smtp import SmtpProvider
from tocsin.notifications.templates import Templates
from tocsin.shared.bus import (
    RpcServer,
    connect,
    consume,
    deliveries_stream,
    ensure_stream,
    events_stream,
)
from tocsin.shared.clock import clock_for
from tocsin.shared.db import OutboxRelay, apply_migrations, create_pool
from tocsin.shared.logging import get_logger
from tocsin.shared.outage import PostgresProbe
from tocsin.shared.runner import Worker

__all__ = ["lifespan"]

log = get_logger(__name__)


@asynccontextmanager
async def lifespan(settings: Settings) -> AsyncIterator[Sequence[Worker]]:
    """Open the pool, the bus and the providers' HTTP session, migrate, and yield the
    request server, the delivery worker, the receipt reporter, the chat relay and the
    outbox relay."""
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        providers = parse_providers(str(settings.providers), session)
        topics = parse_topics(str(settings.chat_topics))
        pool = await stack.enter_async_context(
            create_pool(settings.database_url, schema=settings.schema,
                        max_size=settings.pool_max))
        await apply_migrations(pool, package="tocsin.notifications.migrations")
        bus = await stack.enter_async_context(
            connect(settings.nats_servers, name="tocsin-notifications"))
        await ensure_stream(bus.js, events_stream(settings.region))
        await ensure_stream(bus.js, deliveries_stream(settings.region))
        clock = clock_for(settings.clock_scale, settings.clock_epoch)
        senders: list[SendingProvider] = []
        if settings.smtp_host.strip():
            senders.append(SmtpProvider(settings))
        else:
            log.warning("smtp.unconfigured", hint="no SMTP server is configured: email "
                        "pages and activation codes wait until TOCSIN_SMTP_HOST is set")
        senders.extend(providers)
        templates = Templates(settings.template_dir)
        composer = Composer(pool, bus, templates, link_base=settings.link_base,
                            link_ttl=settings.ack_link_ttl, region=settings.region)
        worker = DeliveryWorker(
            pool, bus, clock, composer, Channels(senders, cooldown=settings.provider_cooldown),
            Events(settings.region), region=settings.region, schema=settings.schema,
            max_in_flight=settings.max_in_flight, max_attempts=settings.max_attempts,
            retry_base=settings.retry_base, retry_max=settings.retry_max,
            no_provider_retry=settings.no_provider_retry, link_base=settings.link_base)
        inbound = InboundHandlers(pool, bus, clock, {p.name: p for p in providers},
                                  link_base=settings.link_base,
                                  reply_window=settings.reply_window)
        probe = PostgresProbe(pool)
        server = RpcServer(bus, service="notifications",
                           version=version("tocsin-notifications"),
                           handlers=api.operations(pool, inbound, SlackCommands(
                               bus, signing_secret=str(settings.slack_signing_secret),
                               replay_window=settings.slack_replay_window,
                               arns=settings.arns)),
                           concurrency=settings.rpc_concurrency, status=probe.status,
                           description="Tocsin notifications: email, SMS and voice delivery")
        workers: list[Worker] = [server.serve, worker.run,
                                 ReceiptReporter(pool, bus, poll_interval=settings
                                                 .receipt_poll_interval).run,
                                 functools.partial(consume, bus, chat_consumer(
                                     ChatRelay(pool, bus, session, templates, topics),
                                     region=settings.region, schema=settings.schema))]
        workers.append(probe.run)
        if settings.outbox_relay:
            relay = OutboxRelay(pool, bus, poll_interval=settings.outbox_poll_interval)
            workers.append(relay.run)
        yield workers
