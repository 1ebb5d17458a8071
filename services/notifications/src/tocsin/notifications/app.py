"""The notifications service's composition root: its table for the service kernel."""

from __future__ import annotations

import functools
from datetime import timedelta

import aiohttp

from tocsin.notifications import api
from tocsin.notifications.chat.domain import parse_topics
from tocsin.notifications.chat.handlers import ChatRelay, chat_consumer
from tocsin.notifications.chat.slack import SlackCommands
from tocsin.notifications.delivery.compose import Composer
from tocsin.notifications.delivery.handlers import Channels, DeliveryWorker, SendingProvider
from tocsin.notifications.delivery.providers import parse_providers
from tocsin.notifications.delivery.receipts import ReceiptReporter
from tocsin.notifications.delivery.smtp import SmtpProvider
from tocsin.notifications.inbound.handlers import InboundHandlers
from tocsin.notifications.settings import Settings
from tocsin.notifications.templates import Templates
from tocsin.shared.bus import deliveries_stream, events_stream
from tocsin.shared.clock import clock_for
from tocsin.shared.db.retention import retain
from tocsin.shared.kernel import Kernel, Opened, Service
from tocsin.shared.keys import keks_from, remote_key_ring
from tocsin.shared.logging import get_logger

__all__ = ["KERNEL", "lifespan"]

log = get_logger(__name__)


async def table(opened: Opened[Settings]) -> Service:
    """The providers' HTTP session, and the request server, the delivery worker, the
    receipt reporter, the chat relay, and the retention of handled callbacks' ids and
    long-expired acknowledgement links."""
    settings, pool, bus = opened.settings, opened.pool, opened.bus
    session = await opened.stack.enter_async_context(aiohttp.ClientSession())
    providers = parse_providers(str(settings.providers), session)
    topics = parse_topics(str(settings.chat_topics))
    clock = clock_for(settings.clock_scale, settings.clock_epoch)
    senders: list[SendingProvider] = []
    if settings.smtp_host.strip():
        smtp = SmtpProvider(settings)
        opened.stack.push_async_callback(smtp.close)  # its kept connections, at shutdown
        senders.append(smtp)
    else:
        log.warning("smtp.unconfigured", hint="no SMTP server is configured: email "
                    "pages and activation codes wait until TOCSIN_SMTP_HOST is set")
    senders.extend(providers)
    keys = remote_key_ring(bus, keks_from(settings), status=opened.status)
    templates = Templates(settings.template_dir)
    composer = Composer(pool, bus, templates, link_base=settings.link_base,
                        link_ttl=settings.ack_link_ttl, region=settings.region)
    worker = DeliveryWorker(
        pool, bus, clock, composer, Channels(senders, cooldown=settings.provider_cooldown),
        region=settings.region, schema=settings.schema,
        max_in_flight=settings.max_in_flight, max_attempts=settings.max_attempts,
        retry_base=settings.retry_base, retry_max=settings.retry_max,
        no_provider_retry=settings.no_provider_retry, link_base=settings.link_base,
        keys=keys)
    inbound = InboundHandlers(pool, bus, clock, {p.name: p for p in providers},
                              link_base=settings.link_base,
                              reply_window=settings.reply_window, keys=keys)
    slack = SlackCommands(bus, signing_secret=str(settings.slack_signing_secret),
                          replay_window=settings.slack_replay_window, arns=settings.arns)
    return Service(
        operations=api.operations(pool, inbound, slack),
        consumers=[chat_consumer(ChatRelay(pool, bus, session, templates, topics,
                                           learnt=composer.remember),
                                 region=settings.region, schema=settings.schema)],
        workers=[worker.run,
                 ReceiptReporter(pool, bus, poll_interval=settings.receipt_poll_interval).run,
                 functools.partial(retain, pool, {"inbound_seen": ("seen_at", timedelta(
                     days=settings.inbound_seen_retention_days))}),
                 functools.partial(retain, pool, {"ack_link": ("expires_at", timedelta(
                     days=settings.ack_link_retention_days))}, clock=clock)],
    )


KERNEL = Kernel[Settings](
    name="notifications",
    description="Tocsin notifications: email, SMS and voice delivery",
    streams=lambda settings: [events_stream(settings.region),
                              deliveries_stream(settings.region)],
    table=table,
)
lifespan = KERNEL.lifespan
