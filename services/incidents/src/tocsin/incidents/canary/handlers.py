"""The canary's worker: the durable timers of its rounds, fired.

A fired ``send`` timer schedules the next round and the round's check (both in the
claiming transaction, so a round is never lost nor doubled), then asks the contacts
service to ``StartEngagement`` the canary contact. A page that cannot even be started
(the contact gone, the contacts service unreachable) is no confirmed delivery either: the
check records why and raises the incident.

A fired ``check`` timer lists the engagement's pages and their receipts, and stops the
engagement (a test page neither escalates nor is retried); unless a receipt confirms
delivery (:data:`~tocsin.incidents.canary.domain.CONFIRMING`), it starts an incident in
the canary's response plan. Rounds that keep failing join the open incident
(one dedupe key), one more trigger on its timeline each.

Calls to the services happen inside the claiming transaction, and each carries a token
derived from the round (``IdempotencyToken``, ``clientToken``): if the transaction rolls
back (the process dies, the database goes) the timer fires again and the call repeats
to the same engagement or incident, never a second one.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from tocsin.incidents.canary import domain
from tocsin.incidents.canary.domain import CanaryTimer
from tocsin.incidents.canary.store import TIMERS, CanaryStore, timer_of
from tocsin.shared import codec, errors, metrics
from tocsin.shared.bus import Bus, rpc_subject
from tocsin.shared.clock import Clock
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import incidents as ic
from tocsin.shared.db import transaction
from tocsin.shared.logging import get_logger
from tocsin.shared.outage import ride_out
from tocsin.shared.timers import TimerWorker

__all__ = ["Canary", "CanarySettings"]

log = get_logger(__name__)

SENDER = "tocsin-canary"
DEDUPE_KEY = "tocsin-canary"
"""Every failed round of one outage joins one open incident, in every region of a
replication set: each trigger on its timeline names the region whose page failed."""
RPC_TIMEOUT = 10.0


@dataclass(frozen=True, kw_only=True)
class CanarySettings:
    region: str
    """This region: the canary of each region of a set proves that region's paging."""
    contact_arn: str
    """Whom the test page goes to."""
    response_plan_arn: str
    """Where the incident opens when a test page is not confirmed."""
    interval: float
    """Plan seconds between two test pages."""
    window: float
    """Plan seconds a test page has to be confirmed delivered."""


