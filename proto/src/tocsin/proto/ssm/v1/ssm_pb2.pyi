import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AttachmentHashType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ATTACHMENT_HASH_TYPE_UNSPECIFIED: _ClassVar[AttachmentHashType]
    ATTACHMENT_HASH_TYPE_SHA256: _ClassVar[AttachmentHashType]

class AttachmentsSourceKey(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ATTACHMENTS_SOURCE_KEY_UNSPECIFIED: _ClassVar[AttachmentsSourceKey]
    ATTACHMENTS_SOURCE_KEY_SOURCE_URL: _ClassVar[AttachmentsSourceKey]
    ATTACHMENTS_SOURCE_KEY_S3_FILE_URL: _ClassVar[AttachmentsSourceKey]
    ATTACHMENTS_SOURCE_KEY_ATTACHMENT_REFERENCE: _ClassVar[AttachmentsSourceKey]

class AutomationExecutionFilterKey(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTOMATION_EXECUTION_FILTER_KEY_UNSPECIFIED: _ClassVar[AutomationExecutionFilterKey]
    AUTOMATION_EXECUTION_FILTER_KEY_DOCUMENT_NAME_PREFIX: _ClassVar[AutomationExecutionFilterKey]
    AUTOMATION_EXECUTION_FILTER_KEY_EXECUTION_STATUS: _ClassVar[AutomationExecutionFilterKey]
    AUTOMATION_EXECUTION_FILTER_KEY_EXECUTION_ID: _ClassVar[AutomationExecutionFilterKey]
    AUTOMATION_EXECUTION_FILTER_KEY_PARENT_EXECUTION_ID: _ClassVar[AutomationExecutionFilterKey]
    AUTOMATION_EXECUTION_FILTER_KEY_CURRENT_ACTION: _ClassVar[AutomationExecutionFilterKey]
    AUTOMATION_EXECUTION_FILTER_KEY_START_TIME_BEFORE: _ClassVar[AutomationExecutionFilterKey]
    AUTOMATION_EXECUTION_FILTER_KEY_START_TIME_AFTER: _ClassVar[AutomationExecutionFilterKey]
    AUTOMATION_EXECUTION_FILTER_KEY_AUTOMATION_TYPE: _ClassVar[AutomationExecutionFilterKey]
    AUTOMATION_EXECUTION_FILTER_KEY_TAG_KEY: _ClassVar[AutomationExecutionFilterKey]
    AUTOMATION_EXECUTION_FILTER_KEY_TARGET_RESOURCE_GROUP: _ClassVar[AutomationExecutionFilterKey]
    AUTOMATION_EXECUTION_FILTER_KEY_AUTOMATION_SUBTYPE: _ClassVar[AutomationExecutionFilterKey]
    AUTOMATION_EXECUTION_FILTER_KEY_OPS_ITEM_ID: _ClassVar[AutomationExecutionFilterKey]

class AutomationExecutionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTOMATION_EXECUTION_STATUS_UNSPECIFIED: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_PENDING: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_IN_PROGRESS: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_WAITING: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_SUCCESS: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_TIMED_OUT: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_CANCELLING: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_CANCELLED: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_FAILED: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_PENDING_APPROVAL: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_APPROVED: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_REJECTED: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_SCHEDULED: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_RUNBOOK_IN_PROGRESS: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_PENDING_CHANGE_CALENDAR_OVERRIDE: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_CHANGE_CALENDAR_OVERRIDE_APPROVED: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_CHANGE_CALENDAR_OVERRIDE_REJECTED: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_COMPLETED_WITH_SUCCESS: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_COMPLETED_WITH_FAILURE: _ClassVar[AutomationExecutionStatus]
    AUTOMATION_EXECUTION_STATUS_EXITED: _ClassVar[AutomationExecutionStatus]

class AutomationSubtype(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTOMATION_SUBTYPE_UNSPECIFIED: _ClassVar[AutomationSubtype]
    AUTOMATION_SUBTYPE_CHANGE_REQUEST: _ClassVar[AutomationSubtype]
    AUTOMATION_SUBTYPE_ACCESS_REQUEST: _ClassVar[AutomationSubtype]

class AutomationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTOMATION_TYPE_UNSPECIFIED: _ClassVar[AutomationType]
    AUTOMATION_TYPE_CROSS_ACCOUNT: _ClassVar[AutomationType]
    AUTOMATION_TYPE_LOCAL: _ClassVar[AutomationType]

class CloudProvider(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLOUD_PROVIDER_UNSPECIFIED: _ClassVar[CloudProvider]
    CLOUD_PROVIDER_AWS: _ClassVar[CloudProvider]
    CLOUD_PROVIDER_AZURE: _ClassVar[CloudProvider]
    CLOUD_PROVIDER_GCP: _ClassVar[CloudProvider]

class DocumentFilterKey(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_FILTER_KEY_UNSPECIFIED: _ClassVar[DocumentFilterKey]
    DOCUMENT_FILTER_KEY_NAME: _ClassVar[DocumentFilterKey]
    DOCUMENT_FILTER_KEY_OWNER: _ClassVar[DocumentFilterKey]
    DOCUMENT_FILTER_KEY_PLATFORM_TYPES: _ClassVar[DocumentFilterKey]
    DOCUMENT_FILTER_KEY_DOCUMENT_TYPE: _ClassVar[DocumentFilterKey]

class DocumentFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_FORMAT_UNSPECIFIED: _ClassVar[DocumentFormat]
    DOCUMENT_FORMAT_YAML: _ClassVar[DocumentFormat]
    DOCUMENT_FORMAT_JSON: _ClassVar[DocumentFormat]
    DOCUMENT_FORMAT_TEXT: _ClassVar[DocumentFormat]

class DocumentHashType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_HASH_TYPE_UNSPECIFIED: _ClassVar[DocumentHashType]
    DOCUMENT_HASH_TYPE_SHA256: _ClassVar[DocumentHashType]
    DOCUMENT_HASH_TYPE_SHA1: _ClassVar[DocumentHashType]

class DocumentParameterType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_PARAMETER_TYPE_UNSPECIFIED: _ClassVar[DocumentParameterType]
    DOCUMENT_PARAMETER_TYPE_STRING: _ClassVar[DocumentParameterType]
    DOCUMENT_PARAMETER_TYPE_STRING_LIST: _ClassVar[DocumentParameterType]

class DocumentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_STATUS_UNSPECIFIED: _ClassVar[DocumentStatus]
    DOCUMENT_STATUS_CREATING: _ClassVar[DocumentStatus]
    DOCUMENT_STATUS_ACTIVE: _ClassVar[DocumentStatus]
    DOCUMENT_STATUS_UPDATING: _ClassVar[DocumentStatus]
    DOCUMENT_STATUS_DELETING: _ClassVar[DocumentStatus]
    DOCUMENT_STATUS_FAILED: _ClassVar[DocumentStatus]

class DocumentType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_TYPE_UNSPECIFIED: _ClassVar[DocumentType]
    DOCUMENT_TYPE_COMMAND: _ClassVar[DocumentType]
    DOCUMENT_TYPE_POLICY: _ClassVar[DocumentType]
    DOCUMENT_TYPE_AUTOMATION: _ClassVar[DocumentType]
    DOCUMENT_TYPE_SESSION: _ClassVar[DocumentType]
    DOCUMENT_TYPE_PACKAGE: _ClassVar[DocumentType]
    DOCUMENT_TYPE_APPLICATION_CONFIGURATION: _ClassVar[DocumentType]
    DOCUMENT_TYPE_APPLICATION_CONFIGURATION_SCHEMA: _ClassVar[DocumentType]
    DOCUMENT_TYPE_DEPLOYMENT_STRATEGY: _ClassVar[DocumentType]
    DOCUMENT_TYPE_CHANGE_CALENDAR: _ClassVar[DocumentType]
    DOCUMENT_TYPE_AUTOMATION_CHANGE_TEMPLATE: _ClassVar[DocumentType]
    DOCUMENT_TYPE_PROBLEM_ANALYSIS: _ClassVar[DocumentType]
    DOCUMENT_TYPE_PROBLEM_ANALYSIS_TEMPLATE: _ClassVar[DocumentType]
    DOCUMENT_TYPE_CLOUD_FORMATION: _ClassVar[DocumentType]
    DOCUMENT_TYPE_CONFORMANCE_PACK_TEMPLATE: _ClassVar[DocumentType]
    DOCUMENT_TYPE_QUICK_SETUP: _ClassVar[DocumentType]
    DOCUMENT_TYPE_MANUAL_APPROVAL_POLICY: _ClassVar[DocumentType]
    DOCUMENT_TYPE_AUTO_APPROVAL_POLICY: _ClassVar[DocumentType]

class ExecutionMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXECUTION_MODE_UNSPECIFIED: _ClassVar[ExecutionMode]
    EXECUTION_MODE_AUTO: _ClassVar[ExecutionMode]
    EXECUTION_MODE_INTERACTIVE: _ClassVar[ExecutionMode]

class ExternalAlarmState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXTERNAL_ALARM_STATE_UNSPECIFIED: _ClassVar[ExternalAlarmState]
    EXTERNAL_ALARM_STATE_UNKNOWN: _ClassVar[ExternalAlarmState]
    EXTERNAL_ALARM_STATE_ALARM: _ClassVar[ExternalAlarmState]

class OpsItemDataType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPS_ITEM_DATA_TYPE_UNSPECIFIED: _ClassVar[OpsItemDataType]
    OPS_ITEM_DATA_TYPE_SEARCHABLE_STRING: _ClassVar[OpsItemDataType]
    OPS_ITEM_DATA_TYPE_STRING: _ClassVar[OpsItemDataType]

class OpsItemFilterKey(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPS_ITEM_FILTER_KEY_UNSPECIFIED: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_STATUS: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_CREATED_BY: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_SOURCE: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_PRIORITY: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_TITLE: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_OPS_ITEM_ID: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_CREATED_TIME: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_LAST_MODIFIED_TIME: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_ACTUAL_START_TIME: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_ACTUAL_END_TIME: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_PLANNED_START_TIME: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_PLANNED_END_TIME: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_OPERATIONAL_DATA: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_OPERATIONAL_DATA_KEY: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_OPERATIONAL_DATA_VALUE: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_RESOURCE_ID: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_AUTOMATION_ID: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_CATEGORY: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_SEVERITY: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_OPS_ITEM_TYPE: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_REQUESTER_ARN: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_REQUESTER_ID: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_APPROVER_ARN: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_APPROVER_ID: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_SOURCE_ACCOUNT_ID: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_SOURCE_OPS_ITEM_ID: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_SOURCE_REGION: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_IS_REPLICA: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_TARGET_RESOURCE_ID: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_CHANGE_REQUEST_BY_REQUESTER_ARN: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_CHANGE_REQUEST_BY_REQUESTER_NAME: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_CHANGE_REQUEST_BY_APPROVER_ARN: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_CHANGE_REQUEST_BY_APPROVER_NAME: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_CHANGE_REQUEST_BY_TEMPLATE: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_CHANGE_REQUEST_BY_TARGETS_RESOURCE_GROUP: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_INSIGHT_BY_TYPE: _ClassVar[OpsItemFilterKey]
    OPS_ITEM_FILTER_KEY_ACCOUNT_ID: _ClassVar[OpsItemFilterKey]

class OpsItemFilterOperator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPS_ITEM_FILTER_OPERATOR_UNSPECIFIED: _ClassVar[OpsItemFilterOperator]
    OPS_ITEM_FILTER_OPERATOR_EQUAL: _ClassVar[OpsItemFilterOperator]
    OPS_ITEM_FILTER_OPERATOR_CONTAINS: _ClassVar[OpsItemFilterOperator]
    OPS_ITEM_FILTER_OPERATOR_GREATER_THAN: _ClassVar[OpsItemFilterOperator]
    OPS_ITEM_FILTER_OPERATOR_LESS_THAN: _ClassVar[OpsItemFilterOperator]

class OpsItemRelatedItemsFilterKey(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPS_ITEM_RELATED_ITEMS_FILTER_KEY_UNSPECIFIED: _ClassVar[OpsItemRelatedItemsFilterKey]
    OPS_ITEM_RELATED_ITEMS_FILTER_KEY_RESOURCE_TYPE: _ClassVar[OpsItemRelatedItemsFilterKey]
    OPS_ITEM_RELATED_ITEMS_FILTER_KEY_ASSOCIATION_ID: _ClassVar[OpsItemRelatedItemsFilterKey]
    OPS_ITEM_RELATED_ITEMS_FILTER_KEY_RESOURCE_URI: _ClassVar[OpsItemRelatedItemsFilterKey]

class OpsItemRelatedItemsFilterOperator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPS_ITEM_RELATED_ITEMS_FILTER_OPERATOR_UNSPECIFIED: _ClassVar[OpsItemRelatedItemsFilterOperator]
    OPS_ITEM_RELATED_ITEMS_FILTER_OPERATOR_EQUAL: _ClassVar[OpsItemRelatedItemsFilterOperator]

class OpsItemStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPS_ITEM_STATUS_UNSPECIFIED: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_OPEN: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_IN_PROGRESS: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_RESOLVED: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_PENDING: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_TIMED_OUT: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_CANCELLING: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_CANCELLED: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_FAILED: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_COMPLETED_WITH_SUCCESS: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_COMPLETED_WITH_FAILURE: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_SCHEDULED: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_RUNBOOK_IN_PROGRESS: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_PENDING_CHANGE_CALENDAR_OVERRIDE: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_CHANGE_CALENDAR_OVERRIDE_APPROVED: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_CHANGE_CALENDAR_OVERRIDE_REJECTED: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_PENDING_APPROVAL: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_APPROVED: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_REVOKED: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_REJECTED: _ClassVar[OpsItemStatus]
    OPS_ITEM_STATUS_CLOSED: _ClassVar[OpsItemStatus]

class PlatformType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLATFORM_TYPE_UNSPECIFIED: _ClassVar[PlatformType]
    PLATFORM_TYPE_WINDOWS: _ClassVar[PlatformType]
    PLATFORM_TYPE_LINUX: _ClassVar[PlatformType]
    PLATFORM_TYPE_MAC_OS: _ClassVar[PlatformType]

class ReviewStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_STATUS_UNSPECIFIED: _ClassVar[ReviewStatus]
    REVIEW_STATUS_APPROVED: _ClassVar[ReviewStatus]
    REVIEW_STATUS_NOT_REVIEWED: _ClassVar[ReviewStatus]
    REVIEW_STATUS_PENDING: _ClassVar[ReviewStatus]
    REVIEW_STATUS_REJECTED: _ClassVar[ReviewStatus]

class SignalType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGNAL_TYPE_UNSPECIFIED: _ClassVar[SignalType]
    SIGNAL_TYPE_APPROVE: _ClassVar[SignalType]
    SIGNAL_TYPE_REJECT: _ClassVar[SignalType]
    SIGNAL_TYPE_START_STEP: _ClassVar[SignalType]
    SIGNAL_TYPE_STOP_STEP: _ClassVar[SignalType]
    SIGNAL_TYPE_RESUME: _ClassVar[SignalType]
    SIGNAL_TYPE_REVOKE: _ClassVar[SignalType]

class StepExecutionFilterKey(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STEP_EXECUTION_FILTER_KEY_UNSPECIFIED: _ClassVar[StepExecutionFilterKey]
    STEP_EXECUTION_FILTER_KEY_START_TIME_BEFORE: _ClassVar[StepExecutionFilterKey]
    STEP_EXECUTION_FILTER_KEY_START_TIME_AFTER: _ClassVar[StepExecutionFilterKey]
    STEP_EXECUTION_FILTER_KEY_STEP_EXECUTION_STATUS: _ClassVar[StepExecutionFilterKey]
    STEP_EXECUTION_FILTER_KEY_STEP_EXECUTION_ID: _ClassVar[StepExecutionFilterKey]
    STEP_EXECUTION_FILTER_KEY_STEP_NAME: _ClassVar[StepExecutionFilterKey]
    STEP_EXECUTION_FILTER_KEY_ACTION: _ClassVar[StepExecutionFilterKey]
    STEP_EXECUTION_FILTER_KEY_PARENT_STEP_EXECUTION_ID: _ClassVar[StepExecutionFilterKey]
    STEP_EXECUTION_FILTER_KEY_PARENT_STEP_ITERATION: _ClassVar[StepExecutionFilterKey]
    STEP_EXECUTION_FILTER_KEY_PARENT_STEP_ITERATOR_VALUE: _ClassVar[StepExecutionFilterKey]

class StopType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STOP_TYPE_UNSPECIFIED: _ClassVar[StopType]
    STOP_TYPE_COMPLETE: _ClassVar[StopType]
    STOP_TYPE_CANCEL: _ClassVar[StopType]
ATTACHMENT_HASH_TYPE_UNSPECIFIED: AttachmentHashType
ATTACHMENT_HASH_TYPE_SHA256: AttachmentHashType
ATTACHMENTS_SOURCE_KEY_UNSPECIFIED: AttachmentsSourceKey
ATTACHMENTS_SOURCE_KEY_SOURCE_URL: AttachmentsSourceKey
ATTACHMENTS_SOURCE_KEY_S3_FILE_URL: AttachmentsSourceKey
ATTACHMENTS_SOURCE_KEY_ATTACHMENT_REFERENCE: AttachmentsSourceKey
AUTOMATION_EXECUTION_FILTER_KEY_UNSPECIFIED: AutomationExecutionFilterKey
AUTOMATION_EXECUTION_FILTER_KEY_DOCUMENT_NAME_PREFIX: AutomationExecutionFilterKey
AUTOMATION_EXECUTION_FILTER_KEY_EXECUTION_STATUS: AutomationExecutionFilterKey
AUTOMATION_EXECUTION_FILTER_KEY_EXECUTION_ID: AutomationExecutionFilterKey
AUTOMATION_EXECUTION_FILTER_KEY_PARENT_EXECUTION_ID: AutomationExecutionFilterKey
AUTOMATION_EXECUTION_FILTER_KEY_CURRENT_ACTION: AutomationExecutionFilterKey
AUTOMATION_EXECUTION_FILTER_KEY_START_TIME_BEFORE: AutomationExecutionFilterKey
AUTOMATION_EXECUTION_FILTER_KEY_START_TIME_AFTER: AutomationExecutionFilterKey
AUTOMATION_EXECUTION_FILTER_KEY_AUTOMATION_TYPE: AutomationExecutionFilterKey
AUTOMATION_EXECUTION_FILTER_KEY_TAG_KEY: AutomationExecutionFilterKey
AUTOMATION_EXECUTION_FILTER_KEY_TARGET_RESOURCE_GROUP: AutomationExecutionFilterKey
AUTOMATION_EXECUTION_FILTER_KEY_AUTOMATION_SUBTYPE: AutomationExecutionFilterKey
AUTOMATION_EXECUTION_FILTER_KEY_OPS_ITEM_ID: AutomationExecutionFilterKey
AUTOMATION_EXECUTION_STATUS_UNSPECIFIED: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_PENDING: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_IN_PROGRESS: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_WAITING: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_SUCCESS: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_TIMED_OUT: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_CANCELLING: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_CANCELLED: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_FAILED: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_PENDING_APPROVAL: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_APPROVED: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_REJECTED: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_SCHEDULED: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_RUNBOOK_IN_PROGRESS: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_PENDING_CHANGE_CALENDAR_OVERRIDE: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_CHANGE_CALENDAR_OVERRIDE_APPROVED: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_CHANGE_CALENDAR_OVERRIDE_REJECTED: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_COMPLETED_WITH_SUCCESS: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_COMPLETED_WITH_FAILURE: AutomationExecutionStatus
AUTOMATION_EXECUTION_STATUS_EXITED: AutomationExecutionStatus
AUTOMATION_SUBTYPE_UNSPECIFIED: AutomationSubtype
AUTOMATION_SUBTYPE_CHANGE_REQUEST: AutomationSubtype
AUTOMATION_SUBTYPE_ACCESS_REQUEST: AutomationSubtype
AUTOMATION_TYPE_UNSPECIFIED: AutomationType
AUTOMATION_TYPE_CROSS_ACCOUNT: AutomationType
AUTOMATION_TYPE_LOCAL: AutomationType
CLOUD_PROVIDER_UNSPECIFIED: CloudProvider
CLOUD_PROVIDER_AWS: CloudProvider
CLOUD_PROVIDER_AZURE: CloudProvider
CLOUD_PROVIDER_GCP: CloudProvider
DOCUMENT_FILTER_KEY_UNSPECIFIED: DocumentFilterKey
DOCUMENT_FILTER_KEY_NAME: DocumentFilterKey
DOCUMENT_FILTER_KEY_OWNER: DocumentFilterKey
DOCUMENT_FILTER_KEY_PLATFORM_TYPES: DocumentFilterKey
DOCUMENT_FILTER_KEY_DOCUMENT_TYPE: DocumentFilterKey
DOCUMENT_FORMAT_UNSPECIFIED: DocumentFormat
DOCUMENT_FORMAT_YAML: DocumentFormat
DOCUMENT_FORMAT_JSON: DocumentFormat
DOCUMENT_FORMAT_TEXT: DocumentFormat
DOCUMENT_HASH_TYPE_UNSPECIFIED: DocumentHashType
DOCUMENT_HASH_TYPE_SHA256: DocumentHashType
DOCUMENT_HASH_TYPE_SHA1: DocumentHashType
DOCUMENT_PARAMETER_TYPE_UNSPECIFIED: DocumentParameterType
DOCUMENT_PARAMETER_TYPE_STRING: DocumentParameterType
DOCUMENT_PARAMETER_TYPE_STRING_LIST: DocumentParameterType
DOCUMENT_STATUS_UNSPECIFIED: DocumentStatus
DOCUMENT_STATUS_CREATING: DocumentStatus
DOCUMENT_STATUS_ACTIVE: DocumentStatus
DOCUMENT_STATUS_UPDATING: DocumentStatus
DOCUMENT_STATUS_DELETING: DocumentStatus
DOCUMENT_STATUS_FAILED: DocumentStatus
DOCUMENT_TYPE_UNSPECIFIED: DocumentType
DOCUMENT_TYPE_COMMAND: DocumentType
DOCUMENT_TYPE_POLICY: DocumentType
DOCUMENT_TYPE_AUTOMATION: DocumentType
DOCUMENT_TYPE_SESSION: DocumentType
DOCUMENT_TYPE_PACKAGE: DocumentType
DOCUMENT_TYPE_APPLICATION_CONFIGURATION: DocumentType
DOCUMENT_TYPE_APPLICATION_CONFIGURATION_SCHEMA: DocumentType
DOCUMENT_TYPE_DEPLOYMENT_STRATEGY: DocumentType
DOCUMENT_TYPE_CHANGE_CALENDAR: DocumentType
DOCUMENT_TYPE_AUTOMATION_CHANGE_TEMPLATE: DocumentType
DOCUMENT_TYPE_PROBLEM_ANALYSIS: DocumentType
DOCUMENT_TYPE_PROBLEM_ANALYSIS_TEMPLATE: DocumentType
DOCUMENT_TYPE_CLOUD_FORMATION: DocumentType
DOCUMENT_TYPE_CONFORMANCE_PACK_TEMPLATE: DocumentType
DOCUMENT_TYPE_QUICK_SETUP: DocumentType
DOCUMENT_TYPE_MANUAL_APPROVAL_POLICY: DocumentType
DOCUMENT_TYPE_AUTO_APPROVAL_POLICY: DocumentType
EXECUTION_MODE_UNSPECIFIED: ExecutionMode
EXECUTION_MODE_AUTO: ExecutionMode
EXECUTION_MODE_INTERACTIVE: ExecutionMode
EXTERNAL_ALARM_STATE_UNSPECIFIED: ExternalAlarmState
EXTERNAL_ALARM_STATE_UNKNOWN: ExternalAlarmState
EXTERNAL_ALARM_STATE_ALARM: ExternalAlarmState
OPS_ITEM_DATA_TYPE_UNSPECIFIED: OpsItemDataType
OPS_ITEM_DATA_TYPE_SEARCHABLE_STRING: OpsItemDataType
OPS_ITEM_DATA_TYPE_STRING: OpsItemDataType
OPS_ITEM_FILTER_KEY_UNSPECIFIED: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_STATUS: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_CREATED_BY: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_SOURCE: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_PRIORITY: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_TITLE: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_OPS_ITEM_ID: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_CREATED_TIME: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_LAST_MODIFIED_TIME: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_ACTUAL_START_TIME: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_ACTUAL_END_TIME: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_PLANNED_START_TIME: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_PLANNED_END_TIME: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_OPERATIONAL_DATA: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_OPERATIONAL_DATA_KEY: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_OPERATIONAL_DATA_VALUE: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_RESOURCE_ID: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_AUTOMATION_ID: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_CATEGORY: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_SEVERITY: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_OPS_ITEM_TYPE: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_REQUESTER_ARN: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_REQUESTER_ID: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_APPROVER_ARN: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_APPROVER_ID: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_SOURCE_ACCOUNT_ID: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_SOURCE_OPS_ITEM_ID: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_SOURCE_REGION: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_IS_REPLICA: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_ACCESS_REQUEST_BY_TARGET_RESOURCE_ID: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_CHANGE_REQUEST_BY_REQUESTER_ARN: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_CHANGE_REQUEST_BY_REQUESTER_NAME: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_CHANGE_REQUEST_BY_APPROVER_ARN: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_CHANGE_REQUEST_BY_APPROVER_NAME: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_CHANGE_REQUEST_BY_TEMPLATE: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_CHANGE_REQUEST_BY_TARGETS_RESOURCE_GROUP: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_INSIGHT_BY_TYPE: OpsItemFilterKey
OPS_ITEM_FILTER_KEY_ACCOUNT_ID: OpsItemFilterKey
OPS_ITEM_FILTER_OPERATOR_UNSPECIFIED: OpsItemFilterOperator
OPS_ITEM_FILTER_OPERATOR_EQUAL: OpsItemFilterOperator
OPS_ITEM_FILTER_OPERATOR_CONTAINS: OpsItemFilterOperator
OPS_ITEM_FILTER_OPERATOR_GREATER_THAN: OpsItemFilterOperator
OPS_ITEM_FILTER_OPERATOR_LESS_THAN: OpsItemFilterOperator
OPS_ITEM_RELATED_ITEMS_FILTER_KEY_UNSPECIFIED: OpsItemRelatedItemsFilterKey
OPS_ITEM_RELATED_ITEMS_FILTER_KEY_RESOURCE_TYPE: OpsItemRelatedItemsFilterKey
OPS_ITEM_RELATED_ITEMS_FILTER_KEY_ASSOCIATION_ID: OpsItemRelatedItemsFilterKey
OPS_ITEM_RELATED_ITEMS_FILTER_KEY_RESOURCE_URI: OpsItemRelatedItemsFilterKey
OPS_ITEM_RELATED_ITEMS_FILTER_OPERATOR_UNSPECIFIED: OpsItemRelatedItemsFilterOperator
OPS_ITEM_RELATED_ITEMS_FILTER_OPERATOR_EQUAL: OpsItemRelatedItemsFilterOperator
OPS_ITEM_STATUS_UNSPECIFIED: OpsItemStatus
OPS_ITEM_STATUS_OPEN: OpsItemStatus
OPS_ITEM_STATUS_IN_PROGRESS: OpsItemStatus
OPS_ITEM_STATUS_RESOLVED: OpsItemStatus
OPS_ITEM_STATUS_PENDING: OpsItemStatus
OPS_ITEM_STATUS_TIMED_OUT: OpsItemStatus
OPS_ITEM_STATUS_CANCELLING: OpsItemStatus
OPS_ITEM_STATUS_CANCELLED: OpsItemStatus
OPS_ITEM_STATUS_FAILED: OpsItemStatus
OPS_ITEM_STATUS_COMPLETED_WITH_SUCCESS: OpsItemStatus
OPS_ITEM_STATUS_COMPLETED_WITH_FAILURE: OpsItemStatus
OPS_ITEM_STATUS_SCHEDULED: OpsItemStatus
OPS_ITEM_STATUS_RUNBOOK_IN_PROGRESS: OpsItemStatus
OPS_ITEM_STATUS_PENDING_CHANGE_CALENDAR_OVERRIDE: OpsItemStatus
OPS_ITEM_STATUS_CHANGE_CALENDAR_OVERRIDE_APPROVED: OpsItemStatus
OPS_ITEM_STATUS_CHANGE_CALENDAR_OVERRIDE_REJECTED: OpsItemStatus
OPS_ITEM_STATUS_PENDING_APPROVAL: OpsItemStatus
OPS_ITEM_STATUS_APPROVED: OpsItemStatus
OPS_ITEM_STATUS_REVOKED: OpsItemStatus
OPS_ITEM_STATUS_REJECTED: OpsItemStatus
OPS_ITEM_STATUS_CLOSED: OpsItemStatus
PLATFORM_TYPE_UNSPECIFIED: PlatformType
PLATFORM_TYPE_WINDOWS: PlatformType
PLATFORM_TYPE_LINUX: PlatformType
PLATFORM_TYPE_MAC_OS: PlatformType
REVIEW_STATUS_UNSPECIFIED: ReviewStatus
REVIEW_STATUS_APPROVED: ReviewStatus
REVIEW_STATUS_NOT_REVIEWED: ReviewStatus
REVIEW_STATUS_PENDING: ReviewStatus
REVIEW_STATUS_REJECTED: ReviewStatus
SIGNAL_TYPE_UNSPECIFIED: SignalType
SIGNAL_TYPE_APPROVE: SignalType
SIGNAL_TYPE_REJECT: SignalType
SIGNAL_TYPE_START_STEP: SignalType
SIGNAL_TYPE_STOP_STEP: SignalType
SIGNAL_TYPE_RESUME: SignalType
SIGNAL_TYPE_REVOKE: SignalType
STEP_EXECUTION_FILTER_KEY_UNSPECIFIED: StepExecutionFilterKey
STEP_EXECUTION_FILTER_KEY_START_TIME_BEFORE: StepExecutionFilterKey
STEP_EXECUTION_FILTER_KEY_START_TIME_AFTER: StepExecutionFilterKey
STEP_EXECUTION_FILTER_KEY_STEP_EXECUTION_STATUS: StepExecutionFilterKey
STEP_EXECUTION_FILTER_KEY_STEP_EXECUTION_ID: StepExecutionFilterKey
STEP_EXECUTION_FILTER_KEY_STEP_NAME: StepExecutionFilterKey
STEP_EXECUTION_FILTER_KEY_ACTION: StepExecutionFilterKey
STEP_EXECUTION_FILTER_KEY_PARENT_STEP_EXECUTION_ID: StepExecutionFilterKey
STEP_EXECUTION_FILTER_KEY_PARENT_STEP_ITERATION: StepExecutionFilterKey
STEP_EXECUTION_FILTER_KEY_PARENT_STEP_ITERATOR_VALUE: StepExecutionFilterKey
STOP_TYPE_UNSPECIFIED: StopType
STOP_TYPE_COMPLETE: StopType
STOP_TYPE_CANCEL: StopType

class AssociateOpsItemRelatedItemRequest(_message.Message):
    __slots__ = ("ops_item_id", "association_type", "resource_type", "resource_uri")
    OPS_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ASSOCIATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_URI_FIELD_NUMBER: _ClassVar[int]
    ops_item_id: str
    association_type: str
    resource_type: str
    resource_uri: str
    def __init__(self, ops_item_id: _Optional[str] = ..., association_type: _Optional[str] = ..., resource_type: _Optional[str] = ..., resource_uri: _Optional[str] = ...) -> None: ...

class AssociateOpsItemRelatedItemResponse(_message.Message):
    __slots__ = ("association_id",)
    ASSOCIATION_ID_FIELD_NUMBER: _ClassVar[int]
    association_id: str
    def __init__(self, association_id: _Optional[str] = ...) -> None: ...

class CreateDocumentRequest(_message.Message):
    __slots__ = ("content", "requires", "attachments", "name", "display_name", "version_name", "document_type", "document_format", "target_type", "tags", "cloud_providers")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    TARGET_TYPE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    CLOUD_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    content: str
    requires: _containers.RepeatedCompositeFieldContainer[DocumentRequires]
    attachments: _containers.RepeatedCompositeFieldContainer[AttachmentsSource]
    name: str
    display_name: str
    version_name: str
    document_type: DocumentType
    document_format: DocumentFormat
    target_type: str
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    cloud_providers: _containers.RepeatedScalarFieldContainer[CloudProvider]
    def __init__(self, content: _Optional[str] = ..., requires: _Optional[_Iterable[_Union[DocumentRequires, _Mapping]]] = ..., attachments: _Optional[_Iterable[_Union[AttachmentsSource, _Mapping]]] = ..., name: _Optional[str] = ..., display_name: _Optional[str] = ..., version_name: _Optional[str] = ..., document_type: _Optional[_Union[DocumentType, str]] = ..., document_format: _Optional[_Union[DocumentFormat, str]] = ..., target_type: _Optional[str] = ..., tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ..., cloud_providers: _Optional[_Iterable[_Union[CloudProvider, str]]] = ...) -> None: ...

class CreateDocumentResponse(_message.Message):
    __slots__ = ("document_description",)
    DOCUMENT_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    document_description: DocumentDescription
    def __init__(self, document_description: _Optional[_Union[DocumentDescription, _Mapping]] = ...) -> None: ...

class CreateOpsItemRequest(_message.Message):
    __slots__ = ("description", "ops_item_type", "operational_data", "notifications", "priority", "related_ops_items", "source", "title", "tags", "category", "severity", "actual_start_time", "actual_end_time", "planned_start_time", "planned_end_time", "account_id")
    class OperationalDataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: OpsItemDataValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[OpsItemDataValue, _Mapping]] = ...) -> None: ...
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_TYPE_FIELD_NUMBER: _ClassVar[int]
    OPERATIONAL_DATA_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    RELATED_OPS_ITEMS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_START_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_END_TIME_FIELD_NUMBER: _ClassVar[int]
    PLANNED_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PLANNED_END_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    description: str
    ops_item_type: str
    operational_data: _containers.MessageMap[str, OpsItemDataValue]
    notifications: _containers.RepeatedCompositeFieldContainer[OpsItemNotification]
    priority: int
    related_ops_items: _containers.RepeatedCompositeFieldContainer[RelatedOpsItem]
    source: str
    title: str
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    category: str
    severity: str
    actual_start_time: _timestamp_pb2.Timestamp
    actual_end_time: _timestamp_pb2.Timestamp
    planned_start_time: _timestamp_pb2.Timestamp
    planned_end_time: _timestamp_pb2.Timestamp
    account_id: str
    def __init__(self, description: _Optional[str] = ..., ops_item_type: _Optional[str] = ..., operational_data: _Optional[_Mapping[str, OpsItemDataValue]] = ..., notifications: _Optional[_Iterable[_Union[OpsItemNotification, _Mapping]]] = ..., priority: _Optional[int] = ..., related_ops_items: _Optional[_Iterable[_Union[RelatedOpsItem, _Mapping]]] = ..., source: _Optional[str] = ..., title: _Optional[str] = ..., tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ..., category: _Optional[str] = ..., severity: _Optional[str] = ..., actual_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actual_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., account_id: _Optional[str] = ...) -> None: ...

class CreateOpsItemResponse(_message.Message):
    __slots__ = ("ops_item_id", "ops_item_arn")
    OPS_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_ARN_FIELD_NUMBER: _ClassVar[int]
    ops_item_id: str
    ops_item_arn: str
    def __init__(self, ops_item_id: _Optional[str] = ..., ops_item_arn: _Optional[str] = ...) -> None: ...

class DeleteDocumentRequest(_message.Message):
    __slots__ = ("name", "document_version", "version_name", "force")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    VERSION_NAME_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    name: str
    document_version: str
    version_name: str
    force: bool
    def __init__(self, name: _Optional[str] = ..., document_version: _Optional[str] = ..., version_name: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class DeleteDocumentResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DescribeAutomationExecutionsRequest(_message.Message):
    __slots__ = ("filters", "max_results", "next_token")
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filters: _containers.RepeatedCompositeFieldContainer[AutomationExecutionFilter]
    max_results: int
    next_token: str
    def __init__(self, filters: _Optional[_Iterable[_Union[AutomationExecutionFilter, _Mapping]]] = ..., max_results: _Optional[int] = ..., next_token: _Optional[str] = ...) -> None: ...

class DescribeAutomationExecutionsResponse(_message.Message):
    __slots__ = ("automation_execution_metadata_list", "next_token")
    AUTOMATION_EXECUTION_METADATA_LIST_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    automation_execution_metadata_list: _containers.RepeatedCompositeFieldContainer[AutomationExecutionMetadata]
    next_token: str
    def __init__(self, automation_execution_metadata_list: _Optional[_Iterable[_Union[AutomationExecutionMetadata, _Mapping]]] = ..., next_token: _Optional[str] = ...) -> None: ...

class DescribeAutomationStepExecutionsRequest(_message.Message):
    __slots__ = ("automation_execution_id", "filters", "next_token", "max_results", "reverse_order")
    AUTOMATION_EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    REVERSE_ORDER_FIELD_NUMBER: _ClassVar[int]
    automation_execution_id: str
    filters: _containers.RepeatedCompositeFieldContainer[StepExecutionFilter]
    next_token: str
    max_results: int
    reverse_order: bool
    def __init__(self, automation_execution_id: _Optional[str] = ..., filters: _Optional[_Iterable[_Union[StepExecutionFilter, _Mapping]]] = ..., next_token: _Optional[str] = ..., max_results: _Optional[int] = ..., reverse_order: _Optional[bool] = ...) -> None: ...

class DescribeAutomationStepExecutionsResponse(_message.Message):
    __slots__ = ("step_executions", "next_token")
    STEP_EXECUTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    step_executions: _containers.RepeatedCompositeFieldContainer[StepExecution]
    next_token: str
    def __init__(self, step_executions: _Optional[_Iterable[_Union[StepExecution, _Mapping]]] = ..., next_token: _Optional[str] = ...) -> None: ...

class DescribeDocumentRequest(_message.Message):
    __slots__ = ("name", "document_version", "version_name")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    VERSION_NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    document_version: str
    version_name: str
    def __init__(self, name: _Optional[str] = ..., document_version: _Optional[str] = ..., version_name: _Optional[str] = ...) -> None: ...

class DescribeDocumentResponse(_message.Message):
    __slots__ = ("document",)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: DocumentDescription
    def __init__(self, document: _Optional[_Union[DocumentDescription, _Mapping]] = ...) -> None: ...

class DescribeOpsItemsRequest(_message.Message):
    __slots__ = ("ops_item_filters", "max_results", "next_token")
    OPS_ITEM_FILTERS_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ops_item_filters: _containers.RepeatedCompositeFieldContainer[OpsItemFilter]
    max_results: int
    next_token: str
    def __init__(self, ops_item_filters: _Optional[_Iterable[_Union[OpsItemFilter, _Mapping]]] = ..., max_results: _Optional[int] = ..., next_token: _Optional[str] = ...) -> None: ...

class DescribeOpsItemsResponse(_message.Message):
    __slots__ = ("next_token", "ops_item_summaries")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    ops_item_summaries: _containers.RepeatedCompositeFieldContainer[OpsItemSummary]
    def __init__(self, next_token: _Optional[str] = ..., ops_item_summaries: _Optional[_Iterable[_Union[OpsItemSummary, _Mapping]]] = ...) -> None: ...

class GetAutomationExecutionRequest(_message.Message):
    __slots__ = ("automation_execution_id",)
    AUTOMATION_EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    automation_execution_id: str
    def __init__(self, automation_execution_id: _Optional[str] = ...) -> None: ...

class GetAutomationExecutionResponse(_message.Message):
    __slots__ = ("automation_execution",)
    AUTOMATION_EXECUTION_FIELD_NUMBER: _ClassVar[int]
    automation_execution: AutomationExecution
    def __init__(self, automation_execution: _Optional[_Union[AutomationExecution, _Mapping]] = ...) -> None: ...

class GetDocumentRequest(_message.Message):
    __slots__ = ("name", "version_name", "document_version", "document_format")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    name: str
    version_name: str
    document_version: str
    document_format: DocumentFormat
    def __init__(self, name: _Optional[str] = ..., version_name: _Optional[str] = ..., document_version: _Optional[str] = ..., document_format: _Optional[_Union[DocumentFormat, str]] = ...) -> None: ...

class GetDocumentResponse(_message.Message):
    __slots__ = ("name", "created_date", "display_name", "version_name", "document_version", "status", "status_information", "content", "document_type", "document_format", "requires", "attachments_content", "review_status")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_INFORMATION_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_CONTENT_FIELD_NUMBER: _ClassVar[int]
    REVIEW_STATUS_FIELD_NUMBER: _ClassVar[int]
    name: str
    created_date: _timestamp_pb2.Timestamp
    display_name: str
    version_name: str
    document_version: str
    status: DocumentStatus
    status_information: str
    content: str
    document_type: DocumentType
    document_format: DocumentFormat
    requires: _containers.RepeatedCompositeFieldContainer[DocumentRequires]
    attachments_content: _containers.RepeatedCompositeFieldContainer[AttachmentContent]
    review_status: ReviewStatus
    def __init__(self, name: _Optional[str] = ..., created_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., display_name: _Optional[str] = ..., version_name: _Optional[str] = ..., document_version: _Optional[str] = ..., status: _Optional[_Union[DocumentStatus, str]] = ..., status_information: _Optional[str] = ..., content: _Optional[str] = ..., document_type: _Optional[_Union[DocumentType, str]] = ..., document_format: _Optional[_Union[DocumentFormat, str]] = ..., requires: _Optional[_Iterable[_Union[DocumentRequires, _Mapping]]] = ..., attachments_content: _Optional[_Iterable[_Union[AttachmentContent, _Mapping]]] = ..., review_status: _Optional[_Union[ReviewStatus, str]] = ...) -> None: ...

class GetOpsItemRequest(_message.Message):
    __slots__ = ("ops_item_id", "ops_item_arn")
    OPS_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_ARN_FIELD_NUMBER: _ClassVar[int]
    ops_item_id: str
    ops_item_arn: str
    def __init__(self, ops_item_id: _Optional[str] = ..., ops_item_arn: _Optional[str] = ...) -> None: ...

class GetOpsItemResponse(_message.Message):
    __slots__ = ("ops_item",)
    OPS_ITEM_FIELD_NUMBER: _ClassVar[int]
    ops_item: OpsItem
    def __init__(self, ops_item: _Optional[_Union[OpsItem, _Mapping]] = ...) -> None: ...

class ListDocumentVersionsRequest(_message.Message):
    __slots__ = ("name", "max_results", "next_token")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    name: str
    max_results: int
    next_token: str
    def __init__(self, name: _Optional[str] = ..., max_results: _Optional[int] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListDocumentVersionsResponse(_message.Message):
    __slots__ = ("document_versions", "next_token")
    DOCUMENT_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    document_versions: _containers.RepeatedCompositeFieldContainer[DocumentVersionInfo]
    next_token: str
    def __init__(self, document_versions: _Optional[_Iterable[_Union[DocumentVersionInfo, _Mapping]]] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListDocumentsRequest(_message.Message):
    __slots__ = ("document_filter_list", "filters", "max_results", "next_token")
    DOCUMENT_FILTER_LIST_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    document_filter_list: _containers.RepeatedCompositeFieldContainer[DocumentFilter]
    filters: _containers.RepeatedCompositeFieldContainer[DocumentKeyValuesFilter]
    max_results: int
    next_token: str
    def __init__(self, document_filter_list: _Optional[_Iterable[_Union[DocumentFilter, _Mapping]]] = ..., filters: _Optional[_Iterable[_Union[DocumentKeyValuesFilter, _Mapping]]] = ..., max_results: _Optional[int] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListDocumentsResponse(_message.Message):
    __slots__ = ("document_identifiers", "next_token")
    DOCUMENT_IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    document_identifiers: _containers.RepeatedCompositeFieldContainer[DocumentIdentifier]
    next_token: str
    def __init__(self, document_identifiers: _Optional[_Iterable[_Union[DocumentIdentifier, _Mapping]]] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListOpsItemRelatedItemsRequest(_message.Message):
    __slots__ = ("ops_item_id", "filters", "max_results", "next_token")
    OPS_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ops_item_id: str
    filters: _containers.RepeatedCompositeFieldContainer[OpsItemRelatedItemsFilter]
    max_results: int
    next_token: str
    def __init__(self, ops_item_id: _Optional[str] = ..., filters: _Optional[_Iterable[_Union[OpsItemRelatedItemsFilter, _Mapping]]] = ..., max_results: _Optional[int] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListOpsItemRelatedItemsResponse(_message.Message):
    __slots__ = ("next_token", "summaries")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    summaries: _containers.RepeatedCompositeFieldContainer[OpsItemRelatedItemSummary]
    def __init__(self, next_token: _Optional[str] = ..., summaries: _Optional[_Iterable[_Union[OpsItemRelatedItemSummary, _Mapping]]] = ...) -> None: ...

class SendAutomationSignalRequest(_message.Message):
    __slots__ = ("automation_execution_id", "signal_type", "payload")
    class PayloadEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: AutomationParameterValueList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AutomationParameterValueList, _Mapping]] = ...) -> None: ...
    AUTOMATION_EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    automation_execution_id: str
    signal_type: SignalType
    payload: _containers.MessageMap[str, AutomationParameterValueList]
    def __init__(self, automation_execution_id: _Optional[str] = ..., signal_type: _Optional[_Union[SignalType, str]] = ..., payload: _Optional[_Mapping[str, AutomationParameterValueList]] = ...) -> None: ...

class SendAutomationSignalResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StartAutomationExecutionRequest(_message.Message):
    __slots__ = ("document_name", "document_version", "parameters", "client_token", "mode", "target_parameter_name", "targets", "target_maps", "max_concurrency", "max_errors", "target_locations", "tags", "alarm_configuration", "target_locations_url")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: AutomationParameterValueList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AutomationParameterValueList, _Mapping]] = ...) -> None: ...
    DOCUMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    TARGET_PARAMETER_NAME_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    TARGET_MAPS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    MAX_ERRORS_FIELD_NUMBER: _ClassVar[int]
    TARGET_LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ALARM_CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    TARGET_LOCATIONS_URL_FIELD_NUMBER: _ClassVar[int]
    document_name: str
    document_version: str
    parameters: _containers.MessageMap[str, AutomationParameterValueList]
    client_token: str
    mode: ExecutionMode
    target_parameter_name: str
    targets: _containers.RepeatedCompositeFieldContainer[Target]
    target_maps: _containers.RepeatedCompositeFieldContainer[TargetMap]
    max_concurrency: str
    max_errors: str
    target_locations: _containers.RepeatedCompositeFieldContainer[TargetLocation]
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    alarm_configuration: AlarmConfiguration
    target_locations_url: str
    def __init__(self, document_name: _Optional[str] = ..., document_version: _Optional[str] = ..., parameters: _Optional[_Mapping[str, AutomationParameterValueList]] = ..., client_token: _Optional[str] = ..., mode: _Optional[_Union[ExecutionMode, str]] = ..., target_parameter_name: _Optional[str] = ..., targets: _Optional[_Iterable[_Union[Target, _Mapping]]] = ..., target_maps: _Optional[_Iterable[_Union[TargetMap, _Mapping]]] = ..., max_concurrency: _Optional[str] = ..., max_errors: _Optional[str] = ..., target_locations: _Optional[_Iterable[_Union[TargetLocation, _Mapping]]] = ..., tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ..., alarm_configuration: _Optional[_Union[AlarmConfiguration, _Mapping]] = ..., target_locations_url: _Optional[str] = ...) -> None: ...

class StartAutomationExecutionResponse(_message.Message):
    __slots__ = ("automation_execution_id",)
    AUTOMATION_EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    automation_execution_id: str
    def __init__(self, automation_execution_id: _Optional[str] = ...) -> None: ...

class StopAutomationExecutionRequest(_message.Message):
    __slots__ = ("automation_execution_id", "type")
    AUTOMATION_EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    automation_execution_id: str
    type: StopType
    def __init__(self, automation_execution_id: _Optional[str] = ..., type: _Optional[_Union[StopType, str]] = ...) -> None: ...

class StopAutomationExecutionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateDocumentRequest(_message.Message):
    __slots__ = ("content", "attachments", "name", "display_name", "version_name", "document_version", "document_format", "target_type", "cloud_providers")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    TARGET_TYPE_FIELD_NUMBER: _ClassVar[int]
    CLOUD_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    content: str
    attachments: _containers.RepeatedCompositeFieldContainer[AttachmentsSource]
    name: str
    display_name: str
    version_name: str
    document_version: str
    document_format: DocumentFormat
    target_type: str
    cloud_providers: _containers.RepeatedScalarFieldContainer[CloudProvider]
    def __init__(self, content: _Optional[str] = ..., attachments: _Optional[_Iterable[_Union[AttachmentsSource, _Mapping]]] = ..., name: _Optional[str] = ..., display_name: _Optional[str] = ..., version_name: _Optional[str] = ..., document_version: _Optional[str] = ..., document_format: _Optional[_Union[DocumentFormat, str]] = ..., target_type: _Optional[str] = ..., cloud_providers: _Optional[_Iterable[_Union[CloudProvider, str]]] = ...) -> None: ...

class UpdateDocumentResponse(_message.Message):
    __slots__ = ("document_description",)
    DOCUMENT_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    document_description: DocumentDescription
    def __init__(self, document_description: _Optional[_Union[DocumentDescription, _Mapping]] = ...) -> None: ...

class UpdateDocumentDefaultVersionRequest(_message.Message):
    __slots__ = ("name", "document_version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    document_version: str
    def __init__(self, name: _Optional[str] = ..., document_version: _Optional[str] = ...) -> None: ...

class UpdateDocumentDefaultVersionResponse(_message.Message):
    __slots__ = ("description",)
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    description: DocumentDefaultVersionDescription
    def __init__(self, description: _Optional[_Union[DocumentDefaultVersionDescription, _Mapping]] = ...) -> None: ...

class UpdateOpsItemRequest(_message.Message):
    __slots__ = ("description", "operational_data", "operational_data_to_delete", "notifications", "priority", "related_ops_items", "status", "ops_item_id", "title", "category", "severity", "actual_start_time", "actual_end_time", "planned_start_time", "planned_end_time", "ops_item_arn")
    class OperationalDataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: OpsItemDataValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[OpsItemDataValue, _Mapping]] = ...) -> None: ...
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OPERATIONAL_DATA_FIELD_NUMBER: _ClassVar[int]
    OPERATIONAL_DATA_TO_DELETE_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    RELATED_OPS_ITEMS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_START_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_END_TIME_FIELD_NUMBER: _ClassVar[int]
    PLANNED_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PLANNED_END_TIME_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_ARN_FIELD_NUMBER: _ClassVar[int]
    description: str
    operational_data: _containers.MessageMap[str, OpsItemDataValue]
    operational_data_to_delete: _containers.RepeatedScalarFieldContainer[str]
    notifications: _containers.RepeatedCompositeFieldContainer[OpsItemNotification]
    priority: int
    related_ops_items: _containers.RepeatedCompositeFieldContainer[RelatedOpsItem]
    status: OpsItemStatus
    ops_item_id: str
    title: str
    category: str
    severity: str
    actual_start_time: _timestamp_pb2.Timestamp
    actual_end_time: _timestamp_pb2.Timestamp
    planned_start_time: _timestamp_pb2.Timestamp
    planned_end_time: _timestamp_pb2.Timestamp
    ops_item_arn: str
    def __init__(self, description: _Optional[str] = ..., operational_data: _Optional[_Mapping[str, OpsItemDataValue]] = ..., operational_data_to_delete: _Optional[_Iterable[str]] = ..., notifications: _Optional[_Iterable[_Union[OpsItemNotification, _Mapping]]] = ..., priority: _Optional[int] = ..., related_ops_items: _Optional[_Iterable[_Union[RelatedOpsItem, _Mapping]]] = ..., status: _Optional[_Union[OpsItemStatus, str]] = ..., ops_item_id: _Optional[str] = ..., title: _Optional[str] = ..., category: _Optional[str] = ..., severity: _Optional[str] = ..., actual_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actual_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ops_item_arn: _Optional[str] = ...) -> None: ...

class UpdateOpsItemResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Alarm(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class AlarmConfiguration(_message.Message):
    __slots__ = ("ignore_poll_alarm_failure", "alarms")
    IGNORE_POLL_ALARM_FAILURE_FIELD_NUMBER: _ClassVar[int]
    ALARMS_FIELD_NUMBER: _ClassVar[int]
    ignore_poll_alarm_failure: bool
    alarms: _containers.RepeatedCompositeFieldContainer[Alarm]
    def __init__(self, ignore_poll_alarm_failure: _Optional[bool] = ..., alarms: _Optional[_Iterable[_Union[Alarm, _Mapping]]] = ...) -> None: ...

class AlarmStateInformation(_message.Message):
    __slots__ = ("name", "state")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    name: str
    state: ExternalAlarmState
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[ExternalAlarmState, str]] = ...) -> None: ...

class AttachmentContent(_message.Message):
    __slots__ = ("name", "size", "hash", "hash_type", "url")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_TYPE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    name: str
    size: int
    hash: str
    hash_type: AttachmentHashType
    url: str
    def __init__(self, name: _Optional[str] = ..., size: _Optional[int] = ..., hash: _Optional[str] = ..., hash_type: _Optional[_Union[AttachmentHashType, str]] = ..., url: _Optional[str] = ...) -> None: ...

class AttachmentInformation(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class AttachmentsSource(_message.Message):
    __slots__ = ("key", "values", "name")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    key: AttachmentsSourceKey
    values: _containers.RepeatedScalarFieldContainer[str]
    name: str
    def __init__(self, key: _Optional[_Union[AttachmentsSourceKey, str]] = ..., values: _Optional[_Iterable[str]] = ..., name: _Optional[str] = ...) -> None: ...

class AutomationExecution(_message.Message):
    __slots__ = ("automation_execution_id", "document_name", "document_version", "execution_start_time", "execution_end_time", "automation_execution_status", "step_executions", "step_executions_truncated", "parameters", "outputs", "failure_message", "warning_message", "mode", "parent_automation_execution_id", "executed_by", "current_step_name", "current_action", "target_parameter_name", "targets", "target_maps", "resolved_targets", "max_concurrency", "max_errors", "target", "target_locations", "progress_counters", "alarm_configuration", "triggered_alarms", "target_locations_url", "automation_subtype", "scheduled_time", "runbooks", "ops_item_id", "association_id", "change_request_name", "variables", "targets_summary")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: AutomationParameterValueList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AutomationParameterValueList, _Mapping]] = ...) -> None: ...
    class OutputsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: AutomationParameterValueList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AutomationParameterValueList, _Mapping]] = ...) -> None: ...
    class VariablesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: AutomationParameterValueList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AutomationParameterValueList, _Mapping]] = ...) -> None: ...
    AUTOMATION_EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_START_TIME_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_END_TIME_FIELD_NUMBER: _ClassVar[int]
    AUTOMATION_EXECUTION_STATUS_FIELD_NUMBER: _ClassVar[int]
    STEP_EXECUTIONS_FIELD_NUMBER: _ClassVar[int]
    STEP_EXECUTIONS_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    FAILURE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WARNING_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    PARENT_AUTOMATION_EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTED_BY_FIELD_NUMBER: _ClassVar[int]
    CURRENT_STEP_NAME_FIELD_NUMBER: _ClassVar[int]
    CURRENT_ACTION_FIELD_NUMBER: _ClassVar[int]
    TARGET_PARAMETER_NAME_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    TARGET_MAPS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_TARGETS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    MAX_ERRORS_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    TARGET_LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_COUNTERS_FIELD_NUMBER: _ClassVar[int]
    ALARM_CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    TRIGGERED_ALARMS_FIELD_NUMBER: _ClassVar[int]
    TARGET_LOCATIONS_URL_FIELD_NUMBER: _ClassVar[int]
    AUTOMATION_SUBTYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_TIME_FIELD_NUMBER: _ClassVar[int]
    RUNBOOKS_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ASSOCIATION_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_REQUEST_NAME_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    TARGETS_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    automation_execution_id: str
    document_name: str
    document_version: str
    execution_start_time: _timestamp_pb2.Timestamp
    execution_end_time: _timestamp_pb2.Timestamp
    automation_execution_status: AutomationExecutionStatus
    step_executions: _containers.RepeatedCompositeFieldContainer[StepExecution]
    step_executions_truncated: bool
    parameters: _containers.MessageMap[str, AutomationParameterValueList]
    outputs: _containers.MessageMap[str, AutomationParameterValueList]
    failure_message: str
    warning_message: str
    mode: ExecutionMode
    parent_automation_execution_id: str
    executed_by: str
    current_step_name: str
    current_action: str
    target_parameter_name: str
    targets: _containers.RepeatedCompositeFieldContainer[Target]
    target_maps: _containers.RepeatedCompositeFieldContainer[TargetMap]
    resolved_targets: ResolvedTargets
    max_concurrency: str
    max_errors: str
    target: str
    target_locations: _containers.RepeatedCompositeFieldContainer[TargetLocation]
    progress_counters: ProgressCounters
    alarm_configuration: AlarmConfiguration
    triggered_alarms: _containers.RepeatedCompositeFieldContainer[AlarmStateInformation]
    target_locations_url: str
    automation_subtype: AutomationSubtype
    scheduled_time: _timestamp_pb2.Timestamp
    runbooks: _containers.RepeatedCompositeFieldContainer[Runbook]
    ops_item_id: str
    association_id: str
    change_request_name: str
    variables: _containers.MessageMap[str, AutomationParameterValueList]
    targets_summary: TargetsSummary
    def __init__(self, automation_execution_id: _Optional[str] = ..., document_name: _Optional[str] = ..., document_version: _Optional[str] = ..., execution_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., execution_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., automation_execution_status: _Optional[_Union[AutomationExecutionStatus, str]] = ..., step_executions: _Optional[_Iterable[_Union[StepExecution, _Mapping]]] = ..., step_executions_truncated: _Optional[bool] = ..., parameters: _Optional[_Mapping[str, AutomationParameterValueList]] = ..., outputs: _Optional[_Mapping[str, AutomationParameterValueList]] = ..., failure_message: _Optional[str] = ..., warning_message: _Optional[str] = ..., mode: _Optional[_Union[ExecutionMode, str]] = ..., parent_automation_execution_id: _Optional[str] = ..., executed_by: _Optional[str] = ..., current_step_name: _Optional[str] = ..., current_action: _Optional[str] = ..., target_parameter_name: _Optional[str] = ..., targets: _Optional[_Iterable[_Union[Target, _Mapping]]] = ..., target_maps: _Optional[_Iterable[_Union[TargetMap, _Mapping]]] = ..., resolved_targets: _Optional[_Union[ResolvedTargets, _Mapping]] = ..., max_concurrency: _Optional[str] = ..., max_errors: _Optional[str] = ..., target: _Optional[str] = ..., target_locations: _Optional[_Iterable[_Union[TargetLocation, _Mapping]]] = ..., progress_counters: _Optional[_Union[ProgressCounters, _Mapping]] = ..., alarm_configuration: _Optional[_Union[AlarmConfiguration, _Mapping]] = ..., triggered_alarms: _Optional[_Iterable[_Union[AlarmStateInformation, _Mapping]]] = ..., target_locations_url: _Optional[str] = ..., automation_subtype: _Optional[_Union[AutomationSubtype, str]] = ..., scheduled_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., runbooks: _Optional[_Iterable[_Union[Runbook, _Mapping]]] = ..., ops_item_id: _Optional[str] = ..., association_id: _Optional[str] = ..., change_request_name: _Optional[str] = ..., variables: _Optional[_Mapping[str, AutomationParameterValueList]] = ..., targets_summary: _Optional[_Union[TargetsSummary, _Mapping]] = ...) -> None: ...

