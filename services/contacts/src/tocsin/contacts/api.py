"""The contacts service's requests: which operation is served by which handler.

All 39 operations of ``ssm-contacts`` have an endpoint, so a caller always gets an answer;
those this version does not serve yet answer ``UnsupportedOperation`` naming the operation,
never a fake success.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tocsin.contacts.channels.handlers import ChannelHandlers
from tocsin.contacts.directory.dependants import Dependants
from tocsin.contacts.directory.handlers import ContactHandlers, PolicyHandlers, TagHandlers
from tocsin.contacts.engagements.handlers import EngagementHandlers
from tocsin.contacts.engagements.incident_state import IncidentState
from tocsin.contacts.rotations.handlers import RotationHandlers
from tocsin.contacts.usecases import Deps
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.errors import UnsupportedOperation

__all__ = ["INTERNAL", "OPERATIONS", "operations"]

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

INTERNAL = ("StartEngagementStage", "RecordPageReceipt", "ReactivateContactChannel",
            "ReserveEngagementContacts", "StopIncidentEngagements", "FindContactChannels")
"""Tocsin-internal operations, not in the AWS model: the escalation service starts later
engagement stages, the notifications service reports delivery outcomes, re-subscribes
a channel whose owner texted START and finds the channels of a number that texted, the
incidents service checks and reserves a response
plan's engagements and stops a resolved incident's engagements
(:mod:`tocsin.shared.contracts.contacts`)."""


def operations(deps: Deps) -> Mapping[str, Handler]:
    """Operation name → handler, for the request/reply server."""
    served: dict[str, Handler] = {}
    contacts, channels = ContactHandlers(deps), ChannelHandlers(deps)
    tags, policies = TagHandlers(deps), PolicyHandlers(deps)
    served.update({
        "CreateContact": contacts.create_contact,
        "GetContact": contacts.get_contact,
        "ListContacts": contacts.list_contacts,
        "UpdateContact": contacts.update_contact,
        "DeleteContact": contacts.delete_contact,
        "CreateContactChannel": channels.create_contact_channel,
        "GetContactChannel": channels.get_contact_channel,
        "ListContactChannels": channels.list_contact_channels,
        "UpdateContactChannel": channels.update_contact_channel,
        "DeleteContactChannel": channels.delete_contact_channel,
        "ActivateContactChannel": channels.activate_contact_channel,
        "DeactivateContactChannel": channels.deactivate_contact_channel,
        "SendActivationCode": channels.send_activation_code,
        "ReactivateContactChannel": channels.reactivate_contact_channel,
        "FindContactChannels": channels.find_contact_channels,
        "ReserveEngagementContacts":
            Dependants(deps.pool, deps.bus).reserve_engagement_contacts,
        "TagResource": tags.tag_resource,
        "UntagResource": tags.untag_resource,
        "ListTagsForResource": tags.list_tags_for_resource,
        "PutContactPolicy": policies.put_contact_policy,
        "GetContactPolicy": policies.get_contact_policy,
    })
    engagements = EngagementHandlers(deps)
    served.update({
        "StartEngagement": engagements.start_engagement,
        "StopEngagement": engagements.stop_engagement,
        "DescribeEngagement": engagements.describe_engagement,
        "ListEngagements": engagements.list_engagements,
        "DescribePage": engagements.describe_page,
        "ListPagesByContact": engagements.list_pages_by_contact,
        "ListPagesByEngagement": engagements.list_pages_by_engagement,
        "ListPageReceipts": engagements.list_page_receipts,
        "ListPageResolutions": engagements.list_page_resolutions,
        "AcceptPage": engagements.accept_page,
        "StartEngagementStage": engagements.start_engagement_stage,
        "RecordPageReceipt": engagements.record_page_receipt,
        "StopIncidentEngagements": IncidentState(engagements).stop_incident_engagements,
    })
    rotations = RotationHandlers(deps)
    served.update({
        "CreateRotation": rotations.create_rotation,
        "GetRotation": rotations.get_rotation,
        "ListRotations": rotations.list_rotations,
        "UpdateRotation": rotations.update_rotation,
        "DeleteRotation": rotations.delete_rotation,
        "CreateRotationOverride": rotations.create_rotation_override,
        "GetRotationOverride": rotations.get_rotation_override,
        "ListRotationOverrides": rotations.list_rotation_overrides,
        "DeleteRotationOverride": rotations.delete_rotation_override,
        "ListRotationShifts": rotations.list_rotation_shifts,
        "ListPreviewRotationShifts": rotations.list_preview_rotation_shifts,
    })
    return {op: served.get(op, _unsupported) for op in (*OPERATIONS, *INTERNAL)}


async def _unsupported(req: RpcRequest) -> Any:
    raise UnsupportedOperation(f"{req.operation} is not available in this version of Tocsin")
