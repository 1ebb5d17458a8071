"""What of the incidents service's store must be the same in every region of the set:
per replicated resource type, the columns the inbox (:mod:`tocsin.incidents.replicas`) and
the region keeper apply, for :mod:`tocsin.shared.replication.digest`.

Left out: the stamps of the last write (``hlc``, ``origin``, an incident's ``field_hlc``),
the change counters (``version``: a region counts the changes it saw), the order related
items and policies were added in here, and times each region records for itself (when a
finding was last reported here, when a rule or key was written here). A region name kept
as NULL for "this region" is compared as the name.
"""

from __future__ import annotations

from tocsin.shared.replication.digest import Resource

__all__ = ["RESOURCES"]

RESOURCES: tuple[Resource, ...] = (
    Resource("replication_set", "SELECT arn, doc::text AS doc FROM replication_set"),
    Resource("response_plans", "SELECT name, arn, doc::text AS doc FROM response_plan"),
    Resource("incident_records",
             "SELECT arn, plan_name, status, impact, created_by, creation_time,"
             " dedupe_string, doc::text AS doc, coalesce(home_region, $1) AS home_region"
             " FROM incident_record"),
    Resource("timeline_events",
             "SELECT incident_arn, event_id, event_time, event_updated_time, event_type,"
             " event_data, event_references::text AS event_references, automatic"
             " FROM timeline_event"),
    Resource("related_items",
             "SELECT incident_arn, generated_id, item_type, value_key, item::text AS item"
             " FROM related_item"),
    Resource("tags", "SELECT resource_arn, key, value FROM tag"),
    Resource("resource_policies", "SELECT policy_id, plan_name, document FROM resource_policy"),
    Resource("event_rules",
             "SELECT name, arn, description, event_pattern, response_plan_arn, state"
             " FROM event_rule"),
    Resource("findings",
             "SELECT id, start_time, end_time, details::text AS details FROM finding"),
    Resource("integration_keys", "SELECT id, plan_name, key_digest FROM integration_key"),
)
"""The incidents service's replicated resource types."""
