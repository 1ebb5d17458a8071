import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeliveryState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATE_UNSPECIFIED: _ClassVar[DeliveryState]
    DELIVERY_STATE_PENDING: _ClassVar[DeliveryState]
    DELIVERY_STATE_SENT: _ClassVar[DeliveryState]
    DELIVERY_STATE_DEAD: _ClassVar[DeliveryState]
    DELIVERY_STATE_EXPIRED: _ClassVar[DeliveryState]

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
DELIVERY_STATE_UNSPECIFIED: DeliveryState
DELIVERY_STATE_PENDING: DeliveryState
DELIVERY_STATE_SENT: DeliveryState
DELIVERY_STATE_DEAD: DeliveryState
DELIVERY_STATE_EXPIRED: DeliveryState
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
    __slots__ = ("response_plan_arn", "expires_time")
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_TIME_FIELD_NUMBER: _ClassVar[int]
    response_plan_arn: str
    expires_time: _timestamp_pb2.Timestamp
    def __init__(self, response_plan_arn: _Optional[str] = ..., expires_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateIntegrationKeyResponse(_message.Message):
    __slots__ = ("id", "response_plan_arn", "created_time", "integration_key", "expires_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    INTEGRATION_KEY_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    response_plan_arn: str
    created_time: _timestamp_pb2.Timestamp
    integration_key: str
    expires_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., response_plan_arn: _Optional[str] = ..., created_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., integration_key: _Optional[str] = ..., expires_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

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

class IntegrationKey(_message.Message):
    __slots__ = ("id", "response_plan_arn", "created_time", "expires_time", "last_used_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    response_plan_arn: str
    created_time: _timestamp_pb2.Timestamp
    expires_time: _timestamp_pb2.Timestamp
    last_used_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., response_plan_arn: _Optional[str] = ..., created_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

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