class Canary:
    """The canary of one incidents instance (every instance runs it; the timers make each
    round happen once)."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus, clock: Clock,
                 settings: CanarySettings) -> None:
        self._pool = pool
        self._bus = bus
        self._clock = clock
        self._settings = settings
        self._sent = metrics.CANARY_PAGES.labels("sent")
        self._send_failed = metrics.CANARY_PAGES.labels("send_failed")
        self._confirmed = metrics.CANARY_PAGES.labels("confirmed")
        self._unconfirmed = metrics.CANARY_PAGES.labels("unconfirmed")
        self.timers = TimerWorker(pool, clock, TIMERS, decode=timer_of, fire=self._fire,
                                  batch=16, retention=timedelta(days=2))

    async def run(self, stop: asyncio.Event) -> None:
        """Schedule the next round (a no-op when one is pending already), then fire the
        rounds until ``stop``."""
        await ride_out(stop, self._first_round, event="canary.schedule_failed")
        log.info("canary.scheduled", contact=self._settings.contact_arn,
                 interval_s=self._settings.interval)
        await self.timers.run(stop)

    async def _first_round(self) -> None:
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            await CanaryStore.schedule_send(
                conn, domain.next_round(now, self._settings.interval), now=now)

    async def _fire(self, conn: asyncpg.Connection, timers: list[CanaryTimer],
                    now: datetime) -> None:
        for timer in timers:
            if timer.kind == "send":
                await self._send(conn, timer, now)
            else:
                await self._check(timer, now)

    async def _send(self, conn: asyncpg.Connection, timer: CanaryTimer, now: datetime) -> None:
        await CanaryStore.schedule_send(conn, domain.next_round(now, self._settings.interval),
                                        now=now)
        await CanaryStore.schedule_check(conn, timer.round,
                                         window=timedelta(seconds=self._settings.window),
                                         now=now)
        due = domain.round_time(timer.round).isoformat().replace("+00:00", "Z")
        request = cc.StartEngagement(
            contact_id=self._settings.contact_arn, sender=SENDER,
            subject=f"Tocsin test page {due}",
            content=f"Tocsin sends this test page on schedule to prove pages reach people. "
                    f"No action is needed. Round {due}.",
            idempotency_token=f"tocsin-canary-{timer.round}")
        try:
            reply = await self._bus.request(rpc_subject("contacts", "StartEngagement"),
                                            request, timeout=RPC_TIMEOUT)
        except errors.TocsinError as exc:
            self._send_failed.inc()
            log.warning("canary.send_failed", round=timer.round, error=exc.message)
            await CanaryStore.note_send(conn, timer.round, engagement_arn=None,
                                        detail=f"{exc.aws_code}: {exc.message}")
            return
        engagement = str(codec.decode(reply, dict[str, Any])["EngagementArn"])
        await CanaryStore.note_send(conn, timer.round, engagement_arn=engagement, detail=None)
        self._sent.inc()
        log.info("canary.sent", round=timer.round, engagement_arn=engagement)

    async def _check(self, timer: CanaryTimer, now: datetime) -> None:
        if timer.engagement_arn is None:
            why = timer.detail or "the test page was not started"
        else:
            try:
                receipts = await self._receipts(timer.engagement_arn)
            except errors.TocsinError as exc:
                receipts, why = [], f"its receipts could not be read: {exc.message}"
            else:
                why = (f"no receipt confirms delivery within {self._settings.window:g}s "
                       f"(receipts: {', '.join(receipts) or 'none'})")
            await self._stop(timer.engagement_arn)
            if domain.confirmed(receipts):
                self._confirmed.inc()
                log.info("canary.confirmed", round=timer.round)
                return
        self._unconfirmed.inc()
        log.warning("canary.unconfirmed", round=timer.round, reason=why)
        await self._raise(timer, why, now)

    async def _stop(self, engagement_arn: str) -> None:
        """Stop the round's engagement once checked: a test page escalates to nobody and
        is not retried (the incident, if any, pages people by its own plan)."""
        try:
            await self._bus.request(rpc_subject("contacts", "StopEngagement"), {
                "EngagementId": engagement_arn, "Reason": "Tocsin canary round checked"},
                timeout=RPC_TIMEOUT)
        except errors.TocsinError as exc:
            log.warning("canary.stop_failed", engagement_arn=engagement_arn,
                        error=exc.message)

    async def _receipts(self, engagement_arn: str) -> list[str]:
        """The receipt types of every page of the engagement."""
        pages = codec.decode(await self._bus.request(
            rpc_subject("contacts", "ListPagesByEngagement"), {"EngagementId": engagement_arn},
            timeout=RPC_TIMEOUT), dict[str, Any]).get("Pages", [])
        types: list[str] = []
        for page in pages:
            receipts = codec.decode(await self._bus.request(
                rpc_subject("contacts", "ListPageReceipts"), {"PageId": page["PageArn"]},
                timeout=RPC_TIMEOUT), dict[str, Any]).get("Receipts", [])
            types += [str(r["ReceiptType"]) for r in receipts]
        return types

    async def _raise(self, timer: CanaryTimer, why: str, now: datetime) -> None:
        """Start (or join) the canary incident. When no instance answers, the round rolls
        back to be fired again; any other refusal (the plan deleted) is logged."""
        request = ic.StartIncident(
            response_plan_arn=self._settings.response_plan_arn,
            title="Tocsin canary: a test page was not delivered",
            client_token=f"tocsin-canary-{timer.round}", dedupe_key=DEDUPE_KEY,
            trigger_details=ic.TriggerDetails(
                source="tocsin.canary", timestamp=now.timestamp(),
                raw_data=json.dumps({"round": domain.round_time(timer.round).isoformat(),
                                     "region": self._settings.region,
                                     "contact": self._settings.contact_arn,
                                     "engagement": timer.engagement_arn, "reason": why})))
        try:
            reply = await self._bus.request(rpc_subject("incidents", "StartIncident"), request,
                                            timeout=RPC_TIMEOUT)
        except errors.TocsinError as exc:
            if isinstance(exc, errors.ServiceUnavailable):
                raise  # the round rolls back and fires again (tocsin.shared.timers)
            log.error("canary.incident_refused", error=exc.message,
                      response_plan=self._settings.response_plan_arn)
            return
        log.warning("canary.incident", round=timer.round,
                    incident_arn=codec.decode(reply, dict[str, Any]).get("incidentRecordArn"))
