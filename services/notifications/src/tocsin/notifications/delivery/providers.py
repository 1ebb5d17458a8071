"""SMS and voice providers: a Twilio-compatible REST API and a generic signed webhook.

``TOCSIN_PROVIDERS`` is a JSON list; each entry names a provider, its ``kind``, the
``channels`` it serves (``SMS``, ``VOICE``), an optional ``rate`` (sends a second, with
``burst``; no limit when absent) and ``timeout`` (seconds, default 5), and per kind:

- ``twilio``: ``baseUrl`` (``https://api.twilio.com`` or anything speaking its API),
  ``accountSid``, ``authToken``, ``from``. SMS is ``POST
  /2010-04-01/Accounts/<sid>/Messages.json`` (``To``, ``From``, ``Body``,
  ``StatusCallback``); a call is ``.../Calls.json`` with inline ``Twiml`` that says the
  page and gathers one key ("press 1 to acknowledge") with its ``action`` pointing at the
  gateway. Inbound webhooks carry ``X-Twilio-Signature``: base64 HMAC-SHA1, keyed with the
  auth token, of the full public URL followed by every form parameter's name and value
  sorted by name; one Twilio sends again (same ``MessageSid``/``CallSid`` and status or
  digits) is answered without acting twice. Twilio's Messages and Calls resources take no
  idempotency key, so a send repeated after a crash between Twilio's answer and its record
  reaches the person twice; Tocsin tries the provider of the interrupted send first and
  counts the resend.
- ``webhook``: ``url`` and ``secret``. A send is ``POST <url>`` with the JSON
  ``{"id", "channel", "to", "text", "gatherUrl"?, "statusUrl"?}`` and the header
  ``Idempotency-Key: <id>`` (the delivery request's id, the same on every resend: a provider
  that honours it sends once); inbound webhooks post
  ``{"type": "sms", "from", "text"}``, ``{"type": "keypress", "digits"}`` or
  ``{"type": "status", "status"}``. Both ways the request is signed over a timestamp,
  the full URL and the body: ``X-Tocsin-Timestamp: <Unix seconds>`` and
  ``X-Tocsin-Signature: sha256=<hex HMAC-SHA256, keyed with the secret, of
  "<timestamp>\n<url>\n" followed by the body>``; an inbound webhook whose timestamp is
  more than ``window`` seconds (default 300) from now is refused, so a captured request can
  be replayed neither later nor to another URL.

The gateway receives inbound webhooks at ``POST /v1/inbound/<provider>/<action>[/<token>]``
and forwards them unchanged (:class:`tocsin.shared.contracts.notifications.Inbound`);
only this service holds the secrets, so only it verifies.
"""

from __future__ import annotations

import abc
import base64
import hashlib
import hmac
import json
from typing import Any, Literal
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape, quoteattr

import aiohttp
import msgspec

from tocsin.notifications.delivery.domain import InboundEvent, Outbound, ProviderError, redact
from tocsin.notifications.delivery.ratelimit import TokenBucket
from tocsin.shared.contracts.notifications import Inbound, InboundReply
from tocsin.shared.errors import AccessDeniedError, ValidationError
from tocsin.shared.webhook_signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    stamp_age,
    webhook_headers,
    webhook_signature,
)

__all__ = [
    "Provider",
    "ProviderConfig",
    "TwilioProvider",
    "WebhookProvider",
    "parse_providers",
    "twilio_signature",
    "webhook_headers",
    "webhook_signature",
]

IDEMPOTENCY_HEADER = "Idempotency-Key"
"""Sent with every webhook send: the delivery request's id, the same on a resend, so a
provider that honours the header sends the message once."""