class AutomationExecutionFilter(_message.Message):
    __slots__ = ("key", "values")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    key: AutomationExecutionFilterKey
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[_Union[AutomationExecutionFilterKey, str]] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class AutomationExecutionMetadata(_message.Message):
    __slots__ = ("automation_execution_id", "document_name", "document_version", "automation_execution_status", "execution_start_time", "execution_end_time", "executed_by", "log_file", "outputs", "mode", "parent_automation_execution_id", "current_step_name", "current_action", "failure_message", "warning_message", "target_parameter_name", "targets", "target_maps", "resolved_targets", "max_concurrency", "max_errors", "target", "automation_type", "alarm_configuration", "triggered_alarms", "target_locations_url", "automation_subtype", "scheduled_time", "runbooks", "ops_item_id", "association_id", "change_request_name")
    class OutputsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: AutomationParameterValueList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AutomationParameterValueList, _Mapping]] = ...) -> None: ...
    AUTOMATION_EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    AUTOMATION_EXECUTION_STATUS_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_START_TIME_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_END_TIME_FIELD_NUMBER: _ClassVar[int]
    EXECUTED_BY_FIELD_NUMBER: _ClassVar[int]
    LOG_FILE_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    PARENT_AUTOMATION_EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENT_STEP_NAME_FIELD_NUMBER: _ClassVar[int]
    CURRENT_ACTION_FIELD_NUMBER: _ClassVar[int]
    FAILURE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WARNING_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TARGET_PARAMETER_NAME_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    TARGET_MAPS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_TARGETS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    MAX_ERRORS_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    AUTOMATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    ALARM_CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    TRIGGERED_ALARMS_FIELD_NUMBER: _ClassVar[int]
    TARGET_LOCATIONS_URL_FIELD_NUMBER: _ClassVar[int]
    AUTOMATION_SUBTYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_TIME_FIELD_NUMBER: _ClassVar[int]
    RUNBOOKS_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ASSOCIATION_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_REQUEST_NAME_FIELD_NUMBER: _ClassVar[int]
    automation_execution_id: str
    document_name: str
    document_version: str
    automation_execution_status: AutomationExecutionStatus
    execution_start_time: _timestamp_pb2.Timestamp
    execution_end_time: _timestamp_pb2.Timestamp
    executed_by: str
    log_file: str
    outputs: _containers.MessageMap[str, AutomationParameterValueList]
    mode: ExecutionMode
    parent_automation_execution_id: str
    current_step_name: str
    current_action: str
    failure_message: str
    warning_message: str
    target_parameter_name: str
    targets: _containers.RepeatedCompositeFieldContainer[Target]
    target_maps: _containers.RepeatedCompositeFieldContainer[TargetMap]
    resolved_targets: ResolvedTargets
    max_concurrency: str
    max_errors: str
    target: str
    automation_type: AutomationType
    alarm_configuration: AlarmConfiguration
    triggered_alarms: _containers.RepeatedCompositeFieldContainer[AlarmStateInformation]
    target_locations_url: str
    automation_subtype: AutomationSubtype
    scheduled_time: _timestamp_pb2.Timestamp
    runbooks: _containers.RepeatedCompositeFieldContainer[Runbook]
    ops_item_id: str
    association_id: str
    change_request_name: str
    def __init__(self, automation_execution_id: _Optional[str] = ..., document_name: _Optional[str] = ..., document_version: _Optional[str] = ..., automation_execution_status: _Optional[_Union[AutomationExecutionStatus, str]] = ..., execution_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., execution_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., executed_by: _Optional[str] = ..., log_file: _Optional[str] = ..., outputs: _Optional[_Mapping[str, AutomationParameterValueList]] = ..., mode: _Optional[_Union[ExecutionMode, str]] = ..., parent_automation_execution_id: _Optional[str] = ..., current_step_name: _Optional[str] = ..., current_action: _Optional[str] = ..., failure_message: _Optional[str] = ..., warning_message: _Optional[str] = ..., target_parameter_name: _Optional[str] = ..., targets: _Optional[_Iterable[_Union[Target, _Mapping]]] = ..., target_maps: _Optional[_Iterable[_Union[TargetMap, _Mapping]]] = ..., resolved_targets: _Optional[_Union[ResolvedTargets, _Mapping]] = ..., max_concurrency: _Optional[str] = ..., max_errors: _Optional[str] = ..., target: _Optional[str] = ..., automation_type: _Optional[_Union[AutomationType, str]] = ..., alarm_configuration: _Optional[_Union[AlarmConfiguration, _Mapping]] = ..., triggered_alarms: _Optional[_Iterable[_Union[AlarmStateInformation, _Mapping]]] = ..., target_locations_url: _Optional[str] = ..., automation_subtype: _Optional[_Union[AutomationSubtype, str]] = ..., scheduled_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., runbooks: _Optional[_Iterable[_Union[Runbook, _Mapping]]] = ..., ops_item_id: _Optional[str] = ..., association_id: _Optional[str] = ..., change_request_name: _Optional[str] = ...) -> None: ...

