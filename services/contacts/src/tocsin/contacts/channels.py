"""Contact channels and their activation: CreateContactChannel, GetContactChannel,
ListContactChannels, UpdateContactChannel, DeleteContactChannel, ActivateContactChannel,
DeactivateContactChannel and SendActivationCode.

A channel belongs to one ``PERSONAL`` contact and is ``NOT_ACTIVATED`` until its owner
proves they receive it: a six-digit **activation code** is sent to the address (on
creation unless ``DeferActivation``, on ``SendActivationCode``, and whenever
``UpdateContactChannel`` changes the address, which also makes the channel
``NOT_ACTIVATED`` again) and ``ActivateContactChannel`` with that code activates it. Only
an ``ACTIVATED`` channel is ever engaged (the ``activation_status`` column of
``contact_channel``).

The rules of a code, all in plan time (the service's clock):

- it is stored only as a salted scrypt digest, so neither the table nor a backup gives it
  away; the only plaintext copy is the delivery request for the notifications service
  (``deliveries.<region>.activation-code``, :mod:`tocsin.shared.contracts.deliveries`),
  written to the outbox in the same transaction. Events on ``EVENTS_<REGION>`` carry
  neither the code nor the address, and nothing here logs either;
- it expires :data:`CODE_TTL` after it was sent; a new code replaces the pending one;
- after :data:`MAX_ATTEMPTS` wrong codes it is void and a new one must be sent;
- at most :data:`SENDS_PER_WINDOW` codes are sent to a channel per :data:`SEND_WINDOW`,
  counting every send; one more is a ``ServiceQuotaExceededException`` (quota code
  :data:`SEND_QUOTA_CODE`) that says when the next one may go. An address change over the
  limit is refused the same way, and changes nothing.

A wrong, expired, void or missing code is a ``ValidationException`` that says which; the
count of wrong attempts is committed even though the call fails.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import re
import secrets
from datetime import datetime, timedelta
from typing import Annotated

import asyncpg
import msgspec

from tocsin.contacts.contacts import (
    CHANNEL,
    contact_or_404,
    make_token,
    page_size,
    read_token,
)
from tocsin.contacts.usecases import CHANNEL_QUOTA, JSON, UseCases
from tocsin.shared import codec
from tocsin.shared.bus import RpcRequest
from tocsin.shared.contracts import deliveries
from tocsin.shared.db import transaction, write_message
from tocsin.shared.db.quotas import check_quota
from tocsin.shared.errors import ConflictError, NotFoundError, QuotaExceededError, ValidationError
from tocsin.shared.logging import context_headers

__all__ = [
    "CODE_TTL",
    "MAX_ATTEMPTS",
    "SENDS_PER_WINDOW",
    "SEND_QUOTA_CODE",
    "SEND_WINDOW",
    "Channel",
    "ChannelHandlers",
    "ChannelStore",
    "channel_or_404",
    "check_address",
    "code_digest",
    "new_code",
]

CODE_TTL = timedelta(minutes=15)
"""How long an activation code activates its channel."""
MAX_ATTEMPTS = 5
"""Wrong codes after which the pending code is void."""
SENDS_PER_WINDOW = 5
"""Most activation codes sent to one channel per :data:`SEND_WINDOW`."""
SEND_WINDOW = timedelta(hours=1)
SEND_QUOTA_CODE = "ActivationCodesPerChannelPerHour"
"""``QuotaCode`` of the send limit; AWS publishes none, so this one is Tocsin's."""

ChannelType = deliveries.ChannelType
ACTIVATED, NOT_ACTIVATED = "ACTIVATED", "NOT_ACTIVATED"

