"""The contacts service's requests: which operation is served by which handler.

All 39 operations of ``ssm-contacts`` have an endpoint, so a caller always gets an answer;
those this version does not serve yet answer ``UnsupportedOperation`` naming the operation,
never a fake success.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tocsin.contacts.usecases import Deps
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.errors import UnsupportedOperation

__all__ = ["OPERATIONS", "operations"]

OPERATIONS = (
    "AcceptPage", "ActivateContactChannel", "CreateContact", "CreateContactChannel",
    "CreateRotation", "CreateRotationOverride", "DeactivateContactChannel", "DeleteContact",
    "DeleteContactChannel", "DeleteRotation", "DeleteRotationOverride", "DescribeEngagement",
    "DescribePage", "GetContact", "GetContactChannel", "GetContactPolicy", "GetRotation",
    "GetRotationOverride", "ListContactChannels", "ListContacts", "ListEngagements",
    "ListPageReceipts", "ListPageResolutions", "ListPagesByContact", "ListPagesByEngagement",
    "ListPreviewRotationShifts", "ListRotationOverrides", "ListRotationShifts",
    "ListRotations", "ListTagsForResource", "PutContactPolicy", "SendActivationCode",
    "StartEngagement", "StopEngagement", "TagResource", "UntagResource", "UpdateContact",
    "UpdateContactChannel", "UpdateRotation",
)
"""Every operation of ssm-contacts."""


def operations(deps: Deps) -> Mapping[str, Handler]:
    """Operation name → handler, for the request/reply server."""
    served: dict[str, Handler] = {}
    return {op: served.get(op, _unsupported) for op in OPERATIONS}


async def _unsupported(req: RpcRequest) -> Any:
    raise UnsupportedOperation(f"{req.operation} is not available in this version of Tocsin")
