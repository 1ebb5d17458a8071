"""``error_lines``: the ERROR lines of a service process's JSON log output."""

from __future__ import annotations

from tocsin.shared.testing import error_lines


def test_only_error_lines_are_picked_whatever_the_prefix() -> None:
    output = "\n".join([
        "Tocsin is ready",
        'incidents.1 | {"event": "rpc.serving", "level": "info"}',
        'escalation.1 | {"event": "timers.changed", "level": "error", "count": 1}',
        '{"event": "message.failed", "level": "critical"}',
        "contacts.1 | {not json",
        'gateway.1 | {"event": "http.slow", "level": "warning"}',
    ])
    assert [line["event"] for line in error_lines(output)] == [
        "timers.changed", "message.failed"]
