"""The runbooks service's composition root: its table for the service kernel."""

from __future__ import annotations

from tocsin.runbooks import api
from tocsin.runbooks.settings import Settings
from tocsin.shared.bus import events_stream
from tocsin.shared.kernel import Kernel, Opened, Service

__all__ = ["KERNEL", "lifespan"]


async def table(opened: Opened[Settings]) -> Service:
    """The request server."""
    return Service(operations=api.operations(opened.pool))


KERNEL = Kernel[Settings](
    name="runbooks",
    description="Tocsin runbooks: SSM Automation documents and executions",
    streams=lambda settings: [events_stream(settings.region)],
    table=table,
)
lifespan = KERNEL.lifespan
