import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WatchEventsRequest(_message.Message):
    __slots__ = ("incident_arns", "event_types", "services", "start_sequence", "from_beginning")
    INCIDENT_ARNS_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    START_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    FROM_BEGINNING_FIELD_NUMBER: _ClassVar[int]
    incident_arns: _containers.RepeatedScalarFieldContainer[str]
    event_types: _containers.RepeatedScalarFieldContainer[str]
    services: _containers.RepeatedScalarFieldContainer[str]
    start_sequence: int
    from_beginning: bool
    def __init__(self, incident_arns: _Optional[_Iterable[str]] = ..., event_types: _Optional[_Iterable[str]] = ..., services: _Optional[_Iterable[str]] = ..., start_sequence: _Optional[int] = ..., from_beginning: _Optional[bool] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("sequence", "id", "type", "service", "region", "time", "schema_version", "incident_arn", "engagement_arn", "request_id", "data_json")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_ARN_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_ARN_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_JSON_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    id: str
    type: str
    service: str
    region: str
    time: _timestamp_pb2.Timestamp
    schema_version: int
    incident_arn: str
    engagement_arn: str
    request_id: str
    data_json: str
    def __init__(self, sequence: _Optional[int] = ..., id: _Optional[str] = ..., type: _Optional[str] = ..., service: _Optional[str] = ..., region: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., schema_version: _Optional[int] = ..., incident_arn: _Optional[str] = ..., engagement_arn: _Optional[str] = ..., request_id: _Optional[str] = ..., data_json: _Optional[str] = ...) -> None: ...
