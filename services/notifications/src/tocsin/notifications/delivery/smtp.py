"""Email over SMTP with aiosmtplib: STARTTLS or implicit TLS, optional login, from
``TOCSIN_SMTP_*``.

A message is plain text with the contract's ``X-Tocsin-*`` headers, never folded (so an
ARN arrives on the header's own line), and a ``Message-ID`` made of the delivery request's
id (:func:`message_id`). A server that accepts
it (``250`` after ``DATA``) makes the send successful; any refusal or a timeout is a
:class:`~tocsin.notifications.delivery.domain.ProviderError` naming the SMTP code only.

Connections are kept for the next mails (a storm's pages would otherwise each pay a
connection, its EHLO, TLS and login): one per mail being sent at once, and those left idle
for at most :data:`IDLE_SECONDS`, :data:`MAX_IDLE` of them. A mail whose kept connection
the server has closed meanwhile (gone, or ``421``) goes once more on a new connection (were
the first copy taken all the same, the second has the same ``Message-ID``); any other
failure closes the connection it happened on.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import socket
import time
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from tocsin.notifications.delivery.domain import Outbound, ProviderError
from tocsin.notifications.delivery.ratelimit import TokenBucket
from tocsin.notifications.settings import Settings

__all__ = ["IDLE_SECONDS", "MAX_IDLE", "SmtpProvider", "message_id"]

IDLE_SECONDS = 30.0
"""How long an idle connection is kept: well inside the five minutes RFC 5321 asks servers
to wait for a client's next command."""
MAX_IDLE = 16
"""Idle connections kept at most; more are closed as their mails are sent."""

WIRE_POLICY = email.policy.SMTP.clone(max_line_length=998)
"""Headers unfolded up to RFC 5322's line limit: an ARN has no space to fold at, and a
folded one reaches naive readers of ``X-Tocsin-*`` with a leading space."""


def message_id(delivery_id: str, domain: str) -> str:
    """The ``Message-ID`` of a delivery request's mail: derived from its id alone, so a
    resend (after a crash between the server's acceptance and its record) carries the same
    one and mail clients show it once."""
    return f"<{delivery_id}@{domain}>"


class SmtpProvider:
    """The email channel's provider."""

    kind = "smtp"

    def __init__(self, settings: Settings) -> None:
        self.name = "smtp"
        self.channels = frozenset({"EMAIL"})
        self.timeout = settings.smtp_timeout
        self.bucket = TokenBucket(settings.smtp_rate) if settings.smtp_rate > 0 else None
        self._settings = settings
        self._ehlo_name: str | None = None
        """This host's name as EHLO gives it: looked up once (aiosmtplib would ask
        ``socket.getfqdn`` on a thread for every connection)."""
        self._idle: list[tuple[float, aiosmtplib.SMTP]] = []
        """Connections ready for a mail, with the monotonic time each was left idle."""

    def build(self, message: Outbound) -> EmailMessage:
        """The email of ``message``."""
        mail = EmailMessage()
        mail["From"] = self._settings.smtp_from
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        domain = self._settings.smtp_from.rpartition("@")[2] or "localhost"
        mail["Message-ID"] = message_id(message.delivery_id, domain)
        for name, value in message.headers.items():
            mail[name] = value
        mail.set_content(message.text)
        return mail

    async def send(self, message: Outbound) -> str:
        mail = self.build(message)
        try:
            await self._deliver(mail.as_bytes(policy=WIRE_POLICY), message.to)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = sorted({r.code for r in exc.recipients})
            raise ProviderError(f"smtp: recipient refused with {codes[0] if codes else '?'}",
                                permanent=bool(codes) and codes[0] >= 500) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise ProviderError(f"smtp: refused with {exc.code}",
                                permanent=exc.code >= 500) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise ProviderError(f"smtp: {type(exc).__name__}") from None
        return str(mail["Message-ID"])

    async def close(self) -> None:
        """Say goodbye on every idle connection (the service is stopping)."""
        idle, self._idle = self._idle, []
        await asyncio.gather(*(_quit(client) for _, client in idle))

    async def _deliver(self, data: bytes, to: str) -> None:
        kept = self._take_idle()
        if kept is not None:
            try:
                await self._send_on(kept, data, to)
                return
            except Exception as exc:
                if not _closed_by_server(exc):
                    raise
        # None kept, or the kept one was closed by the server while idle.
        await self._send_on(await self._connect(), data, to)

    async def _send_on(self, client: aiosmtplib.SMTP, data: bytes, to: str) -> None:
        try:
            await client.sendmail(self._settings.smtp_from, [to], data, timeout=self.timeout)
        except BaseException:
            client.close()
            raise
        if len(self._idle) < MAX_IDLE and client.is_connected:
            self._idle.append((time.monotonic(), client))
        else:
            await _quit(client)

    def _take_idle(self) -> aiosmtplib.SMTP | None:
        """The most recently used idle connection; those idle too long are closed."""
        oldest = time.monotonic() - IDLE_SECONDS
        while self._idle:
            since, client = self._idle.pop()
            if since >= oldest and client.is_connected:
                return client
            client.close()
        return None

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self._settings
        if self._ehlo_name is None:
            self._ehlo_name = await asyncio.to_thread(socket.getfqdn)
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host, port=s.smtp_port_or_default,
            username=s.smtp_username or None, password=str(s.smtp_password) or None,
            use_tls=s.smtp_tls_mode == "implicit", start_tls=s.smtp_tls_mode == "starttls",
            cert_bundle=s.smtp_ca_file or None, timeout=self.timeout,
            local_hostname=self._ehlo_name)
        try:
            await client.connect()
        except BaseException:
            client.close()
            raise
        return client


def _closed_by_server(exc: Exception) -> bool:
    """Whether ``exc`` says the server had closed the connection (gone, or ``421``: it is
    closing it), not that it refused the mail."""
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | ConnectionError):
        return True
    return isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code == 421


async def _quit(client: aiosmtplib.SMTP) -> None:
    """``QUIT`` politely, closing the connection whatever the server answers."""
    with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
        await client.quit(timeout=5)
    client.close()
