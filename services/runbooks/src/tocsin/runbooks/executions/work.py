"""Running claimed work steps, and taking over the steps of instances that died, and
the executions of regions that were lost.

A work step's attempt is claimed in a committed transaction (``claimed_by``, a lease) and
run here, in a task of this instance, with the lease renewed while it runs; its result is
committed by :meth:`Engine.finish_work`. The lease sweep, on every instance, finds leases
that ran out (their instance was killed, or lost PostgreSQL for longer than the lease) and
hands the attempt to :meth:`Engine.lost`; and it goes on with the executions this region
took over from a lost region (:meth:`Engine.resume`, :mod:`tocsin.runbooks.takeovers`),
whose running attempts are lost with that region in the same way.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tocsin.runbooks.actions import ActionContext, ActionDeps, ActionFailed, run_action
from tocsin.runbooks.executions.domain import Step
from tocsin.runbooks.executions.engine import Engine, Transition, tries
from tocsin.runbooks.executions.store import ExecutionStore
from tocsin.runbooks.takeovers import Runners
from tocsin.shared.db import transaction
from tocsin.shared.logging import get_logger
from tocsin.shared.outage import backoff, server_gone
from tocsin.shared.runner import pause

__all__ = ["WorkRunner"]

log = get_logger(__name__)

DEFAULT_TIMEOUTS = {"aws:executeScript": 600.0, "aws:waitForAwsResourceProperty": 3600.0,
                    "aws:executeAwsApi": 25.0, "aws:assertAwsResourceProperty": 25.0}
"""Seconds an attempt may take when its step sets no ``timeoutSeconds``."""
RECORD_TRIES = 12
"""Attempts at committing a result while PostgreSQL is away (about a minute)."""


class WorkRunner:
    """The work steps this instance runs; ``run`` and ``sweep`` are service workers."""

    def __init__(self, engine: Engine, deps: ActionDeps, *, sweep_interval: float) -> None:
        self.engine = engine
        self.deps = deps
        self.sweep_interval = sweep_interval
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, t: Transition, step: Step, inputs: dict[str, Any]) -> None:
        """Run a claimed attempt (its claim committed) in a task of this instance."""
        spec = t.spec(step)
        timeout = float(spec.get("timeoutSeconds") or DEFAULT_TIMEOUTS.get(step.action, 600.0))
        ctx = ActionContext(execution_id=t.ex.id, step_name=step.name, attempt=tries(step),
                            principal=t.ex.executed_by, timeout_seconds=timeout,
                            deps=self.deps)
        task = asyncio.create_task(self._run(t.ex.id, step.id, step.attempt, step.action,
                                             inputs, ctx))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, execution_id: str, step_id: str, attempt: int, action: str,
                   inputs: dict[str, Any], ctx: ActionContext) -> None:
        renewing = asyncio.create_task(self._renew(execution_id, step_id, attempt))
        raw: dict[str, Any] | None = None
        error: ActionFailed | None = None
        try:
            try:
                raw = await run_action(action, inputs, ctx)
            except ActionFailed as exc:
                error = exc
            except Exception as exc:
                log.exception("runbooks.action_crashed", action=action, step=ctx.step_name)
                error = ActionFailed("Invocation", "Internal", f"The action failed: {exc!r}")
            await self._record(execution_id, step_id, attempt, raw, error)
        finally:
            renewing.cancel()  # cut short too (shutdown): the lease runs out, as on a crash

    async def _record(self, execution_id: str, step_id: str, attempt: int,
                      raw: dict[str, Any] | None, error: ActionFailed | None) -> None:
        """Commit the attempt's result, riding out PostgreSQL being away meanwhile (the
        lease is still renewed; once it runs out another instance takes the step over,
        and this result is then refused as no longer the step's)."""
        failures = 0
        while True:
            try:
                async with transaction(self.engine.pool) as conn:
                    await self.engine.finish_work(conn, execution_id, step_id, attempt,
                                                  raw=raw, error=error)
                return
            except Exception as exc:
                if server_gone(exc) is None or failures >= RECORD_TRIES:
                    raise
                failures += 1
                log.warning("runbooks.result_not_recorded_yet", error=repr(exc))
                await asyncio.sleep(backoff(failures))

    async def _renew(self, execution_id: str, step_id: str, attempt: int) -> None:
        every = self.engine.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                if not await self.engine.renew(execution_id, step_id, attempt):
                    return  # the step moved on (stopped, or the lease was taken over)
            except Exception as exc:  # PostgreSQL away: the lease may run out; so be it
                log.warning("runbooks.lease_renewal_failed", error=repr(exc))

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``; then let the running attempts finish within the grace period
        (an attempt cut short is taken over when its lease runs out)."""
        await stop.wait()
        if self._tasks:
            await asyncio.wait(set(self._tasks))

    async def sweep(self, stop: asyncio.Event) -> None:
        """Take over the attempts whose lease ran out and the executions taken over from
        a lost region, every ``sweep_interval`` seconds."""
        while not await pause(stop, self.sweep_interval):
            try:
                await self.sweep_once()
            except Exception as exc:
                log.warning("runbooks.sweep_failed", error=repr(exc))

    async def sweep_once(self) -> int:
        async with self.engine.pool.acquire() as conn:
            taken = await Runners.to_resume(conn, 50)
        for execution_id, lost_region in taken:
            async with transaction(self.engine.pool) as conn:
                if await Runners.resumed(conn, execution_id):
                    await self.engine.resume(conn, execution_id, lost_region=lost_region)
                    log.warning("runbooks.execution_taken_over", execution_id=execution_id,
                                region=lost_region)
        async with self.engine.pool.acquire() as conn:
            expired = await ExecutionStore.expired_claims(conn, self.engine.clock.now(), 50)
        for execution_id, step_id, attempt in expired:
            async with transaction(self.engine.pool) as conn:
                await self.engine.lost(conn, execution_id, step_id, attempt)
            log.warning("runbooks.step_taken_over", execution_id=execution_id,
                        step_execution_id=step_id, attempt=attempt)
        return len(expired)
