"""What people and providers send back: replies, key presses, link clicks, status reports.

- **SMS reply with a code** (6 to 10 digits): ``AcceptPage`` READ, code enforced, on the
  pages sent to that number within ``TOCSIN_REPLY_WINDOW``, newest first, until one takes
  it; the answer says whether it did.
- **STOP** (also UNSUBSCRIBE, STOPALL, CANCEL, END, QUIT): every SMS channel Tocsin sent to
  from that number is deactivated (``DeactivateContactChannel``) and remembered as opted
  out; the latest page on each gets a ``STOP`` receipt.
- **START** (also UNSTOP, SUBSCRIBE, YES): the channels that number opted out of are
  activated again (Tocsin-internal ``ReactivateContactChannel``; the signed webhook vouches
  for the number).
- **Voice key press** ``1``: the call's callback URL carries a one-time token
  (:mod:`tocsin.notifications.inbound.domain`) that acknowledges the page it was made for.
- **Acknowledgement link**: ``DescribeAckLink`` for the confirmation page of a ``GET``
  (never acknowledging: mail scanners fetch links), ``AcknowledgeLink`` for its ``POST``.
- **Status callbacks**: ``delivered`` adds a ``DELIVERED`` receipt to the page,
  ``failed``/``undelivered`` an ``ERROR`` one.
- **Repeats**: a callback the provider identifies (Twilio's ``MessageSid``/``CallSid``) that
  was already handled is answered without acting again (``inbound_seen``).

Every webhook's signature is checked by its provider (``AccessDeniedException`` when it
does not match) before anything else is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from tocsin.notifications.delivery.domain import InboundEvent
from tocsin.notifications.delivery.providers import Provider, voice_answer
from tocsin.notifications.delivery.store import DeliveryStore, ReceiptStore
from tocsin.notifications.inbound.domain import AckLink, sms_intent, status_receipt, unseal
from tocsin.notifications.inbound.store import LinkStore, Phone, RouteStore, SeenStore, phone
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, RpcRequest, rpc_subject
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.clock import Clock
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import notifications as nc
from tocsin.shared.db import transaction
from tocsin.shared.keys import KeyRing
from tocsin.shared.logging import get_logger

__all__ = ["InboundHandlers"]

log = get_logger(__name__)


class _Token(nc._In):
    token: str


class InboundHandlers:
    """The inbound requests of the notifications service."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus, clock: Clock,
                 providers: Mapping[str, Provider], *, link_base: str,
                 reply_window: float, keys: KeyRing) -> None:
        self._pool = pool
        self._keys = keys
        self._bus = bus
        self._clock = clock
        self._providers = dict(providers)
        self._link_base = link_base
        self._window = timedelta(seconds=reply_window)

    def operations(self) -> dict[str, Handler]:
        return {"Inbound": self.inbound, "DescribeAckLink": self.describe_ack_link,
                "AcknowledgeLink": self.acknowledge_link}

    # --- links ------------------------------------------------------------------------

    async def describe_ack_link(self, req: RpcRequest) -> Any:
        cmd: _Token = req.decode(_Token)
        link = await LinkStore.find(self._pool, cmd.token)
        if link is None:
            raise errors.NotFoundError("This acknowledgement link is not valid")
        return _describe(link)

    async def acknowledge_link(self, req: RpcRequest) -> Any:
        cmd: _Token = req.decode(_Token)
        link = await self._acknowledge(cmd.token, note="Acknowledged with the email link")
        return _describe(link, used=True)

    async def _acknowledge(self, token: str, *, note: str) -> AckLink:
        async with transaction(self._pool) as conn:
            now = self._clock.now()
            link = await LinkStore.find(conn, token, lock=True)
            if link is None:
                raise errors.NotFoundError("This acknowledgement link is not valid")
            link.check_usable(now)
            await self._call("AcceptPage", {
                "PageId": link.page_arn, "AcceptType": "READ",
                "AcceptCode": unseal(token, link.page_arn, link.sealed_code),
                "ContactChannelId": link.channel_arn, "Note": note,
                "AcceptCodeValidation": "ENFORCE"})
            await LinkStore.spend(conn, link.page_arn, now)
        log.info("link.acknowledged", page_arn=link.page_arn)
        return link

    # --- webhooks ---------------------------------------------------------------------

    async def inbound(self, req: RpcRequest) -> Any:
        cmd: nc.Inbound = req.decode(nc.Inbound)
        provider = self._providers.get(cmd.provider)
        if provider is None:
            raise errors.NotFoundError(f"No provider named {cmd.provider!r} is configured")
        event = provider.parse_inbound(cmd, self._link_base + cmd.path)
        if event.event_key and await SeenStore.seen(self._pool, provider.name,
                                                    event.event_key):
            log.info("inbound.repeated", provider=provider.name, action=event.action)
            if event.action == "keypress" and provider.kind == "twilio":
                return voice_answer("This key press was already received. Goodbye.")
            return provider.reply("")
        reply = await self._act(provider, cmd, event)
        if event.event_key:
            # After the effect: a callback that failed half-way is acted on when retried.
            await SeenStore.add(self._pool, provider.name, event.event_key)
        return reply

    async def _act(self, provider: Provider, cmd: nc.Inbound,
                   event: InboundEvent) -> nc.InboundReply:
        if event.action == "sms":
            return provider.reply(await self._sms(event.from_number, event.text))
        if event.action == "keypress":
            text = await self._keypress(cmd.token, event.digits)
            return voice_answer(text) if provider.kind == "twilio" else provider.reply(text)
        await self._status(event.delivery_id, event.status, provider.name)
        return provider.reply("")

    async def _sms(self, from_number: str, text: str) -> str:
        intent, word = sms_intent(text)
        number = await phone(self._keys, from_number)
        await RouteStore.rekey(self._pool, number)
        if intent in ("stop", "code") and not await self._known(number):
            # Perhaps a channel of a region whose data key this process has not loaded
            # yet (a region that joined the set since): load the keys again, once.
            await self._keys.refresh()
            number = await phone(self._keys, from_number)
        if intent == "stop":
            return await self._stop(number)
        if intent == "start":
            return await self._start(number)
        if intent == "code":
            return await self._reply_code(number, word)
        return "Reply with the code of a Tocsin page to acknowledge it, STOP to opt out."

    async def _reply_code(self, number: Phone, code: str) -> str:
        since = self._clock.now() - self._window
        routes = [(r.page_arn, r.channel_arn)
                  for r in await RouteStore.recent(self._pool, number, since=since)
                  if r.page_arn is not None]
        # Pages another region of the set sent to this number's channels: the provider
        # may bring the reply to any region.
        found = await self._find_channels(number, pages_since=since)
        routes += [(p.page_arn, p.contact_channel_arn) for p in found.pages]
        tried: set[str] = set()
        for page_arn, channel_arn in routes:
            if page_arn in tried:
                continue
            tried.add(page_arn)
            try:
                await self._call("AcceptPage", {
                    "PageId": page_arn, "AcceptType": "READ", "AcceptCode": code,
                    "ContactChannelId": channel_arn,
                    "Note": "Acknowledged by SMS reply", "AcceptCodeValidation": "ENFORCE"})
            except (errors.ValidationError, errors.NotFoundError):
                continue
            log.info("sms.acknowledged", page_arn=page_arn)
            return "Acknowledged. Thank you."
        return "That code matches no recent Tocsin page sent to this number."

    async def _known(self, number: Phone) -> bool:
        """Whether this region knows the number: something was sent to it from here, or
        it is the address of a channel."""
        return bool(await RouteStore.channels(self._pool, number)
                    or (await self._find_channels(number)).contact_channel_arns)

    async def _find_channels(self, number: Phone, *,
                             pages_since: datetime | None = None) -> cc.FoundContactChannels:
        """The SMS channels with this number, in whichever region of the set they were
        made (by the number's blind indexes, never the number), and their unread pages."""
        reply = await self._bus.request(
            rpc_subject("contacts", "FindContactChannels"), cc.FindContactChannels(
                address_indexes=[i.hex() for i in number.channel_indexes], type="SMS",
                pages_since=pages_since.timestamp() if pages_since else None), timeout=10.0)
        found: cc.FoundContactChannels = codec.decode(reply, cc.FoundContactChannels)
        return found

    async def _stop(self, number: Phone) -> str:
        now = self._clock.now()
        channels = await RouteStore.channels(self._pool, number)
        found = await self._find_channels(number)
        channels += [arn for arn in found.contact_channel_arns if arn not in channels]
        for channel_arn in channels:
            try:
                await self._call("DeactivateContactChannel", {"ContactChannelId": channel_arn})
            except errors.NotFoundError:
                continue
            await RouteStore.opt_out(self._pool, number, channel_arn, now)
            latest = next((r for r in await RouteStore.recent(
                self._pool, number, since=now - self._window) if r.page_arn
                and r.channel_arn == channel_arn), None)
            if latest is not None and latest.page_arn is not None:
                async with transaction(self._pool) as conn:
                    await ReceiptStore.add(conn, page_arn=latest.page_arn,
                                           channel_arn=channel_arn, receipt_type="STOP",
                                           info="The recipient texted STOP", at=now)
            log.info("sms.opted_out", channel_arn=channel_arn)
        return "You will get no more Tocsin messages on this number. Reply START to resume."

    async def _start(self, number: Phone) -> str:
        channels = await RouteStore.opted_out(self._pool, number)
        for channel_arn in channels:
            try:
                await self._call("ReactivateContactChannel", {"ContactChannelId": channel_arn})
            except errors.NotFoundError:
                pass
            await RouteStore.opt_in(self._pool, number, channel_arn)
            log.info("sms.opted_in", channel_arn=channel_arn)
        if not channels:
            return "This number is subscribed to Tocsin messages."
        return "You will get Tocsin messages on this number again."

    async def _keypress(self, token: str, digits: str) -> str:
        if digits != "1":
            return "No key 1 pressed; the page is not acknowledged."
        try:
            await self._acknowledge(token, note="Acknowledged with key 1 on a call")
        except (errors.ValidationError, errors.NotFoundError) as exc:
            return f"The page could not be acknowledged: {exc.message}"
        return "The page is acknowledged. Goodbye."

    async def _status(self, delivery_id: str, status: str, provider: str) -> None:
        receipt = status_receipt(status)
        if receipt is None or not delivery_id:
            return
        record = await DeliveryStore.get(self._pool, delivery_id)
        if record is None or record.page_arn is None:
            return
        async with transaction(self._pool) as conn:
            await ReceiptStore.add(conn, page_arn=record.page_arn,
                                   channel_arn=record.channel_arn, receipt_type=receipt,
                                   info=f"{provider} reported {status.lower()}",
                                   at=self._clock.now())

    async def _call(self, operation: str, params: dict[str, Any]) -> Any:
        reply = await self._bus.request(rpc_subject("contacts", operation), params,
                                        timeout=10.0)
        return codec.decode(reply, dict[str, Any]) if reply else {}


def _describe(link: AckLink, *, used: bool = False) -> nc.AckLinkDescription:
    return nc.AckLinkDescription(page_arn=link.page_arn, subject=link.subject,
                                 expires_at=link.expires_at.timestamp(),
                                 used=used or link.used_at is not None,
                                 incident_id=link.incident_id)
