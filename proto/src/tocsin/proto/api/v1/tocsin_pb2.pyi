import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AnalysisStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ANALYSIS_STATUS_UNSPECIFIED: _ClassVar[AnalysisStatus]
    ANALYSIS_STATUS_IN_PROGRESS: _ClassVar[AnalysisStatus]
    ANALYSIS_STATUS_COMPLETED: _ClassVar[AnalysisStatus]

class DeliveryState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATE_UNSPECIFIED: _ClassVar[DeliveryState]
    DELIVERY_STATE_PENDING: _ClassVar[DeliveryState]
    DELIVERY_STATE_SENT: _ClassVar[DeliveryState]
    DELIVERY_STATE_DEAD: _ClassVar[DeliveryState]
    DELIVERY_STATE_EXPIRED: _ClassVar[DeliveryState]

class DurationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DURATION_STATUS_UNSPECIFIED: _ClassVar[DurationStatus]
    DURATION_STATUS_SUCCESS: _ClassVar[DurationStatus]
    DURATION_STATUS_TIMESTAMPS_MISSING: _ClassVar[DurationStatus]
    DURATION_STATUS_INVALID_TIMESTAMPS: _ClassVar[DurationStatus]

class ExportFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPORT_FORMAT_UNSPECIFIED: _ClassVar[ExportFormat]
    EXPORT_FORMAT_MARKDOWN: _ClassVar[ExportFormat]
    EXPORT_FORMAT_HTML: _ClassVar[ExportFormat]

class MetricsGroupBy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    METRICS_GROUP_BY_UNSPECIFIED: _ClassVar[MetricsGroupBy]
    METRICS_GROUP_BY_RESPONSE_PLAN: _ClassVar[MetricsGroupBy]
    METRICS_GROUP_BY_IMPACT: _ClassVar[MetricsGroupBy]
    METRICS_GROUP_BY_MONTH: _ClassVar[MetricsGroupBy]

class RuleState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RULE_STATE_UNSPECIFIED: _ClassVar[RuleState]
    RULE_STATE_ENABLED: _ClassVar[RuleState]
    RULE_STATE_DISABLED: _ClassVar[RuleState]

class TriggerAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIGGER_ACTION_UNSPECIFIED: _ClassVar[TriggerAction]
    TRIGGER_ACTION_OPEN: _ClassVar[TriggerAction]
    TRIGGER_ACTION_RECOVER: _ClassVar[TriggerAction]
    TRIGGER_ACTION_IGNORE: _ClassVar[TriggerAction]

class ValidationExceptionReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VALIDATION_EXCEPTION_REASON_UNSPECIFIED: _ClassVar[ValidationExceptionReason]
    VALIDATION_EXCEPTION_REASON_UNKNOWN_OPERATION: _ClassVar[ValidationExceptionReason]
    VALIDATION_EXCEPTION_REASON_CANNOT_PARSE: _ClassVar[ValidationExceptionReason]
    VALIDATION_EXCEPTION_REASON_FIELD_VALIDATION_FAILED: _ClassVar[ValidationExceptionReason]
    VALIDATION_EXCEPTION_REASON_OTHER: _ClassVar[ValidationExceptionReason]
ANALYSIS_STATUS_UNSPECIFIED: AnalysisStatus
ANALYSIS_STATUS_IN_PROGRESS: AnalysisStatus
ANALYSIS_STATUS_COMPLETED: AnalysisStatus
DELIVERY_STATE_UNSPECIFIED: DeliveryState
DELIVERY_STATE_PENDING: DeliveryState
DELIVERY_STATE_SENT: DeliveryState
DELIVERY_STATE_DEAD: DeliveryState
DELIVERY_STATE_EXPIRED: DeliveryState
DURATION_STATUS_UNSPECIFIED: DurationStatus
DURATION_STATUS_SUCCESS: DurationStatus
DURATION_STATUS_TIMESTAMPS_MISSING: DurationStatus
DURATION_STATUS_INVALID_TIMESTAMPS: DurationStatus
EXPORT_FORMAT_UNSPECIFIED: ExportFormat
EXPORT_FORMAT_MARKDOWN: ExportFormat
EXPORT_FORMAT_HTML: ExportFormat
METRICS_GROUP_BY_UNSPECIFIED: MetricsGroupBy
METRICS_GROUP_BY_RESPONSE_PLAN: MetricsGroupBy
METRICS_GROUP_BY_IMPACT: MetricsGroupBy
METRICS_GROUP_BY_MONTH: MetricsGroupBy
RULE_STATE_UNSPECIFIED: RuleState
RULE_STATE_ENABLED: RuleState
RULE_STATE_DISABLED: RuleState
TRIGGER_ACTION_UNSPECIFIED: TriggerAction
TRIGGER_ACTION_OPEN: TriggerAction
TRIGGER_ACTION_RECOVER: TriggerAction
TRIGGER_ACTION_IGNORE: TriggerAction
VALIDATION_EXCEPTION_REASON_UNSPECIFIED: ValidationExceptionReason
VALIDATION_EXCEPTION_REASON_UNKNOWN_OPERATION: ValidationExceptionReason
VALIDATION_EXCEPTION_REASON_CANNOT_PARSE: ValidationExceptionReason
VALIDATION_EXCEPTION_REASON_FIELD_VALIDATION_FAILED: ValidationExceptionReason
VALIDATION_EXCEPTION_REASON_OTHER: ValidationExceptionReason

