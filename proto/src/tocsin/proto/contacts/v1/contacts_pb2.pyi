import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AcceptCodeValidation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCEPT_CODE_VALIDATION_UNSPECIFIED: _ClassVar[AcceptCodeValidation]
    ACCEPT_CODE_VALIDATION_IGNORE: _ClassVar[AcceptCodeValidation]
    ACCEPT_CODE_VALIDATION_ENFORCE: _ClassVar[AcceptCodeValidation]

class AcceptType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCEPT_TYPE_UNSPECIFIED: _ClassVar[AcceptType]
    ACCEPT_TYPE_DELIVERED: _ClassVar[AcceptType]
    ACCEPT_TYPE_READ: _ClassVar[AcceptType]

class ActivationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVATION_STATUS_UNSPECIFIED: _ClassVar[ActivationStatus]
    ACTIVATION_STATUS_ACTIVATED: _ClassVar[ActivationStatus]
    ACTIVATION_STATUS_NOT_ACTIVATED: _ClassVar[ActivationStatus]

class ChannelType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_TYPE_UNSPECIFIED: _ClassVar[ChannelType]
    CHANNEL_TYPE_SMS: _ClassVar[ChannelType]
    CHANNEL_TYPE_VOICE: _ClassVar[ChannelType]
    CHANNEL_TYPE_EMAIL: _ClassVar[ChannelType]

class ContactType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTACT_TYPE_UNSPECIFIED: _ClassVar[ContactType]
    CONTACT_TYPE_PERSONAL: _ClassVar[ContactType]
    CONTACT_TYPE_ESCALATION: _ClassVar[ContactType]
    CONTACT_TYPE_ONCALL_SCHEDULE: _ClassVar[ContactType]

