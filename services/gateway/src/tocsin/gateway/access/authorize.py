"""The authorization step of the gateway's pipeline.

For each resource of a call (:mod:`.resources`) it gathers the policies that apply: the
principal's identity policies, the resource's own policy and that of the resource
governing it (a response plan's for its incidents, a contact's for its pages), and asks
:func:`.policy.decide`. A call is allowed when every resource allows it, each directly
or through the resource governing it; an explicit ``Deny`` on either refuses it.

A refusal is ``AccessDeniedException`` (gRPC ``PERMISSION_DENIED``) naming the principal,
the action and the resource, and never what would have been allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from tocsin.gateway.access import policy
from tocsin.gateway.access.call import Call
from tocsin.gateway.access.gate import Proceed
from tocsin.gateway.access.resources import governing
from tocsin.shared.errors import AccessDeniedError

__all__ = ["Authorization", "ResourcePolicySource", "context_of"]

POLICY_CHANGES = frozenset({
    ("ssm-incidents", "PutResourcePolicy"), ("ssm-incidents", "DeleteResourcePolicy"),
    ("ssm-incidents", "DeleteResponsePlan"), ("ssm-contacts", "PutContactPolicy"),
    ("ssm-contacts", "DeleteContact")})
"""Calls after which this gateway forgets the resource policies it holds (the services'
events tell the other gateways)."""


class ResourcePolicySource(Protocol):
    """Where the resource policies of response plans and contacts come from."""

    async def policies(self, resource_arn: str) -> tuple[policy.Policy, ...]: ...

    def forget(self) -> None: ...


def context_of(call: Call) -> Mapping[str, str]:
    """The condition keys of ``call`` (lower-case names)."""
    context = {
        "aws:principalarn": call.principal.arn,
        "aws:principalaccount": call.principal.account,
        "aws:currenttime": call.time_text,
        "aws:epochtime": str(int(call.time.timestamp())),
        "aws:securetransport": "true" if call.secure_transport else "false",
    }
    if call.source_ip:
        context["aws:sourceip"] = call.source_ip
    if call.user_agent:
        context["aws:useragent"] = call.user_agent
    if call.api == "ssm-contacts" and call.operation == "AcceptPage":
        context["tocsin:acceptcodevalidation"] = str(
            call.params.get("AcceptCodeValidation") or "ENFORCE")
    return context


class Authorization:
    """Refuses a call its principal may not make; see the module docstring."""

    def __init__(self, resource_policies: ResourcePolicySource, *, account: str) -> None:
        self._resource_policies = resource_policies
        self._account = account

    async def __call__(self, call: Call, proceed: Proceed) -> Any:
        await self.check(call)
        result = await proceed(call)
        if (call.api, call.operation) in POLICY_CHANGES:
            self._resource_policies.forget()
        return result

    async def check(self, call: Call) -> None:
        """Return when ``call`` is allowed.

        Raises:
            AccessDeniedError: it is not.
        """
        context = context_of(call)
        for resource in call.resources:
            if not await self._allowed(call, resource, context):
                raise AccessDeniedError(
                    f"User: {call.principal.arn or 'anonymous'} is not authorized to perform: "
                    f"{call.action} on resource: {resource}")

    async def _allowed(self, call: Call, resource: str, context: Mapping[str, str]) -> bool:
        """Allowed on ``resource`` itself or through the resource governing it, and
        explicitly denied on neither."""
        allowed = False
        for candidate in (resource, governing(resource)):
            if candidate is None:
                continue
            request = policy.Request(action=call.action, resource=candidate,
                                     principal_arn=call.principal.arn,
                                     principal_account=call.principal.account,
                                     context=context)
            # Every resource a deployment holds is its account's: an ARN naming another
            # account names nothing here (the services answer "does not exist").
            owner = self._account
            decision = policy.evaluate(call.principal.policies, request)
            # Resource policies hold Allow statements only (tocsin.shared.policies refuses
            # Deny), so they can change nothing for a principal of the resource's account
            # whose own policies decide: no fetch on the common path.
            if decision is policy.Decision.NOT_APPLICABLE or owner not in (
                    call.principal.account, "*"):
                decision = policy.decide(call.principal.policies,
                                         await self._resource_policies.policies(candidate),
                                         owner, request)
            if decision is policy.Decision.DENY:
                return False
            allowed = allowed or decision is policy.Decision.ALLOW
        return allowed
