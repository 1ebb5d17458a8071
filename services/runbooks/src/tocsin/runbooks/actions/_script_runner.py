"""The first code of an ``aws:executeScript`` subprocess (run as a file, never imported).

``python -I -S _script_runner.py <request.json> <result.json>``: it limits its own
process (address space, CPU time, file size, no core dumps), then compiles the script,
calls its handler with the ``events`` and ``context`` of the request and writes
``{"payload": <return value>}`` or ``{"error": {...}}`` to the result file. Only the
standard library is at hand (``-S``: no site-packages, ``-I``: no user site, no
``PYTHON*`` variables, no current directory on the path).
"""

import json
import linecache
import resource
import sys
import traceback


def _limit(kind: int, value: int) -> None:
    soft_hard = (value, value)
    try:
        resource.setrlimit(kind, soft_hard)
    except (ValueError, OSError):  # already lower than asked: keep the lower one
        pass


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
