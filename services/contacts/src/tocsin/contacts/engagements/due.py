"""What the escalation service says is due, done: a durable consumer of its events.

- ``StageDue`` starts the stage (:meth:`EngagementHandlers.start_stage`): pages its
  targets unless the engagement stopped, its progression stopped, or the stage started
  already.
- ``PageStageDue`` sends the page on the channels of the next stage of the paged contact's
  own engagement plan (:meth:`EngagementHandlers.page_stage`) unless it was read or the
  engagement stopped.
- ``ChannelRetryDue`` sends the page again on the channel
  (:meth:`EngagementHandlers.retry_channel`) unless it was read or the engagement stopped.

Each takes effect in one transaction with the event's inbox row, so a redelivered event
(or a timer's demand published twice) pages once. None takes effect for an engagement
another region runs since a takeover: this region's own ``RegionTakenOver`` is recorded
here in stream order, before the stage work it fences, and the other regions' are read from
their mirrors (:mod:`tocsin.shared.replication.takeovers`, which also holds this
consumer back after a start until they are caught up with).
"""

from __future__ import annotations

import asyncpg
from nats.aio.msg import Msg

from tocsin.contacts.engagements.handlers import EngagementHandlers
from tocsin.shared import codec
from tocsin.shared.bus import Consumer
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.contracts.base import decode as decode_event
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.errors import NotFoundError, ValidationError
from tocsin.shared.logging import bind, get_logger
from tocsin.shared.replication.takeovers import Takeovers

__all__ = ["INBOX", "Due", "due_consumer"]

log = get_logger(__name__)

INBOX = "contacts-escalation"


class Due:
    """The consumer's handler."""

    def __init__(self, pool: asyncpg.Pool, engagements: EngagementHandlers, *,
                 region: str) -> None:
        self._pool = pool
        self._engagements = engagements
        self._region = region

    async def on_event(self, event: codec.Envelope, msg: Msg) -> None:
        if event.type not in ("StageDue", "PageStageDue", "ChannelRetryDue",
                              "RegionTakenOver"):
            return
        data = decode_event(event.type, event.data, ec.EscalationEvent)
        try:
            async with transaction(self._pool) as conn:
                if await already_processed(conn, consumer=INBOX, event_id=event.id):
                    return
                if isinstance(data, ec.RegionTakenOver):
                    await Takeovers.record(conn, data, here=self._region)
                    return
                bind(engagement_arn=data.engagement_arn, timer_id=data.timer_id)
                runner = await Takeovers.run_elsewhere(conn, data.engagement_arn,
                                                       here=self._region)
                if runner is not None:
                    log.info("due.stood_down", event_type=event.type, runs_in=runner)
                    return
                match data:
                    case ec.StageDue():
                        await self._engagements.start_stage(
                            conn, data.engagement_arn, data.stage_index, round_=data.round)
                    case ec.PageStageDue():
                        await self._engagements.page_stage(
                            conn, data.page_arn, data.stage_index, timer=data.timer_id)
                    case ec.ChannelRetryDue():
                        await self._engagements.retry_channel(
                            conn, data.page_arn, data.channel_arn, retry=data.timer_id)
        except (NotFoundError, ValidationError) as exc:
            # The engagement was deleted with its contact, or its plan has no such stage:
            # nothing will ever be due for it.
            log.warning("due.dropped", event_type=event.type, error=exc.message)


def due_consumer(due: Due, *, region: str, schema: str) -> Consumer:
    """The durable consumer, named after the schema so every instance shares it."""
    return Consumer(stream=f"EVENTS_{region.upper()}", durable=f"{schema}-escalation",
                    filter_subject=f"events.{region}.escalation.>", handler=due.on_event)
