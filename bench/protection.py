"""StartIncident with the bus protected beside the same without: ``python -m bench.protection``
(also the last part of ``python -m bench``).

Two NATS servers of this machine, one open and one as ``make run`` starts it (each service
its own identity, the permissions of :mod:`tocsin.shared.bus.identities`, principals signed
by the gateway and verified by the services), and one throwaway PostgreSQL with a database
for each. The incidents and contacts services and the gateway run against each in turn, as
their own processes, both at once; StartIncident is measured over gRPC with 1 and 16
callers, the two stacks taking turns. Goal: the
protected figures within 10 % of the open ones. Bounded: ``rounds`` turns of each.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import grpc

from bench.processes import spawn, stop
from tocsin.gateway.grpcsign import SigV4Signer
from tocsin.local import identities
from tocsin.local.servers import free_port, nats_server, postgres_server
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc

REGION = "bench"
SERVICES = ("incidents", "contacts", "gateway")
Line = Callable[[str, float, str], None]


async def _load(stub: pb_grpc.IncidentsStub, plan_arn: str, *, callers: int, seconds: float,
                warmup: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    loop = asyncio.get_running_loop()
    measure_from = loop.time() + warmup
    until = measure_from + seconds

    async def caller() -> None:
        nonlocal errors
        while (now := loop.time()) < until:
            started = time.perf_counter()
            try:
                await stub.StartIncident(pb.StartIncidentRequest(
                    response_plan_arn=plan_arn, title="bench", client_token=str(uuid.uuid4())))
            except grpc.aio.AioRpcError:
                errors += 1
                continue
            if now >= measure_from:
                latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(caller() for _ in range(callers)))
    latencies.sort()
    n = len(latencies)
    return {"rps": n / seconds, "errors": errors, "latencies": latencies}  # type: ignore[dict-item]


class _Stack:
    """The incidents and contacts services and the gateway on one NATS, with a plan."""

    def __init__(self, name: str, env: dict[str, str], extra: Callable[[str], dict[str, str]],
                 work: Path) -> None:
        self.name, self.env, self.extra, self.work = name, env, extra, work
        self.port = free_port()
        self.procs: list[asyncio.subprocess.Process] = []
        self.latencies: dict[int, list[float]] = {1: [], 16: []}
        self.errors: dict[int, int] = {1: 0, 16: 0}
        self.measured: dict[int, float] = {1: 0.0, 16: 0.0}

    async def start(self) -> None:
        env = {**self.env, "TOCSIN_GRPC_ADDR": f"127.0.0.1:{self.port}",
               "TOCSIN_HTTP_ADDR": f"127.0.0.1:{free_port()}"}
        self.procs = [await spawn(["-m", f"tocsin.{service}"], {**env, **self.extra(service)},
                                  self.work / f"{self.name}-{service}.log")
                      for service in SERVICES]
        # Every gRPC call is signed (the access issue), as the main bench's are.
        self.channel = grpc.aio.insecure_channel(
            f"127.0.0.1:{self.port}",
            interceptors=SigV4Signer("BENCH", "bench-secret", region=REGION).interceptors())
        self.stub = pb_grpc.IncidentsStub(self.channel)
        deadline = time.monotonic() + 60
        while True:
            try:
                await self.stub.ListReplicationSets(pb.ListReplicationSetsRequest(), timeout=1)
                break
            except grpc.aio.AioRpcError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
        await self.stub.CreateReplicationSet(pb.CreateReplicationSetRequest(
            regions={REGION: pb.RegionMapInputValue()}))
        plan = await self.stub.CreateResponsePlan(pb.CreateResponsePlanRequest(
            name="bench", incident_template=pb.IncidentTemplate(title="Bench", impact=3)))
        self.plan = plan.arn

    async def measure(self, callers: int, seconds: float, warmup: float) -> None:
        r = await _load(self.stub, self.plan, callers=callers, seconds=seconds, warmup=warmup)
        self.latencies[callers] += r.pop("latencies")  # type: ignore[arg-type]
        self.errors[callers] += int(r["errors"])
        self.measured[callers] += seconds

    def figures(self, callers: int) -> dict[str, float]:
        ms = sorted(self.latencies[callers])
        n = len(ms)
        return {"rps": n / max(self.measured[callers], 1e-9),
                "p50": ms[n // 2] if n else 0.0,
                "p99": ms[min(n - 1, int(n * 0.99))] if n else 0.0,
                "errors": self.errors[callers]}

    async def stop(self) -> None:
        if self.procs:
            await self.channel.close()
        for proc in self.procs:
            await stop(proc)


async def protection_bench(line: Line, *, seconds: float = 3.0, warmup: float = 1.0,
                           rounds: int = 3) -> None:
    """Print StartIncident's figures open, protected, and the ratio."""
    work = Path(tempfile.mkdtemp(prefix="tocsin-bench-protection-"))
    ids = identities.prepare(identities.private_folder(work / "data"))
    conf = ids.folder / "nats.conf"
    identities.write_private(conf, identities.nats_config(ids, region=REGION))
    open_nats = nats_server(work / "nats-open", log=work / "nats-open.log")
    secured_nats = nats_server(work / "nats-secured", config=conf,
                               log=work / "nats-secured.log")
    pg = postgres_server(work / "pg", log=work / "pg.log")
    try:
        conn = await asyncpg.connect(pg.url)
        for database in ("open", "secured"):
            await conn.execute(f"CREATE DATABASE {database}")
        await conn.close()
        base = pg.url.rpartition("/")[0]
        common = {"TOCSIN_REGION": REGION, "TOCSIN_ACCESS_KEYS": "BENCH:bench-secret",
                  "TOCSIN_LOG_LEVEL": "warning", "TOCSIN_LOG_JSON": "true"}
        stacks = [
            _Stack("open", {**common, "TOCSIN_NATS_URL": open_nats.url,
                            "TOCSIN_DATABASE_URL": f"{base}/open"}, lambda service: {}, work),
            _Stack("secured", {**common, "TOCSIN_NATS_URL": secured_nats.url,
                               "TOCSIN_DATABASE_URL": f"{base}/secured",
                               "TOCSIN_PRINCIPAL_SIGNERS": ids.signers}, ids.env, work)]
        try:
            for stack in stacks:
                await stack.start()
            # Turns, so that whatever else this machine does weighs on both alike.
            for callers in (1, 16):
                for _ in range(rounds):
                    for stack in stacks:
                        await stack.measure(callers, seconds, warmup)
        finally:
            for stack in stacks:
                await stack.stop()
        for callers in (1, 16):
            figures = {stack.name: stack.figures(callers) for stack in stacks}
            for kind, r in figures.items():
                line(f"start_incident_nats_{kind}_c{callers}_throughput", r["rps"], "req/s")
                line(f"start_incident_nats_{kind}_c{callers}_p50", r["p50"], "ms")
                line(f"start_incident_nats_{kind}_c{callers}_p99", r["p99"], "ms")
                line(f"start_incident_nats_{kind}_c{callers}_errors", r["errors"], "count")
            slower = 100 * (1 - figures["secured"]["rps"] / max(figures["open"]["rps"], 1e-9))
            line(f"start_incident_nats_permissions_c{callers}_slower", slower, "%")
    finally:
        for server in (open_nats, secured_nats, pg):
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="measured time per turn")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3, help="turns of each stack per load")
    a = parser.parse_args()

    def show(name: str, value: float, unit: str, results: dict[str, Any] | None = None) -> None:
        print(f"{name}: {value:.3f} {unit}", flush=True)

    asyncio.run(protection_bench(show, seconds=a.seconds, warmup=a.warmup, rounds=a.rounds))
