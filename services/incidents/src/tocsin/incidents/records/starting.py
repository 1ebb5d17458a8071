"""What starting an incident writes, apart from how it is written: the timeline events of a
new incident (its trigger, its start, a runbook withheld while failing over), the related
items it starts with, its tags and its ``IncidentRecordCreated``. ``StartIncident``
(:mod:`.handlers`) and a batch of alarms (:mod:`tocsin.incidents.ingestion.batch`) build
them alike."""

from __future__ import annotations

from dataclasses import dataclass

from tocsin.incidents.records import domain, failing_over
from tocsin.incidents.related.domain import new_item
from tocsin.incidents.related.involved import involved_resources
from tocsin.incidents.timeline import domain as timeline
from tocsin.incidents.usecases import JSON
from tocsin.shared.contracts import incidents as c
from tocsin.shared.logging import get_logger

__all__ = ["Opening", "created_event", "opening", "seed_items", "trigger_entry"]

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Opening:
    """A new incident and what it starts with."""

    record: domain.IncidentRecord
    plan: domain.ResponsePlan
    entries: list[timeline.TimelineEvent]
    """Its trigger, its start and, when withheld, the runbook's note."""
    seeds: list[JSON]
    """The related items to add."""
    tags: dict[str, str]
    withheld: str | None
    """Why its runbook is not started, or None."""


def trigger_entry(arn: str, cmd: c.StartIncident, *, created: bool,
                  now: float) -> timeline.TimelineEvent:
    """The ``SSM Incident Trigger`` of a start on incident ``arn``; ``created`` False for a
    start that joins an open incident."""
    trigger = cmd.trigger_details
    return timeline.automatic(arn, timeline.TRIGGER, domain.trigger_data(cmd, created=created),
                              at=trigger.timestamp if trigger else now)


def opening(plan: domain.ResponsePlan, cmd: c.StartIncident, record: domain.IncidentRecord,
            *, rs: domain.ReplicationSet | None, here: str, from_alarm: bool,
            now: float) -> Opening:
    """What the new incident ``record`` of ``plan`` starts with; ``from_alarm`` when an alarm
    or event starts it, whose runbook is withheld while failing over (``rs`` says)."""
    arn = record.arn
    entries = [trigger_entry(arn, cmd, created=True, now=now),
               timeline.automatic(arn, timeline.START, domain.start_data(record, plan), at=now)]
    withheld = failing_over.withheld(plan, rs, here=here, incident_arn=arn,
                                     at=now) if from_alarm else None
    if withheld is not None:
        entries.append(withheld[1])
        log.warning("start.runbook_withheld", reason=withheld[0], incident_arn=arn)
    return Opening(record=record, plan=plan, entries=entries, seeds=seed_items(cmd),
                   tags=plan.incident_template.incident_tags or {},
                   withheld=withheld[0] if withheld else None)


def created_event(o: Opening, items: list[JSON], *, by: str) -> c.IncidentRecordCreated:
    """One change, one event: the new record with what it starts with (its tags too, which
    the other regions of the set apply from it). The plan's engagements travel with it: the
    contacts service engages them from it, exactly once however often it is delivered."""
    return c.IncidentRecordCreated(
        incident_record=o.record, timeline_events=list(o.entries), related_items=items,
        response_plan_arn=o.plan.arn, engagements=o.plan.engagements or [], principal=by,
        resource_version=1, tags=o.tags, runbook_withheld=o.withheld)


def seed_items(cmd: c.StartIncident) -> list[JSON]:
    """The related items an incident starts with: those given, and the involved resources
    its trigger names."""
    given = [new_item(item) for item in cmd.related_items or []]
    trigger = cmd.trigger_details
    resources = involved_resources(trigger.raw_data, trigger_arn=trigger.trigger_arn) \
        if trigger else []
    return given + [new_item({"identifier": {"type": "INVOLVED_RESOURCE",
                                             "value": {"arn": arn}}}) for arn in resources]
