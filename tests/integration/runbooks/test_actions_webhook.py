"""aws:invokeWebhook against a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from tocsin.runbooks.actions import (
    ActionContext,
    ActionDeps,
    ActionFailed,
    ActionTimedOut,
    run_action,
)
from tocsin.runbooks.actions.webhook import parse_webhooks
from tocsin.shared.arns import Arns
from tocsin.shared.bus import Bus
from tocsin.shared.config import ConfigError

EXECUTION = "11111111-2222-3333-4444-555555555555"
SECRET = "s3cret"


@dataclass
class Receiver:
    """An HTTP server that records what it receives and answers as told."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, str]] = field(default_factory=list)
    delay: float = 0.0


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        state.received.append({"method": request.method, "path": request.path,
                               "headers": dict(request.headers), "body": body})
        if state.delay:
            await asyncio.sleep(state.delay)
        status, text = state.answers.pop(0) if state.answers else (200, '{"ok": true}')
        return web.Response(status=status, text=text)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.url = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


@pytest_asyncio.fixture
async def deps(bus: Bus, receiver: Receiver) -> AsyncIterator[ActionDeps]:
    hooks = parse_webhooks(json.dumps({
        "ops": {"url": f"{receiver.url}/hooks/ops", "secret": SECRET,
                "headers": {"Authorization": "Bearer t0ken"}},
        "slow": {"url": f"{receiver.url}/slow", "timeout": 0.5},
        "form": {"url": f"{receiver.url}/form", "method": "put",
                 "headers": {"Content-Type": "text/plain"}},
    }))
    async with aiohttp.ClientSession() as http:
        yield ActionDeps(bus=bus, http=http, webhooks=hooks,
                         arns=Arns(partition="tocsin", region="local-1",
                                   account="000000000000"))


async def invoke(deps: ActionDeps, attempt: int = 1, timeout: float = 30,
                 **inputs: Any) -> dict[str, Any]:
    ctx = ActionContext(execution_id=EXECUTION, step_name="Notify", attempt=attempt,
                        principal="arn:tocsin:iam::000000000000:user/alice",
                        timeout_seconds=timeout, deps=deps)
    return await run_action("aws:invokeWebhook", inputs, ctx)


async def test_a_call_is_signed_and_its_answer_is_the_output(
        deps: ActionDeps, receiver: Receiver) -> None:
    receiver.answers.append((201, '{"ticket": "OPS-7"}'))
    outputs = await invoke(deps, IntegrationName="ops", Body='{"text": "db failover started"}')
    assert outputs == {"Response": '{"ticket": "OPS-7"}', "ResponseCode": 201}
    [request] = receiver.received
    assert (request["method"], request["path"]) == ("POST", "/hooks/ops")
    assert request["body"] == b'{"text": "db failover started"}'
    headers = request["headers"]
    stamp = headers["X-Tocsin-Timestamp"]
    signed = f"{stamp}\n{receiver.url}/hooks/ops\n".encode() + request["body"]
    expected = "sha256=" + hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Tocsin-Signature"] == expected
    assert headers["Authorization"] == "Bearer t0ken"
    assert headers["Content-Type"] == "application/json"
    assert headers["Idempotency-Key"] == f"{EXECUTION}/Notify"
    assert headers["X-Tocsin-Step-Name"] == "Notify"


async def test_a_map_body_is_sent_as_json_with_the_integrations_method(
        deps: ActionDeps, receiver: Receiver) -> None:
    await invoke(deps, IntegrationName="form", Body={"a": [1, 2]})
    [request] = receiver.received
    assert request["method"] == "PUT"
    assert json.loads(request["body"]) == {"a": [1, 2]}
    assert request["headers"]["Content-Type"] == "text/plain"
    assert "X-Tocsin-Signature" not in request["headers"]  # no secret, no signature


async def test_each_attempt_is_one_call_with_the_same_idempotency_key(
        deps: ActionDeps, receiver: Receiver) -> None:
    """The step's maxAttempts retries it: a 503 fails the attempt, the next one succeeds."""
    receiver.answers.append((503, "busy"))
    with pytest.raises(ActionFailed, match="answered HTTP 503") as caught:
        await invoke(deps, attempt=1, IntegrationName="ops", Body="x")
    assert caught.value.details == {"ResponseCode": ["503"], "Response": ["busy"]}
    outputs = await invoke(deps, attempt=2, IntegrationName="ops", Body="x")
    assert outputs["ResponseCode"] == 200
    first, second = receiver.received
    assert first["headers"]["Idempotency-Key"] == second["headers"]["Idempotency-Key"]
    assert [r["headers"]["X-Tocsin-Attempt"] for r in receiver.received] == ["1", "2"]


async def test_throttling_is_reported_as_such(deps: ActionDeps, receiver: Receiver) -> None:
    receiver.answers.append((429, "slow down"))
    with pytest.raises(ActionFailed) as caught:
        await invoke(deps, IntegrationName="ops", Body="x")
    assert caught.value.failure_type == "Throttling"


async def test_a_slow_integration_fails_the_attempt_and_the_step_timeout_times_it_out(
        deps: ActionDeps, receiver: Receiver) -> None:
    receiver.delay = 2.0
    with pytest.raises(ActionFailed, match=r"did not answer within 0\.5 seconds") as caught:
        await invoke(deps, IntegrationName="slow", Body="x")
    assert not isinstance(caught.value, ActionTimedOut)
    with pytest.raises(ActionTimedOut, match=r"did not answer within 0\.3 seconds"):
        await invoke(deps, IntegrationName="ops", Body="x", timeout=0.3)


async def test_an_unknown_integration_fails_at_input_validation(deps: ActionDeps) -> None:
    with pytest.raises(ActionFailed, match="No webhook integration named 'pager'") as caught:
        await invoke(deps, IntegrationName="pager", Body="x")
    assert caught.value.failure_stage == "InputValidation"
    assert "form, ops, slow" in caught.value.message


async def test_an_unreachable_integration_fails_the_attempt(bus: Bus) -> None:
    hooks = parse_webhooks('{"gone": {"url": "http://127.0.0.1:9/x"}}')
    async with aiohttp.ClientSession() as http:
        deps = ActionDeps(bus=bus, http=http, webhooks=hooks,
                          arns=Arns(partition="tocsin", region="local-1",
                                    account="000000000000"))
        with pytest.raises(ActionFailed, match="could not be reached"):
            await invoke(deps, IntegrationName="gone")


@pytest.mark.parametrize(("text", "words"), [
    ("[1]", "must be a JSON object"),
    ("{", "not JSON"),
    ('{"a": {"url": "ftp://x"}}', "a needs a url"),
    ('{"a": {"url": "http://x", "headers": {"n": 1}}}', "headers of a"),
    ('{"a": {"url": "http://x", "timeout": 0}}', "timeout of a must be positive"),
])
def test_bad_webhook_settings_stop_the_service(text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        parse_webhooks(text)
