"""``aws:invokeWebhook``: an HTTP call to an integration the operator configured.

``TOCSIN_WEBHOOKS`` is a JSON object naming each integration (AWS keeps them in Parameter
Store; a runbook names one by ``IntegrationName``)::

    TOCSIN_WEBHOOKS='{"ops-chat": {"url": "https://chat.example/hooks/T1",
                                   "headers": {"Authorization": "Bearer ..."},
                                   "secret": "...", "method": "POST", "timeout": 10}}'

A call sends the step's ``Body`` (text; a map or list is sent as JSON) with the
integration's headers, ``Content-Type: application/json`` unless they say otherwise, and:

- ``X-Tocsin-Timestamp`` and ``X-Tocsin-Signature`` when the integration has a secret:
  the scheme of every webhook Tocsin calls (:mod:`tocsin.shared.webhook_signing`: a
  timestamp, the URL and the body), so one receiver checks them all;
- ``Idempotency-Key: <execution id>/<step name>``, the same on every attempt, so a
  receiver that honours it acts once however often the step is retried;
- ``X-Tocsin-Execution-Id``, ``X-Tocsin-Step-Name`` and ``X-Tocsin-Attempt``.

Redirects are not followed. A 2xx or 3xx answer succeeds with the outputs ``Response``
(the body as text, at most :data:`RESPONSE_LIMIT` bytes kept) and ``ResponseCode``; any
other answer, a refused connection or a timeout fails the attempt, and the step's
``maxAttempts`` decides whether it is tried again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aiohttp

from tocsin.runbooks.actions.context import ActionContext, ActionFailed, ActionTimedOut, Webhook
from tocsin.shared.config import ConfigError
from tocsin.shared.webhook_signing import webhook_headers

__all__ = ["RESPONSE_LIMIT", "invoke_webhook", "parse_webhooks"]

RESPONSE_LIMIT = 100 * 1024
"""Bytes of a webhook's answer kept as the ``Response`` output."""


def parse_webhooks(text: str) -> dict[str, Webhook]:
    """The integrations of ``TOCSIN_WEBHOOKS`` (see the module docstring); empty: none.

    Raises:
        ConfigError: the text is not such an object.
    """
    if not text.strip():
        return {}
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"TOCSIN_WEBHOOKS is not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError("TOCSIN_WEBHOOKS must be a JSON object of integration names")
    hooks: dict[str, Webhook] = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("url"), str) \
                or not spec["url"].startswith(("http://", "https://")):
            raise ConfigError(f"TOCSIN_WEBHOOKS: {name} needs a url (http:// or https://)")
        headers = spec.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str)
                                                    for v in headers.values()):
            raise ConfigError(f"TOCSIN_WEBHOOKS: the headers of {name} must map names to "
                              "strings")
        timeout = spec.get("timeout", 25)
        if not isinstance(timeout, int | float) or timeout <= 0:
            raise ConfigError(f"TOCSIN_WEBHOOKS: the timeout of {name} must be positive")
        hooks[name] = Webhook(name=name, url=spec["url"], headers=dict(headers),
                              secret=str(spec.get("secret", "")),
                              method=str(spec.get("method", "POST")).upper(),
                              timeout=float(timeout))
    return hooks


async def invoke_webhook(inputs: Mapping[str, Any], ctx: ActionContext) -> dict[str, Any]:
    """One attempt of an ``aws:invokeWebhook`` step; outputs ``Response``, ``ResponseCode``.

    Raises:
        ActionFailed: no such integration, or the call did not succeed.
    """
    name = inputs.get("IntegrationName")
    hook = ctx.deps.webhooks.get(str(name))
    if hook is None:
        known = ", ".join(sorted(ctx.deps.webhooks)) or "none"
        raise ActionFailed("InputValidation", "Action",
                           f"No webhook integration named {name!r} is configured "
                           f"(TOCSIN_WEBHOOKS has: {known})")
    body = inputs.get("Body", "")
    data = (body if isinstance(body, str) else json.dumps(body)).encode()
    headers = {"Content-Type": "application/json", **hook.headers,
               "Idempotency-Key": f"{ctx.execution_id}/{ctx.step_name}",
               "X-Tocsin-Execution-Id": ctx.execution_id,
               "X-Tocsin-Step-Name": ctx.step_name, "X-Tocsin-Attempt": str(ctx.attempt)}
    if hook.secret:
        headers.update(webhook_headers(hook.secret, data, url=hook.url))
    timeout = min(hook.timeout, ctx.timeout_seconds)
    try:
        async with ctx.deps.http.request(
                hook.method, hook.url, data=data, headers=headers, allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            raw = await response.content.read(RESPONSE_LIMIT)
            code = response.status
    except TimeoutError:
        message = f"The webhook {name} did not answer within {timeout:g} seconds"
        if timeout >= ctx.timeout_seconds:
            raise ActionTimedOut(message) from None
        raise ActionFailed("Invocation", "Action", message) from None
    except aiohttp.ClientError as exc:
        raise ActionFailed("Invocation", "Action",
                           f"The webhook {name} could not be reached: {exc}") from None
    text = raw.decode("utf-8", errors="replace")
    if code >= 400:
        raise ActionFailed("Invocation", "Throttling" if code == 429 else "Action",
                           f"The webhook {name} answered HTTP {code}",
                           {"ResponseCode": [str(code)], "Response": [text[:4096]]})
    return {"Response": text, "ResponseCode": code}
