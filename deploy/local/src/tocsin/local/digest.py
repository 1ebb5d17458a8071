"""``python -m tocsin.local.digest``: a digest per replicated resource type of one region's
store, printed as JSON, to compare the regions of a replication set.

Run it in each region (``--database-url`` and ``--schema-prefix`` as the services have
them, or ``--data-dir`` of a ``make run``, whose embedded PostgreSQL it finds); once
every region has applied the others' events, each type's ``sha256`` and ``rows`` are the
same in all of them. A type that differs names where to look. The columns compared are
declared by each service (``tocsin.<service>.digest``); the digest itself is
:mod:`tocsin.shared.replication.digest`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import asyncpg

from tocsin.local.identities import FOLDER
from tocsin.shared.replication.digest import Digest, Resource, digests
from tocsin.shared.services import BACKEND_SERVICES

__all__ = ["database_url_of", "region_digests", "replicated_resources"]


def replicated_resources() -> dict[str, tuple[Resource, ...]]:
    """Each service that replicates its store, with its resource types."""
    found: dict[str, tuple[Resource, ...]] = {}
    for service in BACKEND_SERVICES:
        name = f"tocsin.{service}.digest"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        found[service] = module.RESOURCES
    return found


def database_url_of(data_dir: Path) -> str:
    """The URL of the PostgreSQL a ``make run`` on ``data_dir`` embeds (running now)."""
    try:
        lines = (data_dir / "postgres" / "postmaster.pid").read_text().splitlines()
        port = int(lines[3])
    except (OSError, IndexError, ValueError):
        raise SystemExit(f"tocsin-digest: no PostgreSQL running on {data_dir / 'postgres'}"
                         " (is make run up?)") from None
    password = (data_dir / FOLDER / "postgres.password").read_text().strip()
    return f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"


async def region_digests(database_url: str, *, region: str,
                         schema_prefix: str = "") -> dict[str, dict[str, Digest]]:
    """Per service, per resource type, the digest of this region's store; a service whose
    schema is not in this database (it never ran here) is left out, which another region
    that has it shows as a difference."""
    found: dict[str, dict[str, Digest]] = {}
    for service, resources in replicated_resources().items():
        schema = f"{schema_prefix}{service}"
        conn = await asyncpg.connect(database_url, server_settings={"search_path": schema})
        try:
            if await conn.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema):
                found[service] = await digests(conn, resources, region=region)
        finally:
            await conn.close()
    return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tocsin.local.digest",
        description="Print, as JSON, a digest per replicated resource type of this region's "
                    "store; equal in every region of the set once they have converged.")
    parser.add_argument("--region", required=True, help="this region's name (TOCSIN_REGION)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database-url", help="the services' TOCSIN_DATABASE_URL")
    where.add_argument("--data-dir", type=Path,
                       help="the TOCSIN_DATA_DIR of a running make run (its embedded "
                            "PostgreSQL)")
    parser.add_argument("--schema-prefix", default="",
                        help="the services' TOCSIN_SCHEMA_PREFIX (default none)")
    args = parser.parse_args(argv)
    url = args.database_url or database_url_of(args.data_dir)
    try:
        found = asyncio.run(region_digests(url, region=args.region,
                                           schema_prefix=args.schema_prefix))
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"tocsin-digest: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    json.dump({"region": args.region,
               "digests": {service: {kind: d.to_json() for kind, d in kinds.items()}
                           for service, kinds in found.items()}},
              sys.stdout, indent=2, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
