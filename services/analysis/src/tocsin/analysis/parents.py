"""Every new incident gets a parent OpsItem, to track its follow-up work and analyses (the
guide: "When you create an incident, Incident Manager creates a parent OpsItem").

On ``IncidentRecordCreated`` this service creates the OpsItem (its id derived from the
incident's ARN, so a redelivered event makes no second one), associates the incident with
it (``IsParentOf``), then adds the ``PARENT`` related item to the incident through the
incidents service. The same consumer keeps the incident's ``ANALYSIS`` related item in
step with the analysis service's own ``AnalysisCreated`` / ``AnalysisDeleted`` events.
"""

from __future__ import annotations

import hashlib

from nats.aio.msg import Msg

from tocsin.analysis.deps import Deps
from tocsin.analysis.incidents import IncidentsClient
from tocsin.analysis.opsitems import SOURCE, CreateOpsItem, DataValue
from tocsin.analysis.opsitems_api import INCIDENT_RESOURCE, OpsItems
from tocsin.analysis.opsitems_store import OpsItemStore
from tocsin.shared import codec, errors
from tocsin.shared.contracts import analysis as ca
from tocsin.shared.contracts import incidents as ci
from tocsin.shared.contracts.base import decode
from tocsin.shared.db import transaction

__all__ = ["PARENT_KEY", "RelatedItems", "parent_id"]

PARENT_KEY = "/tocsin/parent"
"""OperationalData marking an incident's parent OpsItem (not an action item)."""


def parent_id(incident_arn: str) -> str:
    """The id of an incident's parent OpsItem."""
    return "oi-" + hashlib.sha256(f"parent|{incident_arn}".encode()).hexdigest()[:12]


class RelatedItems:
    """Parent OpsItems of new incidents, and the ANALYSIS related items of analyses."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._ops = OpsItems(deps)
        self._incidents = IncidentsClient(deps.bus)

    async def on_incidents_event(self, event: codec.Envelope, msg: Msg) -> None:
        del msg
        if event.type != "IncidentRecordCreated":
            return
        data: ci.IncidentRecordCreated = decode(event.type, event.data, ci.IncidentsEvent)
        record = data.incident_record
        oid = parent_id(record.arn)
        async with transaction(self._deps.pool) as conn:
            if await OpsItemStore.get(conn, oid) is None:
                now = self._deps.clock.now()
                by = data.principal or self._deps.arns.iam("root")
                await self._ops.create(conn, CreateOpsItem(
                    title=f"Incident: {record.title}"[:1024],
                    description=(f"Parent OpsItem of the incident {record.arn}: its follow-up "
                                 "work and analyses.")[:2048],
                    source=SOURCE, severity=str(record.impact), operational_data={
                        "/tocsin/incident": DataValue(value=record.arn,
                                                      type="SearchableString"),
                        PARENT_KEY: DataValue(value="true", type="SearchableString")}),
                    by=by, now=now, ops_item_id=oid, response_plan_arn=data.response_plan_arn)
                await self._ops.associate(conn, oid, association_type="IsParentOf",
                                          resource_type=INCIDENT_RESOURCE,
                                          resource_uri=record.arn, by=by, now=now)
        await self._related(record.arn, {
            "identifier": {"type": "PARENT", "value": {"arn": self._deps.arns.ops_item(oid)}},
            "title": "Parent OpsItem"}, token=f"parent-{oid}")

    async def on_own_event(self, event: codec.Envelope, msg: Msg) -> None:
        del msg
        if event.type not in ("AnalysisCreated", "AnalysisDeleted"):
            return
        data = decode(event.type, event.data, ca.AnalysisEvent)
        identifier = {"type": "ANALYSIS", "value": {"arn": data.analysis_arn}}
        if isinstance(data, ca.AnalysisCreated):
            await self._related(data.incident_record_arn, {
                "identifier": identifier, "title": data.name[:200]},
                token=hashlib.sha256(data.analysis_arn.encode()).hexdigest()[:64])
        else:
            try:
                await self._incidents.remove_related_item(data.incident_record_arn, identifier)
            except errors.ServiceUnavailable as exc:
                raise errors.RetryLater(exc.message, delay=2.0) from None

    async def _related(self, incident_arn: str, item: dict[str, object], *, token: str) -> None:
        try:
            # As the service itself: the analysis service signs no principal, so one named
            # here would be refused wherever principals must be signed (make run).
            await self._incidents.add_related_item(incident_arn, item, token=token)
        except errors.ServiceUnavailable as exc:
            raise errors.RetryLater(exc.message, delay=2.0) from None
        except errors.NotFoundError:
            pass  # the incident was deleted meanwhile