class ProviderConfig(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """One entry of ``TOCSIN_PROVIDERS``."""

    name: str
    kind: Literal["twilio", "webhook"]
    channels: list[Literal["SMS", "VOICE"]]
    rate: float | None = None
    burst: float | None = None
    timeout: float = 5.0
    base_url: str = ""
    account_sid: str = ""
    auth_token: str = ""
    from_: str = msgspec.field(default="", name="from")
    url: str = ""
    secret: str = ""
    window: float = 300.0
    """``webhook``: seconds an inbound webhook's timestamp may be from now."""


class Provider(abc.ABC):
    """What every provider has: a name, channels, a rate limit, a timeout."""

    kind: str = ""

    def __init__(self, config: ProviderConfig, session: aiohttp.ClientSession) -> None:
        self.name = config.name
        self.channels: frozenset[str] = frozenset(config.channels)
        self.timeout = config.timeout
        self.bucket: TokenBucket | None = (TokenBucket(config.rate, config.burst)
                                           if config.rate else None)
        self._config = config
        self._session = session

    @abc.abstractmethod
    async def send(self, message: Outbound) -> str:
        """Send; returns the provider's id for the message.

        Raises:
            ProviderError: the provider refused it or could not be reached.
        """

    @abc.abstractmethod
    def parse_inbound(self, inbound: Inbound, url: str) -> InboundEvent:
        """Verify and read one inbound webhook; ``url`` is its full public URL.

        Raises:
            AccessDeniedError: the signature is missing or wrong.
            ValidationError: the body does not say anything this service understands.
        """

    @abc.abstractmethod
    def reply(self, text: str) -> InboundReply:
        """The answer to an inbound webhook, carrying ``text`` back to the person."""

    async def _post(self, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self._session.post(
                    url, timeout=aiohttp.ClientTimeout(total=self.timeout), **kwargs) as resp:
                body = await resp.read()
                if resp.status >= 300:
                    raise ProviderError(
                        f"{self.name}: HTTP {resp.status} {_error_summary(body)}",
                        permanent=400 <= resp.status < 500 and resp.status not in (408, 429))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ProviderError(f"{self.name}: {type(exc).__name__}") from None
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}


def _error_summary(body: bytes) -> str:
    """A provider's error code and message, short; never echoes what was sent."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    parts = [str(data[k]) for k in ("code", "message") if k in data]
    return redact(" ".join(parts))[:200]


def twilio_signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """Twilio's request signature of a form POST to ``url``."""
    payload = url + "".join(k + v for k, v in sorted(params, key=lambda kv: kv[0]))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _header(headers: dict[str, str], name: str) -> str:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), "")


class TwilioProvider(Provider):
    """Twilio's REST API (Messages and Calls) and its webhooks."""

    kind = "twilio"

    def _account_url(self, resource: str) -> str:
        c = self._config
        return f"{c.base_url.rstrip('/')}/2010-04-01/Accounts/{c.account_sid}/{resource}.json"

    async def send(self, message: Outbound) -> str:
        c = self._config
        auth = {"Authorization": "Basic " + base64.b64encode(
            f"{c.account_sid}:{c.auth_token}".encode()).decode()}
        if message.channel_type == "VOICE":
            form = {"To": message.to, "From": c.from_, "Twiml": twiml_call(message)}
            data = await self._post(self._account_url("Calls"), data=form, headers=auth)
        else:
            form = {"To": message.to, "From": c.from_, "Body": message.text}
            if message.status_url:
                form["StatusCallback"] = message.status_url
            data = await self._post(self._account_url("Messages"), data=form, headers=auth)
        return str(data.get("sid", ""))

    def parse_inbound(self, inbound: Inbound, url: str) -> InboundEvent:
        params = parse_qsl(inbound.body.decode(errors="replace"), keep_blank_values=True)
        given = _header(inbound.headers, "X-Twilio-Signature")
        expected = twilio_signature(self._config.auth_token, url, params)
        if not given or not hmac.compare_digest(given, expected):
            raise AccessDeniedError(f"The X-Twilio-Signature of this {self.name} webhook "
                                    "does not match")
        form = dict(params)
        message, call = form.get("MessageSid", ""), form.get("CallSid", "")
        if inbound.action == "sms":
            return InboundEvent("sms", from_number=form.get("From", ""),
                                text=form.get("Body", ""),
                                event_key=f"sms:{message}" if message else "")
        if inbound.action == "voice":
            digits = form.get("Digits", "")
            return InboundEvent("keypress", from_number=form.get("To", ""), digits=digits,
                                event_key=f"voice:{call}:{digits}" if call else "")
        if inbound.action == "status":
            status = form.get("MessageStatus") or form.get("CallStatus", "")
            sid = message or call
            return InboundEvent("status", status=status, delivery_id=inbound.token,
                                event_key=f"status:{sid}:{status}" if sid else "")
        raise ValidationError(f"{self.name} webhooks have no action {inbound.action!r}")

    def reply(self, text: str) -> InboundReply:
        body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>"
        if text:
            body += f"<Message>{escape(text)}</Message>"
        return InboundReply(status=200, content_type="text/xml", body=body + "</Response>")


