"""Forward-only migrations: ordered ``NNNN_*.sql`` files shipped inside a package.

Applied at start-up under an advisory lock, so when several instances start together one
migrates and the others wait and find nothing left to do. Tocsin's own tables (outbox,
inbox) come first, from :mod:`tocsin.shared.db.migrations`.
"""

from __future__ import annotations

import hashlib
import importlib.resources

import asyncpg

from tocsin.shared.logging import get_logger

__all__ = ["apply_migrations"]

log = get_logger(__name__)

SHARED = "tocsin.shared.db.migrations"


def _scripts(package: str) -> list[tuple[str, str]]:
    files = [f for f in importlib.resources.files(package).iterdir()
             if f.name.endswith(".sql") and f.name[:4].isdigit()]
    return [(f"{package}:{f.name}", f.read_text()) for f in sorted(files, key=lambda f: f.name)]


async def apply_migrations(pool: asyncpg.Pool, *, package: str | None = None) -> list[str]:
    """Apply the not yet applied scripts of the shared runtime and of ``package``.

    Returns the names applied by this call.
    """
    applied: list[str] = []
    async with pool.acquire() as conn:
        schema = await conn.fetchval("SELECT current_schema()")
        lock = int.from_bytes(hashlib.sha256(f"tocsin:{schema}".encode()).digest()[:8],
                              "big", signed=True)
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", lock)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
            for name, sql in [*_scripts(SHARED), *(_scripts(package) if package else [])]:
                if name in done:
                    continue
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
                done.add(name)
                applied.append(name)
    if applied:
        log.info("db.migrated", schema=schema, applied=applied)
    return applied
