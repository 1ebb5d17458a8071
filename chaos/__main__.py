"""``python -m chaos`` (``make chaos``): one chaos run; prints its figures and exits 1 when a
promise broke. Bounded: start-up, ``TOCSIN_CHAOS_LOAD_SECONDS`` of load under faults, at
most ``TOCSIN_CHAOS_SETTLE_SECONDS`` for the flows to finish, then the audit (about
ten minutes with the defaults).

Settings (environment):

- ``TOCSIN_CHAOS_SEED``: the random seed (printed; the same seed makes the same choices:
  which flows are acknowledged and when, which process is killed when);
- ``TOCSIN_CHAOS_FLOWS`` (1000), ``TOCSIN_CHAOS_LOAD_SECONDS`` (300),
  ``TOCSIN_CHAOS_SETTLE_SECONDS`` (240), ``TOCSIN_CHAOS_INSTANCES`` (2 of each service),
  ``TOCSIN_CHAOS_CLOCK_SCALE`` (60: a plan minute lasts a second),
  ``TOCSIN_CHAOS_KILL_EVERY`` (``1-3`` seconds);
- ``TOCSIN_CHAOS_KEEP``: keep the work folder (logs, data) even when the run passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chaos.audit import Report, audit, timers_settled
from chaos.flows import RUNBOOK_STEPS, STAGE_MINUTES, Load
from chaos.system import KINDS, Faults, System

__all__ = ["Settings", "run"]


@dataclass(frozen=True)
class Settings:
    seed: int
    flows: int = 1000
    load_seconds: float = 300.0
    settle_seconds: float = 240.0
    instances: int = 2
    clock_scale: float = 60.0
    kill_every: tuple[float, float] = (1.0, 3.0)
    keep: bool = False

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)

        def get(name: str) -> str:
            return env.get(f"TOCSIN_CHAOS_{name}", "").strip()

        low, _, high = (get("KILL_EVERY") or "1-3").partition("-")
        return cls(seed=int(get("SEED") or random.SystemRandom().getrandbits(31)),
                   flows=int(get("FLOWS") or 1000),
                   load_seconds=float(get("LOAD_SECONDS") or 300),
                   settle_seconds=float(get("SETTLE_SECONDS") or 240),
                   instances=int(get("INSTANCES") or 2),
                   clock_scale=float(get("CLOCK_SCALE") or 60),
                   kill_every=(float(low), float(high or low)),
                   keep=get("KEEP") not in ("", "0", "false"))


async def run(settings: Settings, *,
              say: Callable[[str], None] = print) -> tuple[Report, Path]:
    """One chaos run; its report and work folder."""
    rng = random.Random(settings.seed)
    work = Path(tempfile.mkdtemp(prefix="tocsin-chaos-"))
    report = Report()
    report.figure("seed", settings.seed)
    report.figure("flows", settings.flows)
    say(f"chaos: seed {settings.seed} (TOCSIN_CHAOS_SEED={settings.seed} reproduces its "
        f"choices), {settings.flows} flows over {settings.load_seconds:.0f}s, work in {work}")
    began = time.monotonic()
    system = System(work, instances=settings.instances, clock_scale=settings.clock_scale)
    try:
        await system.start()
        report.figure("start_seconds", round(time.monotonic() - began, 1))
        load = Load(system, rng, flows=settings.flows, clock_scale=settings.clock_scale)
        await load.setup()
        faults = Faults(system, random.Random(rng.getrandbits(64)), settings.kill_every)
        calm = asyncio.Event()
        # NATS restarts a third of the way through the alarms, PostgreSQL two thirds.
        milestones = {1 / 3: asyncio.Event(), 2 / 3: asyncio.Event()}
        restarts: dict[str, float] = {}

        def on_progress(fraction: float) -> None:
            for at, reached in milestones.items():
                if fraction >= at:
                    reached.set()

        async def restart_servers() -> None:
            for at, name, restart in ((1 / 3, "nats", system.restart_nats),
                                      (2 / 3, "postgres", system.restart_postgres)):
                await milestones[at].wait()
                restarts[name] = await restart()
                say(f"chaos: {name} restarted ({restarts[name]:.1f}s down)")

        async def watch() -> None:
            while True:
                load.watch()
                await asyncio.sleep(0.1)

        killing = asyncio.create_task(faults.run(calm))
        servers = asyncio.create_task(restart_servers())
        watcher = asyncio.create_task(watch())
        loaded = time.monotonic()
        try:
            await load.publish_all(settings.load_seconds, on_progress)
            on_progress(1.0)
            await servers
            # Faults go on while the last flows escalate, then stop.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(calm.wait(),
                                       STAGE_MINUTES * 60 / settings.clock_scale + 2)
            calm.set()
            await killing
            await system.healthy()  # the last process killed is back
            report.figure("load_seconds", round(time.monotonic() - loaded, 1))
            settled = await _settle(system, load, settings.settle_seconds)
            report.figure("settle_seconds", round(settled, 1))
            await load.drain()
        finally:
            calm.set()
            watcher.cancel()
            for task in (killing, servers, watcher):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        report.figure("kills", sum(faults.kills.values()))
        for kind in KINDS:
            report.figure(f"kills_{kind}", faults.kills[kind])
        never = [k for k in KINDS if not faults.kills[k]]
        if never:
            report.failures.append(f"never killed: {', '.join(never)}")
        report.figure("nats_restart_down_seconds", round(restarts.get("nats", -1), 1))
        report.figure("postgres_restart_down_seconds", round(restarts.get("postgres", -1), 1))
        await audit(system, load, report)
    finally:
        await system.stop()
    report.figure("service_error_lines", _error_lines(system.log))
    report.figure("total_seconds", round(time.monotonic() - began, 1))
    return report, work


async def _settle(system: System, load: Load, timeout: float) -> float:
    """Wait until every flow reached its end (its page mailed, acknowledged or escalated
    by SMS, its runbook's steps called) and every timer fell due or was cancelled, or for
    ``timeout`` seconds; the seconds waited."""
    started = time.monotonic()
    runbooks = sum(1 for f in load.flows if f.runbook)

    escalating = sum(1 for f in load.flows if not f.acknowledge)

    def flows_done() -> bool:
        for flow in load.flows:
            if not flow.incident:
                return False
            if flow.acknowledge and not (flow.acked or flow.ack_error):
                return False
        # An SMS page is the second stage of a flow left to escalate.
        texts = {s.id for s in system.receiver.sms if "activation code" not in s.text}
        if len(texts) < escalating:
            return False
        steps: Counter[str] = Counter(k.rpartition("/")[0] for k in set(system.receiver.hooks))
        return sum(1 for n in steps.values() if n == len(RUNBOOK_STEPS)) >= runbooks

    while time.monotonic() - started < timeout:
        if flows_done() and await timers_settled(system):
            break
        await asyncio.sleep(2)
    return time.monotonic() - started


def _error_lines(log: Path) -> int:
    count = 0
    with contextlib.suppress(OSError), log.open(errors="replace") as lines:
        for line in lines:
            _, _, body = line.partition(" | ")
            with contextlib.suppress(ValueError):
                if json.loads(body).get("level") in ("error", "critical"):
                    count += 1
    return count


def main() -> None:
    settings = Settings.from_env()
    report, work = asyncio.run(run(settings))
    for line in report.lines():
        print(line, flush=True)
    if report.failures:
        print("chaos: FAILED: " + "; ".join(report.failures), flush=True)
        print(f"chaos: logs and data kept in {work}", flush=True)
        sys.exit(1)
    print(f"chaos: passed (seed {settings.seed})", flush=True)
    if settings.keep:
        print(f"chaos: logs and data kept in {work}", flush=True)
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
