"""What every call through the gateway is, whatever face it came in by.

A :class:`Call` is built by the face (AWS JSON or rest-json over HTTP, gRPC, the ``/v1``
aliases, webhooks, inbound provider callbacks and chat commands, the console) once it knows
who is calling, and then passes the gateway's one pipeline (:class:`~.gate.Gate`): the same
record is what authorization decides on, what throttling counts and what the audit trail
writes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from tocsin.gateway.access.policy import Policy

__all__ = ["ACTION_PREFIXES", "Call", "Face", "Principal", "PrincipalKind", "action"]


class Face(StrEnum):
    """The way a call reached the gateway."""

    AWS_HTTP = "aws-http"
    """An AWS model over HTTP (``ssm-incidents`` rest-json, JSON 1.1 ``X-Amz-Target``)."""
    GRPC = "grpc"
    V1 = "v1"
    """Tocsin's ``/v1`` JSON aliases (rules, integration keys, deliveries)."""
    WEBHOOK = "webhook"
    """Alert ingestion (Alertmanager, PagerDuty Events v2, EventBridge-shaped events)."""
    INBOUND = "inbound"
    """Acknowledgement links, provider callbacks and chat commands (verified downstream)."""
    CONSOLE = "console"


class PrincipalKind(StrEnum):
    ACCESS_KEY = "access-key"
    """Signed with an access key (``TOCSIN_ACCESS_KEYS`` or ``TOCSIN_POLICY_FILE``)."""
    INTEGRATION_KEY = "integration-key"
    """A webhook sender holding a response plan's integration key (checked by incidents)."""
    ANONYMOUS = "anonymous"
    """No Tocsin credential: the service behind proves the caller (a signed Slack command,
    a provider's HMAC, an acknowledgement link's token)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who calls: the ARN services see in the ``Tocsin-Principal`` header, the account it
    belongs to, and its identity policies."""

    arn: str
    account: str
    kind: PrincipalKind = PrincipalKind.ACCESS_KEY
    access_key_id: str = ""
    policies: tuple[Policy, ...] = ()


ACTION_PREFIXES: dict[str, str] = {
    "ssm-incidents": "ssm-incidents",
    "ssm-contacts": "ssm-contacts",
    "ssm": "ssm",
    "tocsin": "tocsin",
    "cloudtrail": "cloudtrail",
}
"""The IAM service prefix of each API's actions (``ssm-incidents:StartIncident``)."""


def action(api: str, operation: str) -> str:
    """The IAM action of ``operation`` of ``api``: ``<service-prefix>:<Operation>``."""
    return f"{ACTION_PREFIXES.get(api, api)}:{operation}"


@dataclass(slots=True)
class Call:
    """One call of one operation by one principal, on its way through the gateway.

    ``params`` is the operation's input as the owning service takes it (validated and
    normalised for the AWS faces); steps may read it but not change it.
    """

    face: Face
    api: str
    """``ssm-incidents``, ``ssm-contacts``, ``tocsin``, ``ssm``, ``cloudtrail``."""
    operation: str
    principal: Principal
    params: dict[str, Any]
    request_id: str
    source_ip: str = ""
    user_agent: str = ""
    secure_transport: bool = False
    resources: tuple[str, ...] = ()
    """The ARNs the call acts on (:mod:`.resources`), ``("*",)`` for account-wide calls;
    filled in by the gate when the face leaves it empty."""
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def action(self) -> str:
        return action(self.api, self.operation)

    @property
    def time_text(self) -> str:
        """``time`` to the second in UTC, as IAM's ``aws:CurrentTime`` and CloudTrail's
        ``eventTime`` write it."""
        return _utc_second(int(self.time.timestamp()))


@functools.lru_cache(maxsize=8)
def _utc_second(second: int) -> str:
    """Formatted once a second: ``strftime`` costs more than the rest of a policy check."""
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
