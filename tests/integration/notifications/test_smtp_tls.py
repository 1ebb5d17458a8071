"""The SMTP client over STARTTLS and implicit TLS, against aiosmtpd with a certificate made
for the test (verified, not ignored), and the TLS mode refused by a plain server."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tocsin.notifications.delivery.domain import Outbound, ProviderError
from tocsin.notifications.delivery.smtp import SmtpProvider
from tocsin.notifications.settings import Settings

from .conftest import SMTP_PASSWORD, SMTP_USER, Mailbox, free_port


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


@pytest.fixture(params=["starttls", "implicit"])
def tls_server(request: pytest.FixtureRequest, certificate: tuple[Path, Path]
               ) -> Iterator[tuple[str, Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    context = server_context(certificate)
    if request.param == "starttls":
        controller = Controller(box, hostname="127.0.0.1", port=port, tls_context=context,
                                require_starttls=True, authenticator=box.authenticate)
    else:
        # aiosmtpd counts only STARTTLS as TLS for AUTH; this connection is TLS throughout.
        controller = Controller(box, hostname="127.0.0.1", port=port, ssl_context=context,
                                authenticator=box.authenticate, auth_require_tls=False)
    controller.start()
    try:
        yield request.param, box, port
    finally:
        controller.stop()


def mail(to: str) -> Outbound:
    return Outbound(delivery_id="0f0e0d0c-0000-4000-8000-000000000001", channel_type="EMAIL",
                    to=to, subject="Tocsin test", text="Hello over TLS",
                    headers={"X-Tocsin-Activation-Code": "123456"})


async def test_mail_goes_over_tls_with_login(tls_server: tuple[str, Mailbox, int],
                                             certificate: tuple[Path, Path]) -> None:
    mode, box, port = tls_server
    smtp = SmtpProvider(Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls=mode,  # type: ignore[arg-type]
                                 smtp_ca_file=str(certificate[0]), smtp_username=SMTP_USER,
                                 smtp_password=SMTP_PASSWORD))  # type: ignore[arg-type]
    await smtp.send(mail("tls@example.test"))
    [got] = box.to("tls@example.test")
    assert got["X-Tocsin-Activation-Code"] == "123456"
    assert box.logins == [SMTP_USER]


@pytest.mark.expected_error_logs('.* SMTP session exception')
async def test_an_unverifiable_certificate_is_refused(
        tls_server: tuple[str, Mailbox, int]) -> None:
    mode, box, port = tls_server
    smtp = SmtpProvider(Settings(smtp_host="127.0.0.1", smtp_port=port,
                                 smtp_tls=mode))  # type: ignore[arg-type]
    with pytest.raises(ProviderError):
        await smtp.send(mail("nobody@example.test"))
    assert not box.messages


async def test_a_password_brings_starttls_by_default(tls_server: tuple[str, Mailbox, int],
                                                     certificate: tuple[Path, Path]) -> None:
    """With a password and no TLS mode set, the client upgrades with STARTTLS (the server
    requires it: a plain login would be refused)."""
    mode, box, port = tls_server
    if mode != "starttls":
        pytest.skip("the default is STARTTLS; implicit TLS is always asked for by name")
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_ca_file=str(certificate[0]),
                        smtp_username=SMTP_USER, smtp_password=SMTP_PASSWORD)  # type: ignore[arg-type]
    assert settings.smtp_tls_mode == "starttls"
    await SmtpProvider(settings).send(mail("default@example.test"))
    assert box.to("default@example.test") and box.logins == [SMTP_USER]
    assert Settings(smtp_host="127.0.0.1").smtp_tls_mode == "none"  # nothing to protect
