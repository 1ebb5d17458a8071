"""The SQL of contact channels and activation codes; every method runs on the caller's
connection.

A channel's address is personal data: it is stored only sealed under the replication set's
data key (``address_sealed``, bound to the channel's ARN, :mod:`tocsin.shared.crypto`).
The plaintext ``address`` column is left from before that; :func:`seal_plaintext_addresses`
empties it at start-up, and until then a row that still has one is read as it is. Beside it,
``address_index`` is the address's keyed blind index under the same key, so a number that
texts Tocsin finds its channels without any address being readable. The channel's events
carry both as they are stored (:class:`SealedAddress`), and the other regions of the set,
which hold the data key that sealed them, store them as they are (:mod:`tocsin.contacts.replicas`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from tocsin.contacts.channels.domain import Channel, PendingCode
from tocsin.contacts.directory.domain import CHANNEL, CONTACT
from tocsin.shared import crypto
from tocsin.shared.contracts.contacts import CHANNEL_ADDRESS_INDEX
from tocsin.shared.errors import ConflictError, DataEncryptionError, NotFoundError
from tocsin.shared.keys import KeyRing

__all__ = ["ChannelStore", "SealedAddress", "address_context", "channel_or_404",
           "index_sealed_addresses", "open_address", "seal_address",
           "seal_plaintext_addresses"]

_COLUMNS = "arn, contact_arn, name, type, address, address_sealed, activation_status, version"


def address_context(arn: str) -> str:
    """What a channel's sealed address is bound to: it opens for that channel only."""
    return f"contact_channel.address|{arn}"


@dataclass(frozen=True, slots=True)
class SealedAddress:
    """A channel's address as it is stored and as its events carry it."""

    sealed: bytes
    index: bytes

    def members(self) -> dict[str, Any]:
        """The members of a channel event that carry it."""
        return {"address_sealed": crypto.sealed_text(self.sealed),
                "address_index": self.index.hex()}


async def seal_address(keys: KeyRing, arn: str, address: str) -> SealedAddress:
    """``address`` of channel ``arn`` sealed, and its blind index, under the current key.

    Raises:
        DataEncryptionError: the data key cannot be unwrapped.
    """
    key = await keys.current()
    return SealedAddress(key.seal(address, context=address_context(arn)),
                         key.index(address.strip(), purpose=CHANNEL_ADDRESS_INDEX))


async def open_address(keys: KeyRing, arn: str, sealed: bytes | None,
                       plain: str | None) -> str:
    """A channel's address from its row.

    Raises:
        DataEncryptionError: the data key cannot be unwrapped, or the value does not open.
    """
    if sealed is None:
        return plain or ""
    return (await keys.open(sealed, context=address_context(arn))).decode()


async def _channel(row: asyncpg.Record, keys: KeyRing) -> Channel:
    address = await open_address(keys, row["arn"], row["address_sealed"], row["address"])
    return Channel(address=address, **{k: row[k] for k in (
        "arn", "contact_arn", "name", "type", "activation_status", "version")})


async def seal_plaintext_addresses(pool: asyncpg.Pool, keys: KeyRing, *,
                                   batch: int = 200) -> int:
    """Seal the addresses still stored in plaintext (rows from before encryption at rest),
    a batch per transaction; returns how many. Any number of instances may run it at once:
    each row is sealed once (``SKIP LOCKED``)."""
    done = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT arn, address FROM contact_channel WHERE address IS NOT NULL"
                " LIMIT $1 FOR UPDATE SKIP LOCKED", batch)
            for r in rows:
                sealed = await seal_address(keys, r["arn"], r["address"])
                await conn.execute(
                    "UPDATE contact_channel SET address_sealed = $2, address_index = $3,"
                    " address = NULL WHERE arn = $1", r["arn"], sealed.sealed, sealed.index)
        done += len(rows)
        if len(rows) < batch:
            return done


