"""The errors of the ``ssm`` API that the runbooks service answers with.

Each is one of :mod:`tocsin.shared.errors`' kinds (so every transport knows how to treat
it) under the exact code botocore's ``ssm`` model gives it, so ``boto3.client("ssm")``
raises ``client.exceptions.InvalidDocumentContent`` and friends. The ``ssm`` model's
exceptions carry only ``Message``; none of these adds fields. The message is the one a
user reads: it names the member, step or value that is wrong.
"""

from __future__ import annotations

from tocsin.shared.errors import (
    ConflictError,
    NotFoundError,
    QuotaExceededError,
    TocsinError,
    ValidationError,
)

__all__ = [
    "SSM_ERRORS",
    "AutomationDefinitionNotFoundException",
    "AutomationDefinitionVersionNotFoundException",
    "AutomationExecutionLimitExceededException",
    "AutomationExecutionNotFoundException",
    "AutomationStepNotFoundException",
    "DocumentAlreadyExists",
    "DuplicateDocumentContent",
    "DuplicateDocumentVersionName",
    "IdempotentParameterMismatch",
    "InvalidAutomationExecutionParametersException",
    "InvalidAutomationSignalException",
    "InvalidAutomationStatusUpdateException",
    "InvalidDocument",
    "InvalidDocumentContent",
    "InvalidDocumentOperation",
    "InvalidDocumentSchemaVersion",
    "InvalidDocumentVersion",
    "InvalidFilterKey",
    "InvalidFilterValue",
    "InvalidNextToken",
    "MaxDocumentSizeExceeded",
]


class _Invalid(ValidationError):
    """The caller's input is wrong (HTTP 400 like every ``ssm`` client error)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class _Missing(NotFoundError):
    """A named ``ssm`` resource does not exist (its model error carries only Message)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class _Conflict(ConflictError):
    """The request does not fit the resource's state (its model error carries only
    Message)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


# --- documents ---------------------------------------------------------------------------


class InvalidDocumentContent(_Invalid):
    """The content of a document is not valid: unparsable, or a rule of its type broken."""

    aws_code = "InvalidDocumentContent"


class InvalidDocumentSchemaVersion(_Invalid):
    """The document's ``schemaVersion`` is not one its type supports."""

    aws_code = "InvalidDocumentSchemaVersion"


class MaxDocumentSizeExceeded(_Invalid):
    """The content is larger than a document may be (64 KB)."""

    aws_code = "MaxDocumentSizeExceeded"


class InvalidDocument(_Missing):
    """The named document does not exist (``ssm``'s "not found" for documents)."""

    aws_code = "InvalidDocument"


class InvalidDocumentVersion(_Invalid):
    """The named version of a document does not exist or may not be used here."""

    aws_code = "InvalidDocumentVersion"


class DocumentAlreadyExists(_Conflict):
    """A document of that name exists."""

    aws_code = "DocumentAlreadyExists"


class InvalidDocumentOperation(_Conflict):
    """The operation is not allowed on this document (an ``Amazon``-owned one, the
    default version, ...)."""

    aws_code = "InvalidDocumentOperation"


class DuplicateDocumentContent(_Conflict):
    """An update whose content equals an existing version's."""

    aws_code = "DuplicateDocumentContent"


class DuplicateDocumentVersionName(_Conflict):
    """An update whose ``VersionName`` another version of the document already has."""

    aws_code = "DuplicateDocumentVersionName"


# --- executions --------------------------------------------------------------------------


class AutomationDefinitionNotFoundException(_Missing):
    """StartAutomationExecution names a document that does not exist (or is not
    an Automation document)."""

    aws_code = "AutomationDefinitionNotFoundException"


class AutomationDefinitionVersionNotFoundException(_Missing):
    """StartAutomationExecution names a version of the document that does not exist."""

    aws_code = "AutomationDefinitionVersionNotFoundException"


class AutomationExecutionNotFoundException(_Missing):
    """No execution has that id."""

    aws_code = "AutomationExecutionNotFoundException"


class AutomationStepNotFoundException(_Missing):
    """A signal names a step the execution does not have."""

    aws_code = "AutomationStepNotFoundException"


class InvalidAutomationExecutionParametersException(_Invalid):
    """The parameters do not fit the document's declarations (undeclared, missing, of the
    wrong type, outside ``allowedValues``/``allowedPattern``)."""

    aws_code = "InvalidAutomationExecutionParametersException"


class InvalidAutomationSignalException(_Conflict):
    """A signal that does not fit the execution's or the step's current state."""

    aws_code = "InvalidAutomationSignalException"


class InvalidAutomationStatusUpdateException(_Conflict):
    """StopAutomationExecution on an execution that is already over."""

    aws_code = "InvalidAutomationStatusUpdateException"


class IdempotentParameterMismatch(_Conflict):
    """A ``ClientToken`` used before with different parameters."""

    aws_code = "IdempotentParameterMismatch"


class AutomationExecutionLimitExceededException(QuotaExceededError):
    """Too many executions are running at once."""

    aws_code = "AutomationExecutionLimitExceededException"

    def __init__(self, message: str) -> None:
        super().__init__(message)


# --- listing -----------------------------------------------------------------------------


class InvalidFilterKey(_Invalid):
    """A filter key the operation does not know."""

    aws_code = "InvalidFilterKey"


class InvalidFilterValue(_Invalid):
    """A filter value the key does not accept."""

    aws_code = "InvalidFilterValue"


class InvalidNextToken(_Invalid):
    """A ``NextToken`` this service did not issue (or issued for another query)."""

    aws_code = "InvalidNextToken"


SSM_ERRORS: dict[str, type[TocsinError]] = {
    cls.aws_code: cls
    for cls in (InvalidDocumentContent, InvalidDocumentSchemaVersion, MaxDocumentSizeExceeded,
                InvalidDocument, InvalidDocumentVersion, DocumentAlreadyExists,
                InvalidDocumentOperation, DuplicateDocumentContent, DuplicateDocumentVersionName,
                AutomationDefinitionNotFoundException,
                AutomationDefinitionVersionNotFoundException,
                AutomationExecutionNotFoundException, AutomationStepNotFoundException,
                InvalidAutomationExecutionParametersException, InvalidAutomationSignalException,
                InvalidAutomationStatusUpdateException, IdempotentParameterMismatch,
                AutomationExecutionLimitExceededException, InvalidFilterKey, InvalidFilterValue,
                InvalidNextToken)
}
"""Every error above by its AWS code."""
