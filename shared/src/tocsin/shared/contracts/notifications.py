"""What the notifications service tells other services, and the requests it answers.

**Events.** The notifications service publishes on ``events.<region>.notifications.<Type>``
(an :class:`tocsin.shared.codec.Envelope`, ``data`` camelCase). Like every event on
``EVENTS_<REGION>`` they never carry an address, a code or a message body: only ARNs, the
delivery request's id, kinds, counts and error summaries. The envelope's correlation
carries ``engagement_arn`` and, for a page of an incident's engagement, ``incident_arn``.

- ``DeliveryDeadLettered`` (:class:`DeliveryDeadLettered`): a delivery request failed on
  every provider of its channel type ``attempts`` times and is given up on. The contacts
  service also gets an ``ERROR`` receipt for a page; the incidents service puts a
  :data:`DEAD_LETTER_TIMELINE_TYPE` event on the incident's timeline.

**Requests** on ``tocsin.rpc.notifications.<Operation>`` (PascalCase members):

- ``Inbound`` (:class:`Inbound`) → :class:`InboundReply`: a provider's webhook (inbound
  SMS, a voice key press, a delivery status callback) exactly as it reached the gateway's
  HTTP port. The notifications service holds the providers' secrets, so it verifies the
  signature; a bad one is an ``AccessDeniedException``.
- ``DescribeAckLink`` {Token} → :class:`AckLinkDescription`: what an acknowledgement link
  acknowledges (for the confirmation page a ``GET`` shows; a ``GET`` never acknowledges,
  since mail scanners fetch links).
- ``AcknowledgeLink`` {Token} → :class:`AckLinkDescription`: acknowledge the page (``AcceptPage``
  READ with the page's own code); the link is spent, a second use is a
  ``ValidationException``, as is an expired or unknown token.
- ``SlackCommand`` (:class:`Inbound`, provider ``slack``) → :class:`InboundReply`: a Slack
  slash command from ``POST /v1/chat/slack/commands``, verified with the signing secret.
- ``DescribeDelivery`` {DeliveryId} → :class:`DeliveryStatus`: where one delivery request
  stands, for operators and tests (no address, no code).

Schema evolution follows msgspec's rules: members added later always get defaults,
unknown members are ignored, existing members never change type.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Final

import msgspec

from tocsin.shared.contracts.base import Event, types_of

__all__ = [
    "DEAD_LETTER_TIMELINE_TYPE",
    "EVENT_TYPES",
    "AckLinkDescription",
    "DeliveryDeadLettered",
    "DeliveryStatus",
    "Inbound",
    "InboundReply",
    "NotificationsEvent",
    "PageDeliveries",
]

DEAD_LETTER_TIMELINE_TYPE: Final = "Tocsin Notification Delivery Failed"
"""The ``eventType`` of the timeline event a dead-lettered page of an incident makes."""


class _Event(Event, frozen=True):
    """An event of the notifications service (tagged by its class name)."""

    service: ClassVar[str] = "notifications"


class DeliveryDeadLettered(_Event, frozen=True):
    """A delivery request was given up on after its last attempt."""

    delivery_id: str
    """The request's id (:mod:`tocsin.shared.contracts.deliveries`)."""
    kind: str
    """``page`` or ``activation-code``."""
    channel_arn: str
    channel_type: str
    attempts: int
    failed_at: datetime
    error: str
    """What the providers answered, summarised without addresses or codes."""
    contact_arn: str = ""
    page_arn: str | None = None
    engagement_arn: str | None = None
    incident_id: str | None = None


NotificationsEvent = DeliveryDeadLettered
"""Every event this service publishes, tagged by ``type``: decode one with
``decode(envelope.type, envelope.data, NotificationsEvent)``
(:mod:`tocsin.shared.contracts.base`)."""

EVENT_TYPES: Final[dict[str, type[Event]]] = types_of(NotificationsEvent)
"""Envelope ``type`` → the Struct of its ``data``."""


# --- requests ---------------------------------------------------------------------------


class _In(msgspec.Struct, rename="pascal", kw_only=True):
    """A request or reply: PascalCase, unknown members ignored."""


class Inbound(_In):
    """A provider's webhook request, forwarded by the gateway unchanged."""

    provider: str
    """The provider's configured name (the path segment after ``/v1/inbound/``)."""
    action: str
    """What the webhook reports: ``sms``, ``voice`` or ``status``."""
    path: str
    """The request path and query as received (Twilio signs the full URL)."""
    headers: dict[str, str]
    body: bytes
    """The raw body (base64 on the wire)."""
    token: str = ""
    """The link token in the path of a voice key-press callback."""


SLACK_VERBS: dict[str, tuple[str, str | None]] = {
    "list": ("ListIncidentRecords", None),
    "get": ("GetIncidentRecord", "arn"),
    "update": ("UpdateIncidentRecord", "arn"),
    "timeline": ("ListTimelineEvents", "incidentRecordArn"),
    "note": ("CreateTimelineEvent", "incidentRecordArn"),
}
"""Each Slack command's verb → the ``ssm-incidents`` operation it runs and the member that
carries its first argument (the incident's ARN): what the gateway authorises the mapped
principal for, and what the notifications service then runs as that principal."""


class InboundReply(_In):
    """What the gateway answers the provider."""

    status: int = 200
    content_type: str = "text/plain"
    body: str = ""


class AckLinkDescription(_In):
    """What a link acknowledges."""

    page_arn: str
    subject: str
    expires_at: float
    """Epoch seconds (plan time)."""
    used: bool = False
    incident_id: str | None = None


class DeliveryStatus(_In):
    """One delivery request's progress."""

    delivery_id: str
    kind: str
    channel_type: str
    state: str
    """``PENDING``, ``SENT``, ``DEAD`` or ``EXPIRED``."""
    attempts: int
    provider: str | None = None
    delay_reason: str | None = None
    """Why its send was held back (a provider's rate limit, no provider configured)."""
    expected_send_at: float | None = None
    """When the held-back send was expected to go, epoch seconds."""
    sent_at: float | None = None
    last_error: str | None = None
    priority: int = 0
    channel_arn: str | None = None
    page_arn: str | None = None
    resends: int = 0
    """Sends repeated because an earlier one was interrupted (its instance died) between
    the provider's acceptance and its record."""
    received_at: float | None = None


class PageDeliveries(_In):
    """``DescribeDelivery`` by ``PageArn``: every delivery request of the page, oldest
    first (one per channel per stage, retry or round)."""

    page_arn: str
    deliveries: list[DeliveryStatus]
