"""Email through a real SMTP server: activation codes, pages with the contract's headers and
a one-time acknowledgement link served by the gateway."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any
from urllib.parse import quote

import aiohttp
import asyncpg
import yarl
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from structlog.testing import capture_logs

from tocsin.shared.bus import Bus
from tocsin.shared.clock import ManualClock
from tocsin.shared.contracts.deliveries import ActivationCodeDelivery
from tocsin.shared.testing import open_delivery, wait_for

from .conftest import SMTP_PASSWORD, SMTP_USER, Mailbox

INCIDENT = "arn:tocsin:ssm-incidents::000000000000:incident-record/database/0a1b2c3d"


def smtp_settings(port: int) -> dict[str, Any]:
    return {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "tocsin@example.test",
            "smtp_username": SMTP_USER, "smtp_password": SMTP_PASSWORD,
            # A password brings STARTTLS by default; this test server speaks plain SMTP.
            "smtp_tls": "none"}


async def activated_email(stack: Any, box: Mailbox, alias: str, address: str) -> str:
    """A contact with one email channel, activated with the code from the mail."""
    contact = await stack.contact(alias)
    channel = await stack.channel(contact, "EMAIL", address)
    mails = await wait_for(lambda: box.to(address))
    await stack.contacts("ActivateContactChannel", ContactChannelId=channel,
                         ActivationCode=str(mails[0]["X-Tocsin-Activation-Code"]))
    await stack.plan(contact, [channel])
    return contact


async def test_activation_mail_carries_the_code_and_activates(stack_factory: Any,
                                                              smtp: tuple[Mailbox, int]) -> None:
    box, port = smtp
    async with stack_factory(**smtp_settings(port)) as stack:
        contact = await stack.contact("ana")
        channel = await stack.channel(contact, "EMAIL", "ana@example.test")
        mail = (await wait_for(lambda: box.to("ana@example.test")))[0]
        code = str(mail["X-Tocsin-Activation-Code"])
        assert re.fullmatch(r"[0-9]{6}", code)
        assert mail["X-Tocsin-Contact-Channel-Arn"] == channel
        assert mail["From"] == "tocsin@example.test"
        assert code in mail.get_content()
        assert box.logins, "the client logged in with TOCSIN_SMTP_USERNAME/PASSWORD"
        await stack.contacts("ActivateContactChannel", ContactChannelId=channel,
                             ActivationCode=code)
        assert await stack.channel_status(channel) == "ACTIVATED"


async def test_page_mail_has_headers_and_a_one_time_link(stack_factory: Any,
                                                         smtp: tuple[Mailbox, int]) -> None:
    box, port = smtp
    async with stack_factory(**smtp_settings(port)) as stack:
        contact = await activated_email(stack, box, "bo", "bo@example.test")
        engagement = await stack.engage(contact, IncidentId=INCIDENT)
        page = await stack.page_of(engagement)
        mail = await wait_for(lambda: [m for m in box.to("bo@example.test")
                                       if m["X-Tocsin-Page-Arn"]])
        mail = mail[0]
        assert mail["X-Tocsin-Page-Arn"] == page
        assert mail["X-Tocsin-Incident-Arn"] == INCIDENT
        code = str(mail["X-Tocsin-Accept-Code"])
        body = mail.get_content()
        assert code in body and "Database down" in body
        link = re.search(r"(http://\S+/v1/ack/\S+)", body)
        assert link and link.group(1).startswith(stack.http)
        await wait_for(lambda: _has(stack, page, "SENT",
                                    "Sent to EMAIL channel email-main by smtp"))
        # One SENT receipt for the channel: the one written when the server took the mail.
        assert (await stack.receipt_types(page)).count("SENT") == 1
        # The Message-ID is the delivery request's id: a resend would carry the same one.
        [delivery] = (await stack.notifications("DescribeDelivery", PageArn=page))["Deliveries"]
        assert delivery["State"] == "SENT" and delivery["Resends"] == 0
        assert mail["Message-ID"] == f"<{delivery['DeliveryId']}@example.test>"

        async with aiohttp.ClientSession() as http:
            # A GET (what a mail scanner does) shows a form and acknowledges nothing.
            async with http.get(link.group(1)) as resp:
                assert resp.status == 200
                text = await resp.text()
                assert "<form" in text and "Database down" in text
            assert "READ" not in await stack.receipt_types(page)
            async with http.post(link.group(1)) as resp:
                assert resp.status == 200
                assert "acknowledged" in (await resp.text()).lower()
            assert "READ" in await stack.receipt_types(page)
            # The link is spent.
            async with http.post(link.group(1)) as resp:
                assert resp.status == 400
            async with http.post(f"{stack.http}/v1/ack/not-a-token") as resp:
                assert resp.status == 404


async def _has(stack: Any, page: str, kind: str, info: str) -> bool:
    return any(r["ReceiptType"] == kind and r.get("ReceiptInfo") == info
               for r in await stack.receipts(page))


async def test_email_waits_with_its_reason_when_no_smtp_server_is_configured(
        stack_factory: Any, bus: Bus, isolation: dict[str, str]) -> None:
    async with contextlib.AsyncExitStack() as resources:
        with capture_logs() as logs:
            stack = await resources.enter_async_context(stack_factory(no_provider_retry=0.3))
        # The service says so when it starts.
        assert any(e["event"] == "smtp.unconfigured" and e["log_level"] == "warning"
                   for e in logs)
        seen: list[ActivationCodeDelivery] = []

        async def on(msg: Any) -> None:
            seen.append(await open_delivery(msg))

        sub = await bus.js.subscribe(f"deliveries.{isolation['region']}.activation-code",
                                     cb=on, ordered_consumer=True)
        resources.push_async_callback(sub.unsubscribe)
        contact = await stack.contact("cy")
        await stack.channel(contact, "EMAIL", "cy@example.test")
        request = (await wait_for(lambda: seen))[0]
        status = await wait_for(lambda: _delay(stack, request.id))
        assert status["State"] == "PENDING" and status["Attempts"] == 0
        assert status["DelayReason"].startswith("NO_PROVIDER")
        assert status["ExpectedSendAt"] > 0


async def _delay(stack: Any, delivery_id: str) -> dict[str, Any] | None:
    try:
        status = await stack.notifications("DescribeDelivery", DeliveryId=delivery_id)
    except Exception:
        return None
    return status if status.get("DelayReason") else None


async def signed_get(stack: Any, path: str) -> tuple[int, Any]:
    """``GET`` on the gateway, SigV4-signed with the stack's key."""
    url = stack.http + path
    request = AWSRequest(method="GET", url=url, data=b"")
    SigV4Auth(Credentials("K", "S"), "tocsin", stack.region).add_auth(request)
    async with aiohttp.ClientSession() as http, http.get(
            yarl.URL(url, encoded=True), headers=dict(request.headers.items())) as resp:
        raw = await resp.read()
        return resp.status, json.loads(raw) if raw else None


