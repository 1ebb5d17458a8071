"""``aws:executeScript``: a Python script in a sandboxed subprocess, never in the service.

Each attempt runs ``python -I -S`` (the service's own interpreter: standard library only,
no site-packages, no ``PYTHON*`` variables) on :mod:`._script_runner` in a fresh temporary
folder of its own, with a scrubbed environment (``PATH``, ``HOME`` and ``TMPDIR`` pointing
into that folder, ``LANG``), no standard input, in a new session so that the whole process
group is killed when the step's timeout (at most 600 s) runs out, and again when it ends
(children it left behind die with it); if the service process itself dies, even by
SIGKILL, the group is killed too (``PR_SET_PDEATHSIG``), so a step another instance takes
over never runs twice at once. The runner limits its own address space, CPU time
and file size (:class:`~tocsin.runbooks.actions.context.ScriptLimits`) before the script's
first line runs. The handler's return value, as JSON of at most 100 KB, is the ``Payload``
output; stdout and stderr are kept up to a bound and shown in ``FailureDetails`` when the
script fails. Every ``python3.x`` runtime runs on the service's Python; other runtimes
(PowerShell) and attachments are refused with ``FailureDetails`` saying so.

A service running as root should name a script user (``TOCSIN_SCRIPT_USER``, e.g.
``nobody``): the runner drops to it before the script's first line, so the script reads
neither the service's files nor its environment through ``/proc``, and its processes and
threads are bounded. Without one, a script runs as the service's user and could read what
that user can (including ``/proc/<service>/environ``). The interpreter's standard library
must then be readable by that user. Scripts may use the network, as AWS's do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import re
import signal
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import structlog

from tocsin.runbooks.actions.context import ActionContext, ActionFailed, ActionTimedOut

__all__ = ["MAX_TIMEOUT", "execute_script"]

log = structlog.get_logger(__name__)

MAX_TIMEOUT = 600.0
"""The longest an ``aws:executeScript`` step may run, as in AWS."""
RUNNER = Path(__file__).with_name("_script_runner.py")
PYTHON_RUNTIME = re.compile(r"python3(\.\d+)?")
_READ_CHUNK = 64 * 1024


async def execute_script(inputs: Mapping[str, Any], ctx: ActionContext) -> dict[str, Any]:
    """Run one attempt of an ``aws:executeScript`` step; its outputs are ``{"Payload"}``.

    Raises:
        ActionFailed: a runtime or input Tocsin cannot run, a script that raised, ran out
            of memory or CPU time, or returned something that is not JSON or too large
            (:class:`ActionTimedOut` when the step's timeout ran out).
    """
    script, handler, events = _check_inputs(inputs)
    limits = ctx.deps.script_limits
    timeout = max(0.0, min(ctx.timeout_seconds, MAX_TIMEOUT))
    request = {
        "script": script, "handler": handler, "events": events,
        "context": {"automation:EXECUTION_ID": ctx.execution_id,
                    "automation:STEP_NAME": ctx.step_name, "attempt": ctx.attempt},
        "parent": os.getpid(),
        "user": list(limits.user) if limits.user else None,
        "limits": {"memory_bytes": limits.memory_bytes, "file_bytes": limits.file_bytes,
                   "processes": limits.processes,
                   "cpu_seconds": max(1, min(limits.cpu_seconds, math.ceil(timeout) + 1))},
    }
    async with ctx.deps.script_slots:
        with tempfile.TemporaryDirectory(prefix="tocsin-script-") as root:
            return await _run(Path(root), request, timeout, ctx)


def _check_inputs(inputs: Mapping[str, Any]) -> tuple[str, str, Any]:
    runtime = inputs.get("Runtime")
    if not isinstance(runtime, str) or not PYTHON_RUNTIME.fullmatch(runtime):
        raise ActionFailed(
            "InputValidation", "Action",
            f"The runtime {runtime!r} is not supported: Tocsin runs aws:executeScript steps "
            "written in Python (Runtime python3.x) only")
    script = inputs.get("Script")
    if not isinstance(script, str):
        what = "an Attachment" if "Attachment" in inputs else "no Script"
        raise ActionFailed(
            "InputValidation", "Action",
            f"The step has {what}: Tocsin runs inline scripts (Script) only; attachments "
            "are not supported")
    handler = inputs.get("Handler")
    if not isinstance(handler, str) or not handler.isidentifier():
        raise ActionFailed("InputValidation", "Action",
                           f"Handler {handler!r} is not the name of a function of the script")
    events = inputs.get("InputPayload", {})
    if not isinstance(events, dict):
        raise ActionFailed("InputValidation", "Action",
                           "InputPayload must be a map (the handler's events)")
    return script, handler, events


async def _run(root: Path, request: dict[str, Any], timeout: float,
               ctx: ActionContext) -> dict[str, Any]:
    limits = ctx.deps.script_limits
    work = root / "work"
    work.mkdir(mode=0o700)
    request_path, result_path = root / "request.json", root / "result.json"
    request_path.write_text(json.dumps(request), "utf-8")  # 0600: read before the drop
    if limits.user is not None:  # the script's user owns its folders, and only those
        for folder in (root, work):
            os.chown(folder, *limits.user)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(work), "TMPDIR": str(work),
           "LANG": "C.UTF-8"}
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-I", "-S", str(RUNNER), str(request_path), str(result_path),
            cwd=work, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            start_new_session=True)
    except OSError as exc:  # out of processes or memory on the host: worth another attempt
        raise ActionFailed("Invocation", "Internal",
                           f"The script's process could not be started: {exc}") from None
    assert proc.stdout is not None and proc.stderr is not None
    stdout = asyncio.ensure_future(_bounded(proc.stdout, limits.output_bytes))
    stderr = asyncio.ensure_future(_bounded(proc.stderr, limits.output_bytes))
    timed_out = False
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        timed_out = True
    finally:
        _kill_group(proc.pid)  # on a timeout, a cancellation, and children left behind
        await proc.wait()
    out, err = await _collected(stdout), await _collected(stderr)
    logs = {"Stdout": [out] if out else [], "Stderr": [err] if err else []}
    logs = {k: v for k, v in logs.items() if v}
    log.debug("script.ended", execution=ctx.execution_id, step=ctx.step_name,
              code=proc.returncode, timed_out=timed_out)
    if timed_out:
        raise ActionTimedOut(f"The script did not finish within its timeout of {timeout:g} "
                             "seconds and was stopped", logs)
    return _outcome(proc.returncode, result_path, logs, ctx)


def _outcome(code: int | None, result_path: Path, logs: dict[str, list[str]],
             ctx: ActionContext) -> dict[str, Any]:
    limits = ctx.deps.script_limits
    memory = f"{limits.memory_bytes / (1024 * 1024):g} MB"
    if code is not None and code < 0:
        if -code == signal.SIGXCPU:
            problem = "exceeded its CPU-time limit and was stopped"
        elif -code == signal.SIGKILL:
            problem = f"was killed (out of CPU time or beyond its memory limit of {memory})"
        else:
            problem = f"was ended by signal {signal.Signals(-code).name}"
        raise ActionFailed("Invocation", "Action", f"The script {problem}", logs)
    try:
        size = result_path.stat().st_size
    except FileNotFoundError:
        raise ActionFailed("Invocation", "Action",
                           f"The script ended (exit status {code}) without a result", logs) \
            from None
    if size > limits.payload_bytes + 64:
        raise ActionFailed("PostVerification", "Action",
                           f"The script's Payload is larger than the "
                           f"{limits.payload_bytes // 1024} KB a step output may hold", logs)
    try:
        outcome = json.loads(result_path.read_text("utf-8"))
        error = outcome.get("error")
        payload = outcome["payload"] if error is None else None
        if error is not None:
            kind, text, trace = (str(error.get(k, "")) for k in ("type", "message", "traceback"))
    except (ValueError, AttributeError, KeyError):  # the script wrote over its result
        raise ActionFailed("Invocation", "Action",
                           "The script's result could not be read (did it write to "
                           "../result.json?)", logs) from None
    if error is not None:
        if kind == "MemoryError":
            raise ActionFailed("Invocation", "Action",
                               f"The script exceeded its memory limit of {memory} (MemoryError)",
                               logs)
        details = {"ErrorType": [kind], "ExceptionMessage": [text],
                   **({"StackTrace": [trace]} if trace else {}), **logs}
        raise ActionFailed("Invocation", "Action", f"The script failed: {kind}: {text}",
                           details)
    if len(json.dumps(payload, separators=(",", ":"))) > limits.payload_bytes:
        raise ActionFailed("PostVerification", "Action",
                           f"The script's Payload is larger than the "
                           f"{limits.payload_bytes // 1024} KB a step output may hold", logs)
    return {"Payload": payload}


async def _bounded(stream: asyncio.StreamReader, limit: int) -> str:
    """All of ``stream`` read, its first ``limit`` bytes kept (a mark if more came)."""
    kept = bytearray()
    dropped = 0
    while chunk := await stream.read(_READ_CHUNK):
        room = limit - len(kept)
        kept += chunk[:max(room, 0)]
        dropped += max(len(chunk) - max(room, 0), 0)
    text = kept.decode("utf-8", errors="replace")
    return text + (f"\n[... {dropped} more bytes not kept]" if dropped else "")


async def _collected(reader: asyncio.Future[str]) -> str:
    """What a stream reader kept; a process that escaped the group (a new session of its
    own) may hold the pipe open, so the wait is short."""
    done, _ = await asyncio.wait({reader}, timeout=2.0)
    if not done:
        reader.cancel()
        return "[the output was still held open by a process the script started]"
    return reader.result()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
