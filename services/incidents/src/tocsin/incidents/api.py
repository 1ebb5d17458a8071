"""The incidents service's requests: which operation is served by which handler.

Every one of the 31 operations of ``ssm-incidents`` is served.
"""

from __future__ import annotations

from collections.abc import Mapping

from tocsin.incidents.administration.handlers import PolicyHandlers, TagHandlers
from tocsin.incidents.findings.handlers import FindingsHandlers
from tocsin.incidents.records.handlers import Handlers
from tocsin.incidents.related.handlers import RelatedItemsHandlers
from tocsin.incidents.timeline.handlers import TimelineHandlers
from tocsin.incidents.usecases import Deps
from tocsin.shared.bus.rpc import Handler

__all__ = ["operations"]


def operations(deps: Deps) -> Mapping[str, Handler]:
    """Operation name → handler, for the request/reply server."""
    h = Handlers(deps)
    tags, policies = TagHandlers(deps), PolicyHandlers(deps)
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
        "TagResource": tags.tag_resource,
        "UntagResource": tags.untag_resource,
        "ListTagsForResource": tags.list_tags_for_resource,
        "PutResourcePolicy": policies.put_resource_policy,
        "GetResourcePolicies": policies.get_resource_policies,
        "DeleteResourcePolicy": policies.delete_resource_policy,
    }
    t = TimelineHandlers(deps)
    served.update({
        "CreateTimelineEvent": t.create_timeline_event,
        "GetTimelineEvent": t.get_timeline_event,
        "ListTimelineEvents": t.list_timeline_events,
        "UpdateTimelineEvent": t.update_timeline_event,
        "DeleteTimelineEvent": t.delete_timeline_event,
    })
    r = RelatedItemsHandlers(deps)
    served.update({
        "UpdateRelatedItems": r.update_related_items,
        "ListRelatedItems": r.list_related_items,
    })
    f = FindingsHandlers(deps)
    served.update({
        "ListIncidentFindings": f.list_incident_findings,
        "BatchGetIncidentFindings": f.batch_get_incident_findings,
    })
    return served
