"""What an audit record may not show: channel addresses, codes and secrets.

One table, built from the API models rather than a hand-kept list of members: a member is
redacted wherever it appears (request or response, any depth) when its shape carries the
model's ``sensitive`` trait (``IntegrationKeySecret`` in Tocsin's model) or is one of the
shapes that hold personal data or one-time codes (:data:`PRIVATE_SHAPES`: a channel's
address, accept and activation codes). The members of the webhooks and chat commands that
carry a credential, which no model describes, are added by name
(:data:`CREDENTIAL_MEMBERS`).

A redacted value becomes ``"HIDDEN_DUE_TO_SECURITY_REASONS"``, as CloudTrail writes it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from tocsin.gateway import awsmodel

__all__ = ["HIDDEN", "PRIVATE_SHAPES", "redact", "redacted_members"]

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

PRIVATE_SHAPES = frozenset({
    "ContactChannelAddress",  # ssm-contacts: a channel's DeliveryAddress
    "SimpleAddress",          # ... its phone number or email address
    "AcceptCode",             # the code a page is accepted with
    "ActivationCode",         # the code a channel is activated with
})
"""Shapes of personal data or one-time codes that the models do not mark ``sensitive``."""

CREDENTIAL_MEMBERS = frozenset({
    "integrationKey", "routing_key", "Authorization", "authorization", "token", "Token",
    "secret", "Secret", "password", "Password",
})
"""Members outside the models (webhook bodies, chat commands, headers) that carry a
credential."""

AUDITED_APIS = ("ssm-incidents", "ssm-contacts", "tocsin")
"""The models whose members the table is built from."""


@functools.cache
def redacted_members(apis: Iterable[str] = AUDITED_APIS) -> frozenset[str]:
    """Member names whose values an audit record hides, from the models of ``apis``."""
    names: set[str] = set(CREDENTIAL_MEMBERS)
    for api in apis:
        raw = awsmodel.read_model(api)
        shapes: dict[str, Any] = raw["shapes"]
        hidden = {name for name, spec in shapes.items()
                  if spec.get("sensitive") or name in PRIVATE_SHAPES}
        for spec in shapes.values():
            for member, target in spec.get("members", {}).items():
                if target.get("sensitive") or target["shape"] in hidden:
                    names.add(member)
    return frozenset(names)


def redact(value: Any, hidden: frozenset[str] | None = None) -> Any:
    """A copy of ``value`` (JSON: dicts, lists, scalars) with the members in ``hidden``
    (default: :func:`redacted_members`) replaced by :data:`HIDDEN`."""
    names = redacted_members() if hidden is None else hidden
    return _redact(value, names)


def _redact(value: Any, names: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: (HIDDEN if k in names and v is not None else _redact(v, names))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, names) for v in value]
    return value
