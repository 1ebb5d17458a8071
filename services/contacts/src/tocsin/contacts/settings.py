"""The contacts service's settings."""

from __future__ import annotations

from tocsin.shared.config import BaseSettings

__all__ = ["Settings"]


class Settings(BaseSettings, frozen=True, kw_only=True):
    """How one contacts instance runs."""

    outbox_relay: bool = True
    """Publish this service's outbox from this instance (one instance relays at a time)."""
    outbox_poll_interval: float = 1.0
    """Seconds between outbox scans when no commit has signalled new events."""
    rpc_concurrency: int = 256
    """Requests one instance works on at once."""
    pool_max: int = 20
    """Most PostgreSQL connections one instance holds."""

    @property
    def schema(self) -> str:
        return f"{self.schema_prefix}contacts"
