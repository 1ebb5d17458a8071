"""Delivery's domain: one rendered message on its way to one address, as every provider
takes it, what a provider's failure means, and the rules of retries, priorities and
waiting reasons. Pure: no I/O, no clock."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tocsin.shared.contracts import deliveries as dc
from tocsin.shared.outage import backoff

__all__ = ["PRIORITY", "InboundEvent", "Outbound", "ProviderError", "attempts_text",
           "incident_arn_of", "redact", "retry_delay", "waiting_info"]

PRIORITY = {dc.PAGE: 0, dc.ACTIVATION_CODE: 1}
"""Lower goes first: pages before activation codes."""

_ADDRESSES = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+|\+?\d[\d ()-]{5,}\d")


def redact(text: str) -> str:
    """``text`` without anything that looks like an email address or a phone number: what a
    provider answers may quote the address, and errors end up in logs, events and
    timelines."""
    return _ADDRESSES.sub("<address>", text)


class ProviderError(Exception):
    """A provider refused or failed a send (or timed out); the next provider is tried.

    Its text names the provider and what it answered, never the address or the body.
    ``permanent`` means trying again will not help (an SMTP 5xx, an HTTP 4xx other than
    408 and 429: an address the provider will never take).
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Outbound:
    """What to send. ``text`` is the email body, the SMS text or the speech of a call."""

    delivery_id: str
    channel_type: str
    """``EMAIL``, ``SMS`` or ``VOICE``."""
    to: str
    text: str
    subject: str = ""
    """Email only."""
    headers: dict[str, str] = field(default_factory=dict)
    """Email only: the contract's ``X-Tocsin-*`` headers."""
    gather_url: str | None = None
    """Voice pages only: where the provider reports the key pressed."""
    status_url: str | None = None
    """Where the provider reports delivery status (SMS)."""


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """A provider's webhook, verified and parsed."""

    action: str
    """``sms`` (a text from a person), ``keypress`` (digits in a call) or ``status``."""
    from_number: str = ""
    text: str = ""
    digits: str = ""
    status: str = ""
    """For ``status``: ``delivered``, ``failed``, ``undelivered`` and so on."""
    delivery_id: str = ""
    """For ``status``: the delivery request the report is about (from the callback URL)."""
    event_key: str = ""
    """The provider's own id of this callback (Twilio's ``MessageSid`` or ``CallSid``, with
    the status or digits), by which a callback sent again is recognised; empty when the
    provider gives none."""


def incident_arn_of(incident_id: str | None) -> str | None:
    """The engagement's ``IncidentId`` when it names an incident record."""
    if incident_id and ":incident-record/" in incident_id:
        return incident_id
    return None


def retry_delay(attempt: int, *, base: float, cap: float) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base·2^(attempt-1))]."""
    return backoff(attempt, base=base, cap=cap, jitter=True)


def attempts_text(n: int) -> str:
    return "1 attempt" if n == 1 else f"{n} attempts"


def waiting_info(code: str, detail: str, expected_at: datetime) -> str:
    """The ``ReceiptInfo`` of a page's waiting reason."""
    return (f"Waiting ({code}): {detail}; next try at "
            f"{expected_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}")
