"""Requests the incidents service answers on ``tocsin.rpc.incidents.<Operation>``, and the
events it publishes on ``events.<region>.incidents.<Type>`` (:data:`IncidentsEvent`).

Each request is the AWS ``ssm-incidents`` input shape of the operation of the same name
(camelCase members; timestamps as epoch seconds). The gateway has already checked the
shapes against botocore's model; these Structs type the members the service reads, and
nested structures that the service stores as given (chat channels, actions,
integrations) stay plain JSON objects.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

import msgspec

from tocsin.shared.contracts import tagging
from tocsin.shared.contracts.base import Event, Part, types_of
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


# --- events ----------------------------------------------------------------------------
#
# An event carries the whole change: ``IncidentRecordCreated`` holds the new record with the
# timeline events and related items it starts with; a record update or a related-item
# change holds the automatic timeline event it wrote (``timelineEvents``).
# ``TimelineEventCreated`` and its kin are for what responders write themselves and for a
# duplicate start's trigger; ``IncidentTriggersJoined`` for the triggers of an alarm storm
# that joined an open incident together (in pieces of at most 256 KiB). Times are epoch
# seconds, as the API returns them.


class RegionInfo(Part, frozen=True):
    """One region of the replication set."""

    status: str
    status_update_date_time: float
    sse_kms_key_id: str
    status_message: str | None = None
    added_time: float | None = None
    """Tocsin's, not the API's: when the region was added (a region can't be deleted for
    a day after), so every region of the set applies the 24-hour rule alike."""


class ReplicationSet(Part, frozen=True):
    """The replication set as ``GetReplicationSet`` returns it."""

    arn: str
    status: str
    region_map: dict[str, RegionInfo]
    created_by: str
    created_time: float
    last_modified_by: str
    last_modified_time: float
    deletion_protected: bool


class ResponsePlanTemplate(Part, frozen=True):
    """A response plan's ``incidentTemplate``."""

    title: str
    impact: int
    summary: str | None = None
    dedupe_string: str | None = None
    incident_tags: dict[str, str] | None = None
    notification_targets: list[JSON] | None = None


class ResponsePlan(Part, frozen=True):
    """A response plan as ``GetResponsePlan`` returns it."""

    arn: str
    name: str
    incident_template: ResponsePlanTemplate
    display_name: str | None = None
    chat_channel: JSON | None = None
    engagements: list[str] | None = None
    actions: list[JSON] | None = None
    integrations: list[JSON] | None = None


class IncidentRecordSource(Part, frozen=True):
    created_by: str
    source: str
    invoked_by: str | None = None
    resource_arn: str | None = None


class IncidentRecord(Part, frozen=True):
    """An incident record as ``GetIncidentRecord`` returns it."""

    arn: str
    title: str
    status: str
    """``OPEN`` or ``RESOLVED``."""
    impact: int
    creation_time: float
    last_modified_by: str
    last_modified_time: float
    dedupe_string: str
    incident_record_source: IncidentRecordSource
    summary: str | None = None
    resolved_time: float | None = None
    chat_channel: JSON | None = None
    notification_targets: list[JSON] = []
    automation_executions: list[JSON] = []


class TimelineEvent(Part, frozen=True):
    """A timeline event as ``GetTimelineEvent`` returns it (``eventData`` a JSON string)."""

    incident_record_arn: str
    event_id: str
    event_time: float
    event_updated_time: float
    event_type: str
    event_data: str
    event_references: list[JSON] = []


class _Event(Event, frozen=True):
    """An event of the incidents service (tagged by its class name)."""

    service: ClassVar[str] = "incidents"


class _Deleted(_Event, frozen=True):
    arn: str


class ReplicationSetCreated(ReplicationSet, _Event, frozen=True):
    """The replication set was created (the set as ``GetReplicationSet`` returns it)."""

    principal: str | None = None
    """The IAM principal whose request made the change."""
    resource_version: int | None = msgspec.field(default=None, name="version")
    """The replication set's version after this change: 1 when created, one more with each
    change (its deletion too), so a reader orders the events of one set by it."""
    tags: dict[str, str] = {}
    """The tags it was created with (``CreateReplicationSet``'s ``tags``): every region of
    the set holds them (later changes are ``ResourceTagged`` / ``ResourceUntagged``)."""