class AutomationParameterValueList(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class DocumentDefaultVersionDescription(_message.Message):
    __slots__ = ("name", "default_version", "default_version_name")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VERSION_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VERSION_NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    default_version: str
    default_version_name: str
    def __init__(self, name: _Optional[str] = ..., default_version: _Optional[str] = ..., default_version_name: _Optional[str] = ...) -> None: ...

class DocumentDescription(_message.Message):
    __slots__ = ("sha1", "hash", "hash_type", "name", "display_name", "version_name", "owner", "created_date", "status", "status_information", "document_version", "description", "parameters", "platform_types", "document_type", "schema_version", "latest_version", "default_version", "document_format", "target_type", "tags", "attachments_information", "requires", "author", "review_information", "approved_version", "pending_review_version", "review_status", "category", "category_enum", "cloud_providers")
    SHA1_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_INFORMATION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_TYPES_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    LATEST_VERSION_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VERSION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    TARGET_TYPE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_INFORMATION_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    REVIEW_INFORMATION_FIELD_NUMBER: _ClassVar[int]
    APPROVED_VERSION_FIELD_NUMBER: _ClassVar[int]
    PENDING_REVIEW_VERSION_FIELD_NUMBER: _ClassVar[int]
    REVIEW_STATUS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_ENUM_FIELD_NUMBER: _ClassVar[int]
    CLOUD_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    sha1: str
    hash: str
    hash_type: DocumentHashType
    name: str
    display_name: str
    version_name: str
    owner: str
    created_date: _timestamp_pb2.Timestamp
    status: DocumentStatus
    status_information: str
    document_version: str
    description: str
    parameters: _containers.RepeatedCompositeFieldContainer[DocumentParameter]
    platform_types: _containers.RepeatedScalarFieldContainer[PlatformType]
    document_type: DocumentType
    schema_version: str
    latest_version: str
    default_version: str
    document_format: DocumentFormat
    target_type: str
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    attachments_information: _containers.RepeatedCompositeFieldContainer[AttachmentInformation]
    requires: _containers.RepeatedCompositeFieldContainer[DocumentRequires]
    author: str
    review_information: _containers.RepeatedCompositeFieldContainer[ReviewInformation]
    approved_version: str
    pending_review_version: str
    review_status: ReviewStatus
    category: _containers.RepeatedScalarFieldContainer[str]
    category_enum: _containers.RepeatedScalarFieldContainer[str]
    cloud_providers: _containers.RepeatedScalarFieldContainer[CloudProvider]
    def __init__(self, sha1: _Optional[str] = ..., hash: _Optional[str] = ..., hash_type: _Optional[_Union[DocumentHashType, str]] = ..., name: _Optional[str] = ..., display_name: _Optional[str] = ..., version_name: _Optional[str] = ..., owner: _Optional[str] = ..., created_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[DocumentStatus, str]] = ..., status_information: _Optional[str] = ..., document_version: _Optional[str] = ..., description: _Optional[str] = ..., parameters: _Optional[_Iterable[_Union[DocumentParameter, _Mapping]]] = ..., platform_types: _Optional[_Iterable[_Union[PlatformType, str]]] = ..., document_type: _Optional[_Union[DocumentType, str]] = ..., schema_version: _Optional[str] = ..., latest_version: _Optional[str] = ..., default_version: _Optional[str] = ..., document_format: _Optional[_Union[DocumentFormat, str]] = ..., target_type: _Optional[str] = ..., tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ..., attachments_information: _Optional[_Iterable[_Union[AttachmentInformation, _Mapping]]] = ..., requires: _Optional[_Iterable[_Union[DocumentRequires, _Mapping]]] = ..., author: _Optional[str] = ..., review_information: _Optional[_Iterable[_Union[ReviewInformation, _Mapping]]] = ..., approved_version: _Optional[str] = ..., pending_review_version: _Optional[str] = ..., review_status: _Optional[_Union[ReviewStatus, str]] = ..., category: _Optional[_Iterable[str]] = ..., category_enum: _Optional[_Iterable[str]] = ..., cloud_providers: _Optional[_Iterable[_Union[CloudProvider, str]]] = ...) -> None: ...

