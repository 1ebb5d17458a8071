"""Deleting the replication set deletes the account's contacts data too: the guide's
"deleting the last region deletes all data" covers contacts, channels, escalation plans,
on-call schedules, rotations and engagements with their pages.

A durable consumer of the incidents service's ``ReplicationSetDeleted`` (deletion
protection is checked there, before the event exists) deletes, in one transaction with
the event's inbox row, what was created up to the event's time: a contact or rotation
created after the deletion (a new set-up already under way) stays. The escalation service
cancels the pending timers on the same event.
"""

from __future__ import annotations

import asyncpg
from nats.aio.msg import Msg

from tocsin.shared import codec
from tocsin.shared.bus import Consumer
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.logging import get_logger

__all__ = ["ReplicationSetDeletion", "replication_consumer"]

log = get_logger(__name__)

INBOX = "contacts-replication-set"


class ReplicationSetDeletion:
    """The consumer's handler."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def on_event(self, event: codec.Envelope, msg: Msg) -> None:
        if event.type != "ReplicationSetDeleted":
            return
        until = event.time
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=INBOX, event_id=event.id):
                return
            # Pages, receipts and stages go with their engagements (ON DELETE CASCADE),
            # and so do the takeovers known of them; members and overrides with their
            # rotations; channels, codes and policies with their contacts.
            engagements = await conn.fetchval(
                "WITH d AS (DELETE FROM engagement WHERE start_time <= $1 RETURNING arn),"
                " t AS (DELETE FROM engagement_takeover"
                "  WHERE engagement_arn IN (SELECT arn FROM d))"
                " SELECT count(*) FROM d", until)
            await conn.execute(
                "DELETE FROM tag WHERE resource_arn IN ("
                " SELECT arn FROM contact WHERE created_at <= $1"
                " UNION SELECT arn FROM rotation WHERE created_at <= $1)", until)
            rotations = await conn.fetchval(
                "WITH d AS (DELETE FROM rotation WHERE created_at <= $1 RETURNING 1)"
                " SELECT count(*) FROM d", until)
            contacts = await conn.fetchval(
                "WITH d AS (DELETE FROM contact WHERE created_at <= $1 RETURNING arn),"
                " p AS (DELETE FROM plan_engagement WHERE contact_arn IN (SELECT arn FROM d))"
                " SELECT count(*) FROM d", until)
        log.info("replication_set.deleted", contacts=contacts, rotations=rotations,
                 engagements=engagements)


def replication_consumer(handler: ReplicationSetDeletion, *, region: str,
                         schema: str) -> Consumer:
    """The durable consumer, named after the schema so every instance shares it."""
    return Consumer(stream=f"EVENTS_{region.upper()}", durable=f"{schema}-replication-set",
                    filter_subject=f"events.{region}.incidents.ReplicationSetDeleted",
                    handler=handler.on_event)
