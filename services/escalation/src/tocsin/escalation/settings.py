"""The escalation service's settings."""

from __future__ import annotations

from tocsin.shared.config import ServiceSettings

__all__ = ["Settings"]


class Settings(ServiceSettings, frozen=True, kw_only=True):
    """How one escalation instance runs."""

    service = "escalation"

    rpc_concurrency: int = 64
    """Requests one instance works on at once."""
    pool_max: int = 10
    """Most PostgreSQL connections one instance holds."""
    timer_batch: int = 100
    """Most due timers one instance claims at once."""
    timer_lease: float = 30.0
    """Real seconds a claimed timer stays this instance's before another may take it over."""
    timer_max_sleep: float = 1.0
    """Most real seconds the timer worker sleeps before looking at the table again."""
    fire_timeout: float = 10.0
    """Real seconds to wait for ``StartEngagementStage`` before retrying the timer later."""