async def index_sealed_addresses(pool: asyncpg.Pool, keys: KeyRing, *,
                                 batch: int = 200) -> int:
    """Give the channels sealed before blind indexes their address's index, under the key
    that sealed each (as a channel event carries it); returns how many. A row whose key
    does not unwrap here is left for a later start."""
    done, after = 0, -1
    while True:
        async with pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT position, arn, address_sealed FROM contact_channel"
                " WHERE address_index IS NULL AND address_sealed IS NOT NULL"
                " AND position > $1 ORDER BY position LIMIT $2 FOR UPDATE SKIP LOCKED",
                after, batch)
            for r in rows:
                after = r["position"]
                sealed = bytes(r["address_sealed"])
                try:
                    key = await keys.key(crypto.key_id_of(sealed))
                    address = key.open(sealed, context=address_context(r["arn"])).decode()
                except DataEncryptionError:
                    continue
                await conn.execute(
                    "UPDATE contact_channel SET address_index = $2 WHERE arn = $1", r["arn"],
                    key.index(address.strip(), purpose=CHANNEL_ADDRESS_INDEX))
                done += 1
        if len(rows) < batch:
            return done


def _name_taken(channel: Channel, *, resource_id: str) -> ConflictError:
    return ConflictError(f"Contact {channel.contact_arn} already has a contact channel named "
                         f"{channel.name!r}", resource_type=CHANNEL, resource_id=resource_id)


