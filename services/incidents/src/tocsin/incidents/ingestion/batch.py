"""A batch of alarms' starts in one transaction: how the ``ALARMS`` consumer opens incidents,
so that a storm of distinct alarms costs a few statements per batch instead of a
transaction of several statements per alarm.

Each start is what :meth:`Ingestion.open` (``StartIncident`` with the alarm's trigger and
token) would do, and leaves the same rows: its incident, timeline events, related items,
tags, events, and its client token with the incident as result. For the whole batch:

- the tokens recorded already (a batch delivered again after a crash) are answered from the
  record and change nothing;
- the shared dedupe locks of the batch's (plan, dedupe string)s, then their open incidents,
  a statement each; the starts of one (plan, dedupe string) join one incident: the open one,
  else the one the first of them opens (two alarms of one root cause in one batch are one
  incident);
- the new incidents, the timeline events, the related items, the tags, the events (an
  ``IncidentRecordCreated`` per new incident, an ``IncidentTriggersJoined`` per incident
  joined) and the tokens with their results: a statement each;
- after the commit, the recoveries handled before their alarms
  (:meth:`Ingestion.recover_kept`), found in one statement.

A start the batch cannot take as a single start would (its plan missing, its parameters
refused, its token recorded with other parameters, its incident lost to a concurrent start
and no longer open) is left out, for the caller to apply alone, where it gets its own
answer. Anything that fails the transaction rolls all of it back (raised, or every start
left out when a concurrent start recorded a token first): nothing of it is committed, and
the caller applies each alarm alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import msgspec

from tocsin.incidents.ingestion.domain import Trigger
from tocsin.incidents.ingestion.store import IngestionStore
from tocsin.incidents.ingestion.triggers import Ingestion, Outcome
from tocsin.incidents.records import domain, starting
from tocsin.incidents.related.store import RelatedItemStore
from tocsin.incidents.timeline import domain as timeline
from tocsin.incidents.timeline.store import TimelineStore
from tocsin.incidents.usecases import JSON, Deps, UseCases
from tocsin.shared.contracts import incidents as c
from tocsin.shared.contracts.base import Event
from tocsin.shared.db import transaction
from tocsin.shared.db.idempotency import fingerprint_of
from tocsin.shared.db.tags import TagStore
from tocsin.shared.events import emit_each
from tocsin.shared.logging import get_logger

__all__ = ["MAX_EVENT_DATA", "Batch", "Start"]

log = get_logger(__name__)

MAX_EVENT_DATA = 256 * 1024
"""Most timeline-event data one ``IncidentTriggersJoined`` event carries."""

Key = tuple[str, str]
"""(plan name, dedupe string): the incident a start opens or joins."""


@dataclass(frozen=True, slots=True)
class Start:
    """One alarm's start of an incident of one plan, with its client token."""

    plan_arn: str
    trigger: Trigger
    token: str


@dataclass(frozen=True, slots=True)
class _Fresh:
    """A start whose token is new: its request and its plan."""

    index: int
    cmd: c.StartIncident
    plan: domain.ResponsePlan


@dataclass(frozen=True, slots=True)
class _Group:
    """The fresh starts of one incident: the record the first would open, and them."""

    record: domain.IncidentRecord
    starts: list[_Fresh]


class _Alone(Exception):
    """Roll the batch back: each start is applied alone."""


@dataclass
class _Run:
    """One batch's work inside its transaction."""

    starts: Sequence[Start]
    params: list[JSON]
    prints: list[str]
    by: str
    now: datetime
    outcomes: list[Outcome | None]


