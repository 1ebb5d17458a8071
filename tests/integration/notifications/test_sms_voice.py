"""SMS and voice through local servers that speak Twilio's API and the generic signed
webhook's: pages, replies with the code, STOP/START, a key press, failover."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tocsin.notifications.delivery.providers import webhook_headers
from tocsin.shared.clock import ManualClock
from tocsin.shared.testing import wait_for

from .conftest import WEBHOOK_SECRET, ProviderServer, twilio_form_signature


def sent_to(server: ProviderServer, number: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [r for r in server.requests if (r.get("To") or r.get("to")) == number
            and (kind is None or r["kind"] == kind)]


def text_of(request: dict[str, Any]) -> str:
    return str(request.get("Body") or request.get("text") or request.get("Twiml") or "")


async def activated_phone(stack: Any, server: ProviderServer, alias: str, kind: str,
                          number: str) -> tuple[str, str]:
    """A contact with one SMS or VOICE channel, activated with the code it was sent."""
    contact = await stack.contact(alias)
    channel = await stack.channel(contact, kind, number)
    first = (await wait_for(lambda: sent_to(server, number)))[0]
    digits = re.sub(r"\D", "", re.search(r"code is ([0-9 ]+)", text_of(first)).group(1))
    await stack.contacts("ActivateContactChannel", ContactChannelId=channel,
                         ActivationCode=digits[:6])
    await stack.plan(contact, [channel])
    return contact, channel


async def twilio_webhook(stack: Any, path: str, form: dict[str, str], *,
                         sign: bool = True) -> tuple[int, str]:
    url = f"{stack.http}{path}"
    headers = {"X-Twilio-Signature": twilio_form_signature(url, form) if sign else "forged"}
    async with aiohttp.ClientSession() as http, http.post(url, data=form,
                                                          headers=headers) as resp:
        return resp.status, await resp.text()


async def test_sms_page_acknowledged_by_replying_with_the_code(
        stack_factory: Any, provider_servers: Any) -> None:
    twilio = await provider_servers("twilio-a")
    async with stack_factory(providers=[twilio.twilio()]) as stack:
        number = "+15551230001"
        contact, _ = await activated_phone(stack, twilio, "eve", "SMS", number)
        page = await stack.page_of(await stack.engage(contact))
        sms = await wait_for(lambda: [r for r in sent_to(twilio, number, "Messages")
                                      if "acknowledge" in text_of(r)])
        code = re.search(r"Reply ([0-9]{6,10})", text_of(sms[0])).group(1)
        assert sms[0]["From"] == "+15550001111"
        assert sms[0]["StatusCallback"].startswith(f"{stack.http}/v1/inbound/twilio-a/status/")
        assert "Incident" in text_of(sms[0])  # the engagement's public subject

        # A forged webhook is refused and acknowledges nothing.
        status, _ = await twilio_webhook(stack, "/v1/inbound/twilio-a/sms",
                                         {"From": number, "Body": code}, sign=False)
        assert status == 403
        assert "READ" not in await stack.receipt_types(page)
        # A wrong code is answered, and acknowledges nothing.
        status, reply = await twilio_webhook(stack, "/v1/inbound/twilio-a/sms",
                                             {"From": number, "Body": "000000"})
        assert status == 200 and "matches no recent" in reply
        status, reply = await twilio_webhook(stack, "/v1/inbound/twilio-a/sms",
                                             {"From": number, "Body": f" {code} "})
        assert status == 200 and "<Message>Acknowledged" in reply
        assert "READ" in await stack.receipt_types(page)

        # The provider's status callback adds a DELIVERED receipt.
        callback = urlsplit(sms[0]["StatusCallback"]).path
        status, _ = await twilio_webhook(stack, callback, {"MessageStatus": "delivered"})
        assert status == 200
        await wait_for(lambda: _has_type(stack, page, "DELIVERED"))


async def _has_type(stack: Any, page: str, kind: str) -> bool:
    return kind in await stack.receipt_types(page)


async def test_unsubscribe_deactivates_and_start_resubscribes(
        stack_factory: Any, provider_servers: Any) -> None:
    twilio = await provider_servers("twilio-a")
    async with stack_factory(providers=[twilio.twilio()]) as stack:
        number = "+15551230002"
        contact, channel = await activated_phone(stack, twilio, "fay", "SMS", number)
        page = await stack.page_of(await stack.engage(contact))
        await wait_for(lambda: sent_to(twilio, number, "Messages")[1:])
        await wait_for(lambda: _has_type(stack, page, "SENT"))
        status, reply = await twilio_webhook(stack, "/v1/inbound/twilio-a/sms",
                                             {"From": number, "Body": "UNSUBSCRIBE"})
        assert status == 200 and "START" in reply
        assert await stack.channel_status(channel) == "NOT_ACTIVATED"
        await wait_for(lambda: _has_type(stack, page, "STOP"))
        status, reply = await twilio_webhook(stack, "/v1/inbound/twilio-a/sms",
                                             {"From": number, "Body": "start"})
        assert status == 200 and "again" in reply
        assert await stack.channel_status(channel) == "ACTIVATED"
        # Someone else's number cannot re-subscribe the channel.
        await twilio_webhook(stack, "/v1/inbound/twilio-a/sms",
                             {"From": number, "Body": "STOP"})
        await twilio_webhook(stack, "/v1/inbound/twilio-a/sms",
                             {"From": "+15559999999", "Body": "START"})
        assert await stack.channel_status(channel) == "NOT_ACTIVATED"


async def test_a_twilio_callback_sent_again_acts_once(stack_factory: Any,
                                                     provider_servers: Any) -> None:
    """Twilio sends a callback again when its answer is slow or lost: the same MessageSid
    is answered without acting a second time, so an old STOP does not undo a later START."""
    twilio = await provider_servers("twilio-a")
    async with stack_factory(providers=[twilio.twilio()]) as stack:
        number = "+15551230009"
        _, channel = await activated_phone(stack, twilio, "hal", "SMS", number)
        stop = {"From": number, "Body": "STOP", "MessageSid": "SM" + "1" * 32}
        status, reply = await twilio_webhook(stack, "/v1/inbound/twilio-a/sms", stop)
        assert status == 200 and "START" in reply
        status, reply = await twilio_webhook(stack, "/v1/inbound/twilio-a/sms", {
            "From": number, "Body": "START", "MessageSid": "SM" + "2" * 32})
        assert status == 200 and await stack.channel_status(channel) == "ACTIVATED"
        status, reply = await twilio_webhook(stack, "/v1/inbound/twilio-a/sms", stop)
        assert status == 200 and "<Message>" not in reply
        assert await stack.channel_status(channel) == "ACTIVATED"


async def test_voice_page_key_press_one_acknowledges(stack_factory: Any,
                                                     provider_servers: Any) -> None:
    twilio = await provider_servers("twilio-a")
    async with stack_factory(providers=[twilio.twilio()]) as stack:
        number = "+15551230003"
        contact, _ = await activated_phone(stack, twilio, "gus", "VOICE", number)
        page = await stack.page_of(await stack.engage(contact))
        call = await wait_for(lambda: [r for r in sent_to(twilio, number, "Calls")
                                       if "Gather" in text_of(r)])
        twiml = text_of(call[0])
        assert "Press 1 to acknowledge" in twiml and 'numDigits="1"' in twiml
        action = re.search(r'action="([^"]+)"', twiml).group(1)
        assert action.startswith(f"{stack.http}/v1/inbound/twilio-a/voice/")
        path = urlsplit(action).path
        status, answer = await twilio_webhook(stack, path, {"Digits": "2", "To": number})
        assert status == 200 and "not acknowledged" in answer
        assert "READ" not in await stack.receipt_types(page)
        status, answer = await twilio_webhook(stack, path, {"Digits": "1", "To": number})
        assert status == 200 and "<Say>The page is acknowledged" in answer
        assert "READ" in await stack.receipt_types(page)


async def test_webhook_provider_signs_its_sends_and_verifies_replies(
        stack_factory: Any, provider_servers: Any) -> None:
    hook = await provider_servers("hook")
    async with stack_factory(providers=[hook.webhook()]) as stack:
        number = "+15551230004"
        contact, _ = await activated_phone(stack, hook, "hal", "SMS", number)
        page = await stack.page_of(await stack.engage(contact))
        sms = await wait_for(lambda: [r for r in sent_to(hook, number)
                                      if "acknowledge" in text_of(r)])
        code = re.search(r"Reply ([0-9]{6,10})", text_of(sms[0])).group(1)
        # Each send carries its delivery request's id as the Idempotency-Key.
        assert all(r["idempotencyKey"] == r["id"] for r in hook.requests)
        body = json.dumps({"type": "sms", "from": number, "text": code}).encode()
        async with aiohttp.ClientSession() as http:
            sms_url = f"{stack.http}/v1/inbound/hook/sms"
            async with http.post(sms_url, data=body, headers={
                    "X-Tocsin-Signature": "sha256=00",
                    "X-Tocsin-Timestamp": str(int(time.time()))}) as resp:
                assert resp.status == 403
            # Signed for another URL, or too long ago: refused as well.
            for headers in (webhook_headers(WEBHOOK_SECRET, body, url=f"{sms_url}x"),
                            webhook_headers(WEBHOOK_SECRET, body, url=sms_url,
                                            now=time.time() - 600)):
                async with http.post(sms_url, data=body, headers=headers) as resp:
                    assert resp.status == 403
            async with http.post(sms_url, data=body, headers=webhook_headers(
                    WEBHOOK_SECRET, body, url=sms_url)) as resp:
                assert resp.status == 200
                assert (await resp.json())["reply"].startswith("Acknowledged")
        assert "READ" in await stack.receipt_types(page)


async def test_failover_to_the_next_provider_on_error_and_on_timeout(
        stack_factory: Any, provider_servers: Any) -> None:
    broken = await provider_servers("broken")
    slow = await provider_servers("slow")
    backup = await provider_servers("backup")
    broken.mode, slow.mode = "fail", "hang"
    providers = [broken.twilio(channels=("SMS",)), slow.webhook(channels=("SMS",), timeout=0.5),
                 backup.webhook(channels=("SMS",))]
    async with stack_factory(providers=providers) as stack:
        contact = await stack.contact("ivy")
        await stack.channel(contact, "SMS", "+15551230005")
        await wait_for(lambda: sent_to(backup, "+15551230005"))
        assert not broken.requests and not slow.requests
        # The failed providers now go last: the next message goes straight to the backup.
        contact = await stack.contact("jon")
        await stack.channel(contact, "SMS", "+15551230006")
        await wait_for(lambda: sent_to(backup, "+15551230006"))


async def test_webhook_provider_voice_key_press_acknowledges(stack_factory: Any,
                                                             provider_servers: Any) -> None:
    hook = await provider_servers("hook")
    async with stack_factory(providers=[hook.webhook()]) as stack:
        number = "+15551230007"
        contact, _ = await activated_phone(stack, hook, "kai", "VOICE", number)
        page = await stack.page_of(await stack.engage(contact))
        call = await wait_for(lambda: [r for r in sent_to(hook, number) if r.get("gatherUrl")])
        assert "Press 1 to acknowledge" in call[0]["text"]
        url = call[0]["gatherUrl"]
        assert url.startswith(f"{stack.http}/v1/inbound/hook/voice/")
        body = json.dumps({"type": "keypress", "digits": "1"}).encode()
        async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=(
                webhook_headers(WEBHOOK_SECRET, body, url=url))) as resp:
            assert resp.status == 200
            assert "acknowledged" in (await resp.json())["reply"]
        assert "READ" in await stack.receipt_types(page)
        # The key-press token is spent with the page's acknowledgement.
        async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=(
                webhook_headers(WEBHOOK_SECRET, body, url=url))) as resp:
            assert "could not be acknowledged" in (await resp.json())["reply"]


async def test_a_code_replied_after_the_reply_window_acknowledges_nothing(
        stack_factory: Any, provider_servers: Any) -> None:
    """An SMS reply counts for ``TOCSIN_REPLY_WINDOW`` of plan time after the page: once it
    has passed, the right code is answered as matching no recent page (on a plan clock the
    test advances: an hour passes at once)."""
    twilio = await provider_servers("twilio-a")
    clock = ManualClock()
    async with stack_factory(providers=[twilio.twilio()], clock=clock,
                             reply_window=3600.0) as stack:
        number = "+15551230009"
        contact, _ = await activated_phone(stack, twilio, "gus", "SMS", number)
        page = await stack.page_of(await stack.engage(contact))
        sms = await wait_for(lambda: [r for r in sent_to(twilio, number, "Messages")
                                      if "acknowledge" in text_of(r)])
        code = re.search(r"Reply ([0-9]{6,10})", text_of(sms[0])).group(1)
        await clock.advance(3600.0 + 1)
        status, reply = await twilio_webhook(stack, "/v1/inbound/twilio-a/sms",
                                             {"From": number, "Body": code})
        assert status == 200 and "matches no recent" in reply
        assert "READ" not in await stack.receipt_types(page)
