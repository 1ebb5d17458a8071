"""Follow-through: an open action item past its due date pages its owner, once a day of
plan time, until it is resolved.

An OpsItem with a due date (``PlannedEndTime``) and an owner (the contact ARN in its
``/tocsin/owner`` OperationalData) that is not resolved has one pending timer in
``reminder_timer``, due at its due date. When it fires (in the firing transaction) it
publishes :class:`~tocsin.shared.contracts.analysis.ActionItemOverdue` and schedules the
next reminder a day later. Every change of the OpsItem cancels its pending timer and
schedules it again from what the item now says, so resolving it (or moving its due date)
stops the reminders. :class:`OverduePager` consumes the event and engages the owner through
the contacts service (``StartEngagement``, idempotent under the event's id): the owner's
engagement plan decides the channels, so the reminder arrives like any page.

In a replication set every region keeps the same pending reminder of every item (a change
made anywhere reschedules it everywhere; another region's ``ActionItemOverdue`` counts
this region's copy as sent and schedules the next a day after it, :func:`reminded`), but
a reminder fires only in the region that reminds the item's owner
(:mod:`tocsin.analysis.runners`): its own region, or the one that took it over
(:mod:`tocsin.analysis.takeovers`), which then goes on from where the lost region was.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import msgspec
from nats.aio.msg import Msg

from tocsin.analysis.deps import Deps
from tocsin.analysis.opsitems_store import OpsItemRow, OpsItemStore
from tocsin.analysis.runners import Runners
from tocsin.shared import codec, errors
from tocsin.shared.bus import rpc_subject
from tocsin.shared.contracts import analysis as ca
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts.base import decode
from tocsin.shared.logging import get_logger
from tocsin.shared.timers import Timers, TimerTable, TimerWorker

__all__ = ["OWNER_KEY", "REMINDERS", "OverduePager", "Reminder", "reminded", "reschedule",
           "timer_worker"]

log = get_logger(__name__)

OWNER_KEY = "/tocsin/owner"
"""The OperationalData key naming an action item's owner (a contact ARN)."""

INTERVAL = timedelta(days=1)
"""Plan time between two reminders of one overdue action item."""

REMINDERS = Timers(TimerTable(
    name="reminder_timer", channel="tocsin_analysis_reminder",
    columns=(("ops_item_id", "text"), ("reminder", "int")),
    eligible="EXISTS (SELECT 1 FROM reminder_runner r"
             " WHERE r.ops_item_id = reminder_timer.ops_item_id AND r.fires_here)"))
"""A reminder fires here only when this region reminds its item's owner; the others keep
it as a standby copy (the module docstring)."""


class Reminder(msgspec.Struct, frozen=True):
    id: str
    due_at: datetime
    ops_item_id: str
    reminder: int

    @classmethod
    def of(cls, row: asyncpg.Record) -> Reminder:
        return cls(row["id"], row["due_at"], row["ops_item_id"], row["reminder"])


def _timer_id(item: OpsItemRow, reminder: int) -> str:
    due = item.planned_end_time.timestamp() if item.planned_end_time else 0
    return f"{item.id}|{due:.0f}|{item.version}|{reminder}"


def _reminds(item: OpsItemRow) -> bool:
    return item.status != "Resolved" and bool(item.planned_end_time) \
        and bool(item.owner_contact_arn)


async def reschedule(conn: asyncpg.Connection, item: OpsItemRow, *, here: str,
                     now: datetime) -> None:
    """After a change of ``item`` (stored), made here or in another region: cancel its
    pending reminder, and schedule the first one again when it is open, due and owned
    (firing here if this region, ``here``, reminds its owner)."""
    await Runners.assign(conn, here=here, ops_item_ids=[item.id])
    await REMINDERS.cancel(conn, now=now, where="ops_item_id = $2", args=[item.id])
    if _reminds(item):
        assert item.planned_end_time is not None
        await REMINDERS.schedule(conn, [(_timer_id(item, 1), item.planned_end_time,
                                         [item.id, 1])], now=now)


