"""aws:executeScript in its sandboxed subprocess: payload, failures, timeout and limits."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tocsin.runbooks.actions import (
    ActionContext,
    ActionDeps,
    ActionFailed,
    ActionTimedOut,
    ScriptLimits,
    run_action,
    script_user,
)
from tocsin.shared.arns import Arns
from tocsin.shared.bus import Bus

EXECUTION = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


@pytest_asyncio.fixture
async def deps(bus: Bus) -> AsyncIterator[ActionDeps]:
    async with aiohttp.ClientSession() as http:
        yield ActionDeps(bus=bus, http=http, arns=Arns(partition="tocsin", region="local-1",
                                                    account="000000000000"),
                         script_limits=ScriptLimits(memory_bytes=256 * 1024 * 1024,
                                                    output_bytes=1024))


async def run(deps: ActionDeps, script: str, *, timeout: float = 30, handler: str = "main",
              runtime: str = "python3.11", **inputs: Any) -> dict[str, Any]:
    ctx = ActionContext(execution_id=EXECUTION, step_name="Script", attempt=1,
                        principal="arn:tocsin:iam::000000000000:user/alice",
                        timeout_seconds=timeout, deps=deps)
    return await run_action("aws:executeScript", {
        "Runtime": runtime, "Handler": handler, "Script": textwrap.dedent(script), **inputs},
        ctx)


async def test_the_return_value_is_the_payload_and_the_sandbox_is_its_own(
        deps: ActionDeps, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOCSIN_DATABASE_URL", "postgresql://secret@db/prod")
    outputs = await run(deps, """
        import os, sys
        def main(events, context):
            open("scratch.txt", "w").write("mine")
            return {"sum": events["a"] + events["b"], "context": context,
                    "cwd": os.getcwd(), "files": sorted(os.listdir(".")),
                    "env": sorted(os.environ),
                    "site": [p for p in sys.path if "site-packages" in p]}
    """, InputPayload={"a": 2, "b": 3})
    payload = outputs["Payload"]
    assert payload["sum"] == 5
    assert payload["context"]["automation:EXECUTION_ID"] == EXECUTION
    assert payload["files"] == ["scratch.txt"]  # a fresh folder of its own
    assert not await asyncio.to_thread(Path(payload["cwd"]).exists)  # removed afterwards
    assert payload["env"] == ["HOME", "LANG", "PATH", "TMPDIR"]  # nothing of the service's
    assert payload["site"] == []  # the standard library only


async def test_a_script_that_raises_fails_with_its_error_traceback_and_output(
        deps: ActionDeps) -> None:
    with pytest.raises(ActionFailed) as caught:
        await run(deps, """
            def check(n):
                raise ValueError(f"no replica of {n} is healthy")
            def main(events, context):
                print("checking replicas")
                print("x" * 5000)
                check(events["db"])
        """, InputPayload={"db": "orders"})
    failure = caught.value
    assert (failure.failure_stage, failure.failure_type) == ("Invocation", "Action")
    assert failure.message == "The script failed: ValueError: no replica of orders is healthy"
    assert failure.details["ErrorType"] == ["ValueError"]
    trace = failure.details["StackTrace"][0]
    assert 'raise ValueError(f"no replica of {n} is healthy")' in trace
    assert "_script_runner" not in trace
    stdout = failure.details["Stdout"][0]
    assert stdout.startswith("checking replicas\n")
    assert "more bytes not kept" in stdout and len(stdout) < 1200  # bounded


async def test_a_script_past_its_timeout_is_killed_with_what_it_started(
        deps: ActionDeps, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()
    with pytest.raises(ActionTimedOut, match="did not finish within its timeout of 1 seconds"):
        await run(deps, f"""
            import subprocess, time
            def main(events, context):
                child = subprocess.Popen(["sleep", "60"])
                open({str(pid_file)!r}, "w").write(str(child.pid))
                time.sleep(60)
        """, timeout=1)
    assert time.monotonic() - started < 10
    child = int(pid_file.read_text())
    for _ in range(50):  # the kill is sent; reaping by init may take a moment
        if not _alive(child):
            break
        await asyncio.sleep(0.1)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


async def test_a_script_beyond_its_memory_limit_fails_saying_so(deps: ActionDeps) -> None:
    with pytest.raises(ActionFailed, match="exceeded its memory limit of 256 MB"):
        await run(deps, """
            def main(events, context):
                hoard = bytearray(1024 * 1024 * 1024)
                return len(hoard)
        """)


async def test_a_script_beyond_its_cpu_time_is_stopped(deps: ActionDeps) -> None:
    limited = dataclasses.replace(deps, script_limits=dataclasses.replace(
        deps.script_limits, cpu_seconds=1))
    with pytest.raises(ActionFailed, match="exceeded its CPU-time limit"):
        await run(limited, """
            def main(events, context):
                while True:
                    pass
        """)


@pytest.mark.parametrize(("script", "words"), [
    ("def main(e, c):\n    return 'x' * 200_000\n", "larger than the 100 KB"),
    ("def main(e, c):\n    return {1, 2}\n", "not JSON"),
    ("def other(e, c):\n    return 1\n", "defines no function main"),
    ("def main(e, c)\n", "SyntaxError"),
])
async def test_bad_results_fail_the_step(deps: ActionDeps, script: str, words: str) -> None:
    with pytest.raises(ActionFailed, match=words):
        await run(deps, script)


@pytest.mark.parametrize(("inputs", "words"), [
    ({"runtime": "PowerShell 7.4"}, "runtime 'PowerShell 7.4' is not supported"),
    ({"handler": "os.system"}, "is not the name of a function"),
    ({"InputPayload": ["a"]}, "InputPayload must be a map"),
])
async def test_what_tocsin_cannot_run_fails_at_input_validation(
        deps: ActionDeps, inputs: dict[str, Any], words: str) -> None:
    with pytest.raises(ActionFailed, match=words) as caught:
        await run(deps, "def main(e, c):\n    return 1\n", **inputs)
    assert (caught.value.failure_stage, caught.value.failure_type) == ("InputValidation",
                                                                       "Action")


async def test_the_service_environment_is_untouched(deps: ActionDeps) -> None:
    before = dict(os.environ)
    await run(deps, "import os\ndef main(e, c):\n    os.environ['X'] = '1'\n    return 1\n")
    assert dict(os.environ) == before


SERVICE = """
import asyncio, sys, uvloop
from tocsin.runbooks.actions import ActionContext, ActionDeps, run_action
from tocsin.shared.arns import Arns