# The usual "valid email address" subset of RFC 5321: a dot-atom local part and a domain of
# at least two LDH labels. Quoted local parts and IP literals are refused.
_EMAIL = re.compile(
    r"^(?=.{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
# E.164: "+", a country code that does not start with 0, 8 to 15 digits in all.
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")

# scrypt's interactive-login cost (about 16 MiB, tens of milliseconds): a stolen digest
# takes far longer than the code's 15 minutes to brute-force over the 10^6 codes.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


# --- inputs -----------------------------------------------------------------------------


class _In(msgspec.Struct, rename="pascal", kw_only=True, frozen=True, omit_defaults=True):
    """An ``ssm-contacts`` shape: PascalCase, unknown members ignored."""


Name = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class ContactChannelAddress(_In, frozen=True):
    simple_address: Annotated[str, msgspec.Meta(min_length=1, max_length=320)] | None = None


class CreateContactChannel(_In, frozen=True):
    contact_id: str
    name: Name
    type: ChannelType
    delivery_address: ContactChannelAddress
    defer_activation: bool | None = None
    idempotency_token: str | None = None


class ChannelId(_In, frozen=True):
    contact_channel_id: str


class ListContactChannels(_In, frozen=True):
    contact_id: str
    next_token: str | None = None
    max_results: Annotated[int, msgspec.Meta(ge=0, le=1024)] | None = None


class UpdateContactChannel(_In, frozen=True):
    contact_channel_id: str
    name: Name | None = None
    delivery_address: ContactChannelAddress | None = None


class ActivateContactChannel(_In, frozen=True):
    contact_channel_id: str
    activation_code: Annotated[str, msgspec.Meta(min_length=6, max_length=10,
                                                 pattern="^[0-9]*$")]


# --- rules ------------------------------------------------------------------------------


def check_address(channel_type: str, address: ContactChannelAddress) -> str:
    """The ``SimpleAddress`` of ``address``, once it fits ``channel_type``.

    The message never repeats the address: it is personal data, and error messages may be
    logged.

    Raises:
        ValidationError: no address, or not an email address (``EMAIL``) / an E.164 phone
            number (``SMS``, ``VOICE``).
    """
    value = address.simple_address
    if not value:
        raise ValidationError("DeliveryAddress.SimpleAddress is required")
    if channel_type == "EMAIL":
        if not _EMAIL.match(value):
            raise ValidationError(
                "DeliveryAddress.SimpleAddress is not an email address (name@example.com)")
    elif not _E164.match(value):
        raise ValidationError(
            f"DeliveryAddress.SimpleAddress of a {channel_type} channel must be a phone "
            "number in E.164 format: '+', the country code and the number, 8 to 15 digits "
            "in all (+442079460000)")
    return value


def new_code() -> str:
    """A fresh six-digit activation code, from the operating system's secure random
    source."""
    return f"{secrets.randbelow(10**6):06d}"


def code_digest(code: str, salt: bytes) -> bytes:
    """The stored form of ``code``: scrypt under ``salt``."""
    return hashlib.scrypt(code.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P,
                          dklen=32)


# --- storage ----------------------------------------------------------------------------


class Channel(msgspec.Struct, frozen=True, kw_only=True):
    """A row of ``contact_channel``."""

    arn: str
    contact_arn: str
    name: str
    type: ChannelType
    address: str
    activation_status: str

    def output(self) -> JSON:
        """The ``ContactChannel`` shape (and the ``GetContactChannel`` output)."""
        return {"ContactArn": self.contact_arn, "ContactChannelArn": self.arn,
                "Name": self.name, "Type": self.type,
                "DeliveryAddress": {"SimpleAddress": self.address},
                "ActivationStatus": self.activation_status}

    def event(self) -> JSON:
        """Event data: the channel without its address."""
        return {"contactChannelArn": self.arn, "contactArn": self.contact_arn,
                "name": self.name, "type": self.type,
                "activationStatus": self.activation_status}

    @property
    def contact_alias(self) -> str:
        return self.contact_arn.rpartition("/")[2]


class PendingCode(msgspec.Struct, frozen=True, kw_only=True):
    """A row of ``activation_code``."""

    salt: bytes
    digest: bytes
    expires_at: datetime
    failed_attempts: int


_COLUMNS = "arn, contact_arn, name, type, address, activation_status"


def _channel(row: asyncpg.Record) -> Channel:
    return Channel(**{k: row[k] for k in ("arn", "contact_arn", "name", "type", "address",
                                          "activation_status")})


class ChannelStore:
    """The SQL of contact channels and activation codes, on the caller's connection."""

    @staticmethod
    async def insert(conn: asyncpg.Connection, channel: Channel, *, now: datetime) -> bool:
        """False when the contact has a channel of that name."""
        return bool(await conn.fetchval(
            "INSERT INTO contact_channel"
            " (arn, contact_arn, name, type, address, activation_status, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (contact_arn, name) DO NOTHING RETURNING true",
            channel.arn, channel.contact_arn, channel.name, channel.type, channel.address,
            channel.activation_status, now))

    @staticmethod
    async def get(conn: asyncpg.Connection, arn: str, *, lock: bool = False) -> Channel | None:
        row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM contact_channel WHERE arn = $1"
                                  + (" FOR UPDATE" if lock else ""), arn)
        return _channel(row) if row else None

    @staticmethod
    async def page(conn: asyncpg.Connection, contact_arn: str, *, after: int | None,
                   limit: int) -> list[tuple[int, Channel]]:
        """``(position, channel)`` of a contact's channels in the order they were created."""
        rows = await conn.fetch(
            f"SELECT position, {_COLUMNS} FROM contact_channel WHERE contact_arn = $1"
            " AND ($2::bigint IS NULL OR position > $2) ORDER BY position LIMIT $3",
            contact_arn, after, limit)
        return [(r["position"], _channel(r)) for r in rows]

    @staticmethod
    async def save(conn: asyncpg.Connection, channel: Channel) -> None:
        await conn.execute(
            "UPDATE contact_channel SET name = $2, address = $3, activation_status = $4"
            " WHERE arn = $1", channel.arn, channel.name, channel.address,
            channel.activation_status)

    @staticmethod
    async def delete(conn: asyncpg.Connection, arn: str) -> str | None:
        """Delete the channel; returns its contact's ARN, or None if there was none."""
        contact: str | None = await conn.fetchval(
            "DELETE FROM contact_channel WHERE arn = $1 RETURNING contact_arn", arn)
        return contact

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