async def reminded(conn: asyncpg.Connection, ops_item_id: str, reminder: int, *,
                   due: datetime, at: datetime) -> None:
    """Another region sent reminder number ``reminder`` of the item at plan time ``at``:
    this region's copy of it counts as sent, and the next one is due a day after it, as it
    is there (so a region that takes over goes on from there). Nothing when the item is due
    at another time than ``due`` now (moved since), or this region is further on already
    (a reminder both sent during a partition, applied late)."""
    item = await OpsItemStore.get(conn, ops_item_id)
    # Compared to the millisecond: an item read from another region's event holds its due
    # time as the API's epoch seconds gave it.
    if item is None or item.planned_end_time is None or \
            abs((item.planned_end_time - due).total_seconds()) >= 0.001:
        return
    ahead = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM reminder_timer WHERE ops_item_id = $1"
        " AND state = 'pending' AND reminder > $2)", item.id, reminder)
    if ahead:
        return
    await REMINDERS.cancel(conn, now=at, where="ops_item_id = $2", args=[item.id])
    if _reminds(item):
        await REMINDERS.schedule(conn, [(_timer_id(item, reminder + 1), at + INTERVAL,
                                         [item.id, reminder + 1])], now=at)


def timer_worker(deps: Deps, *, max_sleep: float = 1.0) -> TimerWorker[Reminder]:
    """The worker that fires due reminders: each publishes ``ActionItemOverdue`` and
    schedules the next one, in the firing transaction."""

    async def fire(conn: asyncpg.Connection, due: list[Reminder], now: datetime) -> None:
        for reminder in due:
            item = await OpsItemStore.get(conn, reminder.ops_item_id)
            if item is None or item.status == "Resolved" or not item.planned_end_time:
                continue
            data = item.operational_data
            await deps.emit(conn, ca.ActionItemOverdue(
                ops_item_id=item.id, title=item.title, due_time=item.planned_end_time,
                reminder=reminder.reminder, owner_contact_arn=item.owner_contact_arn,
                analysis_arn=data.get("/tocsin/analysis", {}).get("Value"),
                incident_record_arn=data.get("/tocsin/incident", {}).get("Value")), now=now)
            # A day after this reminder (not after its due time: an item long overdue
            # gets one reminder a day, not a burst catching up).
            await REMINDERS.schedule(conn, [(
                _timer_id(item, reminder.reminder + 1), now + INTERVAL,
                [item.id, reminder.reminder + 1])], now=now)

    return TimerWorker(deps.pool, deps.clock, REMINDERS, decode=Reminder.of, fire=fire,
                       max_sleep=max_sleep)


class OverduePager:
    """Pages the owner of an overdue action item (consumes ``ActionItemOverdue``)."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def on_event(self, event: codec.Envelope, msg: Msg) -> None:
        del msg
        if event.type != "ActionItemOverdue":
            return
        data: ca.ActionItemOverdue = decode(event.type, event.data, ca.AnalysisEvent)
        if not data.owner_contact_arn:
            return
        async with self._deps.pool.acquire() as conn:
            item = await OpsItemStore.get(conn, data.ops_item_id)
        if item is None or item.status == "Resolved":
            return  # resolved since: no reminder
        due = data.due_time.strftime("%Y-%m-%d %H:%M UTC")
        request = cc.StartEngagement(
            contact_id=data.owner_contact_arn, sender="Tocsin",
            subject=f"Action item overdue: {data.title}"[:2048],
            content=_content(data, due),
            public_subject="Tocsin action item overdue",
            public_content=f"Action item {data.ops_item_id} is overdue (due {due})."[:8192],
            # No incident_id: the incident is resolved, and contacts page nobody for a
            # resolved incident; the reminder is about the action item, not the incident.
            idempotency_token=hashlib.sha256(event.id.encode()).hexdigest()[:64])
        try:
            await self._deps.bus.request(rpc_subject("contacts", "StartEngagement"),
                                         codec.encode(request), timeout=10)
        except errors.ServiceUnavailable as exc:
            raise errors.RetryLater(exc.message, delay=2.0) from None
        except errors.TocsinError as exc:  # the owner was deleted since, or cannot be paged
            log.warning("reminder.refused", ops_item_id=data.ops_item_id, error=exc.message,
                        code=exc.aws_code)


def _content(data: ca.ActionItemOverdue, due: str) -> str:
    lines: list[Any] = [
        f"The action item {data.ops_item_id} \"{data.title}\" was due {due} and is not "
        f"resolved (reminder {data.reminder}).",
        "Resolve it (aws ssm update-ops-item --ops-item-id "
        f"{data.ops_item_id} --status Resolved) or move its due date (--planned-end-time).",
    ]
    if data.analysis_arn:
        lines.append(f"Analysis: {data.analysis_arn}")
    if data.incident_record_arn:
        lines.append(f"Incident: {data.incident_record_arn}")
    return "\n".join(lines)[:8192]
