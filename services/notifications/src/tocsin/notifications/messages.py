"""One rendered message on its way to one address, as every provider takes it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["InboundEvent", "Outbound", "ProviderError", "redact"]

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
