"""Email over SMTP with aiosmtplib: one connection per message, STARTTLS or implicit TLS,
optional login, from ``TOCSIN_SMTP_*``.

A message is plain text with the contract's ``X-Tocsin-*`` headers, never folded (so an
ARN arrives on the header's own line), and a ``Message-ID`` made of the delivery request's
id (:func:`message_id`). A server that accepts
it (``250`` after ``DATA``) makes the send successful; any refusal or a timeout is a
:class:`~tocsin.notifications.delivery.domain.ProviderError` naming the SMTP code only.
"""

from __future__ import annotations

import asyncio
import email.policy
import socket
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from tocsin.notifications.delivery.domain import Outbound, ProviderError
from tocsin.notifications.delivery.ratelimit import TokenBucket
from tocsin.notifications.settings import Settings

__all__ = ["SmtpProvider", "message_id"]

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
        ``socket.getfqdn`` on a thread for every connection, so for every page)."""

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
        s = self._settings
        mail = self.build(message)
        if self._ehlo_name is None:
            self._ehlo_name = await asyncio.to_thread(socket.getfqdn)
        try:
            await aiosmtplib.send(
                mail.as_bytes(policy=WIRE_POLICY), sender=s.smtp_from, recipients=[message.to],
                hostname=s.smtp_host, port=s.smtp_port_or_default,
                username=s.smtp_username or None, password=str(s.smtp_password) or None,
                use_tls=s.smtp_tls_mode == "implicit", start_tls=s.smtp_tls_mode == "starttls",
                cert_bundle=s.smtp_ca_file or None, timeout=self.timeout,
                local_hostname=self._ehlo_name)
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
