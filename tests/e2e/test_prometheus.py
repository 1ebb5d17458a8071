"""Tocsin's metrics as an operator's Prometheus sees them.

The example configuration and alert rules in ``deploy/prometheus`` pass Debian's
``promtool`` (syntax, and the rules' own unit tests); a real Prometheus (``/usr/bin/
prometheus``, on loopback, its data in a temporary folder, scraping every second) scrapes
two running services, each its own process with its own ``TOCSIN_METRICS_ADDR``, and a
query returns exactly the requests each answered.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tocsin.local.servers import free_port
from tocsin.shared.bus import Bus, rpc_subject
from tocsin.shared.errors import ServiceUnavailable
from tocsin.shared.testing import wait_for

DEPLOY = Path(__file__).parents[2] / "deploy" / "prometheus"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"

pytestmark = pytest.mark.skipif(not os.access(PROMETHEUS, os.X_OK),
                                reason="Prometheus is not installed (apt-get install prometheus)")


def promtool(*args: str) -> str:
    done = subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60,
                          cwd=DEPLOY)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


class TestExampleConfiguration:
    def test_the_scrape_configuration_is_valid(self) -> None:
        assert "SUCCESS" in promtool("check", "config", "prometheus.yml")

    def test_the_alert_rules_are_valid(self) -> None:
        out = promtool("check", "rules", "tocsin-rules.yml")
        assert "SUCCESS: 10 rules found" in out

    def test_the_alert_rules_fire_on_their_symptoms(self) -> None:
        """Outbox backlog growing, consumer lag, timers late, dead letters, mirror
        inactive: each fires on its symptom, and a steady backlog does not."""
        assert "SUCCESS" in promtool("test", "rules", "tocsin-rules.test.yml")

    def test_the_rules_name_only_metrics_tocsin_exports(self) -> None:
        """A renamed metric would leave its alert silent forever: every ``tocsin_`` name in
        the rules is one :mod:`tocsin.shared.metrics` defines."""
        import re

        from prometheus_client import REGISTRY

        from tocsin.shared import metrics  # noqa: F401 - registers them

        exported = {sample.name for family in REGISTRY.collect()
                    for sample in family.samples} | {
            f"{family.name}_bucket" for family in REGISTRY.collect()}
        exported |= {family.name for family in REGISTRY.collect()}
        named = set(re.findall(r"\btocsin_[a-z_]+",
                               (DEPLOY / "tocsin-rules.yml").read_text()))
        assert named and named <= exported | {f"{n}_total" for n in exported}, \
            named - exported


class Service:
    def __init__(self, name: str, process: subprocess.Popen[bytes], metrics: str,
                 log: Path) -> None:
        self.name = name
        self.process = process
        self.metrics = metrics
        self.log = log


@pytest.fixture
def services(nats_url: str, database_url: str, isolation: dict[str, str],
             tmp_path: Path) -> Iterator[dict[str, Service]]:
    """The incidents and contacts services, each its own process serving its metrics."""
    region = isolation["region"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
    env.update(TOCSIN_NATS_URL=nats_url, TOCSIN_DATABASE_URL=database_url,
               TOCSIN_REGION=region, TOCSIN_SCHEMA_PREFIX=isolation["schema_prefix"],
               TOCSIN_ALARMS_FILTER=f"alarms.{region}.>",
               TOCSIN_CHANGES_FILTER=f"changes.{region}.>", TOCSIN_LOG_JSON="true")
    running: dict[str, Service] = {}
    try:
        for name in ("incidents", "contacts"):
            metrics = f"127.0.0.1:{free_port()}"
            log = tmp_path / f"{name}.log"
            with log.open("wb") as sink:
                process = subprocess.Popen(
                    [sys.executable, "-m", f"tocsin.{name}"],
                    env={**env, "TOCSIN_METRICS_ADDR": metrics}, stdin=subprocess.DEVNULL,
                    stdout=sink, stderr=subprocess.STDOUT)
            running[name] = Service(name, process, metrics, log)
        yield running
    finally:
        for service in running.values():
            service.process.terminate()
        for service in running.values():
            try:
                assert service.process.wait(30) == 0, service.log.read_text()[-3000:]
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait()


@pytest.fixture
def prometheus(services: dict[str, Service], tmp_path: Path) -> Iterator[str]:
    """A real Prometheus scraping both services every second; its HTTP API's base URL."""
    port = free_port()
    config = tmp_path / "prometheus.yml"
    targets = ", ".join(f'"{s.metrics}"' for s in services.values())
    config.write_text(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: tocsin
    static_configs:
      - targets: [{targets}]
""")
    log = tmp_path / "prometheus.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def answered(bus: Bus, service: str, operation: str, body: dict[str, Any]) -> bool:
    try:
        await bus.request(rpc_subject(service, operation), body, timeout=5)
    except ServiceUnavailable:  # not serving yet
        return False
    return True


async def query(session: aiohttp.ClientSession, base: str, expr: str) -> list[dict[str, Any]]:
    async with session.get(f"{base}/api/v1/query", params={"query": expr}) as response:
        if response.status != 200:
            return []
        body = await response.json()
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


async def test_a_real_prometheus_scrapes_two_services(
        services: dict[str, Service], prometheus: str, bus: Bus) -> None:
    """Each service answers its requests; Prometheus's count of them per service and
    operation is exactly what was asked, and both targets are up."""
    calls = {("incidents", "ListReplicationSets"): 5, ("contacts", "ListContacts"): 7}
    for (service, operation), count in calls.items():
        # The first answered request counts too: it is the one that says the service runs.
        async def first(service: str = service, operation: str = operation) -> bool:
            return await answered(bus, service, operation, {})
        await wait_for(first, timeout=60, interval=0.2)
        for _ in range(count - 1):
            await bus.request(rpc_subject(service, operation), {}, timeout=5)
    want = {key: float(count) for key, count in calls.items()}
    seen: dict[tuple[str, str], float] = {}
    async with aiohttp.ClientSession() as session:
        async def counted() -> bool:
            rows = await query(session, prometheus,
                               'sum by (service, operation) '
                               '(tocsin_rpc_requests_total{outcome="ok"})')
            seen.clear()
            seen.update({(r["metric"]["service"], r["metric"]["operation"]): float(r["value"][1])
                         for r in rows})
            return all(seen.get(key) == value for key, value in want.items())

        try:
            await wait_for(counted, timeout=60, interval=0.5)
        except AssertionError:
            raise AssertionError(f"Prometheus counted {seen}, not {want}") from None
        up = await query(session, prometheus, 'up{job="tocsin"}')
        assert sorted(r["metric"]["instance"] for r in up) == sorted(
            s.metrics for s in services.values())
        assert all(r["value"][1] == "1" for r in up)
        latency = await query(session, prometheus,
                              'sum by (service) (tocsin_rpc_request_seconds_count)')
        assert {r["metric"]["service"]: float(r["value"][1]) for r in latency} \
            == {"incidents": 5.0, "contacts": 7.0}
