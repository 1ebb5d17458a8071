"""A notifications process SIGKILLed between the SMTP server's acceptance of a page and the
database record of it: the page is sent again within seconds by the next process, with the
same Message-ID (so mail clients show it once), counted as a resend, and the page has one
SENT receipt."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import asyncpg
from aiosmtpd.controller import Controller

from tocsin.local.servers import free_port
from tocsin.shared.testing import wait_for

from .conftest import answering

ADDRESS = "kim@example.test"


class KillingMailbox:
    """An SMTP server's mailbox that, armed, SIGKILLs a process when it takes a page's mail:
    after the mail is stored, before the client reads the server's ``250``."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.victim: int | None = None
        self.killed = threading.Event()
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            if message["X-Tocsin-Page-Arn"] and self.victim is not None:
                os.kill(self.victim, signal.SIGKILL)
                self.victim = None
                self.killed.set()
        return "250 Message accepted for delivery"

    def pages(self) -> list[Any]:
        with self._lock:
            return [m for m in self.messages if m["X-Tocsin-Page-Arn"]]

    def activation(self) -> Any:
        with self._lock:
            return next((m for m in self.messages if m["X-Tocsin-Activation-Code"]), None)


async def start_notifications(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tocsin.notifications", env={**os.environ, **env},
            stdout=fd, stderr=fd)
    finally:
        os.close(fd)


async def test_a_page_interrupted_by_a_kill_is_resent_once_with_the_same_message_id(
        stack_factory: Any, nats_url: str, database_url: str, isolation: dict[str, str],
        tmp_path: Path) -> None:
    box = KillingMailbox()
    smtp = Controller(box, hostname="127.0.0.1", port=free_port())
    smtp.start()
    processes: list[asyncio.subprocess.Process] = []
    try:
        async with stack_factory(with_notifications=False) as stack:
            env = {"TOCSIN_NATS_URL": nats_url, "TOCSIN_DATABASE_URL": database_url,
                   "TOCSIN_REGION": isolation["region"],
                   "TOCSIN_SCHEMA_PREFIX": isolation["schema_prefix"],
                   "TOCSIN_SMTP_HOST": "127.0.0.1", "TOCSIN_SMTP_PORT": str(smtp.port),
                   "TOCSIN_SMTP_FROM": "tocsin@example.test", "TOCSIN_PUBLIC_URL": stack.http,
                   "TOCSIN_RECEIPT_POLL_INTERVAL": "0.2", "TOCSIN_OUTBOX_POLL_INTERVAL": "0.2",
                   "TOCSIN_LOG_JSON": "true"}
            first = await start_notifications(env, tmp_path / "first.log")
            processes.append(first)
            await wait_for(lambda: answering(
                stack.bus, "tocsin.rpc.notifications.DescribeDelivery",
                {"DeliveryId": "x"}), timeout=60)
            contact = await stack.contact("kim")
            channel = await stack.channel(contact, "EMAIL", ADDRESS)
            activation = await wait_for(box.activation, timeout=20)
            await stack.contacts("ActivateContactChannel", ContactChannelId=channel,
                                 ActivationCode=str(activation["X-Tocsin-Activation-Code"]))
            await stack.plan(contact, [channel])

            box.victim = first.pid
            page = await stack.page_of(await stack.engage(contact))
            await wait_for(lambda: box.killed.is_set(), timeout=20)
            assert await first.wait() == -signal.SIGKILL
            # Killed after the server took the mail: the page is not recorded as sent,
            # but the send under way is.
            conn = await asyncpg.connect(database_url)
            try:
                row = await conn.fetchrow(
                    "SELECT state, sending_provider FROM"
                    f' "{isolation["schema_prefix"]}notifications".delivery'
                    " WHERE page_arn = $1", page)
            finally:
                await conn.close()
            assert (row["state"], row["sending_provider"]) == ("pending", "smtp")

            second = await start_notifications(env, tmp_path / "second.log")
            processes.append(second)
            # The request comes back after the short ack wait, not half a minute.
            await wait_for(lambda: len(box.pages()) == 2, timeout=20)

            async def recorded() -> dict[str, Any] | None:
                [d] = (await stack.notifications(
                    "DescribeDelivery", PageArn=page))["Deliveries"]
                return d if d["State"] == "SENT" else None

            delivery = await wait_for(recorded, timeout=20)
            assert delivery["Resends"] == 1 and delivery["Attempts"] == 1
            ids = {str(m["Message-ID"]) for m in box.pages()}
            assert ids == {f"<{delivery['DeliveryId']}@example.test>"}
            assert all(m["X-Tocsin-Page-Arn"] == page for m in box.pages())
            await wait_for(lambda: _receipt(stack, page, "SENT"), timeout=20)
            assert (await stack.receipt_types(page)).count("SENT") == 1
    finally:
        for proc in processes:
            if proc.returncode is None:
                proc.terminate()
                await proc.wait()
        smtp.stop()
    assert "delivery.resend" in (tmp_path / "second.log").read_text()


async def _receipt(stack: Any, page: str, kind: str) -> bool:
    return kind in await stack.receipt_types(page)