def twiml_call(message: Outbound) -> str:
    """The TwiML of a call: say the message; for a page, gather one key press."""
    say = f"<Say>{escape(message.text)}</Say>"
    if message.gather_url:
        return ("<Response><Gather numDigits=\"1\" method=\"POST\" "
                f"action={quoteattr(message.gather_url)}>{say}</Gather>{say}</Response>")
    return f"<Response>{say}</Response>"


def voice_answer(text: str) -> InboundReply:
    """TwiML that says ``text`` and hangs up: the answer to a key press."""
    return InboundReply(status=200, content_type="text/xml",
                        body=f"<Response><Say>{escape(text)}</Say><Hangup/></Response>")


class WebhookProvider(Provider):
    """A generic HTTP provider: JSON both ways, HMAC-SHA256 over the body."""

    kind = "webhook"

    async def send(self, message: Outbound) -> str:
        payload: dict[str, Any] = {"id": message.delivery_id,
                                   "channel": message.channel_type,
                                   "to": message.to, "text": message.text}
        if message.gather_url:
            payload["gatherUrl"] = message.gather_url
        if message.status_url:
            payload["statusUrl"] = message.status_url
        body = json.dumps(payload).encode()
        data = await self._post(self._config.url, data=body, headers={
            "Content-Type": "application/json", IDEMPOTENCY_HEADER: message.delivery_id,
            **webhook_headers(self._config.secret, body, url=self._config.url)})
        return str(data.get("id", ""))

    def parse_inbound(self, inbound: Inbound, url: str) -> InboundEvent:
        given = _header(inbound.headers, SIGNATURE_HEADER)
        stamp = _header(inbound.headers, TIMESTAMP_HEADER)
        try:
            age = stamp_age(stamp)
        except ValueError:
            raise AccessDeniedError(f"This {self.name} webhook has no {TIMESTAMP_HEADER}") \
                from None
        if age > self._config.window:
            raise AccessDeniedError(f"This {self.name} webhook's {TIMESTAMP_HEADER} is more "
                                    f"than {self._config.window:g} s from now")
        expected = webhook_signature(self._config.secret, inbound.body, url=url,
                                     timestamp=stamp)
        if not given or not hmac.compare_digest(given, expected):
            raise AccessDeniedError(f"The {SIGNATURE_HEADER} of this {self.name} webhook "
                                    "does not match")
        try:
            data = json.loads(inbound.body)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply to read
            raise ValidationError("The webhook body is not JSON") from None
        if not isinstance(data, dict):
            raise ValidationError("The webhook body is not a JSON object")
        kind = str(data.get("type", ""))
        if kind == "sms":
            return InboundEvent("sms", from_number=str(data.get("from", "")),
                                text=str(data.get("text", "")))
        if kind == "keypress":
            return InboundEvent("keypress", digits=str(data.get("digits", "")))
        if kind == "status":
            return InboundEvent("status", status=str(data.get("status", "")),
                                delivery_id=inbound.token or str(data.get("id", "")))
        raise ValidationError(f"Unknown webhook type {kind!r}: sms, keypress or status")

    def reply(self, text: str) -> InboundReply:
        return InboundReply(status=200, content_type="application/json",
                            body=json.dumps({"reply": text}))


def parse_providers(text: str, session: aiohttp.ClientSession) -> list[Provider]:
    """The providers of ``TOCSIN_PROVIDERS``, in order.

    Raises:
        ValueError: the JSON does not describe providers (naming what is wrong).
    """
    if not text.strip():
        return []
    try:
        configs = msgspec.json.decode(text.encode(), type=list[ProviderConfig])
    except msgspec.DecodeError as exc:
        raise ValueError(f"TOCSIN_PROVIDERS: {exc}") from None
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        raise ValueError("TOCSIN_PROVIDERS: provider names must be unique")
    out: list[Provider] = []
    for c in configs:
        if c.kind == "twilio":
            if not (c.base_url and c.account_sid and c.auth_token and c.from_):
                raise ValueError(f"TOCSIN_PROVIDERS: {c.name} needs baseUrl, accountSid, "
                                 "authToken and from")
            out.append(TwilioProvider(c, session))
        else:
            if not (c.url and c.secret):
                raise ValueError(f"TOCSIN_PROVIDERS: {c.name} needs url and secret")
            out.append(WebhookProvider(c, session))
    return out
