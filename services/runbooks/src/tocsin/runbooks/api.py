"""The runbooks service's requests, on ``tocsin.rpc.runbooks.<Operation>``: the document
and automation operations of the ``ssm`` API, as the gateway hands them over."""

from __future__ import annotations

from collections.abc import Mapping

from tocsin.runbooks.documents.handlers import DocumentHandlers
from tocsin.runbooks.executions.handlers import ExecutionHandlers
from tocsin.runbooks.incidents import IncidentRunbooks
from tocsin.shared.bus.rpc import Handler

__all__ = ["operations"]


def operations(documents: DocumentHandlers, executions: ExecutionHandlers,
               incidents: IncidentRunbooks) -> Mapping[str, Handler]:
    """Every operation this service serves, by name: the ``ssm`` document and automation
    operations, and Tocsin's own ``StartIncidentRunbook`` / ``StopIncidentRunbook``."""
    return {**documents.operations(), **executions.operations(), **incidents.operations()}
