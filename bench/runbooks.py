"""The runbooks engine: step-to-step latency, executions per second, Resume to the next step,
beside raw PostgreSQL transactions in the same run (bounded: about 30 seconds).

The runbooks service runs as its own process (``python -m tocsin.runbooks``, as ``make run``
starts it) on a region and schema of its own; the load is sent over NATS the way the gateway
sends it. Every step transition is a PostgreSQL transaction that commits with its outbox
event, relayed to JetStream and consumed by the engine, which is what these figures price.

- ``runbooks_step_to_step``: a 20-step automatic runbook (``aws:sleep PT0S`` steps, which
  the engine completes itself); the time between one step's start and the next one's, as
  the engine recorded them (``ExecutionStartTime`` of consecutive steps), p50 / p99 over
  executions run one at a time.
- ``runbooks_executions_per_second``: 100 executions of that runbook started at once; how
  many finish per second (2,000 step transitions), and the step transitions per second.
- ``runbooks_resume_to_next_step``: a manual step (``aws:pause``) then an automatic one;
  from sending ``Resume`` to the next step's ``StepStarted`` event on JetStream (committed
  and relayed), and to its ``StepCompleted`` (the engine took it and ran it).
- ``postgres_raw_transactions_per_second``: on one connection, transactions of one UPDATE
  and one INSERT, back to back: what one PostgreSQL connection does at most here.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
from nats.js.api import DeliverPolicy

from bench.processes import spawn, stop
from tocsin.shared import codec
from tocsin.shared.bus import Bus, connect, rpc_subject

Line = Callable[[str, float, str, dict[str, Any]], None]

STEPS = 20
SEQUENTIAL = 20
"""Executions run one after the other for the step-to-step latency."""
CONCURRENT = 100
RESUMES = 50
RAW_SECONDS = 5.0


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def _call(bus: Bus, operation: str, **params: Any) -> dict[str, Any]:
    reply = await bus.request(rpc_subject("runbooks", operation), params, timeout=30)
    out: dict[str, Any] = codec.decode(reply, dict[str, Any]) if reply else {}
    return out


async def _ended(bus: Bus, eid: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        ex: dict[str, Any] = (await _call(bus, "GetAutomationExecution",
                                          AutomationExecutionId=eid))["AutomationExecution"]
        if ex["AutomationExecutionStatus"] not in ("InProgress", "Waiting", "Pending"):
            return ex
        if time.monotonic() > deadline:
            raise TimeoutError(f"execution {eid} did not end: {ex['AutomationExecutionStatus']}")
        await asyncio.sleep(0.01)


async def raw_transactions(db_url: str, schema: str) -> float:
    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute(f"CREATE TABLE {schema}.raw_counter (id int PRIMARY KEY, n bigint)")
        await conn.execute(f"CREATE TABLE {schema}.raw_log (id bigserial PRIMARY KEY,"
                           " payload jsonb)")
        await conn.execute(f"INSERT INTO {schema}.raw_counter VALUES (1, 0)")
        done = 0
        until = time.perf_counter() + RAW_SECONDS
        started = time.perf_counter()
        while time.perf_counter() < until:
            async with conn.transaction():
                await conn.execute(f"UPDATE {schema}.raw_counter SET n = n + 1 WHERE id = 1")
                await conn.execute(f"INSERT INTO {schema}.raw_log (payload) VALUES ($1)",
                                   '{"step": "x"}')
            done += 1
        return done / (time.perf_counter() - started)
    finally:
        await conn.close()


async def runbooks_bench(nats_url: str, db_url: str, work: Path, results: dict[str, Any],
                         line: Line) -> None:
    tag = uuid.uuid4().hex[:8]
    region, prefix = f"rb{tag}", f"rb{tag}_"
    env = {"TOCSIN_NATS_URL": nats_url, "TOCSIN_DATABASE_URL": db_url,
           "TOCSIN_REGION": region, "TOCSIN_SCHEMA_PREFIX": prefix,
           "TOCSIN_LOG_LEVEL": "warning", "TOCSIN_LOG_JSON": "true"}
    proc = await spawn(["-m", "tocsin.runbooks"], env, work / "runbooks.log")
    try:
        async with connect([nats_url], name="tocsin-bench-runbooks") as bus:
            deadline = time.monotonic() + 60
            while True:
                try:
                    await _call(bus, "ListDocuments")
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.2)
            automatic = {"schemaVersion": "0.3", "mainSteps": [
                {"name": f"Step{i}", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}
                for i in range(STEPS)]}
            manual = {"schemaVersion": "0.3", "mainSteps": [
                {"name": "Manual", "action": "aws:pause", "inputs": {}},
                {"name": "Next", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]}
            for name, doc in (("Automatic20", automatic), ("Manual", manual)):
                await _call(bus, "CreateDocument", Name=name, Content=json.dumps(doc),
                            DocumentType="Automation")

            # Step to step, one execution at a time.
            gaps: list[float] = []
            for _ in range(SEQUENTIAL):
                eid = (await _call(bus, "StartAutomationExecution",
                                   DocumentName="Automatic20"))["AutomationExecutionId"]
                ex = await _ended(bus, eid)
                starts = [s["ExecutionStartTime"] for s in ex["StepExecutions"]]
                gaps += [(b - a) * 1000 for a, b in itertools.pairwise(starts)]
            line("runbooks_step_to_step_p50", _pct(gaps, 0.5), "ms", results)
            line("runbooks_step_to_step_p99", _pct(gaps, 0.99), "ms", results)

            # 100 executions at once, their ends read off JetStream (not polled: polling
            # 100 executions would load the service more than running them does).
            done: dict[str, str] = {}
            finished = asyncio.Event()

            async def completed(msg: Any) -> None:
                envelope = codec.decode(msg.data, codec.Envelope)
                done[str(envelope.data["executionId"])] = str(envelope.data["status"])
                if len(done) >= CONCURRENT:
                    finished.set()

            ends = await bus.js.subscribe(f"events.{region}.runbooks.ExecutionCompleted",
                                          cb=completed, ordered_consumer=True,
                                          deliver_policy=DeliverPolicy.NEW)
            try:
                started = time.perf_counter()
                eids = [r["AutomationExecutionId"] for r in await asyncio.gather(*(
                    _call(bus, "StartAutomationExecution", DocumentName="Automatic20")
                    for _ in range(CONCURRENT)))]
                await asyncio.wait_for(finished.wait(), 120)
                elapsed = time.perf_counter() - started
            finally:
                await ends.unsubscribe()
            assert all(done.get(eid) == "Success" for eid in eids), done
            line("runbooks_executions_per_second_100_concurrent", CONCURRENT / elapsed,
                 "executions/s", results)
            line("runbooks_step_transitions_per_second_100_concurrent",
                 CONCURRENT * STEPS / elapsed, "steps/s", results)

            # Resume → the next step, each moment read off JetStream as it arrives.
            started_at: dict[str, float] = {}
            completed_at: dict[str, float] = {}
            signals: dict[tuple[str, str], asyncio.Event] = {}

            def signal(kind: str, eid: str) -> asyncio.Event:
                return signals.setdefault((kind, eid), asyncio.Event())

            async def seen(msg: Any) -> None:
                envelope = codec.decode(msg.data, codec.Envelope)
                eid = str(envelope.data.get("executionId"))
                if envelope.type == "Waiting":
                    signal("Waiting", eid).set()
                elif envelope.data.get("stepName") == "Next":
                    target = started_at if envelope.type == "StepStarted" else completed_at
                    target.setdefault(eid, time.perf_counter())
                    if envelope.type == "StepCompleted":
                        signal("Completed", eid).set()

            sub = await bus.js.subscribe(f"events.{region}.runbooks.>", cb=seen,
                                         ordered_consumer=True,
                                         deliver_policy=DeliverPolicy.NEW)
            to_started: list[float] = []
            to_completed: list[float] = []
            try:
                for _ in range(RESUMES):
                    eid = (await _call(bus, "StartAutomationExecution",
                                       DocumentName="Manual"))["AutomationExecutionId"]
                    await asyncio.wait_for(signal("Waiting", eid).wait(), 10)
                    sent = time.perf_counter()
                    await _call(bus, "SendAutomationSignal", AutomationExecutionId=eid,
                                SignalType="Resume", Payload={"StepName": ["Manual"]})
                    await asyncio.wait_for(signal("Completed", eid).wait(), 10)
                    to_started.append((started_at[eid] - sent) * 1000)
                    to_completed.append((completed_at[eid] - sent) * 1000)
            finally:
                await sub.unsubscribe()
            line("runbooks_resume_to_next_step_started_p50", _pct(to_started, 0.5), "ms",
                 results)
            line("runbooks_resume_to_next_step_started_p99", _pct(to_started, 0.99), "ms",
                 results)
            line("runbooks_resume_to_next_step_completed_p50", _pct(to_completed, 0.5), "ms",
                 results)
            line("runbooks_resume_to_next_step_completed_p99", _pct(to_completed, 0.99), "ms",
                 results)
        line("postgres_raw_transactions_per_second",
             await raw_transactions(db_url, f"{prefix}runbooks"), "tx/s", results)
    finally:
        await stop(proc)


async def _main() -> None:
    """``python -m bench.runbooks``: this benchmark alone, against TOCSIN_NATS_URL and
    TOCSIN_DATABASE_URL (default: the local ones)."""
    import os
    import tempfile

    def line(name: str, value: float, unit: str, results: dict[str, Any]) -> None:
        results[name] = {"value": round(value, 3), "unit": unit}
        print(f"{name}: {value:.3f} {unit}", flush=True)

    await runbooks_bench(os.environ.get("TOCSIN_NATS_URL", "nats://127.0.0.1:4222"),
                         os.environ.get("TOCSIN_DATABASE_URL",
                                        "postgresql://127.0.0.1:5432/postgres"),
                         Path(tempfile.mkdtemp(prefix="tocsin-bench-runbooks-")), {}, line)


if __name__ == "__main__":
    asyncio.run(_main())