async def test_a_page_waiting_for_smtp_says_why_in_its_receipts_and_at_v1_deliveries(
        stack_factory: Any, bus: Bus, isolation: dict[str, str], database_url: str) -> None:
    """Without an SMTP server a page's email waits: ListPageReceipts has one Waiting ERROR
    receipt for it however often the request is looked at again, and GET /v1/deliveries
    with the page's ARN says why and until when."""
    async with stack_factory(no_provider_retry=0.3) as stack:
        codes: dict[str, str] = {}

        async def on(msg: Any) -> None:
            d = await open_delivery(msg)
            codes[d.channel_arn] = d.code

        sub = await bus.js.subscribe(f"deliveries.{isolation['region']}.activation-code",
                                     cb=on, ordered_consumer=True)
        try:
            contact = await stack.contact("dee")
            channel = await stack.channel(contact, "EMAIL", "dee@example.test")
            await wait_for(lambda: channel in codes)
        finally:
            await sub.unsubscribe()
        await stack.contacts("ActivateContactChannel", ContactChannelId=channel,
                             ActivationCode=codes[channel])
        await stack.plan(contact, [channel])
        page = await stack.page_of(await stack.engage(contact))

        async def waiting() -> list[dict[str, Any]]:
            return [r for r in await stack.receipts(page) if r["ReceiptType"] == "ERROR"]

        [receipt] = await wait_for(waiting)
        assert receipt["ContactChannelArn"] == channel
        assert receipt["ReceiptInfo"].startswith(
            "Waiting (NO_PROVIDER): no EMAIL provider is configured (TOCSIN_SMTP_HOST is "
            "unset); next try at ")

        status, body = await signed_get(stack, f"/v1/deliveries?pageArn={quote(page, safe='')}")
        assert status == 200 and body["pageArn"] == page
        [delivery] = body["deliveries"]
        assert (delivery["state"], delivery["channelArn"], delivery["attempts"]) == \
            ("PENDING", channel, 0)
        assert delivery["delayReason"].startswith("NO_PROVIDER")
        first_expected = delivery["expectedSendAt"]

        # Looked at again (a later expected time), and every receipt reported: still one.
        async def looked_at_again() -> bool:
            _, later = await signed_get(
                stack, f"/v1/deliveries?pageArn={quote(page, safe='')}")
            return bool(later["deliveries"][0]["expectedSendAt"] > first_expected)

        await wait_for(looked_at_again)
        conn = await asyncpg.connect(database_url)
        try:
            await wait_for(lambda: _outbox_empty(conn, isolation["schema_prefix"]))
        finally:
            await conn.close()
        assert len(await waiting()) == 1

        status, body = await signed_get(stack, "/v1/deliveries")
        assert status == 400 and body["code"] == "ValidationException"
        status, body = await signed_get(
            stack, f"/v1/deliveries?pageArn={quote(page + 'x', safe='')}")
        assert status == 404 and body["code"] == "ResourceNotFoundException"


async def _outbox_empty(conn: asyncpg.Connection, prefix: str) -> bool:
    return not await conn.fetchval(f'SELECT count(*) FROM "{prefix}notifications".receipt_outbox')


async def test_an_acknowledgement_link_past_its_lifetime_is_refused(
        stack_factory: Any, smtp: tuple[Mailbox, int]) -> None:
    """A link is good for ``TOCSIN_ACK_LINK_TTL`` of plan time: a minute before, it would
    still acknowledge; once the lifetime has passed it is refused and the page stays
    unread (on a plan clock the test advances: a day passes at once)."""
    box, port = smtp
    clock = ManualClock()
    async with stack_factory(clock=clock, ack_link_ttl=24 * 3600.0,
                             **smtp_settings(port)) as stack:
        contact = await activated_email(stack, box, "cy", "cy@example.test")
        page = await stack.page_of(await stack.engage(contact, IncidentId=INCIDENT))
        [mail] = await wait_for(lambda: [m for m in box.to("cy@example.test")
                                         if m["X-Tocsin-Page-Arn"]])
        link = re.search(r"(http://\S+/v1/ack/\S+)", mail.get_content())
        assert link
        async with aiohttp.ClientSession() as http:
            await clock.advance(24 * 3600.0 - 60)
            async with http.get(link.group(1)) as resp:
                assert resp.status == 200  # still valid a minute before it expires
            await clock.advance(60)
            async with http.post(link.group(1)) as resp:
                assert resp.status == 400
                assert "expired" in (await resp.text()).lower()
        assert "READ" not in await stack.receipt_types(page)
