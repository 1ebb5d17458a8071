"""The notifications service's settings.

Email goes through one SMTP server (``TOCSIN_SMTP_*``); with ``TOCSIN_SMTP_HOST`` unset,
email deliveries wait (their reason recorded) instead of failing. SMS and voice go through
the providers listed in ``TOCSIN_PROVIDERS``, a JSON list tried in order per channel type
(:mod:`tocsin.notifications.delivery.providers` describes each entry)::

    TOCSIN_PROVIDERS='[{"name": "twilio", "kind": "twilio", "channels": ["SMS", "VOICE"],
                        "baseUrl": "https://api.twilio.com", "accountSid": "AC...",
                        "authToken": "...", "from": "+15550100", "rate": 10},
                       {"name": "hook", "kind": "webhook", "channels": ["SMS"],
                        "url": "https://sms.example/send", "secret": "..."}]'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from tocsin.shared.config import Secret, ServiceSettings

__all__ = ["Settings", "smtp_configured"]


def smtp_configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether email can go out: ``TOCSIN_SMTP_HOST`` is set (in ``environ``, by default
    the process's environment). Without it, email deliveries wait."""
    env = os.environ if environ is None else environ
    return bool(env.get("TOCSIN_SMTP_HOST", "").strip())


class Settings(ServiceSettings, frozen=True, kw_only=True):
    """How one notifications instance runs."""

    service = "notifications"

    smtp_host: str = ""
    """The SMTP server for email; unset means email waits until one is configured."""
    smtp_port: int = 0
    """0 means the TLS mode's usual port: 465 for ``implicit``, 587 for ``starttls``, else 25."""
    smtp_from: str = "tocsin@localhost"
    """The ``From`` of every email."""
    smtp_username: str = ""
    smtp_password: Secret = Secret("")
    smtp_tls: Literal["", "none", "starttls", "implicit"] = ""
    """``none`` (plain; STARTTLS is not attempted), ``starttls`` (required) or ``implicit``
    (TLS from the first byte). Unset: ``starttls`` when a password is configured (it never
    crosses the network in the clear), else ``none``."""
    smtp_ca_file: str = ""
    """PEM certificates to verify the SMTP server's TLS certificate with (default: the
    system's)."""
    smtp_timeout: float = 10.0
    smtp_rate: float = 0.0
    """Most emails a second (0: no limit)."""
    providers: Secret = Secret("")
    """The SMS and voice providers, a JSON list (see the module docstring)."""
    public_url: str = ""
    """Base of the links sent to people (the gateway's HTTP port); default
    ``http://<TOCSIN_HTTP_ADDR>``."""
    http_addr: str = "127.0.0.1:8080"
    """Only to default :attr:`public_url`, as the gateway does."""
    template_dir: str = ""
    """A folder whose templates replace the built-in ones of the same name."""
    ack_link_ttl: float = 24 * 3600.0
    """Plan seconds an acknowledgement link (or voice key-press callback) stays valid."""
    ack_link_retention_days: float = 7.0
    """Plan days an expired acknowledgement link is kept (opening it says it expired;
    after, that it is not valid)."""
    inbound_seen_retention_days: float = 7.0
    """Days a handled provider callback's id is kept, to answer the provider's retries of
    it without acting twice (they come within minutes)."""
    max_attempts: int = 5
    """Attempts (each trying every provider of the channel type) before a dead letter."""
    retry_base: float = 2.0
    """First retry delay in real seconds; it doubles per attempt, with full jitter."""
    retry_max: float = 300.0
    no_provider_retry: float = 30.0
    """Real seconds a delivery with no provider for its channel type waits to be looked at
    again (it is not an attempt)."""
    provider_cooldown: float = 30.0
    """Real seconds a provider that failed is tried after the others."""
    max_in_flight: int = 2000
    """Delivery requests one instance holds at once (sending or queued on a rate limit)."""
    reply_window: float = 24 * 3600.0
    """Plan seconds after a page during which an SMS reply with its code acknowledges it."""
    receipt_poll_interval: float = 1.0
    chat_topics: Secret = Secret("")
    """Chat webhooks per topic name, JSON (:mod:`tocsin.notifications.chat`)."""
    slack_signing_secret: Secret = Secret("")
    """The Slack app's signing secret; unset, Slack commands are refused."""
    slack_replay_window: float = 300.0
    """Real seconds a signed Slack request stays acceptable."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.max_attempts < 1:
            raise ValueError("TOCSIN_MAX_ATTEMPTS must be at least 1")

    @property
    def link_base(self) -> str:
        """The base URL of links Tocsin sends to people (as the gateway computes it)."""
        return (self.public_url or f"http://{self.http_addr}").rstrip("/")

    @property
    def smtp_tls_mode(self) -> str:
        """The TLS mode in force: :attr:`smtp_tls`, or what its default means."""
        return self.smtp_tls or ("starttls" if str(self.smtp_password) else "none")

    @property
    def smtp_port_or_default(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return {"implicit": 465, "starttls": 587}.get(self.smtp_tls_mode, 25)
