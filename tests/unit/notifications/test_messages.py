"""Links' sealed codes, signatures, templates and backoff: the pure parts of delivery."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from tocsin.notifications.delivery.domain import redact, retry_delay
from tocsin.notifications.delivery.providers import twilio_signature, webhook_signature
from tocsin.notifications.inbound.domain import digest, new_token, seal, unseal
from tocsin.notifications.templates import Templates

PAGE = "arn:tocsin:ssm-contacts:r:000000000000:page/ana/1"


def test_a_sealed_code_opens_only_with_its_token_and_page() -> None:
    token = new_token()
    sealed = seal(token, PAGE, "123456")
    assert sealed != b"123456"
    assert unseal(token, PAGE, sealed) == "123456"
    assert unseal(new_token(), PAGE, sealed) != "123456"
    assert unseal(token, PAGE + "x", sealed) != "123456"
    assert digest(token) != token.encode() and len(digest(token)) == 32


def test_twilio_signature_covers_the_url_and_every_parameter_in_name_order() -> None:
    url = "https://tocsin.example/v1/inbound/t/sms"
    base = twilio_signature("token", url, [("From", "+1555"), ("Body", "STOP")])
    assert base == twilio_signature("token", url, [("Body", "STOP"), ("From", "+1555")])
    assert base != twilio_signature("token", url, [("Body", "START"), ("From", "+1555")])
    assert base != twilio_signature("token", url + "?x=1", [("Body", "STOP"), ("From", "+1555")])
    assert base != twilio_signature("other", url, [("Body", "STOP"), ("From", "+1555")])


def test_twilio_signature_matches_twilios_own_example() -> None:
    """The example of Twilio's signature-validation snippets (auth token ``12345``)."""
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
              "From": "+14158675309", "To": "+18005551212"}
    assert twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
                            list(params.items())) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_webhook_signature_covers_the_timestamp_the_url_and_the_body() -> None:
    def sig(body: bytes = b'{"a":1}', url: str = "https://t.example/v1/inbound/h/sms",
            timestamp: str = "1765000000") -> str:
        return webhook_signature("s3cret", body, url=url, timestamp=timestamp)

    assert sig().startswith("sha256=") and len(sig()) == 7 + 64
    assert sig() == "sha256=" + hmac.new(
        b"s3cret", b'1765000000\nhttps://t.example/v1/inbound/h/sms\n{"a":1}',
        hashlib.sha256).hexdigest()
    assert len({sig(), sig(body=b'{"a":2}'), sig(url="https://t.example/other"),
                sig(timestamp="1765000001")}) == 4


def test_operators_override_a_template_by_name(tmp_path: Path) -> None:
    context = {"subject": "DB", "content": "down", "accept_code": "123456", "sender": "x",
               "page_arn": PAGE, "incident": None, "contact_alias": "", "channel_name": "",
               "ack_url": "", "ack_expires": ""}
    assert "Reply 123456" in Templates().render("page", "sms", context)
    (tmp_path / "page.sms.txt").write_text("PAGE {{ subject }} code {{ accept_code }}\n")
    assert Templates(str(tmp_path)).render("page", "sms", context) == "PAGE DB code 123456"
    # Templates not overridden stay the built-in ones.
    assert "Press 1" in Templates(str(tmp_path)).render("page", "voice", context)


@pytest.mark.parametrize("attempt", [1, 2, 5, 30])
def test_retry_delay_is_jittered_under_an_exponential_cap(attempt: int) -> None:
    cap = min(60.0, 2.0 * 2 ** (attempt - 1))
    delays = [retry_delay(attempt, base=2.0, cap=60.0) for _ in range(200)]
    assert all(0 <= d <= cap for d in delays)
    assert len(set(delays)) > 1


def test_provider_errors_lose_addresses() -> None:
    text = "21211 The 'To' number +1 (555) 123-4567 is not valid; ana.b+x@example.co.uk bounced"
    out = redact(text)
    assert "555" not in out and "example" not in out
    assert out.startswith("21211 The 'To' number <address>")
