"""The analysis service's settings."""

from __future__ import annotations

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
