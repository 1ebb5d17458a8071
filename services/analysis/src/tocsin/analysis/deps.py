"""What the analysis service's handlers are built from, in ``app``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from tocsin.analysis.settings import Settings
from tocsin.shared import events
from tocsin.shared.arns import Arns
from tocsin.shared.bus import Bus, RpcRequest
from tocsin.shared.clock import Clock
from tocsin.shared.contracts.base import Event

__all__ = ["Deps"]


@dataclass(frozen=True, kw_only=True)
class Deps:
    """The pool, the bus (for other services' RPC), the plan-time clock and the settings."""

    pool: asyncpg.Pool
    bus: Bus
    clock: Clock
    settings: Settings
    arns: Arns = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "arns", self.settings.arns)

    def by(self, req: RpcRequest) -> str:
        """The caller, or the account itself for Tocsin's own calls."""
        return req.principal or self.arns.iam("root")

    async def emit(self, conn: asyncpg.Connection, event: Event | list[Event], *,
                   now: datetime, incident_arn: str | None = None) -> None:
        """Write ``event`` into the outbox of ``conn``'s transaction."""
        await events.emit(conn, event, region=self.settings.region, now=now,
                          incident_arn=incident_arn)
