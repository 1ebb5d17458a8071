"""The generic webhook provider reading a signed inbound callback."""

from __future__ import annotations

from typing import Any

import pytest

from tocsin.notifications.delivery.providers import ProviderConfig, WebhookProvider
from tocsin.shared.contracts.notifications import Inbound
from tocsin.shared.errors import ValidationError
from tocsin.shared.webhook_signing import webhook_headers

URL = "https://tocsin.example/v1/inbound/hook/sms"


def provider() -> WebhookProvider:
    config = ProviderConfig(name="hook", kind="webhook", channels=["SMS"],
                            url="http://127.0.0.1:9", secret="s3cret")
    session: Any = None  # parse_inbound sends nothing
    return WebhookProvider(config, session)


def signed(body: bytes) -> Inbound:
    return Inbound(provider="hook", action="sms", path="/v1/inbound/hook/sms",
                   headers=webhook_headers("s3cret", body, url=URL), body=body)


def test_a_signed_sms_is_read() -> None:
    event = provider().parse_inbound(signed(b'{"type": "sms", "from": "+1555", "text": "1"}'),
                                     URL)
    assert (event.action, event.from_number, event.text) == ("sms", "+1555", "1")


@pytest.mark.parametrize("body", [b"{not json", b"[" * 5000 + b"]" * 5000, b"[1]"])
def test_a_signed_body_that_is_no_json_object_is_a_validation_error(body: bytes) -> None:
    """Nested deeper than the JSON parser recurses included: refused, not a crash."""
    with pytest.raises(ValidationError):
        provider().parse_inbound(signed(body), URL)