class ReplicationSetUpdated(ReplicationSet, _Event, frozen=True):
    """A region or the deletion protection changed (the whole set after the change)."""

    principal: str | None = None
    """The IAM principal whose request made the change."""
    resource_version: int | None = msgspec.field(default=None, name="version")
    """The replication set's version after this change: 1 when created, one more with each
    change (its deletion too), so a reader orders the events of one set by it."""


class ReplicationSetDeleted(_Deleted, frozen=True):
    """The replication set, and with it every plan, incident and rule, was deleted."""

    principal: str | None = None
    """The IAM principal whose request made the change."""
    resource_version: int | None = msgspec.field(default=None, name="version")
    """The replication set's version after this change: 1 when created, one more with each
    change (its deletion too), so a reader orders the events of one set by it."""


class ResponsePlanCreated(ResponsePlan, _Event, frozen=True):
    """A response plan was created (the plan as ``GetResponsePlan`` returns it)."""

    principal: str | None = None
    """The IAM principal whose request made the change."""
    resource_version: int | None = msgspec.field(default=None, name="version")
    """The plan's version after this change: 1 when created, one more with each change (its
    deletion too), so a reader orders the events of one plan by it."""
    tags: dict[str, str] = {}
    """The tags it was created with (``CreateResponsePlan``'s ``tags``): every region of
    the set holds them (later changes are ``ResourceTagged`` / ``ResourceUntagged``)."""


class ResponsePlanUpdated(ResponsePlan, _Event, frozen=True):
    """A response plan changed (the whole plan after the change)."""

    principal: str | None = None
    """The IAM principal whose request made the change."""
    resource_version: int | None = msgspec.field(default=None, name="version")
    """The plan's version after this change: 1 when created, one more with each change (its
    deletion too), so a reader orders the events of one plan by it."""


class ResponsePlanDeleted(_Deleted, frozen=True):
    """A response plan was deleted."""

    principal: str | None = None
    """The IAM principal whose request made the change."""
    resource_version: int | None = msgspec.field(default=None, name="version")
    """The plan's version after this change: 1 when created, one more with each change (its
    deletion too), so a reader orders the events of one plan by it."""


class IncidentRecordCreated(_Event, frozen=True):
    """An incident started. The contacts service engages ``engagements`` from it."""

    incident_record: IncidentRecord
    timeline_events: list[TimelineEvent]
    """The trigger's and the start's timeline events."""
    related_items: list[JSON]
    response_plan_arn: str
    engagements: list[str]
    """The plan's engagements (contact and escalation ARNs), possibly empty."""
    principal: str | None = None
    """The IAM principal whose request made the change."""
    resource_version: int | None = msgspec.field(default=None, name="version")
    """The record's version after this change: 1 when created, one more with each change
    (its deletion too), so a reader orders the events of one record by it."""
    runbook_withheld: str | None = None
    """Why the plan's runbook is not started for this incident (created from an alarm or
    event while a region of the replication set was ``FAILED``: failing over); absent, the
    runbooks service starts it."""
    tags: dict[str, str] = {}
    """The tags it was created with (its plan's ``incidentTemplate.incidentTags``): every
    region of the set holds them (later changes are ``ResourceTagged`` /
    ``ResourceUntagged``)."""


class IncidentRecordUpdated(_Event, frozen=True):
    """``UpdateIncidentRecord`` changed the record (and did not resolve it)."""

    incident_record: IncidentRecord
    """The whole record after the change."""
    modified_attributes: list[JSON]
    """``[{"attributeName": ..., "value": ...}]`` of what changed."""
    modified_by: str
    timeline_events: list[TimelineEvent]
    """The automatic "Incident Record Update" timeline event it wrote."""
    reopened: bool = False
    """A resolved incident was set OPEN again; its plan's engagements start anew."""
    engagements: list[str] | None = None
    """When ``reopened``: the plan's engagements."""
    principal: str | None = None
    """The IAM principal whose request made the change."""
    resource_version: int | None = msgspec.field(default=None, name="version")
    """The record's version after this change: 1 when created, one more with each change
    (its deletion too), so a reader orders the events of one record by it."""
    attribute_stamps: dict[str, tuple[int, str]] = {}
    """Each attribute of ``incidentRecord`` (a top-level member) with the stamp of its last
    change as the producing region held them after this one, ``[hybrid logical clock,
    region]``; none for an attribute unchanged since the incident was created. A region
    that gets the incident first by this update stamps its attributes with them, so that
    an older change of one, arriving later from another region, changes nothing there
    either (``tocsin.incidents.records.attributes``)."""


