"""Access to Tocsin: who calls (authentication), whether they may (authorization), and the
one pipeline every call of every face passes (:class:`Gate`).

A face (:mod:`tocsin.gateway.http`, :mod:`~tocsin.gateway.grpc_server`, the ``/v1``
aliases, webhooks, inbound callbacks, the console) authenticates the caller with
:attr:`Access.authenticator`, builds a :class:`Call` (:meth:`Access.http_call`,
:meth:`Access.grpc_call`) and hands it to :attr:`Access.gate`, which runs the steps
(authorization here; throttling and the audit trail beside it) and then the call.

Modules: :mod:`.call` (the record), :mod:`.gate` (the pipeline), :mod:`.policy` (IAM
evaluation, pure), :mod:`.resources` (the resources of each operation),
:mod:`.principals` (keys and the policy file), :mod:`.authenticate` (SigV4 on HTTP and
gRPC), :mod:`.authorize` (the authorization step), :mod:`.resource_policies` (plans' and
contacts' policies, cached).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tocsin.gateway.access.authenticate import Authenticator
from tocsin.gateway.access.authorize import Authorization
from tocsin.gateway.access.call import Call, Face, Principal, PrincipalKind, action
from tocsin.gateway.access.gate import Gate, Proceed, Step
from tocsin.gateway.access.policy import Policy, Statement
from tocsin.gateway.access.principals import Directory
from tocsin.gateway.access.resource_policies import ResourcePolicies

__all__ = [
    "ANONYMOUS",
    "Access",
    "Authenticator",
    "Authorization",
    "Call",
    "Directory",
    "Face",
    "Gate",
    "Principal",
    "PrincipalKind",
    "Proceed",
    "ResourcePolicies",
    "Step",
    "action",
    "integration_key_holder",
    "peer_ip",
]


def _allow(*actions: str) -> Policy:
    return Policy((Statement(allow=True, actions=actions, not_action=False, resources=("*",),
                             not_resource=False, principals=None, not_principal=False,
                             conditions=()),))


ANONYMOUS = Principal(arn="", account="", kind=PrincipalKind.ANONYMOUS, policies=(
    _allow("tocsin:DescribeAckLink", "tocsin:AcknowledgeLink", "tocsin:Inbound",
           "tocsin:SlackCommand"),))
"""The caller of acknowledgement links, provider callbacks and chat commands: no Tocsin
credential, so it may only hand them to the notifications service, which verifies the
link's token, the provider's signature or Slack's."""


def integration_key_holder(account: str) -> Principal:
    """The caller of an ingestion webhook holding a plan's integration key: it may only
    ingest; the incidents service checks the key and that it acts for its own plan."""
    return Principal(arn="", account=account, kind=PrincipalKind.INTEGRATION_KEY,
                     policies=(_allow("tocsin:Ingest*"),))


def peer_ip(peer: str) -> str:
    """The IP address in a gRPC peer string (``ipv4:127.0.0.1:5000``, ``ipv6:[::1]:5000``)."""
    kind, _, rest = peer.partition(":")
    if kind == "ipv6":
        return rest.rpartition(":")[0].strip("[]")
    if kind == "ipv4":
        return rest.rpartition(":")[0]
    return ""


@dataclass(frozen=True, slots=True)
class Access:
    """What a face needs: the authenticator and the gate."""

    authenticator: Authenticator
    gate: Gate
    account: str

    def http_call(self, request: web.Request, *, face: Face, api: str, operation: str,
                  principal: Principal, params: dict[str, Any], request_id: str) -> Call:
        """A call that came in over HTTP, with its source address and user agent."""
        return Call(face=face, api=api, operation=operation, principal=principal,
                    params=params, request_id=request_id, source_ip=request.remote or "",
                    user_agent=request.headers.get("User-Agent", ""),
                    secure_transport=request.secure)

    def grpc_call(self, context: Any, *, api: str, operation: str, principal: Principal,
                  params: dict[str, Any], request_id: str) -> Call:
        """A call that came in over gRPC, with its peer address and user agent."""
        agent = ""
        for key, value in context.invocation_metadata() or ():
            if key == "user-agent" and isinstance(value, str):
                agent = value
        return Call(face=Face.GRPC, api=api, operation=operation, principal=principal,
                    params=params, request_id=request_id,
                    source_ip=peer_ip(str(context.peer() or "")), user_agent=agent)