async def channel_or_404(conn: asyncpg.Connection, arn: str, *,
                         lock: bool = False) -> Channel:
    """The channel ``arn`` (its row locked with ``lock``).

    Raises:
        NotFoundError: there is no such channel.
    """
    channel = await ChannelStore.get(conn, arn, lock=lock)
    if channel is None:
        raise NotFoundError(f"Contact channel {arn} does not exist", resource_type=CHANNEL,
                            resource_id=arn)
    return channel


# --- the operations ---------------------------------------------------------------------


class ChannelHandlers(UseCases):
    """The contact-channel and activation operations."""

    async def create_contact_channel(self, req: RpcRequest) -> JSON:
        cmd: CreateContactChannel = req.decode(CreateContactChannel)
        address = check_address(cmd.type, cmd.delivery_address)

        async def body(conn: asyncpg.Connection) -> JSON:
            now = self._clock.now()
            contact = await contact_or_404(conn, cmd.contact_id)
            if contact.type != "PERSONAL":
                raise ValidationError(
                    f"Contact {contact.arn} is {contact.type}: only PERSONAL contacts have "
                    "contact channels")
            await check_quota(conn, CHANNEL_QUOTA, limit=self._quotas.channels_per_contact,
                              count_sql="SELECT count(*) FROM contact_channel"
                                        " WHERE contact_arn = $1",
                              args=(contact.arn,), scope=contact.arn, camel=False)
            channel = Channel(arn=self._arns.channel(contact.alias), contact_arn=contact.arn,
                              name=cmd.name, type=cmd.type, address=address,
                              activation_status=NOT_ACTIVATED)
            try:
                inserted = await ChannelStore.insert(conn, channel, now=now)
            except asyncpg.ForeignKeyViolationError:
                raise NotFoundError(f"Contact {contact.arn} does not exist",
                                    resource_type="CONTACT", resource_id=contact.arn) from None
            if not inserted:
                raise ConflictError(
                    f"Contact {contact.arn} already has a contact channel named {cmd.name!r}",
                    resource_type=CHANNEL, resource_id=contact.arn)
            await self._events.emit(conn, "ContactChannelCreated", channel.event(), now=now)
            if not cmd.defer_activation:
                await self._send_code(conn, channel, now=now)
            return {"ContactChannelArn": channel.arn}

        return await self._once(req, cmd.idempotency_token, body)

    async def get_contact_channel(self, req: RpcRequest) -> JSON:
        cmd: ChannelId = req.decode(ChannelId)
        async with self._pool.acquire() as conn:
            channel = await channel_or_404(conn, cmd.contact_channel_id)
        return channel.output()

    async def list_contact_channels(self, req: RpcRequest) -> JSON:
        cmd: ListContactChannels = req.decode(ListContactChannels)
        limit = page_size(cmd.max_results)
        after = read_token(cmd.next_token, int) if cmd.next_token else None
        async with self._pool.acquire() as conn:
            contact = await contact_or_404(conn, cmd.contact_id)
            rows = await ChannelStore.page(conn, contact.arn, after=after, limit=limit + 1)
        out: JSON = {"ContactChannels": [c.output() for _, c in rows[:limit]]}
        if len(rows) > limit:
            out["NextToken"] = make_token(rows[limit - 1][0])
        return out

    async def update_contact_channel(self, req: RpcRequest) -> JSON:
        cmd: UpdateContactChannel = req.decode(UpdateContactChannel)
        async with transaction(self._pool) as conn:
            now = self._clock.now()
            channel = await channel_or_404(conn, cmd.contact_channel_id, lock=True)
            updated = channel
            if cmd.name is not None:
                updated = msgspec.structs.replace(updated, name=cmd.name)
            if cmd.delivery_address is not None:
                address = check_address(channel.type, cmd.delivery_address)
                if address != channel.address:
                    updated = msgspec.structs.replace(updated, address=address,
                                                      activation_status=NOT_ACTIVATED)
            if updated == channel:
                return {}
            try:
                await ChannelStore.save(conn, updated)
            except asyncpg.UniqueViolationError:
                raise ConflictError(
                    f"Contact {channel.contact_arn} already has a contact channel named "
                    f"{updated.name!r}", resource_type=CHANNEL, resource_id=channel.arn
                ) from None
            moved = updated.address != channel.address
            await self._events.emit(conn, "ContactChannelUpdated",
                                    {**updated.event(), "addressChanged": moved}, now=now)
            if moved:
                # A new address must prove itself: whatever was pending for the old one is
                # void, and a channel that was active is not any more.
                await ChannelStore.void_code(conn, channel.arn)
                if channel.activation_status == ACTIVATED:
                    await self._events.emit(
                        conn, "ContactChannelDeactivated",
                        {**updated.event(), "reason": "ADDRESS_CHANGED"}, now=now)
                await self._send_code(conn, updated, now=now)
        return {}

    async def delete_contact_channel(self, req: RpcRequest) -> JSON:
        cmd: ChannelId = req.decode(ChannelId)
        async with transaction(self._pool) as conn:
            # The channel stays named in its contact's plan; engagements skip it.
            contact_arn = await ChannelStore.delete(conn, cmd.contact_channel_id)
            if contact_arn is None:
                raise NotFoundError(f"Contact channel {cmd.contact_channel_id} does not exist",
                                    resource_type=CHANNEL, resource_id=cmd.contact_channel_id)
            await self._events.emit(
                conn, "ContactChannelDeleted",
                {"contactChannelArn": cmd.contact_channel_id, "contactArn": contact_arn},
                now=self._clock.now())
        return {}

    async def activate_contact_channel(self, req: RpcRequest) -> JSON:
        cmd: ActivateContactChannel = req.decode(ActivateContactChannel)
        refused: ValidationError | None = None
        async with transaction(self._pool) as conn:
            now = self._clock.now()
            channel = await channel_or_404(conn, cmd.contact_channel_id, lock=True)
            pending = await ChannelStore.pending_code(conn, channel.arn)
            if pending is None:
                if channel.activation_status == ACTIVATED:
                    return {}  # a retried call that already succeeded
                raise ValidationError(
                    f"Contact channel {channel.arn} has no activation code pending (it was "
                    "never sent, was used, or is void); send one with SendActivationCode")
            if pending.expires_at <= now:
                await ChannelStore.void_code(conn, channel.arn)
                refused = ValidationError(
                    "The activation code has expired; send a new one with SendActivationCode")
            elif hmac.compare_digest(
                    await asyncio.to_thread(code_digest, cmd.activation_code, pending.salt),
                    pending.digest):
                await ChannelStore.void_code(conn, channel.arn)
                if channel.activation_status != ACTIVATED:
                    activated = msgspec.structs.replace(channel, activation_status=ACTIVATED)
                    await ChannelStore.save(conn, activated)
                    await self._events.emit(conn, "ContactChannelActivated", activated.event(),
                                            now=now)
            else:
                attempts = await ChannelStore.count_failure(conn, channel.arn)
                if attempts >= MAX_ATTEMPTS:
                    await ChannelStore.void_code(conn, channel.arn)
                    refused = ValidationError(
                        f"The activation code is wrong, and after {MAX_ATTEMPTS} wrong codes "
                        "it is void; send a new one with SendActivationCode")
                else:
                    left = MAX_ATTEMPTS - attempts
                    refused = ValidationError(
                        f"The activation code is wrong; {left} more wrong "
                        f"attempt{'s' if left != 1 else ''} void it")
        # Raised after the commit, so the voided code and the count of attempts stay.
        if refused is not None:
            raise refused
        return {}

    async def deactivate_contact_channel(self, req: RpcRequest) -> JSON:
        cmd: ChannelId = req.decode(ChannelId)
        async with transaction(self._pool) as conn:
            channel = await channel_or_404(conn, cmd.contact_channel_id, lock=True)
            # Reactivating takes a fresh code.
            await ChannelStore.void_code(conn, channel.arn)
            if channel.activation_status == ACTIVATED:
                deactivated = msgspec.structs.replace(channel, activation_status=NOT_ACTIVATED)
                await ChannelStore.save(conn, deactivated)
                await self._events.emit(conn, "ContactChannelDeactivated",
                                        {**deactivated.event(), "reason": "DEACTIVATED"},
                                        now=self._clock.now())
        return {}

    async def reactivate_contact_channel(self, req: RpcRequest) -> JSON:
        """Tocsin-internal (:class:`tocsin.shared.contracts.contacts.ReactivateContactChannel`):
        the owner texted START from the channel's own number after opting out with STOP."""
        cmd: ChannelId = req.decode(ChannelId)
        async with transaction(self._pool) as conn:
            channel = await channel_or_404(conn, cmd.contact_channel_id, lock=True)
            if channel.activation_status != ACTIVATED:
                activated = msgspec.structs.replace(channel, activation_status=ACTIVATED)
                await ChannelStore.save(conn, activated)
                await self._events.emit(conn, "ContactChannelActivated",
                                        {**activated.event(), "reason": "RESUBSCRIBED"},
                                        now=self._clock.now())
        return {}

    async def send_activation_code(self, req: RpcRequest) -> JSON:
        cmd: ChannelId = req.decode(ChannelId)
        async with transaction(self._pool) as conn:
            channel = await channel_or_404(conn, cmd.contact_channel_id, lock=True)
            await self._send_code(conn, channel, now=self._clock.now())
        return {}

    async def _send_code(self, conn: asyncpg.Connection, channel: Channel, *,
                         now: datetime) -> None:
        """Issue a new code for ``channel`` (its row locked by the caller) and ask for its
        delivery, in the caller's transaction.

        Raises:
            QuotaExceededError: :data:`SENDS_PER_WINDOW` codes went to the channel in the
                last :data:`SEND_WINDOW`.
        """
        since = now - SEND_WINDOW
        sent = await ChannelStore.sends_since(conn, channel.arn, since)
        if len(sent) >= SENDS_PER_WINDOW:
            wait = sent[-SENDS_PER_WINDOW] + SEND_WINDOW - now
            minutes = max(1, math.ceil(wait.total_seconds() / 60))
            raise QuotaExceededError(
                f"{SENDS_PER_WINDOW} activation codes were sent to contact channel "
                f"{channel.arn} in the last hour, the most it gets; the next can be sent in "
                f"{minutes} minute{'s' if minutes != 1 else ''}",
                QuotaCode=SEND_QUOTA_CODE, ServiceCode="ssm-contacts",
                ResourceId=channel.arn, ResourceType=CHANNEL)
        code, salt = new_code(), secrets.token_bytes(16)
        digest = await asyncio.to_thread(code_digest, code, salt)
        expires = now + CODE_TTL
        await ChannelStore.put_code(conn, channel.arn, salt=salt, digest=digest,
                                    expires_at=expires)
        await ChannelStore.record_send(conn, channel.arn, now=now, forget_before=since)
        delivery = deliveries.ActivationCodeDelivery(
            id=codec.new_event_id(), channel_arn=channel.arn, contact_arn=channel.contact_arn,
            type=channel.type, address=channel.address,
            code=code, expires_at=expires, sent_at=now, channel_name=channel.name,
            contact_alias=channel.contact_alias)
        await write_message(conn, deliveries.subject(self._region, deliveries.ACTIVATION_CODE),
                            codec.encode(delivery), msg_id=delivery.id,
                            headers=context_headers())
        await self._events.emit(
            conn, "ContactChannelActivationCodeSent",
            {"contactChannelArn": channel.arn, "contactArn": channel.contact_arn,
             "type": channel.type, "expiresAt": expires}, now=now)

