"""Slack slash commands on ``POST /v1/chat/slack/commands`` (forwarded by the gateway).

A request counts only when its ``X-Slack-Signature`` is ``v0=`` + hex HMAC-SHA256, keyed
with ``TOCSIN_SLACK_SIGNING_SECRET``, of ``v0:<X-Slack-Request-Timestamp>:<body>``, and the
timestamp is within ``TOCSIN_SLACK_REPLAY_WINDOW`` seconds of now (a captured request
cannot be replayed later). Commands (the slash command's text):

- ``list`` — the open incidents;
- ``get <incident ARN>`` — one incident;
- ``update <incident ARN> title="..." impact=2 status=RESOLVED summary="..."``;
- ``timeline <incident ARN>`` — its latest timeline events;
- ``note <incident ARN> <text>`` — adds a ``Custom Event`` to its timeline.

Each runs as the incidents service's own operation (:data:`~tocsin.shared.contracts.
notifications.SLACK_VERBS`), on behalf of the principal the gateway mapped the Slack user
to (``TOCSIN_SLACK_USERS``) and authorised the operation for, which it sends as
``Tocsin-Principal`` (so timelines say who changed what); and is answered in Slack's
format: ``{"response_type": "in_channel", "text"}``, or
``ephemeral`` for help and errors.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shlex
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from tocsin.notifications.chat.domain import slack_escape
from tocsin.shared import codec, errors
from tocsin.shared.arns import Arns
from tocsin.shared.bus import Bus, RpcRequest, rpc_subject
from tocsin.shared.bus.connection import PRINCIPAL_HEADER
from tocsin.shared.contracts import notifications as nc
from tocsin.shared.webhook_signing import stamp_age

__all__ = ["SlackCommands", "slack_signature"]

HELP = ("Commands: list | get <incident ARN> | update <incident ARN> key=value... "
        "(title, impact, status, summary) | timeline <incident ARN> | "
        "note <incident ARN> <text>")


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _header(headers: dict[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")


class SlackCommands:
    """The ``SlackCommand`` request."""

    def __init__(self, bus: Bus, *, signing_secret: str, replay_window: float,
                 arns: Arns) -> None:
        self._bus = bus
        self._secret = signing_secret
        self._window = replay_window
        self._arns = arns

    async def handle(self, req: RpcRequest) -> nc.InboundReply:
        cmd: nc.Inbound = req.decode(nc.Inbound)
        self._verify(cmd.headers, cmd.body)
        form = dict(parse_qsl(cmd.body.decode(errors="replace"), keep_blank_values=True))
        # The principal the gateway mapped the Slack user to and authorised the command
        # for (TOCSIN_SLACK_USERS); without one, only help is answered.
        principal = req.principal
        try:
            words = shlex.split(form.get("text", ""))
        except ValueError as exc:
            return _answer(f"Could not read the command: {exc}", public=False)
        if any(ch < " " for word in words for ch in word):
            # Slack sends none; the services' stores take no NUL (PostgreSQL text).
            return _answer("Could not read the command: it holds a control character",
                           public=False)
        try:
            text = await self._run(words, principal)
        except errors.TocsinError as exc:
            return _answer(f"{exc.aws_code}: {exc.message}", public=False)
        if text is None:
            return _answer(HELP, public=False)
        return _answer(text, public=True)

    def _verify(self, headers: dict[str, str], body: bytes) -> None:
        if not self._secret:
            raise errors.AccessDeniedError("Slack commands are not configured "
                                           "(TOCSIN_SLACK_SIGNING_SECRET)")
        stamp = _header(headers, "X-Slack-Request-Timestamp")
        given = _header(headers, "X-Slack-Signature")
        try:
            age = stamp_age(stamp)
        except ValueError:
            raise errors.AccessDeniedError("X-Slack-Request-Timestamp is missing") from None
        if age > self._window:
            raise errors.AccessDeniedError("The Slack request is too old (replay window)")
        if not given or not hmac.compare_digest(given, slack_signature(self._secret, stamp,
                                                                        body)):
            raise errors.AccessDeniedError("X-Slack-Signature does not match")

    async def _call(self, operation: str, params: dict[str, Any],
                    principal: str) -> dict[str, Any]:
        reply = await self._bus.request(rpc_subject("incidents", operation), params,
                                        timeout=10.0, headers={PRINCIPAL_HEADER: principal})
        out: dict[str, Any] = codec.decode(reply, dict[str, Any]) if reply else {}
        return out

    async def _run(self, words: list[str], principal: str) -> str | None:
        verb, args = (words[0].lower(), words[1:]) if words else ("help", [])
        if verb in nc.SLACK_VERBS and not principal:
            raise errors.AccessDeniedError("This Slack user acts as no Tocsin principal "
                                           "(TOCSIN_SLACK_USERS of the gateway)")
        if verb == "list":
            out = await self._call("ListIncidentRecords", {"filters": [{
                "key": "status", "condition": {"equals": {"stringValues": ["OPEN"]}}}],
                "maxResults": 20}, principal)
            rows = [f"• {slack_escape(r['title'])} (impact {r['impact']}, {r['status']}) "
                    f"{r['arn']}"
                    for r in out.get("incidentRecordSummaries", [])]
            return "\n".join(["Open incidents:", *rows]) if rows else "No open incidents."
        if verb == "get" and len(args) == 1:
            r = (await self._call("GetIncidentRecord", {"arn": args[0]}, principal))[
                "incidentRecord"]
            lines = [f"*{slack_escape(r['title'])}* — impact {r['impact']}, {r['status']}",
                     r["arn"]]
            if r.get("summary"):
                lines.insert(1, slack_escape(str(r["summary"])))
            return "\n".join(lines)
        if verb == "update" and len(args) >= 2:
            params: dict[str, Any] = {"arn": args[0], "clientToken": str(uuid.uuid4())}
            for pair in args[1:]:
                key, sep, value = pair.partition("=")
                if not sep or key not in ("title", "impact", "status", "summary"):
                    return None
                params[key] = int(value) if key == "impact" and value.isdigit() else value
            await self._call("UpdateIncidentRecord", params, principal)
            changed = ", ".join(sorted(k for k in params if k not in ("arn", "clientToken")))
            return f"Updated {changed} of {args[0]}"
        if verb == "timeline" and len(args) == 1:
            out = await self._call("ListTimelineEvents", {
                "incidentRecordArn": args[0], "sortBy": "EVENT_TIME",
                "sortOrder": "DESCENDING", "maxResults": 10}, principal)
            rows = [f"• {e['eventType']} at "
                    f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(e['eventTime']))} UTC"
                    for e in out.get("eventSummaries", [])]
            return "\n".join(["Timeline:", *rows]) if rows else "No timeline events."
        if verb == "note" and len(args) >= 2:
            await self._call("CreateTimelineEvent", {
                "incidentRecordArn": args[0], "eventTime": time.time(),
                "eventType": "Custom Event", "eventData": json.dumps(" ".join(args[1:])),
                "clientToken": str(uuid.uuid4())}, principal)
            return f"Added a note to the timeline of {args[0]}"
        return None


def _answer(text: str, *, public: bool) -> nc.InboundReply:
    return nc.InboundReply(status=200, content_type="application/json", body=json.dumps(
        {"response_type": "in_channel" if public else "ephemeral", "text": text}))
