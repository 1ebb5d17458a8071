"""What the escalation service's timers are, and which timers each engagement fact calls
for: pure (no I/O, no clock; the handlers pass ``now`` and what the store knows in).

A timer is about one engagement: a later stage of it (``START_ENGAGEMENT_STAGE``), a later
stage of a paged contact's own plan (``PAGE_STAGE``), a channel retry (``RETRY_CHANNEL``) or
an acknowledgement timeout (``ACKNOWLEDGEMENT_TIMEOUT``). Its id is deterministic, so an
event delivered twice schedules one timer. Firing it demands what :meth:`Timer.due` says
(:mod:`tocsin.shared.contracts.escalation`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import escalation as ec

__all__ = ["Effect", "NewTimer", "Timer", "ack_timeout_timer", "anchor", "cancelled",
           "engagement_stage_timers", "page_stage_timers", "retry_timer", "stage_offsets",
           "stage_timer_id"]

Effect = tuple[ec.EscalationEvent, str | None]
"""An event to publish, with the incident it belongs to (or None)."""


def stage_timer_id(engagement_arn: str, stage_index: int, round_: int = 0) -> str:
    """The deterministic id of the timer that starts one stage of an engagement."""
    return (f"{engagement_arn}#{stage_index}" if round_ == 0
            else f"{engagement_arn}#r{round_}#{stage_index}")


def stage_offsets(stages: Sequence[cc.EngagementStage], *, rounds: int = 1
                  ) -> tuple[list[tuple[int, int, int]], int]:
    """``[(round, stage index, minutes from the start)]`` of every stage start but round 0's
    stage 0 (which starts with the engagement), and the minutes until the last stage of the
    last round ends. Stage *k* starts after the durations of stages 0..k-1; round *r* starts
    when round *r-1*'s last stage has lasted its duration."""
    ordered = sorted(stages, key=lambda s: s.stage_index)
    out: list[tuple[int, int, int]] = []
    offset = 0
    for round_ in range(rounds):
        for stage in ordered:
            if round_ or stage is not ordered[0]:
                out.append((round_, stage.stage_index, offset))
            offset += stage.duration_in_minutes
    return out, offset


@dataclass(frozen=True, slots=True)
class NewTimer:
    """A timer to schedule."""

    id: str
    kind: ec.TimerKind
    engagement_arn: str
    due_at: datetime
    stage_index: int = 0
    round: int = 0
    page_arn: str | None = None
    channel_arn: str | None = None
    contact_arn: str | None = None
    incident_arn: str | None = None

    def scheduled(self) -> ec.TimerScheduled:
        return ec.TimerScheduled(timer_id=self.id, engagement_arn=self.engagement_arn,
                                 due_at=self.due_at, kind=self.kind,
                                 stage_index=self.stage_index, round=self.round,
                                 page_arn=self.page_arn)


@dataclass(frozen=True, slots=True)
class Timer:
    """One timer as stored."""

    id: str
    kind: ec.TimerKind
    engagement_arn: str
    stage_index: int
    round: int
    page_arn: str | None
    channel_arn: str | None
    contact_arn: str | None
    incident_arn: str | None
    due_at: datetime
    state: str
    finished_at: datetime | None

    def due(self, fired_at: datetime) -> ec.EscalationEvent:
        """The event that says what this timer demands now."""
        match self.kind:
            case ec.START_ENGAGEMENT_STAGE:
                return ec.StageDue(timer_id=self.id, engagement_arn=self.engagement_arn,
                                   stage_index=self.stage_index, round=self.round,
                                   due_at=self.due_at, fired_at=fired_at)
            case ec.PAGE_STAGE:
                assert self.page_arn
                return ec.PageStageDue(timer_id=self.id, engagement_arn=self.engagement_arn,
                                       page_arn=self.page_arn, stage_index=self.stage_index,
                                       due_at=self.due_at, fired_at=fired_at)
            case ec.RETRY_CHANNEL:
                assert self.page_arn and self.channel_arn
                return ec.ChannelRetryDue(timer_id=self.id, engagement_arn=self.engagement_arn,
                                          page_arn=self.page_arn, channel_arn=self.channel_arn,
                                          due_at=self.due_at, fired_at=fired_at)
            case _:
                assert self.page_arn and self.contact_arn and self.incident_arn
                return ec.AcknowledgementTimedOut(
                    timer_id=self.id, engagement_arn=self.engagement_arn,
                    contact_arn=self.contact_arn, page_arn=self.page_arn,
                    incident_arn=self.incident_arn, due_at=self.due_at, fired_at=fired_at)

    def cancelled(self, reason: ec.CancelReason) -> ec.TimerCancelled:
        return ec.TimerCancelled(timer_id=self.id, engagement_arn=self.engagement_arn,
                                 due_at=self.due_at, reason=reason, kind=self.kind,
                                 stage_index=self.stage_index, round=self.round)


