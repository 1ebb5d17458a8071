"""Requests the incidents service answers on ``tocsin.rpc.incidents.<Operation>``.

Each request is the AWS ``ssm-incidents`` input shape of the operation of the same name
(camelCase members; timestamps as epoch seconds). The gateway has already checked the
shapes against botocore's model; these Structs type the members the service reads, and
nested structures that the service stores as given (chat channels, actions,
integrations) stay plain JSON objects.
"""

from __future__ import annotations

from typing import Any

import msgspec

from tocsin.shared.timestamps import Epoch

__all__ = [
    "CreateReplicationSet",
    "CreateResponsePlan",
    "CreateTimelineEvent",
    "DeleteArn",
    "DeleteReplicationSet",
    "Filter",
    "GetArn",
    "IncidentTemplate",
    "ListIncidentRecords",
    "ListPage",
    "ListRelatedItems",
    "ListTimelineEvents",
    "RelatedItemsUpdate",
    "ResponsePlansEngaging",
    "StartIncident",
    "TimelineEventId",
    "TriggerDetails",
    "UpdateDeletionProtection",
    "UpdateIncidentRecord",
    "UpdateRelatedItems",
    "UpdateReplicationSet",
    "UpdateResponsePlan",
    "UpdateTimelineEvent",
]

JSON = dict[str, Any]


class _In(msgspec.Struct, rename="camel", kw_only=True):
    """An operation's input: camelCase on the wire, unknown members ignored."""


class GetArn(_In):
    arn: str


class DeleteArn(_In):
    arn: str


class ListPage(_In):
    max_results: int | None = None
    next_token: str | None = None


# --- replication set -------------------------------------------------------------------


class RegionMapInputValue(_In):
    sse_kms_key_id: str | None = None


class CreateReplicationSet(_In):
    regions: dict[str, RegionMapInputValue]
    client_token: str | None = None
    tags: dict[str, str] | None = None


class DeleteReplicationSet(_In):
    arn: str


class AddRegionAction(_In):
    region_name: str
    sse_kms_key_id: str | None = None


class DeleteRegionAction(_In):
    region_name: str


class UpdateReplicationSetAction(_In):
    add_region_action: AddRegionAction | None = None
    delete_region_action: DeleteRegionAction | None = None


class UpdateReplicationSet(_In):
    arn: str
    actions: list[UpdateReplicationSetAction]
    client_token: str | None = None


class UpdateDeletionProtection(_In):
    arn: str
    deletion_protected: bool
    client_token: str | None = None


# --- response plans --------------------------------------------------------------------


class IncidentTemplate(_In):
    title: str
    impact: int
    summary: str | None = None
    dedupe_string: str | None = None
    incident_tags: dict[str, str] | None = None
    notification_targets: list[JSON] | None = None


class CreateResponsePlan(_In):
    name: str
    incident_template: IncidentTemplate
    display_name: str | None = None
    chat_channel: JSON | None = None
    engagements: list[str] | None = None
    actions: list[JSON] | None = None
    integrations: list[JSON] | None = None
    tags: dict[str, str] | None = None
    client_token: str | None = None


class UpdateResponsePlan(_In):
    arn: str
    client_token: str | None = None
    display_name: str | None = None
    incident_template_title: str | None = None
    incident_template_impact: int | None = None
    incident_template_summary: str | None = None
    incident_template_dedupe_string: str | None = None
    incident_template_notification_targets: list[JSON] | None = None
    incident_template_tags: dict[str, str] | None = None
    chat_channel: JSON | None = None
    engagements: list[str] | None = None
    actions: list[JSON] | None = None
    integrations: list[JSON] | None = None


# --- incident records ------------------------------------------------------------------


class ResponsePlansEngaging(_In):
    """``tocsin.rpc.incidents.ResponsePlansEngaging`` (Tocsin-internal, for the contacts
    service's ``DeleteContact``): the response plans whose ``engagements`` name
    ``contactArn``, as ``{"responsePlanArns": [...]}``, counting every plan write in flight
    (the answer waits for them to commit or roll back)."""

    contact_arn: str


class TriggerDetails(_In):
    source: str
    timestamp: Epoch
    trigger_arn: str | None = None
    raw_data: str | None = None


class StartIncident(_In):
    response_plan_arn: str
    title: str | None = None
    impact: int | None = None
    trigger_details: TriggerDetails | None = None
    related_items: list[JSON] | None = None
    client_token: str | None = None
    dedupe_key: str | None = None
    """Tocsin-internal (not in the AWS model, so the gateway never passes it): the key that
    alarm ingestion dedupes on when it is not ``triggerDetails.triggerArn`` (a Security Hub
    finding, an Alertmanager fingerprint, a PagerDuty ``dedup_key``)."""


class UpdateIncidentRecord(_In):
    arn: str
    client_token: str | None = None
    title: str | None = None
    summary: str | None = None
    impact: int | None = None
    status: str | None = None
    chat_channel: JSON | None = None
    notification_targets: list[JSON] | None = None


class Condition(_In):
    before: Epoch | None = None
    after: Epoch | None = None
    equals: JSON | None = None


class Filter(_In):
    key: str
    condition: Condition


class ListIncidentRecords(_In):
    filters: list[Filter] | None = None
    max_results: int | None = None
    next_token: str | None = None


# --- timeline --------------------------------------------------------------------------


class CreateTimelineEvent(_In):
    incident_record_arn: str
    event_time: Epoch
    event_type: str
    event_data: str
    event_references: list[JSON] | None = None
    client_token: str | None = None


class TimelineEventId(_In):
    incident_record_arn: str
    event_id: str


class UpdateTimelineEvent(_In):
    incident_record_arn: str
    event_id: str
    event_time: Epoch | None = None
    event_type: str | None = None
    event_data: str | None = None
    event_references: list[JSON] | None = None
    client_token: str | None = None


class ListTimelineEvents(_In):
    incident_record_arn: str
    filters: list[Filter] | None = None
    sort_by: str | None = None
    sort_order: str | None = None
    max_results: int | None = None
    next_token: str | None = None


# --- related items ---------------------------------------------------------------------


class RelatedItemsUpdate(_In):
    item_to_add: JSON | None = None
    item_to_remove: JSON | None = None


class UpdateRelatedItems(_In):
    incident_record_arn: str
    related_items_update: RelatedItemsUpdate
    client_token: str | None = None


class ListRelatedItems(_In):
    incident_record_arn: str
    max_results: int | None = None
    next_token: str | None = None
