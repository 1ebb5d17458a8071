"""The runbooks service's settings."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from tocsin.shared.config import Secret, ServiceSettings

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
    region_takeover_seconds: Annotated[float, Meta(gt=0)] = 60.0
    """Seconds after a start the timers, the engine and the lease sweep wait, at most, for
    another region of the replication set that does not answer before acting
    (:mod:`tocsin.runbooks.takeovers`); the escalation service's takeover delay."""
    region_check_interval: Annotated[float, Meta(gt=0)] = 1.0
    """Seconds between two looks at the other regions' mirrors."""

    # --- work actions (tocsin.runbooks.actions) ---
    webhooks: Secret = Secret("")
    """``aws:invokeWebhook`` integrations, a JSON object of names to ``{"url", "headers",
    "secret", "method", "timeout"}`` (:mod:`tocsin.runbooks.actions.webhook`)."""
    script_memory_mb: int = 512
    """Address space of one ``aws:executeScript`` subprocess, in MiB."""
    script_cpu_seconds: int = 600
    """CPU time of one script attempt (never more than its step's timeout allows)."""
    script_concurrency: int = 4
    """Scripts one instance runs at once; more wait for a slot."""
    script_user: str = ""
    """The user scripts run as when the service runs as root (e.g. ``nobody``); empty: the
    service's own user. Its Python's standard library must be readable by that user."""
    script_processes: int = 64
    """Processes and threads one script running as ``script_user`` may start."""
    script_output_kb: int = 64
    """KiB of a script's stdout (and of its stderr) kept for FailureDetails."""
    aws_api_poll_interval: float = 5.0
    """Seconds between the calls of an ``aws:waitForAwsResourceProperty`` step."""
