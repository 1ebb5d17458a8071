"""The analysis service's composition root: its table for the service kernel."""

from __future__ import annotations

from tocsin.analysis import api
from tocsin.analysis.settings import Settings
from tocsin.shared.bus import events_stream
from tocsin.shared.kernel import Kernel, Opened, Service

__all__ = ["KERNEL", "lifespan"]


async def table(opened: Opened[Settings]) -> Service:
    """The request server."""
    return Service(operations=api.operations(opened.pool))


KERNEL = Kernel[Settings](
    name="analysis",
    description="Tocsin analysis: post-incident analyses, action items and metrics",
    streams=lambda settings: [events_stream(settings.region)],
    table=table,
)
lifespan = KERNEL.lifespan
