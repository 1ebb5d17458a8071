"""The OpsItem operations of the ``ssm`` API, and OpsItems Tocsin makes itself (an accepted
recommendation, an incident's parent OpsItem)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from tocsin.analysis import opsitems as oi
from tocsin.analysis.deps import Deps
from tocsin.analysis.opsitems_store import OpsItemRow, OpsItemStore, RelatedItemRow
from tocsin.analysis.reminders import OWNER_KEY, reschedule
from tocsin.shared.arns import build
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.contracts import analysis as ca
from tocsin.shared.db import transaction
from tocsin.shared.errors import OpsItemInvalidParameter, OpsItemNotFound, ValidationError
from tocsin.shared.paging import make_token, page_size, read_token

__all__ = ["DOCUMENT_RESOURCE", "INCIDENT_RESOURCE", "OpsItems", "operations"]

JSON = dict[str, Any]

INCIDENT_RESOURCE = "AWS::SSMIncidents::IncidentRecord"
DOCUMENT_RESOURCE = "AWS::SSM::Document"
ASSOCIATION_TYPES = ("IsParentOf", "RelatesTo")


def _at(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def _epoch(at: datetime | None) -> float | None:
    return at.timestamp() if at is not None else None


_TIMES = ("actual_start_time", "actual_end_time", "planned_start_time", "planned_end_time")


def kept_beside(row: OpsItemRow) -> JSON:
    """What Tocsin keeps of an OpsItem beside what ``GetOpsItem`` shows, as its events
    carry it."""
    return {"owner_contact_arn": row.owner_contact_arn,
            "response_plan_arn": row.response_plan_arn, "resolved_at": row.resolved_at}


class OpsItems:
    """OpsItems over the service's schema."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def view(self, row: OpsItemRow) -> JSON:
        """The OpsItem as ``GetOpsItem`` returns it."""
        out: JSON = {**self.summary(row, searchable_only=False),
                     "OpsItemArn": self._arn(row),
                     "Description": row.description, "Notifications": row.notifications,
                     "RelatedOpsItems": row.related_ops_items, "Version": str(row.version)}
        return out

    def _arn(self, row: OpsItemRow) -> str:
        """Its ARN, naming the region that made it."""
        arns = self._deps.arns
        return build(arns.partition, "ssm", row.home_region or arns.region, arns.account,
                     f"opsitem/{row.id}")

    @staticmethod
    def summary(row: OpsItemRow, *, searchable_only: bool = True) -> JSON:
        """The OpsItem as ``DescribeOpsItems`` lists it (only searchable OperationalData)."""
        data = {k: v for k, v in row.operational_data.items()
                if not searchable_only or v.get("Type") == "SearchableString"}
        out: JSON = {"OpsItemId": row.id, "OpsItemType": row.ops_item_type, "Title": row.title,
                     "Source": row.source, "Status": row.status,
                     "CreatedBy": row.created_by, "CreatedTime": _epoch(row.created_time),
                     "LastModifiedBy": row.last_modified_by,
                     "LastModifiedTime": _epoch(row.last_modified_time),
                     "OperationalData": data}
        for name, value in (("Priority", row.priority), ("Severity", row.severity),
                            ("Category", row.category)):
            if value is not None:
                out[name] = value
        for field in _TIMES:
            value = getattr(row, field)
            if value is not None:
                out["".join(p.title() for p in field.split("_"))] = _epoch(value)
        return out

    # --- making one ------------------------------------------------------------------

    async def create(self, conn: asyncpg.Connection, cmd: oi.CreateOpsItem, *, by: str,
                     now: datetime, ops_item_id: str | None = None,
                     response_plan_arn: str | None = None) -> OpsItemRow:
        """Validate and store an OpsItem in ``conn``'s transaction, with its event and its
        reminder. ``ops_item_id`` makes it idempotent (an existing one is returned)."""
        oi.check_create(cmd)
        related = [r.ops_item_id for r in cmd.related_ops_items or []]
        await self._check_related(conn, related)
        data = oi.data_json(cmd.operational_data)
        row = OpsItemRow(
            id=ops_item_id or oi.new_id(), ops_item_type=cmd.ops_item_type or oi.ISSUE,
            title=cmd.title, description=cmd.description, source=cmd.source, status="Open",
            priority=cmd.priority, severity=cmd.severity, category=cmd.category,
            operational_data=data, notifications=cmd.notifications or [],
            related_ops_items=[{"OpsItemId": r} for r in related],
            actual_start_time=_at(cmd.actual_start_time),
            actual_end_time=_at(cmd.actual_end_time),
            planned_start_time=_at(cmd.planned_start_time),
            planned_end_time=_at(cmd.planned_end_time),
            owner_contact_arn=_owner(data),
            response_plan_arn=response_plan_arn or self._plan_of(data),
            created_by=by, created_time=now, last_modified_by=by, last_modified_time=now)
        if not await OpsItemStore.insert(conn, row):
            existing = await OpsItemStore.get(conn, row.id)
            assert existing is not None
            return existing
        await reschedule(conn, row, here=self._deps.settings.region, now=now)
        await self._deps.emit(conn, ca.OpsItemCreated(ops_item=self.view(row), principal=by,
                                                      **kept_beside(row)), now=now)
        return row

    async def associate(self, conn: asyncpg.Connection, ops_item_id: str, *,
                        association_type: str, resource_type: str, resource_uri: str,
                        by: str, now: datetime) -> str:
        """Associate a resource with an OpsItem; its association id."""
        if association_type not in ASSOCIATION_TYPES:
            raise OpsItemInvalidParameter(
                f"AssociationType must be one of {', '.join(ASSOCIATION_TYPES)}",
                parameter_names=["AssociationType"])
        if resource_type not in (INCIDENT_RESOURCE, DOCUMENT_RESOURCE):
            raise OpsItemInvalidParameter(
                f"ResourceType must be {INCIDENT_RESOURCE} or {DOCUMENT_RESOURCE}",
                parameter_names=["ResourceType"])
        if not resource_uri.startswith("arn:"):
            raise OpsItemInvalidParameter("ResourceUri must be an ARN",
                                          parameter_names=["ResourceUri"])
        if await OpsItemStore.get(conn, ops_item_id) is None:
            raise _not_found(ops_item_id)
        item = RelatedItemRow(association_id=str(uuid.uuid4()), ops_item_id=ops_item_id,
                              association_type=association_type, resource_type=resource_type,
                              resource_uri=resource_uri, created_by=by, created_time=now)
        await OpsItemStore.associate(conn, item)
        await self._deps.emit(conn, ca.OpsItemRelatedItemAssociated(
            ops_item_id=ops_item_id, association_id=item.association_id,
            association_type=association_type, resource_type=resource_type,
            resource_uri=resource_uri, principal=by, created_time=now), now=now)
        return item.association_id

    async def _check_related(self, conn: asyncpg.Connection, ids: list[str]) -> None:
        missing = set(ids) - await OpsItemStore.existing(conn, ids)
        if missing:
            raise OpsItemInvalidParameter(
                f"RelatedOpsItems names OpsItems that do not exist: {', '.join(sorted(missing))}",
                parameter_names=["RelatedOpsItems"])

    def _plan_of(self, data: JSON) -> str | None:
        """The response plan of the incident an OpsItem's ``/tocsin/incident`` names."""
        incident = data.get("/tocsin/incident", {}).get("Value", "")
        rest = self._deps.arns.resource_of(incident, "ssm-incidents", "incident-record")
        return self._deps.arns.incidents(f"response-plan/{rest.split('/')[0]}") if rest else None

    # --- the ssm operations ----------------------------------------------------------

    async def create_ops_item(self, req: RpcRequest) -> JSON:
        cmd: oi.CreateOpsItem = req.decode(oi.CreateOpsItem)
        async with transaction(self._deps.pool) as conn:
            row = await self.create(conn, cmd, by=self._deps.by(req), now=self._deps.clock.now())
        return {"OpsItemId": row.id, "OpsItemArn": self._deps.arns.ops_item(row.id)}

    async def get_ops_item(self, req: RpcRequest) -> JSON:
        cmd: oi.GetOpsItem = req.decode(oi.GetOpsItem)
        async with self._deps.pool.acquire() as conn:
            row = await OpsItemStore.get(conn, cmd.ops_item_id)
        if row is None:
            raise _not_found(cmd.ops_item_id)
        return {"OpsItem": self.view(row)}

    async def update_ops_item(self, req: RpcRequest) -> JSON:
        cmd: oi.UpdateOpsItem = req.decode(oi.UpdateOpsItem)
        oi.check_update(cmd)
        by, now = self._deps.by(req), self._deps.clock.now()
        async with transaction(self._deps.pool) as conn:
            row = await OpsItemStore.get(conn, cmd.ops_item_id, lock=True)
            if row is None:
                raise _not_found(cmd.ops_item_id)
            changes: JSON = {}
            for name in ("description", "title", "category", "severity", "priority",
                         "notifications"):
                value = getattr(cmd, name)
                if value is not None:
                    changes[name] = value
            for name in _TIMES:
                value = getattr(cmd, name)
                if value is not None:
                    changes[name] = _at(value)
            if cmd.related_ops_items is not None:
                related = [r.ops_item_id for r in cmd.related_ops_items]
                await self._check_related(conn, related)
                changes["related_ops_items"] = [{"OpsItemId": r} for r in related]
            if cmd.operational_data is not None or cmd.operational_data_to_delete:
                data = {**row.operational_data, **oi.data_json(cmd.operational_data)}
                for key in cmd.operational_data_to_delete or []:
                    data.pop(key, None)
                changes["operational_data"] = data
                changes["owner_contact_arn"] = _owner(data)
            if cmd.status is not None and cmd.status != row.status:
                changes["status"] = cmd.status
                changes["resolved_at"] = now if cmd.status == "Resolved" else None
            updated = msgspec.structs.replace(row, **changes, last_modified_by=by,
                                              last_modified_time=now, version=row.version + 1)
            await OpsItemStore.update(conn, updated)
            await reschedule(conn, updated, here=self._deps.settings.region, now=now)
            await self._deps.emit(conn, ca.OpsItemUpdated(ops_item=self.view(updated),
                                                          principal=by,
                                                          **kept_beside(updated)), now=now)
        return {}

    async def describe_ops_items(self, req: RpcRequest) -> JSON:
        cmd: oi.DescribeOpsItems = req.decode(oi.DescribeOpsItems)
        where, args = _filters(cmd.ops_item_filters or [])
        limit = page_size(cmd.max_results)
        after = None
        if cmd.next_token:
            when, last = read_token(cmd.next_token, tuple[float, str], member="NextToken")
            after = (datetime.fromtimestamp(when, UTC), last)
        async with self._deps.pool.acquire() as conn:
            rows = await OpsItemStore.search(conn, where, args, after=after, limit=limit + 1)
        out: JSON = {"OpsItemSummaries": [self.summary(r) for r in rows[:limit]]}
        if len(rows) > limit:
            last_row = rows[limit - 1]
            out["NextToken"] = make_token((last_row.created_time.timestamp(), last_row.id))
        return out

    async def associate_ops_item_related_item(self, req: RpcRequest) -> JSON:
        cmd: oi.AssociateRelatedItem = req.decode(oi.AssociateRelatedItem)
        oi.check_id(cmd.ops_item_id)
        async with transaction(self._deps.pool) as conn:
            association = await self.associate(
                conn, cmd.ops_item_id, association_type=cmd.association_type,
                resource_type=cmd.resource_type, resource_uri=cmd.resource_uri,
                by=self._deps.by(req), now=self._deps.clock.now())
        return {"AssociationId": association}

    async def list_ops_item_related_items(self, req: RpcRequest) -> JSON:
        cmd: oi.ListRelatedItems = req.decode(oi.ListRelatedItems)
        wanted: dict[str, list[str]] = {}
        for f in cmd.filters or []:
            if f.key not in ("ResourceType", "AssociationId", "ResourceUri"):
                raise OpsItemInvalidParameter(
                    "Filters Key must be ResourceType, AssociationId or ResourceUri",
                    parameter_names=["Filters"])
            if f.operator != "Equal":
                raise OpsItemInvalidParameter("Filters Operator must be Equal",
                                              parameter_names=["Filters"])
            wanted.setdefault(f.key, []).extend(f.values)
        limit = page_size(cmd.max_results)
        after = None
        if cmd.next_token:
            when, last = read_token(cmd.next_token, tuple[float, str], member="NextToken")
            after = (datetime.fromtimestamp(when, UTC), last)
        async with self._deps.pool.acquire() as conn:
            rows = await OpsItemStore.related(
                conn, ops_item_id=cmd.ops_item_id, resource_type=wanted.get("ResourceType"),
                association_id=wanted.get("AssociationId"),
                resource_uri=wanted.get("ResourceUri"), after=after, limit=limit + 1)
        out: JSON = {"Summaries": [{
            "OpsItemId": r.ops_item_id, "AssociationId": r.association_id,
            "ResourceType": r.resource_type, "AssociationType": r.association_type,
            "ResourceUri": r.resource_uri, "CreatedBy": {"Arn": r.created_by},
            "CreatedTime": r.created_time.timestamp(), "LastModifiedBy": {"Arn": r.created_by},
            "LastModifiedTime": r.created_time.timestamp()} for r in rows[:limit]]}
        if len(rows) > limit:
            last_row = rows[limit - 1]
            out["NextToken"] = make_token((last_row.created_time.timestamp(),
                                           last_row.association_id))
        return out


