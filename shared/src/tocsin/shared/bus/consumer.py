"""Durable JetStream pull consumers shared by every instance of a service.

Every message ends in exactly one outcome: ``ack`` when the handler returns, ``term``
when it can never succeed (a payload that does not decode, :class:`Reject`, a caller
error), ``nak`` with a delay for :class:`RetryLater` or an unexpected failure. A message
in flight when the process dies is redelivered after ``ack_wait``; the handler records
its event id in the inbox in the same transaction as its effect, so nothing takes effect
twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import nats.errors
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tocsin.shared import codec, errors
from tocsin.shared.bus.connection import Bus
from tocsin.shared.logging import bound, get_logger

__all__ = ["Consumer", "backoff", "consume"]

log = get_logger(__name__)


class Consumer(msgspec.Struct, frozen=True, kw_only=True):
    """What a service consumes: which stream, under which durable name, and how."""

    stream: str
    durable: str
    """Shared by every instance of the service, so each message goes to one of them."""
    filter_subject: str
    handler: Callable[[Any, Msg], Awaitable[None]]
    """Called with the decoded message and the raw NATS message (for headers)."""
    message_type: Any = codec.Envelope
    max_deliver: int = 20
    """After this many deliveries a message is given up on and logged, not retried forever."""
    ack_wait: float = 30.0
    batch: int = 32
    deliver_policy: DeliverPolicy = DeliverPolicy.ALL


def backoff(delivered: int) -> float:
    """Redelivery delay after an unexpected failure: 0.5 s doubling to at most 30 s."""
    return float(min(30.0, 0.5 * 2 ** max(0, delivered - 1)))


async def consume(bus: Bus, consumer: Consumer, stop: asyncio.Event) -> None:
    """Fetch and handle messages until ``stop`` is set; finishes the current batch."""
    config = ConsumerConfig(
        durable_name=consumer.durable,
        filter_subject=consumer.filter_subject,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=consumer.deliver_policy,
        max_deliver=consumer.max_deliver,
        ack_wait=consumer.ack_wait,
    )
    await bus.js.add_consumer(consumer.stream, config)
    psub = await bus.js.pull_subscribe_bind(consumer.durable, stream=consumer.stream)
    decoder = codec.decoder_for(consumer.message_type)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            fetch = asyncio.ensure_future(psub.fetch(batch=consumer.batch, timeout=5.0))
            await asyncio.wait([fetch, stopping], return_when=asyncio.FIRST_COMPLETED)
            if not fetch.done():
                # Stopping while idle: whatever this pull still brings is redelivered to
                # another instance after ack_wait.
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, nats.errors.Error):
                    await fetch
                return
            try:
                msgs = fetch.result()
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            except nats.errors.ConnectionClosedError:
                return
            for msg in msgs:
                await _handle(consumer, decoder, msg)
    finally:
        stopping.cancel()
        with contextlib.suppress(nats.errors.Error):
            await psub.unsubscribe()


async def _handle(consumer: Consumer, decoder: msgspec.json.Decoder[Any], msg: Msg) -> None:
    md = msg.metadata
    with bound(msg.headers, subject=msg.subject, stream_seq=md.sequence.stream,
               delivered=md.num_delivered):
        try:
            message = decoder.decode(msg.data)
            await consumer.handler(message, msg)
        except (msgspec.DecodeError, errors.Reject) as exc:
            log.warning("message.rejected", error=str(exc))
            await msg.term()
        except errors.RetryLater as exc:
            await msg.nak(delay=exc.delay)
        except errors.TocsinError as exc:
            if exc.retryable:
                log.warning("message.retry", error=exc.message)
                await msg.nak(delay=backoff(md.num_delivered))
            else:
                log.warning("message.rejected", error=exc.message)
                await msg.term()
        except Exception:
            log.exception("message.failed")
            if md.num_delivered >= consumer.max_deliver:
                log.error("message.given_up", max_deliver=consumer.max_deliver)
            await msg.nak(delay=backoff(md.num_delivered))
        else:
            await msg.ack()
