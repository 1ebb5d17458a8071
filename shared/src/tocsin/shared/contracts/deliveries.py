"""Requests to deliver a message to a person, on ``deliveries.<region>.<kind>``.

A service that needs something sent to an email address, a phone (SMS) or a voice line
writes a delivery request into its outbox in the same transaction as the change that
calls for it; the relay publishes it to the JetStream stream ``DELIVERIES_<REGION>``
(subjects ``deliveries.<region>.>``, kept one day, see
:func:`tocsin.shared.bus.deliveries_stream`), and the notifications service consumes it
and does the sending. The message's ``Nats-Msg-Id`` is its ``id``, so a republished
request is stored once.

Kinds:

- ``activation-code`` — :class:`ActivationCodeDelivery`, from the contacts service when a
  contact channel's activation code is sent (on ``CreateContactChannel`` unless
  ``DeferActivation``, on ``SendActivationCode``, and when ``UpdateContactChannel``
  changes the address). The notifications service sends ``code`` to ``address`` over
  ``type``; an email carries the headers ``X-Tocsin-Activation-Code: <code>`` and
  ``X-Tocsin-Contact-Channel-Arn: <channelArn>`` beside its human-readable body, SMS and
  voice say the code in their text. A request whose ``expiresAt`` has passed is not worth
  sending: the code no longer activates the channel.
- ``page`` — :class:`PageDelivery`, from the contacts service when an engagement stage
  pages a contact: one request per ACTIVATED channel the stage engages. An email carries
  ``X-Tocsin-Page-Arn: <pageArn>``, ``X-Tocsin-Accept-Code: <acceptCode>`` and, when
  ``incidentId`` is set, ``X-Tocsin-Incident-Arn: <incidentId>``; SMS and voice say the
  code in their text. Acknowledging is ``AcceptPage`` with the page ARN and the code;
  delivery outcomes go back with ``tocsin.rpc.contacts.RecordPageReceipt``
  (:mod:`tocsin.shared.contracts.contacts`).

These messages carry personal data (addresses) and secrets (codes): they never go on the
``EVENTS_<REGION>`` stream that dashboards read, and neither their bodies nor their
addresses or codes belong in a log line. The request is camelCase JSON, times as RFC 3339
strings, and it travels **sealed**: the message body is a :class:`SealedDelivery`, whose
``sealed`` member is the request's JSON sealed with AES-GCM under the replication set's
data key (:mod:`tocsin.shared.crypto`, bound to the kind and the id), so neither the
stream's storage nor any NATS client without the key-encryption key reads an address,
a code or a message. :func:`seal` and :func:`open_request` are the two ends.

Schema evolution follows msgspec's rules: members added later always get defaults,
unknown members are ignored, existing members never change type.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final, Literal

import msgspec

if TYPE_CHECKING:
    from tocsin.shared.keys import KeyRing

__all__ = [
    "ACTIVATION_CODE",
    "KINDS",
    "PAGE",
    "ActivationCodeDelivery",
    "ChannelType",
    "Delivery",
    "PageDelivery",
    "SealedDelivery",
    "open_request",
    "seal",
    "subject",
]

ChannelType = Literal["EMAIL", "SMS", "VOICE"]
"""The model's ``ChannelType``: how the message reaches the person."""

ACTIVATION_CODE: Final = "activation-code"
"""The kind (last subject token) of :class:`ActivationCodeDelivery`."""

PAGE: Final = "page"
"""The kind (last subject token) of :class:`PageDelivery`."""


def subject(region: str, kind: str) -> str:
    """The subject of one kind of delivery request in a region."""
    return f"deliveries.{region}.{kind}"


class _Delivery(msgspec.Struct, rename="camel", kw_only=True, frozen=True,
                omit_defaults=True):
    """A delivery request: camelCase on the wire, unknown members ignored."""