class IncidentRecordResolved(IncidentRecordUpdated, frozen=True):
    """``UpdateIncidentRecord`` set the status to RESOLVED; engagements stop."""


class IncidentRecordDeleted(_Deleted, frozen=True):
    """An incident record was deleted."""

    principal: str | None = None
    """The IAM principal whose request made the change."""
    resource_version: int | None = msgspec.field(default=None, name="version")
    """The record's version after this change: 1 when created, one more with each change
    (its deletion too), so a reader orders the events of one record by it."""


class TimelineEventCreated(TimelineEvent, _Event, frozen=True):
    """A timeline event a responder wrote, or a duplicate start's trigger, or an automatic
    one for paging (the event as ``GetTimelineEvent`` returns it)."""

    principal: str | None = None
    """The IAM principal whose request made the change; absent when Tocsin made it itself
    (an automatic timeline event)."""
    resource_version: int | None = msgspec.field(default=None, name="version")
    """The timeline event's version after this change: 1 when created, one more with each
    change (its deletion too), so a reader orders the events of one timeline event by it."""
    incident: IncidentRecord | None = None
    """The incident record as the change read it (in its transaction), so a reader that
    tells the incident's chat channel and notification targets of the event needs no
    ``GetIncidentRecord``; absent when the change did not read it (a reader then asks)."""


class TimelineEventUpdated(TimelineEvent, _Event, frozen=True):
    """A custom timeline event changed (the whole event after the change)."""

    principal: str | None = None
    """The IAM principal whose request made the change."""
    resource_version: int | None = msgspec.field(default=None, name="version")
    """The timeline event's version after this change: 1 when created, one more with each
    change (its deletion too), so a reader orders the events of one timeline event by it."""
    incident: IncidentRecord | None = None
    """The incident record as the change read it (in its transaction); absent when the
    change did not read it."""


class TimelineEventDeleted(_Event, frozen=True):
    """A custom timeline event was deleted."""

    incident_record_arn: str
    event_id: str
    principal: str | None = None
    """The IAM principal whose request made the change."""
    resource_version: int | None = msgspec.field(default=None, name="version")
    """The timeline event's version after this change: 1 when created, one more with each
    change (its deletion too), so a reader orders the events of one timeline event by it."""


class AcknowledgementTimeoutHandled(_Event, frozen=True):
    """This region acted on an acknowledgement timeout of an incident's engagement (the
    escalation service's ``AcknowledgementTimedOut``, timer ``timer_id``): it engaged the
    contact again (``reengagement_arn``, with a ``Tocsin Re-engagement for Incident``
    timeline event in the same change), or found there was nobody to engage (the incident
    resolved or deleted meanwhile, the contact refused). The other regions' escalation
    services settle their standby copy of the timer by it, so a region that takes this one
    over later does not engage the contact again."""

    timer_id: str
    engagement_arn: str
    """The acknowledged engagement."""
    contact_arn: str
    incident_record_arn: str
    reengagement_arn: str | None = None
    """The new engagement of the contact; None when nobody was engaged."""


class IncidentTriggersJoined(_Event, frozen=True):
    """Triggers of an alarm storm joined an open incident together."""

    incident_record_arn: str
    timeline_events: list[TimelineEvent]
    principal: str | None = None
    """Who the alarms acted as."""


class _RelatedItemChange(_Event, frozen=True):
    incident_record_arn: str
    item: JSON
    """The related item as ``ListRelatedItems`` returns it."""
    timeline_events: list[TimelineEvent]
    """The automatic timeline event it wrote."""
    principal: str | None = None
    """The IAM principal whose request made the change."""
    resource_version: int | None = msgspec.field(default=None, name="version")
    """The version of the incident's related items, as one set, after this change: 1 when
    the incident started, one more with each change, so a reader orders the related-item
    events of one incident by it."""


class RelatedItemAdded(_RelatedItemChange, frozen=True):
    """A related item was added to an incident."""


class RelatedItemRemoved(_RelatedItemChange, frozen=True):
    """A related item was removed from an incident."""


class ResourceTagged(tagging.ResourceTagged, _Event, frozen=True):
    """Tags were added to or changed on a resource."""