class DocumentFilter(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: DocumentFilterKey
    value: str
    def __init__(self, key: _Optional[_Union[DocumentFilterKey, str]] = ..., value: _Optional[str] = ...) -> None: ...

class DocumentIdentifier(_message.Message):
    __slots__ = ("name", "created_date", "display_name", "owner", "version_name", "platform_types", "document_version", "document_type", "schema_version", "document_format", "target_type", "tags", "requires", "review_status", "author", "cloud_providers")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    VERSION_NAME_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_TYPES_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    TARGET_TYPE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_FIELD_NUMBER: _ClassVar[int]
    REVIEW_STATUS_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    CLOUD_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    name: str
    created_date: _timestamp_pb2.Timestamp
    display_name: str
    owner: str
    version_name: str
    platform_types: _containers.RepeatedScalarFieldContainer[PlatformType]
    document_version: str
    document_type: DocumentType
    schema_version: str
    document_format: DocumentFormat
    target_type: str
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    requires: _containers.RepeatedCompositeFieldContainer[DocumentRequires]
    review_status: ReviewStatus
    author: str
    cloud_providers: _containers.RepeatedScalarFieldContainer[CloudProvider]
    def __init__(self, name: _Optional[str] = ..., created_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., display_name: _Optional[str] = ..., owner: _Optional[str] = ..., version_name: _Optional[str] = ..., platform_types: _Optional[_Iterable[_Union[PlatformType, str]]] = ..., document_version: _Optional[str] = ..., document_type: _Optional[_Union[DocumentType, str]] = ..., schema_version: _Optional[str] = ..., document_format: _Optional[_Union[DocumentFormat, str]] = ..., target_type: _Optional[str] = ..., tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ..., requires: _Optional[_Iterable[_Union[DocumentRequires, _Mapping]]] = ..., review_status: _Optional[_Union[ReviewStatus, str]] = ..., author: _Optional[str] = ..., cloud_providers: _Optional[_Iterable[_Union[CloudProvider, str]]] = ...) -> None: ...

class DocumentKeyValuesFilter(_message.Message):
    __slots__ = ("key", "values")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    key: str
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[str] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class DocumentParameter(_message.Message):
    __slots__ = ("name", "type", "description", "default_value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: DocumentParameterType
    description: str
    default_value: str
    def __init__(self, name: _Optional[str] = ..., type: _Optional[_Union[DocumentParameterType, str]] = ..., description: _Optional[str] = ..., default_value: _Optional[str] = ...) -> None: ...

class DocumentRequires(_message.Message):
    __slots__ = ("name", "version", "require_type", "version_name")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_TYPE_FIELD_NUMBER: _ClassVar[int]
    VERSION_NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    require_type: str
    version_name: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., require_type: _Optional[str] = ..., version_name: _Optional[str] = ...) -> None: ...

class DocumentVersionInfo(_message.Message):
    __slots__ = ("name", "display_name", "document_version", "version_name", "created_date", "is_default_version", "document_format", "status", "status_information", "review_status", "cloud_providers")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    VERSION_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_VERSION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_INFORMATION_FIELD_NUMBER: _ClassVar[int]
    REVIEW_STATUS_FIELD_NUMBER: _ClassVar[int]
    CLOUD_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    document_version: str
    version_name: str
    created_date: _timestamp_pb2.Timestamp
    is_default_version: bool
    document_format: DocumentFormat
    status: DocumentStatus
    status_information: str
    review_status: ReviewStatus
    cloud_providers: _containers.RepeatedScalarFieldContainer[CloudProvider]
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., document_version: _Optional[str] = ..., version_name: _Optional[str] = ..., created_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., is_default_version: _Optional[bool] = ..., document_format: _Optional[_Union[DocumentFormat, str]] = ..., status: _Optional[_Union[DocumentStatus, str]] = ..., status_information: _Optional[str] = ..., review_status: _Optional[_Union[ReviewStatus, str]] = ..., cloud_providers: _Optional[_Iterable[_Union[CloudProvider, str]]] = ...) -> None: ...

