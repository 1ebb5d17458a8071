"""Tocsin's processes as the benchmarks start and stop them: each its own ``python -m``."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import grpc
import psutil

from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc

__all__ = ["cpu_seconds", "spawn", "stop", "wait_ready"]


async def spawn(args: list[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """Start ``python <args>`` with ``env`` over this environment, output to ``log``."""
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, *args, env={**os.environ, **env}, stdin=asyncio.subprocess.DEVNULL,
            stdout=out, stderr=asyncio.subprocess.STDOUT)


async def stop(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM, then SIGKILL if it has not exited within 20 s."""
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()


def cpu_seconds(proc: asyncio.subprocess.Process) -> float:
    """User plus system CPU time the process has used so far: what one operation costs
    there, over a counted load, whatever else shares the machine."""
    times = psutil.Process(proc.pid).cpu_times()
    return float(times.user + times.system)


async def wait_ready(channel: grpc.aio.Channel, deadline: float) -> None:
    """Until the gateway behind ``channel`` answers a gRPC call (``deadline``: monotonic)."""
    stub = pb_grpc.IncidentsStub(channel)
    while True:
        try:
            await stub.ListReplicationSets(pb.ListReplicationSetsRequest(), timeout=1)
            return
        except grpc.aio.AioRpcError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
