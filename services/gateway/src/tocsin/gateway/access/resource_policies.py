"""The resource policies of response plans and contacts, as the gateway's authorization
reads them: fetched from their owners over RPC (``GetResourcePolicies`` from incidents,
``GetContactPolicy`` from contacts), held for :data:`TTL` seconds, and forgotten when a
policy, a plan or a contact changes (the services' events ``ResourcePolicyCreated``,
``ResourcePolicyDeleted``, ``ResponsePlanDeleted``, ``ContactPolicyPut``, ``ContactDeleted``
on the region's event subjects; and at once after such a call through this gateway).
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import msgspec
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from tocsin.gateway.access import policy
from tocsin.shared import arns
from tocsin.shared.bus import Bus
from tocsin.shared.errors import NotFoundError
from tocsin.shared.logging import get_logger

__all__ = ["INVALIDATING_EVENTS", "TTL", "ResourcePolicies"]

log = get_logger(__name__)

TTL = 10.0
"""Seconds a fetched policy is trusted without an event saying it changed."""

INVALIDATING_EVENTS = (
    ("incidents", "ResourcePolicyCreated"), ("incidents", "ResourcePolicyDeleted"),
    ("incidents", "ResponsePlanDeleted"), ("contacts", "ContactPolicyPut"),
    ("contacts", "ContactDeleted"))

MAX_PAGES = 10


class Caller(Protocol):
    async def call_service(self, service: str, operation: str, params: dict[str, Any], *,
                           principal: str, request_id: str) -> dict[str, Any]: ...


class ResourcePolicies:
    """Resource ARN → its policies, cached; only plans and contacts have any."""

    def __init__(self, client: Caller, *, principal: str) -> None:
        self._client = client
        self._principal = principal
        """Whom the gateway acts as when it reads policies."""
        self._cache: dict[str, tuple[float, tuple[policy.Policy, ...]]] = {}
        self._subscriptions: list[Subscription] = []

    async def policies(self, resource_arn: str) -> tuple[policy.Policy, ...]:
        kind = _kind(resource_arn)
        if kind is None:
            return ()
        now = time.monotonic()
        held = self._cache.get(resource_arn)
        if held is not None and now - held[0] < TTL:
            return held[1]
        documents = await (self._plan(resource_arn) if kind == "response-plan"
                           else self._contact(resource_arn))
        found: list[policy.Policy] = []
        for document in documents:
            try:
                found.append(policy.parse(msgspec.json.decode(document), resource_policy=True))
            except (msgspec.DecodeError, policy.MalformedPolicy) as exc:
                # Stored before enforcement began; it grants nothing rather than failing calls.
                log.warning("access.resource_policy_ignored", resource=resource_arn,
                            error=str(exc))
        self._cache[resource_arn] = (now, tuple(found))
        return tuple(found)

    def forget(self) -> None:
        self._cache.clear()

    async def follow(self, bus: Bus, region: str) -> None:
        """Forget the cache whenever a service says a policy may have changed."""
        async def changed(msg: Msg) -> None:
            self.forget()

        for service, event_type in INVALIDATING_EVENTS:
            self._subscriptions.append(
                await bus.nc.subscribe(f"events.{region}.{service}.{event_type}", cb=changed))

    async def close(self) -> None:
        for subscription in self._subscriptions:
            await subscription.unsubscribe()
        self._subscriptions.clear()

    async def _plan(self, arn: str) -> list[str]:
        documents: list[str] = []
        params: dict[str, Any] = {"resourceArn": arn, "maxResults": 100}
        for _ in range(MAX_PAGES):
            reply = await self._read("incidents", "GetResourcePolicies", params)
            documents.extend(str(p.get("policyDocument", ""))
                             for p in reply.get("resourcePolicies", []))
            if not reply.get("nextToken"):
                break
            params["nextToken"] = reply["nextToken"]
        return documents

    async def _contact(self, arn: str) -> list[str]:
        reply = await self._read("contacts", "GetContactPolicy", {"ContactArn": arn})
        return [str(reply["Policy"])] if reply.get("Policy") else []

    async def _read(self, service: str, operation: str, params: dict[str, Any]) -> Any:
        try:
            return await self._client.call_service(service, operation, params,
                                                   principal=self._principal,
                                                   request_id="access-policy-read")
        except NotFoundError:
            return {}  # no such resource: no policy; the call itself will say it is missing


def _kind(resource_arn: str) -> str | None:
    arn = arns.parse(resource_arn)
    if arn is None:
        return None
    kind = arn.resource.partition("/")[0]
    if (arn.service, kind) in (("ssm-incidents", "response-plan"), ("ssm-contacts", "contact")):
        return kind
    return None
