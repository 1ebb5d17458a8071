import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class IncidentRecordStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INCIDENT_RECORD_STATUS_UNSPECIFIED: _ClassVar[IncidentRecordStatus]
    INCIDENT_RECORD_STATUS_OPEN: _ClassVar[IncidentRecordStatus]
    INCIDENT_RECORD_STATUS_RESOLVED: _ClassVar[IncidentRecordStatus]

class ItemType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ITEM_TYPE_UNSPECIFIED: _ClassVar[ItemType]
    ITEM_TYPE_ANALYSIS: _ClassVar[ItemType]
    ITEM_TYPE_INCIDENT: _ClassVar[ItemType]
    ITEM_TYPE_METRIC: _ClassVar[ItemType]
    ITEM_TYPE_PARENT: _ClassVar[ItemType]
    ITEM_TYPE_ATTACHMENT: _ClassVar[ItemType]
    ITEM_TYPE_OTHER: _ClassVar[ItemType]
    ITEM_TYPE_AUTOMATION: _ClassVar[ItemType]
    ITEM_TYPE_INVOLVED_RESOURCE: _ClassVar[ItemType]
    ITEM_TYPE_TASK: _ClassVar[ItemType]

class RegionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REGION_STATUS_UNSPECIFIED: _ClassVar[RegionStatus]
    REGION_STATUS_ACTIVE: _ClassVar[RegionStatus]
    REGION_STATUS_CREATING: _ClassVar[RegionStatus]
    REGION_STATUS_DELETING: _ClassVar[RegionStatus]
    REGION_STATUS_FAILED: _ClassVar[RegionStatus]

class ReplicationSetStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPLICATION_SET_STATUS_UNSPECIFIED: _ClassVar[ReplicationSetStatus]
    REPLICATION_SET_STATUS_ACTIVE: _ClassVar[ReplicationSetStatus]
    REPLICATION_SET_STATUS_CREATING: _ClassVar[ReplicationSetStatus]
    REPLICATION_SET_STATUS_UPDATING: _ClassVar[ReplicationSetStatus]
    REPLICATION_SET_STATUS_DELETING: _ClassVar[ReplicationSetStatus]
    REPLICATION_SET_STATUS_FAILED: _ClassVar[ReplicationSetStatus]

class ResourceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESOURCE_TYPE_UNSPECIFIED: _ClassVar[ResourceType]
    RESOURCE_TYPE_RESPONSE_PLAN: _ClassVar[ResourceType]
    RESOURCE_TYPE_INCIDENT_RECORD: _ClassVar[ResourceType]
    RESOURCE_TYPE_TIMELINE_EVENT: _ClassVar[ResourceType]
    RESOURCE_TYPE_REPLICATION_SET: _ClassVar[ResourceType]
    RESOURCE_TYPE_RESOURCE_POLICY: _ClassVar[ResourceType]

class ServiceCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERVICE_CODE_UNSPECIFIED: _ClassVar[ServiceCode]
    SERVICE_CODE_SSM_INCIDENTS: _ClassVar[ServiceCode]

class SortOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SORT_ORDER_UNSPECIFIED: _ClassVar[SortOrder]
    SORT_ORDER_ASCENDING: _ClassVar[SortOrder]
    SORT_ORDER_DESCENDING: _ClassVar[SortOrder]

