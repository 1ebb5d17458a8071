"""One-time, expiring acknowledgement links, and the same tokens in voice key-press callbacks.

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
import secrets
from datetime import datetime

import asyncpg
import msgspec

__all__ = ["AckLink", "LinkStore", "digest", "new_token", "seal", "unseal"]


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


class LinkStore:
    """The ``ack_link`` table."""

    @staticmethod
    async def create(conn: asyncpg.Connection | asyncpg.Pool, *, token: str, page_arn: str,
                     channel_arn: str, delivery_id: str, accept_code: str, subject: str,
                     incident_id: str | None, expires_at: datetime) -> None:
        await conn.execute(
            "INSERT INTO ack_link (digest, page_arn, channel_arn, delivery_id, sealed_code,"
            " subject, incident_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            digest(token), page_arn, channel_arn, delivery_id,
            seal(token, page_arn, accept_code), subject[:2048], incident_id, expires_at)

    @staticmethod
    async def find(conn: asyncpg.Connection | asyncpg.Pool, token: str, *,
                   lock: bool = False) -> AckLink | None:
        row = await conn.fetchrow(
            "SELECT page_arn, channel_arn, delivery_id, sealed_code, subject, incident_id,"
            " expires_at, used_at FROM ack_link WHERE digest = $1"
            + (" FOR UPDATE" if lock else ""), digest(token))
        return AckLink(**dict(row)) if row else None

    @staticmethod
    async def spend(conn: asyncpg.Connection, page_arn: str, at: datetime) -> None:
        """Mark every link of ``page_arn`` used."""
        await conn.execute("UPDATE ack_link SET used_at = $2 WHERE page_arn = $1"
                           " AND used_at IS NULL", page_arn, at)
