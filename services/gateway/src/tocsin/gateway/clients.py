"""Calls from the gateway to the services over NATS request/reply.

Both faces of the gateway (gRPC and the AWS-compatible HTTP API) turn a call into the
same request: the operation's input as the model names it (camelCase for ssm-incidents and
tocsin, PascalCase for ssm-contacts), timestamps as epoch seconds. The reply is the
operation's output in the same form, or a :class:`~tocsin.shared.errors.TocsinError`.

An AWS API belongs to one service; Tocsin's own API (``tocsin``) and the part of ``ssm``
Tocsin serves gather the operations of several, so their operations are routed one by one
(:data:`TOCSIN_OWNERS`, :data:`SSM_OWNERS`).

A "does not exist" (or a validation error) caused by naming a Tocsin resource by an ARN in
another partition (``arn:aws:`` on a ``tocsin`` deployment) says so: the error's message
gains the partition hint of :meth:`tocsin.shared.arns.Arns.partition_hint`.
"""

from __future__ import annotations

from typing import Any

from tocsin.gateway import deliveries
from tocsin.shared import codec
from tocsin.shared.arns import Arns, find_foreign
from tocsin.shared.bus import Bus, rpc_subject
from tocsin.shared.bus.connection import PRINCIPAL_HEADER
from tocsin.shared.errors import NotFoundError, ValidationError

__all__ = ["OPERATION_OWNERS", "OWNERS", "SSM_OWNERS", "TOCSIN_OWNERS", "ServiceClient", "owner"]

OWNERS: dict[str, str] = {"ssm-incidents": "incidents", "ssm-contacts": "contacts"}
"""Which Tocsin service serves each AWS API."""

TOCSIN_OWNERS: dict[str, str] = {
    **dict.fromkeys(("CreateRule", "GetRule", "ListRules", "UpdateRule", "DeleteRule",
                     "TestEventPattern", "CreateIntegrationKey", "ListIntegrationKeys",
                     "DeleteIntegrationKey", "GetIngestionStats"), "incidents"),
    "DescribeDelivery": "notifications",
    **dict.fromkeys(("CreateAnalysis", "GetAnalysis", "ListAnalyses", "UpdateAnalysis",
                     "DeleteAnalysis", "AnswerQuestion", "AcceptRecommendation",
                     "DismissRecommendation", "RestoreRecommendation", "ListAnalysisTimeline",
                     "AddAnalysisTimelineEvent", "UpdateAnalysisTimelineEvent",
                     "DeleteAnalysisTimelineEvent", "UpdateChecklistItem", "CompleteAnalysis",
                     "ExportAnalysis", "GetIncidentMetrics", "GetResponseMetrics"), "analysis"),
    "StartIncidentRunbook": "runbooks",
    "StopIncidentRunbook": "runbooks",
}
"""Which Tocsin service serves each operation of Tocsin's own API (``models/tocsin``); a
service that adds operations to the model adds them here."""

SSM_OWNERS: dict[str, str] = {
    **dict.fromkeys(("CreateDocument", "GetDocument", "DescribeDocument", "ListDocuments",
                     "UpdateDocument", "UpdateDocumentDefaultVersion", "DeleteDocument",
                     "ListDocumentVersions", "StartAutomationExecution",
                     "GetAutomationExecution", "DescribeAutomationExecutions",
                     "DescribeAutomationStepExecutions", "SendAutomationSignal",
                     "StopAutomationExecution"), "runbooks"),
    **dict.fromkeys(("CreateOpsItem", "GetOpsItem", "UpdateOpsItem", "DescribeOpsItems",
                     "AssociateOpsItemRelatedItem", "ListOpsItemRelatedItems"), "analysis"),
}
"""The part of AWS's ``ssm`` API Tocsin serves, and which service serves each operation:
Automation documents and executions (runbooks), OpsItems (post-incident analysis). The
gateway's model and the gRPC mirror keep only these operations (``awsmodel.SUBSETS``)."""

OPERATION_OWNERS: dict[str, dict[str, str]] = {"tocsin": TOCSIN_OWNERS, "ssm": SSM_OWNERS}
"""The APIs whose operations are routed one by one."""


def owner(api: str, operation: str) -> str:
    """The service that serves ``operation`` of ``api``.

    Raises:
        KeyError: nobody does.
    """
    routed = OPERATION_OWNERS.get(api)
    return routed[operation] if routed is not None else OWNERS[api]


class ServiceClient:
    """Typed-by-model calls to the services behind the gateway."""

    def __init__(self, bus: Bus, *, timeout: float = 10.0, arns: Arns | None = None) -> None:
        self._bus = bus
        self._timeout = timeout
        self._arns = arns

    async def call(self, api: str, operation: str, params: dict[str, Any], *,
                   principal: str, request_id: str) -> dict[str, Any]:
        """Run ``operation`` of ``api`` (``ssm-incidents``/``ssm-contacts``/``tocsin``) for
        ``principal``.

        Raises:
            TocsinError: what the service answered, or ServiceUnavailable.
        """
        if api == "tocsin" and operation == "DescribeDelivery":
            return await deliveries.describe_page(self, params["pageArn"], principal=principal,
                                                  request_id=request_id)
        return await self.call_service(owner(api, operation), operation, params,
                                       principal=principal, request_id=request_id)

    async def call_service(self, service: str, operation: str, params: dict[str, Any], *,
                           principal: str, request_id: str) -> dict[str, Any]:
        """Run ``operation`` of the Tocsin service ``service`` (its own request form).

        Raises:
            TocsinError: what the service answered, or ServiceUnavailable.
        """
        subject = rpc_subject(service, operation)
        try:
            reply = await self._bus.request(
                subject, params, timeout=self._timeout,
                headers={PRINCIPAL_HEADER: principal, "Tocsin-Request-Id": request_id})
        except (NotFoundError, ValidationError) as exc:
            _explain_partition(exc, self._arns, params)
            raise
        result: dict[str, Any] = codec.decode(reply, dict[str, Any]) if reply else {}
        return result


def _explain_partition(exc: NotFoundError | ValidationError, arns: Arns | None,
                       params: dict[str, Any]) -> None:
    """Add the partition hint to ``exc`` when ``params`` name a resource in another one."""
    hint = find_foreign(arns, params) if arns is not None else None
    if hint is not None and hint not in exc.message:
        exc.message = f"{exc.message.rstrip('. ')}. Note: {hint}."