class FailureDetails(_message.Message):
    __slots__ = ("failure_stage", "failure_type", "details")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: AutomationParameterValueList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AutomationParameterValueList, _Mapping]] = ...) -> None: ...
    FAILURE_STAGE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_TYPE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    failure_stage: str
    failure_type: str
    details: _containers.MessageMap[str, AutomationParameterValueList]
    def __init__(self, failure_stage: _Optional[str] = ..., failure_type: _Optional[str] = ..., details: _Optional[_Mapping[str, AutomationParameterValueList]] = ...) -> None: ...

class OpsItem(_message.Message):
    __slots__ = ("created_by", "ops_item_type", "created_time", "description", "last_modified_by", "last_modified_time", "notifications", "priority", "related_ops_items", "status", "ops_item_id", "version", "title", "source", "operational_data", "category", "severity", "actual_start_time", "actual_end_time", "planned_start_time", "planned_end_time", "ops_item_arn")
    class OperationalDataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: OpsItemDataValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[OpsItemDataValue, _Mapping]] = ...) -> None: ...
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_TYPE_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_BY_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_TIME_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    RELATED_OPS_ITEMS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    OPERATIONAL_DATA_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_START_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_END_TIME_FIELD_NUMBER: _ClassVar[int]
    PLANNED_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PLANNED_END_TIME_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_ARN_FIELD_NUMBER: _ClassVar[int]
    created_by: str
    ops_item_type: str
    created_time: _timestamp_pb2.Timestamp
    description: str
    last_modified_by: str
    last_modified_time: _timestamp_pb2.Timestamp
    notifications: _containers.RepeatedCompositeFieldContainer[OpsItemNotification]
    priority: int
    related_ops_items: _containers.RepeatedCompositeFieldContainer[RelatedOpsItem]
    status: OpsItemStatus
    ops_item_id: str
    version: str
    title: str
    source: str
    operational_data: _containers.MessageMap[str, OpsItemDataValue]
    category: str
    severity: str
    actual_start_time: _timestamp_pb2.Timestamp
    actual_end_time: _timestamp_pb2.Timestamp
    planned_start_time: _timestamp_pb2.Timestamp
    planned_end_time: _timestamp_pb2.Timestamp
    ops_item_arn: str
    def __init__(self, created_by: _Optional[str] = ..., ops_item_type: _Optional[str] = ..., created_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., last_modified_by: _Optional[str] = ..., last_modified_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notifications: _Optional[_Iterable[_Union[OpsItemNotification, _Mapping]]] = ..., priority: _Optional[int] = ..., related_ops_items: _Optional[_Iterable[_Union[RelatedOpsItem, _Mapping]]] = ..., status: _Optional[_Union[OpsItemStatus, str]] = ..., ops_item_id: _Optional[str] = ..., version: _Optional[str] = ..., title: _Optional[str] = ..., source: _Optional[str] = ..., operational_data: _Optional[_Mapping[str, OpsItemDataValue]] = ..., category: _Optional[str] = ..., severity: _Optional[str] = ..., actual_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actual_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ops_item_arn: _Optional[str] = ...) -> None: ...