class CreateIntegrationKeyRequest(_message.Message):
    __slots__ = ("response_plan_arn",)
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    response_plan_arn: str
    def __init__(self, response_plan_arn: _Optional[str] = ...) -> None: ...

class CreateIntegrationKeyResponse(_message.Message):
    __slots__ = ("id", "response_plan_arn", "created_time", "integration_key")
    ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    INTEGRATION_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    response_plan_arn: str
    created_time: _timestamp_pb2.Timestamp
    integration_key: str
    def __init__(self, id: _Optional[str] = ..., response_plan_arn: _Optional[str] = ..., created_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., integration_key: _Optional[str] = ...) -> None: ...

class CreateRuleRequest(_message.Message):
    __slots__ = ("name", "event_pattern", "response_plan_arn", "description", "state", "client_token")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_PATTERN_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    name: str
    event_pattern: str
    response_plan_arn: str
    description: str
    state: RuleState
    client_token: str
    def __init__(self, name: _Optional[str] = ..., event_pattern: _Optional[str] = ..., response_plan_arn: _Optional[str] = ..., description: _Optional[str] = ..., state: _Optional[_Union[RuleState, str]] = ..., client_token: _Optional[str] = ...) -> None: ...

class CreateRuleResponse(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: Rule
    def __init__(self, rule: _Optional[_Union[Rule, _Mapping]] = ...) -> None: ...

class DeleteIntegrationKeyRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteIntegrationKeyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteRuleRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteRuleResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DescribeDeliveryRequest(_message.Message):
    __slots__ = ("page_arn",)
    PAGE_ARN_FIELD_NUMBER: _ClassVar[int]
    page_arn: str
    def __init__(self, page_arn: _Optional[str] = ...) -> None: ...

class DescribeDeliveryResponse(_message.Message):
    __slots__ = ("page_arn", "deliveries")
    PAGE_ARN_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    page_arn: str
    deliveries: _containers.RepeatedCompositeFieldContainer[DeliveryStatus]
    def __init__(self, page_arn: _Optional[str] = ..., deliveries: _Optional[_Iterable[_Union[DeliveryStatus, _Mapping]]] = ...) -> None: ...

class GetIngestionStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetIngestionStatsResponse(_message.Message):
    __slots__ = ("dead_lettered",)
    class DeadLetteredEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    DEAD_LETTERED_FIELD_NUMBER: _ClassVar[int]
    dead_lettered: _containers.ScalarMap[str, int]
    def __init__(self, dead_lettered: _Optional[_Mapping[str, int]] = ...) -> None: ...

class GetRuleRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetRuleResponse(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: Rule
    def __init__(self, rule: _Optional[_Union[Rule, _Mapping]] = ...) -> None: ...

class ListIntegrationKeysRequest(_message.Message):
    __slots__ = ("response_plan_arn",)
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    response_plan_arn: str
    def __init__(self, response_plan_arn: _Optional[str] = ...) -> None: ...

class ListIntegrationKeysResponse(_message.Message):
    __slots__ = ("integration_keys",)
    INTEGRATION_KEYS_FIELD_NUMBER: _ClassVar[int]
    integration_keys: _containers.RepeatedCompositeFieldContainer[IntegrationKey]
    def __init__(self, integration_keys: _Optional[_Iterable[_Union[IntegrationKey, _Mapping]]] = ...) -> None: ...

class ListRulesRequest(_message.Message):
    __slots__ = ("max_results", "next_token", "response_plan_arn")
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    max_results: int
    next_token: str
    response_plan_arn: str
    def __init__(self, max_results: _Optional[int] = ..., next_token: _Optional[str] = ..., response_plan_arn: _Optional[str] = ...) -> None: ...

class ListRulesResponse(_message.Message):
    __slots__ = ("rules", "next_token")
    RULES_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[Rule]
    next_token: str
    def __init__(self, rules: _Optional[_Iterable[_Union[Rule, _Mapping]]] = ..., next_token: _Optional[str] = ...) -> None: ...

class StartIncidentRunbookRequest(_message.Message):
    __slots__ = ("incident_record_arn", "document_name", "document_version", "parameters")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: RunbookParameterValues
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[RunbookParameterValues, _Mapping]] = ...) -> None: ...
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    incident_record_arn: str
    document_name: str
    document_version: str
    parameters: _containers.MessageMap[str, RunbookParameterValues]
    def __init__(self, incident_record_arn: _Optional[str] = ..., document_name: _Optional[str] = ..., document_version: _Optional[str] = ..., parameters: _Optional[_Mapping[str, RunbookParameterValues]] = ...) -> None: ...

