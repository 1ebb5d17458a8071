"""The incidents service's requests: which operation is served by which handler.

All 31 operations of ``ssm-incidents`` have an endpoint, so a caller always gets an
answer; those this version does not serve yet answer ``UnsupportedOperation`` naming the
operation, never a fake success.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tocsin.incidents.handlers import Handlers
from tocsin.incidents.usecases import Deps
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.errors import UnsupportedOperation

__all__ = ["NOT_YET_SERVED", "operations"]

NOT_YET_SERVED = (
    "CreateTimelineEvent", "GetTimelineEvent", "ListTimelineEvents", "UpdateTimelineEvent",
    "DeleteTimelineEvent", "UpdateRelatedItems", "ListRelatedItems", "ListIncidentFindings",
    "BatchGetIncidentFindings", "TagResource", "UntagResource", "ListTagsForResource",
    "PutResourcePolicy", "GetResourcePolicies", "DeleteResourcePolicy",
)


def operations(deps: Deps) -> Mapping[str, Handler]:
    """Operation name → handler, for the request/reply server."""
    h = Handlers(deps)
    served: dict[str, Handler] = {
        "CreateReplicationSet": h.create_replication_set,
        "GetReplicationSet": h.get_replication_set,
        "ListReplicationSets": h.list_replication_sets,
        "UpdateReplicationSet": h.update_replication_set,
        "UpdateDeletionProtection": h.update_deletion_protection,
        "DeleteReplicationSet": h.delete_replication_set,
        "CreateResponsePlan": h.create_response_plan,
        "GetResponsePlan": h.get_response_plan,
        "ListResponsePlans": h.list_response_plans,
        "UpdateResponsePlan": h.update_response_plan,
        "DeleteResponsePlan": h.delete_response_plan,
        "StartIncident": h.start_incident,
        "GetIncidentRecord": h.get_incident_record,
        "ListIncidentRecords": h.list_incident_records,
        "UpdateIncidentRecord": h.update_incident_record,
        "DeleteIncidentRecord": h.delete_incident_record,
    }
    return {**served, **{op: _unsupported for op in NOT_YET_SERVED}}


async def _unsupported(req: RpcRequest) -> Any:
    raise UnsupportedOperation(f"{req.operation} is not available in this version of Tocsin")
