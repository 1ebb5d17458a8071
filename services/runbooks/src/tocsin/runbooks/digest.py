"""What of the runbooks service's store must be the same in every region of the set, for
:mod:`tocsin.shared.replication.digest`: documents and their versions, and what each
automation execution and its steps did as a reader sees it.

Left out: the built-in ``Amazon`` documents (each region installs its own copy when it
starts, and never replicates them), the stamps of the last write, the parsed form of a
version (each region parses the content itself), who runs a step and its lease, an
execution's step outputs (kept for its references; replicated since executions are taken
over, but empty in the other regions' copies of executions that ran before), which region
runs it (each region's own decision from the takeovers it knows), its timers and client
tokens.
"""

from __future__ import annotations

from tocsin.shared.replication.digest import Resource

__all__ = ["RESOURCES"]

RESOURCES: tuple[Resource, ...] = (
    Resource("documents",
             "SELECT name, document_type, owner, default_version, latest_version, created_at,"
             " tags::text AS tags FROM document WHERE owner <> 'Amazon'"),
    Resource("document_versions",
             "SELECT name, version, content, format, hash, display_name, version_name,"
             " target_type, created_at FROM document_version WHERE name IN"
             " (SELECT name FROM document WHERE owner <> 'Amazon')"),
    Resource("executions",
             "SELECT id, document_name, document_version, status, mode,"
             " parameters_echo::text AS parameters, outputs::text AS outputs, current_step,"
             " current_action, failure_message, executed_by, parent_id, incident_arn,"
             " tags::text AS tags, start_time, end_time,"
             " coalesce(home_region, $1) AS home_region FROM execution"),
    Resource("step_executions",
             "SELECT id, execution_id, ordinal, step_index, name, action, status,"
             " outputs::text AS outputs, failure_message, start_time, end_time"
             " FROM step_execution"),
)
"""The runbooks service's replicated resource types."""
