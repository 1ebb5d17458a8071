"""Incident news in Slack and Chime, on Tocsin topics, and Slack commands, with the
incidents service and local webhook servers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import boto3
import pytest_asyncio
from aiohttp import web

from tocsin.notifications.chat.slack import slack_signature
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

SLACK_SECRET = "slack-signing-secret"


class ChatServer:
    """Slack and Chime incoming webhooks, recording what they were sent."""

    def __init__(self) -> None:
        self.slack: list[dict[str, Any]] = []
        self.chime: list[dict[str, Any]] = []
        self.port = 0

    async def _slack(self, request: web.Request) -> web.Response:
        self.slack.append(await request.json())
        return web.Response(text="ok")

    async def _chime(self, request: web.Request) -> web.Response:
        self.chime.append(await request.json())
        return web.json_response({"MessageId": str(len(self.chime))})

    def url(self, kind: str) -> str:
        return f"http://127.0.0.1:{self.port}/{kind}"


@pytest_asyncio.fixture
async def chat_server() -> AsyncIterator[ChatServer]:
    server = ChatServer()
    app = web.Application()
    app.router.add_post("/slack", server._slack)
    app.router.add_post("/chime", server._chime)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.port = int(runner.addresses[0][1])
    try:
        yield server
    finally:
        await runner.cleanup()


def incidents_client(stack: Any) -> Any:
    return boto3.client("ssm-incidents", endpoint_url=stack.http, region_name=stack.region,
                        aws_access_key_id="K", aws_secret_access_key="S")


def sns(name: str) -> str:
    return f"arn:aws:sns:us-east-1:000000000000:{name}"


async def test_incident_news_reaches_slack_chime_and_the_topic(
        stack_factory: Any, chat_server: ChatServer, bus: Bus) -> None:
    topics = {"ops-chat": [{"kind": "slack", "url": chat_server.url("slack")},
                           {"kind": "chime", "url": chat_server.url("chime")}]}
    async with stack_factory(with_incidents=True, chat_topics=json.dumps(topics)) as stack:
        on_topic: list[dict[str, Any]] = []

        async def record(msg: Any) -> None:
            on_topic.append(json.loads(msg.data))

        sub = await bus.nc.subscribe("topics.ops-pager", cb=record)
        client = incidents_client(stack)

        def start() -> str:
            client.create_replication_set(regions={stack.region: {}})
            plan = client.create_response_plan(
                name="api", chatChannel={"chatbotSns": [sns("ops-chat")]},
                incidentTemplate={"title": "API errors", "impact": 2, "summary": "5xx rising",
                                  "notificationTargets": [{"snsTopicArn": sns("ops-pager")}]}
            )["arn"]
            return str(client.start_incident(responsePlanArn=plan)["incidentRecordArn"])

        incident = await asyncio.to_thread(start)
        await wait_for(lambda: chat_server.slack and chat_server.chime)
        assert "Incident started: API errors (impact 2)" in chat_server.slack[0]["text"]
        assert "5xx rising" in chat_server.chime[0]["Content"]
        first = (await wait_for(lambda: on_topic))[0]
        assert (first["type"], first["incidentArn"]) == ("incident-started", incident)

        await asyncio.to_thread(lambda: client.create_timeline_event(
            incidentRecordArn=incident, eventTime=time.time(), eventType="Custom Event",
            eventData=json.dumps("Rolled back the deploy")))
        await wait_for(lambda: any("Rolled back the deploy" in m["text"]
                                   for m in chat_server.slack))
        await asyncio.to_thread(lambda: client.update_incident_record(arn=incident, impact=1))
        await wait_for(lambda: any("Incident updated" in m["text"] and "impact 1" in m["text"]
                                   for m in chat_server.slack))
        # A title is plain text in Slack: no channel ping, no link; Chime gets it as it is.
        await asyncio.to_thread(lambda: client.update_incident_record(
            arn=incident, title="<!channel> DB & <https://evil.example|cache>"))
        await wait_for(lambda: any(
            "&lt;!channel&gt; DB &amp; &lt;https://evil.example|cache&gt;" in m["text"]
            for m in chat_server.slack))
        assert not any("<!channel>" in m["text"] for m in chat_server.slack)
        await wait_for(lambda: any("<!channel> DB & <https://evil.example|cache>"
                                   in m["Content"] for m in chat_server.chime))
        await asyncio.to_thread(lambda: client.update_incident_record(
            arn=incident, title="API errors"))
        await asyncio.to_thread(lambda: client.update_incident_record(arn=incident,
                                                                      status="RESOLVED"))
        await wait_for(lambda: any("Incident resolved: API errors" in m["Content"]
                                   for m in chat_server.chime))
        await wait_for(lambda: [m for m in on_topic if m["type"] == "incident-resolved"])
        # The record's own timeline entries are not repeated in chat.
        assert not any("SSM Incident" in m["text"] for m in chat_server.slack)
        await sub.unsubscribe()


async def slash(stack: Any, text: str, *, secret: str = SLACK_SECRET, age: float = 0,
                user: str = "U42") -> tuple[int, dict[str, Any] | str]:
    body = urlencode({"command": "/tocsin", "text": text, "user_id": user,
                      "user_name": "ana"}).encode()
    stamp = str(int(time.time() - age))
    headers = {"X-Slack-Request-Timestamp": stamp,
               "X-Slack-Signature": slack_signature(secret, stamp, body),
               "Content-Type": "application/x-www-form-urlencoded"}
    async with aiohttp.ClientSession() as http, http.post(
            f"{stack.http}/v1/chat/slack/commands", data=body, headers=headers) as resp:
        if resp.content_type == "application/json":
            return resp.status, await resp.json()
        return resp.status, await resp.text()


async def test_signed_slack_commands_read_and_change_incidents(stack_factory: Any) -> None:
    """Signed commands of a Slack user that TOCSIN_SLACK_USERS maps to a principal act as
    that principal; a user mapped to none may ask for help and nothing else."""
    users = json.dumps({"U42": "arn:tocsin:iam::000000000000:user/K"})
    async with stack_factory(with_incidents=True, slack_signing_secret=SLACK_SECRET,
                             gateway={"slack_users": users}) as stack:
        client = incidents_client(stack)

        def start() -> str:
            client.create_replication_set(regions={stack.region: {}})
            plan = client.create_response_plan(
                name="web", incidentTemplate={"title": "Web slow", "impact": 3})["arn"]
            return str(client.start_incident(responsePlanArn=plan)["incidentRecordArn"])

        incident = await asyncio.to_thread(start)
        status, answer = await slash(stack, "list", secret="wrong")
        assert status == 403
        status, answer = await slash(stack, "list", age=600)
        assert status == 403  # outside the replay window
        status, answer = await slash(stack, "list")
        assert status == 200 and isinstance(answer, dict)
        assert answer["response_type"] == "in_channel" and incident in answer["text"]
        status, answer = await slash(stack, f"get {incident}")
        assert isinstance(answer, dict) and "*Web slow*" in answer["text"]
        status, answer = await slash(stack, f'update {incident} impact=1 title="Web down"')
        assert isinstance(answer, dict) and answer["response_type"] == "in_channel"
        record = await asyncio.to_thread(lambda: client.get_incident_record(arn=incident))
        assert record["incidentRecord"]["impact"] == 1
        assert record["incidentRecord"]["title"] == "Web down"
        assert record["incidentRecord"]["lastModifiedBy"].endswith(":user/K")
        status, answer = await slash(stack, f"get {incident}", user="U99")
        assert status == 403 and "U99 is mapped to no Tocsin principal" in str(answer)
        status, answer = await slash(stack, "help", user="U99")
        assert isinstance(answer, dict) and answer["text"].startswith("Commands:")
        status, answer = await slash(stack, f"note {incident} Restarted the pool")
        assert isinstance(answer, dict) and "Added a note" in answer["text"]
        status, answer = await slash(stack, f"timeline {incident}")
        assert isinstance(answer, dict) and "Custom Event" in answer["text"]
        status, answer = await slash(stack, "update nothing-here impact=1")
        assert isinstance(answer, dict) and answer["response_type"] == "ephemeral"
        status, answer = await slash(stack, "dance")
        assert isinstance(answer, dict) and answer["text"].startswith("Commands:")
        status, answer = await slash(stack, "timeline \x00")  # no NUL reaches a store
        assert status == 200 and isinstance(answer, dict)
        assert "control character" in answer["text"]
