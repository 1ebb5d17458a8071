"""The contact-channel operations: CreateContactChannel, GetContactChannel,
ListContactChannels, UpdateContactChannel, DeleteContactChannel, ActivateContactChannel,
DeactivateContactChannel, SendActivationCode and the Tocsin-internal
ReactivateContactChannel. The rules of activation codes are in
:mod:`tocsin.contacts.channels.domain`.
"""

from __future__ import annotations

import asyncio
import hmac
import math
import secrets
from datetime import UTC, datetime

import asyncpg
import msgspec

from tocsin.contacts.channels.domain import (
    ACTIVATED,
    CODE_TTL,
    MAX_ATTEMPTS,
    NOT_ACTIVATED,
    SEND_QUOTA_CODE,
    SEND_WINDOW,
    SENDS_PER_WINDOW,
    Channel,
    check_address,
    code_digest,
    new_code,
)
from tocsin.contacts.channels.requests import (
    ActivateContactChannel,
    ChannelId,
    CreateContactChannel,
    ListContactChannels,
    UpdateContactChannel,
)
from tocsin.contacts.channels.store import ChannelStore, channel_or_404
from tocsin.contacts.directory.domain import CHANNEL
from tocsin.contacts.directory.store import contact_or_404
from tocsin.contacts.usecases import CHANNEL_QUOTA, JSON, UseCases, read_token
from tocsin.shared import codec
from tocsin.shared.bus import RpcRequest
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import deliveries
from tocsin.shared.db import transaction, write_message
from tocsin.shared.db.quotas import check_quota
from tocsin.shared.errors import NotFoundError, QuotaExceededError, ValidationError
from tocsin.shared.events import emit
from tocsin.shared.logging import context_headers
from tocsin.shared.paging import make_token, page_size

__all__ = ["ChannelHandlers"]