class DayOfWeek(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DAY_OF_WEEK_UNSPECIFIED: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_MON: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_TUE: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_WED: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_THU: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_FRI: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_SAT: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_SUN: _ClassVar[DayOfWeek]

class ReceiptType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECEIPT_TYPE_UNSPECIFIED: _ClassVar[ReceiptType]
    RECEIPT_TYPE_DELIVERED: _ClassVar[ReceiptType]
    RECEIPT_TYPE_ERROR: _ClassVar[ReceiptType]
    RECEIPT_TYPE_READ: _ClassVar[ReceiptType]
    RECEIPT_TYPE_SENT: _ClassVar[ReceiptType]
    RECEIPT_TYPE_STOP: _ClassVar[ReceiptType]

class ShiftType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHIFT_TYPE_UNSPECIFIED: _ClassVar[ShiftType]
    SHIFT_TYPE_REGULAR: _ClassVar[ShiftType]
    SHIFT_TYPE_OVERRIDDEN: _ClassVar[ShiftType]

class ValidationExceptionReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VALIDATION_EXCEPTION_REASON_UNSPECIFIED: _ClassVar[ValidationExceptionReason]
    VALIDATION_EXCEPTION_REASON_UNKNOWN_OPERATION: _ClassVar[ValidationExceptionReason]
    VALIDATION_EXCEPTION_REASON_CANNOT_PARSE: _ClassVar[ValidationExceptionReason]
    VALIDATION_EXCEPTION_REASON_FIELD_VALIDATION_FAILED: _ClassVar[ValidationExceptionReason]
    VALIDATION_EXCEPTION_REASON_OTHER: _ClassVar[ValidationExceptionReason]
ACCEPT_CODE_VALIDATION_UNSPECIFIED: AcceptCodeValidation
ACCEPT_CODE_VALIDATION_IGNORE: AcceptCodeValidation
ACCEPT_CODE_VALIDATION_ENFORCE: AcceptCodeValidation
ACCEPT_TYPE_UNSPECIFIED: AcceptType
ACCEPT_TYPE_DELIVERED: AcceptType
ACCEPT_TYPE_READ: AcceptType
ACTIVATION_STATUS_UNSPECIFIED: ActivationStatus
ACTIVATION_STATUS_ACTIVATED: ActivationStatus
ACTIVATION_STATUS_NOT_ACTIVATED: ActivationStatus
CHANNEL_TYPE_UNSPECIFIED: ChannelType
CHANNEL_TYPE_SMS: ChannelType
CHANNEL_TYPE_VOICE: ChannelType
CHANNEL_TYPE_EMAIL: ChannelType
CONTACT_TYPE_UNSPECIFIED: ContactType
CONTACT_TYPE_PERSONAL: ContactType
CONTACT_TYPE_ESCALATION: ContactType
CONTACT_TYPE_ONCALL_SCHEDULE: ContactType
DAY_OF_WEEK_UNSPECIFIED: DayOfWeek
DAY_OF_WEEK_MON: DayOfWeek
DAY_OF_WEEK_TUE: DayOfWeek
DAY_OF_WEEK_WED: DayOfWeek
DAY_OF_WEEK_THU: DayOfWeek
DAY_OF_WEEK_FRI: DayOfWeek
DAY_OF_WEEK_SAT: DayOfWeek
DAY_OF_WEEK_SUN: DayOfWeek
RECEIPT_TYPE_UNSPECIFIED: ReceiptType
RECEIPT_TYPE_DELIVERED: ReceiptType
RECEIPT_TYPE_ERROR: ReceiptType
RECEIPT_TYPE_READ: ReceiptType
RECEIPT_TYPE_SENT: ReceiptType
RECEIPT_TYPE_STOP: ReceiptType
SHIFT_TYPE_UNSPECIFIED: ShiftType
SHIFT_TYPE_REGULAR: ShiftType
SHIFT_TYPE_OVERRIDDEN: ShiftType
VALIDATION_EXCEPTION_REASON_UNSPECIFIED: ValidationExceptionReason
VALIDATION_EXCEPTION_REASON_UNKNOWN_OPERATION: ValidationExceptionReason
VALIDATION_EXCEPTION_REASON_CANNOT_PARSE: ValidationExceptionReason
VALIDATION_EXCEPTION_REASON_FIELD_VALIDATION_FAILED: ValidationExceptionReason
VALIDATION_EXCEPTION_REASON_OTHER: ValidationExceptionReason

class AcceptPageRequest(_message.Message):
    __slots__ = ("page_id", "contact_channel_id", "accept_type", "note", "accept_code", "accept_code_validation")
    PAGE_ID_FIELD_NUMBER: _ClassVar[int]
    CONTACT_CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_TYPE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_CODE_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_CODE_VALIDATION_FIELD_NUMBER: _ClassVar[int]
    page_id: str
    contact_channel_id: str
    accept_type: AcceptType
    note: str
    accept_code: str
    accept_code_validation: AcceptCodeValidation
    def __init__(self, page_id: _Optional[str] = ..., contact_channel_id: _Optional[str] = ..., accept_type: _Optional[_Union[AcceptType, str]] = ..., note: _Optional[str] = ..., accept_code: _Optional[str] = ..., accept_code_validation: _Optional[_Union[AcceptCodeValidation, str]] = ...) -> None: ...

class AcceptPageResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ActivateContactChannelRequest(_message.Message):
    __slots__ = ("contact_channel_id", "activation_code")
    CONTACT_CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVATION_CODE_FIELD_NUMBER: _ClassVar[int]
    contact_channel_id: str
    activation_code: str
    def __init__(self, contact_channel_id: _Optional[str] = ..., activation_code: _Optional[str] = ...) -> None: ...

class ActivateContactChannelResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateContactRequest(_message.Message):
    __slots__ = ("alias", "display_name", "type", "plan", "tags", "idempotency_token")
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    alias: str
    display_name: str
    type: ContactType
    plan: Plan
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    idempotency_token: str
    def __init__(self, alias: _Optional[str] = ..., display_name: _Optional[str] = ..., type: _Optional[_Union[ContactType, str]] = ..., plan: _Optional[_Union[Plan, _Mapping]] = ..., tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ..., idempotency_token: _Optional[str] = ...) -> None: ...

class CreateContactResponse(_message.Message):
    __slots__ = ("contact_arn",)
    CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    contact_arn: str
    def __init__(self, contact_arn: _Optional[str] = ...) -> None: ...

class CreateContactChannelRequest(_message.Message):
    __slots__ = ("contact_id", "name", "type", "delivery_address", "defer_activation", "idempotency_token")
    CONTACT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DEFER_ACTIVATION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    contact_id: str
    name: str
    type: ChannelType
    delivery_address: ContactChannelAddress
    defer_activation: bool
    idempotency_token: str
    def __init__(self, contact_id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[_Union[ChannelType, str]] = ..., delivery_address: _Optional[_Union[ContactChannelAddress, _Mapping]] = ..., defer_activation: _Optional[bool] = ..., idempotency_token: _Optional[str] = ...) -> None: ...

class CreateContactChannelResponse(_message.Message):
    __slots__ = ("contact_channel_arn",)
    CONTACT_CHANNEL_ARN_FIELD_NUMBER: _ClassVar[int]
    contact_channel_arn: str
    def __init__(self, contact_channel_arn: _Optional[str] = ...) -> None: ...

class CreateRotationRequest(_message.Message):
    __slots__ = ("name", "contact_ids", "start_time", "time_zone_id", "recurrence", "tags", "idempotency_token")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_IDS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    name: str
    contact_ids: _containers.RepeatedScalarFieldContainer[str]
    start_time: _timestamp_pb2.Timestamp
    time_zone_id: str
    recurrence: RecurrenceSettings
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    idempotency_token: str
    def __init__(self, name: _Optional[str] = ..., contact_ids: _Optional[_Iterable[str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_zone_id: _Optional[str] = ..., recurrence: _Optional[_Union[RecurrenceSettings, _Mapping]] = ..., tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ..., idempotency_token: _Optional[str] = ...) -> None: ...

class CreateRotationResponse(_message.Message):
    __slots__ = ("rotation_arn",)
    ROTATION_ARN_FIELD_NUMBER: _ClassVar[int]
    rotation_arn: str
    def __init__(self, rotation_arn: _Optional[str] = ...) -> None: ...

class CreateRotationOverrideRequest(_message.Message):
    __slots__ = ("rotation_id", "new_contact_ids", "start_time", "end_time", "idempotency_token")
    ROTATION_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_CONTACT_IDS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    rotation_id: str
    new_contact_ids: _containers.RepeatedScalarFieldContainer[str]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    idempotency_token: str
    def __init__(self, rotation_id: _Optional[str] = ..., new_contact_ids: _Optional[_Iterable[str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_token: _Optional[str] = ...) -> None: ...

class CreateRotationOverrideResponse(_message.Message):
    __slots__ = ("rotation_override_id",)
    ROTATION_OVERRIDE_ID_FIELD_NUMBER: _ClassVar[int]
    rotation_override_id: str
    def __init__(self, rotation_override_id: _Optional[str] = ...) -> None: ...

class DeactivateContactChannelRequest(_message.Message):
    __slots__ = ("contact_channel_id",)
    CONTACT_CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    contact_channel_id: str
    def __init__(self, contact_channel_id: _Optional[str] = ...) -> None: ...

class DeactivateContactChannelResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteContactRequest(_message.Message):
    __slots__ = ("contact_id",)
    CONTACT_ID_FIELD_NUMBER: _ClassVar[int]
    contact_id: str
    def __init__(self, contact_id: _Optional[str] = ...) -> None: ...

class DeleteContactResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteContactChannelRequest(_message.Message):
    __slots__ = ("contact_channel_id",)
    CONTACT_CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    contact_channel_id: str
    def __init__(self, contact_channel_id: _Optional[str] = ...) -> None: ...

class DeleteContactChannelResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteRotationRequest(_message.Message):
    __slots__ = ("rotation_id",)
    ROTATION_ID_FIELD_NUMBER: _ClassVar[int]
    rotation_id: str
    def __init__(self, rotation_id: _Optional[str] = ...) -> None: ...

class DeleteRotationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteRotationOverrideRequest(_message.Message):
    __slots__ = ("rotation_id", "rotation_override_id")
    ROTATION_ID_FIELD_NUMBER: _ClassVar[int]
    ROTATION_OVERRIDE_ID_FIELD_NUMBER: _ClassVar[int]
    rotation_id: str
    rotation_override_id: str
    def __init__(self, rotation_id: _Optional[str] = ..., rotation_override_id: _Optional[str] = ...) -> None: ...

class DeleteRotationOverrideResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DescribeEngagementRequest(_message.Message):
    __slots__ = ("engagement_id",)
    ENGAGEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    engagement_id: str
    def __init__(self, engagement_id: _Optional[str] = ...) -> None: ...

class DescribeEngagementResponse(_message.Message):
    __slots__ = ("contact_arn", "engagement_arn", "sender", "subject", "content", "public_subject", "public_content", "incident_id", "start_time", "stop_time")
    CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_ARN_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_CONTENT_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    STOP_TIME_FIELD_NUMBER: _ClassVar[int]
    contact_arn: str
    engagement_arn: str
    sender: str
    subject: str
    content: str
    public_subject: str
    public_content: str
    incident_id: str
    start_time: _timestamp_pb2.Timestamp
    stop_time: _timestamp_pb2.Timestamp
    def __init__(self, contact_arn: _Optional[str] = ..., engagement_arn: _Optional[str] = ..., sender: _Optional[str] = ..., subject: _Optional[str] = ..., content: _Optional[str] = ..., public_subject: _Optional[str] = ..., public_content: _Optional[str] = ..., incident_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stop_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DescribePageRequest(_message.Message):
    __slots__ = ("page_id",)
    PAGE_ID_FIELD_NUMBER: _ClassVar[int]
    page_id: str
    def __init__(self, page_id: _Optional[str] = ...) -> None: ...

class DescribePageResponse(_message.Message):
    __slots__ = ("page_arn", "engagement_arn", "contact_arn", "sender", "subject", "content", "public_subject", "public_content", "incident_id", "sent_time", "read_time", "delivery_time")
    PAGE_ARN_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_ARN_FIELD_NUMBER: _ClassVar[int]
    CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_CONTENT_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_ID_FIELD_NUMBER: _ClassVar[int]
    SENT_TIME_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_TIME_FIELD_NUMBER: _ClassVar[int]
    page_arn: str
    engagement_arn: str
    contact_arn: str
    sender: str
    subject: str
    content: str
    public_subject: str
    public_content: str
    incident_id: str
    sent_time: _timestamp_pb2.Timestamp
    read_time: _timestamp_pb2.Timestamp
    delivery_time: _timestamp_pb2.Timestamp
    def __init__(self, page_arn: _Optional[str] = ..., engagement_arn: _Optional[str] = ..., contact_arn: _Optional[str] = ..., sender: _Optional[str] = ..., subject: _Optional[str] = ..., content: _Optional[str] = ..., public_subject: _Optional[str] = ..., public_content: _Optional[str] = ..., incident_id: _Optional[str] = ..., sent_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivery_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetContactRequest(_message.Message):
    __slots__ = ("contact_id",)
    CONTACT_ID_FIELD_NUMBER: _ClassVar[int]
    contact_id: str
    def __init__(self, contact_id: _Optional[str] = ...) -> None: ...

class GetContactResponse(_message.Message):
    __slots__ = ("contact_arn", "alias", "display_name", "type", "plan")
    CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    contact_arn: str
    alias: str
    display_name: str
    type: ContactType
    plan: Plan
    def __init__(self, contact_arn: _Optional[str] = ..., alias: _Optional[str] = ..., display_name: _Optional[str] = ..., type: _Optional[_Union[ContactType, str]] = ..., plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class GetContactChannelRequest(_message.Message):
    __slots__ = ("contact_channel_id",)
    CONTACT_CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    contact_channel_id: str
    def __init__(self, contact_channel_id: _Optional[str] = ...) -> None: ...

class GetContactChannelResponse(_message.Message):
    __slots__ = ("contact_arn", "contact_channel_arn", "name", "type", "delivery_address", "activation_status")
    CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    CONTACT_CHANNEL_ARN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    ACTIVATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    contact_arn: str
    contact_channel_arn: str
    name: str
    type: ChannelType
    delivery_address: ContactChannelAddress
    activation_status: ActivationStatus
    def __init__(self, contact_arn: _Optional[str] = ..., contact_channel_arn: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[_Union[ChannelType, str]] = ..., delivery_address: _Optional[_Union[ContactChannelAddress, _Mapping]] = ..., activation_status: _Optional[_Union[ActivationStatus, str]] = ...) -> None: ...

class GetContactPolicyRequest(_message.Message):
    __slots__ = ("contact_arn",)
    CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    contact_arn: str
    def __init__(self, contact_arn: _Optional[str] = ...) -> None: ...

class GetContactPolicyResponse(_message.Message):
    __slots__ = ("contact_arn", "policy")
    CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    contact_arn: str
    policy: str
    def __init__(self, contact_arn: _Optional[str] = ..., policy: _Optional[str] = ...) -> None: ...

class GetRotationRequest(_message.Message):
    __slots__ = ("rotation_id",)
    ROTATION_ID_FIELD_NUMBER: _ClassVar[int]
    rotation_id: str
    def __init__(self, rotation_id: _Optional[str] = ...) -> None: ...

class GetRotationResponse(_message.Message):
    __slots__ = ("rotation_arn", "name", "contact_ids", "start_time", "time_zone_id", "recurrence")
    ROTATION_ARN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_IDS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_FIELD_NUMBER: _ClassVar[int]
    rotation_arn: str
    name: str
    contact_ids: _containers.RepeatedScalarFieldContainer[str]
    start_time: _timestamp_pb2.Timestamp
    time_zone_id: str
    recurrence: RecurrenceSettings
    def __init__(self, rotation_arn: _Optional[str] = ..., name: _Optional[str] = ..., contact_ids: _Optional[_Iterable[str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_zone_id: _Optional[str] = ..., recurrence: _Optional[_Union[RecurrenceSettings, _Mapping]] = ...) -> None: ...

class GetRotationOverrideRequest(_message.Message):
    __slots__ = ("rotation_id", "rotation_override_id")
    ROTATION_ID_FIELD_NUMBER: _ClassVar[int]
    ROTATION_OVERRIDE_ID_FIELD_NUMBER: _ClassVar[int]
    rotation_id: str
    rotation_override_id: str
    def __init__(self, rotation_id: _Optional[str] = ..., rotation_override_id: _Optional[str] = ...) -> None: ...

class GetRotationOverrideResponse(_message.Message):
    __slots__ = ("rotation_override_id", "rotation_arn", "new_contact_ids", "start_time", "end_time", "create_time")
    ROTATION_OVERRIDE_ID_FIELD_NUMBER: _ClassVar[int]
    ROTATION_ARN_FIELD_NUMBER: _ClassVar[int]
    NEW_CONTACT_IDS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    rotation_override_id: str
    rotation_arn: str
    new_contact_ids: _containers.RepeatedScalarFieldContainer[str]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, rotation_override_id: _Optional[str] = ..., rotation_arn: _Optional[str] = ..., new_contact_ids: _Optional[_Iterable[str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListContactChannelsRequest(_message.Message):
    __slots__ = ("contact_id", "next_token", "max_results")
    CONTACT_ID_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    contact_id: str
    next_token: str
    max_results: int
    def __init__(self, contact_id: _Optional[str] = ..., next_token: _Optional[str] = ..., max_results: _Optional[int] = ...) -> None: ...

class ListContactChannelsResponse(_message.Message):
    __slots__ = ("next_token", "contact_channels")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CONTACT_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    contact_channels: _containers.RepeatedCompositeFieldContainer[ContactChannel]
    def __init__(self, next_token: _Optional[str] = ..., contact_channels: _Optional[_Iterable[_Union[ContactChannel, _Mapping]]] = ...) -> None: ...

class ListContactsRequest(_message.Message):
    __slots__ = ("next_token", "max_results", "alias_prefix", "type")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    ALIAS_PREFIX_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    max_results: int
    alias_prefix: str
    type: ContactType
    def __init__(self, next_token: _Optional[str] = ..., max_results: _Optional[int] = ..., alias_prefix: _Optional[str] = ..., type: _Optional[_Union[ContactType, str]] = ...) -> None: ...

class ListContactsResponse(_message.Message):
    __slots__ = ("next_token", "contacts")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    contacts: _containers.RepeatedCompositeFieldContainer[Contact]
    def __init__(self, next_token: _Optional[str] = ..., contacts: _Optional[_Iterable[_Union[Contact, _Mapping]]] = ...) -> None: ...

class ListEngagementsRequest(_message.Message):
    __slots__ = ("next_token", "max_results", "incident_id", "time_range_value")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_VALUE_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    max_results: int
    incident_id: str
    time_range_value: TimeRange
    def __init__(self, next_token: _Optional[str] = ..., max_results: _Optional[int] = ..., incident_id: _Optional[str] = ..., time_range_value: _Optional[_Union[TimeRange, _Mapping]] = ...) -> None: ...

class ListEngagementsResponse(_message.Message):
    __slots__ = ("next_token", "engagements")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENTS_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    engagements: _containers.RepeatedCompositeFieldContainer[Engagement]
    def __init__(self, next_token: _Optional[str] = ..., engagements: _Optional[_Iterable[_Union[Engagement, _Mapping]]] = ...) -> None: ...

class ListPageReceiptsRequest(_message.Message):
    __slots__ = ("page_id", "next_token", "max_results")
    PAGE_ID_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    page_id: str
    next_token: str
    max_results: int
    def __init__(self, page_id: _Optional[str] = ..., next_token: _Optional[str] = ..., max_results: _Optional[int] = ...) -> None: ...

class ListPageReceiptsResponse(_message.Message):
    __slots__ = ("next_token", "receipts")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    receipts: _containers.RepeatedCompositeFieldContainer[Receipt]
    def __init__(self, next_token: _Optional[str] = ..., receipts: _Optional[_Iterable[_Union[Receipt, _Mapping]]] = ...) -> None: ...

class ListPageResolutionsRequest(_message.Message):
    __slots__ = ("next_token", "page_id")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PAGE_ID_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    page_id: str
    def __init__(self, next_token: _Optional[str] = ..., page_id: _Optional[str] = ...) -> None: ...

class ListPageResolutionsResponse(_message.Message):
    __slots__ = ("next_token", "page_resolutions")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PAGE_RESOLUTIONS_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    page_resolutions: _containers.RepeatedCompositeFieldContainer[ResolutionContact]
    def __init__(self, next_token: _Optional[str] = ..., page_resolutions: _Optional[_Iterable[_Union[ResolutionContact, _Mapping]]] = ...) -> None: ...

class ListPagesByContactRequest(_message.Message):
    __slots__ = ("contact_id", "next_token", "max_results")
    CONTACT_ID_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    contact_id: str
    next_token: str
    max_results: int
    def __init__(self, contact_id: _Optional[str] = ..., next_token: _Optional[str] = ..., max_results: _Optional[int] = ...) -> None: ...

class ListPagesByContactResponse(_message.Message):
    __slots__ = ("next_token", "pages")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PAGES_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    pages: _containers.RepeatedCompositeFieldContainer[Page]
    def __init__(self, next_token: _Optional[str] = ..., pages: _Optional[_Iterable[_Union[Page, _Mapping]]] = ...) -> None: ...

class ListPagesByEngagementRequest(_message.Message):
    __slots__ = ("engagement_id", "next_token", "max_results")
    ENGAGEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    engagement_id: str
    next_token: str
    max_results: int
    def __init__(self, engagement_id: _Optional[str] = ..., next_token: _Optional[str] = ..., max_results: _Optional[int] = ...) -> None: ...

class ListPagesByEngagementResponse(_message.Message):
    __slots__ = ("next_token", "pages")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PAGES_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    pages: _containers.RepeatedCompositeFieldContainer[Page]
    def __init__(self, next_token: _Optional[str] = ..., pages: _Optional[_Iterable[_Union[Page, _Mapping]]] = ...) -> None: ...

class ListPreviewRotationShiftsRequest(_message.Message):
    __slots__ = ("rotation_start_time", "start_time", "end_time", "members", "time_zone_id", "recurrence", "overrides", "next_token", "max_results")
    ROTATION_START_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_FIELD_NUMBER: _ClassVar[int]
    OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    rotation_start_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    members: _containers.RepeatedScalarFieldContainer[str]
    time_zone_id: str
    recurrence: RecurrenceSettings
    overrides: _containers.RepeatedCompositeFieldContainer[PreviewOverride]
    next_token: str
    max_results: int
    def __init__(self, rotation_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., members: _Optional[_Iterable[str]] = ..., time_zone_id: _Optional[str] = ..., recurrence: _Optional[_Union[RecurrenceSettings, _Mapping]] = ..., overrides: _Optional[_Iterable[_Union[PreviewOverride, _Mapping]]] = ..., next_token: _Optional[str] = ..., max_results: _Optional[int] = ...) -> None: ...

class ListPreviewRotationShiftsResponse(_message.Message):
    __slots__ = ("rotation_shifts", "next_token")
    ROTATION_SHIFTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    rotation_shifts: _containers.RepeatedCompositeFieldContainer[RotationShift]
    next_token: str
    def __init__(self, rotation_shifts: _Optional[_Iterable[_Union[RotationShift, _Mapping]]] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListRotationOverridesRequest(_message.Message):
    __slots__ = ("rotation_id", "start_time", "end_time", "next_token", "max_results")
    ROTATION_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    rotation_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    next_token: str
    max_results: int
    def __init__(self, rotation_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_token: _Optional[str] = ..., max_results: _Optional[int] = ...) -> None: ...

class ListRotationOverridesResponse(_message.Message):
    __slots__ = ("rotation_overrides", "next_token")
    ROTATION_OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    rotation_overrides: _containers.RepeatedCompositeFieldContainer[RotationOverride]
    next_token: str
    def __init__(self, rotation_overrides: _Optional[_Iterable[_Union[RotationOverride, _Mapping]]] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListRotationShiftsRequest(_message.Message):
    __slots__ = ("rotation_id", "start_time", "end_time", "next_token", "max_results")
    ROTATION_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    rotation_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    next_token: str
    max_results: int
    def __init__(self, rotation_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_token: _Optional[str] = ..., max_results: _Optional[int] = ...) -> None: ...

class ListRotationShiftsResponse(_message.Message):
    __slots__ = ("rotation_shifts", "next_token")
    ROTATION_SHIFTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    rotation_shifts: _containers.RepeatedCompositeFieldContainer[RotationShift]
    next_token: str
    def __init__(self, rotation_shifts: _Optional[_Iterable[_Union[RotationShift, _Mapping]]] = ..., next_token: _Optional[str] = ...) -> None: ...

class ListRotationsRequest(_message.Message):
    __slots__ = ("rotation_name_prefix", "next_token", "max_results")
    ROTATION_NAME_PREFIX_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    rotation_name_prefix: str
    next_token: str
    max_results: int
    def __init__(self, rotation_name_prefix: _Optional[str] = ..., next_token: _Optional[str] = ..., max_results: _Optional[int] = ...) -> None: ...

class ListRotationsResponse(_message.Message):
    __slots__ = ("next_token", "rotations")
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ROTATIONS_FIELD_NUMBER: _ClassVar[int]
    next_token: str
    rotations: _containers.RepeatedCompositeFieldContainer[Rotation]
    def __init__(self, next_token: _Optional[str] = ..., rotations: _Optional[_Iterable[_Union[Rotation, _Mapping]]] = ...) -> None: ...

class ListTagsForResourceRequest(_message.Message):
    __slots__ = ("resource_arn",)
    RESOURCE_ARN_FIELD_NUMBER: _ClassVar[int]
    resource_arn: str
    def __init__(self, resource_arn: _Optional[str] = ...) -> None: ...

class ListTagsForResourceResponse(_message.Message):
    __slots__ = ("tags",)
    TAGS_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    def __init__(self, tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ...) -> None: ...

class PutContactPolicyRequest(_message.Message):
    __slots__ = ("contact_arn", "policy")
    CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    contact_arn: str
    policy: str
    def __init__(self, contact_arn: _Optional[str] = ..., policy: _Optional[str] = ...) -> None: ...

class PutContactPolicyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SendActivationCodeRequest(_message.Message):
    __slots__ = ("contact_channel_id",)
    CONTACT_CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    contact_channel_id: str
    def __init__(self, contact_channel_id: _Optional[str] = ...) -> None: ...

class SendActivationCodeResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StartEngagementRequest(_message.Message):
    __slots__ = ("contact_id", "sender", "subject", "content", "public_subject", "public_content", "incident_id", "idempotency_token")
    CONTACT_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_CONTENT_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    contact_id: str
    sender: str
    subject: str
    content: str
    public_subject: str
    public_content: str
    incident_id: str
    idempotency_token: str
    def __init__(self, contact_id: _Optional[str] = ..., sender: _Optional[str] = ..., subject: _Optional[str] = ..., content: _Optional[str] = ..., public_subject: _Optional[str] = ..., public_content: _Optional[str] = ..., incident_id: _Optional[str] = ..., idempotency_token: _Optional[str] = ...) -> None: ...

class StartEngagementResponse(_message.Message):
    __slots__ = ("engagement_arn",)
    ENGAGEMENT_ARN_FIELD_NUMBER: _ClassVar[int]
    engagement_arn: str
    def __init__(self, engagement_arn: _Optional[str] = ...) -> None: ...

class StopEngagementRequest(_message.Message):
    __slots__ = ("engagement_id", "reason")
    ENGAGEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    engagement_id: str
    reason: str
    def __init__(self, engagement_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class StopEngagementResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TagResourceRequest(_message.Message):
    __slots__ = ("resource_arn", "tags")
    RESOURCE_ARN_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    resource_arn: str
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    def __init__(self, resource_arn: _Optional[str] = ..., tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ...) -> None: ...

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

class UpdateContactRequest(_message.Message):
    __slots__ = ("contact_id", "display_name", "plan")
    CONTACT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    contact_id: str
    display_name: str
    plan: Plan
    def __init__(self, contact_id: _Optional[str] = ..., display_name: _Optional[str] = ..., plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class UpdateContactResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateContactChannelRequest(_message.Message):
    __slots__ = ("contact_channel_id", "name", "delivery_address")
    CONTACT_CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    contact_channel_id: str
    name: str
    delivery_address: ContactChannelAddress
    def __init__(self, contact_channel_id: _Optional[str] = ..., name: _Optional[str] = ..., delivery_address: _Optional[_Union[ContactChannelAddress, _Mapping]] = ...) -> None: ...

class UpdateContactChannelResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateRotationRequest(_message.Message):
    __slots__ = ("rotation_id", "contact_ids", "start_time", "time_zone_id", "recurrence")
    ROTATION_ID_FIELD_NUMBER: _ClassVar[int]
    CONTACT_IDS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_FIELD_NUMBER: _ClassVar[int]
    rotation_id: str
    contact_ids: _containers.RepeatedScalarFieldContainer[str]
    start_time: _timestamp_pb2.Timestamp
    time_zone_id: str
    recurrence: RecurrenceSettings
    def __init__(self, rotation_id: _Optional[str] = ..., contact_ids: _Optional[_Iterable[str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_zone_id: _Optional[str] = ..., recurrence: _Optional[_Union[RecurrenceSettings, _Mapping]] = ...) -> None: ...

class UpdateRotationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChannelTargetInfo(_message.Message):
    __slots__ = ("contact_channel_id", "retry_interval_in_minutes")
    CONTACT_CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    RETRY_INTERVAL_IN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    contact_channel_id: str
    retry_interval_in_minutes: int
    def __init__(self, contact_channel_id: _Optional[str] = ..., retry_interval_in_minutes: _Optional[int] = ...) -> None: ...

class Contact(_message.Message):
    __slots__ = ("contact_arn", "alias", "display_name", "type")
    CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    contact_arn: str
    alias: str
    display_name: str
    type: ContactType
    def __init__(self, contact_arn: _Optional[str] = ..., alias: _Optional[str] = ..., display_name: _Optional[str] = ..., type: _Optional[_Union[ContactType, str]] = ...) -> None: ...

class ContactChannel(_message.Message):
    __slots__ = ("contact_channel_arn", "contact_arn", "name", "type", "delivery_address", "activation_status")
    CONTACT_CHANNEL_ARN_FIELD_NUMBER: _ClassVar[int]
    CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    ACTIVATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    contact_channel_arn: str
    contact_arn: str
    name: str
    type: ChannelType
    delivery_address: ContactChannelAddress
    activation_status: ActivationStatus
    def __init__(self, contact_channel_arn: _Optional[str] = ..., contact_arn: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[_Union[ChannelType, str]] = ..., delivery_address: _Optional[_Union[ContactChannelAddress, _Mapping]] = ..., activation_status: _Optional[_Union[ActivationStatus, str]] = ...) -> None: ...

class ContactChannelAddress(_message.Message):
    __slots__ = ("simple_address",)
    SIMPLE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    simple_address: str
    def __init__(self, simple_address: _Optional[str] = ...) -> None: ...

class ContactTargetInfo(_message.Message):
    __slots__ = ("contact_id", "is_essential")
    CONTACT_ID_FIELD_NUMBER: _ClassVar[int]
    IS_ESSENTIAL_FIELD_NUMBER: _ClassVar[int]
    contact_id: str
    is_essential: bool
    def __init__(self, contact_id: _Optional[str] = ..., is_essential: _Optional[bool] = ...) -> None: ...

class CoverageTime(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: HandOffTime
    end: HandOffTime
    def __init__(self, start: _Optional[_Union[HandOffTime, _Mapping]] = ..., end: _Optional[_Union[HandOffTime, _Mapping]] = ...) -> None: ...

class CoverageTimes(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[CoverageTime]
    def __init__(self, values: _Optional[_Iterable[_Union[CoverageTime, _Mapping]]] = ...) -> None: ...

class Engagement(_message.Message):
    __slots__ = ("engagement_arn", "contact_arn", "sender", "incident_id", "start_time", "stop_time")
    ENGAGEMENT_ARN_FIELD_NUMBER: _ClassVar[int]
    CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    STOP_TIME_FIELD_NUMBER: _ClassVar[int]
    engagement_arn: str
    contact_arn: str
    sender: str
    incident_id: str
    start_time: _timestamp_pb2.Timestamp
    stop_time: _timestamp_pb2.Timestamp
    def __init__(self, engagement_arn: _Optional[str] = ..., contact_arn: _Optional[str] = ..., sender: _Optional[str] = ..., incident_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stop_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HandOffTime(_message.Message):
    __slots__ = ("hour_of_day", "minute_of_hour")
    HOUR_OF_DAY_FIELD_NUMBER: _ClassVar[int]
    MINUTE_OF_HOUR_FIELD_NUMBER: _ClassVar[int]
    hour_of_day: int
    minute_of_hour: int
    def __init__(self, hour_of_day: _Optional[int] = ..., minute_of_hour: _Optional[int] = ...) -> None: ...

class MonthlySetting(_message.Message):
    __slots__ = ("day_of_month", "hand_off_time")
    DAY_OF_MONTH_FIELD_NUMBER: _ClassVar[int]
    HAND_OFF_TIME_FIELD_NUMBER: _ClassVar[int]
    day_of_month: int
    hand_off_time: HandOffTime
    def __init__(self, day_of_month: _Optional[int] = ..., hand_off_time: _Optional[_Union[HandOffTime, _Mapping]] = ...) -> None: ...

class Page(_message.Message):
    __slots__ = ("page_arn", "engagement_arn", "contact_arn", "sender", "incident_id", "sent_time", "delivery_time", "read_time")
    PAGE_ARN_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_ARN_FIELD_NUMBER: _ClassVar[int]
    CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_ID_FIELD_NUMBER: _ClassVar[int]
    SENT_TIME_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_TIME_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    page_arn: str
    engagement_arn: str
    contact_arn: str
    sender: str
    incident_id: str
    sent_time: _timestamp_pb2.Timestamp
    delivery_time: _timestamp_pb2.Timestamp
    read_time: _timestamp_pb2.Timestamp
    def __init__(self, page_arn: _Optional[str] = ..., engagement_arn: _Optional[str] = ..., contact_arn: _Optional[str] = ..., sender: _Optional[str] = ..., incident_id: _Optional[str] = ..., sent_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivery_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Plan(_message.Message):
    __slots__ = ("stages", "rotation_ids")
    STAGES_FIELD_NUMBER: _ClassVar[int]
    ROTATION_IDS_FIELD_NUMBER: _ClassVar[int]
    stages: _containers.RepeatedCompositeFieldContainer[Stage]
    rotation_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, stages: _Optional[_Iterable[_Union[Stage, _Mapping]]] = ..., rotation_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class PreviewOverride(_message.Message):
    __slots__ = ("new_members", "start_time", "end_time")
    NEW_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    new_members: _containers.RepeatedScalarFieldContainer[str]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, new_members: _Optional[_Iterable[str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Receipt(_message.Message):
    __slots__ = ("contact_channel_arn", "receipt_type", "receipt_info", "receipt_time")
    CONTACT_CHANNEL_ARN_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_INFO_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_TIME_FIELD_NUMBER: _ClassVar[int]
    contact_channel_arn: str
    receipt_type: ReceiptType
    receipt_info: str
    receipt_time: _timestamp_pb2.Timestamp
    def __init__(self, contact_channel_arn: _Optional[str] = ..., receipt_type: _Optional[_Union[ReceiptType, str]] = ..., receipt_info: _Optional[str] = ..., receipt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecurrenceSettings(_message.Message):
    __slots__ = ("monthly_settings", "weekly_settings", "daily_settings", "number_of_on_calls", "shift_coverages", "recurrence_multiplier")
    class ShiftCoveragesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: CoverageTimes
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[CoverageTimes, _Mapping]] = ...) -> None: ...
    MONTHLY_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    DAILY_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    NUMBER_OF_ON_CALLS_FIELD_NUMBER: _ClassVar[int]
    SHIFT_COVERAGES_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    monthly_settings: _containers.RepeatedCompositeFieldContainer[MonthlySetting]
    weekly_settings: _containers.RepeatedCompositeFieldContainer[WeeklySetting]
    daily_settings: _containers.RepeatedCompositeFieldContainer[HandOffTime]
    number_of_on_calls: int
    shift_coverages: _containers.MessageMap[str, CoverageTimes]
    recurrence_multiplier: int
    def __init__(self, monthly_settings: _Optional[_Iterable[_Union[MonthlySetting, _Mapping]]] = ..., weekly_settings: _Optional[_Iterable[_Union[WeeklySetting, _Mapping]]] = ..., daily_settings: _Optional[_Iterable[_Union[HandOffTime, _Mapping]]] = ..., number_of_on_calls: _Optional[int] = ..., shift_coverages: _Optional[_Mapping[str, CoverageTimes]] = ..., recurrence_multiplier: _Optional[int] = ...) -> None: ...

class ResolutionContact(_message.Message):
    __slots__ = ("contact_arn", "type", "stage_index")
    CONTACT_ARN_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STAGE_INDEX_FIELD_NUMBER: _ClassVar[int]
    contact_arn: str
    type: ContactType
    stage_index: int
    def __init__(self, contact_arn: _Optional[str] = ..., type: _Optional[_Union[ContactType, str]] = ..., stage_index: _Optional[int] = ...) -> None: ...

class Rotation(_message.Message):
    __slots__ = ("rotation_arn", "name", "contact_ids", "start_time", "time_zone_id", "recurrence")
    ROTATION_ARN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_IDS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_FIELD_NUMBER: _ClassVar[int]
    rotation_arn: str
    name: str
    contact_ids: _containers.RepeatedScalarFieldContainer[str]
    start_time: _timestamp_pb2.Timestamp
    time_zone_id: str
    recurrence: RecurrenceSettings
    def __init__(self, rotation_arn: _Optional[str] = ..., name: _Optional[str] = ..., contact_ids: _Optional[_Iterable[str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_zone_id: _Optional[str] = ..., recurrence: _Optional[_Union[RecurrenceSettings, _Mapping]] = ...) -> None: ...

class RotationOverride(_message.Message):
    __slots__ = ("rotation_override_id", "new_contact_ids", "start_time", "end_time", "create_time")
    ROTATION_OVERRIDE_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_CONTACT_IDS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    rotation_override_id: str
    new_contact_ids: _containers.RepeatedScalarFieldContainer[str]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, rotation_override_id: _Optional[str] = ..., new_contact_ids: _Optional[_Iterable[str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RotationShift(_message.Message):
    __slots__ = ("contact_ids", "start_time", "end_time", "type", "shift_details")
    CONTACT_IDS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SHIFT_DETAILS_FIELD_NUMBER: _ClassVar[int]
    contact_ids: _containers.RepeatedScalarFieldContainer[str]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    type: ShiftType
    shift_details: ShiftDetails
    def __init__(self, contact_ids: _Optional[_Iterable[str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., type: _Optional[_Union[ShiftType, str]] = ..., shift_details: _Optional[_Union[ShiftDetails, _Mapping]] = ...) -> None: ...

class ShiftDetails(_message.Message):
    __slots__ = ("overridden_contact_ids",)
    OVERRIDDEN_CONTACT_IDS_FIELD_NUMBER: _ClassVar[int]
    overridden_contact_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, overridden_contact_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Stage(_message.Message):
    __slots__ = ("duration_in_minutes", "targets")
    DURATION_IN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    duration_in_minutes: int
    targets: _containers.RepeatedCompositeFieldContainer[Target]
    def __init__(self, duration_in_minutes: _Optional[int] = ..., targets: _Optional[_Iterable[_Union[Target, _Mapping]]] = ...) -> None: ...

class Tag(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class Target(_message.Message):
    __slots__ = ("channel_target_info", "contact_target_info")
    CHANNEL_TARGET_INFO_FIELD_NUMBER: _ClassVar[int]
    CONTACT_TARGET_INFO_FIELD_NUMBER: _ClassVar[int]
    channel_target_info: ChannelTargetInfo
    contact_target_info: ContactTargetInfo
    def __init__(self, channel_target_info: _Optional[_Union[ChannelTargetInfo, _Mapping]] = ..., contact_target_info: _Optional[_Union[ContactTargetInfo, _Mapping]] = ...) -> None: ...

class TimeRange(_message.Message):
    __slots__ = ("start_time", "end_time")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WeeklySetting(_message.Message):
    __slots__ = ("day_of_week", "hand_off_time")
    DAY_OF_WEEK_FIELD_NUMBER: _ClassVar[int]
    HAND_OFF_TIME_FIELD_NUMBER: _ClassVar[int]
    day_of_week: DayOfWeek
    hand_off_time: HandOffTime
    def __init__(self, day_of_week: _Optional[_Union[DayOfWeek, str]] = ..., hand_off_time: _Optional[_Union[HandOffTime, _Mapping]] = ...) -> None: ...