def _owner(data: JSON) -> str | None:
    value = data.get(OWNER_KEY, {}).get("Value")
    return str(value) if value else None


def _not_found(ops_item_id: str) -> OpsItemNotFound:
    return OpsItemNotFound(f"OpsItem {ops_item_id} does not exist")


_COLUMN_FILTERS = {"Status": "status", "Source": "source", "Title": "title", "OpsItemId": "id",
                   "Category": "category", "Severity": "severity", "OpsItemType": "ops_item_type",
                   "CreatedBy": "created_by"}
_TIME_FILTERS = {"CreatedTime": "created_time", "LastModifiedTime": "last_modified_time",
                 "ActualStartTime": "actual_start_time", "ActualEndTime": "actual_end_time",
                 "PlannedStartTime": "planned_start_time", "PlannedEndTime": "planned_end_time"}


def _filters(filters: list[oi.OpsItemFilter]) -> tuple[list[str], list[Any]]:
    """SQL conditions (and their arguments) for ``DescribeOpsItems`` filters: each filter's
    values are alternatives; filters all hold."""
    where: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    for f in filters:
        op = "Equal" if f.operator == "Equals" else f.operator
        if op not in ("Equal", "Contains", "GreaterThan", "LessThan"):
            raise ValidationError(f"OpsItemFilter Operator {f.operator!r} must be Equal, "
                                  "Contains, GreaterThan or LessThan")
        alternatives: list[str] = []
        for value in f.values:
            if f.key in _COLUMN_FILTERS and op in ("Equal", "Contains"):
                column = _COLUMN_FILTERS[f.key]
                alternatives.append(f"{column} = {arg(value)}" if op == "Equal"
                                    else f"strpos({column}, {arg(value)}) > 0")
            elif f.key == "Priority" and op in ("Equal", "GreaterThan", "LessThan"):
                try:
                    number = int(value)
                except ValueError:
                    raise ValidationError(f"Priority filter value {value!r} is not a number"
                                          ) from None
                sql = {"Equal": "=", "GreaterThan": ">", "LessThan": "<"}[op]
                alternatives.append(f"priority {sql} {arg(number)}")
            elif f.key in _TIME_FILTERS and op in ("GreaterThan", "LessThan"):
                at = _filter_time(f.key, value)
                sql = ">" if op == "GreaterThan" else "<"
                alternatives.append(f"{_TIME_FILTERS[f.key]} {sql} {arg(at)}")
            elif f.key == "OperationalData" and op == "Equal":
                try:
                    pair = msgspec.json.decode(value, type=dict[str, str])
                    key, wanted = pair["key"], pair["value"]
                except (msgspec.DecodeError, KeyError):
                    raise ValidationError('An OperationalData filter value is the JSON '
                                          '{"key":"...","value":"..."}') from None
                k = arg(key)
                alternatives.append(f"(operational_data->{k}->>'Type' = 'SearchableString'"
                                    f" AND operational_data->{k}->>'Value' = {arg(wanted)})")
            elif f.key == "OperationalDataKey" and op == "Equal":
                k = arg(value)
                alternatives.append(f"operational_data->{k}->>'Type' = 'SearchableString'")
            elif f.key == "OperationalDataValue" and op in ("Equal", "Contains"):
                v = arg(value)
                test = "d.value->>'Value' = " + v if op == "Equal" \
                    else f"strpos(d.value->>'Value', {v}) > 0"
                alternatives.append(
                    "EXISTS (SELECT 1 FROM jsonb_each(operational_data) d"
                    f" WHERE d.value->>'Type' = 'SearchableString' AND {test})")
            else:
                raise ValidationError(f"Tocsin does not filter OpsItems by {f.key} with "
                                      f"{f.operator}")
        if alternatives:
            where.append("(" + " OR ".join(alternatives) + ")")
    return where or ["TRUE"], args


def _filter_time(key: str, value: str) -> datetime:
    """A time filter's value: ISO-8601 (UTC unless it says otherwise) or epoch seconds."""
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (ValueError, OverflowError, OSError):
            raise ValidationError(f"{key} filter value {value!r} is not a time") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def operations(deps: Deps) -> Mapping[str, Handler]:
    """The ssm OpsItem operations, by name."""
    h = OpsItems(deps)
    return {"CreateOpsItem": h.create_ops_item, "GetOpsItem": h.get_ops_item,
            "UpdateOpsItem": h.update_ops_item, "DescribeOpsItems": h.describe_ops_items,
            "AssociateOpsItemRelatedItem": h.associate_ops_item_related_item,
            "ListOpsItemRelatedItems": h.list_ops_item_related_items}
