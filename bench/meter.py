"""Measuring a load on a shared machine: CPU time per operation in each process, and
PostgreSQL's write transactions per operation (``bench/README.md``, "Judging a change on
a shared machine")."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

import asyncpg
import psutil

__all__ = ["CpuMeter", "write_transactions"]


def _seconds(pid: int, *, tree: bool) -> float:
    total = 0.0
    try:
        root = psutil.Process(pid)
        for proc in (root, *(root.children(recursive=True) if tree else ())):
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
    except psutil.NoSuchProcess:
        pass
    return total


class CpuMeter:
    """CPU seconds each named group of processes used between :meth:`start` and
    :meth:`per`; the groups named in ``trees`` with their children (PostgreSQL's
    backends)."""

    def __init__(self, pids: Mapping[str, list[int]], *, trees: tuple[str, ...] = ()) -> None:
        self._pids = dict(pids)
        self._trees = trees
        self._at: dict[str, float] = {}
        self._began = 0.0
        self._idle: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        return {name: sum(_seconds(pid, tree=name in self._trees) for pid in pids)
                for name, pids in self._pids.items()}

    async def idle(self, seconds: float = 3.0) -> None:
        """Measure what each group uses doing nothing (its polls and timers), so that
        :meth:`per` counts only the load's work however long the load takes."""
        before, began = self._now(), time.monotonic()
        await asyncio.sleep(seconds)
        after, took = self._now(), time.monotonic() - began
        self._idle = {name: (after[name] - before[name]) / took for name in after}

    def start(self) -> None:
        self._at, self._began = self._now(), time.monotonic()

    def per(self, count: int) -> dict[str, float]:
        """Microseconds per operation in each group since :meth:`start`, less what it
        would have used idle over that time (when :meth:`idle` measured it)."""
        now, took = self._now(), time.monotonic() - self._began
        return {name: max(0.0, now[name] - self._at[name] - self._idle.get(name, 0.0) * took)
                / count * 1e6 for name in now}


async def write_transactions(db_url: str) -> int:
    """Transaction ids PostgreSQL has handed out so far: one per transaction that wrote
    (each of which flushes the WAL when it commits). Divided by a load's count, a figure
    the machine's other work does not move, which says whether grouping (group commit)
    happened."""
    conn = await asyncpg.connect(db_url)
    try:
        return int(await conn.fetchval(
            "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"))
    finally:
        await conn.close()
