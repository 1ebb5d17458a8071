"""The one small error tree of Tocsin, and where each error goes on every transport.

::

    TocsinError
    ├── ValidationError          the caller's input is wrong
    ├── NotFoundError            a named resource does not exist
    ├── ConflictError            the change would leave an inconsistent state
    ├── AccessDeniedError        the caller may not do this
    ├── ThrottlingError          too many requests; try later
    ├── QuotaExceededError       a service quota would be exceeded
    ├── UnsupportedOperation     the operation exists in the API but Tocsin does not serve it yet
    ├── ServiceUnavailable       no instance of the service that owns the operation answered
    ├── DataEncryptionError      personal data's key cannot be unwrapped (nothing is lost)
    ├── InternalError            anything unexpected
    └── RetryLater / Reject      processing outcomes of a JetStream message

| error                | AWS code                        | HTTP | gRPC                | JetStream |
|----------------------|---------------------------------|------|---------------------|-----------|
| ValidationError      | ValidationException             | 400  | INVALID_ARGUMENT    | term      |
| NotFoundError        | ResourceNotFoundException       | 404  | NOT_FOUND           | term      |
| ConflictError        | ConflictException               | 409  | FAILED_PRECONDITION | term      |
| AccessDeniedError    | AccessDeniedException           | 403  | PERMISSION_DENIED   | term      |
| ThrottlingError      | ThrottlingException             | 429  | RESOURCE_EXHAUSTED  | nak       |
| QuotaExceededError   | ServiceQuotaExceededException   | 402  | RESOURCE_EXHAUSTED  | term      |
| UnsupportedOperation | UnsupportedOperationException   | 501  | UNIMPLEMENTED       | term      |
| ServiceUnavailable   | ServiceUnavailableException     | 503  | UNAVAILABLE         | nak       |
| DataEncryptionError  | DataEncryptionException         | 400  | FAILED_PRECONDITION | nak       |
| InternalError        | InternalServerException         | 500  | INTERNAL            | nak       |

Services raise these; only transport edges (``api`` modules, the bus, the gateway) read
the table. Over NATS request/reply an error travels as the ``Nats-Service-Error-Code``
header (the AWS code) and a JSON body made by :meth:`TocsinError.to_wire`.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AccessDeniedError",
    "ConflictError",
    "DataEncryptionError",
    "InternalError",
    "NotFoundError",
    "OpsItemConflict",
    "OpsItemInvalidParameter",
    "OpsItemNotFound",
    "OpsItemRelatedItemAlreadyExists",
    "QuotaExceededError",
    "Reject",
    "RetryLater",
    "ServiceUnavailable",
    "ThrottlingError",
    "TocsinError",
    "UnsupportedOperation",
    "ValidationError",
    "from_wire",
]


class TocsinError(Exception):
    """Base of every error Tocsin reports to a caller."""

    aws_code: ClassVar[str] = "InternalServerException"
    http_status: ClassVar[int] = 500
    grpc_code: ClassVar[str] = "INTERNAL"
    retryable: ClassVar[bool] = True

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = {k: v for k, v in fields.items() if v is not None}
        """Modelled members of the AWS error beside ``message`` (``resourceType``, ...)."""

    def to_wire(self) -> dict[str, Any]:
        """The error as the JSON body of a NATS reply; an API's own code (``ssm``'s
        ``InvalidDocumentContent``) also names its kind, so the far side keeps both."""
        wire = {"code": self.aws_code, "message": self.message, **self.fields}
        kind = _kind_of(type(self))
        if kind is not None and kind.aws_code != self.aws_code:
            wire["kind"] = kind.aws_code
        return wire

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ValidationError(TocsinError):
    """The input does not satisfy the operation's constraints; the message names the member."""

    aws_code = "ValidationException"
    http_status = 400
    grpc_code = "INVALID_ARGUMENT"
    retryable = False


class NotFoundError(TocsinError):
    """The request names a resource that does not exist."""

    aws_code = "ResourceNotFoundException"
    http_status = 404
    grpc_code = "NOT_FOUND"
    retryable = False

    def __init__(self, message: str, *, resource_type: str | None = None,
                 resource_id: str | None = None, **fields: Any) -> None:
        super().__init__(message, resourceType=resource_type, resourceIdentifier=resource_id,
                         **fields)


class ConflictError(TocsinError):
    """The change would leave an inconsistent state (a duplicate, a protected resource)."""

    aws_code = "ConflictException"
    http_status = 409
    grpc_code = "FAILED_PRECONDITION"
    retryable = False

    def __init__(self, message: str, *, resource_type: str | None = None,
                 resource_id: str | None = None, **fields: Any) -> None:
        super().__init__(message, resourceType=resource_type, resourceIdentifier=resource_id,
                         **fields)


class AccessDeniedError(TocsinError):
    """The caller is not allowed to perform the operation."""

    aws_code = "AccessDeniedException"
    http_status = 403
    grpc_code = "PERMISSION_DENIED"
    retryable = False


