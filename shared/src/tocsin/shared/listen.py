"""A server that cannot listen on its address stops its process with one line saying which
setting to change, and a status the supervisor recognises: restarting would not help."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["EXIT_CANNOT_LISTEN", "CannotListen", "exit_when_cannot_listen"]

EXIT_CANNOT_LISTEN = 78
"""The exit status of a process whose listen address is taken (``EX_CONFIG``): ``make run``
stops instead of restarting it."""


class CannotListen(Exception):
    """An address a server must listen on is in use or not available."""

    def __init__(self, addr: str, setting: str, reason: str) -> None:
        super().__init__(f"cannot listen on {addr} ({reason}); set {setting} to a free "
                         "address")
        self.addr = addr
        self.setting = setting


@contextmanager
def exit_when_cannot_listen(service: str) -> Iterator[None]:
    """Turn a :class:`CannotListen` (alone or in a task group's exception group) into its
    one line on stderr and :data:`EXIT_CANNOT_LISTEN`, without a traceback."""
    try:
        yield
    except* CannotListen as group:
        print(f"tocsin-{service}: {group.exceptions[0]}", file=sys.stderr, flush=True)
        raise SystemExit(EXIT_CANNOT_LISTEN) from None
