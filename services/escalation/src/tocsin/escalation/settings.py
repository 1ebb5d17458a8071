"""The escalation service's settings."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from tocsin.shared.config import ServiceSettings

__all__ = ["MAX_REPEATS", "Settings"]

MAX_REPEATS = 10
"""Most repetitions of an escalation plan ``TOCSIN_ESCALATION_REPEATS`` may ask for."""


class Settings(ServiceSettings, frozen=True, kw_only=True):
    """How one escalation instance runs."""

    service = "escalation"

    rpc_concurrency: int = 64
    """Requests one instance works on at once."""
    pool_max: int = 10
    """Most PostgreSQL connections one instance holds."""
    timer_batch: int = 1000
    """Most due timers one instance fires in one transaction."""
    timer_max_sleep: float = 1.0
    """Most real seconds the timer worker sleeps before looking at the table again."""
    timer_retention_hours: float = 168.0
    """Plan hours a fired or cancelled timer is kept (for ``ListTimers``) before deletion."""
    escalation_repeats: int = 0
    """How many more times an escalation plan runs from its first stage when its last stage
    ends with nobody having acknowledged (an essential READ); 0, the default, runs it once.
    Peers cap this at 5; Tocsin at 10."""
    ack_timeout_minutes: float = 0.0
    """Plan minutes after an acknowledgement (READ) of an incident's page at which, if the
    incident is still open, the engaged contact is engaged again; 0, the default, never."""

    region_takeover_seconds: Annotated[float, Meta(gt=0)] = 60.0
    """Seconds another region of the replication set must have been unreachable (its
    mirror silent here) before the next region of the set takes over the timers of its
    open engagements (:mod:`tocsin.escalation.regions`)."""
    region_check_interval: Annotated[float, Meta(gt=0)] = 1.0
    """Seconds between two looks at the other regions' mirrors."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.escalation_repeats <= MAX_REPEATS:
            raise ValueError(f"TOCSIN_ESCALATION_REPEATS must be 0 to {MAX_REPEATS}")
        if self.ack_timeout_minutes < 0:
            raise ValueError("TOCSIN_ACK_TIMEOUT_MINUTES must not be negative")
        if self.timer_batch < 1:
            raise ValueError("TOCSIN_TIMER_BATCH must be positive")
