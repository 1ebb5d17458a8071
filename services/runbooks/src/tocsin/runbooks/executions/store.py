"""Executions and step executions in PostgreSQL.

Every change happens under the execution's row lock (:meth:`ExecutionStore.lock`), taken
first by every transaction that changes an execution or its steps, so transitions of one
execution are serial and two instances never both act on one step. The lock is refused
(or, for the execution's own work, :meth:`ExecutionStore.lock_here` finds nothing) while
another region runs the execution (``execution_runner``, :mod:`tocsin.runbooks.takeovers`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import asyncpg

from tocsin.runbooks.errors import (
    AutomationExecutionNotFoundException,
    InvalidAutomationStatusUpdateException,
)
from tocsin.runbooks.executions.domain import Execution, Step

__all__ = ["ExecutionStore"]

_EXECUTION_FIELDS = [f.name for f in dataclasses.fields(Execution)]
_STEP_FIELDS = [f.name for f in dataclasses.fields(Step)]
_MUTABLE_EXECUTION_FIELDS = ["status", "variables", "step_outputs", "outputs", "current_step",
                             "current_action", "critical_failed", "failure_message",
                             "end_time"]


def _execution(row: asyncpg.Record) -> Execution:
    return Execution(**{name: row[name] for name in _EXECUTION_FIELDS})


def _step(row: asyncpg.Record) -> Step:
    return Step(**{name: row[name] for name in _STEP_FIELDS})


def missing(execution_id: str) -> AutomationExecutionNotFoundException:
    return AutomationExecutionNotFoundException(
        f"Automation execution {execution_id} does not exist")


class ExecutionStore:
    """The SQL of executions; every call runs on the caller's connection."""

    @staticmethod
    async def insert(conn: asyncpg.Connection, ex: Execution, steps: list[Step]) -> None:
        await conn.execute(
            f"INSERT INTO execution ({', '.join(_EXECUTION_FIELDS)}) VALUES"
            f" ({', '.join(f'${i + 1}' for i in range(len(_EXECUTION_FIELDS)))})",
            *(getattr(ex, name) for name in _EXECUTION_FIELDS))
        await ExecutionStore.insert_steps(conn, steps)

    @staticmethod
    async def insert_steps(conn: asyncpg.Connection, steps: list[Step]) -> None:
        if not steps:
            return
        await conn.executemany(
            f"INSERT INTO step_execution ({', '.join(_STEP_FIELDS)}) VALUES"
            f" ({', '.join(f'${i + 1}' for i in range(len(_STEP_FIELDS)))})",
            [tuple(getattr(s, name) for name in _STEP_FIELDS) for s in steps])

    @staticmethod
    async def lock(conn: asyncpg.Connection, execution_id: str) -> Execution:
        """The execution, locked until the transaction ends.

        Raises:
            AutomationExecutionNotFoundException: no such execution.
            InvalidAutomationStatusUpdateException: another region of the replication set
                runs it (this one shows it, and only the region that runs it moves it).
        """
        ex, runner = await ExecutionStore._locked(conn, execution_id)
        if runner is not None:
            raise InvalidAutomationStatusUpdateException(
                f"Automation execution {execution_id} runs in region {runner}:"
                " send the request to that region")
        return ex

    @staticmethod
    async def lock_here(conn: asyncpg.Connection, execution_id: str) -> Execution | None:
        """The execution, locked until the transaction ends, if this region runs it; None
        when another region does (it started it, or took it over from this one).

        Raises:
            AutomationExecutionNotFoundException: no such execution.
        """
        ex, runner = await ExecutionStore._locked(conn, execution_id)
        return ex if runner is None else None

    @staticmethod
    async def _locked(conn: asyncpg.Connection, execution_id: str
                      ) -> tuple[Execution, str | None]:
        row = await conn.fetchrow(
            "SELECT e.*, r.region AS runner FROM execution e"
            " LEFT JOIN execution_runner r ON r.execution_id = e.id"
            " WHERE e.id = $1 FOR UPDATE OF e", execution_id)
        if row is None:
            raise missing(execution_id)
        return _execution(row), row["runner"]

    @staticmethod
    async def get(conn: asyncpg.Connection, execution_id: str) -> Execution:
        row = await conn.fetchrow("SELECT * FROM execution WHERE id = $1", execution_id)
        if row is None:
            raise missing(execution_id)
        return _execution(row)

    @staticmethod
    async def save(conn: asyncpg.Connection, ex: Execution) -> None:
        """Write what a transition may change (never the document it runs, which is the
        largest column, nor the other fields fixed at the start)."""
        fields = _MUTABLE_EXECUTION_FIELDS
        await conn.execute(
            f"UPDATE execution SET {', '.join(f'{n} = ${i + 2}' for i, n in enumerate(fields))}"
            " WHERE id = $1", ex.id, *(getattr(ex, n) for n in fields))

    @staticmethod
    async def steps(conn: asyncpg.Connection, execution_id: str) -> list[Step]:
        rows = await conn.fetch(
            "SELECT * FROM step_execution WHERE execution_id = $1 ORDER BY ordinal",
            execution_id)
        return [_step(r) for r in rows]

    @staticmethod
    async def step(conn: asyncpg.Connection, step_id: str) -> Step | None:
        row = await conn.fetchrow("SELECT * FROM step_execution WHERE id = $1", step_id)
        return _step(row) if row is not None else None

    @staticmethod
    async def save_step(conn: asyncpg.Connection, step: Step) -> None:
        fields = [n for n in _STEP_FIELDS if n != "id"]
        await conn.execute(
            f"UPDATE step_execution SET"
            f" {', '.join(f'{n} = ${i + 2}' for i, n in enumerate(fields))} WHERE id = $1",
            step.id, *(getattr(step, n) for n in fields))

    @staticmethod
    async def next_ordinal(conn: asyncpg.Connection, execution_id: str) -> int:
        value: int = await conn.fetchval(
            "SELECT coalesce(max(ordinal), -1) + 1 FROM step_execution WHERE execution_id = $1",
            execution_id)
        return value

    @staticmethod
    async def children(conn: asyncpg.Connection, execution_id: str) -> list[str]:
        rows = await conn.fetch(
            "SELECT id FROM execution WHERE parent_id = $1 AND status IN"
            " ('Pending', 'InProgress', 'Waiting')", execution_id)
        return [r["id"] for r in rows]

    @staticmethod
    async def renew_lease(conn: asyncpg.Connection, step_id: str, claim: str,
                          attempt: int, until: Any) -> bool:
        return bool(await conn.fetchval(
            "UPDATE step_execution SET lease_until = $4"
            " WHERE id = $1 AND claimed_by = $2 AND attempt = $3 RETURNING true",
            step_id, claim, attempt, until))

    @staticmethod
    async def expired_claims(conn: asyncpg.Connection, now: Any, limit: int
                             ) -> list[tuple[str, str, int]]:
        rows = await conn.fetch(
            "SELECT execution_id, id, attempt FROM step_execution"
            " WHERE status = 'InProgress' AND claimed_by IS NOT NULL"
            " AND claimed_by <> 'backoff' AND lease_until < $1"
            " AND NOT EXISTS (SELECT 1 FROM execution_runner r"
            "  WHERE r.execution_id = step_execution.execution_id AND r.region IS NOT NULL)"
            " LIMIT $2", now, limit)
        return [(r["execution_id"], r["id"], r["attempt"]) for r in rows]

    @staticmethod
    async def client_start(conn: asyncpg.Connection, token: str) -> asyncpg.Record | None:
        return await conn.fetchrow("SELECT * FROM client_start WHERE token = $1", token)

    @staticmethod
    async def record_client_start(conn: asyncpg.Connection, token: str, fingerprint: str,
                                  execution_id: str) -> bool:
        return bool(await conn.fetchval(
            "INSERT INTO client_start (token, fingerprint, execution_id) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING RETURNING true", token, fingerprint, execution_id))

    @staticmethod
    async def listing(conn: asyncpg.Connection, *, where: list[str], args: list[Any],
                      limit: int) -> list[Execution]:
        rows = await conn.fetch(
            f"SELECT * FROM execution WHERE {' AND '.join(where) or 'TRUE'}"
            f" ORDER BY start_time DESC, id DESC LIMIT ${len(args) + 1}", *args, limit)
        return [_execution(r) for r in rows]
