"""Every query a service declares for the digests (``tocsin.<service>.digest``) runs against
that service's schema as its migrations make it: a column renamed or dropped by a later
migration fails here, not in an operator's comparison of two regions."""

from __future__ import annotations

import uuid

import asyncpg

from tocsin.local.digest import region_digests, replicated_resources
from tocsin.shared.db.migrate import apply_migrations


async def test_every_declared_query_reads_its_migrated_schema(database_url: str) -> None:
    prefix = f"digest{uuid.uuid4().hex[:8]}_"
    services = replicated_resources()
    assert {"incidents", "contacts", "escalation", "runbooks", "analysis"} <= set(services)
    for service in services:
        schema = f"{prefix}{service}"
        admin = await asyncpg.connect(database_url)
        try:
            await admin.execute(f'CREATE SCHEMA "{schema}"')
        finally:
            await admin.close()
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1,
                                         server_settings={"search_path": schema})
        try:
            await apply_migrations(pool, package=f"tocsin.{service}.migrations")
        finally:
            await pool.close()
    try:
        found = await region_digests(database_url, region="east", schema_prefix=prefix)
        assert set(found) == set(services)
        for service, resources in services.items():
            assert set(found[service]) == {r.kind for r in resources}
            assert all(d.rows == 0 for d in found[service].values()), service
    finally:
        admin = await asyncpg.connect(database_url)
        try:
            for service in services:
                await admin.execute(f'DROP SCHEMA "{prefix}{service}" CASCADE')
        finally:
            await admin.close()
