"""The escalation service's timers: firing rate and lateness, beside raw PostgreSQL.

The escalation service runs as its own process (``python -m tocsin.escalation``, exactly
as ``make run`` starts it, with its outbox relay) on a region of its own, so no other
service acts on what it publishes. Timers are written straight into its schema, as its
events consumer would write them, and every figure is read back from the ``timer`` table:
a timer's lateness is its ``finished_at`` (the plan time its firing transaction used) minus
its ``due_at``.

- Raw baseline: the same ``FOR UPDATE SKIP LOCKED`` claim statement, batch for batch, on a
  copy of the table, without writing anything else: the most PostgreSQL gives here.
- Firing rate: 10,000 timers due at one instant; fired per second from that instant until
  the last is fired (each firing also writes its ``StageDue`` to the outbox), and the rate
  at which the relay then has them all on JetStream.
- Lateness: 100,000 pending timers due over the next 30 seconds; p50 / p99 / max.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.processes import cpu_seconds, spawn, stop

BURST = 10_000
PENDING = 100_000
SPREAD = 30.0
"""Seconds over which the PENDING timers fall due."""
BATCH = 1000
"""Timers per claim: the escalation service's default ``TOCSIN_TIMER_BATCH``."""

Line = Callable[[str, float, str, dict[str, Any]], None]


async def _insert(conn: asyncpg.Connection, schema: str, due: list[datetime],
                  table: str = "timer") -> None:
    """Pending START_ENGAGEMENT_STAGE timers with the given due times, 10,000 a statement."""
    now = datetime.now(UTC)
    for i in range(0, len(due), 10_000):
        chunk = due[i:i + 10_000]
        ids = [f"arn:tocsin:ssm-contacts:bench:000000000000:engagement/bench/{uuid.uuid4()}#1"
               for _ in chunk]
        await conn.execute(
            f"INSERT INTO {schema}.{table} (id, kind, engagement_arn, stage_index, due_at,"
            " created_at) SELECT id, 'START_ENGAGEMENT_STAGE', split_part(id, '#', 1), 1,"
            " due, $3 FROM unnest($1::text[], $2::timestamptz[]) AS t(id, due)",
            ids, chunk, now)


async def _wait(conn: asyncpg.Connection, query: str, target: int, *, timeout: float) -> None:
    """Until ``query`` returns at least ``target`` (bounded)."""
    deadline = time.monotonic() + timeout
    while await conn.fetchval(query) < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{query} did not reach {target} in {timeout} s")
        await asyncio.sleep(0.05)


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


async def raw_claim_rate(conn: asyncpg.Connection, schema: str) -> float:
    """Claims per second of the bare SKIP LOCKED statement over BURST due rows."""
    await conn.execute(f"CREATE TABLE {schema}.raw_timer (LIKE {schema}.timer INCLUDING ALL)")
    await _insert(conn, schema, [datetime.now(UTC)] * BURST, table="raw_timer")
    started = time.perf_counter()
    claimed = 0
    while claimed < BURST:
        async with conn.transaction():
            rows = await conn.fetch(
                f"WITH due AS (SELECT id FROM {schema}.raw_timer WHERE state = 'pending'"
                "  AND due_at <= now() ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)"
                f" UPDATE {schema}.raw_timer t SET state = 'fired', finished_at = now()"
                " FROM due WHERE t.id = due.id RETURNING t.id", BATCH)
        claimed += len(rows)
    rate = BURST / (time.perf_counter() - started)
    await conn.execute(f"DROP TABLE {schema}.raw_timer")
    return rate


async def timers_bench(env: dict[str, str], work: Path, results: dict[str, Any],
                       line: Line) -> None:
    """Run the escalation service and measure its timers (about a minute)."""
    tag = uuid.uuid4().hex[:8]
    prefix = f"benchtimers{tag}_"
    schema = f"{prefix}escalation"
    env = {**env, "TOCSIN_REGION": f"benchtimers{tag}", "TOCSIN_SCHEMA_PREFIX": prefix}
    proc = await spawn(["-m", "tocsin.escalation"], env, work / "escalation.log")
    conn = await asyncpg.connect(env["TOCSIN_DATABASE_URL"])
    try:
        await _wait(conn, "SELECT count(*) FROM pg_tables WHERE schemaname = "
                    f"'{schema}' AND tablename = 'engagement'", 1, timeout=60)
        await asyncio.sleep(1)  # the worker is listening by now

        raw = await raw_claim_rate(conn, schema)
        line("timers_raw_skip_locked_claim_rate", raw, "timers/s", results)

        at = datetime.now(UTC) + timedelta(seconds=2)
        cpu = cpu_seconds(proc)
        await _insert(conn, schema, [at] * BURST)
        await conn.execute("SELECT pg_notify('tocsin_escalation_timer', $1)", schema)
        fired = f"SELECT count(*) FROM {schema}.timer WHERE state = 'fired'"
        await _wait(conn, fired, BURST, timeout=60)
        last = await conn.fetchval(f"SELECT max(finished_at) FROM {schema}.timer")
        span = max((last - at).total_seconds(), 1e-3)
        line("timers_burst_10k_fire_rate", BURST / span, "timers/s", results)
        line("timers_burst_vs_raw", 100 * BURST / span / raw, "%", results)
        await _wait(conn, f"SELECT count(*) = 0 FROM {schema}.outbox", 1, timeout=120)
        published = (datetime.now(UTC) - at).total_seconds()
        line("timers_burst_10k_published_rate", BURST / published, "events/s", results)
        line("cpu_per_timer_escalation", (cpu_seconds(proc) - cpu) / BURST * 1e6, "us",
             results)
        await conn.execute(f"DELETE FROM {schema}.timer")

        start = datetime.now(UTC) + timedelta(seconds=3)
        due = [start + timedelta(seconds=SPREAD * i / PENDING) for i in range(PENDING)]
        await _insert(conn, schema, due)
        await conn.execute("SELECT pg_notify('tocsin_escalation_timer', $1)", schema)
        await _wait(conn, fired, PENDING, timeout=SPREAD + 60)
        late = sorted(float(r["ms"]) for r in await conn.fetch(
            "SELECT extract(epoch FROM finished_at - due_at) * 1000 AS ms"
            f" FROM {schema}.timer WHERE state = 'fired'"))
        early = sum(1 for ms in late if ms < 0)
        line("timers_100k_lateness_p50", _pct(late, 0.50), "ms", results)
        line("timers_100k_lateness_p99", _pct(late, 0.99), "ms", results)
        line("timers_100k_lateness_max", late[-1], "ms", results)
        line("timers_100k_fired_early", early, "count", results)
    finally:
        await conn.close()
        await stop(proc)
