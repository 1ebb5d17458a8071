"""How Tocsin signs the HTTP requests it sends to webhooks, and checks those it receives.

One scheme for every webhook Tocsin calls (the notifications service's SMS and voice
provider, runbooks' ``aws:invokeWebhook``), so one receiver checks them all: the request is
signed over a timestamp, the full URL and the body, ``X-Tocsin-Timestamp: <Unix seconds>``
and ``X-Tocsin-Signature: sha256=<hex HMAC-SHA256, keyed with the secret, of
"<timestamp>\\n<url>\\n" followed by the body>``. A receiver that refuses a timestamp far
from its clock can be replayed neither later nor to another URL.
"""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "stamp_age", "webhook_headers",
           "webhook_signature"]

SIGNATURE_HEADER = "X-Tocsin-Signature"
TIMESTAMP_HEADER = "X-Tocsin-Timestamp"


def webhook_signature(secret: str, body: bytes, *, url: str, timestamp: str) -> str:
    """The ``X-Tocsin-Signature`` value of a request of ``body`` to ``url`` at
    ``timestamp`` (Unix seconds, as sent in ``X-Tocsin-Timestamp``)."""
    signed = f"{timestamp}\n{url}\n".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def webhook_headers(secret: str, body: bytes, *, url: str,
                    now: float | None = None) -> dict[str, str]:
    """The timestamp and signature headers of a request of ``body`` to ``url``."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: webhook_signature(secret, body, url=url, timestamp=timestamp)}


def stamp_age(stamp: str, now: float | None = None) -> float:
    """Seconds between now and ``stamp``, a signed request's timestamp (Unix seconds as
    sent: this scheme's ``X-Tocsin-Timestamp``, Slack's ``X-Slack-Request-Timestamp``).

    Raises:
        ValueError: ``stamp`` is not a whole number of seconds a clock can hold (so a
            400-digit timestamp is refused like a missing one, not an overflow).
    """
    try:
        return abs((time.time() if now is None else now) - int(stamp))
    except OverflowError:
        raise ValueError(f"timestamp out of range: {stamp[:20]}...") from None
