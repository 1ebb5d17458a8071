"""``python -m tocsin.local`` (what ``make run`` runs): the whole of Tocsin on this machine."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from tocsin.local.supervisor import GATEWAY, INTERRUPTED, SERVICES, Settings, parse_scale, supervise
from tocsin.shared import config
from tocsin.shared.logging import configure


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tocsin-local",
        description="Start Tocsin on this machine: embedded NATS and PostgreSQL unless "
                    "TOCSIN_NATS_URL / TOCSIN_DATABASE_URL are set, then every service as its "
                    "own process. Ctrl-C stops everything in order.")
    scalable = ", ".join(s for s in SERVICES if s != GATEWAY)
    parser.add_argument("--scale", action="append", default=[], metavar="NAME=COUNT",
                        help=f"run COUNT instances of service NAME ({scalable}); repeatable")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and the environment, then supervise until stopped."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        scale = parse_scale(args.scale)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        settings = config.load(Settings, os.environ)
    except config.ConfigError as exc:
        print(f"tocsin-local: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure(level=settings.log_level, json=settings.log_json, service="local")
    try:
        status = asyncio.run(supervise(settings, environ=dict(os.environ), scale=scale))
    except KeyboardInterrupt:  # before the signal handlers were installed
        status = INTERRUPTED
    raise SystemExit(status)


if __name__ == "__main__":
    main()
