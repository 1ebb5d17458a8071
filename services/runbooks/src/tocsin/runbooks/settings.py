"""The runbooks service's settings."""

from __future__ import annotations

from tocsin.shared.config import ServiceSettings

__all__ = ["Settings"]


class Settings(ServiceSettings, frozen=True, kw_only=True):
    """How one runbooks instance runs."""

    service = "runbooks"

    rpc_concurrency: int = 64
    """Requests one instance works on at once."""
    pool_max: int = 10
    """Most PostgreSQL connections one instance holds."""
    step_lease_seconds: float = 15.0
    """How long a claim on a running work step (a script, an API call) lasts without being
    renewed; the running instance renews it every third of that. When an instance dies,
    its steps are taken over this long after its last renewal."""
    sweep_interval: float = 1.0
    """Seconds between looks for work steps whose lease ran out."""
    engine_concurrency: int = 32
    """Events of the engine (started steps, ended children) one instance handles at once."""
    timer_batch: int = 100
    """Durable timers fired in one transaction."""
    timer_max_sleep: float = 1.0
    """Most real seconds the timer worker sleeps between looks at the timer table."""
    webhooks: str = ""
    """``aws:invokeWebhook`` integrations (``TOCSIN_WEBHOOKS``), as
    :mod:`tocsin.runbooks.actions` reads them."""
