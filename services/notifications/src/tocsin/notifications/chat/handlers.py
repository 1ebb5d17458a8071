"""Incident news in chat, and on Tocsin topics.

A durable consumer of the incidents service's events (``IncidentRecordCreated``,
``IncidentRecordUpdated``, ``IncidentRecordResolved``, ``TimelineEventCreated``,
``TimelineEventUpdated``) tells:

- the incident's **chat channel**: each ``chatChannel.chatbotSns`` ARN names a topic by its
  last segment, and ``TOCSIN_CHAT_TOPICS`` maps topic names to webhooks (JSON:
  ``{"<topic>": [{"kind": "slack" | "chime", "url": "..."}]}``) — Slack incoming webhooks
  get ``{"text": ...}``, Amazon Chime webhooks ``{"Content": ...}``;
- its **notification targets**: each ``notificationTargets[].snsTopicArn`` names a Tocsin
  topic, published on the NATS subject ``topics.<name>`` (JSON: ``type``, ``incidentArn``,
  ``title``, ``status``, ``impact``, ``text``) and posted to the topic's webhooks, if any.

A timeline event carries its incident record as the change read it (``incident``), so
telling it costs no call; one that does not (an older producer, an update) has the record
asked of the incidents service (``GetIncidentRecord``).

Texts come from the ``*.chat.txt`` templates (operators may override them). Timeline
events Tocsin writes for the record's own start and updates are not repeated (the record's
events already say so). Each post is recorded per (event, target) in ``chat_post``, so an
event redelivered after a partial failure posts only what is missing; a webhook that
fails makes the event come back later (``RetryLater``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import aiohttp
import asyncpg
import msgspec
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy

from tocsin.notifications.chat.domain import (
    KINDS,
    OWN_TIMELINE_TYPES,
    ChatTarget,
    slack_escaped,
    timeline_text,
    topic_name,
)
from tocsin.notifications.chat.store import ChatPostStore
from tocsin.notifications.templates import Templates
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, Consumer, events_subjects, rpc_subject
from tocsin.shared.contracts import incidents as ic
from tocsin.shared.events import Received, typed
from tocsin.shared.logging import bind, get_logger

__all__ = ["ChatRelay", "chat_consumer"]

log = get_logger(__name__)

class ChatRelay:
    """The consumer's handler."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus, session: aiohttp.ClientSession,
                 templates: Templates, topics: dict[str, list[ChatTarget]], *,
                 learnt: Callable[[ic.IncidentRecord], None] | None = None) -> None:
        self._pool = pool
        self._bus = bus
        self._session = session
        self._templates = templates
        self._topics = topics
        self._learnt = learnt
        """Told every incident record an event carries (the page composer keeps them)."""

    async def on_event(self, event: Received[ic.IncidentsEvent], msg: Msg) -> None:
        kind = KINDS.get(event.type)
        incident_arn = event.correlation.incident_arn
        if kind is None or not incident_arn:
            return
        bind(incident_arn=incident_arn)
        context: dict[str, Any] = {"changed": [], "event": {}, "text": ""}
        record: ic.IncidentRecord | None
        match event.event:
            case ic.TimelineEventCreated() | ic.TimelineEventUpdated() as entry:
                if entry.event_type in OWN_TIMELINE_TYPES:
                    return
                context["event"] = event.data
                context["text"] = timeline_text(entry.event_data)
                # The record travels with the event when the change read it; asked of
                # the incidents service only for events that do not carry it.
                record = entry.incident or await self._record(incident_arn)
            case ic.IncidentRecordUpdated() as update:  # and IncidentRecordResolved
                context["changed"] = update.modified_attributes
                record = update.incident_record
            case ic.IncidentRecordCreated() as created:
                record = created.incident_record
            case _:
                return
        if record is None:
            return
        if self._learnt is not None:
            self._learnt(record)
        chat = [topic_name(a) for a in (record.chat_channel or {}).get("chatbotSns", [])]
        targets = [topic_name(t["snsTopicArn"]) for t in record.notification_targets
                   if t.get("snsTopicArn")]
        if not chat and not targets:
            return
        context["incident"] = {"arn": incident_arn, "title": record.title,
                               "impact": record.impact, "status": record.status,
                               "summary": record.summary or ""}
        text = self._templates.render(kind, "chat", context)
        # Slack reads &, < and > as markup: a title must not ping a channel or make a link.
        slack_text = self._templates.render(kind, "chat", slack_escaped(context))
        failed = 0
        for topic in targets:
            await self._bus.nc.publish(f"topics.{topic}", json.dumps({
                "type": kind, "incidentArn": incident_arn, "title": record.title,
                "status": record.status, "impact": record.impact,
                "text": text}).encode())
        for topic in dict.fromkeys(chat + targets):
            for target in self._topics.get(topic, []):
                posted = slack_text if target.kind == "slack" else text
                if not await self._post_once(event.id, target, posted):
                    failed += 1
        if failed:
            raise errors.RetryLater(f"{failed} chat webhook(s) failed", delay=5.0)

    async def _post_once(self, event_id: str, target: ChatTarget, text: str) -> bool:
        key = hashlib.sha256(target.url.encode()).hexdigest()[:32]
        async with self._pool.acquire() as conn:
            if await ChatPostStore.posted(conn, event_id, key):
                return True
            body = {"text": text} if target.kind == "slack" else {"Content": text}
            try:
                async with self._session.post(target.url, json=body,
                                              timeout=aiohttp.ClientTimeout(total=5)) as resp:
                    if resp.status >= 300:
                        log.warning("chat.refused", kind=target.kind, status=resp.status)
                        return False
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.warning("chat.failed", kind=target.kind, error=type(exc).__name__)
                return False
            await ChatPostStore.record(conn, event_id, key)
        return True

    async def _record(self, arn: str) -> ic.IncidentRecord | None:
        try:
            reply = await self._bus.request(rpc_subject("incidents", "GetIncidentRecord"),
                                            {"arn": arn}, timeout=5.0)
        except errors.ServiceUnavailable as exc:
            raise errors.RetryLater(exc.message, delay=2.0) from None
        except errors.NotFoundError:
            return None
        record = codec.decode(reply, dict[str, Any]).get("incidentRecord")
        return None if record is None else msgspec.convert(record, ic.IncidentRecord)


def chat_consumer(relay: ChatRelay, *, region: str, schema: str) -> Consumer:
    """The durable consumer, named after the schema so every instance shares it. Created
    for new events only: a first start does not post a month of history to chat."""
    return Consumer(stream=f"EVENTS_{region.upper()}", durable=f"{schema}-chat",
                    filter_subject=events_subjects(region, "incidents", KINDS),
                    handler=typed(ic.IncidentsEvent, relay.on_event, only=frozenset(KINDS)),
                    deliver_policy=DeliverPolicy.NEW)
