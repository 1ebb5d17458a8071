"""The analysis service's settings."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from tocsin.shared.config import ServiceSettings

__all__ = ["Settings"]


class Settings(ServiceSettings, frozen=True, kw_only=True):
    """How one analysis instance runs."""

    service = "analysis"

    rpc_concurrency: int = 64
    """Requests one instance works on at once."""
    pool_max: int = 10
    """Most PostgreSQL connections one instance holds."""
    prometheus_url: str | None = None
    """``TOCSIN_PROMETHEUS_URL``: the Prometheus server an analysis's metric graphs are
    fetched from (none: analyses have no graphs)."""
    region_takeover_seconds: Annotated[float, Meta(gt=0)] = 60.0
    """Seconds after a start the reminder timers wait, at most, for another region of the
    replication set that does not answer before firing (:mod:`tocsin.analysis.takeovers`);
    the escalation service's takeover delay."""
    region_check_interval: Annotated[float, Meta(gt=0)] = 1.0
    """Seconds between two looks at the other regions' mirrors."""
