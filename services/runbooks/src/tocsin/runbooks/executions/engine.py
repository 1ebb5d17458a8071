"""The durable engine: every transition of an execution, each in one transaction with the
events that announce it.

How an execution moves:

- A step starts by a committed transition that sets it ``InProgress`` and emits
  :class:`StepStarted`. The service consumes its own ``StepStarted`` events
  (:meth:`Engine.on_step_started`), on whichever instance takes the message: a control
  action (pause, sleep, approve, branch, loop, updateVariable, executeAutomation) is done
  right there, in a transaction under the execution's row lock; a work action (script,
  API call, webhook) is *claimed* (``claimed_by`` and a lease, committed) and run in a
  task of that instance (:class:`~tocsin.runbooks.executions.work.WorkRunner`), whose
  result commits the step's end and the next transition.
- Whatever must happen later (a sleep's end, a wait's timeout, the next attempt after a
  backoff) is a durable timer (``runbook_timer``); firing it is a transition in the
  timer's claiming transaction. A timer that finds its step moved on does nothing, so
  timers are never cancelled (cancelling would lock timer rows after the execution row,
  the opposite order of firing).
- An instance that dies while running a step stops renewing its lease; the lease sweep
  (:class:`~tocsin.runbooks.executions.work.WorkRunner`, on every instance) counts the
  attempt as failed with ``FailureType: Internal`` (:meth:`Engine.lost`) and retries the
  step only while ``maxAttempts`` allows.
- An execution runs in one region of the replication set at a time: the one that started
  it, or the one that took that region over (:mod:`tocsin.runbooks.takeovers`). What its
  own work demands (:meth:`Engine.moving`) is dropped in any other region, and requests
  there are refused; the region that takes it over goes on from its replicated state
  (:meth:`Engine.resume`), a running attempt lost with the lost region as with a dead
  instance.

Every transaction locks the execution row first, so one execution's transitions are
serial, and a step's attempt is acted on only by the holder of its claim.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from tocsin.runbooks.actions import WORK_ACTIONS, ActionFailed, ActionTimedOut
from tocsin.runbooks.catalogue import ACTIONS
from tocsin.runbooks.documents.domain import Document
from tocsin.runbooks.errors import (
    AutomationStepNotFoundException,
    InvalidAutomationSignalException,
    InvalidAutomationStatusUpdateException,
)
from tocsin.runbooks.executions.approvals import is_contact
from tocsin.runbooks.executions.domain import (
    APPROVAL_TIMEOUT,
    BACKOFF,
    HELD,
    TERMINAL,
    Execution,
    Next,
    Step,
    after_failure,
    after_success,
    as_wire_list,
    backoff_seconds,
    is_critical,
    runbook_outputs,
    steps_of,
)
from tocsin.runbooks.executions.store import ExecutionStore
from tocsin.runbooks.executions.visible import execution_updated
from tocsin.runbooks.language import (
    LanguageError,
    OutputError,
    Scope,
    automation_builtins,
    bind_parameters,
    choose,
    interpolate,
    select_outputs,
)
from tocsin.shared.arns import Arns
from tocsin.shared.contracts.base import Event
from tocsin.shared.contracts.runbooks import (
    ExecutionCompleted,
    ExecutionStarted,
    StepCompleted,
    StepStarted,
    Waiting,
)
from tocsin.shared.events import emit
from tocsin.shared.logging import get_logger
from tocsin.shared.outage import server_gone
from tocsin.shared.timers import Timers, TimerTable

__all__ = ["TIMERS", "TIMER_TABLE", "Engine", "Failure", "Timer", "Transition", "execution_arn"]

log = get_logger(__name__)

TIMER_TABLE = TimerTable(name="runbook_timer", channel="runbook_timer",
                         columns=(("execution_id", "text"), ("step_execution_id", "text"),
                                  ("kind", "text"), ("attempt", "integer")),
                         eligible="NOT EXISTS (SELECT 1 FROM execution_runner r"
                                  " WHERE r.execution_id = runbook_timer.execution_id"
                                  " AND r.region IS NOT NULL)")
"""A timer fires only in the region that runs its execution; the others keep it as a
standby copy (:mod:`tocsin.runbooks.takeovers`)."""
TIMERS = Timers(TIMER_TABLE)

SLEEP_DONE, TIMEOUT, RETRY = "SLEEP_DONE", "TIMEOUT", "RETRY"
CANCEL_DEADLINE = "CANCEL_DEADLINE"
ON_CANCEL_LIMIT = timedelta(minutes=2)
"""How long an ``onCancel`` workflow may run before the execution is ``Cancelled``."""
NO_ON_CANCEL_TARGET = frozenset({
    "aws:approve", "aws:copyImage", "aws:createImage", "aws:createStack", "aws:createTags",
    "aws:pause", "aws:runInstances", "aws:sleep"})
"""Actions an ``onCancel`` may not jump to (AWS's list)."""

MAX_SLEEP = 604799
"""The longest ``aws:sleep`` (AWS: just under 7 days)."""


@dataclass(frozen=True, slots=True)
class Timer:
    """A fired timer row."""

    id: str
    execution_id: str
    step_execution_id: str
    kind: str
    attempt: int


@dataclass(frozen=True, slots=True)
class Failure:
    """What ``FailureDetails`` and ``FailureMessage`` of a failed step say."""

    stage: str
    type: str
    message: str
    details: Mapping[str, list[str]] | None = None

    @classmethod
    def of(cls, exc: ActionFailed) -> Failure:
        return cls(exc.failure_stage, exc.failure_type, exc.message, exc.details)

    def as_details(self) -> dict[str, Any]:
        out: dict[str, Any] = {"FailureStage": self.stage, "FailureType": self.type}
        if self.details:
            out["Details"] = dict(self.details)
        return out


def execution_arn(arns: Arns, execution_id: str) -> str:
    return f"arn:{arns.partition}:ssm:{arns.region}:{arns.account}:automation-execution/" \
           f"{execution_id}"


def _inputs_without_steps(spec: Mapping[str, Any]) -> dict[str, Any]:
    inputs = dict(spec.get("inputs") or {})
    if spec.get("action") == "aws:loop":
        inputs.pop("Steps", None)
    return inputs


class Transition:
    """One transaction's changes to one execution (its row locked), and their events."""

    def __init__(self, engine: Engine, conn: asyncpg.Connection, ex: Execution,
                 steps: list[Step], now: datetime) -> None:
        self.engine = engine
        self.conn = conn
        self.ex = ex
        self.steps = steps
        self.now = now
        self.events: list[Event] = []
        self._dirty: dict[str, Step] = {}
        self._new: list[Step] = []
        self._timers: list[tuple[str, datetime, tuple[Any, ...]]] = []
        self.children: list[Transition] = []
        self.created = False
        """A new execution: its first commit publishes the document it runs."""

    # --- lookups ------------------------------------------------------------------------

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def siblings(self, step: Step) -> list[dict[str, Any]]:
        """The step list ``step`` belongs to: ``mainSteps``, or its loop's ``Steps``."""
        if step.parent_id is None:
            return steps_of(self.ex.document)
        loop = self.step(step.parent_id)
        assert loop is not None
        return list(self.spec(loop).get("inputs", {}).get("Steps") or [])

    def spec(self, step: Step) -> dict[str, Any]:
        return dict(self.siblings(step)[step.step_index])

    def named(self, name: str, like: Step) -> Step:
        """The row of step ``name`` among ``like``'s siblings (in a loop: this iteration's).

        Raises:
            AutomationStepNotFoundException: there is none.
        """
        for s in reversed(self.steps):
            if s.name == name and s.parent_id == like.parent_id and \
                    s.iteration == like.iteration:
                return s
        raise AutomationStepNotFoundException(
            f"Step {name} does not exist in automation execution {self.ex.id}")

    def top_step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name and s.parent_id is None:
                return s
        raise AutomationStepNotFoundException(
            f"Step {name} does not exist in automation execution {self.ex.id}")

    def scope(self) -> Scope:
        arns = self.engine.arns
        builtins = automation_builtins(
            execution_id=self.ex.id, document_name=self.ex.document_name, region=arns.region,
            account=arns.account, partition=arns.partition, now=self.now.timestamp())
        return Scope(parameters=self.ex.parameters, outputs=self.ex.step_outputs,
                     variables=self.ex.variables, builtins=builtins)

    # --- bookkeeping --------------------------------------------------------------------

    def touch(self, step: Step) -> None:
        if step not in self._new:
            self._dirty[step.id] = step

    def add_steps(self, steps: list[Step]) -> None:
        self._new.extend(steps)
        self.steps.extend(steps)

    def timer(self, kind: str, step: Step, due: datetime, attempt: int) -> None:
        self._timers.append((f"{step.id}:{kind}:{attempt}", due,
                             (self.ex.id, step.id, kind, attempt)))

    def event(self, event: Event) -> None:
        self.events.append(event)

    async def commit(self) -> None:
        """Write the execution, the changed steps, the timers and the events."""
        await ExecutionStore.save(self.conn, self.ex)
        await ExecutionStore.insert_steps(self.conn, self._new)
        for step in self._dirty.values():
            await ExecutionStore.save_step(self.conn, step)
        await self.engine.timers.schedule(self.conn, self._timers, now=self.now)
        self.events.append(execution_updated(self.ex, [*self._new, *self._dirty.values()],
                                             self._timers, with_document=self.created))
        await emit(self.conn, self.events, region=self.engine.arns.region, now=self.now,
                   incident_arn=self.ex.incident_arn)
        self.created = False
        for child in self.children:
            await child.commit()
        self._dirty.clear()
        self._new.clear()
        self._timers.clear()
        self.events.clear()

    # --- moving on ----------------------------------------------------------------------

    def go(self, nxt: Next, after: Step) -> None:
        """Continue at ``nxt`` after ``after`` ended."""
        if self.ex.status in TERMINAL:
            return
        if nxt.step is None:
            if after.parent_id is not None:
                loop = self.step(after.parent_id)
                assert loop is not None
                self.iteration_done(loop)
            else:
                self.finish()
            return
        try:
            target = self.named(nxt.step, after)
        except AutomationStepNotFoundException:
            # A jump out of a loop's steps (validation judges documents, not every path).
            self.ex.critical_failed = True
            self.end("Failed", f"Step {after.name} leads to step {nxt.step}, which is not "
                               "among the steps it can reach")
            return
        self.start(target)

    def start(self, step: Step) -> None:
        """Start ``step``, or in Interactive mode wait for ``StartStep`` before it."""
        if self.ex.mode == "Interactive" and step.parent_id is None and \
                self.ex.status != "Cancelling":
            self.ex.status = "Waiting"
            self.ex.current_step, self.ex.current_action = step.name, step.action
            self.event(Waiting(execution_id=self.ex.id, step_name=step.name,
                               action=step.action, signal="StartStep",
                               description=str(self.spec(step).get("description") or ""),
                               incident_arn=self.ex.incident_arn))
            return
        self.begin(step)

    def begin(self, step: Step) -> None:
        """Begin the next attempt of ``step`` (the first, when it had ended before)."""
        if step.status in TERMINAL or step.status == "Pending":
            # A new run of the step (a jump back, a resume): its attempts count from here;
            # the attempt number itself keeps growing, so timers of an earlier run (their
            # ids and checks carry the attempt) never touch this one.
            step.start_time = self.now
            step.end_time = None
            step.outputs = None
            step.failure_message = None
            step.failure_details = None
            step.decisions = []
            step.state = {"base": step.attempt}
        step.status = "InProgress"
        step.attempt += 1
        step.claimed_by = None
        step.lease_until = None
        self.touch(step)
        if self.ex.status != "Cancelling":
            self.ex.status = "InProgress"
        self.ex.current_step, self.ex.current_action = step.name, step.action
        self.event(StepStarted(execution_id=self.ex.id, step_execution_id=step.id,
                               step_name=step.name, action=step.action, attempt=step.attempt,
                               incident_arn=self.ex.incident_arn))

    def wait(self, step: Step, signal: str) -> None:
        step.status = "Waiting"
        self.touch(step)
        self.ex.status = "Waiting"
        self.ex.current_step, self.ex.current_action = step.name, step.action
        self.event(Waiting(execution_id=self.ex.id, step_name=step.name, action=step.action,
                           signal=signal, description=str(self.spec(step).get("description")
                                                          or ""),
                           incident_arn=self.ex.incident_arn))

    def complete(self, step: Step, status: str, *, outputs: dict[str, Any] | None = None,
                 failure: Failure | None = None, chosen: str | None = None) -> None:
        """End ``step`` with ``status`` and move the execution on as its document says."""
        step.status = status
        step.end_time = self.now
        step.claimed_by = None
        step.lease_until = None
        if outputs is not None:
            step.outputs = outputs
            for name, value in outputs.items():
                self.ex.step_outputs[f"{step.name}.{name}"] = value
        if failure is not None:
            step.failure_message = failure.message
            step.failure_details = failure.as_details()
        self.touch(step)
        self.event(StepCompleted(
            execution_id=self.ex.id, step_execution_id=step.id, step_name=step.name,
            action=step.action, status=status,
            outputs={k: _wire(v) for k, v in (step.outputs or {}).items()},
            failure_message=step.failure_message, incident_arn=self.ex.incident_arn))
        siblings = self.siblings(step)
        if status == "Success":
            self.go(after_success(siblings, step.step_index, chosen), step)
            return
        if status == "Cancelled":  # StopStep: the execution goes on without it
            self.go(after_success(siblings, step.step_index), step)
            return
        spec = siblings[step.step_index]
        if is_critical(spec):
            self.ex.critical_failed = True
            self.ex.failure_message = (f"Step {step.name} ended {status}: "
                                       f"{step.failure_message or 'no message'}")
        nxt = after_failure(siblings, step.step_index)
        if nxt is not None:
            self.go(nxt, step)
        elif step.parent_id is not None:
            loop = self.step(step.parent_id)
            assert loop is not None
            self.complete(loop, status, failure=Failure(
                "Invocation", "Action",
                f"Step {step.name} of iteration {(step.iteration or 0) + 1} ended {status}"))
        else:
            self.end(status)

    def fail_attempt(self, step: Step, failure: Failure, *, timed_out: bool = False) -> None:
        """The current attempt failed: try again after a backoff while ``maxAttempts``
        allows, else the step ends ``Failed`` (``TimedOut``)."""
        max_attempts = _int(self.spec(step).get("maxAttempts"), 1)
        step.failure_message = failure.message
        step.failure_details = failure.as_details()
        if tries(step) < max_attempts:
            step.claimed_by = BACKOFF
            step.lease_until = None
            self.touch(step)
            due = self.now + timedelta(seconds=backoff_seconds(tries(step)))
            self.timer(RETRY, step, due, step.attempt + 1)
            return
        self.complete(step, "TimedOut" if timed_out else "Failed", failure=failure)

    def finish(self) -> None:
        self.end("Failed" if self.ex.critical_failed else "Success")

    def child_ended(self, step: Step, child_id: str, status: str,
                    outputs: Mapping[str, list[str]]) -> None:
        """An ``aws:executeAutomation`` step's child execution ended: so does the step."""
        out: dict[str, Any] = {"ExecutionId": child_id, "Status": status,
                               "Output": [v for vs in outputs.values() for v in vs]}
        if status == "Success":
            self.complete(step, "Success", outputs=out)
        else:
            step.outputs = out
            self.complete(step, "Failed", outputs=out, failure=Failure(
                "Invocation", "Action", f"The child automation {child_id} ended {status}"))

    def end(self, status: str, message: str | None = None) -> None:
        ex = self.ex
        if ex.status == "Cancelling":
            status = "Cancelled"  # the onCancel workflow ended, however it ended
        ex.status = status
        ex.end_time = self.now
        ex.current_step = ex.current_action = None
        if message:
            ex.failure_message = message
        if status == "Success":
            ex.failure_message = None
        ex.outputs = runbook_outputs(ex.document, ex.step_outputs)
        self.event(ExecutionCompleted(
            execution_id=ex.id, execution_arn=execution_arn(self.engine.arns, ex.id),
            status=status, outputs=ex.outputs, failure_message=ex.failure_message,
            parent_execution_id=ex.parent_id, incident_arn=ex.incident_arn))

    # --- loops --------------------------------------------------------------------------

    def iterate(self, loop: Step) -> None:
        """Start iteration ``state.iteration`` of an ``aws:loop``, or end it."""
        state = loop.state
        index = int(state.get("iteration", 0))
        iterators = state.get("iterators")
        limit = int(state.get("max", 100))
        if (iterators is not None and index >= len(iterators)) or index >= limit:
            self.complete(loop, "Success", outputs=dict(loop.outputs or {}))
            return
        value = iterators[index] if iterators is not None else None
        loop.outputs = {"CurrentIteration": index + 1}
        if value is not None:
            loop.outputs["CurrentIteratorValue"] = value
            self.ex.step_outputs[f"{loop.name}.CurrentIteratorValue"] = value
        self.ex.step_outputs[f"{loop.name}.CurrentIteration"] = index + 1
        self.touch(loop)
        inner = self.spec(loop).get("inputs", {}).get("Steps") or []
        first = max((s.ordinal for s in self.steps), default=-1) + 1
        rows = [Step(id=str(uuid.uuid4()), execution_id=self.ex.id, ordinal=first + i,
                     step_index=i, name=str(spec["name"]), action=str(spec["action"]),
                     status="Pending", parent_id=loop.id, iteration=index,
                     iterator_value=None if value is None else _text(value))
                for i, spec in enumerate(inner)]
        self.add_steps(rows)
        if rows:
            self.begin(rows[0])
        else:
            self.iteration_done(loop)

    def iteration_done(self, loop: Step) -> None:
        condition = loop.state.get("condition")
        if condition is not None:
            try:
                again = choose({"Choices": [{**condition, "NextStep": "again"}]},
                               self.scope()) == "again"
            except LanguageError as exc:
                self.complete(loop, "Failed", failure=Failure("Invocation", "Action",
                                                              str(exc)))
                return
            if not again:
                self.complete(loop, "Success", outputs=dict(loop.outputs or {}))
                return
        loop.state = {**loop.state, "iteration": int(loop.state.get("iteration", 0)) + 1}
        self.iterate(loop)


def tries(step: Step) -> int:
    """The attempts of the step's current run (its attempt number counts every run)."""
    return step.attempt - int(step.state.get("base", 0))


def _int(value: Any, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _wire(value: Any) -> list[str]:
    return as_wire_list(value)


class Engine:
    """The transitions of executions, shared by the API, the consumer, the timers and the
    work runner of one instance."""

    def __init__(self, *, pool: asyncpg.Pool, clock: Any, arns: Arns, claim: str,
                 lease_seconds: float) -> None:
        self.pool = pool
        self.clock = clock
        self.arns = arns
        self.claim = claim
        """This instance's claim on the work steps it runs."""
        self.lease = timedelta(seconds=lease_seconds)
        self.timers = TIMERS

    async def transition(self, conn: asyncpg.Connection, execution_id: str) -> Transition:
        """Lock an execution and read its steps, for one transaction's changes (a caller's
        request: refused when another region runs it)."""
        ex = await ExecutionStore.lock(conn, execution_id)
        steps = await ExecutionStore.steps(conn, execution_id)
        return Transition(self, conn, ex, steps, self.clock.now())

    async def moving(self, conn: asyncpg.Connection, execution_id: str) -> Transition | None:
        """:meth:`transition` for what the execution's own work demands (a started step,
        a timer, a result, a lost lease, a child's end): None when another region runs it
        now, which stands this region down (:mod:`tocsin.runbooks.takeovers`)."""
        ex = await ExecutionStore.lock_here(conn, execution_id)
        if ex is None:
            log.info("runbooks.run_elsewhere", execution_id=execution_id)
            return None
        steps = await ExecutionStore.steps(conn, execution_id)
        return Transition(self, conn, ex, steps, self.clock.now())

    # --- starting -----------------------------------------------------------------------

    def create(self, conn: asyncpg.Connection, doc: Document, given: Mapping[str, list[str]],
               *, mode: str, principal: str, parent_id: str | None = None,
               incident_arn: str | None = None, tags: Mapping[str, str] | None = None,
               execution_id: str | None = None) -> Transition:
        """A new execution of ``doc`` (parameters bound and checked), its first step
        started; the caller commits the returned transition.

        Raises:
            InvalidAutomationExecutionParametersException: the parameters do not fit.
        """
        parsed = doc.version.parsed
        typed, echo = bind_parameters(parsed.get("parameters") or {}, given)
        variables = {name: (spec or {}).get("default")
                     for name, spec in (parsed.get("variables") or {}).items()}
        now = self.clock.now()
        ex = Execution(
            id=execution_id or str(uuid.uuid4()), document_name=doc.name,
            document_version=str(doc.version.version), document=parsed, status="InProgress",
            mode=mode, parameters=typed, parameters_echo=echo, variables=variables,
            step_outputs={}, outputs={}, current_step=None, current_action=None,
            critical_failed=False, failure_message=None, executed_by=principal,
            parent_id=parent_id, incident_arn=incident_arn, tags=dict(tags or {}),
            start_time=now, end_time=None)
        steps = [Step(id=str(uuid.uuid4()), execution_id=ex.id, ordinal=i, step_index=i,
                      name=str(spec["name"]), action=str(spec["action"]), status="Pending")
                 for i, spec in enumerate(steps_of(parsed))]
        t = Transition(self, conn, ex, [], now)
        t.created = True
        t.add_steps(steps)
        t.event(ExecutionStarted(
            execution_id=ex.id, execution_arn=execution_arn(self.arns, ex.id),
            document_name=doc.name, document_version=ex.document_version, mode=mode,
            executed_by=principal, step_names=[s.name for s in steps],
            parent_execution_id=parent_id, incident_arn=incident_arn))
        if steps:
            t.start(steps[0])
        else:
            t.finish()
        return t

    async def insert(self, t: Transition) -> None:
        await ExecutionStore.insert(t.conn, t.ex, [])
        await t.commit()

    # --- running steps ------------------------------------------------------------------

    async def on_step_started(self, conn: asyncpg.Connection, event: StepStarted
                              ) -> tuple[Transition, Step, dict[str, Any]] | None:
        """Run what a started step's action does at once (in this transaction); for a work
        action, claim the attempt and return what the runner needs."""
        t = await self.moving(conn, event.execution_id)
        if t is None:
            return None
        step = t.step(event.step_execution_id)
        if (step is None or step.status != "InProgress" or step.attempt != event.attempt
                or step.claimed_by is not None or t.ex.status in TERMINAL):
            return None  # moved on already, or running elsewhere (its lease says)
        spec = t.spec(step)
        scope = t.scope()
        try:
            inputs = interpolate(_inputs_without_steps(spec), scope)
        except LanguageError as exc:
            t.fail_attempt(step, Failure("InputValidation", "Action", str(exc)))
            await t.commit()
            return None
        step.inputs = {k: json.dumps(v) for k, v in inputs.items()}
        t.touch(step)
        if step.action in WORK_ACTIONS:
            step.claimed_by = self.claim
            step.lease_until = t.now + self.lease
            await t.commit()
            return t, step, inputs
        try:
            await self._control(t, step, spec, inputs)
            if step.status == "InProgress" and step.attempt == event.attempt and \
                    step.claimed_by is None:
                step.claimed_by = HELD  # what it waits for is under way
        except LanguageError as exc:
            t.fail_attempt(step, Failure("InputValidation", "Action", str(exc)))
        except ActionFailed as exc:
            t.fail_attempt(step, Failure.of(exc))
        except Exception as exc:
            if server_gone(exc) is not None or isinstance(exc, asyncpg.PostgresError):
                raise  # the message comes back once the server does
            # A document the engine cannot follow must fail its step, not wedge it.
            log.exception("runbooks.control_action_crashed", action=step.action)
            t.fail_attempt(step, Failure("Invocation", "Internal",
                                         f"Tocsin could not run {step.action}: {exc!r}"))
        await t.commit()
        return None

    async def _control(self, t: Transition, step: Step, spec: dict[str, Any],
                       inputs: dict[str, Any]) -> None:
        action = step.action
        timeout = spec.get("timeoutSeconds")
        if action == "aws:pause":
            t.wait(step, "Resume")
            if timeout:
                t.timer(TIMEOUT, step, t.now + timedelta(seconds=float(timeout)), step.attempt)
        elif action == "aws:sleep":
            due = _sleep_until(inputs, t.now)
            if due <= t.now:
                t.complete(step, "Success", outputs={})
            else:
                t.timer(SLEEP_DONE, step, due, step.attempt)
        elif action == "aws:approve":
            approvers = inputs.get("Approvers")
            if isinstance(approvers, str):
                approvers = [approvers]
            if not isinstance(approvers, list) or not approvers or len(approvers) > 10:
                raise ActionFailed("InputValidation", "Action",
                                   "Approvers must list 1 to 10 principal or contact ARNs")
            needed = _int(inputs.get("MinRequiredApprovals"), 1)
            if not 1 <= needed <= len(approvers):
                raise ActionFailed("InputValidation", "Action",
                                   f"MinRequiredApprovals ({needed}) must be between 1 and the "
                                   f"number of approvers ({len(approvers)})")
            step.state = {**step.state, "approvers": [str(a) for a in approvers],
                          "min": needed, "message": str(inputs.get("Message") or "")}
            step.outputs = {"ApprovalStatus": "Waiting"}
            t.wait(step, "Approve")
            t.timer(TIMEOUT, step, t.now + timedelta(seconds=float(timeout or APPROVAL_TIMEOUT)),
                    step.attempt)
        elif action == "aws:branch":
            chosen = choose(spec.get("inputs") or {}, t.scope())
            t.complete(step, "Success", outputs={}, chosen=chosen)
        elif action == "aws:updateVariable":
            name = str(inputs.get("Name", "")).removeprefix("variable:")
            if name not in t.ex.variables:
                raise ActionFailed("InputValidation", "Action",
                                   f"The runbook declares no variable {name!r}")
            t.ex.variables[name] = inputs.get("Value")
            t.complete(step, "Success", outputs={})
        elif action == "aws:loop":
            iterators = inputs.get("Iterators")
            if iterators is not None and not isinstance(iterators, list):
                iterators = [iterators]
            step.state = {**step.state, "iteration": 0, "iterators": iterators,
                          "condition": spec.get("inputs", {}).get("LoopCondition"),
                          "max": min(100, _int(inputs.get("MaxIterations"), 100))}
            t.iterate(step)
        elif action == "aws:executeAutomation":
            await self._start_child(t, step, inputs)
        else:
            raise ActionFailed("InputValidation", "Action",
                               f"Tocsin cannot run the action {action}")

    async def _start_child(self, t: Transition, step: Step, inputs: dict[str, Any]) -> None:
        from tocsin.runbooks.documents.handlers import load_document
        from tocsin.shared.errors import TocsinError
        name = str(inputs.get("DocumentName", ""))
        given = {k: v if isinstance(v, list) else [_text(v)]
                 for k, v in (inputs.get("RuntimeParameters") or {}).items()}
        try:
            doc = await load_document(t.conn, name, inputs.get("DocumentVersion"))
            child = self.create(t.conn, doc, given, mode="Auto", principal=t.ex.executed_by,
                                parent_id=t.ex.id, incident_arn=t.ex.incident_arn)
        except TocsinError as exc:
            raise ActionFailed("InputValidation", "Action",
                               f"The child automation could not start: {exc.message}") from None
        await ExecutionStore.insert(t.conn, child.ex, [])
        t.children.append(child)
        step.state = {**step.state, "child": child.ex.id}
        t.touch(step)

    async def finish_work(self, conn: asyncpg.Connection, execution_id: str, step_id: str,
                          attempt: int, *, raw: dict[str, Any] | None = None,
                          error: ActionFailed | None = None) -> None:
        """Record a work attempt's result, if the step is still this attempt's (a stop, a
        StopStep, a lost lease or a takeover may have moved it on)."""
        t = await self.moving(conn, execution_id)
        if t is None:
            return
        step = t.step(step_id)
        if (step is None or step.status != "InProgress" or step.attempt != attempt
                or step.claimed_by != self.claim or t.ex.status in TERMINAL):
            return
        if error is not None:
            t.fail_attempt(step, Failure.of(error), timed_out=isinstance(error, ActionTimedOut))
        else:
            spec = t.spec(step)
            known = ACTIONS.get(step.action)
            predefined = known.outputs if known is not None and known.outputs else frozenset()
            outputs = {k: v for k, v in (raw or {}).items() if k in predefined}
            try:
                outputs.update(select_outputs(raw or {}, list(spec.get("outputs") or [])))
            except OutputError as exc:
                t.fail_attempt(step, Failure("PostVerification", "Verification", str(exc)))
            else:
                t.complete(step, "Success", outputs=outputs)
        await t.commit()

    async def renew(self, execution_id: str, step_id: str, attempt: int) -> bool:
        async with self.pool.acquire() as conn:
            return await ExecutionStore.renew_lease(conn, step_id, self.claim, attempt,
                                                    self.clock.now() + self.lease)

    async def lost(self, conn: asyncpg.Connection, execution_id: str, step_id: str,
                   attempt: int) -> None:
        """The instance running a step's attempt stopped renewing its lease: count the
        attempt as failed (``Internal``), retried only while ``maxAttempts`` allows."""
        t = await self.moving(conn, execution_id)
        if t is None:
            return
        step = t.step(step_id)
        if (step is None or step.status != "InProgress" or step.attempt != attempt
                or step.claimed_by in (None, BACKOFF) or step.lease_until is None
                or step.lease_until >= t.now):
            return
        t.fail_attempt(step, Failure(
            "Invocation", "Internal",
            f"The Tocsin instance running attempt {attempt} of step {step.name} stopped "
            "before the attempt ended"))
        await t.commit()

    # --- timers -------------------------------------------------------------------------

    async def fire(self, conn: asyncpg.Connection, timers: list[Timer], now: datetime) -> None:
        """Fired timers, in the claiming transaction (executions locked in id order, so
        two instances firing at once never deadlock)."""
        for timer in sorted(timers, key=lambda x: (x.execution_id, x.id)):
            try:
                async with conn.transaction():  # a savepoint: one timer's failure is its own
                    await self._fire_one(conn, timer)
            except Exception as exc:
                if server_gone(exc) is not None:
                    raise  # the round rolls back; the timers are due again
                log.exception("runbooks.timer_failed", timer_id=timer.id, kind=timer.kind)

    async def _fire_one(self, conn: asyncpg.Connection, timer: Timer) -> None:
        """One fired timer: what it is due for, if its step is still where it was."""
        t = await self.moving(conn, timer.execution_id)
        if t is None:
            return
        step = t.step(timer.step_execution_id)
        if step is None or t.ex.status in TERMINAL:
            return
        if timer.kind == CANCEL_DEADLINE:
            if t.ex.status == "Cancelling":
                await self._cancel(t, "The onCancel steps ran out of their two minutes")
        elif timer.kind == RETRY:
            if step.status == "InProgress" and step.claimed_by == BACKOFF and \
                    step.attempt + 1 == timer.attempt:
                t.begin(step)
        elif step.attempt != timer.attempt:
            return
        elif timer.kind == SLEEP_DONE and step.status == "InProgress":
            t.complete(step, "Success", outputs={})
        elif timer.kind == TIMEOUT and step.status in ("InProgress", "Waiting"):
            outputs = {"ApprovalStatus": "Waiting"} if step.action == "aws:approve" else None
            t.complete(step, "TimedOut", outputs=outputs, failure=Failure(
                "Invocation", "Action",
                f"Step {step.name} timed out after its timeoutSeconds"))
        await t.commit()

    # --- children -----------------------------------------------------------------------

    async def child_ended(self, conn: asyncpg.Connection, event: ExecutionCompleted) -> None:
        """An ``aws:executeAutomation`` step's child execution ended: so does the step."""
        assert event.parent_execution_id is not None
        t = await self.moving(conn, event.parent_execution_id)
        if t is None:
            return
        step = next((s for s in t.steps if s.state.get("child") == event.execution_id
                     and s.status == "InProgress"), None)
        if step is None or t.ex.status in TERMINAL:
            return
        t.child_ended(step, event.execution_id, event.status, event.outputs)
        await t.commit()

    # --- takeovers ----------------------------------------------------------------------

    async def resume(self, conn: asyncpg.Connection, execution_id: str, *,
                     lost_region: str) -> None:
        """An execution this region took over from ``lost_region`` goes on from where its
        replicated events left it: a step started there and not taken up yet starts here;
        an attempt that was running there is lost with it (failed ``Internal``, retried
        only while ``maxAttempts`` allows, as when an instance dies); a step whose child
        execution ended unseen ends with it. Sleeps, timeouts and retries wait for their
        standby timers, which fire here now; waiting steps wait for their signal here."""
        t = await self.moving(conn, execution_id)
        if t is None or t.ex.status in TERMINAL:
            return
        for step in list(t.steps):
            if step.status != "InProgress":
                continue
            if step.claimed_by is None:
                t.event(StepStarted(execution_id=t.ex.id, step_execution_id=step.id,
                                    step_name=step.name, action=step.action,
                                    attempt=step.attempt, incident_arn=t.ex.incident_arn))
            elif step.claimed_by == HELD and step.state.get("child"):
                child = await ExecutionStore.get(conn, str(step.state["child"]))
                if child.status in TERMINAL:
                    t.child_ended(step, child.id, child.status, child.outputs)
            elif step.claimed_by not in (BACKOFF, HELD):
                t.fail_attempt(step, Failure(
                    "Invocation", "Internal",
                    f"Region {lost_region}, running attempt {step.attempt} of step "
                    f"{step.name}, was lost before the attempt ended"))
        await t.commit()

    # --- signals and stops --------------------------------------------------------------

    async def signal(self, conn: asyncpg.Connection, execution_id: str, signal: str,
                     payload: Mapping[str, list[str]], principal: str) -> None:
        """``SendAutomationSignal``.

        Raises:
            InvalidAutomationSignalException: the signal does not fit the state.
            AutomationStepNotFoundException: it names a step the execution lacks.
        """
        t = await self.transition(conn, execution_id)
        ex = t.ex
        if signal == "Resume":
            name = _one(payload, "StepName", signal)
            waiting = next((s for s in reversed(t.steps) if s.name == name
                            and s.status == "Waiting"), None)
            step = waiting or t.top_step(name)
            if step.status != "Waiting" or step.action != "aws:pause":
                raise InvalidAutomationSignalException(
                    f"Step {step.name} is {step.status}, not waiting at an aws:pause: "
                    "there is nothing to resume")
            t.complete(step, "Success", outputs={})
        elif signal in ("Approve", "Reject"):
            self._decide(t, signal, payload, principal)
        elif signal == "StartStep":
            name = _one(payload, "StepName", signal)
            step = t.top_step(name)
            if ex.status in ("Failed", "TimedOut") and step.status in ("Failed", "TimedOut"):
                # Tocsin's addition: resume a failed execution from its failed step.
                ex.status, ex.end_time, ex.failure_message = "InProgress", None, None
                ex.critical_failed = any(
                    s.status in ("Failed", "TimedOut") and s.id != step.id
                    and is_critical(t.spec(s)) for s in t.steps if s.parent_id is None)
                t.begin(step)
            elif ex.mode == "Interactive" and ex.status == "Waiting" and \
                    step.status not in ("InProgress", "Waiting"):
                t.begin(step)
            else:
                raise InvalidAutomationSignalException(
                    f"StartStep fits an Interactive execution waiting between steps, or a "
                    f"failed execution at its failed step; execution {ex.id} is {ex.status} "
                    f"and step {name} is {step.status}")
        elif signal == "StopStep":
            step_id = _one(payload, "StepExecutionId", signal)
            stopped = t.step(step_id)
            if stopped is None:
                raise AutomationStepNotFoundException(
                    f"Step execution {step_id} does not exist in automation execution {ex.id}")
            if stopped.status not in ("InProgress", "Waiting") or ex.status in TERMINAL:
                raise InvalidAutomationSignalException(
                    f"Step {stopped.name} is {stopped.status}: only a running or waiting step "
                    "can be stopped")
            t.complete(stopped, "Cancelled", failure=Failure(
                "Invocation", "Action", f"Stopped by {principal or 'a StopStep signal'}"))
        else:
            raise InvalidAutomationSignalException(
                f"The signal {signal} does not apply to automation executions in Tocsin")
        await t.commit()

    def _decide(self, t: Transition, signal: str, payload: Mapping[str, list[str]],
                principal: str) -> None:
        step = next((s for s in t.steps if s.status == "Waiting"
                     and s.action == "aws:approve"), None)
        if step is None:
            raise InvalidAutomationSignalException(
                f"Automation execution {t.ex.id} is not waiting for an approval")
        approvers: list[str] = list(step.state.get("approvers") or [])
        if not _may_approve(principal, approvers):
            raise InvalidAutomationSignalException(
                f"{principal or 'The caller'} is not one of the approvers of step {step.name}")
        decision = "Approved" if signal == "Approve" else "Rejected"
        earlier = next((d for d in step.decisions if d.get("Approver") == principal), None)
        if earlier is not None:
            if earlier.get("Decision") == decision:
                return  # the same decision again: signals are idempotent
            raise InvalidAutomationSignalException(
                f"{principal} already decided {earlier.get('Decision')} on step {step.name}")
        comment = " ".join(payload.get("Comment") or [])
        step.decisions = [*step.decisions, {"Approver": principal, "Decision": decision,
                                            "Comment": comment,
                                            "DecisionTime": t.now.isoformat()}]
        t.touch(step)
        outputs = {"ApproverDecisions": step.decisions}
        if decision == "Rejected":
            t.complete(step, "Failed", outputs={**outputs, "ApprovalStatus": "Rejected"},
                       failure=Failure("Invocation", "Action",
                                       f"Rejected by {principal}"
                                       + (f": {comment}" if comment else "")))
            return
        approvals = sum(1 for d in step.decisions if d["Decision"] == "Approved")
        if approvals >= int(step.state.get("min", 1)):
            t.complete(step, "Success", outputs={**outputs, "ApprovalStatus": "Approved"})
        else:
            step.outputs = {**outputs, "ApprovalStatus": "Waiting"}

    async def stop(self, conn: asyncpg.Connection, execution_id: str, kind: str,
                   principal: str) -> None:
        """``StopAutomationExecution``: the running steps and child executions end
        ``Cancelled``. With ``Type=Cancel``, when the current step names an ``onCancel``
        step, the execution is ``Cancelling`` while that step (and what follows it) runs,
        for at most two minutes, then ``Cancelled``; ``Type=Complete``, or a second stop,
        ends it at once.

        Raises:
            InvalidAutomationStatusUpdateException: it has ended already.
        """
        t = await self.transition(conn, execution_id)
        if t.ex.status in TERMINAL:
            raise InvalidAutomationStatusUpdateException(
                f"Automation execution {execution_id} has already ended ({t.ex.status})")
        by = f"Cancelled by {principal or 'StopAutomationExecution'}"
        target = self._on_cancel(t) if kind != "Complete" and t.ex.status != "Cancelling" \
            else None
        if target is None:
            await self._cancel(t, by)
        else:
            await self._cancel_running(t, by)
            t.ex.status, t.ex.failure_message = "Cancelling", by
            t.begin(target)
            t.timer(CANCEL_DEADLINE, target, t.now + ON_CANCEL_LIMIT, target.attempt)
        await t.commit()

    @staticmethod
    def _on_cancel(t: Transition) -> Step | None:
        """The step the current step's ``onCancel: step:<name>`` names, if it may run."""
        current = next((s for s in t.steps if s.parent_id is None
                        and s.status in ("InProgress", "Waiting")), None)
        if current is None:
            return None
        strategy = str(t.spec(current).get("onCancel") or "Abort")
        if not strategy.startswith("step:"):
            return None
        try:
            target = t.top_step(strategy[5:])
        except AutomationStepNotFoundException:
            return None
        return None if target.action in NO_ON_CANCEL_TARGET else target

    async def _cancel_running(self, t: Transition, message: str) -> None:
        for step in t.steps:
            if step.status in ("InProgress", "Waiting"):
                step.status, step.end_time, step.claimed_by = "Cancelled", t.now, None
                step.failure_message = message
                t.touch(step)
                t.event(StepCompleted(
                    execution_id=t.ex.id, step_execution_id=step.id, step_name=step.name,
                    action=step.action, status="Cancelled",
                    failure_message=step.failure_message, incident_arn=t.ex.incident_arn))
        for child_id in await ExecutionStore.children(t.conn, t.ex.id):
            child = await self.transition(t.conn, child_id)
            await self._cancel(child, message)
            t.children.append(child)

    async def _cancel(self, t: Transition, message: str) -> None:
        await self._cancel_running(t, message)
        t.end("Cancelled", message)


def _one(payload: Mapping[str, list[str]], key: str, signal: str) -> str:
    values = payload.get(key) or []
    if len(values) != 1:
        raise InvalidAutomationSignalException(
            f"A {signal} signal needs the Payload {{\"{key}\": [\"...\"]}} with one value")
    return values[0]


def _may_approve(principal: str, approvers: list[str]) -> bool:
    """Whether ``principal`` is one of the approvers: its ARN, or its user or role name
    (the last part of its ARN), as AWS accepts either; or a contact whose alias is that
    name (see :mod:`.approvals`)."""
    if not principal:
        return False
    name = principal.rsplit("/", 1)[-1]
    return any(a in (principal, name) or (is_contact(a) and a.rsplit("/", 1)[-1] == name)
               for a in approvers)


_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?")


def parse_duration(text: str) -> timedelta:
    """An ISO-8601 duration of weeks, days, hours, minutes and seconds (``PT10M``,
    ``P1DT2H``); years and months have no fixed length and are refused.

    Raises:
        ValueError: anything else.
    """
    match = _DURATION.fullmatch(text.strip())
    if match is None or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        raise ValueError(text)
    parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
    return timedelta(**parts)


def _sleep_until(inputs: Mapping[str, Any], now: datetime) -> datetime:
    if "Timestamp" in inputs:
        try:
            moment = datetime.fromisoformat(str(inputs["Timestamp"]))
        except ValueError:
            raise ActionFailed("InputValidation", "Action",
                               f"Timestamp {inputs['Timestamp']!r} is not an ISO-8601 time"
                               ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=now.tzinfo)
        return min(moment, now + timedelta(seconds=MAX_SLEEP))
    try:
        duration = parse_duration(str(inputs.get("Duration", "")))
    except ValueError:
        raise ActionFailed("InputValidation", "Action",
                           f"Duration {inputs.get('Duration')!r} is not an ISO-8601 duration "
                           "such as PT10M") from None
    if duration.total_seconds() > MAX_SLEEP:
        raise ActionFailed("InputValidation", "Action",
                           f"Duration may be at most {MAX_SLEEP} seconds (7 days)")
    return now + duration
