"""Paging that reached nobody: what a stage could not page, and pages every delivery of
which was refused. Each becomes an ``EngagementFailed`` event
(:class:`tocsin.shared.contracts.contacts.EngagementFailed`), which the incidents service
writes on the incident's timeline and answers by engaging the fallback contact.

Reported when a stage starts (in its transaction, once, since a stage starts once):

- ``CONTACT_NOT_FOUND``: a target of the stage, or someone on call, no longer exists or is
  no longer a personal contact (the engaged contact itself: when ``StartEngagement`` of an
  incident finds it gone);
- ``CONTACT_NOT_FOUND`` and ``NESTED_ESCALATION`` for targets of an escalation plan that
  its engagement's start had to skip (gone, or an escalation plan itself), reported with
  stage 0 whatever their stage;
- ``NOBODY_ON_CALL``: an on-call schedule's rotations have nobody on call at that moment;
- ``NO_ACTIVATED_CHANNEL``: a person paged has no activated channel anywhere in their
  engagement plan, so this page can never reach them.

Reported by :class:`DeadLetters` (a durable consumer of the notifications service's
``DeliveryDeadLettered``): ``DELIVERY_FAILED`` once every channel a page was sent on was
refused by every provider, unless the page was read or its engagement stopped meanwhile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime

import asyncpg
from nats.aio.msg import Msg

from tocsin.contacts.engagements.domain import (
    ContactRow,
    EngagementRow,
    Stage,
    incident_arn_of,
    plan_stages,
)
from tocsin.contacts.engagements.store import EngagementStore
from tocsin.shared import codec
from tocsin.shared.bus import Consumer
from tocsin.shared.clock import Clock
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import notifications as nc
from tocsin.shared.contracts.base import decode as decode_event
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.events import emit
from tocsin.shared.logging import bind, get_logger

__all__ = ["DeadLetters", "dead_letter_consumer", "stage_failures"]

log = get_logger(__name__)

INBOX = "contacts-dead-letters"

Lookup = Callable[[Sequence[str]], Awaitable[dict[str, ContactRow]]]


async def stage_failures(conn: asyncpg.Connection, contacts: Lookup, e: EngagementRow,
                         stage: Stage, paged: Mapping[str, tuple[list[str], bool]], *,
                         at: datetime) -> list[cc.EngagementFailure]:
    """Whom ``stage`` (its targets resolved as of ``at``) could not page.

    ``paged`` maps each personal contact the stage pages to its route (``via``) and
    whether the stage sends to at least one of its channels.
    """
    failures: dict[str, cc.EngagementFailure] = {}
    outer = [e.contact_arn] if e.contact_type != "PERSONAL" else []
    found = await contacts([t.contact_arn for t in stage.targets])
    for t in stage.targets:
        via = outer if t.contact_arn != e.contact_arn else []
        if t.contact_arn not in found:
            failures.setdefault(t.contact_arn, cc.EngagementFailure(
                contact_arn=t.contact_arn, reason="CONTACT_NOT_FOUND", via=via,
                detail=f"Contact {t.contact_arn} does not exist any more"))
            continue
        if t.type == "ONCALL_SCHEDULE" and not t.resolved_to:
            failures.setdefault(t.contact_arn, cc.EngagementFailure(
                contact_arn=t.contact_arn, reason="NOBODY_ON_CALL", via=via,
                detail=f"Nobody is on call in on-call schedule {t.contact_arn} at "
                       f"{at.isoformat()}"))
        for arn in t.resolved_to:
            if arn not in paged:
                route = [*via, t.contact_arn] if t.contact_arn != arn else via
                failures.setdefault(arn, cc.EngagementFailure(
                    contact_arn=arn, reason="CONTACT_NOT_FOUND", via=route,
                    detail=f"Contact {arn} does not exist any more or is not a personal "
                           "contact"))
    silent = [arn for arn, (_, has_channels) in paged.items() if not has_channels]
    people = await contacts(silent)
    for arn in silent:
        person = people.get(arn)
        if person is not None and not await _reachable(conn, person):
            failures.setdefault(arn, cc.EngagementFailure(
                contact_arn=arn, reason="NO_ACTIVATED_CHANNEL", via=paged[arn][0],
                detail=f"Contact {person.alias} has no activated contact channel in its "
                       "engagement plan"))
    return list(failures.values())


async def _reachable(conn: asyncpg.Connection, person: ContactRow) -> bool:
    """Whether some stage of the person's engagement plan targets an activated channel of
    theirs."""
    wanted = [str(info["ContactChannelId"]) for stage in plan_stages(person.plan)
              for target in stage.get("Targets") or []
              if isinstance(info := target.get("ChannelTargetInfo"), dict)
              and info.get("ContactChannelId")]
    channels = await EngagementStore.activated_channels(conn, wanted)
    return any(c.contact_arn == person.arn for c in channels.values())


class DeadLetters:
    """Turns the notifications service's dead letters of pages into ``EngagementFailed``
    once every channel of the page failed."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock, region: str, *,
                 principal: str) -> None:
        self._pool = pool
        self._clock = clock
        self._region = region
        self._principal = principal
        """Who the failures are reported by: the account itself (Tocsin paged)."""

    async def on_event(self, event: codec.Envelope, msg: Msg) -> None:
        if event.type != "DeliveryDeadLettered":
            return
        data: nc.DeliveryDeadLettered = decode_event(event.type, event.data, nc.NotificationsEvent)
        if data.kind != "page" or not data.page_arn:
            return
        bind(engagement_arn=data.engagement_arn)
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=INBOX, event_id=event.id):
                return
            page = await EngagementStore.page(conn, data.page_arn)
            if page is None:
                return  # deleted with its engagement
            e = await EngagementStore.engagement(conn, page.engagement_arn, lock=True)
            if e is None or e.stop_time is not None or page.read_time is not None:
                return
            if await EngagementStore.channel_failed(conn, page.arn, data.channel_arn,
                                                    data.error[:1000]):
                return  # another channel may still reach them
            # Once per page, however many of its channels' dead letters complete the set.
            if await already_processed(conn, consumer=f"{INBOX}-page", event_id=page.arn):
                return
            errors = [f"{channel}: {error}" for channel, error in
                      await EngagementStore.channel_failures(conn, page.arn)]
            now = self._clock.now()
            failed = cc.EngagementFailed(
                contact_arn=e.contact_arn, failed_at=now, engagement_arn=e.arn,
                incident_id=e.incident_id, stage_index=page.stage_index, page_arn=page.arn,
                failures=[cc.EngagementFailure(
                    contact_arn=page.contact_arn, reason="DELIVERY_FAILED", via=page.via,
                    detail=("Every provider refused every channel of the page: "
                            + "; ".join(errors))[:2000])], principal=self._principal)
            await emit(conn, failed, region=self._region, now=now,
                       incident_arn=incident_arn_of(e.incident_id))
        log.warning("engagement.delivery_failed", page_arn=page.arn)


def dead_letter_consumer(dead_letters: DeadLetters, *, region: str, schema: str) -> Consumer:
    """The durable consumer, named after the schema so every instance shares it."""
    return Consumer(stream=f"EVENTS_{region.upper()}", durable=f"{schema}-dead-letters",
                    filter_subject=f"events.{region}.notifications.DeliveryDeadLettered",
                    handler=dead_letters.on_event)