class ResourceUntagged(tagging.ResourceUntagged, _Event, frozen=True):
    """Tags were removed from a resource."""


class FindingRecorded(_Event, frozen=True):
    """A change reported on ``changes.<source>`` became a finding, or updated one."""

    id: str
    details: JSON
    """The API's ``FindingDetails`` (``codeDeployDeployment`` or
    ``cloudFormationStackUpdate``), times in epoch seconds."""
    outcome: str
    """``created`` or ``updated``."""
    start_time: float | None = None
    """When the change started (epoch seconds)."""
    end_time: float | None = None
    """When it ended, if reported."""
    creation_time: float | None = None
    """When Tocsin first recorded the finding."""
    last_modified_time: float | None = None
    """When its details last changed."""


class ResourcePolicyCreated(_Event, frozen=True):
    """``PutResourcePolicy`` on a response plan."""

    resource_arn: str
    policy_document: str
    policy_id: str
    ram_resource_share_region: str
    principal: str | None = None
    """The IAM principal whose request made the change."""


class ResourcePolicyDeleted(_Event, frozen=True):
    """``DeleteResourcePolicy`` on a response plan."""

    resource_arn: str
    policy_id: str
    principal: str | None = None
    """The IAM principal whose request made the change."""


class _EventRule(_Event, frozen=True):
    name: str
    arn: str
    event_pattern: str
    response_plan_arn: str
    state: str
    created_time: float
    last_modified_time: float
    description: str | None = None
    principal: str | None = None
    """The IAM principal whose request made the change."""


class EventRuleCreated(_EventRule, frozen=True):
    """An event rule was created (as ``GetRule`` returns it)."""


class EventRuleUpdated(_EventRule, frozen=True):
    """An event rule changed (the whole rule after the change)."""


class EventRuleDeleted(_Deleted, frozen=True):
    """An event rule was deleted."""

    principal: str | None = None
    """The IAM principal whose request made the change."""


class IntegrationKeyCreated(_Event, frozen=True):
    """A webhook integration key was made for a response plan (never its secret)."""

    id: str
    response_plan_arn: str
    created_time: float
    principal: str | None = None
    """The IAM principal whose request made the change."""
    key_digest: str | None = None
    """The SHA-256 digest of the key, as stored (so that the other regions of the set
    accept it too); the key itself is never published."""
    expires_time: float | None = None
    """When it stops being accepted, if ever."""


class IntegrationKeyDeleted(_Event, frozen=True):
    """A webhook integration key was deleted."""

    id: str
    principal: str | None = None
    """The IAM principal whose request made the change."""


class DataKeyShared(_Event, frozen=True):
    """One of this region's data keys, **wrapped** by the key-encryption key (never in
    plaintext), for the other regions of the replication set: published when the key is
    made, when it is re-wrapped (a new ``SseKmsKeyId``, ``python -m tocsin.keys rotate``)
    and when another region joins the set. The other regions keep it beside their own and
    open with it what this region sealed; they share the KEK by configuration (the KEK
    itself never travels)."""

    key_id: str
    wrapped: str
    """``file:<master key fingerprint>:<base64>`` or ``transit:<key name>:<ciphertext>``."""


IncidentsEvent = (
    ReplicationSetCreated | ReplicationSetUpdated | ReplicationSetDeleted
    | ResponsePlanCreated | ResponsePlanUpdated | ResponsePlanDeleted
    | IncidentRecordCreated | IncidentRecordUpdated | IncidentRecordResolved
    | IncidentRecordDeleted
    | TimelineEventCreated | TimelineEventUpdated | TimelineEventDeleted
    | RelatedItemAdded | RelatedItemRemoved
    | ResourceTagged | ResourceUntagged
    | FindingRecorded | ResourcePolicyCreated | ResourcePolicyDeleted
    | EventRuleCreated | EventRuleUpdated | EventRuleDeleted
    | IntegrationKeyCreated | IntegrationKeyDeleted | IncidentTriggersJoined
    | DataKeyShared | AcknowledgementTimeoutHandled)
"""Every event the incidents service publishes, tagged by ``type``: decode one with
``decode(envelope.type, envelope.data, IncidentsEvent)``
(:mod:`tocsin.shared.contracts.base`)."""

EVENT_TYPES: Final[dict[str, type[Event]]] = types_of(IncidentsEvent)
"""Envelope ``type`` → the Struct of its ``data``."""
