"""The analysis service's requests, on ``tocsin.rpc.analysis.<Operation>``."""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg

from tocsin.shared.bus.rpc import Handler

__all__ = ["operations"]


def operations(pool: asyncpg.Pool) -> Mapping[str, Handler]:
    """Every operation this service serves, by name."""
    del pool
    return {}
