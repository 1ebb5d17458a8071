"""What the escalation service publishes, on ``events.<region>.escalation.<Type>``.

The escalation service owns plan time: it keeps a durable timer for every later stage of an
engagement, every channel retry and every acknowledgement timeout, and when one falls due
it publishes what is due — in the same PostgreSQL transaction that marks the timer fired,
through its outbox. The due events are the demands other services act on, each exactly
once in effect (a durable consumer with an inbox, and an action that is idempotent under
the timer id):

- :class:`StageDue` → the contacts service starts the stage (pages its targets).
- :class:`PageStageDue` → the contacts service sends the page on the channels of the next
  stage of the paged contact's own engagement plan.
- :class:`ChannelRetryDue` → the contacts service sends the page again on the channel.
- :class:`AcknowledgementTimedOut` → the incidents service re-engages the contact when the
  incident is still open.

Every region also keeps standby copies of the other regions' timers (from their mirrored
events) and fires them only after :class:`RegionTakenOver` gave it their engagements.

The envelope's ``data`` is the matching Struct, encoded camelCase, times as ISO-8601
strings; the correlation carries ``engagement_arn`` always and ``incident_arn`` when the
engagement belongs to an incident. Read one with ``decode(envelope.type, envelope.data,
EscalationEvent)``. Times are plan time
(``TOCSIN_CLOCK_SCALE``).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Final, Literal

from tocsin.shared.contracts.base import Event, types_of

__all__ = [
    "ACKNOWLEDGEMENT_TIMEOUT",
    "EVENT_TYPES",
    "PAGE_STAGE",
    "RETRY_CHANNEL",
    "START_ENGAGEMENT_STAGE",
    "AcknowledgementTimedOut",
    "ChannelRetryDue",
    "EscalationEvent",
    "PageStageDue",
    "RegionTakenOver",
    "StageDue",
    "TimerCancelled",
    "TimerKind",
    "TimerScheduled",
]

TimerKind = Literal["START_ENGAGEMENT_STAGE", "PAGE_STAGE", "RETRY_CHANNEL",
                    "ACKNOWLEDGEMENT_TIMEOUT"]
"""What a timer does when it falls due."""

START_ENGAGEMENT_STAGE: Final = "START_ENGAGEMENT_STAGE"
PAGE_STAGE: Final = "PAGE_STAGE"
RETRY_CHANNEL: Final = "RETRY_CHANNEL"
ACKNOWLEDGEMENT_TIMEOUT: Final = "ACKNOWLEDGEMENT_TIMEOUT"

CancelReason = Literal["ENGAGEMENT_STOPPED", "PROGRESSION_STOPPED", "PAGE_READ",
                       "INCIDENT_RESOLVED", "REPLICATION_SET_DELETED"]


class _Event(Event, frozen=True):
    """An event of the escalation service (tagged by its class name)."""

    service: ClassVar[str] = "escalation"


class TimerScheduled(_Event, frozen=True):
    """A timer was written; it fires at ``due_at`` unless cancelled first."""

    timer_id: str
    engagement_arn: str
    due_at: datetime
    kind: TimerKind = "START_ENGAGEMENT_STAGE"
    stage_index: int = 0
    round: int = 0
    """The repetition of the escalation plan (0 the first run; see
    ``TOCSIN_ESCALATION_REPEATS``)."""
    page_arn: str | None = None
    """The page a PAGE_STAGE, RETRY_CHANNEL or ACKNOWLEDGEMENT_TIMEOUT timer is about."""


class StageDue(_Event, frozen=True):
    """Stage ``stage_index`` (of repetition ``round``) of the engagement starts now."""

    timer_id: str
    engagement_arn: str
    stage_index: int
    due_at: datetime
    fired_at: datetime
    round: int = 0


class PageStageDue(_Event, frozen=True):
    """Stage ``stage_index`` of the paged contact's own engagement plan starts now for the
    page (reached through an escalation plan or schedule, and not read yet)."""

    timer_id: str
    engagement_arn: str
    page_arn: str
    stage_index: int
    due_at: datetime
    fired_at: datetime


class ChannelRetryDue(_Event, frozen=True):
    """A delivery on ``channel_arn`` failed (an ERROR receipt) while its stage was live and
    its retry interval has passed: send the page on that channel again."""

    timer_id: str
    engagement_arn: str
    page_arn: str
    channel_arn: str
    due_at: datetime
    fired_at: datetime


class AcknowledgementTimedOut(_Event, frozen=True):
    """A page of an incident's engagement was acknowledged (READ) ``TOCSIN_ACK_TIMEOUT``
    minutes ago and the incident has not been resolved since: engage ``contact_arn`` (the
    contact the engagement engaged, of any type) again. The incidents service of the
    region running the engagement does, and says so (its ``AcknowledgementTimeoutHandled``,
    which settles the other regions' standby copies of the timer)."""

    timer_id: str
    engagement_arn: str
    contact_arn: str
    page_arn: str
    incident_arn: str
    due_at: datetime
    fired_at: datetime


class TimerCancelled(_Event, frozen=True):
    """A pending timer was cancelled before it fell due; it will never fire."""

    timer_id: str
    engagement_arn: str
    due_at: datetime
    reason: CancelReason
    kind: TimerKind = "START_ENGAGEMENT_STAGE"
    stage_index: int = 0
    round: int = 0


class RegionTakenOver(_Event, frozen=True):
    """Region ``region`` has been unreachable for ``TOCSIN_REGION_TAKEOVER_SECONDS``: region
    ``by_region`` (the next reachable one of the set in sorted order) runs the timers of its
    open engagements ``engagement_arns`` from now on, under ``epoch`` (one more than any
    earlier takeover of that region). Every region records it; the lost region, back,
    stands down for those engagements; of two takeovers of one engagement the higher epoch
    (then the greater ``by_region``) wins everywhere. Published once per loss of a region
    even when no engagement of it is open (``engagement_arns`` empty): the lost region's
    action-item reminders follow it too (the analysis service)."""

    region: str
    epoch: int
    by_region: str
    taken_at: datetime
    engagement_arns: list[str] = []


EscalationEvent = (TimerScheduled
    | StageDue
    | PageStageDue
    | ChannelRetryDue
    | AcknowledgementTimedOut
    | TimerCancelled
    | RegionTakenOver)
"""Every event this service publishes, tagged by ``type``: decode one with
``decode(envelope.type, envelope.data, EscalationEvent)`` (:mod:`tocsin.shared.contracts.base`)."""

EVENT_TYPES: Final[dict[str, type[Event]]] = types_of(EscalationEvent)
"""Envelope ``type`` → the Struct of its ``data``."""
