"""The resources a call acts on, read from its input by one table.

Each API names its resources in a few input members (:data:`RESOURCE_MEMBERS`); every one
of them present in a call's input is a resource of the call. A call naming none (a list,
a create) acts on ``*``, the account as a whole.

Some resources are governed by another one (:func:`governing`): access to a response plan
grants access to its incidents (``incident-record/<plan>/<id>`` → ``response-plan/<plan>``),
and a contact's policy covers its channels, engagements and pages
(``page/<alias>/<id>`` → ``contact/<alias>``). Authorization allows a call on a resource
when either the resource or the one governing it allows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tocsin.shared import arns

__all__ = ["ACCOUNT_WIDE", "RESOURCE_MEMBERS", "governing", "resources_of"]

ACCOUNT_WIDE = "*"

RESOURCE_MEMBERS: Mapping[str, tuple[str, ...]] = {
    "ssm-incidents": ("arn", "incidentRecordArn", "responsePlanArn", "resourceArn"),
    "ssm-contacts": ("ContactId", "ContactArn", "ContactChannelId", "PageId", "EngagementId",
                     "RotationId", "ResourceARN"),
    "tocsin": ("responsePlanArn", "pageArn"),
}
"""API → the input members that hold the ARN of a resource the call acts on."""

_GOVERNED_BY = {
    "incident-record": "response-plan",
    "contact-channel": "contact",
    "engagement": "contact",
    "page": "contact",
}
"""Resource type → the type of the resource whose policy governs it, named by the first
part of the resource id (the plan's name, the contact's alias)."""


def resources_of(api: str, operation: str, params: Mapping[str, Any]) -> tuple[str, ...]:
    """The ARNs ``operation`` of ``api`` acts on given its input ``params``; ``("*",)`` when
    it names none."""
    found = [params[m] for m in RESOURCE_MEMBERS.get(api, ())
             if isinstance(params.get(m), str) and arns.parse(params[m]) is not None]
    return tuple(dict.fromkeys(found)) or (ACCOUNT_WIDE,)


def governing(resource: str) -> str | None:
    """The ARN of the resource whose access covers ``resource`` (the response plan of an
    incident record, the contact of a page), or None."""
    arn = arns.parse(resource)
    if arn is None:
        return None
    kind, _, rest = arn.resource.partition("/")
    parent = _GOVERNED_BY.get(kind)
    name = rest.partition("/")[0]
    if parent is None or not name:
        return None
    return str(arn._replace(resource=f"{parent}/{name}"))
