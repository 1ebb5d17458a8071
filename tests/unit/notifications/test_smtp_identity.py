"""What makes a resent email recognisable as the same one, and whether email can go out."""

from __future__ import annotations

from tocsin.notifications.delivery.domain import Outbound
from tocsin.notifications.delivery.smtp import SmtpProvider
from tocsin.notifications.settings import Settings, smtp_configured


def test_the_message_id_is_the_delivery_id_alone() -> None:
    """Two builds of one delivery request (a send and its resend) carry one Message-ID;
    another request carries another."""
    smtp = SmtpProvider(Settings(smtp_host="mail.example", smtp_from="tocsin@ops.example"))
    message = Outbound(delivery_id="5f0e8a52-1d7c-5b6e-9a43-0c2d9e7f1b11",
                       channel_type="EMAIL", to="ana@example.com", text="Database down",
                       subject="Page")
    first, again = smtp.build(message), smtp.build(message)
    assert first["Message-ID"] == again["Message-ID"] == \
        "<5f0e8a52-1d7c-5b6e-9a43-0c2d9e7f1b11@ops.example>"
    other = Outbound(delivery_id="another", channel_type="EMAIL", to="ana@example.com",
                     text="Database down", subject="Page")
    assert smtp.build(other)["Message-ID"] != first["Message-ID"]


def test_smtp_is_configured_by_its_host_alone() -> None:
    assert smtp_configured({"TOCSIN_SMTP_HOST": "mail.example"})
    assert not smtp_configured({})
    assert not smtp_configured({"TOCSIN_SMTP_HOST": " ", "TOCSIN_SMTP_PORT": "25"})
