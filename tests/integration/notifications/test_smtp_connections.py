"""The SMTP client keeps its connections for the next mails, against aiosmtpd: a storm's
pages do not each pay a connection, and a kept connection the server has dropped never
costs a mail."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller

from tocsin.notifications.delivery import smtp as smtp_module
from tocsin.notifications.delivery.domain import Outbound
from tocsin.notifications.delivery.smtp import SmtpProvider
from tocsin.notifications.settings import Settings

from .conftest import Mailbox, free_port


class CountingMailbox(Mailbox):
    """A mailbox that notes the client port (so the connection) of every mail."""

    def __init__(self) -> None:
        super().__init__()
        self.peers: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


def mail(n: int) -> Outbound:
    return Outbound(delivery_id=f"0f0e0d0c-0000-4000-8000-{n:012d}", channel_type="EMAIL",
                    to=f"oncall{n}@example.test", subject="Tocsin page", text="Wake up",
                    headers={})


@pytest_asyncio.fixture
async def server() -> AsyncIterator[tuple[CountingMailbox, Controller]]:
    box = CountingMailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller
    finally:
        with contextlib.suppress(AssertionError):  # "not running": a test stopped it
            controller.stop()


@pytest_asyncio.fixture
async def provider(server: tuple[CountingMailbox, Controller]) -> AsyncIterator[SmtpProvider]:
    _, controller = server
    sender = SmtpProvider(Settings(smtp_host="127.0.0.1", smtp_port=controller.port))
    try:
        yield sender
    finally:
        await sender.close()


async def test_mails_one_after_another_share_a_connection(
        server: tuple[CountingMailbox, Controller], provider: SmtpProvider) -> None:
    box, _ = server
    for n in range(5):
        await provider.send(mail(n))
    assert [m["To"] for m in box.messages] == [f"oncall{n}@example.test" for n in range(5)]
    assert len(set(box.peers)) == 1


async def test_mails_at_once_take_a_connection_each_and_keep_them(
        server: tuple[CountingMailbox, Controller], provider: SmtpProvider) -> None:
    box, _ = server
    await asyncio.gather(*(provider.send(mail(n)) for n in range(6)))
    first = set(box.peers)
    assert len(first) == 6  # none was free while the six were being sent
    await asyncio.gather(*(provider.send(mail(n)) for n in range(6, 12)))
    assert len(box.messages) == 12
    assert set(box.peers[6:]) == first


async def test_a_connection_the_server_dropped_costs_no_mail(
        server: tuple[CountingMailbox, Controller], provider: SmtpProvider) -> None:
    """The server restarts between two mails (its connections dropped): the second mail is
    accepted all the same, on a new connection."""
    box, controller = server
    await provider.send(mail(1))
    controller.stop()
    again = Controller(box, hostname="127.0.0.1", port=controller.port)
    again.start()
    try:
        await provider.send(mail(2))
    finally:
        again.stop()
    assert [m["To"] for m in box.messages] == ["oncall1@example.test", "oncall2@example.test"]
    assert box.peers[0] != box.peers[1]


async def test_a_connection_idle_too_long_is_not_used_again(
        server: tuple[CountingMailbox, Controller], provider: SmtpProvider,
        monkeypatch: pytest.MonkeyPatch) -> None:
    box, _ = server
    monkeypatch.setattr(smtp_module, "IDLE_SECONDS", 0.0)
    await provider.send(mail(1))
    await provider.send(mail(2))
    assert len(box.messages) == 2 and box.peers[0] != box.peers[1]


async def test_closing_says_goodbye_on_the_kept_connections(
        server: tuple[CountingMailbox, Controller]) -> None:
    box, controller = server
    sender = SmtpProvider(Settings(smtp_host="127.0.0.1", smtp_port=controller.port))
    await asyncio.gather(*(sender.send(mail(n)) for n in range(3)))
    await sender.close()
    await sender.send(mail(3))  # a new connection: none was kept past close
    await sender.close()
    assert len(box.messages) == 4 and box.peers[3] not in box.peers[:3]