class ActivationCodeDelivery(_Delivery, frozen=True):
    """Send a contact channel's activation code to the channel's address."""

    id: str
    """The request's id (a UUID), also its ``Nats-Msg-Id``; the same id is the same
    request, so a consumer sends it once."""
    channel_arn: str
    """The contact channel to activate (``X-Tocsin-Contact-Channel-Arn``)."""
    contact_arn: str
    """The PERSONAL contact the channel belongs to."""
    type: ChannelType
    """How to send it: ``EMAIL``, ``SMS`` or ``VOICE``."""
    address: str
    """An email address for ``EMAIL``; an E.164 number (``+`` and digits) otherwise."""
    code: str
    """The activation code (``X-Tocsin-Activation-Code``), six digits."""
    expires_at: datetime
    """When the code stops activating the channel (plan time)."""
    sent_at: datetime
    """When the code was issued (plan time)."""
    channel_name: str = ""
    """The channel's name, for the human-readable text."""
    contact_alias: str = ""
    """The contact's alias, for the human-readable text."""


class PageDelivery(_Delivery, frozen=True):
    """Send one page of an engagement to one of the paged contact's channels."""

    id: str
    """The request's id (a UUID), also its ``Nats-Msg-Id``; the same id is the same
    request, so a consumer sends it once."""
    page_arn: str
    """The page (``X-Tocsin-Page-Arn``); ``AcceptPage`` and ``RecordPageReceipt`` name it."""
    engagement_arn: str
    contact_arn: str
    """The PERSONAL contact paged."""
    channel_arn: str
    """The channel to send on; receipts name it as ``ContactChannelId``."""
    channel_type: ChannelType
    address: str
    """An email address for ``EMAIL``; an E.164 number (``+`` and digits) otherwise."""
    subject: str
    """The engagement's ``Subject`` for EMAIL and VOICE; for SMS its ``PublicSubject``,
    else its ``Subject``."""
    content: str
    """Likewise ``Content``, or for SMS ``PublicContent`` falling back to ``Content``."""
    accept_code: str
    """The code that acknowledges the page (``X-Tocsin-Accept-Code``), six digits."""
    sender: str
    """The engagement's ``Sender``."""
    sent_at: datetime
    """When the page was requested (plan time)."""
    incident_id: str | None = None
    """The engagement's ``IncidentId`` (``X-Tocsin-Incident-Arn`` when it is an incident
    ARN)."""
    stage_index: int = 0
    """The engagement stage that sent it."""
    channel_name: str = ""
    """The channel's name, for the human-readable text."""
    contact_alias: str = ""
    """The contact's alias, for the human-readable text."""


KINDS: Final[dict[str, type[_Delivery]]] = {
    ACTIVATION_CODE: ActivationCodeDelivery,
    PAGE: PageDelivery,
}
"""Delivery kind (the last token of the subject) → the Struct of its body."""


Delivery = ActivationCodeDelivery | PageDelivery
"""Any delivery request."""


class SealedDelivery(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The body of a message on ``DELIVERIES_<REGION>``: a delivery request, sealed."""

    id: str
    """The request's id, also its ``Nats-Msg-Id``."""
    sealed: str
    """The request's JSON, sealed under the replication set's data key (the key's id is
    inside): ``tse1.`` and URL-safe base64."""


def _kind(request: Delivery) -> str:
    return PAGE if isinstance(request, PageDelivery) else ACTIVATION_CODE


def _context(kind: str, request_id: str) -> str:
    return f"deliveries.{kind}|{request_id}"


async def seal(keys: KeyRing, request: Delivery) -> bytes:
    """The message body that carries ``request``.

    Raises:
        DataEncryptionError: the data key cannot be unwrapped.
    """
    sealed = await keys.seal_text(msgspec.json.encode(request).decode(),
                                  context=_context(_kind(request), request.id))
    return msgspec.json.encode(SealedDelivery(id=request.id, sealed=sealed))


async def open_request(keys: KeyRing, kind: str, body: bytes) -> Delivery:
    """The request a message of ``kind`` carries.

    Raises:
        msgspec.DecodeError: not a delivery request of that kind (never to be retried).
        DataEncryptionError: the data key cannot be unwrapped, or the seal does not open.
    """
    envelope = msgspec.json.decode(body, type=SealedDelivery)
    plain = await keys.open_text(envelope.sealed, context=_context(kind, envelope.id))
    request: Delivery = msgspec.json.decode(plain, type=KINDS[kind])  # type: ignore[assignment]
    return request
