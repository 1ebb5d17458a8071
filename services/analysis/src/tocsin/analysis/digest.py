"""What of the analysis service's store must be the same in every region of the set, for
:mod:`tocsin.shared.replication.digest`: analyses with their answers and their own
timelines, and OpsItems (action items) with their related items.

Left out: the stamps of the last write (per analysis and per field), the incident facts
each region derives from the events it reads, the reminder timers (standby copies outside
the region that reminds the owner), and which region that is by the takeovers known here
(converging once every region knows the same takeovers).
"""

from __future__ import annotations

from tocsin.shared.replication.digest import Resource

__all__ = ["RESOURCES"]

RESOURCES: tuple[Resource, ...] = (
    Resource("analyses",
             "SELECT arn, incident_arn, response_plan_arn, name, status, template_name,"
             " template_version, overview::text AS overview, answers::text AS answers,"
             " decisions::text AS decisions, checklist::text AS checklist,"
             " metric_queries::text AS metric_queries, impact_started, detected, mitigated,"
             " created_by, merged_into FROM analysis"),
    Resource("analysis_timelines",
             "SELECT analysis_id, point_id, source_event_id, event_time, event_type,"
             " event_data, edited FROM analysis_timeline"),
    Resource("ops_items",
             "SELECT id, ops_item_type, title, description, source, status, priority,"
             " severity, category, operational_data::text AS operational_data,"
             " planned_end_time, owner_contact_arn, response_plan_arn, created_by,"
             " created_time, coalesce(home_region, $1) AS home_region FROM ops_item"),
    Resource("ops_item_related_items",
             "SELECT association_id, ops_item_id, association_type, resource_type,"
             " resource_uri, created_by, created_time FROM ops_item_related_item"),
)
"""The analysis service's replicated resource types."""