class ChannelHandlers(UseCases):
    """The contact-channel and activation operations."""

    async def create_contact_channel(self, req: RpcRequest) -> JSON:
        cmd: CreateContactChannel = req.decode(CreateContactChannel)
        address = check_address(cmd.type, cmd.delivery_address)
        by = self._by(req)

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
            sealed = await ChannelStore.insert(conn, self._keys, channel, now=now)
            await emit(conn, cc.ContactChannelCreated(**channel.state(by=by),
                                                      **sealed.members()),
                       region=self._region, now=now)
            if not cmd.defer_activation:
                await self._send_code(conn, channel, now=now, by=by)
            return {"ContactChannelArn": channel.arn}

        return await self._once(req, cmd.idempotency_token, body)

    async def get_contact_channel(self, req: RpcRequest) -> JSON:
        cmd: ChannelId = req.decode(ChannelId)
        async with self._pool.acquire() as conn:
            channel = await channel_or_404(conn, self._keys, cmd.contact_channel_id)
        return channel.output()

    async def list_contact_channels(self, req: RpcRequest) -> JSON:
        cmd: ListContactChannels = req.decode(ListContactChannels)
        limit = page_size(cmd.max_results)
        after = read_token(cmd.next_token, int) if cmd.next_token else None
        async with self._pool.acquire() as conn:
            contact = await contact_or_404(conn, cmd.contact_id)
            rows = await ChannelStore.page(conn, self._keys, contact.arn, after=after,
                                           limit=limit + 1)
        out: JSON = {"ContactChannels": [c.output() for _, c in rows[:limit]]}
        if len(rows) > limit:
            out["NextToken"] = make_token(rows[limit - 1][0])
        return out

    async def update_contact_channel(self, req: RpcRequest) -> JSON:
        cmd: UpdateContactChannel = req.decode(UpdateContactChannel)
        by = self._by(req)
        async with transaction(self._pool) as conn:
            now = self._clock.now()
            channel = await channel_or_404(conn, self._keys, cmd.contact_channel_id, lock=True)
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
            updated, sealed = await ChannelStore.save(conn, self._keys, updated)
            moved = updated.address != channel.address
            await emit(conn, cc.ContactChannelUpdated(**updated.state(by=by),
                                                      **sealed.members(),
                                                      address_changed=moved),
                       region=self._region, now=now)
            if moved:
                # A new address must prove itself: whatever was pending for the old one is
                # void, and a channel that was active is not any more.
                await ChannelStore.void_code(conn, channel.arn)
                if channel.activation_status == ACTIVATED:
                    await emit(conn, cc.ContactChannelDeactivated(
                        **updated.state(by=by), **sealed.members(), reason="ADDRESS_CHANGED"),
                        region=self._region,
                        now=now)
                await self._send_code(conn, updated, now=now, by=by)
        return {}

    async def delete_contact_channel(self, req: RpcRequest) -> JSON:
        cmd: ChannelId = req.decode(ChannelId)
        async with transaction(self._pool) as conn:
            # The channel stays named in its contact's plan; engagements skip it.
            deleted = await ChannelStore.delete(conn, cmd.contact_channel_id)
            if deleted is None:
                raise NotFoundError(f"Contact channel {cmd.contact_channel_id} does not exist",
                                    resource_type=CHANNEL, resource_id=cmd.contact_channel_id)
            contact_arn, version = deleted
            await emit(conn, cc.ContactChannelDeleted(
                contact_channel_arn=cmd.contact_channel_id, contact_arn=contact_arn,
                resource_version=version, principal=self._by(req)),
                region=self._region, now=self._clock.now())
        return {}

    async def activate_contact_channel(self, req: RpcRequest) -> JSON:
        cmd: ActivateContactChannel = req.decode(ActivateContactChannel)
        refused: ValidationError | None = None
        async with transaction(self._pool) as conn:
            now = self._clock.now()
            channel = await channel_or_404(conn, self._keys, cmd.contact_channel_id, lock=True)
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
                    activated, sealed = await ChannelStore.save(conn, self._keys, activated)
                    await emit(conn, cc.ContactChannelActivated(
                        **activated.state(by=self._by(req)), **sealed.members()),
                               region=self._region, now=now)
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
            channel = await channel_or_404(conn, self._keys, cmd.contact_channel_id, lock=True)
            # Reactivating takes a fresh code.
            await ChannelStore.void_code(conn, channel.arn)
            if channel.activation_status == ACTIVATED:
                deactivated = msgspec.structs.replace(channel, activation_status=NOT_ACTIVATED)
                deactivated, sealed = await ChannelStore.save(conn, self._keys, deactivated)
                await emit(conn, cc.ContactChannelDeactivated(
                    **deactivated.state(by=self._by(req)), **sealed.members(),
                    reason="DEACTIVATED"),
                    region=self._region, now=self._clock.now())
        return {}

    async def reactivate_contact_channel(self, req: RpcRequest) -> JSON:
        """Tocsin-internal (:class:`tocsin.shared.contracts.contacts.ReactivateContactChannel`):
        the owner texted START from the channel's own number after opting out with STOP."""
        cmd: ChannelId = req.decode(ChannelId)
        async with transaction(self._pool) as conn:
            channel = await channel_or_404(conn, self._keys, cmd.contact_channel_id, lock=True)
            if channel.activation_status != ACTIVATED:
                activated = msgspec.structs.replace(channel, activation_status=ACTIVATED)
                activated, sealed = await ChannelStore.save(conn, self._keys, activated)
                await emit(conn, cc.ContactChannelActivated(
                    **activated.state(by=self._by(req)), **sealed.members(),
                    reason="RESUBSCRIBED"),
                    region=self._region, now=self._clock.now())
        return {}

    async def find_contact_channels(self, req: RpcRequest) -> cc.FoundContactChannels:
        """Tocsin-internal (:class:`tocsin.shared.contracts.contacts.FindContactChannels`):
        the channels of a number that texted Tocsin, by its blind indexes, and their
        unread pages."""
        cmd: cc.FindContactChannels = req.decode(cc.FindContactChannels)
        try:
            indexes = [bytes.fromhex(i) for i in cmd.address_indexes]
        except ValueError:
            raise ValidationError("AddressIndexes are blind indexes in hex") from None
        async with self._pool.acquire() as conn:
            arns = await ChannelStore.by_address_index(conn, indexes, cmd.type)
            pages: list[cc.FoundPage] = []
            if arns and cmd.pages_since is not None:
                rows = await conn.fetch(
                    "SELECT c.page_arn, c.channel_arn FROM page_channel c"
                    " JOIN page p ON p.arn = c.page_arn WHERE c.channel_arn = ANY($1::text[])"
                    " AND p.read_time IS NULL AND p.sent_time >= $2"
                    " ORDER BY p.sent_time DESC LIMIT 20",
                    arns, datetime.fromtimestamp(cmd.pages_since, UTC))
                pages = [cc.FoundPage(page_arn=r["page_arn"],
                                      contact_channel_arn=r["channel_arn"]) for r in rows]
        return cc.FoundContactChannels(contact_channel_arns=arns, pages=pages)

    async def send_activation_code(self, req: RpcRequest) -> JSON:
        cmd: ChannelId = req.decode(ChannelId)
        async with transaction(self._pool) as conn:
            channel = await channel_or_404(conn, self._keys, cmd.contact_channel_id, lock=True)
            await self._send_code(conn, channel, now=self._clock.now(),
                                  by=self._by(req))
        return {}

    async def _send_code(self, conn: asyncpg.Connection, channel: Channel, *,
                         now: datetime, by: str) -> None:
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
                            await deliveries.seal(self._keys, delivery), msg_id=delivery.id,
                            headers=context_headers())
        await emit(conn, cc.ContactChannelActivationCodeSent(
            contact_channel_arn=channel.arn, contact_arn=channel.contact_arn,
            type=channel.type, expires_at=expires, principal=by), region=self._region,
            now=now)

