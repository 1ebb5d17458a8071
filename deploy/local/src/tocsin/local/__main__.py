"""``python -m tocsin.local`` (what ``make run`` runs): the whole of Tocsin on this machine."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from tocsin.local.supervisor import (
    GATEWAY,
    INTERRUPTED,
    SERVICES,
    Backoff,
    Settings,
    parse_scale,
    supervise,
)
from tocsin.shared import config
from tocsin.shared.logging import configure


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tocsin-local",
        description="Start Tocsin on this machine: embedded NATS and PostgreSQL unless "
                    "TOCSIN_NATS_URL / TOCSIN_DATABASE_URL are set, then every service as its "
                    "own process. Ctrl-C stops everything in order.")
    parser.add_argument("--scale", action="append", default=[], metavar="NAME=COUNT",
                        help=f"run COUNT instances of service NAME ({', '.join(SERVICES)}; "
                             f"each further {GATEWAY} listens on the ports after "
                             "TOCSIN_HTTP_ADDR's and TOCSIN_GRPC_ADDR's); repeatable")
    parser.add_argument("--max-restart-delay", type=float, default=Backoff.maximum,
                        metavar="SECONDS",
                        help="the longest wait before a service that exited on its own is "
                             "started again (the wait doubles after each quick exit; default "
                             "%(default)s)")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and the environment, then supervise until stopped."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        scale = parse_scale(args.scale)
    except ValueError as exc:
        parser.error(str(exc))
    if not args.max_restart_delay >= Backoff.initial:
        parser.error(f"--max-restart-delay must be at least {Backoff.initial} seconds")
    backoff = Backoff(maximum=args.max_restart_delay)
    try:
        settings = config.load(Settings, os.environ)
    except config.ConfigError as exc:
        print(f"tocsin-local: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure(level=settings.log_level, json=settings.log_json, service="local")
    try:
        status = asyncio.run(supervise(settings, environ=dict(os.environ), scale=scale,
                                           backoff=backoff))
    except KeyboardInterrupt:  # before the signal handlers were installed
        status = INTERRUPTED
    raise SystemExit(status)


if __name__ == "__main__":
    main()
