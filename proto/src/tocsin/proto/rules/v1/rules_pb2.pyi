import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RuleState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RULE_STATE_UNSPECIFIED: _ClassVar[RuleState]
    RULE_STATE_ENABLED: _ClassVar[RuleState]
    RULE_STATE_DISABLED: _ClassVar[RuleState]
RULE_STATE_UNSPECIFIED: RuleState
RULE_STATE_ENABLED: RuleState
RULE_STATE_DISABLED: RuleState

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

class GetRuleRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class RuleResponse(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: Rule
    def __init__(self, rule: _Optional[_Union[Rule, _Mapping]] = ...) -> None: ...

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

class DeleteRuleRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteRuleResponse(_message.Message):
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

class TestEventPatternResponse(_message.Message):
    __slots__ = ("result", "action", "trigger_details", "response_plan_arn")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_DETAILS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    result: bool
    action: str
    trigger_details: TriggerDetails
    response_plan_arn: str
    def __init__(self, result: _Optional[bool] = ..., action: _Optional[str] = ..., trigger_details: _Optional[_Union[TriggerDetails, _Mapping]] = ..., response_plan_arn: _Optional[str] = ...) -> None: ...

class IntegrationKey(_message.Message):
    __slots__ = ("id", "response_plan_arn", "created_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_PLAN_ARN_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    response_plan_arn: str
    created_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., response_plan_arn: _Optional[str] = ..., created_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

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

class DeleteIntegrationKeyRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteIntegrationKeyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
