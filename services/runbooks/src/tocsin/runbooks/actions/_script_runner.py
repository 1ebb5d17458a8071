"""The first code of an ``aws:executeScript`` subprocess (run as a file, never imported).

``python -I -S _script_runner.py <request.json> <result.json>``: it limits its own
process (address space, CPU time, file size, no core dumps), then compiles the script,
calls its handler with the ``events`` and ``context`` of the request and writes
``{"payload": <return value>}`` or ``{"error": {...}}`` to the result file. Only the
standard library is at hand (``-S``: no site-packages, ``-I``: no user site, no
``PYTHON*`` variables, no current directory on the path).
"""

import ctypes
import json
import linecache
import os
import resource
import signal
import sys
import traceback

PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Kill the whole process group (the script and what it started) when the service
    process that started it dies, even by SIGKILL: no script outlives its instance, so a
    step taken over by another instance never runs twice at once. Linux only; elsewhere the
    group is still killed on timeout and at the end of the attempt."""
    signal.signal(signal.SIGTERM, lambda *_: os.killpg(0, signal.SIGKILL))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before the request was in place
        os.killpg(0, signal.SIGKILL)


def _limit(kind: int, value: int) -> None:
    soft_hard = (value, value)
    try:
        resource.setrlimit(kind, soft_hard)
    except (ValueError, OSError):  # already lower than asked: keep the lower one
        pass


def _become(user: list[int], processes: int) -> None:
    """Run as ``user`` (uid, gid) with no supplementary groups, and let that user have at
    most ``processes`` more processes and threads than it has now (``RLIMIT_NPROC`` counts
    per user, and binds only users other than root)."""
    uid, gid = user
    _limit(resource.RLIMIT_NPROC, _tasks_of(uid) + processes)
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def _tasks_of(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:  # ended meanwhile
                pass
    return count


def _script_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` in the script's own lines (the runner's frames left out)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<script>"]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames[-20:]),
             *traceback.format_exception_only(type(exc), exc)]
    return "".join(lines)


def main() -> int:
    request_path, result_path = sys.argv[1], sys.argv[2]
    with open(request_path, encoding="utf-8") as f:
        request = json.load(f)
    limits = request["limits"]
    if request.get("user"):
        _become(request["user"], int(limits["processes"]))
    _die_with_parent(int(request["parent"]))  # after _become: a new uid clears it
    cpu = int(limits["cpu_seconds"])
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_FSIZE, int(limits["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU, then SIGKILL
    _limit(resource.RLIMIT_AS, int(limits["memory_bytes"]))
    outcome: dict[str, object]
    try:
        namespace = {"__name__": "__tocsin_script__", "__builtins__": __builtins__}
        source = request["script"]
        linecache.cache["<script>"] = (len(source), None, source.splitlines(True), "<script>")
        exec(compile(source, "<script>", "exec"), namespace)
        handler = namespace.get(request["handler"])
        if not callable(handler):
            outcome = {"error": {"type": "HandlerNotFound", "message":
                                 f"the script defines no function {request['handler']}",
                                 "traceback": ""}}
        else:
            value = handler(request["events"], request["context"])
            try:
                outcome = {"payload": json.loads(json.dumps(value))}
            except (TypeError, ValueError) as exc:
                outcome = {"error": {"type": "PayloadNotJSON", "message":
                                     f"the handler returned a value that is not JSON: {exc}",
                                     "traceback": ""}}
    except MemoryError:
        outcome = {"error": {"type": "MemoryError", "message": "out of memory",
                             "traceback": ""}}
    except BaseException as exc:  # everything the script raises is its failure
        outcome = {"error": {"type": type(exc).__name__, "message": str(exc),
                             "traceback": _script_traceback(exc)}}
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(outcome, f)
    return 1 if "error" in outcome else 0


if __name__ == "__main__":
    sys.exit(main())