SCRIPT = '''
import subprocess, time
def main(events, context):
    child = subprocess.Popen(["sleep", "120"])
    open(events["pids"], "w").write(f"{os.getpid()} {child.pid}")
    time.sleep(120)
'''

async def main() -> None:
    deps = ActionDeps(bus=None, http=None, arns=Arns(partition="tocsin", region="local-1",
                                                     account="000000000000"))
    ctx = ActionContext(execution_id="x", step_name="s", attempt=1, principal="p",
                        timeout_seconds=120, deps=deps)
    await run_action("aws:executeScript", {"Runtime": "python3.11", "Handler": "main",
                                           "Script": "import os\\n" + SCRIPT,
                                           "InputPayload": {"pids": sys.argv[1]}}, ctx)

uvloop.run(main()) if sys.argv[2] == "uvloop" else asyncio.run(main())
"""


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
async def test_a_script_dies_with_the_instance_that_ran_it(tmp_path: Path, loop: str) -> None:
    """SIGKILL of the service process (on uvloop, as services run, or asyncio's own loop)
    kills its script and what the script started: the instance that takes the step over
    never finds it still running."""
    pids = tmp_path / "pids"
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVICE, str(pids), loop)
    try:
        for _ in range(200):
            if await asyncio.to_thread(pids.exists) and pids.read_text():
                break
            await asyncio.sleep(0.05)
        script, child = (int(p) for p in pids.read_text().split())
        assert _alive(script) and _alive(child)
    finally:
        service.kill()
        await service.wait()
    try:
        for _ in range(100):
            if not _alive(script) and not _alive(child):
                break
            await asyncio.sleep(0.05)
        assert not _alive(script)
        assert not _alive(child)
    finally:  # leave nothing behind, whatever the outcome
        with contextlib.suppress(ProcessLookupError):
            os.killpg(script, signal.SIGKILL)


@pytest.mark.skipif(os.geteuid() != 0, reason="switching scripts to another user needs root")
async def test_a_script_user_reads_nothing_of_the_service_and_starts_few_threads(
        deps: ActionDeps) -> None:
    """Only modules the runner already holds are imported: the interpreter may live where
    the script user cannot read (it does on this machine)."""
    nobody = script_user("nobody")
    assert nobody is not None
    limited = dataclasses.replace(deps, script_limits=dataclasses.replace(
        deps.script_limits, user=nobody, processes=8))
    outputs = await run(limited, """
        import os, _thread
        def main(events, context):
            try:
                open(f"/proc/{os.getppid()}/environ", "rb").read()
                environ = "read"
            except PermissionError:
                environ = "denied"
            started, held = 0, _thread.allocate_lock()
            held.acquire()
            try:
                for _ in range(100):
                    _thread.start_new_thread(held.acquire, ())  # each waits till the end
                    started += 1
            except RuntimeError:  # can't start new thread
                pass
            open("mine.txt", "w").write("x")
            return {"uid": os.getuid(), "gid": os.getgid(), "environ": environ,
                    "threads": started}
    """)
    payload = outputs["Payload"]
    assert (payload["uid"], payload["gid"]) == nobody
    assert payload["environ"] == "denied"
    assert payload["threads"] < 8


async def test_a_script_that_spoils_its_result_fails_cleanly(deps: ActionDeps) -> None:
    with pytest.raises(ActionFailed, match="result could not be read"):
        await run(deps, """
            import atexit
            def spoil():
                open("../result.json", "w").write("[not json")
            atexit.register(spoil)
            def main(events, context):
                return 1
        """)
