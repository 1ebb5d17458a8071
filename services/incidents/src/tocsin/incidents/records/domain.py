"""The incidents domain: replication set, response plans, incident records.

Pure: no I/O, no clock (the time is passed in). Resources are msgspec Structs in the
shape the ``ssm-incidents`` API returns them, so a stored document is also the reply.
Timestamps are epoch seconds, as the AWS JSON protocols carry them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from tocsin.shared import arns
from tocsin.shared.contracts import incidents as c
from tocsin.shared.errors import ConflictError, ValidationError

__all__ = [
    "DEFAULT_SOURCE",
    "IncidentQuery",
    "IncidentRecord",
    "RegionInfo",
    "ReplicationSet",
    "ResponsePlan",
    "add_region",
    "apply_plan_update",
    "apply_record_update",
    "incident_query",
    "mark_region",
    "merge_replication_set",
    "new_incident",
    "new_replication_set",
    "new_response_plan",
]

JSON = dict[str, Any]

DEFAULT_SOURCE = "aws.ssm-incidents.custom"
"""``incidentRecordSource.source`` of an incident started by a person or the API."""

REGION_REMOVAL_DELAY = 24 * 3600.0
"""A region can't be removed from the replication set until a day after it was added."""


class _Doc(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    """A resource as the API returns it."""


class Arns(arns.Arns):
    """The ARNs of the incidents API (the deployment's partition, empty region field)."""

    def __init__(self, account: str, *, partition: str = arns.DEFAULT_PARTITION,
                 region: str = "") -> None:
        super().__init__(partition=partition, region=region, account=account)
        self.prefix = self.incidents("")

    def replication_set(self) -> str:
        return f"{self.prefix}replication-set/{uuid.uuid4()}"

    def response_plan(self, name: str) -> str:
        return f"{self.prefix}response-plan/{name}"

    def incident_record(self, plan_name: str) -> str:
        return f"{self.prefix}incident-record/{plan_name}/{uuid.uuid4()}"

    def plan_name(self, arn: str) -> str | None:
        """The plan name in a response-plan ARN of this partition and account, or None."""
        return self.resource_of(arn, "ssm-incidents", "response-plan")


# --- replication set -------------------------------------------------------------------


class RegionInfo(_Doc):
    status: str
    status_update_date_time: float
    sse_kms_key_id: str
    """A customer key id, or ``DefaultKey`` for Tocsin's own."""
    status_message: str | None = None
    added_time: float = 0.0
    """Not part of the API output; kept for the 24-hour rule."""


class ReplicationSet(_Doc):
    arn: str
    status: str
    region_map: dict[str, RegionInfo]
    created_by: str
    created_time: float
    last_modified_by: str
    last_modified_time: float
    deletion_protected: bool
    """Required in the API's output, so it has no default (which would be omitted)."""

    def output(self) -> JSON:
        doc: JSON = msgspec.to_builtins(self)
        for info in doc["regionMap"].values():
            info.pop("addedTime", None)
        return doc

    def state(self) -> JSON:
        """The set as its events carry it: keyword arguments of a ``ReplicationSet*``
        contract."""
        fields = msgspec.structs.asdict(self)
        fields["region_map"] = {
            name: c.RegionInfo(status=info.status,
                               status_update_date_time=info.status_update_date_time,
                               sse_kms_key_id=info.sse_kms_key_id,
                               status_message=info.status_message,
                               added_time=info.added_time)
            for name, info in self.region_map.items()}
        return fields


def new_replication_set(cmd: c.CreateReplicationSet, *, arn: str, home_region: str,
                        by: str, now: datetime) -> ReplicationSet:
    """A replication set over ``cmd.regions``, which must include this deployment's region:
    it is ``ACTIVE`` at once, every other region ``CREATING`` until its mirror is live there
    (:mod:`tocsin.incidents.administration.regions`).

    Raises:
        ValidationError: this deployment's region is not named, or a name is no region's.
    """
    t = now.timestamp()
    if home_region not in cmd.regions:
        raise ValidationError(f"regions must include this deployment's region {home_region}")
    for name in cmd.regions:
        check_region_name(name)
    regions = {name: RegionInfo(status="ACTIVE" if name == home_region else "CREATING",
                                status_update_date_time=t, added_time=t,
                                sse_kms_key_id=value.sse_kms_key_id or "DefaultKey")
               for name, value in cmd.regions.items()}
    return ReplicationSet(arn=arn, status=set_status(regions, t), region_map=regions,
                          created_by=by, created_time=t, last_modified_by=by,
                          last_modified_time=t, deletion_protected=False)


def check_region_name(name: str) -> None:
    """Raises ValidationError unless ``name`` can name a region (a JetStream domain)."""
    if not name or len(name) > 20 or not all(ch.isalnum() or ch == "-" for ch in name):
        raise ValidationError(f"{name!r} is not a region name: letters, digits and '-', "
                              "at most 20")


def set_status(regions: dict[str, RegionInfo], created_time: float) -> str:
    """The set's status, by its regions' alone (so every region derives the same):
    ``FAILED`` while one failed, ``ACTIVE`` once all are, else ``UPDATING`` while a region
    added since the set's creation is not yet, ``CREATING`` before."""
    statuses = {info.status for info in regions.values()}
    if "FAILED" in statuses:
        return "FAILED"
    if statuses <= {"ACTIVE"}:
        return "ACTIVE"
    added_later = any(info.status != "ACTIVE" and info.added_time > created_time
                      for info in regions.values())
    return "UPDATING" if added_later else "CREATING"


def add_region(rs: ReplicationSet, name: str, sse_kms_key_id: str | None, *, by: str,
               now: datetime) -> ReplicationSet:
    """The set with region ``name`` added, ``CREATING`` until its mirror is live.

    Raises:
        ValidationError: no region's name.
    """
    check_region_name(name)
    t = now.timestamp()
    regions = {**rs.region_map, name: RegionInfo(
        status="CREATING", status_update_date_time=t, added_time=t,
        sse_kms_key_id=sse_kms_key_id or "DefaultKey")}
    return msgspec.structs.replace(rs, region_map=regions,
                                   status=set_status(regions, rs.created_time),
                                   last_modified_by=by, last_modified_time=t)


def mark_region(rs: ReplicationSet, name: str, status: str, *, now: datetime,
                message: str | None = None) -> ReplicationSet:
    """The set with region ``name``'s status changed (its own doing, or a failure seen from
    here); who last modified the set is unchanged."""
    info = msgspec.structs.replace(rs.region_map[name], status=status,
                                   status_update_date_time=now.timestamp(),
                                   status_message=message)
    regions = {**rs.region_map, name: info}
    return msgspec.structs.replace(rs, region_map=regions,
                                   status=set_status(regions, rs.created_time))


def _rank(rs: ReplicationSet) -> tuple[float, bytes]:
    # Ties broken by the document itself: every region picks the same one.
    return rs.last_modified_time, msgspec.json.encode(rs.output())


def merge_replication_set(local: ReplicationSet | None,
                          incoming: ReplicationSet) -> ReplicationSet:
    """The set as this region keeps it after another region's version of it arrives, the
    same whatever order versions arrive in: of two different sets, the one created first
    (an account has one set; two regions creating one at once keep the older); of one set,
    its regions, protection and last modifier from the version modified last, and each
    region's status from the version that changed that region's status last."""
    if local is None:
        return incoming
    if local.arn != incoming.arn:
        older = min(local, incoming, key=lambda r: (r.created_time, r.arn))
        return older
    base, other = (incoming, local) if _rank(incoming) > _rank(local) else (local, incoming)
    regions = {}
    for name, info in base.region_map.items():
        theirs = other.region_map.get(name)
        if theirs is not None and (theirs.status_update_date_time, theirs.status) > (
                info.status_update_date_time, info.status):
            info = msgspec.structs.replace(theirs, added_time=info.added_time)
        regions[name] = info
    return msgspec.structs.replace(base, region_map=regions,
                                   status=set_status(regions, base.created_time))


def remove_region(rs: ReplicationSet, region: str, *, by: str,
                  now: datetime) -> ReplicationSet | None:
    """The set without ``region``; None when that was the last region (the set goes too).

    Raises:
        ValidationError: the region is not in the set, was added less than a day ago, or is
            the last one while deletion protection is on.
    """
    info = rs.region_map.get(region)
    if info is None:
        raise ValidationError(f"Region {region} is not in the replication set")
    t = now.timestamp()
    if t - info.added_time < REGION_REMOVAL_DELAY:
        raise ValidationError(
            f"Region {region} was added less than 24 hours ago and can't be deleted yet")
    remaining = {k: v for k, v in rs.region_map.items() if k != region}
    if not remaining:
        if rs.deletion_protected:
            raise ValidationError(
                "Deletion protection is enabled: the last Region of the replication set "
                "can't be deleted")
        return None
    return msgspec.structs.replace(rs, region_map=remaining, last_modified_by=by,
                                   last_modified_time=t,
                                   status=set_status(remaining, rs.created_time))


def check_deletable(rs: ReplicationSet) -> None:
    """Raises ValidationError while deletion protection is on."""
    if rs.deletion_protected:
        raise ValidationError("Deletion protection is enabled for the replication set; "
                              "turn it off with UpdateDeletionProtection first")


# --- response plans --------------------------------------------------------------------


IncidentTemplate = c.ResponsePlanTemplate


class ResponsePlan(c.ResponsePlan, frozen=True):
    """The plan, shaped by its contract (the API's and the events' shape)."""

    def summary(self) -> JSON:
        out: JSON = {"arn": self.arn, "name": self.name}
        if self.display_name is not None:
            out["displayName"] = self.display_name
        return out


def new_response_plan(cmd: c.CreateResponsePlan, *, arn: str) -> ResponsePlan:
    """A response plan from its Create request."""
    t = cmd.incident_template
    return ResponsePlan(
        arn=arn, name=cmd.name, display_name=cmd.display_name,
        incident_template=IncidentTemplate(
            title=t.title, impact=t.impact, summary=t.summary, dedupe_string=t.dedupe_string,
            incident_tags=t.incident_tags, notification_targets=t.notification_targets),
        chat_channel=_chat_channel(cmd.chat_channel), engagements=cmd.engagements,
        actions=cmd.actions, integrations=cmd.integrations)


def _chat_channel(value: JSON | None) -> JSON | None:
    """``{"empty": {}}`` means no chat channel."""
    return None if not value or "empty" in value else value


def apply_plan_update(plan: ResponsePlan, cmd: c.UpdateResponsePlan) -> ResponsePlan:
    """The plan with the members present in ``cmd`` changed; absent members stay."""
    t = plan.incident_template
    template = msgspec.structs.replace(
        t,
        title=_pick(cmd.incident_template_title, t.title),
        impact=_pick(cmd.incident_template_impact, t.impact),
        summary=_pick(cmd.incident_template_summary, t.summary),
        dedupe_string=_pick(cmd.incident_template_dedupe_string, t.dedupe_string),
        notification_targets=_pick(cmd.incident_template_notification_targets,
                                   t.notification_targets),
        # An empty map clears the template's tags.
        incident_tags=(t.incident_tags if cmd.incident_template_tags is None
                       else cmd.incident_template_tags or None))
    return msgspec.structs.replace(
        plan, incident_template=template,
        display_name=_pick(cmd.display_name, plan.display_name),
        chat_channel=(plan.chat_channel if cmd.chat_channel is None
                      else _chat_channel(cmd.chat_channel)),
        engagements=_pick(cmd.engagements, plan.engagements),
        actions=_pick(cmd.actions, plan.actions),
        integrations=_pick(cmd.integrations, plan.integrations))


def _pick(new: Any, old: Any) -> Any:
    return old if new is None else new


CONTACT_KINDS = ("PERSONAL", "ESCALATION", "ONCALL_SCHEDULE")
"""What a response plan may engage."""
_OTHER_KINDS = {"CONTACT_CHANNEL": "a contact channel", "ROTATION": "a rotation"}


def check_engagement_kinds(engagements: list[str], kinds: dict[str, str]) -> None:
    """Check that each of a plan's ``engagements`` is a contact, by the kinds the contacts
    service reported (ARN → kind; an ARN it does not know is absent).

    Raises:
        ValidationError: naming the first member that is not an existing contact.
    """
    for i, arn in enumerate(engagements):
        kind = kinds.get(arn)
        where = f"engagements[{i}]"
        if kind in CONTACT_KINDS:
            continue
        if kind in _OTHER_KINDS:
            raise ValidationError(
                f"{where}: {arn} is {_OTHER_KINDS[kind]}, not a contact; a response plan "
                "engages PERSONAL, ESCALATION and ONCALL_SCHEDULE contacts")
        raise ValidationError(f"{where}: contact {arn} does not exist")


# --- incident records ------------------------------------------------------------------


IncidentRecordSource = c.IncidentRecordSource


class IncidentRecord(c.IncidentRecord, frozen=True):
    """The record, shaped by its contract (the API's and the events' shape)."""

    @property
    def plan_name(self) -> str:
        return self.arn.split(":incident-record/", 1)[1].split("/", 1)[0]

    @property
    def dedupes_alone(self) -> bool:
        """Its dedupe string is its own, the random id ending its ARN (:func:`new_incident`:
        no template dedupe string, dedupe key nor trigger), so no other incident of any
        region holds it and a start has no duplicate to look for."""
        return self.dedupe_string == self.arn.rsplit("/", 1)[1]

    def summary_output(self) -> JSON:
        """The record as ``ListIncidentRecords`` lists it."""
        out: JSON = {"arn": self.arn, "title": self.title, "status": self.status,
                     "impact": self.impact, "creationTime": self.creation_time,
                     "incidentRecordSource": msgspec.to_builtins(self.incident_record_source)}
        if self.resolved_time is not None:
            out["resolvedTime"] = self.resolved_time
        return out


def shared_dedupe_string(plan: ResponsePlan, cmd: c.StartIncident) -> str | None:
    """The dedupe string a start of ``plan`` shares with other starts (see
    :func:`new_incident`); None when its incident's is its own."""
    trigger = cmd.trigger_details
    return (plan.incident_template.dedupe_string or cmd.dedupe_key
            or (trigger.trigger_arn if trigger else None))


def new_incident(plan: ResponsePlan, cmd: c.StartIncident, *, arn: str, by: str,
                 now: datetime) -> IncidentRecord:
    """A new OPEN incident: the plan's template, overridden by the request's title and impact.

    Its dedupe string is the template's; without one, the ingestion's dedupe key or the
    trigger's ARN, so repeated
    triggers of one alarm or rule join the open incident; without either, one of its
    own, so it never absorbs another start.
    """
    t = now.timestamp()
    template = plan.incident_template
    trigger = cmd.trigger_details
    dedupe = shared_dedupe_string(plan, cmd) or arn.rsplit("/", 1)[1]
    return IncidentRecord(
        arn=arn,
        title=cmd.title if cmd.title is not None else template.title,
        impact=cmd.impact if cmd.impact is not None else template.impact,
        summary=template.summary,
        status="OPEN",
        creation_time=t,
        last_modified_by=by,
        last_modified_time=t,
        dedupe_string=dedupe,
        chat_channel=plan.chat_channel,
        notification_targets=list(template.notification_targets or []),
        incident_record_source=IncidentRecordSource(
            created_by=by,
            source=trigger.source if trigger else DEFAULT_SOURCE,
            resource_arn=trigger.trigger_arn if trigger else None),
    )


def trigger_data(cmd: c.StartIncident, *, created: bool) -> JSON:
    """``eventData`` of the trigger's timeline event; ``created`` is False for a duplicate."""
    trigger = cmd.trigger_details
    data: JSON = {"createdIncident": created,
                  "incidentSource": trigger.source if trigger else DEFAULT_SOURCE}
    if trigger and trigger.trigger_arn:
        data["triggerArn"] = trigger.trigger_arn
    if trigger and trigger.raw_data:
        data["rawData"] = trigger.raw_data
    return data


def start_data(record: IncidentRecord, plan: ResponsePlan) -> JSON:
    """``eventData`` of the start's timeline event."""
    return {"incidentTitle": record.title, "impact": record.impact,
            "responsePlanArn": plan.arn, "createdBy": record.incident_record_source.created_by}


STATUSES = ("OPEN", "RESOLVED")


def apply_record_update(record: IncidentRecord, cmd: c.UpdateIncidentRecord, *, by: str,
                        now: datetime) -> tuple[IncidentRecord, list[JSON]]:
    """The record with the members present in ``cmd`` changed, and what changed.

    Resolving sets ``resolvedTime``; re-opening clears it.
    """
    if cmd.status is not None and cmd.status not in STATUSES:
        raise ValidationError(f"status must be one of {', '.join(STATUSES)}")
    changes: dict[str, Any] = {}
    for attribute, value in (("title", cmd.title), ("summary", cmd.summary),
                             ("impact", cmd.impact), ("status", cmd.status),
                             ("notification_targets", cmd.notification_targets)):
        if value is not None and value != getattr(record, attribute):
            changes[attribute] = value
    if cmd.chat_channel is not None:
        channel = _chat_channel(cmd.chat_channel)
        if channel != record.chat_channel:
            changes["chat_channel"] = channel
    if "status" in changes:
        changes["resolved_time"] = now.timestamp() if changes["status"] == "RESOLVED" else None
    if not changes:
        return record, []
    updated = msgspec.structs.replace(record, **changes, last_modified_by=by,
                                      last_modified_time=now.timestamp())
    # The timeline reports new values as strings, JSON for anything but a string.
    modified = [{"attributeName": _camel(k),
                 "newValue": v if isinstance(v, str) else msgspec.json.encode(v).decode()}
                for k, v in changes.items() if k != "resolved_time"]
    return updated, modified


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def conflict_open_duplicate(record: IncidentRecord) -> ConflictError:
    """Re-opening would make two open incidents with one dedupe string."""
    return ConflictError(
        f"another open incident of response plan {record.plan_name} has dedupe string "
        f"{record.dedupe_string!r}; resolve it before re-opening {record.arn}",
        resource_type="INCIDENT_RECORD", resource_id=record.arn)


class IncidentQuery(msgspec.Struct, kw_only=True, frozen=True):
    """What ``ListIncidentRecords`` filters on; every given member must match."""

    created_before: float | None = None
    created_after: float | None = None
    impacts: list[int] | None = None
    statuses: list[str] | None = None
    created_by: list[str] | None = None
    after: tuple[float, str] | None = None
    """Keyset position: (creation time, ARN) of the last record of the previous page."""
    limit: int = 100


_FILTER_KEYS = ("creationTime", "impact", "status", "createdBy")


def incident_query(filters: list[c.Filter], *, limit: int) -> IncidentQuery:
    """The ``ListIncidentRecords`` filters as a query: filters ANDed, values ORed."""
    fields: dict[str, Any] = {}
    for f in filters:
        cond = f.condition
        equals = cond.equals or {}
        if f.key == "creationTime":
            if cond.before is None and cond.after is None:
                raise ValidationError("filter creationTime takes a before or after condition")
            if cond.before is not None:
                fields["created_before"] = cond.before
            if cond.after is not None:
                fields["created_after"] = cond.after
        elif f.key == "impact":
            values = equals.get("integerValues")
            if not values:
                raise ValidationError("filter impact takes equals.integerValues")
            fields["impacts"] = [int(v) for v in values]
        elif f.key in ("status", "createdBy"):
            values = equals.get("stringValues")
            if not values:
                raise ValidationError(f"filter {f.key} takes equals.stringValues")
            fields["statuses" if f.key == "status" else "created_by"] = [str(v) for v in values]
        else:
            raise ValidationError(f"filter key {f.key!r} is not one of "
                                  f"{', '.join(_FILTER_KEYS)}")
    return IncidentQuery(limit=limit, **fields)