class SsmTargetAccount(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SSM_TARGET_ACCOUNT_UNSPECIFIED: _ClassVar[SsmTargetAccount]
    SSM_TARGET_ACCOUNT_RESPONSE_PLAN_OWNER_ACCOUNT: _ClassVar[SsmTargetAccount]
    SSM_TARGET_ACCOUNT_IMPACTED_ACCOUNT: _ClassVar[SsmTargetAccount]

class TimelineEventSort(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIMELINE_EVENT_SORT_UNSPECIFIED: _ClassVar[TimelineEventSort]
    TIMELINE_EVENT_SORT_EVENT_TIME: _ClassVar[TimelineEventSort]

class VariableType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VARIABLE_TYPE_UNSPECIFIED: _ClassVar[VariableType]
    VARIABLE_TYPE_INCIDENT_RECORD_ARN: _ClassVar[VariableType]
    VARIABLE_TYPE_INVOLVED_RESOURCES: _ClassVar[VariableType]
INCIDENT_RECORD_STATUS_UNSPECIFIED: IncidentRecordStatus
INCIDENT_RECORD_STATUS_OPEN: IncidentRecordStatus
INCIDENT_RECORD_STATUS_RESOLVED: IncidentRecordStatus
ITEM_TYPE_UNSPECIFIED: ItemType
ITEM_TYPE_ANALYSIS: ItemType
ITEM_TYPE_INCIDENT: ItemType
ITEM_TYPE_METRIC: ItemType
ITEM_TYPE_PARENT: ItemType
ITEM_TYPE_ATTACHMENT: ItemType
ITEM_TYPE_OTHER: ItemType
ITEM_TYPE_AUTOMATION: ItemType
ITEM_TYPE_INVOLVED_RESOURCE: ItemType
ITEM_TYPE_TASK: ItemType
REGION_STATUS_UNSPECIFIED: RegionStatus
REGION_STATUS_ACTIVE: RegionStatus
REGION_STATUS_CREATING: RegionStatus
REGION_STATUS_DELETING: RegionStatus
REGION_STATUS_FAILED: RegionStatus
REPLICATION_SET_STATUS_UNSPECIFIED: ReplicationSetStatus
REPLICATION_SET_STATUS_ACTIVE: ReplicationSetStatus
REPLICATION_SET_STATUS_CREATING: ReplicationSetStatus
REPLICATION_SET_STATUS_UPDATING: ReplicationSetStatus
REPLICATION_SET_STATUS_DELETING: ReplicationSetStatus
REPLICATION_SET_STATUS_FAILED: ReplicationSetStatus
RESOURCE_TYPE_UNSPECIFIED: ResourceType
RESOURCE_TYPE_RESPONSE_PLAN: ResourceType
RESOURCE_TYPE_INCIDENT_RECORD: ResourceType
RESOURCE_TYPE_TIMELINE_EVENT: ResourceType
RESOURCE_TYPE_REPLICATION_SET: ResourceType
RESOURCE_TYPE_RESOURCE_POLICY: ResourceType
SERVICE_CODE_UNSPECIFIED: ServiceCode
SERVICE_CODE_SSM_INCIDENTS: ServiceCode
SORT_ORDER_UNSPECIFIED: SortOrder
SORT_ORDER_ASCENDING: SortOrder
SORT_ORDER_DESCENDING: SortOrder
SSM_TARGET_ACCOUNT_UNSPECIFIED: SsmTargetAccount
SSM_TARGET_ACCOUNT_RESPONSE_PLAN_OWNER_ACCOUNT: SsmTargetAccount
SSM_TARGET_ACCOUNT_IMPACTED_ACCOUNT: SsmTargetAccount
TIMELINE_EVENT_SORT_UNSPECIFIED: TimelineEventSort
TIMELINE_EVENT_SORT_EVENT_TIME: TimelineEventSort
VARIABLE_TYPE_UNSPECIFIED: VariableType
VARIABLE_TYPE_INCIDENT_RECORD_ARN: VariableType
VARIABLE_TYPE_INVOLVED_RESOURCES: VariableType

class BatchGetIncidentFindingsRequest(_message.Message):
    __slots__ = ("finding_ids", "incident_record_arn")
    FINDING_IDS_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    finding_ids: _containers.RepeatedScalarFieldContainer[str]
    incident_record_arn: str
    def __init__(self, finding_ids: _Optional[_Iterable[str]] = ..., incident_record_arn: _Optional[str] = ...) -> None: ...

class BatchGetIncidentFindingsResponse(_message.Message):
    __slots__ = ("errors", "findings")
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    errors: _containers.RepeatedCompositeFieldContainer[BatchGetIncidentFindingsError]
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    def __init__(self, errors: _Optional[_Iterable[_Union[BatchGetIncidentFindingsError, _Mapping]]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ...) -> None: ...

class CreateReplicationSetRequest(_message.Message):
    __slots__ = ("client_token", "regions", "tags")
    class RegionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: RegionMapInputValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[RegionMapInputValue, _Mapping]] = ...) -> None: ...
    class TagsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    client_token: str
    regions: _containers.MessageMap[str, RegionMapInputValue]
    tags: _containers.ScalarMap[str, str]
    def __init__(self, client_token: _Optional[str] = ..., regions: _Optional[_Mapping[str, RegionMapInputValue]] = ..., tags: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CreateReplicationSetResponse(_message.Message):
    __slots__ = ("arn",)
    ARN_FIELD_NUMBER: _ClassVar[int]
    arn: str
    def __init__(self, arn: _Optional[str] = ...) -> None: ...

class CreateResponsePlanRequest(_message.Message):
    __slots__ = ("actions", "chat_channel", "client_token", "display_name", "engagements", "incident_template", "integrations", "name", "tags")
    class TagsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    CHAT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENTS_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    INTEGRATIONS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    actions: _containers.RepeatedCompositeFieldContainer[Action]
    chat_channel: ChatChannel
    client_token: str
    display_name: str
    engagements: _containers.RepeatedScalarFieldContainer[str]
    incident_template: IncidentTemplate
    integrations: _containers.RepeatedCompositeFieldContainer[Integration]
    name: str
    tags: _containers.ScalarMap[str, str]
    def __init__(self, actions: _Optional[_Iterable[_Union[Action, _Mapping]]] = ..., chat_channel: _Optional[_Union[ChatChannel, _Mapping]] = ..., client_token: _Optional[str] = ..., display_name: _Optional[str] = ..., engagements: _Optional[_Iterable[str]] = ..., incident_template: _Optional[_Union[IncidentTemplate, _Mapping]] = ..., integrations: _Optional[_Iterable[_Union[Integration, _Mapping]]] = ..., name: _Optional[str] = ..., tags: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CreateResponsePlanResponse(_message.Message):
    __slots__ = ("arn",)
    ARN_FIELD_NUMBER: _ClassVar[int]
    arn: str
    def __init__(self, arn: _Optional[str] = ...) -> None: ...

class CreateTimelineEventRequest(_message.Message):
    __slots__ = ("client_token", "event_data", "event_references", "event_time", "event_type", "incident_record_arn")
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATA_FIELD_NUMBER: _ClassVar[int]
    EVENT_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    client_token: str
    event_data: str
    event_references: _containers.RepeatedCompositeFieldContainer[EventReference]
    event_time: _timestamp_pb2.Timestamp
    event_type: str
    incident_record_arn: str
    def __init__(self, client_token: _Optional[str] = ..., event_data: _Optional[str] = ..., event_references: _Optional[_Iterable[_Union[EventReference, _Mapping]]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_type: _Optional[str] = ..., incident_record_arn: _Optional[str] = ...) -> None: ...

class CreateTimelineEventResponse(_message.Message):
    __slots__ = ("event_id", "incident_record_arn")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    incident_record_arn: str
    def __init__(self, event_id: _Optional[str] = ..., incident_record_arn: _Optional[str] = ...) -> None: ...

class DeleteIncidentRecordRequest(_message.Message):
    __slots__ = ("arn",)
    ARN_FIELD_NUMBER: _ClassVar[int]
    arn: str
    def __init__(self, arn: _Optional[str] = ...) -> None: ...

class DeleteIncidentRecordResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteReplicationSetRequest(_message.Message):
    __slots__ = ("arn",)
    ARN_FIELD_NUMBER: _ClassVar[int]
    arn: str
    def __init__(self, arn: _Optional[str] = ...) -> None: ...

class DeleteReplicationSetResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteResourcePolicyRequest(_message.Message):
    __slots__ = ("policy_id", "resource_arn")
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ARN_FIELD_NUMBER: _ClassVar[int]
    policy_id: str
    resource_arn: str
    def __init__(self, policy_id: _Optional[str] = ..., resource_arn: _Optional[str] = ...) -> None: ...

class DeleteResourcePolicyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteResponsePlanRequest(_message.Message):
    __slots__ = ("arn",)
    ARN_FIELD_NUMBER: _ClassVar[int]
    arn: str
    def __init__(self, arn: _Optional[str] = ...) -> None: ...

class DeleteResponsePlanResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteTimelineEventRequest(_message.Message):
    __slots__ = ("event_id", "incident_record_arn")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    incident_record_arn: str
    def __init__(self, event_id: _Optional[str] = ..., incident_record_arn: _Optional[str] = ...) -> None: ...

class DeleteTimelineEventResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetIncidentRecordRequest(_message.Message):
    __slots__ = ("arn",)
    ARN_FIELD_NUMBER: _ClassVar[int]
    arn: str
    def __init__(self, arn: _Optional[str] = ...) -> None: ...

class GetIncidentRecordResponse(_message.Message):
    __slots__ = ("incident_record",)
    INCIDENT_RECORD_FIELD_NUMBER: _ClassVar[int]
    incident_record: IncidentRecord
    def __init__(self, incident_record: _Optional[_Union[IncidentRecord, _Mapping]] = ...) -> None: ...

class GetReplicationSetRequest(_message.Message):
    __slots__ = ("arn",)
    ARN_FIELD_NUMBER: _ClassVar[int]
    arn: str
    def __init__(self, arn: _Optional[str] = ...) -> None: ...

class GetReplicationSetResponse(_message.Message):
    __slots__ = ("replication_set",)
    REPLICATION_SET_FIELD_NUMBER: _ClassVar[int]
    replication_set: ReplicationSet
    def __init__(self, replication_set: _Optional[_Union[ReplicationSet, _Mapping]] = ...) -> None: ...

class GetResourcePoliciesRequest(_message.Message):
    __slots__ = ("max_results", "next_token", "resource_arn")
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ARN_FIELD_NUMBER: _ClassVar[int]
    max_results: int
    next_token: str
    resource_arn: str
    def __init__(self, max_results: _Optional[int] = ..., next_token: _Optional[str] = ..., resource_arn: _Optional[str] = ...) -> None: ...

class GetResourcePoliciesResponse(_message.Message):
    __slots__ = ("next_token", "resource_policies")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_POLICIES_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    resource_policies: _containers.RepeatedCompositeFieldContainer[ResourcePolicy]
    def __init__(self, next_token: _Optional[str] = ..., resource_policies: _Optional[_Iterable[_Union[ResourcePolicy, _Mapping]]] = ...) -> None: ...

class GetResponsePlanRequest(_message.Message):
    __slots__ = ("arn",)
    ARN_FIELD_NUMBER: _ClassVar[int]
    arn: str
    def __init__(self, arn: _Optional[str] = ...) -> None: ...

class GetResponsePlanResponse(_message.Message):
    __slots__ = ("actions", "arn", "chat_channel", "display_name", "engagements", "incident_template", "integrations", "name")
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    ARN_FIELD_NUMBER: _ClassVar[int]
    CHAT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENTS_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    INTEGRATIONS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    actions: _containers.RepeatedCompositeFieldContainer[Action]
    arn: str
    chat_channel: ChatChannel
    display_name: str
    engagements: _containers.RepeatedScalarFieldContainer[str]
    incident_template: IncidentTemplate
    integrations: _containers.RepeatedCompositeFieldContainer[Integration]
    name: str
    def __init__(self, actions: _Optional[_Iterable[_Union[Action, _Mapping]]] = ..., arn: _Optional[str] = ..., chat_channel: _Optional[_Union[ChatChannel, _Mapping]] = ..., display_name: _Optional[str] = ..., engagements: _Optional[_Iterable[str]] = ..., incident_template: _Optional[_Union[IncidentTemplate, _Mapping]] = ..., integrations: _Optional[_Iterable[_Union[Integration, _Mapping]]] = ..., name: _Optional[str] = ...) -> None: ...

class GetTimelineEventRequest(_message.Message):
    __slots__ = ("event_id", "incident_record_arn")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    incident_record_arn: str
    def __init__(self, event_id: _Optional[str] = ..., incident_record_arn: _Optional[str] = ...) -> None: ...

class GetTimelineEventResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: TimelineEvent
    def __init__(self, event: _Optional[_Union[TimelineEvent, _Mapping]] = ...) -> None: ...

class ListIncidentFindingsRequest(_message.Message):
    __slots__ = ("incident_record_arn", "max_results", "next_token")
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    incident_record_arn: str
    max_results: int
    next_token: str
    def __init__(self, incident_record_arn: _Optional[str] = ..., max_results: _Optional[int] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListIncidentFindingsResponse(_message.Message):
    __slots__ = ("findings", "next_token")
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    findings: _containers.RepeatedCompositeFieldContainer[FindingSummary]
    next_token: str
    def __init__(self, findings: _Optional[_Iterable[_Union[FindingSummary, _Mapping]]] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListIncidentRecordsRequest(_message.Message):
    __slots__ = ("filters", "max_results", "next_token")
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filters: _containers.RepeatedCompositeFieldContainer[Filter]
    max_results: int
    next_token: str
    def __init__(self, filters: _Optional[_Iterable[_Union[Filter, _Mapping]]] = ..., max_results: _Optional[int] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListIncidentRecordsResponse(_message.Message):
    __slots__ = ("incident_record_summaries", "next_token")
    INCIDENT_RECORD_SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    incident_record_summaries: _containers.RepeatedCompositeFieldContainer[IncidentRecordSummary]
    next_token: str
    def __init__(self, incident_record_summaries: _Optional[_Iterable[_Union[IncidentRecordSummary, _Mapping]]] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListRelatedItemsRequest(_message.Message):
    __slots__ = ("incident_record_arn", "max_results", "next_token")
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    incident_record_arn: str
    max_results: int
    next_token: str
    def __init__(self, incident_record_arn: _Optional[str] = ..., max_results: _Optional[int] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListRelatedItemsResponse(_message.Message):
    __slots__ = ("next_token", "related_items")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RELATED_ITEMS_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    related_items: _containers.RepeatedCompositeFieldContainer[RelatedItem]
    def __init__(self, next_token: _Optional[str] = ..., related_items: _Optional[_Iterable[_Union[RelatedItem, _Mapping]]] = ...) -> None: ...

class ListReplicationSetsRequest(_message.Message):
    __slots__ = ("max_results", "next_token")
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    max_results: int
    next_token: str
    def __init__(self, max_results: _Optional[int] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListReplicationSetsResponse(_message.Message):
    __slots__ = ("next_token", "replication_set_arns")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REPLICATION_SET_ARNS_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    replication_set_arns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, next_token: _Optional[str] = ..., replication_set_arns: _Optional[_Iterable[str]] = ...) -> None: ...

class ListResponsePlansRequest(_message.Message):
    __slots__ = ("max_results", "next_token")
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    max_results: int
    next_token: str
    def __init__(self, max_results: _Optional[int] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListResponsePlansResponse(_message.Message):
    __slots__ = ("next_token", "response_plan_summaries")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    response_plan_summaries: _containers.RepeatedCompositeFieldContainer[ResponsePlanSummary]
    def __init__(self, next_token: _Optional[str] = ..., response_plan_summaries: _Optional[_Iterable[_Union[ResponsePlanSummary, _Mapping]]] = ...) -> None: ...

class ListTagsForResourceRequest(_message.Message):
    __slots__ = ("resource_arn",)
    RESOURCE_ARN_FIELD_NUMBER: _ClassVar[int]
    resource_arn: str
    def __init__(self, resource_arn: _Optional[str] = ...) -> None: ...

class ListTagsForResourceResponse(_message.Message):
    __slots__ = ("tags",)
    class TagsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TAGS_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.ScalarMap[str, str]
    def __init__(self, tags: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListTimelineEventsRequest(_message.Message):
    __slots__ = ("filters", "incident_record_arn", "max_results", "next_token", "sort_by", "sort_order")
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SORT_BY_FIELD_NUMBER: _ClassVar[int]
    SORT_ORDER_FIELD_NUMBER: _ClassVar[int]
    filters: _containers.RepeatedCompositeFieldContainer[Filter]
    incident_record_arn: str
    max_results: int
    next_token: str
    sort_by: TimelineEventSort
    sort_order: SortOrder
    def __init__(self, filters: _Optional[_Iterable[_Union[Filter, _Mapping]]] = ..., incident_record_arn: _Optional[str] = ..., max_results: _Optional[int] = ..., next_token: _Optional[str] = ..., sort_by: _Optional[_Union[TimelineEventSort, str]] = ..., sort_order: _Optional[_Union[SortOrder, str]] = ...) -> None: ...

class ListTimelineEventsResponse(_message.Message):
    __slots__ = ("event_summaries", "next_token")
    EVENT_SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    event_summaries: _containers.RepeatedCompositeFieldContainer[EventSummary]
    next_token: str
    def __init__(self, event_summaries: _Optional[_Iterable[_Union[EventSummary, _Mapping]]] = ..., next_token: _Optional[str] = ...) -> None: ...

class PutResourcePolicyRequest(_message.Message):
    __slots__ = ("policy", "resource_arn")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ARN_FIELD_NUMBER: _ClassVar[int]
    policy: str
    resource_arn: str
    def __init__(self, policy: _Optional[str] = ..., resource_arn: _Optional[str] = ...) -> None: ...

class PutResourcePolicyResponse(_message.Message):
    __slots__ = ("policy_id",)
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    policy_id: str
    def __init__(self, policy_id: _Optional[str] = ...) -> None: ...

class StartIncidentRequest(_message.Message):
    __slots__ = ("client_token", "impact", "related_items", "response_plan_arn", "title", "trigger_details")
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    IMPACT_FIELD_NUMBER: _ClassVar[int]
    RELATED_ITEMS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_DETAILS_FIELD_NUMBER: _ClassVar[int]
    client_token: str
    impact: int
    related_items: _containers.RepeatedCompositeFieldContainer[RelatedItem]
    response_plan_arn: str
    title: str
    trigger_details: TriggerDetails
    def __init__(self, client_token: _Optional[str] = ..., impact: _Optional[int] = ..., related_items: _Optional[_Iterable[_Union[RelatedItem, _Mapping]]] = ..., response_plan_arn: _Optional[str] = ..., title: _Optional[str] = ..., trigger_details: _Optional[_Union[TriggerDetails, _Mapping]] = ...) -> None: ...

class StartIncidentResponse(_message.Message):
    __slots__ = ("incident_record_arn",)
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    incident_record_arn: str
    def __init__(self, incident_record_arn: _Optional[str] = ...) -> None: ...

class TagResourceRequest(_message.Message):
    __slots__ = ("resource_arn", "tags")
    class TagsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    RESOURCE_ARN_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    resource_arn: str
    tags: _containers.ScalarMap[str, str]
    def __init__(self, resource_arn: _Optional[str] = ..., tags: _Optional[_Mapping[str, str]] = ...) -> None: ...

class TagResourceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UntagResourceRequest(_message.Message):
    __slots__ = ("resource_arn", "tag_keys")
    RESOURCE_ARN_FIELD_NUMBER: _ClassVar[int]
    TAG_KEYS_FIELD_NUMBER: _ClassVar[int]
    resource_arn: str
    tag_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, resource_arn: _Optional[str] = ..., tag_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class UntagResourceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateDeletionProtectionRequest(_message.Message):
    __slots__ = ("arn", "client_token", "deletion_protected")
    ARN_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DELETION_PROTECTED_FIELD_NUMBER: _ClassVar[int]
    arn: str
    client_token: str
    deletion_protected: bool
    def __init__(self, arn: _Optional[str] = ..., client_token: _Optional[str] = ..., deletion_protected: _Optional[bool] = ...) -> None: ...

class UpdateDeletionProtectionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateIncidentRecordRequest(_message.Message):
    __slots__ = ("arn", "chat_channel", "client_token", "impact", "notification_targets", "status", "summary", "title")
    ARN_FIELD_NUMBER: _ClassVar[int]
    CHAT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    IMPACT_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_TARGETS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    arn: str
    chat_channel: ChatChannel
    client_token: str
    impact: int
    notification_targets: _containers.RepeatedCompositeFieldContainer[NotificationTargetItem]
    status: IncidentRecordStatus
    summary: str
    title: str
    def __init__(self, arn: _Optional[str] = ..., chat_channel: _Optional[_Union[ChatChannel, _Mapping]] = ..., client_token: _Optional[str] = ..., impact: _Optional[int] = ..., notification_targets: _Optional[_Iterable[_Union[NotificationTargetItem, _Mapping]]] = ..., status: _Optional[_Union[IncidentRecordStatus, str]] = ..., summary: _Optional[str] = ..., title: _Optional[str] = ...) -> None: ...

class UpdateIncidentRecordResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateRelatedItemsRequest(_message.Message):
    __slots__ = ("client_token", "incident_record_arn", "related_items_update")
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    RELATED_ITEMS_UPDATE_FIELD_NUMBER: _ClassVar[int]
    client_token: str
    incident_record_arn: str
    related_items_update: RelatedItemsUpdate
    def __init__(self, client_token: _Optional[str] = ..., incident_record_arn: _Optional[str] = ..., related_items_update: _Optional[_Union[RelatedItemsUpdate, _Mapping]] = ...) -> None: ...

class UpdateRelatedItemsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateReplicationSetRequest(_message.Message):
    __slots__ = ("actions", "arn", "client_token")
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    ARN_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actions: _containers.RepeatedCompositeFieldContainer[UpdateReplicationSetAction]
    arn: str
    client_token: str
    def __init__(self, actions: _Optional[_Iterable[_Union[UpdateReplicationSetAction, _Mapping]]] = ..., arn: _Optional[str] = ..., client_token: _Optional[str] = ...) -> None: ...

class UpdateReplicationSetResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateResponsePlanRequest(_message.Message):
    __slots__ = ("actions", "arn", "chat_channel", "client_token", "display_name", "engagements", "incident_template_dedupe_string", "incident_template_impact", "incident_template_notification_targets", "incident_template_summary", "incident_template_tags", "incident_template_title", "integrations")
    class IncidentTemplateTagsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    ARN_FIELD_NUMBER: _ClassVar[int]
    CHAT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENTS_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_TEMPLATE_DEDUPE_STRING_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_TEMPLATE_IMPACT_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_TEMPLATE_NOTIFICATION_TARGETS_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_TEMPLATE_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_TEMPLATE_TAGS_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_TEMPLATE_TITLE_FIELD_NUMBER: _ClassVar[int]
    INTEGRATIONS_FIELD_NUMBER: _ClassVar[int]
    actions: _containers.RepeatedCompositeFieldContainer[Action]
    arn: str
    chat_channel: ChatChannel
    client_token: str
    display_name: str
    engagements: _containers.RepeatedScalarFieldContainer[str]
    incident_template_dedupe_string: str
    incident_template_impact: int
    incident_template_notification_targets: _containers.RepeatedCompositeFieldContainer[NotificationTargetItem]
    incident_template_summary: str
    incident_template_tags: _containers.ScalarMap[str, str]
    incident_template_title: str
    integrations: _containers.RepeatedCompositeFieldContainer[Integration]
    def __init__(self, actions: _Optional[_Iterable[_Union[Action, _Mapping]]] = ..., arn: _Optional[str] = ..., chat_channel: _Optional[_Union[ChatChannel, _Mapping]] = ..., client_token: _Optional[str] = ..., display_name: _Optional[str] = ..., engagements: _Optional[_Iterable[str]] = ..., incident_template_dedupe_string: _Optional[str] = ..., incident_template_impact: _Optional[int] = ..., incident_template_notification_targets: _Optional[_Iterable[_Union[NotificationTargetItem, _Mapping]]] = ..., incident_template_summary: _Optional[str] = ..., incident_template_tags: _Optional[_Mapping[str, str]] = ..., incident_template_title: _Optional[str] = ..., integrations: _Optional[_Iterable[_Union[Integration, _Mapping]]] = ...) -> None: ...

class UpdateResponsePlanResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateTimelineEventRequest(_message.Message):
    __slots__ = ("client_token", "event_data", "event_id", "event_references", "event_time", "event_type", "incident_record_arn")
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATA_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    client_token: str
    event_data: str
    event_id: str
    event_references: _containers.RepeatedCompositeFieldContainer[EventReference]
    event_time: _timestamp_pb2.Timestamp
    event_type: str
    incident_record_arn: str
    def __init__(self, client_token: _Optional[str] = ..., event_data: _Optional[str] = ..., event_id: _Optional[str] = ..., event_references: _Optional[_Iterable[_Union[EventReference, _Mapping]]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_type: _Optional[str] = ..., incident_record_arn: _Optional[str] = ...) -> None: ...

class UpdateTimelineEventResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Action(_message.Message):
    __slots__ = ("ssm_automation",)
    SSM_AUTOMATION_FIELD_NUMBER: _ClassVar[int]
    ssm_automation: SsmAutomation
    def __init__(self, ssm_automation: _Optional[_Union[SsmAutomation, _Mapping]] = ...) -> None: ...

class AddRegionAction(_message.Message):
    __slots__ = ("region_name", "sse_kms_key_id")
    REGION_NAME_FIELD_NUMBER: _ClassVar[int]
    SSE_KMS_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    region_name: str
    sse_kms_key_id: str
    def __init__(self, region_name: _Optional[str] = ..., sse_kms_key_id: _Optional[str] = ...) -> None: ...

class AttributeValueList(_message.Message):
    __slots__ = ("integer_values", "string_values")
    INTEGER_VALUES_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUES_FIELD_NUMBER: _ClassVar[int]
    integer_values: IntegerList
    string_values: StringList
    def __init__(self, integer_values: _Optional[_Union[IntegerList, _Mapping]] = ..., string_values: _Optional[_Union[StringList, _Mapping]] = ...) -> None: ...

class AutomationExecution(_message.Message):
    __slots__ = ("ssm_execution_arn",)
    SSM_EXECUTION_ARN_FIELD_NUMBER: _ClassVar[int]
    ssm_execution_arn: str
    def __init__(self, ssm_execution_arn: _Optional[str] = ...) -> None: ...

class BatchGetIncidentFindingsError(_message.Message):
    __slots__ = ("code", "finding_id", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    FINDING_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    finding_id: str
    message: str
    def __init__(self, code: _Optional[str] = ..., finding_id: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class ChatChannel(_message.Message):
    __slots__ = ("chatbot_sns", "empty")
    CHATBOT_SNS_FIELD_NUMBER: _ClassVar[int]
    EMPTY_FIELD_NUMBER: _ClassVar[int]
    chatbot_sns: ChatbotSnsConfigurationSet
    empty: EmptyChatChannel
    def __init__(self, chatbot_sns: _Optional[_Union[ChatbotSnsConfigurationSet, _Mapping]] = ..., empty: _Optional[_Union[EmptyChatChannel, _Mapping]] = ...) -> None: ...

class ChatbotSnsConfigurationSet(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class CloudFormationStackUpdate(_message.Message):
    __slots__ = ("end_time", "stack_arn", "start_time")
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    STACK_ARN_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    end_time: _timestamp_pb2.Timestamp
    stack_arn: str
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stack_arn: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CodeDeployDeployment(_message.Message):
    __slots__ = ("deployment_group_arn", "deployment_id", "end_time", "start_time")
    DEPLOYMENT_GROUP_ARN_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    deployment_group_arn: str
    deployment_id: str
    end_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, deployment_group_arn: _Optional[str] = ..., deployment_id: _Optional[str] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Condition(_message.Message):
    __slots__ = ("after", "before", "equals")
    AFTER_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    EQUALS_FIELD_NUMBER: _ClassVar[int]
    after: _timestamp_pb2.Timestamp
    before: _timestamp_pb2.Timestamp
    equals: AttributeValueList
    def __init__(self, after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., equals: _Optional[_Union[AttributeValueList, _Mapping]] = ...) -> None: ...

class DeleteRegionAction(_message.Message):
    __slots__ = ("region_name",)
    REGION_NAME_FIELD_NUMBER: _ClassVar[int]
    region_name: str
    def __init__(self, region_name: _Optional[str] = ...) -> None: ...

class DynamicSsmParameterValue(_message.Message):
    __slots__ = ("variable",)
    VARIABLE_FIELD_NUMBER: _ClassVar[int]
    variable: VariableType
    def __init__(self, variable: _Optional[_Union[VariableType, str]] = ...) -> None: ...

class EmptyChatChannel(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EventReference(_message.Message):
    __slots__ = ("related_item_id", "resource")
    RELATED_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    related_item_id: str
    resource: str
    def __init__(self, related_item_id: _Optional[str] = ..., resource: _Optional[str] = ...) -> None: ...

class EventSummary(_message.Message):
    __slots__ = ("event_id", "event_references", "event_time", "event_type", "event_updated_time", "incident_record_arn")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_UPDATED_TIME_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    event_references: _containers.RepeatedCompositeFieldContainer[EventReference]
    event_time: _timestamp_pb2.Timestamp
    event_type: str
    event_updated_time: _timestamp_pb2.Timestamp
    incident_record_arn: str
    def __init__(self, event_id: _Optional[str] = ..., event_references: _Optional[_Iterable[_Union[EventReference, _Mapping]]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_type: _Optional[str] = ..., event_updated_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., incident_record_arn: _Optional[str] = ...) -> None: ...

class Filter(_message.Message):
    __slots__ = ("condition", "key")
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    condition: Condition
    key: str
    def __init__(self, condition: _Optional[_Union[Condition, _Mapping]] = ..., key: _Optional[str] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("creation_time", "details", "id", "last_modified_time")
    CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_TIME_FIELD_NUMBER: _ClassVar[int]
    creation_time: _timestamp_pb2.Timestamp
    details: FindingDetails
    id: str
    last_modified_time: _timestamp_pb2.Timestamp
    def __init__(self, creation_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., details: _Optional[_Union[FindingDetails, _Mapping]] = ..., id: _Optional[str] = ..., last_modified_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FindingDetails(_message.Message):
    __slots__ = ("cloud_formation_stack_update", "code_deploy_deployment")
    CLOUD_FORMATION_STACK_UPDATE_FIELD_NUMBER: _ClassVar[int]
    CODE_DEPLOY_DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    cloud_formation_stack_update: CloudFormationStackUpdate
    code_deploy_deployment: CodeDeployDeployment
    def __init__(self, cloud_formation_stack_update: _Optional[_Union[CloudFormationStackUpdate, _Mapping]] = ..., code_deploy_deployment: _Optional[_Union[CodeDeployDeployment, _Mapping]] = ...) -> None: ...

class FindingSummary(_message.Message):
    __slots__ = ("id", "last_modified_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    last_modified_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., last_modified_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class IncidentRecord(_message.Message):
    __slots__ = ("arn", "automation_executions", "chat_channel", "creation_time", "dedupe_string", "impact", "incident_record_source", "last_modified_by", "last_modified_time", "notification_targets", "resolved_time", "status", "summary", "title")
    ARN_FIELD_NUMBER: _ClassVar[int]
    AUTOMATION_EXECUTIONS_FIELD_NUMBER: _ClassVar[int]
    CHAT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    DEDUPE_STRING_FIELD_NUMBER: _ClassVar[int]
    IMPACT_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_SOURCE_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_BY_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_TIME_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_TARGETS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    arn: str
    automation_executions: _containers.RepeatedCompositeFieldContainer[AutomationExecution]
    chat_channel: ChatChannel
    creation_time: _timestamp_pb2.Timestamp
    dedupe_string: str
    impact: int
    incident_record_source: IncidentRecordSource
    last_modified_by: str
    last_modified_time: _timestamp_pb2.Timestamp
    notification_targets: _containers.RepeatedCompositeFieldContainer[NotificationTargetItem]
    resolved_time: _timestamp_pb2.Timestamp
    status: IncidentRecordStatus
    summary: str
    title: str
    def __init__(self, arn: _Optional[str] = ..., automation_executions: _Optional[_Iterable[_Union[AutomationExecution, _Mapping]]] = ..., chat_channel: _Optional[_Union[ChatChannel, _Mapping]] = ..., creation_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dedupe_string: _Optional[str] = ..., impact: _Optional[int] = ..., incident_record_source: _Optional[_Union[IncidentRecordSource, _Mapping]] = ..., last_modified_by: _Optional[str] = ..., last_modified_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notification_targets: _Optional[_Iterable[_Union[NotificationTargetItem, _Mapping]]] = ..., resolved_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[IncidentRecordStatus, str]] = ..., summary: _Optional[str] = ..., title: _Optional[str] = ...) -> None: ...

class IncidentRecordSource(_message.Message):
    __slots__ = ("created_by", "invoked_by", "resource_arn", "source")
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    INVOKED_BY_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ARN_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    created_by: str
    invoked_by: str
    resource_arn: str
    source: str
    def __init__(self, created_by: _Optional[str] = ..., invoked_by: _Optional[str] = ..., resource_arn: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class IncidentRecordSummary(_message.Message):
    __slots__ = ("arn", "creation_time", "impact", "incident_record_source", "resolved_time", "status", "title")
    ARN_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    IMPACT_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_SOURCE_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    arn: str
    creation_time: _timestamp_pb2.Timestamp
    impact: int
    incident_record_source: IncidentRecordSource
    resolved_time: _timestamp_pb2.Timestamp
    status: IncidentRecordStatus
    title: str
    def __init__(self, arn: _Optional[str] = ..., creation_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., impact: _Optional[int] = ..., incident_record_source: _Optional[_Union[IncidentRecordSource, _Mapping]] = ..., resolved_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[IncidentRecordStatus, str]] = ..., title: _Optional[str] = ...) -> None: ...

class IncidentTemplate(_message.Message):
    __slots__ = ("dedupe_string", "impact", "incident_tags", "notification_targets", "summary", "title")
    class IncidentTagsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DEDUPE_STRING_FIELD_NUMBER: _ClassVar[int]
    IMPACT_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_TAGS_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_TARGETS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    dedupe_string: str
    impact: int
    incident_tags: _containers.ScalarMap[str, str]
    notification_targets: _containers.RepeatedCompositeFieldContainer[NotificationTargetItem]
    summary: str
    title: str
    def __init__(self, dedupe_string: _Optional[str] = ..., impact: _Optional[int] = ..., incident_tags: _Optional[_Mapping[str, str]] = ..., notification_targets: _Optional[_Iterable[_Union[NotificationTargetItem, _Mapping]]] = ..., summary: _Optional[str] = ..., title: _Optional[str] = ...) -> None: ...

class IntegerList(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, values: _Optional[_Iterable[int]] = ...) -> None: ...

class Integration(_message.Message):
    __slots__ = ("pager_duty_configuration",)
    PAGER_DUTY_CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    pager_duty_configuration: PagerDutyConfiguration
    def __init__(self, pager_duty_configuration: _Optional[_Union[PagerDutyConfiguration, _Mapping]] = ...) -> None: ...

class ItemIdentifier(_message.Message):
    __slots__ = ("type", "value")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    type: ItemType
    value: ItemValue
    def __init__(self, type: _Optional[_Union[ItemType, str]] = ..., value: _Optional[_Union[ItemValue, _Mapping]] = ...) -> None: ...

class ItemValue(_message.Message):
    __slots__ = ("arn", "metric_definition", "pager_duty_incident_detail", "url")
    ARN_FIELD_NUMBER: _ClassVar[int]
    METRIC_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    PAGER_DUTY_INCIDENT_DETAIL_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    arn: str
    metric_definition: str
    pager_duty_incident_detail: PagerDutyIncidentDetail
    url: str
    def __init__(self, arn: _Optional[str] = ..., metric_definition: _Optional[str] = ..., pager_duty_incident_detail: _Optional[_Union[PagerDutyIncidentDetail, _Mapping]] = ..., url: _Optional[str] = ...) -> None: ...

class NotificationTargetItem(_message.Message):
    __slots__ = ("sns_topic_arn",)
    SNS_TOPIC_ARN_FIELD_NUMBER: _ClassVar[int]
    sns_topic_arn: str
    def __init__(self, sns_topic_arn: _Optional[str] = ...) -> None: ...

class PagerDutyConfiguration(_message.Message):
    __slots__ = ("name", "pager_duty_incident_configuration", "secret_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAGER_DUTY_INCIDENT_CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    SECRET_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    pager_duty_incident_configuration: PagerDutyIncidentConfiguration
    secret_id: str
    def __init__(self, name: _Optional[str] = ..., pager_duty_incident_configuration: _Optional[_Union[PagerDutyIncidentConfiguration, _Mapping]] = ..., secret_id: _Optional[str] = ...) -> None: ...

class PagerDutyIncidentConfiguration(_message.Message):
    __slots__ = ("service_id",)
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    def __init__(self, service_id: _Optional[str] = ...) -> None: ...

class PagerDutyIncidentDetail(_message.Message):
    __slots__ = ("auto_resolve", "id", "secret_id")
    AUTO_RESOLVE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_ID_FIELD_NUMBER: _ClassVar[int]
    auto_resolve: bool
    id: str
    secret_id: str
    def __init__(self, auto_resolve: _Optional[bool] = ..., id: _Optional[str] = ..., secret_id: _Optional[str] = ...) -> None: ...

class RegionInfo(_message.Message):
    __slots__ = ("sse_kms_key_id", "status", "status_message", "status_update_date_time")
    SSE_KMS_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_UPDATE_DATE_TIME_FIELD_NUMBER: _ClassVar[int]
    sse_kms_key_id: str
    status: RegionStatus
    status_message: str
    status_update_date_time: _timestamp_pb2.Timestamp
    def __init__(self, sse_kms_key_id: _Optional[str] = ..., status: _Optional[_Union[RegionStatus, str]] = ..., status_message: _Optional[str] = ..., status_update_date_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RegionMapInputValue(_message.Message):
    __slots__ = ("sse_kms_key_id",)
    SSE_KMS_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    sse_kms_key_id: str
    def __init__(self, sse_kms_key_id: _Optional[str] = ...) -> None: ...

class RelatedItem(_message.Message):
    __slots__ = ("generated_id", "identifier", "title")
    GENERATED_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    generated_id: str
    identifier: ItemIdentifier
    title: str
    def __init__(self, generated_id: _Optional[str] = ..., identifier: _Optional[_Union[ItemIdentifier, _Mapping]] = ..., title: _Optional[str] = ...) -> None: ...

class RelatedItemsUpdate(_message.Message):
    __slots__ = ("item_to_add", "item_to_remove")
    ITEM_TO_ADD_FIELD_NUMBER: _ClassVar[int]
    ITEM_TO_REMOVE_FIELD_NUMBER: _ClassVar[int]
    item_to_add: RelatedItem
    item_to_remove: ItemIdentifier
    def __init__(self, item_to_add: _Optional[_Union[RelatedItem, _Mapping]] = ..., item_to_remove: _Optional[_Union[ItemIdentifier, _Mapping]] = ...) -> None: ...

class ReplicationSet(_message.Message):
    __slots__ = ("arn", "created_by", "created_time", "deletion_protected", "last_modified_by", "last_modified_time", "region_map", "status")
    class RegionMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: RegionInfo
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[RegionInfo, _Mapping]] = ...) -> None: ...
    ARN_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    DELETION_PROTECTED_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_BY_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_TIME_FIELD_NUMBER: _ClassVar[int]
    REGION_MAP_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    arn: str
    created_by: str
    created_time: _timestamp_pb2.Timestamp
    deletion_protected: bool
    last_modified_by: str
    last_modified_time: _timestamp_pb2.Timestamp
    region_map: _containers.MessageMap[str, RegionInfo]
    status: ReplicationSetStatus
    def __init__(self, arn: _Optional[str] = ..., created_by: _Optional[str] = ..., created_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deletion_protected: _Optional[bool] = ..., last_modified_by: _Optional[str] = ..., last_modified_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., region_map: _Optional[_Mapping[str, RegionInfo]] = ..., status: _Optional[_Union[ReplicationSetStatus, str]] = ...) -> None: ...

class ResourcePolicy(_message.Message):
    __slots__ = ("policy_document", "policy_id", "ram_resource_share_region")
    POLICY_DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    RAM_RESOURCE_SHARE_REGION_FIELD_NUMBER: _ClassVar[int]
    policy_document: str
    policy_id: str
    ram_resource_share_region: str
    def __init__(self, policy_document: _Optional[str] = ..., policy_id: _Optional[str] = ..., ram_resource_share_region: _Optional[str] = ...) -> None: ...

class ResponsePlanSummary(_message.Message):
    __slots__ = ("arn", "display_name", "name")
    ARN_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    arn: str
    display_name: str
    name: str
    def __init__(self, arn: _Optional[str] = ..., display_name: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class SsmAutomation(_message.Message):
    __slots__ = ("document_name", "document_version", "dynamic_parameters", "parameters", "role_arn", "target_account")
    class DynamicParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: DynamicSsmParameterValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[DynamicSsmParameterValue, _Mapping]] = ...) -> None: ...
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: SsmParameterValues
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[SsmParameterValues, _Mapping]] = ...) -> None: ...
    DOCUMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    DYNAMIC_PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    ROLE_ARN_FIELD_NUMBER: _ClassVar[int]
    TARGET_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    document_name: str
    document_version: str
    dynamic_parameters: _containers.MessageMap[str, DynamicSsmParameterValue]
    parameters: _containers.MessageMap[str, SsmParameterValues]
    role_arn: str
    target_account: SsmTargetAccount
    def __init__(self, document_name: _Optional[str] = ..., document_version: _Optional[str] = ..., dynamic_parameters: _Optional[_Mapping[str, DynamicSsmParameterValue]] = ..., parameters: _Optional[_Mapping[str, SsmParameterValues]] = ..., role_arn: _Optional[str] = ..., target_account: _Optional[_Union[SsmTargetAccount, str]] = ...) -> None: ...

class SsmParameterValues(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class StringList(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class TimelineEvent(_message.Message):
    __slots__ = ("event_data", "event_id", "event_references", "event_time", "event_type", "event_updated_time", "incident_record_arn")
    EVENT_DATA_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_UPDATED_TIME_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    event_data: str
    event_id: str
    event_references: _containers.RepeatedCompositeFieldContainer[EventReference]
    event_time: _timestamp_pb2.Timestamp
    event_type: str
    event_updated_time: _timestamp_pb2.Timestamp
    incident_record_arn: str
    def __init__(self, event_data: _Optional[str] = ..., event_id: _Optional[str] = ..., event_references: _Optional[_Iterable[_Union[EventReference, _Mapping]]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_type: _Optional[str] = ..., event_updated_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., incident_record_arn: _Optional[str] = ...) -> None: ...

class TriggerDetails(_message.Message):
    __slots__ = ("raw_data", "source", "timestamp", "trigger_arn")
    RAW_DATA_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ARN_FIELD_NUMBER: _ClassVar[int]
    raw_data: str
    source: str
    timestamp: _timestamp_pb2.Timestamp
    trigger_arn: str
    def __init__(self, raw_data: _Optional[str] = ..., source: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., trigger_arn: _Optional[str] = ...) -> None: ...

class UpdateReplicationSetAction(_message.Message):
    __slots__ = ("add_region_action", "delete_region_action")
    ADD_REGION_ACTION_FIELD_NUMBER: _ClassVar[int]
    DELETE_REGION_ACTION_FIELD_NUMBER: _ClassVar[int]
    add_region_action: AddRegionAction
    delete_region_action: DeleteRegionAction
    def __init__(self, add_region_action: _Optional[_Union[AddRegionAction, _Mapping]] = ..., delete_region_action: _Optional[_Union[DeleteRegionAction, _Mapping]] = ...) -> None: ...
