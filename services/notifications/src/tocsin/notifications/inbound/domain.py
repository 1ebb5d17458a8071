"""Inbound's domain: what an SMS reply asks for, what a status callback means, and one-time,
expiring acknowledgement links (the same tokens in voice key-press callbacks). Pure: no
I/O, no clock.

A link is ``<TOCSIN_PUBLIC_URL>/v1/ack/<token>``; a token is 32 random bytes (URL-safe
base64). The ``ack_link`` table keeps only the token's SHA-256, and the page's accept
code XORed with a pad of HMAC-SHA256(token, page ARN): the token is a fresh random key used
for one code, so the pad is never reused and neither the table nor a backup of it can
acknowledge a page. Acknowledging with the link unseals the code and calls ``AcceptPage``
(READ, code enforced) like any other client. The first use spends every link of the page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import Literal

import msgspec

from tocsin.shared import errors

__all__ = ["CODE", "START_WORDS", "STOP_WORDS", "AckLink", "digest", "new_token", "seal",
           "sms_intent", "status_receipt", "unseal"]

STOP_WORDS = frozenset({"STOP", "UNSUBSCRIBE", "STOPALL", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP", "SUBSCRIBE", "YES"})
CODE = re.compile(r"[0-9]{6,10}")


def sms_intent(text: str) -> tuple[Literal["stop", "start", "code", "other"], str]:
    """What an SMS reply asks for, by its first word: to opt out, to opt in again, to
    acknowledge with a code (the code), or nothing Tocsin knows."""
    words = text.strip().upper().split()
    first = words[0] if words else ""
    if first in STOP_WORDS:
        return "stop", first
    if first in START_WORDS:
        return "start", first
    if CODE.fullmatch(first):
        return "code", first
    return "other", first


def status_receipt(status: str) -> str | None:
    """The receipt a provider's status callback adds to the page, if any."""
    return {"delivered": "DELIVERED", "failed": "ERROR",
            "undelivered": "ERROR"}.get(status.lower())


def new_token() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _pad(token: str, page_arn: str, size: int) -> bytes:
    return hmac.new(token.encode(), f"tocsin-accept-code|{page_arn}".encode(),
                    hashlib.sha256).digest()[:size]


def seal(token: str, page_arn: str, code: str) -> bytes:
    raw = code.encode()
    if len(raw) > 32:
        raise ValueError("an accept code is at most 32 characters")
    return bytes(a ^ b for a, b in zip(raw, _pad(token, page_arn, len(raw)), strict=True))


def unseal(token: str, page_arn: str, sealed: bytes) -> str:
    return bytes(a ^ b for a, b in zip(sealed, _pad(token, page_arn, len(sealed)),
                                       strict=True)).decode(errors="replace")


class AckLink(msgspec.Struct, frozen=True, kw_only=True):
    page_arn: str
    channel_arn: str
    delivery_id: str
    sealed_code: bytes
    subject: str
    incident_id: str | None
    expires_at: datetime
    used_at: datetime | None

    def check_usable(self, now: datetime) -> None:
        """Refuse a link already used or expired at ``now``."""
        if self.used_at is not None:
            raise errors.ValidationError("This page was already acknowledged with a link")
        if self.expires_at <= now:
            raise errors.ValidationError("This acknowledgement link has expired")