class OpsItemDataValue(_message.Message):
    __slots__ = ("value", "type")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    value: str
    type: OpsItemDataType
    def __init__(self, value: _Optional[str] = ..., type: _Optional[_Union[OpsItemDataType, str]] = ...) -> None: ...

class OpsItemFilter(_message.Message):
    __slots__ = ("key", "values", "operator")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    key: OpsItemFilterKey
    values: _containers.RepeatedScalarFieldContainer[str]
    operator: OpsItemFilterOperator
    def __init__(self, key: _Optional[_Union[OpsItemFilterKey, str]] = ..., values: _Optional[_Iterable[str]] = ..., operator: _Optional[_Union[OpsItemFilterOperator, str]] = ...) -> None: ...

class OpsItemIdentity(_message.Message):
    __slots__ = ("arn",)
    ARN_FIELD_NUMBER: _ClassVar[int]
    arn: str
    def __init__(self, arn: _Optional[str] = ...) -> None: ...

class OpsItemNotification(_message.Message):
    __slots__ = ("arn",)
    ARN_FIELD_NUMBER: _ClassVar[int]
    arn: str
    def __init__(self, arn: _Optional[str] = ...) -> None: ...

class OpsItemRelatedItemSummary(_message.Message):
    __slots__ = ("ops_item_id", "association_id", "resource_type", "association_type", "resource_uri", "created_by", "created_time", "last_modified_by", "last_modified_time")
    OPS_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ASSOCIATION_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ASSOCIATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_URI_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_BY_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_TIME_FIELD_NUMBER: _ClassVar[int]
    ops_item_id: str
    association_id: str
    resource_type: str
    association_type: str
    resource_uri: str
    created_by: OpsItemIdentity
    created_time: _timestamp_pb2.Timestamp
    last_modified_by: OpsItemIdentity
    last_modified_time: _timestamp_pb2.Timestamp
    def __init__(self, ops_item_id: _Optional[str] = ..., association_id: _Optional[str] = ..., resource_type: _Optional[str] = ..., association_type: _Optional[str] = ..., resource_uri: _Optional[str] = ..., created_by: _Optional[_Union[OpsItemIdentity, _Mapping]] = ..., created_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_modified_by: _Optional[_Union[OpsItemIdentity, _Mapping]] = ..., last_modified_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OpsItemRelatedItemsFilter(_message.Message):
    __slots__ = ("key", "values", "operator")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    key: OpsItemRelatedItemsFilterKey
    values: _containers.RepeatedScalarFieldContainer[str]
    operator: OpsItemRelatedItemsFilterOperator
    def __init__(self, key: _Optional[_Union[OpsItemRelatedItemsFilterKey, str]] = ..., values: _Optional[_Iterable[str]] = ..., operator: _Optional[_Union[OpsItemRelatedItemsFilterOperator, str]] = ...) -> None: ...

class OpsItemSummary(_message.Message):
    __slots__ = ("created_by", "created_time", "last_modified_by", "last_modified_time", "priority", "source", "status", "ops_item_id", "title", "operational_data", "category", "severity", "ops_item_type", "actual_start_time", "actual_end_time", "planned_start_time", "planned_end_time")
    class OperationalDataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: OpsItemDataValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[OpsItemDataValue, _Mapping]] = ...) -> None: ...
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_BY_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_TIME_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    OPERATIONAL_DATA_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_START_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_END_TIME_FIELD_NUMBER: _ClassVar[int]
    PLANNED_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PLANNED_END_TIME_FIELD_NUMBER: _ClassVar[int]
    created_by: str
    created_time: _timestamp_pb2.Timestamp
    last_modified_by: str
    last_modified_time: _timestamp_pb2.Timestamp
    priority: int
    source: str
    status: OpsItemStatus
    ops_item_id: str
    title: str
    operational_data: _containers.MessageMap[str, OpsItemDataValue]
    category: str
    severity: str
    ops_item_type: str
    actual_start_time: _timestamp_pb2.Timestamp
    actual_end_time: _timestamp_pb2.Timestamp
    planned_start_time: _timestamp_pb2.Timestamp
    planned_end_time: _timestamp_pb2.Timestamp
    def __init__(self, created_by: _Optional[str] = ..., created_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_modified_by: _Optional[str] = ..., last_modified_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., priority: _Optional[int] = ..., source: _Optional[str] = ..., status: _Optional[_Union[OpsItemStatus, str]] = ..., ops_item_id: _Optional[str] = ..., title: _Optional[str] = ..., operational_data: _Optional[_Mapping[str, OpsItemDataValue]] = ..., category: _Optional[str] = ..., severity: _Optional[str] = ..., ops_item_type: _Optional[str] = ..., actual_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actual_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ParentStepDetails(_message.Message):
    __slots__ = ("step_execution_id", "step_name", "action", "iteration", "iterator_value")
    STEP_EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_NAME_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ITERATION_FIELD_NUMBER: _ClassVar[int]
    ITERATOR_VALUE_FIELD_NUMBER: _ClassVar[int]
    step_execution_id: str
    step_name: str
    action: str
    iteration: int
    iterator_value: str
    def __init__(self, step_execution_id: _Optional[str] = ..., step_name: _Optional[str] = ..., action: _Optional[str] = ..., iteration: _Optional[int] = ..., iterator_value: _Optional[str] = ...) -> None: ...

class ProgressCounters(_message.Message):
    __slots__ = ("total_steps", "success_steps", "failed_steps", "cancelled_steps", "timed_out_steps")
    TOTAL_STEPS_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_STEPS_FIELD_NUMBER: _ClassVar[int]
    FAILED_STEPS_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_STEPS_FIELD_NUMBER: _ClassVar[int]
    TIMED_OUT_STEPS_FIELD_NUMBER: _ClassVar[int]
    total_steps: int
    success_steps: int
    failed_steps: int
    cancelled_steps: int
    timed_out_steps: int
    def __init__(self, total_steps: _Optional[int] = ..., success_steps: _Optional[int] = ..., failed_steps: _Optional[int] = ..., cancelled_steps: _Optional[int] = ..., timed_out_steps: _Optional[int] = ...) -> None: ...

class RelatedOpsItem(_message.Message):
    __slots__ = ("ops_item_id",)
    OPS_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ops_item_id: str
    def __init__(self, ops_item_id: _Optional[str] = ...) -> None: ...

class ResolvedTargets(_message.Message):
    __slots__ = ("parameter_values", "truncated")
    PARAMETER_VALUES_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    parameter_values: _containers.RepeatedScalarFieldContainer[str]
    truncated: bool
    def __init__(self, parameter_values: _Optional[_Iterable[str]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class ReviewInformation(_message.Message):
    __slots__ = ("reviewed_time", "status", "reviewer")
    REVIEWED_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    reviewed_time: _timestamp_pb2.Timestamp
    status: ReviewStatus
    reviewer: str
    def __init__(self, reviewed_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[ReviewStatus, str]] = ..., reviewer: _Optional[str] = ...) -> None: ...

class Runbook(_message.Message):
    __slots__ = ("document_name", "document_version", "parameters", "target_parameter_name", "targets", "target_maps", "max_concurrency", "max_errors", "target_locations")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: AutomationParameterValueList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AutomationParameterValueList, _Mapping]] = ...) -> None: ...
    DOCUMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    TARGET_PARAMETER_NAME_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    TARGET_MAPS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    MAX_ERRORS_FIELD_NUMBER: _ClassVar[int]
    TARGET_LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    document_name: str
    document_version: str
    parameters: _containers.MessageMap[str, AutomationParameterValueList]
    target_parameter_name: str
    targets: _containers.RepeatedCompositeFieldContainer[Target]
    target_maps: _containers.RepeatedCompositeFieldContainer[TargetMap]
    max_concurrency: str
    max_errors: str
    target_locations: _containers.RepeatedCompositeFieldContainer[TargetLocation]
    def __init__(self, document_name: _Optional[str] = ..., document_version: _Optional[str] = ..., parameters: _Optional[_Mapping[str, AutomationParameterValueList]] = ..., target_parameter_name: _Optional[str] = ..., targets: _Optional[_Iterable[_Union[Target, _Mapping]]] = ..., target_maps: _Optional[_Iterable[_Union[TargetMap, _Mapping]]] = ..., max_concurrency: _Optional[str] = ..., max_errors: _Optional[str] = ..., target_locations: _Optional[_Iterable[_Union[TargetLocation, _Mapping]]] = ...) -> None: ...