def anchor(start: datetime, now: datetime) -> datetime:
    """An engagement's start on this process's clock: a start in this clock's future
    (another process's clock running slightly ahead) is taken as now, so a stage never
    starts early by our clock."""
    return min(start, now)


def engagement_stage_timers(data: cc.EngagementStarted, incident_arn: str | None, *,
                            start: datetime, repeats: int) -> tuple[list[NewTimer], datetime]:
    """One timer per later stage of a started engagement (``repeats`` more rounds of an
    escalation plan), and when its last stage ends."""
    repeats = repeats if data.contact_type == "ESCALATION" else 0
    offsets, total = stage_offsets(data.stages, rounds=1 + repeats)
    if repeats and total == 0:
        offsets, total = stage_offsets(data.stages)  # nothing to wait for between rounds
    timers = [NewTimer(id=stage_timer_id(data.engagement_arn, stage_index, round_),
                       kind=ec.START_ENGAGEMENT_STAGE, engagement_arn=data.engagement_arn,
                       stage_index=stage_index, round=round_, incident_arn=incident_arn,
                       due_at=start + timedelta(minutes=minutes))
              for round_, stage_index, minutes in offsets]
    return timers, start + timedelta(minutes=total)


def page_stage_timers(page: cc.PageCreated, incident_arn: str | None) -> list[NewTimer]:
    """One timer per stage k ≥ 1 of the paged contact's own plan: the page's time plus the
    durations of stages 0..k-1."""
    timers = []
    offset = 0
    for k, minutes in enumerate(page.plan_minutes[:-1], start=1):
        offset += minutes
        timers.append(NewTimer(id=f"{page.page_arn}#plan{k}", kind=ec.PAGE_STAGE,
                               engagement_arn=page.engagement_arn, stage_index=k,
                               page_arn=page.page_arn, incident_arn=incident_arn,
                               due_at=page.sent_time + timedelta(minutes=offset)))
    return timers


def ack_timeout_timer(read: cc.PageAccepted, *, engaged: str, incident_arn: str,
                      timeout: timedelta) -> NewTimer:
    """The timer that engages ``engaged`` again ``timeout`` after a READ of its page."""
    return NewTimer(id=f"{read.page_arn}#ack@{read.accept_time.isoformat()}",
                    kind=ec.ACKNOWLEDGEMENT_TIMEOUT, engagement_arn=read.engagement_arn,
                    page_arn=read.page_arn, contact_arn=engaged, incident_arn=incident_arn,
                    due_at=read.accept_time + timeout)


def retry_timer(receipt: cc.PageReceiptRecorded, event_id: str, incident_arn: str | None, *,
                live_until: datetime) -> NewTimer | None:
    """The channel retry an ``ERROR`` receipt calls for: its channel's retry interval after
    it, when the stage is still live then (before ``live_until``); else None."""
    if not receipt.contact_channel_arn or not receipt.retry_interval_in_minutes:
        return None
    due = receipt.receipt_time + timedelta(minutes=receipt.retry_interval_in_minutes)
    if due >= live_until:
        return None
    return NewTimer(
        id=f"{receipt.page_arn}#{receipt.contact_channel_arn}#retry@{event_id}",
        kind=ec.RETRY_CHANNEL, engagement_arn=receipt.engagement_arn,
        page_arn=receipt.page_arn, channel_arn=receipt.contact_channel_arn,
        incident_arn=incident_arn, due_at=due)


def cancelled(timers: Sequence[Timer], reason: ec.CancelReason) -> list[Effect]:
    """The ``TimerCancelled`` events of ``timers``."""
    return [(t.cancelled(reason), t.incident_arn) for t in timers]