class ChannelStore:
    """The SQL of contact channels and activation codes, on the caller's connection."""

    @staticmethod
    async def insert(conn: asyncpg.Connection, keys: KeyRing, channel: Channel, *,
                     now: datetime) -> SealedAddress:
        """The address as stored. Raises ``ConflictError`` when the contact has a channel
        of that name, ``NotFoundError`` when the contact is gone, and
        ``DataEncryptionError`` when the address cannot be sealed."""
        sealed = await seal_address(keys, channel.arn, channel.address)
        try:
            inserted = await conn.fetchval(
                "INSERT INTO contact_channel (arn, contact_arn, name, type, address_sealed,"
                " address_index, activation_status, created_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                " ON CONFLICT (contact_arn, name) DO NOTHING RETURNING true",
                channel.arn, channel.contact_arn, channel.name, channel.type,
                sealed.sealed, sealed.index, channel.activation_status, now)
        except asyncpg.ForeignKeyViolationError:
            raise NotFoundError(f"Contact {channel.contact_arn} does not exist",
                                resource_type=CONTACT, resource_id=channel.contact_arn) from None
        if not inserted:
            raise _name_taken(channel, resource_id=channel.contact_arn)
        return sealed

    @staticmethod
    async def get(conn: asyncpg.Connection, keys: KeyRing, arn: str, *,
                  lock: bool = False) -> Channel | None:
        row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM contact_channel WHERE arn = $1"
                                  + (" FOR UPDATE" if lock else ""), arn)
        return await _channel(row, keys) if row else None

    @staticmethod
    async def page(conn: asyncpg.Connection, keys: KeyRing, contact_arn: str, *,
                   after: int | None, limit: int) -> list[tuple[int, Channel]]:
        """``(position, channel)`` of a contact's channels in the order they were created."""
        rows = await conn.fetch(
            f"SELECT position, {_COLUMNS} FROM contact_channel WHERE contact_arn = $1"
            " AND ($2::bigint IS NULL OR position > $2) ORDER BY position LIMIT $3",
            contact_arn, after, limit)
        return [(r["position"], await _channel(r, keys)) for r in rows]

    @staticmethod
    async def save(conn: asyncpg.Connection, keys: KeyRing,
                   channel: Channel) -> tuple[Channel, SealedAddress]:
        """Write a changed channel; the channel as saved, with its next version, and its
        address as stored.

        Raises:
            ConflictError: the contact has another channel of that name.
            DataEncryptionError: the address cannot be sealed.
        """
        sealed = await seal_address(keys, channel.arn, channel.address)
        try:
            version: int = await conn.fetchval(
                "UPDATE contact_channel SET name = $2, address = NULL, address_sealed = $3,"
                " address_index = $4, activation_status = $5, version = version + 1"
                " WHERE arn = $1 RETURNING version", channel.arn, channel.name,
                sealed.sealed, sealed.index, channel.activation_status)
        except asyncpg.UniqueViolationError:
            raise _name_taken(channel, resource_id=channel.arn) from None
        return msgspec.structs.replace(channel, version=version), sealed

    @staticmethod
    async def by_address_index(conn: asyncpg.Connection | asyncpg.Pool,
                               indexes: list[bytes], channel_type: str) -> list[str]:
        """The channels of ``channel_type`` whose address has one of these blind indexes
        (one per data key of the set: a channel made in any region is found)."""
        rows = await conn.fetch(
            "SELECT arn FROM contact_channel WHERE address_index = ANY($1::bytea[])"
            " AND type = $2 ORDER BY position", indexes, channel_type)
        return [r["arn"] for r in rows]

    @staticmethod
    async def delete(conn: asyncpg.Connection, arn: str) -> tuple[str, int] | None:
        """Delete the channel; returns its contact's ARN and the version of its deletion
        (its last change), or None if there was none."""
        row = await conn.fetchrow(
            "DELETE FROM contact_channel WHERE arn = $1 RETURNING contact_arn, version", arn)
        return (row["contact_arn"], row["version"] + 1) if row else None

    @staticmethod
    async def pending_code(conn: asyncpg.Connection, arn: str) -> PendingCode | None:
        """The channel's pending code, locked for the transaction."""
        row = await conn.fetchrow(
            "SELECT salt, digest, expires_at, failed_attempts FROM activation_code"
            " WHERE channel_arn = $1 FOR UPDATE", arn)
        return PendingCode(salt=row["salt"], digest=row["digest"], expires_at=row["expires_at"],
                           failed_attempts=row["failed_attempts"]) if row else None

    @staticmethod
    async def put_code(conn: asyncpg.Connection, arn: str, *, salt: bytes, digest: bytes,
                       expires_at: datetime) -> None:
        """Make this code the channel's pending one, replacing any other."""
        await conn.execute(
            "INSERT INTO activation_code (channel_arn, salt, digest, expires_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (channel_arn) DO UPDATE"
            " SET salt = EXCLUDED.salt, digest = EXCLUDED.digest,"
            " expires_at = EXCLUDED.expires_at, failed_attempts = 0",
            arn, salt, digest, expires_at)

    @staticmethod
    async def void_code(conn: asyncpg.Connection, arn: str) -> None:
        await conn.execute("DELETE FROM activation_code WHERE channel_arn = $1", arn)

    @staticmethod
    async def count_failure(conn: asyncpg.Connection, arn: str) -> int:
        """One more wrong attempt; returns how many there have been."""
        attempts: int = await conn.fetchval(
            "UPDATE activation_code SET failed_attempts = failed_attempts + 1"
            " WHERE channel_arn = $1 RETURNING failed_attempts", arn)
        return attempts

    @staticmethod
    async def sends_since(conn: asyncpg.Connection, arn: str,
                          since: datetime) -> list[datetime]:
        """When codes were sent to the channel after ``since``, oldest first."""
        return [r["sent_at"] for r in await conn.fetch(
            "SELECT sent_at FROM activation_code_sent WHERE channel_arn = $1"
            " AND sent_at > $2 ORDER BY sent_at", arn, since)]

    @staticmethod
    async def record_send(conn: asyncpg.Connection, arn: str, *, now: datetime,
                          forget_before: datetime) -> None:
        """Count a send at ``now``, and forget those that no longer count."""
        await conn.execute(
            "WITH gone AS (DELETE FROM activation_code_sent"
            " WHERE channel_arn = $1 AND sent_at <= $3)"
            " INSERT INTO activation_code_sent (channel_arn, sent_at) VALUES ($1, $2)",
            arn, now, forget_before)


async def channel_or_404(conn: asyncpg.Connection, keys: KeyRing, arn: str, *,
                         lock: bool = False) -> Channel:
    """The channel ``arn`` (its row locked with ``lock``).

    Raises:
        NotFoundError: there is no such channel.
    """
    channel = await ChannelStore.get(conn, keys, arn, lock=lock)
    if channel is None:
        raise NotFoundError(f"Contact channel {arn} does not exist", resource_type=CHANNEL,
                            resource_id=arn)
    return channel

