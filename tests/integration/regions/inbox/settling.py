"""A barrier for the inbox tests: every change either region committed is published and
applied by the other."""

from __future__ import annotations

import asyncpg

from tests.integration.regions.inbox.conftest import Region, all_applied
from tocsin.shared.testing import wait_for


async def settled(a: Region, b: Region, service: str, database_url: str) -> None:
    """Both regions' ``service`` outboxes are empty (every committed event is in its
    stream), then each region's inbox has applied all the other's stream holds."""
    conn = await asyncpg.connect(database_url)
    try:
        async def published() -> bool:
            for region in (a, b):
                if await conn.fetchval(
                        f'SELECT count(*) FROM "{region.name}_{service}".outbox'):
                    return False
            return True
        await wait_for(published, timeout=30.0)
    finally:
        await conn.close()
    await all_applied(a, b, service)
