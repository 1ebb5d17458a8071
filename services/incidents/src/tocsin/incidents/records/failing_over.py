"""Incidents created while failing over do not start runbooks (the seed's rule: "incidents
created by a cross-Region failover do not invoke runbooks").

For Tocsin: while another region of this region's replication set is ``FAILED`` (it cannot
be reached, as the region keeper :mod:`tocsin.incidents.administration.regions` reports
it), an incident created here from an alarm or event does not start its response plan's
runbook. The alarm may well be the lost region's own trouble seen from here, and a runbook
acting on a region's resources while that region is unreachable can do harm that nobody
there can see or stop. Responders start it themselves (``StartIncidentRunbook``) when they
judge it safe. The incident's ``IncidentRecordCreated`` says why
(``runbookWithheld``, which the runbooks service honours) and its timeline carries the
event :data:`RUNBOOK_WITHHELD` for responders. Incidents started through the API, and
incidents created once every region is reachable again, start their runbooks as usual.
"""

from __future__ import annotations

from typing import Any

from tocsin.incidents.records.domain import ReplicationSet, ResponsePlan
from tocsin.incidents.timeline import domain as timeline

__all__ = ["RUNBOOK_WITHHELD", "withheld"]

RUNBOOK_WITHHELD = "Tocsin Runbook Not Started"
"""Timeline event: the plan's runbook was not started because the incident was created
while failing over (``eventData`` ``{documentName, failedRegions, reason}``)."""


def _runbook(plan: ResponsePlan) -> dict[str, Any] | None:
    """The plan's runbook (``actions[0].ssmAutomation``), or None."""
    actions = plan.actions or []
    automation = (actions[0] or {}).get("ssmAutomation") if actions else None
    return automation if isinstance(automation, dict) else None


def failed_regions(rs: ReplicationSet | None, *, here: str) -> list[str]:
    """The other regions of the set that are ``FAILED``, by name."""
    if rs is None:
        return []
    return sorted(name for name, info in rs.region_map.items()
                  if name != here and info.status == "FAILED")


def withheld(plan: ResponsePlan, rs: ReplicationSet | None, *, here: str,
             incident_arn: str, at: float) -> tuple[str, timeline.TimelineEvent] | None:
    """Why the plan's runbook is not started for an incident created from an alarm now,
    and the timeline event that says so; None when it starts (no runbook, or every other
    region reachable)."""
    runbook = _runbook(plan)
    failed = failed_regions(rs, here=here)
    if runbook is None or not failed:
        return None
    names = ", ".join(failed)
    reason = (f"The runbook {runbook.get('documentName', '')} of response plan {plan.name} "
              f"was not started: this incident was created from an alarm while region(s) "
              f"{names} of the replication set could not be reached (failing over). "
              f"Start it with StartIncidentRunbook if it is safe to run.")
    event = timeline.automatic(incident_arn, RUNBOOK_WITHHELD, {
        "documentName": runbook.get("documentName", ""), "failedRegions": failed,
        "reason": reason}, at=at)
    return reason, event