class ThrottlingError(TocsinError):
    """Too many requests; the caller should back off."""

    aws_code = "ThrottlingException"
    http_status = 429
    grpc_code = "RESOURCE_EXHAUSTED"


class QuotaExceededError(TocsinError):
    """The request would exceed a service quota."""

    aws_code = "ServiceQuotaExceededException"
    http_status = 402
    grpc_code = "RESOURCE_EXHAUSTED"
    retryable = False


class UnsupportedOperation(TocsinError):
    """An operation of the API that this version of Tocsin does not serve yet.

    Answered as an explicit error naming the operation, never as a fake success.
    """

    aws_code = "UnsupportedOperationException"
    http_status = 501
    grpc_code = "UNIMPLEMENTED"
    retryable = False


class ServiceUnavailable(TocsinError):
    """No instance of the service that owns the operation answered."""

    aws_code = "ServiceUnavailableException"
    http_status = 503
    grpc_code = "UNAVAILABLE"


class DataEncryptionError(TocsinError):
    """The data key that protects personal data cannot be unwrapped (the key-encryption key
    is missing, wrong or unreachable) or a sealed value does not open under it. The model's
    ``DataEncryptionException``: nothing is lost, the operation can succeed once the key is
    back, so a JetStream message that meets it is redelivered, never dropped."""

    aws_code = "DataEncryptionException"
    http_status = 400
    grpc_code = "FAILED_PRECONDITION"


class InternalError(TocsinError):
    """Something unexpected failed; details are in the service's log, not in the reply."""


class RetryLater(Exception):
    """A JetStream message could not be processed now; redeliver it after ``delay`` seconds."""

    def __init__(self, reason: str, *, delay: float = 1.0) -> None:
        super().__init__(reason)
        self.delay = delay


class Reject(Exception):
    """A JetStream message can never be processed; terminate it instead of redelivering."""


# The ssm API names its OpsItem errors itself; each is one of the kinds above.


class OpsItemNotFound(NotFoundError):
    """``OpsItemNotFoundException``: the OpsItem (or its association) does not exist."""

    aws_code = "OpsItemNotFoundException"


class OpsItemInvalidParameter(ValidationError):
    """``OpsItemInvalidParameterException``: ``ParameterNames`` lists the bad members."""

    aws_code = "OpsItemInvalidParameterException"

    def __init__(self, message: str, *, parameter_names: list[str] | None = None,
                 **fields: Any) -> None:
        super().__init__(message, ParameterNames=parameter_names, **fields)


class OpsItemRelatedItemAlreadyExists(ConflictError):
    """``OpsItemRelatedItemAlreadyExistsException``: the resource is associated already."""

    aws_code = "OpsItemRelatedItemAlreadyExistsException"


class OpsItemConflict(ConflictError):
    """``OpsItemConflictException``: the change conflicts with the OpsItem's state."""

    aws_code = "OpsItemConflictException"

_KINDS: frozenset[type[TocsinError]] = frozenset({
    ValidationError, NotFoundError, ConflictError, AccessDeniedError, ThrottlingError,
    QuotaExceededError, UnsupportedOperation, ServiceUnavailable, InternalError})

_BY_CODE: dict[str, type[TocsinError]] = {
    cls.aws_code: cls
    for cls in (ValidationError, NotFoundError, ConflictError, AccessDeniedError,
                ThrottlingError, QuotaExceededError, UnsupportedOperation,
                ServiceUnavailable, DataEncryptionError, InternalError, OpsItemNotFound,
                OpsItemInvalidParameter, OpsItemRelatedItemAlreadyExists, OpsItemConflict)
}


def _kind_of(cls: type[TocsinError]) -> type[TocsinError] | None:
    """The shared kind (the table above) an error class derives from."""
    return next((k for k in cls.__mro__ if k in _KINDS), None)


_CODED: dict[tuple[str, str], type[TocsinError]] = {}


def _coded(kind: type[TocsinError], code: str) -> type[TocsinError]:
    """An error of ``kind`` under an API's own ``code``, rebuilt on the far side of NATS
    (one class per code, made once)."""
    key = (kind.aws_code, code)
    if key not in _CODED:
        _CODED[key] = type(code, (kind,), {"aws_code": code})
    return _CODED[key]


def from_wire(body: dict[str, Any]) -> TocsinError:
    """Rebuild the error a service replied with (the inverse of :meth:`TocsinError.to_wire`)."""
    fields = dict(body)
    code = str(fields.pop("code", ""))
    kind = _BY_CODE.get(str(fields.pop("kind", "")))
    cls = _BY_CODE.get(code) or (_coded(kind, code) if kind is not None else InternalError)
    message = str(fields.pop("message", ""))
    error = TocsinError.__new__(cls)
    TocsinError.__init__(error, message, **fields)
    return error
