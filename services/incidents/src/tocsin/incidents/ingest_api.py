"""Tocsin's own operations of alarm ingestion (beside the 31 of ``ssm-incidents``).

``GetIngestionStats`` reports how many alarm messages went to the dead-letter queue, by
reason, across every instance.
"""

from __future__ import annotations

from collections.abc import Mapping

from tocsin.incidents.intake import dead_letter_counts
from tocsin.incidents.usecases import JSON, Deps
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler

__all__ = ["operations"]


def operations(deps: Deps) -> Mapping[str, Handler]:
    """Operation name → handler."""

    async def get_ingestion_stats(req: RpcRequest) -> JSON:
        return {"deadLettered": await dead_letter_counts(deps.pool)}

    return {"GetIngestionStats": get_ingestion_stats}