class StepExecution(_message.Message):
    __slots__ = ("step_name", "action", "timeout_seconds", "on_failure", "max_attempts", "execution_start_time", "execution_end_time", "step_status", "response_code", "inputs", "outputs", "response", "failure_message", "warning_message", "failure_details", "step_execution_id", "overridden_parameters", "is_end", "next_step", "is_critical", "valid_next_steps", "targets", "target_location", "triggered_alarms", "parent_step_details")
    class InputsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class OutputsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: AutomationParameterValueList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AutomationParameterValueList, _Mapping]] = ...) -> None: ...
    class OverriddenParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: AutomationParameterValueList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AutomationParameterValueList, _Mapping]] = ...) -> None: ...
    STEP_NAME_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ON_FAILURE_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_START_TIME_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_END_TIME_FIELD_NUMBER: _ClassVar[int]
    STEP_STATUS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_CODE_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WARNING_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_DETAILS_FIELD_NUMBER: _ClassVar[int]
    STEP_EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    OVERRIDDEN_PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    IS_END_FIELD_NUMBER: _ClassVar[int]
    NEXT_STEP_FIELD_NUMBER: _ClassVar[int]
    IS_CRITICAL_FIELD_NUMBER: _ClassVar[int]
    VALID_NEXT_STEPS_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    TARGET_LOCATION_FIELD_NUMBER: _ClassVar[int]
    TRIGGERED_ALARMS_FIELD_NUMBER: _ClassVar[int]
    PARENT_STEP_DETAILS_FIELD_NUMBER: _ClassVar[int]
    step_name: str
    action: str
    timeout_seconds: int
    on_failure: str
    max_attempts: int
    execution_start_time: _timestamp_pb2.Timestamp
    execution_end_time: _timestamp_pb2.Timestamp
    step_status: AutomationExecutionStatus
    response_code: str
    inputs: _containers.ScalarMap[str, str]
    outputs: _containers.MessageMap[str, AutomationParameterValueList]
    response: str
    failure_message: str
    warning_message: str
    failure_details: FailureDetails
    step_execution_id: str
    overridden_parameters: _containers.MessageMap[str, AutomationParameterValueList]
    is_end: bool
    next_step: str
    is_critical: bool
    valid_next_steps: _containers.RepeatedScalarFieldContainer[str]
    targets: _containers.RepeatedCompositeFieldContainer[Target]
    target_location: TargetLocation
    triggered_alarms: _containers.RepeatedCompositeFieldContainer[AlarmStateInformation]
    parent_step_details: ParentStepDetails
    def __init__(self, step_name: _Optional[str] = ..., action: _Optional[str] = ..., timeout_seconds: _Optional[int] = ..., on_failure: _Optional[str] = ..., max_attempts: _Optional[int] = ..., execution_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., execution_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., step_status: _Optional[_Union[AutomationExecutionStatus, str]] = ..., response_code: _Optional[str] = ..., inputs: _Optional[_Mapping[str, str]] = ..., outputs: _Optional[_Mapping[str, AutomationParameterValueList]] = ..., response: _Optional[str] = ..., failure_message: _Optional[str] = ..., warning_message: _Optional[str] = ..., failure_details: _Optional[_Union[FailureDetails, _Mapping]] = ..., step_execution_id: _Optional[str] = ..., overridden_parameters: _Optional[_Mapping[str, AutomationParameterValueList]] = ..., is_end: _Optional[bool] = ..., next_step: _Optional[str] = ..., is_critical: _Optional[bool] = ..., valid_next_steps: _Optional[_Iterable[str]] = ..., targets: _Optional[_Iterable[_Union[Target, _Mapping]]] = ..., target_location: _Optional[_Union[TargetLocation, _Mapping]] = ..., triggered_alarms: _Optional[_Iterable[_Union[AlarmStateInformation, _Mapping]]] = ..., parent_step_details: _Optional[_Union[ParentStepDetails, _Mapping]] = ...) -> None: ...

