"""From a delivery request to the message a provider sends.

A page's email carries ``X-Tocsin-Page-Arn``, ``X-Tocsin-Accept-Code`` and, for an
incident's engagement, ``X-Tocsin-Incident-Arn``; an activation email
``X-Tocsin-Activation-Code`` and ``X-Tocsin-Contact-Channel-Arn``
(``ARCHITECTURE.md``, "Messages to people"). A page sent by email gets a fresh
acknowledgement link, a voice page a key-press callback with its own token
(:mod:`tocsin.notifications.inbound.domain`); SMS pages are acknowledged by replying with the code.

For a page of an incident the incident record's title, impact and summary come from the
incidents service, kept briefly (:data:`INCIDENT_CACHE_SECONDS`): from the incidents
events this instance's chat consumer reads (:meth:`Composer.remember`), so a storm's pages
ask nothing, else from ``GetIncidentRecord``, so a page to many people asks once; when the
incidents service does not answer quickly the page goes without them.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from tocsin.notifications.delivery.domain import Outbound, incident_arn_of
from tocsin.notifications.inbound.domain import new_token
from tocsin.notifications.inbound.store import LinkStore
from tocsin.notifications.templates import Templates
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, rpc_subject
from tocsin.shared.contracts.deliveries import ActivationCodeDelivery, PageDelivery
from tocsin.shared.contracts.incidents import IncidentRecord
from tocsin.shared.logging import get_logger

__all__ = ["Composer"]

log = get_logger(__name__)

INCIDENT_CACHE_SECONDS = 30.0
INCIDENT_CACHE_SIZE = 20_000
"""Incidents kept, the most recently learnt: a storm's worth, so none is forgotten before
its pages go out."""

IMPACT_LABELS = {1: "critical", 2: "high", 3: "medium", 4: "low", 5: "no impact"}
"""Incident Manager's names of the impact levels."""
INCIDENT_SENDER = "Tocsin"
"""The sender of the engagements the incidents service starts for a response plan: their
subject and content only repeat the incident's title, impact, summary and ARN."""


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


class Composer:
    """Renders delivery requests; creates the links they carry."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus, templates: Templates, *,
                 link_base: str, link_ttl: float, region: str = "") -> None:
        self._pool = pool
        self._region = region
        self._bus = bus
        self._templates = templates
        self._link_base = link_base
        self._link_ttl = timedelta(seconds=link_ttl)
        self._incidents: OrderedDict[str, tuple[float, dict[str, Any] | None]] = \
            OrderedDict()

    async def activation(self, d: ActivationCodeDelivery) -> Outbound:
        context = {"code": d.code, "expires": _when(d.expires_at), "channel_arn": d.channel_arn,
                   "channel_name": d.channel_name, "contact_alias": d.contact_alias,
                   "endpoint": self._link_base, "region": self._region}
        channel = d.type.lower()
        if d.type == "EMAIL":
            return Outbound(
                delivery_id=d.id, channel_type=d.type, to=d.address,
                subject=self._templates.render("activation-code", "email-subject", context),
                text=self._templates.render("activation-code", "email", context),
                headers={"X-Tocsin-Activation-Code": d.code,
                         "X-Tocsin-Contact-Channel-Arn": d.channel_arn})
        return Outbound(delivery_id=d.id, channel_type=d.type, to=d.address,
                        text=self._templates.render("activation-code", channel, context))

    async def page(self, d: PageDelivery, *, now: datetime) -> Outbound:
        incident = await self._incident(d.incident_id)
        context: dict[str, Any] = {
            "subject": d.subject, "content": d.content, "sender": d.sender,
            "accept_code": d.accept_code, "page_arn": d.page_arn, "incident": incident,
            "contact_alias": d.contact_alias, "channel_name": d.channel_name,
            "ack_url": "", "ack_expires": "", "endpoint": self._link_base,
            "region": self._region,
            "impact_label": IMPACT_LABELS.get(incident["impact"], "") if incident else "",
            # A person's own words go in the page; Tocsin's would repeat the incident.
            "own_words": not (incident and d.sender == INCIDENT_SENDER)}
        if d.channel_type == "EMAIL":
            token = await self._link(d, now=now)
            context["ack_url"] = f"{self._link_base}/v1/ack/{token}"
            context["ack_expires"] = _when(now + self._link_ttl)
            headers = {"X-Tocsin-Page-Arn": d.page_arn, "X-Tocsin-Accept-Code": d.accept_code}
            if incident_arn_of(d.incident_id):
                headers["X-Tocsin-Incident-Arn"] = str(d.incident_id)
            return Outbound(
                delivery_id=d.id, channel_type="EMAIL", to=d.address, headers=headers,
                subject=self._templates.render("page", "email-subject", context),
                text=self._templates.render("page", "email", context))
        if d.channel_type == "VOICE":
            token = await self._link(d, now=now)
            return Outbound(delivery_id=d.id, channel_type="VOICE", to=d.address,
                            text=self._templates.render("page", "voice", context),
                            gather_url=f"{self._link_base}/v1/inbound/{{provider}}/voice/{token}")
        return Outbound(delivery_id=d.id, channel_type="SMS", to=d.address,
                        text=self._templates.render("page", "sms", context))

    async def _link(self, d: PageDelivery, *, now: datetime) -> str:
        token = new_token()
        await LinkStore.create(self._pool, token=token, page_arn=d.page_arn,
                               channel_arn=d.channel_arn, delivery_id=d.id,
                               accept_code=d.accept_code, subject=d.subject,
                               incident_id=d.incident_id, expires_at=now + self._link_ttl)
        return token

    def remember(self, record: IncidentRecord) -> None:
        """What an incidents event says of its incident, kept as an answer of
        ``GetIncidentRecord`` would be."""
        self._keep(record.arn, {"arn": record.arn, "title": record.title,
                                "impact": record.impact, "summary": record.summary or ""})

    def _keep(self, arn: str, found: dict[str, Any] | None) -> None:
        self._incidents.pop(arn, None)
        self._incidents[arn] = (time.monotonic() + INCIDENT_CACHE_SECONDS, found)
        while len(self._incidents) > INCIDENT_CACHE_SIZE:
            self._incidents.popitem(last=False)

    async def _incident(self, incident_id: str | None) -> dict[str, Any] | None:
        arn = incident_arn_of(incident_id)
        if arn is None:
            return None
        cached = self._incidents.get(arn)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        found: dict[str, Any] | None = None
        try:
            reply = await self._bus.request(rpc_subject("incidents", "GetIncidentRecord"),
                                            {"arn": arn}, timeout=2.0)
            record = codec.decode(reply, dict[str, Any]).get("incidentRecord") or {}
            found = {"arn": arn, "title": str(record.get("title", "")),
                     "impact": record.get("impact", "?"),
                     "summary": str(record.get("summary") or "")}
        except errors.TocsinError as exc:
            log.info("incident.unavailable", error=exc.message)
        self._keep(arn, found)
        return found