class StartIncidentRunbookResponse(_message.Message):
    __slots__ = ("automation_execution_arn",)
    AUTOMATION_EXECUTION_ARN_FIELD_NUMBER: _ClassVar[int]
    automation_execution_arn: str
    def __init__(self, automation_execution_arn: _Optional[str] = ...) -> None: ...

class StopIncidentRunbookRequest(_message.Message):
    __slots__ = ("incident_record_arn", "automation_execution_arn")
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    AUTOMATION_EXECUTION_ARN_FIELD_NUMBER: _ClassVar[int]
    incident_record_arn: str
    automation_execution_arn: str
    def __init__(self, incident_record_arn: _Optional[str] = ..., automation_execution_arn: _Optional[str] = ...) -> None: ...

class StopIncidentRunbookResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TestEventPatternRequest(_message.Message):
    __slots__ = ("event", "event_pattern", "name")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    EVENT_PATTERN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    event: str
    event_pattern: str
    name: str
    def __init__(self, event: _Optional[str] = ..., event_pattern: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class TestEventPatternResponse(_message.Message):
    __slots__ = ("result", "action", "trigger_details", "response_plan_arn")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_DETAILS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    result: bool
    action: TriggerAction
    trigger_details: TriggerDetails
    response_plan_arn: str
    def __init__(self, result: _Optional[bool] = ..., action: _Optional[_Union[TriggerAction, str]] = ..., trigger_details: _Optional[_Union[TriggerDetails, _Mapping]] = ..., response_plan_arn: _Optional[str] = ...) -> None: ...

class UpdateRuleRequest(_message.Message):
    __slots__ = ("name", "event_pattern", "response_plan_arn", "description", "state")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_PATTERN_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    name: str
    event_pattern: str
    response_plan_arn: str
    description: str
    state: RuleState
    def __init__(self, name: _Optional[str] = ..., event_pattern: _Optional[str] = ..., response_plan_arn: _Optional[str] = ..., description: _Optional[str] = ..., state: _Optional[_Union[RuleState, str]] = ...) -> None: ...

class UpdateRuleResponse(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: Rule
    def __init__(self, rule: _Optional[_Union[Rule, _Mapping]] = ...) -> None: ...

class CreateAnalysisRequest(_message.Message):
    __slots__ = ("incident_record_arn", "template_name", "name", "client_token")
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    incident_record_arn: str
    template_name: str
    name: str
    client_token: str
    def __init__(self, incident_record_arn: _Optional[str] = ..., template_name: _Optional[str] = ..., name: _Optional[str] = ..., client_token: _Optional[str] = ...) -> None: ...

class CreateAnalysisResponse(_message.Message):
    __slots__ = ("analysis_arn",)
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    def __init__(self, analysis_arn: _Optional[str] = ...) -> None: ...

class GetAnalysisRequest(_message.Message):
    __slots__ = ("analysis_arn",)
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    def __init__(self, analysis_arn: _Optional[str] = ...) -> None: ...

class GetAnalysisResponse(_message.Message):
    __slots__ = ("analysis",)
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    analysis: Analysis
    def __init__(self, analysis: _Optional[_Union[Analysis, _Mapping]] = ...) -> None: ...

class ListAnalysesRequest(_message.Message):
    __slots__ = ("incident_record_arn", "status", "response_plan_arn", "max_results", "next_token")
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    incident_record_arn: str
    status: AnalysisStatus
    response_plan_arn: str
    max_results: int
    next_token: str
    def __init__(self, incident_record_arn: _Optional[str] = ..., status: _Optional[_Union[AnalysisStatus, str]] = ..., response_plan_arn: _Optional[str] = ..., max_results: _Optional[int] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListAnalysesResponse(_message.Message):
    __slots__ = ("analysis_summaries", "next_token")
    ANALYSIS_SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    analysis_summaries: _containers.RepeatedCompositeFieldContainer[AnalysisSummary]
    next_token: str
    def __init__(self, analysis_summaries: _Optional[_Iterable[_Union[AnalysisSummary, _Mapping]]] = ..., next_token: _Optional[str] = ...) -> None: ...

class UpdateAnalysisRequest(_message.Message):
    __slots__ = ("analysis_arn", "name", "overview", "impact_start_time", "detected_time", "mitigated_time", "metric_queries")
    class OverviewEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OVERVIEW_FIELD_NUMBER: _ClassVar[int]
    IMPACT_START_TIME_FIELD_NUMBER: _ClassVar[int]
    DETECTED_TIME_FIELD_NUMBER: _ClassVar[int]
    MITIGATED_TIME_FIELD_NUMBER: _ClassVar[int]
    METRIC_QUERIES_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    name: str
    overview: _containers.ScalarMap[str, str]
    impact_start_time: _timestamp_pb2.Timestamp
    detected_time: _timestamp_pb2.Timestamp
    mitigated_time: _timestamp_pb2.Timestamp
    metric_queries: _containers.RepeatedCompositeFieldContainer[MetricQuery]
    def __init__(self, analysis_arn: _Optional[str] = ..., name: _Optional[str] = ..., overview: _Optional[_Mapping[str, str]] = ..., impact_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., detected_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., mitigated_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metric_queries: _Optional[_Iterable[_Union[MetricQuery, _Mapping]]] = ...) -> None: ...

class UpdateAnalysisResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteAnalysisRequest(_message.Message):
    __slots__ = ("analysis_arn",)
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    def __init__(self, analysis_arn: _Optional[str] = ...) -> None: ...

class DeleteAnalysisResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AnswerQuestionRequest(_message.Message):
    __slots__ = ("analysis_arn", "question_id", "answer", "comment")
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    question_id: str
    answer: AnswerValue
    comment: str
    def __init__(self, analysis_arn: _Optional[str] = ..., question_id: _Optional[str] = ..., answer: _Optional[_Union[AnswerValue, _Mapping]] = ..., comment: _Optional[str] = ...) -> None: ...

class AnswerQuestionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AcceptRecommendationRequest(_message.Message):
    __slots__ = ("analysis_arn", "recommendation_id", "owner_contact_arn", "due_time", "priority")
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATION_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    recommendation_id: str
    owner_contact_arn: str
    due_time: _timestamp_pb2.Timestamp
    priority: int
    def __init__(self, analysis_arn: _Optional[str] = ..., recommendation_id: _Optional[str] = ..., owner_contact_arn: _Optional[str] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., priority: _Optional[int] = ...) -> None: ...

class AcceptRecommendationResponse(_message.Message):
    __slots__ = ("ops_item_id",)
    OPS_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ops_item_id: str
    def __init__(self, ops_item_id: _Optional[str] = ...) -> None: ...

class DismissRecommendationRequest(_message.Message):
    __slots__ = ("analysis_arn", "recommendation_id")
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATION_ID_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    recommendation_id: str
    def __init__(self, analysis_arn: _Optional[str] = ..., recommendation_id: _Optional[str] = ...) -> None: ...

class DismissRecommendationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RestoreRecommendationRequest(_message.Message):
    __slots__ = ("analysis_arn", "recommendation_id")
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATION_ID_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    recommendation_id: str
    def __init__(self, analysis_arn: _Optional[str] = ..., recommendation_id: _Optional[str] = ...) -> None: ...

class RestoreRecommendationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAnalysisTimelineRequest(_message.Message):
    __slots__ = ("analysis_arn", "max_results", "next_token")
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    max_results: int
    next_token: str
    def __init__(self, analysis_arn: _Optional[str] = ..., max_results: _Optional[int] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListAnalysisTimelineResponse(_message.Message):
    __slots__ = ("events", "next_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[AnalysisTimelineEvent]
    next_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[AnalysisTimelineEvent, _Mapping]]] = ..., next_token: _Optional[str] = ...) -> None: ...

class AddAnalysisTimelineEventRequest(_message.Message):
    __slots__ = ("analysis_arn", "event_time", "event_type", "event_data")
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATA_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    event_time: _timestamp_pb2.Timestamp
    event_type: str
    event_data: str
    def __init__(self, analysis_arn: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_type: _Optional[str] = ..., event_data: _Optional[str] = ...) -> None: ...

class AddAnalysisTimelineEventResponse(_message.Message):
    __slots__ = ("point_id",)
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    point_id: str
    def __init__(self, point_id: _Optional[str] = ...) -> None: ...

class UpdateAnalysisTimelineEventRequest(_message.Message):
    __slots__ = ("analysis_arn", "point_id", "event_time", "event_type", "event_data")
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATA_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    point_id: str
    event_time: _timestamp_pb2.Timestamp
    event_type: str
    event_data: str
    def __init__(self, analysis_arn: _Optional[str] = ..., point_id: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_type: _Optional[str] = ..., event_data: _Optional[str] = ...) -> None: ...

class UpdateAnalysisTimelineEventResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteAnalysisTimelineEventRequest(_message.Message):
    __slots__ = ("analysis_arn", "point_id")
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    point_id: str
    def __init__(self, analysis_arn: _Optional[str] = ..., point_id: _Optional[str] = ...) -> None: ...

class DeleteAnalysisTimelineEventResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateChecklistItemRequest(_message.Message):
    __slots__ = ("analysis_arn", "item_id", "done")
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    item_id: str
    done: bool
    def __init__(self, analysis_arn: _Optional[str] = ..., item_id: _Optional[str] = ..., done: _Optional[bool] = ...) -> None: ...

class UpdateChecklistItemResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CompleteAnalysisRequest(_message.Message):
    __slots__ = ("analysis_arn", "acknowledge_incomplete")
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_INCOMPLETE_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    acknowledge_incomplete: bool
    def __init__(self, analysis_arn: _Optional[str] = ..., acknowledge_incomplete: _Optional[bool] = ...) -> None: ...

class CompleteAnalysisResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ExportAnalysisRequest(_message.Message):
    __slots__ = ("analysis_arn", "format", "sections")
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    format: ExportFormat
    sections: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, analysis_arn: _Optional[str] = ..., format: _Optional[_Union[ExportFormat, str]] = ..., sections: _Optional[_Iterable[str]] = ...) -> None: ...

class ExportAnalysisResponse(_message.Message):
    __slots__ = ("format", "content", "file_name")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    format: ExportFormat
    content: str
    file_name: str
    def __init__(self, format: _Optional[_Union[ExportFormat, str]] = ..., content: _Optional[str] = ..., file_name: _Optional[str] = ...) -> None: ...

class GetIncidentMetricsRequest(_message.Message):
    __slots__ = ("incident_record_arn",)
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    incident_record_arn: str
    def __init__(self, incident_record_arn: _Optional[str] = ...) -> None: ...

class GetIncidentMetricsResponse(_message.Message):
    __slots__ = ("incident_record_arn", "key_times", "metrics")
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    KEY_TIMES_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    incident_record_arn: str
    key_times: KeyTimes
    metrics: _containers.RepeatedCompositeFieldContainer[IncidentDuration]
    def __init__(self, incident_record_arn: _Optional[str] = ..., key_times: _Optional[_Union[KeyTimes, _Mapping]] = ..., metrics: _Optional[_Iterable[_Union[IncidentDuration, _Mapping]]] = ...) -> None: ...

class GetResponseMetricsRequest(_message.Message):
    __slots__ = ("group_by", "start_time", "end_time")
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    group_by: MetricsGroupBy
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, group_by: _Optional[_Union[MetricsGroupBy, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetResponseMetricsResponse(_message.Message):
    __slots__ = ("group_by", "groups", "action_items")
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    ACTION_ITEMS_FIELD_NUMBER: _ClassVar[int]
    group_by: MetricsGroupBy
    groups: _containers.RepeatedCompositeFieldContainer[ResponseMetricsGroup]
    action_items: _containers.RepeatedCompositeFieldContainer[ActionItemFollowThrough]
    def __init__(self, group_by: _Optional[_Union[MetricsGroupBy, str]] = ..., groups: _Optional[_Iterable[_Union[ResponseMetricsGroup, _Mapping]]] = ..., action_items: _Optional[_Iterable[_Union[ActionItemFollowThrough, _Mapping]]] = ...) -> None: ...

class AcceptedActionItem(_message.Message):
    __slots__ = ("recommendation_id", "ops_item_id", "title", "accepted_by", "accepted_time")
    RECOMMENDATION_ID_FIELD_NUMBER: _ClassVar[int]
    OPS_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_BY_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_TIME_FIELD_NUMBER: _ClassVar[int]
    recommendation_id: str
    ops_item_id: str
    title: str
    accepted_by: str
    accepted_time: _timestamp_pb2.Timestamp
    def __init__(self, recommendation_id: _Optional[str] = ..., ops_item_id: _Optional[str] = ..., title: _Optional[str] = ..., accepted_by: _Optional[str] = ..., accepted_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ActionItemFollowThrough(_message.Message):
    __slots__ = ("response_plan_arn", "total", "open", "overdue", "resolved", "resolved_on_time")
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    response_plan_arn: str
    total: int
    open: int
    overdue: int
    resolved: int
    resolved_on_time: int
    def __init__(self, response_plan_arn: _Optional[str] = ..., total: _Optional[int] = ..., open: _Optional[int] = ..., overdue: _Optional[int] = ..., resolved: _Optional[int] = ..., resolved_on_time: _Optional[int] = ...) -> None: ...

class Analysis(_message.Message):
    __slots__ = ("analysis_arn", "name", "incident_record_arn", "response_plan_arn", "status", "template_name", "template_version", "template_owner", "created_by", "created_time", "completed_time", "completed_by", "completed_with_open_items", "last_modified_by", "last_modified_time", "overview", "key_times", "metrics", "metric_queries", "questions", "recommendations", "dismissed_recommendations", "action_items", "checklist")
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_NAME_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_OWNER_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_BY_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_WITH_OPEN_ITEMS_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_BY_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_TIME_FIELD_NUMBER: _ClassVar[int]
    OVERVIEW_FIELD_NUMBER: _ClassVar[int]
    KEY_TIMES_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    METRIC_QUERIES_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    DISMISSED_RECOMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    ACTION_ITEMS_FIELD_NUMBER: _ClassVar[int]
    CHECKLIST_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    name: str
    incident_record_arn: str
    response_plan_arn: str
    status: AnalysisStatus
    template_name: str
    template_version: str
    template_owner: str
    created_by: str
    created_time: _timestamp_pb2.Timestamp
    completed_time: _timestamp_pb2.Timestamp
    completed_by: str
    completed_with_open_items: bool
    last_modified_by: str
    last_modified_time: _timestamp_pb2.Timestamp
    overview: _containers.RepeatedCompositeFieldContainer[OverviewField]
    key_times: KeyTimes
    metrics: _containers.RepeatedCompositeFieldContainer[IncidentDuration]
    metric_queries: _containers.RepeatedCompositeFieldContainer[MetricQuery]
    questions: _containers.RepeatedCompositeFieldContainer[QuestionSection]
    recommendations: _containers.RepeatedCompositeFieldContainer[Recommendation]
    dismissed_recommendations: _containers.RepeatedCompositeFieldContainer[Recommendation]
    action_items: _containers.RepeatedCompositeFieldContainer[AcceptedActionItem]
    checklist: _containers.RepeatedCompositeFieldContainer[ChecklistEntry]
    def __init__(self, analysis_arn: _Optional[str] = ..., name: _Optional[str] = ..., incident_record_arn: _Optional[str] = ..., response_plan_arn: _Optional[str] = ..., status: _Optional[_Union[AnalysisStatus, str]] = ..., template_name: _Optional[str] = ..., template_version: _Optional[str] = ..., template_owner: _Optional[str] = ..., created_by: _Optional[str] = ..., created_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_by: _Optional[str] = ..., completed_with_open_items: _Optional[bool] = ..., last_modified_by: _Optional[str] = ..., last_modified_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overview: _Optional[_Iterable[_Union[OverviewField, _Mapping]]] = ..., key_times: _Optional[_Union[KeyTimes, _Mapping]] = ..., metrics: _Optional[_Iterable[_Union[IncidentDuration, _Mapping]]] = ..., metric_queries: _Optional[_Iterable[_Union[MetricQuery, _Mapping]]] = ..., questions: _Optional[_Iterable[_Union[QuestionSection, _Mapping]]] = ..., recommendations: _Optional[_Iterable[_Union[Recommendation, _Mapping]]] = ..., dismissed_recommendations: _Optional[_Iterable[_Union[Recommendation, _Mapping]]] = ..., action_items: _Optional[_Iterable[_Union[AcceptedActionItem, _Mapping]]] = ..., checklist: _Optional[_Iterable[_Union[ChecklistEntry, _Mapping]]] = ...) -> None: ...

class AnalysisQuestion(_message.Message):
    __slots__ = ("question_id", "text", "answer_type", "required", "choices", "answer", "comment", "answered_by", "answered_time")
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_TYPE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    CHOICES_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_BY_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_TIME_FIELD_NUMBER: _ClassVar[int]
    question_id: str
    text: str
    answer_type: str
    required: bool
    choices: _containers.RepeatedScalarFieldContainer[str]
    answer: AnswerValue
    comment: str
    answered_by: str
    answered_time: _timestamp_pb2.Timestamp
    def __init__(self, question_id: _Optional[str] = ..., text: _Optional[str] = ..., answer_type: _Optional[str] = ..., required: _Optional[bool] = ..., choices: _Optional[_Iterable[str]] = ..., answer: _Optional[_Union[AnswerValue, _Mapping]] = ..., comment: _Optional[str] = ..., answered_by: _Optional[str] = ..., answered_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AnalysisSummary(_message.Message):
    __slots__ = ("analysis_arn", "name", "incident_record_arn", "response_plan_arn", "status", "template_name", "template_version", "created_by", "created_time", "completed_time")
    ANALYSIS_ARN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_RECORD_ARN_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_NAME_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_TIME_FIELD_NUMBER: _ClassVar[int]
    analysis_arn: str
    name: str
    incident_record_arn: str
    response_plan_arn: str
    status: AnalysisStatus
    template_name: str
    template_version: str
    created_by: str
    created_time: _timestamp_pb2.Timestamp
    completed_time: _timestamp_pb2.Timestamp
    def __init__(self, analysis_arn: _Optional[str] = ..., name: _Optional[str] = ..., incident_record_arn: _Optional[str] = ..., response_plan_arn: _Optional[str] = ..., status: _Optional[_Union[AnalysisStatus, str]] = ..., template_name: _Optional[str] = ..., template_version: _Optional[str] = ..., created_by: _Optional[str] = ..., created_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AnalysisTimelineEvent(_message.Message):
    __slots__ = ("point_id", "event_time", "event_type", "event_data", "edited", "source_event_id")
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATA_FIELD_NUMBER: _ClassVar[int]
    EDITED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    point_id: str
    event_time: _timestamp_pb2.Timestamp
    event_type: str
    event_data: str
    edited: bool
    source_event_id: str
    def __init__(self, point_id: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_type: _Optional[str] = ..., event_data: _Optional[str] = ..., edited: _Optional[bool] = ..., source_event_id: _Optional[str] = ...) -> None: ...

class AnswerValue(_message.Message):
    __slots__ = ("text", "flag", "items")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    text: str
    flag: bool
    items: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, text: _Optional[str] = ..., flag: _Optional[bool] = ..., items: _Optional[_Iterable[str]] = ...) -> None: ...

class ChecklistEntry(_message.Message):
    __slots__ = ("item_id", "text", "done")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    text: str
    done: bool
    def __init__(self, item_id: _Optional[str] = ..., text: _Optional[str] = ..., done: _Optional[bool] = ...) -> None: ...

class DeliveryStatus(_message.Message):
    __slots__ = ("delivery_id", "kind", "channel_type", "channel_arn", "state", "attempts", "resends", "provider", "delay_reason", "expected_send_at", "received_at", "sent_at", "last_error", "priority")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ARN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    RESENDS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    DELAY_REASON_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_SEND_AT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    kind: str
    channel_type: str
    channel_arn: str
    state: DeliveryState
    attempts: int
    resends: int
    provider: str
    delay_reason: str
    expected_send_at: _timestamp_pb2.Timestamp
    received_at: _timestamp_pb2.Timestamp
    sent_at: _timestamp_pb2.Timestamp
    last_error: str
    priority: int
    def __init__(self, delivery_id: _Optional[str] = ..., kind: _Optional[str] = ..., channel_type: _Optional[str] = ..., channel_arn: _Optional[str] = ..., state: _Optional[_Union[DeliveryState, str]] = ..., attempts: _Optional[int] = ..., resends: _Optional[int] = ..., provider: _Optional[str] = ..., delay_reason: _Optional[str] = ..., expected_send_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_error: _Optional[str] = ..., priority: _Optional[int] = ...) -> None: ...

class DurationStats(_message.Message):
    __slots__ = ("count", "mean", "p50", "p90")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    P50_FIELD_NUMBER: _ClassVar[int]
    P90_FIELD_NUMBER: _ClassVar[int]
    count: int
    mean: float
    p50: float
    p90: float
    def __init__(self, count: _Optional[int] = ..., mean: _Optional[float] = ..., p50: _Optional[float] = ..., p90: _Optional[float] = ...) -> None: ...

class IncidentDuration(_message.Message):
    __slots__ = ("name", "status", "seconds", "start", "end", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    status: DurationStatus
    seconds: float
    start: str
    end: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., status: _Optional[_Union[DurationStatus, str]] = ..., seconds: _Optional[float] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class IntegrationKey(_message.Message):
    __slots__ = ("id", "response_plan_arn", "created_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    response_plan_arn: str
    created_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., response_plan_arn: _Optional[str] = ..., created_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class KeyTimes(_message.Message):
    __slots__ = ("impact_start_time", "detected_time", "declared_time", "first_engaged_time", "first_acknowledged_time", "mitigated_time", "resolved_time")
    IMPACT_START_TIME_FIELD_NUMBER: _ClassVar[int]
    DETECTED_TIME_FIELD_NUMBER: _ClassVar[int]
    DECLARED_TIME_FIELD_NUMBER: _ClassVar[int]
    FIRST_ENGAGED_TIME_FIELD_NUMBER: _ClassVar[int]
    FIRST_ACKNOWLEDGED_TIME_FIELD_NUMBER: _ClassVar[int]
    MITIGATED_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_TIME_FIELD_NUMBER: _ClassVar[int]
    impact_start_time: _timestamp_pb2.Timestamp
    detected_time: _timestamp_pb2.Timestamp
    declared_time: _timestamp_pb2.Timestamp
    first_engaged_time: _timestamp_pb2.Timestamp
    first_acknowledged_time: _timestamp_pb2.Timestamp
    mitigated_time: _timestamp_pb2.Timestamp
    resolved_time: _timestamp_pb2.Timestamp
    def __init__(self, impact_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., detected_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., declared_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., first_engaged_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., first_acknowledged_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., mitigated_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MetricQuery(_message.Message):
    __slots__ = ("title", "query")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    title: str
    query: str
    def __init__(self, title: _Optional[str] = ..., query: _Optional[str] = ...) -> None: ...

class OverviewField(_message.Message):
    __slots__ = ("field_id", "title", "required", "text")
    FIELD_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    field_id: str
    title: str
    required: bool
    text: str
    def __init__(self, field_id: _Optional[str] = ..., title: _Optional[str] = ..., required: _Optional[bool] = ..., text: _Optional[str] = ...) -> None: ...

class QuestionSection(_message.Message):
    __slots__ = ("section_id", "title", "questions")
    SECTION_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    section_id: str
    title: str
    questions: _containers.RepeatedCompositeFieldContainer[AnalysisQuestion]
    def __init__(self, section_id: _Optional[str] = ..., title: _Optional[str] = ..., questions: _Optional[_Iterable[_Union[AnalysisQuestion, _Mapping]]] = ...) -> None: ...

class Recommendation(_message.Message):
    __slots__ = ("id", "question_id", "title", "description", "category", "priority", "dismissed_by", "dismissed_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    DISMISSED_BY_FIELD_NUMBER: _ClassVar[int]
    DISMISSED_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    question_id: str
    title: str
    description: str
    category: str
    priority: int
    dismissed_by: str
    dismissed_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., question_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., category: _Optional[str] = ..., priority: _Optional[int] = ..., dismissed_by: _Optional[str] = ..., dismissed_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ResponseMetricsGroup(_message.Message):
    __slots__ = ("key", "incident_count", "durations")
    class DurationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: DurationStats
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[DurationStats, _Mapping]] = ...) -> None: ...
    KEY_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    DURATIONS_FIELD_NUMBER: _ClassVar[int]
    key: str
    incident_count: int
    durations: _containers.MessageMap[str, DurationStats]
    def __init__(self, key: _Optional[str] = ..., incident_count: _Optional[int] = ..., durations: _Optional[_Mapping[str, DurationStats]] = ...) -> None: ...

class Rule(_message.Message):
    __slots__ = ("name", "arn", "event_pattern", "response_plan_arn", "state", "description", "created_time", "last_modified_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ARN_FIELD_NUMBER: _ClassVar[int]
    EVENT_PATTERN_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    arn: str
    event_pattern: str
    response_plan_arn: str
    state: RuleState
    description: str
    created_time: _timestamp_pb2.Timestamp
    last_modified_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., arn: _Optional[str] = ..., event_pattern: _Optional[str] = ..., response_plan_arn: _Optional[str] = ..., state: _Optional[_Union[RuleState, str]] = ..., description: _Optional[str] = ..., created_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_modified_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RunbookParameterValues(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class TriggerDetails(_message.Message):
    __slots__ = ("source", "timestamp", "trigger_arn", "raw_data")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ARN_FIELD_NUMBER: _ClassVar[int]
    RAW_DATA_FIELD_NUMBER: _ClassVar[int]
    source: str
    timestamp: _timestamp_pb2.Timestamp
    trigger_arn: str
    raw_data: str
    def __init__(self, source: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., trigger_arn: _Optional[str] = ..., raw_data: _Optional[str] = ...) -> None: ...