class StepExecutionFilter(_message.Message):
    __slots__ = ("key", "values")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    key: StepExecutionFilterKey
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[_Union[StepExecutionFilterKey, str]] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class Tag(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class Target(_message.Message):
    __slots__ = ("key", "values")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    key: str
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[str] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class TargetLocation(_message.Message):
    __slots__ = ("accounts", "regions", "target_location_max_concurrency", "target_location_max_errors", "execution_role_name", "target_location_alarm_configuration", "include_child_organization_units", "exclude_accounts", "targets", "targets_max_concurrency", "targets_max_errors")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    TARGET_LOCATION_MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    TARGET_LOCATION_MAX_ERRORS_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ROLE_NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_LOCATION_ALARM_CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CHILD_ORGANIZATION_UNITS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    TARGETS_MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    TARGETS_MAX_ERRORS_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedScalarFieldContainer[str]
    regions: _containers.RepeatedScalarFieldContainer[str]
    target_location_max_concurrency: str
    target_location_max_errors: str
    execution_role_name: str
    target_location_alarm_configuration: AlarmConfiguration
    include_child_organization_units: bool
    exclude_accounts: _containers.RepeatedScalarFieldContainer[str]
    targets: _containers.RepeatedCompositeFieldContainer[Target]
    targets_max_concurrency: str
    targets_max_errors: str
    def __init__(self, accounts: _Optional[_Iterable[str]] = ..., regions: _Optional[_Iterable[str]] = ..., target_location_max_concurrency: _Optional[str] = ..., target_location_max_errors: _Optional[str] = ..., execution_role_name: _Optional[str] = ..., target_location_alarm_configuration: _Optional[_Union[AlarmConfiguration, _Mapping]] = ..., include_child_organization_units: _Optional[bool] = ..., exclude_accounts: _Optional[_Iterable[str]] = ..., targets: _Optional[_Iterable[_Union[Target, _Mapping]]] = ..., targets_max_concurrency: _Optional[str] = ..., targets_max_errors: _Optional[str] = ...) -> None: ...

class TargetMap(_message.Message):
    __slots__ = ("values",)
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: TargetMapValueList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[TargetMapValueList, _Mapping]] = ...) -> None: ...
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.MessageMap[str, TargetMapValueList]
    def __init__(self, values: _Optional[_Mapping[str, TargetMapValueList]] = ...) -> None: ...

class TargetMapValueList(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class TargetsSummary(_message.Message):
    __slots__ = ("total_count", "started_count", "completed_count", "successful_count", "failed_count")
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    STARTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_COUNT_FIELD_NUMBER: _ClassVar[int]
    SUCCESSFUL_COUNT_FIELD_NUMBER: _ClassVar[int]
    FAILED_COUNT_FIELD_NUMBER: _ClassVar[int]
    total_count: int
    started_count: int
    completed_count: int
    successful_count: int
    failed_count: int
    def __init__(self, total_count: _Optional[int] = ..., started_count: _Optional[int] = ..., completed_count: _Optional[int] = ..., successful_count: _Optional[int] = ..., failed_count: _Optional[int] = ...) -> None: ...
