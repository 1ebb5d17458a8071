"""Email pages over STARTTLS with a login, as a real mail provider takes them: the
notifications service's SMTP client keeping its connections from mail to mail, beside the
same client opening a connection for every mail (what it did before it kept them).

In this process: :class:`~tocsin.notifications.delivery.smtp.SmtpProvider` sends to an
aiosmtpd server (its own thread) that requires STARTTLS with a certificate made for the run
and a login. Figures, at one sender and at 16 at once: ``smtp_starttls_<kept,
new_connection>_ms_per_mail_c<n>`` (wall time per mail) and ``..._cpu_ms_per_mail_c<n>``
(this process's CPU per mail: client and server together). About 25 seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tocsin.local.servers import free_port
from tocsin.notifications.delivery import smtp as smtp_module
from tocsin.notifications.delivery.domain import Outbound
from tocsin.notifications.delivery.smtp import SmtpProvider
from tocsin.notifications.settings import Settings

__all__ = ["smtp_bench"]

Report = Callable[[str, float, str], None]
COUNTS = {1: 200, 16: 600}
"""Mails sent at each number of senders."""


class _Accepting:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 Message accepted for delivery"


def _login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    return AuthResult(success=True)


@contextlib.contextmanager
def _server(work: Path) -> Iterator[tuple[int, Path]]:
    """An aiosmtpd server requiring STARTTLS and a login; its port and CA certificate."""
    cert, key = work / "smtp-cert.pem", work / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    controller = Controller(_Accepting(), hostname="127.0.0.1", port=free_port(),
                            tls_context=context, require_starttls=True, authenticator=_login)
    controller.start()
    try:
        yield controller.port, cert
    finally:
        controller.stop()


async def _send(port: int, cert: Path, senders: int, count: int) -> tuple[float, float]:
    """Milliseconds of wall time and of this process's CPU per mail."""
    provider = SmtpProvider(Settings(
        smtp_host="127.0.0.1", smtp_port=port, smtp_tls="starttls", smtp_ca_file=str(cert),
        smtp_username="tocsin", smtp_password="bench"))  # type: ignore[arg-type]
    left = list(range(count))

    async def sender() -> None:
        while left:
            n = left.pop()
            await provider.send(Outbound(
                delivery_id=f"0f0e0d0c-0000-4000-8000-{n:012d}", channel_type="EMAIL",
                to=f"oncall{n}@example.test", subject="Tocsin page", text="Wake up",
                headers={}))

    started, cpu = time.perf_counter(), time.process_time()
    try:
        await asyncio.gather(*(sender() for _ in range(senders)))
    finally:
        await provider.close()
    return ((time.perf_counter() - started) * 1000 / count,
            (time.process_time() - cpu) * 1000 / count)


async def smtp_bench(work: Path, report: Report) -> None:
    """Each way of sending at each number of senders; ``report(name, value, unit)``."""
    kept = smtp_module.IDLE_SECONDS
    # aiosmtpd warns of a deprecated attribute at every login: a line per mail otherwise.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    with _server(work) as (port, cert):
        for name, idle in (("kept", kept), ("new_connection", -1.0)):
            smtp_module.IDLE_SECONDS = idle  # -1: no connection is ever taken again
            try:
                for senders, count in COUNTS.items():
                    wall, cpu = await _send(port, cert, senders, count)
                    report(f"smtp_starttls_{name}_ms_per_mail_c{senders}", wall, "ms")
                    report(f"smtp_starttls_{name}_cpu_ms_per_mail_c{senders}", cpu, "ms")
            finally:
                smtp_module.IDLE_SECONDS = kept