class Batch(UseCases):
    """Opens (or joins) the incidents of a batch of alarms' starts."""

    def __init__(self, deps: Deps, ingestion: Ingestion) -> None:
        super().__init__(deps)
        self._ingestion = ingestion

    async def open(self, starts: Sequence[Start]) -> list[Outcome | None]:
        """Each start's outcome, or None for a start left to be applied alone."""
        params = [self._ingestion.start_params(s.plan_arn, s.trigger, s.token) for s in starts]
        run = _Run(starts=starts, params=params,
                   prints=[fingerprint_of(p, token_member="clientToken") for p in params],
                   by=self._ingestion.principal, now=self._clock.now(),
                   outcomes=[None] * len(starts))
        try:
            async with transaction(self._pool) as conn:
                await self._open(conn, run)
        except _Alone:
            return [None] * len(starts)
        await self._recovered_already(run)
        return run.outcomes

    async def _open(self, conn: asyncpg.Connection, run: _Run) -> None:
        starts, outcomes = run.starts, run.outcomes
        recorded = await IngestionStore.start_tokens(
            conn, principal=run.by, tokens=sorted({s.token for s in starts}))
        first: dict[str, int] = {}  # token → its first start (an event delivered twice)
        fresh: list[int] = []
        for i, s in enumerate(starts):
            if s.token in recorded:
                print_, result = recorded[s.token]
                if print_ == run.prints[i]:
                    outcomes[i] = Outcome("opened", str(result["incidentRecordArn"]))
            elif first.setdefault(s.token, i) == i:
                fresh.append(i)
        groups = await self._by_incident(conn, run, fresh)
        keys = sorted(groups)  # one order for every transaction: two at once cannot deadlock
        await self._store.dedupe_locks_shared(conn, keys)
        target = await self._store.open_incident_of_each(conn, keys, here=self._region)
        inserted = await self._store.insert_incidents(
            conn, [groups[k].record for k in keys if k not in target])
        lost = [k for k in keys if k not in target and groups[k].record.arn not in inserted]
        if lost:  # a concurrent start opened it first: join that one, now committed
            target.update(await self._store.open_incident_of_each(conn, lost,
                                                                  here=self._region))
        rs = await self._store.replication_set(conn) if inserted else None
        openings: list[starting.Opening] = []
        joined: dict[str, list[timeline.TimelineEvent]] = {}
        at = run.now.timestamp()
        for key, group in groups.items():
            head = group.starts[0]
            if key in target:
                arn, joiners = target[key], group.starts
            elif group.record.arn in inserted:
                openings.append(starting.opening(head.plan, head.cmd, group.record, rs=rs,
                                                 here=self._region, from_alarm=True, now=at))
                arn, joiners = group.record.arn, group.starts[1:]
            else:
                continue  # lost, and no longer open: each alone
            joined.setdefault(arn, []).extend(
                starting.trigger_entry(arn, f.cmd, created=False, now=at) for f in joiners)
            for f in group.starts:
                outcomes[f.index] = Outcome("opened", arn)
        await self._write(conn, run, openings, {a: e for a, e in joined.items() if e})
        done = [(starts[i].token, run.prints[i], outcome.incident_arn) for i in fresh
                if (outcome := outcomes[i]) is not None]
        if await IngestionStore.record_start_tokens(
                conn, principal=run.by, tokens=[token for token, _, _ in done],
                fingerprints=[print_ for _, print_, _ in done],
                results=[{"incidentRecordArn": arn} for _, _, arn in done]) != len(done):
            raise _Alone  # a concurrent start recorded a token first
        for i, s in enumerate(starts):  # the same event twice: the first one's outcome
            j = first.get(s.token, i)
            if j != i and run.prints[i] == run.prints[j]:
                outcomes[i] = outcomes[j]

    async def _by_incident(self, conn: asyncpg.Connection, run: _Run,
                       fresh: list[int]) -> dict[Key, _Group]:
        """The fresh starts by the incident they open or join; those the batch cannot take
        as a single start would are left out."""
        plans: dict[str, domain.ResponsePlan | None] = {}
        for arn in {run.starts[i].plan_arn for i in fresh}:
            name = self._arns.plan_name(arn)
            plans[arn] = await self._store.plan(conn, name) if name else None
        groups: dict[Key, _Group] = {}
        for i in fresh:
            plan = plans[run.starts[i].plan_arn]
            if plan is None:
                continue  # alone: refused as unroutable
            try:
                cmd = msgspec.convert(run.params[i], c.StartIncident)
            except msgspec.ValidationError:
                continue  # alone: refused with the reason
            start = _Fresh(i, cmd, plan)
            shared = domain.shared_dedupe_string(plan, cmd)
            group = groups.get((plan.name, shared)) if shared is not None else None
            if group is not None:  # joins the incident a start before it opens or joins
                group.starts.append(start)
                continue
            record = domain.new_incident(plan, cmd, arn=self._arns.incident_record(plan.name),
                                         by=run.by, now=run.now)
            groups[(plan.name, record.dedupe_string)] = _Group(record, [start])
        return groups

    async def _write(self, conn: asyncpg.Connection, run: _Run,
                     openings: list[starting.Opening],
                     joined: dict[str, list[timeline.TimelineEvent]]) -> None:
        """The batch's rows and events, a statement each."""
        await TimelineStore.add(conn, [e for o in openings for e in o.entries]
                                + [e for entries in joined.values() for e in entries],
                                is_automatic=True)
        items = await RelatedItemStore.add_to_each(
            conn, [(o.record.arn, item) for o in openings for item in o.seeds])
        await TagStore.put_on_each(conn, [(o.record.arn, o.tags) for o in openings])
        events: list[tuple[Event, str | None]] = [
            (starting.created_event(o, items.get(o.record.arn, []), by=run.by), o.record.arn)
            for o in openings]
        events += [(c.IncidentTriggersJoined(incident_record_arn=arn, timeline_events=piece,
                                             principal=run.by), arn)
                   for arn, entries in joined.items() for piece in _pieces(entries)]
        await emit_each(conn, events, region=self._region, now=run.now)

    async def _recovered_already(self, run: _Run) -> None:
        """Apply the recoveries newer than the alarms that opened or joined their
        incidents (handled first); a start whose recovery fails is left to be applied
        alone (its token answers from the record, and the recovery is tried again)."""
        keyed: dict[tuple[str, str], list[int]] = {}
        for i, s in enumerate(run.starts):
            if run.outcomes[i] is not None and s.trigger.key is not None:
                keyed.setdefault((s.plan_arn, s.trigger.key), []).append(i)
        if not keyed:
            return
        found = await IngestionStore.recoveries(self._pool, list(keyed))
        for key, row in found.items():
            indices = keyed[key]
            if row["recovered_at"] <= min(run.starts[i].trigger.timestamp for i in indices):
                continue
            try:
                await self._ingestion.recover_kept(key[0], row, principal="")
            except Exception as exc:
                log.warning("intake.recovery_failed", error=repr(exc), plan=key[0])
                for i in indices:
                    run.outcomes[i] = None


def _pieces(entries: list[timeline.TimelineEvent]) -> list[list[c.TimelineEvent]]:
    """``entries`` in runs whose event data adds up to at most :data:`MAX_EVENT_DATA`."""
    pieces: list[list[c.TimelineEvent]] = []
    size = MAX_EVENT_DATA
    for entry in entries:
        length = len(entry.event_data) + 512
        if size + length > MAX_EVENT_DATA:
            pieces.append([])
            size = 0
        pieces[-1].append(entry)
        size += length
    return pieces
