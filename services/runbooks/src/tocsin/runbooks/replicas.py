"""The runbooks service's inbox: the other regions' runbooks events applied to this
region's store (:mod:`tocsin.shared.replication.inbox`), so that their documents and
their executions' visible state are read here too.

A document's own attributes (type, tags, default version) follow the last writer by their
stamp, and each version on its own (two regions adding version 2 while cut off both keep
the later one; the latest version is the highest held); a deletion wins over a change
that did not see it. An execution is written by the one region that runs it (its own, or
the one that took it over: :mod:`tocsin.runbooks.takeovers`), so its row and step rows
simply take each newer state, with the step outputs and where each step's attempt is.
Applying one starts nothing here (no step or approval page): its timers are kept as
standby copies, which fire only once this region runs the execution, and this region
refuses to move it meanwhile (:meth:`ExecutionStore.lock`). A new execution's runner is
decided by the takeovers known here; an ended one's standby timers are cancelled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg

from tocsin.runbooks.documents import content as contents
from tocsin.runbooks.executions.domain import TERMINAL
from tocsin.runbooks.executions.engine import TIMERS
from tocsin.runbooks.executions.visible import moment
from tocsin.runbooks.takeovers import Runners
from tocsin.shared.contracts import runbooks as rc
from tocsin.shared.logging import get_logger
from tocsin.shared.replication import Inbox, Replicated
from tocsin.shared.replication.stamps import Applying, Stamp

__all__ = ["INBOX", "apply"]

log = get_logger(__name__)

_Head = rc.DocumentCreated | rc.DocumentUpdated | rc.DocumentVersionDeleted


# --- documents ---------------------------------------------------------------------------


async def _head(to: Applying, e: _Head, *, creates: bool) -> bool:
    """The document's own attributes, if the event is their last write; whether the
    document is held here (and not deleted) afterwards."""
    if await to.wins("document", "name", e.name, creates=creates):
        await to.conn.execute(
            "INSERT INTO document (name, document_type, owner, default_version,"
            " latest_version, created_at, tags) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (name) DO UPDATE SET document_type = excluded.document_type,"
            " owner = excluded.owner, default_version = excluded.default_version,"
            " latest_version = excluded.latest_version, created_at = excluded.created_at,"
            " tags = excluded.tags",
            e.name, e.document_type, e.owner, e.default_version, e.latest_version,
            moment(e.created_at), e.tags)
        return True
    held = await to.conn.fetchval("SELECT true FROM document WHERE name = $1", e.name)
    return bool(held)


async def _version(to: Applying, name: str, v: rc.DocumentVersion) -> None:
    """A version of a document held here, unless this region holds a later write of it."""
    if not await to.wins("document_version", "key", f"{name}/{v.version}", creates=True):
        return
    try:
        parsed = contents.parse(v.content, v.format)
    except Exception as exc:  # accepted there by this same parser: a newer version's rule
        log.warning("inbox.document_unreadable", name=name, version=v.version, error=repr(exc))
        return
    args = (name, v.version, v.content, v.format, parsed, v.hash, v.display_name,
            v.target_type, moment(v.created_at))
    sql = ("INSERT INTO document_version (name, version, content, format, parsed, hash,"
           " display_name, target_type, created_at, version_name)"
           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
           " ON CONFLICT (name, version) DO UPDATE SET content = excluded.content,"
           " format = excluded.format, parsed = excluded.parsed, hash = excluded.hash,"
           " display_name = excluded.display_name, target_type = excluded.target_type,"
           " created_at = excluded.created_at, version_name = excluded.version_name")
    try:
        async with to.conn.transaction():  # a savepoint
            await to.conn.execute(sql, *args, v.version_name)
    except asyncpg.UniqueViolationError:
        # The version name was given to another version in this region meanwhile: the
        # version is kept, by its number.
        log.warning("inbox.version_name_taken", name=name, version=v.version,
                    version_name=v.version_name)
        await to.conn.execute(sql, *args, None)


async def _created(to: Applying, e: rc.DocumentCreated) -> None:
    if await _head(to, e, creates=True):
        await _version(to, e.name, e.first_version)


async def _updated(to: Applying, e: rc.DocumentUpdated) -> None:
    if await _head(to, e, creates=False) and e.added is not None:
        await _version(to, e.name, e.added)


async def _version_deleted(to: Applying, e: rc.DocumentVersionDeleted) -> None:
    await _head(to, e, creates=False)
    key = f"{e.name}/{e.deleted_version}"
    if await to.conn.execute("DELETE FROM document_version WHERE key = $1",
                             key) == "DELETE 0":
        await to.bury("document_version", key)


async def _deleted(to: Applying, e: rc.DocumentDeleted) -> None:
    # Its versions go with it (each leaving its tombstone).
    if await to.conn.execute("DELETE FROM document WHERE name = $1", e.name) == "DELETE 0":
        await to.bury("document", e.name)


# --- executions --------------------------------------------------------------------------


_EXECUTION = ("id, document_name, document_version, document, status, mode, parameters,"
              " parameters_echo, variables, step_outputs, outputs, current_step,"
              " current_action, critical_failed, failure_message, executed_by, parent_id,"
              " incident_arn, tags, start_time, end_time, home_region")
_EXECUTION_CHANGES = ("status", "variables", "step_outputs", "outputs", "current_step",
                      "current_action", "critical_failed", "failure_message", "end_time")
_STEP = ("id, execution_id, ordinal, step_index, name, action, status, attempt, inputs,"
         " outputs, response, failure_message, failure_details, decisions, state, parent_id,"
         " iteration, iterator_value, start_time, end_time, claimed_by, lease_until")
_STEP_CHANGES = [c.strip() for c in _STEP.split(",")][2:]


async def _newer(to: Applying, table: str, key: str) -> bool:
    """Whether the event is no older than what this region holds of the row (one
    transaction may publish two states of one execution, under one stamp, in order)."""
    row = await to.conn.fetchrow(
        f"SELECT hlc, origin FROM {table} WHERE id = $1 FOR UPDATE", key)
    return row is None or Stamp(row["hlc"] or 0, row["origin"] or to.home) <= to.stamp


async def _execution(to: Applying, e: rc.ExecutionUpdated) -> None:
    """The execution and its changed steps, each unless this region holds a newer state
    (an event delivered late); its timers as standby copies while it runs."""
    await Runners.applying(to.conn)
    new = not await to.conn.fetchval("SELECT true FROM execution WHERE id = $1",
                                     e.execution_id)
    if await _newer(to, "execution", e.execution_id):
        await to.conn.execute(
            f"INSERT INTO execution ({_EXECUTION}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
            " $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
            " ON CONFLICT (id) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in _EXECUTION_CHANGES)
            + ", document = CASE WHEN excluded.document = '{}'::jsonb"
              " THEN execution.document ELSE excluded.document END",
            e.execution_id, e.document_name, e.document_version, e.document or {}, e.status,
            e.mode, e.parameters, e.parameters_echo, e.variables, e.step_outputs, e.outputs,
            e.current_step, e.current_action, e.critical_failed, e.failure_message,
            e.executed_by, e.parent_execution_id, e.incident_arn, e.tags,
            moment(e.start_time), moment(e.end_time), to.stamp.region)
    elif not await to.conn.fetchval("SELECT true FROM execution WHERE id = $1",
                                    e.execution_id):
        return
    for s in e.steps:
        if not await _newer(to, "step_execution", s.id):
            continue
        await to.conn.execute(
            f"INSERT INTO step_execution ({_STEP}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
            " $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, NULL)"
            " ON CONFLICT (id) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in _STEP_CHANGES),
            s.id, e.execution_id, s.ordinal, s.step_index, s.name, s.action, s.status,
            s.attempt, s.inputs, s.outputs, s.response, s.failure_message, s.failure_details,
            s.decisions, s.state, s.parent_id, s.iteration, s.iterator_value,
            moment(s.start_time), moment(s.end_time), s.claim)
    if new:
        await Runners.assign(to.conn, here=to.home, execution_ids=[e.execution_id])
    await _timers(to, e)


async def _timers(to: Applying, e: rc.ExecutionUpdated) -> None:
    """Standby copies of the timers the transition scheduled, while the execution has not
    ended; none left pending once it has. A timer being fired meanwhile is skipped rather
    than waited for (this transaction holds the execution's row, which firing locks after
    the timer's): it finds the execution ended and does nothing."""
    now = datetime.now(UTC)
    status = await to.conn.fetchval("SELECT status FROM execution WHERE id = $1",
                                    e.execution_id)
    if status in TERMINAL:
        await TIMERS.cancel(to.conn, now=now, where=(
            "id IN (SELECT id FROM runbook_timer WHERE execution_id = $2"
            " AND state = 'pending' FOR UPDATE SKIP LOCKED)"), args=[e.execution_id])
        return
    await TIMERS.schedule(to.conn, [
        (t.id, datetime.fromtimestamp(t.due_at, UTC),
         (e.execution_id, t.step_execution_id, t.kind, t.attempt)) for t in e.timers], now=now)


_APPLY: dict[type[Any], Callable[[Applying, Any], Awaitable[None]]] = {
    rc.DocumentCreated: _created,
    rc.DocumentUpdated: _updated,
    rc.DocumentVersionDeleted: _version_deleted,
    rc.DocumentDeleted: _deleted,
    rc.ExecutionUpdated: _execution,
}


async def apply(replicated: Replicated) -> None:
    """Apply one runbooks event of another region; the events that drive an execution in
    its own region (``StepStarted``...) are nothing to apply here."""
    step = _APPLY.get(type(replicated.event.event))
    if step is not None:
        await step(replicated.to, replicated.event.event)


INBOX = Inbox(union=rc.RunbooksEvent, apply=apply)
"""The runbooks service's inbox, for its kernel table."""
