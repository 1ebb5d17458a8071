"""Inbound's tables: ``ack_link`` (one-time acknowledgement links and voice callback
tokens, :mod:`tocsin.notifications.inbound.domain`), ``phone_route`` (which page went to which
number: a reply finds its page by it), ``opt_out`` (numbers that texted STOP) and
``inbound_seen`` (provider callbacks already handled).

A phone number is kept only as its keyed blind index (HMAC-SHA256 under the replication
set's data key, :mod:`tocsin.shared.crypto`): a reply from the number finds its rows, and a
stolen table gives no number back (a plain hash of a phone number is reversed by trying
them all). Rows written before the keyed index hold a plain SHA-256; lookups match either,
and new rows are only ever keyed. Inserts are ``ON CONFLICT DO NOTHING`` or keyed
by a fresh random token, so no statement here violates a constraint and no database error
has a domain meaning: any that reaches a handler is an outage (``ServiceUnavailable``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import asyncpg
import msgspec

from tocsin.notifications.inbound.domain import AckLink, digest, seal
from tocsin.shared.contracts.contacts import CHANNEL_ADDRESS_INDEX
from tocsin.shared.keys import KeyRing

__all__ = ["PHONE_INDEX", "LinkStore", "NewRoute", "Phone", "PhoneRoute", "RouteStore",
           "SeenStore", "phone"]

PHONE_INDEX = "phone-number"
"""The blind-index purpose of phone numbers."""


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number as the tables know it: never the number itself."""

    keyed: bytes
    """Its blind index under the current data key: what is written."""
    legacy: bytes
    """Its plain SHA-256, as rows from before the keyed index hold it: only looked up."""
    others: tuple[bytes, ...] = ()
    """Its blind indexes under the set's other data keys: only looked up."""
    channel_indexes: tuple[bytes, ...] = ()
    """Its blind indexes as a contact channel address, under every data key of the set:
    how the contacts service finds its channels, in whichever region they were made."""

    @property
    def digests(self) -> list[bytes]:
        return [self.keyed, *self.others, self.legacy]


async def phone(keys: KeyRing, number: str) -> Phone:
    """How ``number`` is looked up and stored.

    Raises:
        DataEncryptionError: the data key cannot be unwrapped.
    """
    number = number.strip()
    keyed = await keys.indexes(number, purpose=PHONE_INDEX)
    return Phone(keyed=keyed[0], legacy=hashlib.sha256(number.encode()).digest(),
                 others=tuple(keyed[1:]),
                 channel_indexes=tuple(await keys.indexes(number,
                                                          purpose=CHANNEL_ADDRESS_INDEX)))


class NewRoute(NamedTuple):
    """A send to a phone number, as its ``phone_route`` row begins."""

    delivery_id: str
    address_digest: bytes
    """The number's blind index under the current data key (:attr:`Phone.keyed`)."""
    channel_arn: str
    channel_type: str
    page_arn: str | None


class PhoneRoute(msgspec.Struct, frozen=True, kw_only=True):
    delivery_id: str
    channel_arn: str
    channel_type: str
    page_arn: str | None
    sent_at: datetime


class RouteStore:
    """``phone_route`` and ``opt_out``: who a phone number is."""

    @staticmethod
    async def add(conn: asyncpg.Connection, routes: Sequence[NewRoute], *,
                  now: datetime) -> None:
        """Which page goes to which number, for the sends about to be made."""
        if not routes:
            return
        await conn.execute(
            "INSERT INTO phone_route (delivery_id, address_digest, channel_arn, channel_type,"
            " page_arn, sent_at) SELECT *, $6::timestamptz FROM unnest($1::text[],"
            " $2::bytea[], $3::text[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING",
            *(list(column) for column in zip(*routes, strict=True)), now)

    @staticmethod
    async def recent(conn: asyncpg.Connection | asyncpg.Pool, number: Phone, *,
                     since: datetime, channel_type: str = "SMS",
                     limit: int = 20) -> list[PhoneRoute]:
        rows = await conn.fetch(
            "SELECT delivery_id, channel_arn, channel_type, page_arn, sent_at FROM phone_route"
            " WHERE address_digest = ANY($1::bytea[]) AND channel_type = $2"
            " AND sent_at >= $3 ORDER BY sent_at DESC LIMIT $4", number.digests, channel_type,
            since,
            limit)
        return [PhoneRoute(**dict(r)) for r in rows]

    @staticmethod
    async def channels(conn: asyncpg.Connection | asyncpg.Pool, number: Phone,
                       channel_type: str = "SMS") -> list[str]:
        """Every channel of this type that anything was sent to at ``number``."""
        rows = await conn.fetch(
            "SELECT DISTINCT channel_arn FROM phone_route"
            " WHERE address_digest = ANY($1::bytea[]) AND channel_type = $2",
            number.digests, channel_type)
        return [r["channel_arn"] for r in rows]

    @staticmethod
    async def rekey(conn: asyncpg.Connection | asyncpg.Pool, number: Phone) -> None:
        """Replace the plain hashes of ``number`` left from before the keyed index by its
        blind index (a reply from it is the one time its plaintext is at hand)."""
        await conn.execute(
            "WITH o AS (DELETE FROM opt_out WHERE address_digest = $2"
            " RETURNING channel_arn, at),"
            " r AS (UPDATE phone_route SET address_digest = $1 WHERE address_digest = $2)"
            " INSERT INTO opt_out (address_digest, channel_arn, at)"
            " SELECT $1, channel_arn, at FROM o ON CONFLICT DO NOTHING",
            number.keyed, number.legacy)

    @staticmethod
    async def opt_out(conn: asyncpg.Connection | asyncpg.Pool, number: Phone,
                      channel_arn: str, now: datetime) -> None:
        await conn.execute("INSERT INTO opt_out (address_digest, channel_arn, at)"
                           " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                           number.keyed, channel_arn, now)

    @staticmethod
    async def opted_out(conn: asyncpg.Connection | asyncpg.Pool, number: Phone) -> list[str]:
        rows = await conn.fetch("SELECT DISTINCT channel_arn FROM opt_out"
                                " WHERE address_digest = ANY($1::bytea[])", number.digests)
        return [r["channel_arn"] for r in rows]

    @staticmethod
    async def opt_in(conn: asyncpg.Connection | asyncpg.Pool, number: Phone,
                     channel_arn: str) -> None:
        await conn.execute("DELETE FROM opt_out WHERE address_digest = ANY($1::bytea[])"
                           " AND channel_arn = $2", number.digests, channel_arn)


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


class SeenStore:
    """``inbound_seen``: provider callbacks already handled (Twilio's retries)."""

    @staticmethod
    async def seen(conn: asyncpg.Connection | asyncpg.Pool, provider: str, key: str) -> bool:
        return bool(await conn.fetchval(
            "SELECT true FROM inbound_seen WHERE provider = $1 AND event_key = $2",
            provider, key))

    @staticmethod
    async def add(conn: asyncpg.Connection | asyncpg.Pool, provider: str, key: str) -> None:
        await conn.execute(
            "INSERT INTO inbound_seen (provider, event_key) VALUES ($1, $2)"
            " ON CONFLICT DO NOTHING", provider, key)
