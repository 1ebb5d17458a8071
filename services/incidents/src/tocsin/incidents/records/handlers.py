"""Replication set, response plans and incident records: one method per operation.

Each mutating operation runs in one transaction that holds its state change, its event in
the outbox and, when the caller sent one, its client token with the result, so a retried
call returns the first result and never repeats the change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from tocsin.incidents.data_keys import rewrap
from tocsin.incidents.records import attributes, domain, starting
from tocsin.incidents.records.plan_engagements import check_engagements
from tocsin.incidents.related.store import RelatedItemStore
from tocsin.incidents.timeline import domain as timeline
from tocsin.incidents.timeline.store import TimelineStore
from tocsin.incidents.usecases import JSON, PLAN_QUOTA, UseCases, make_token, read_token
from tocsin.shared import codec
from tocsin.shared.bus import RpcRequest, rpc_subject
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import incidents as c
from tocsin.shared.db import transaction
from tocsin.shared.db.quotas import check_quota
from tocsin.shared.db.tags import TagStore
from tocsin.shared.errors import ConflictError, NotFoundError, TocsinError, ValidationError
from tocsin.shared.events import emit
from tocsin.shared.keys import DEFAULT_KEY
from tocsin.shared.logging import bind, get_logger
from tocsin.shared.paging import page_size
from tocsin.shared.timestamps import Epoch

__all__ = ["Handlers"]

log = get_logger(__name__)


class Handlers(UseCases):
    """Replication set, response plans and incident records."""

    # --- replication set ----------------------------------------------------------------

    async def create_replication_set(self, req: RpcRequest) -> JSON:
        cmd: c.CreateReplicationSet = req.decode(c.CreateReplicationSet)

        async def body(conn: asyncpg.Connection) -> JSON:
            now = self._clock.now()
            rs = domain.new_replication_set(cmd, arn=self._arns.replication_set(),
                                            home_region=self._region, by=self._by(req), now=now)
            if not await self._store.insert_replication_set(conn, rs):
                existing = await self._store.replication_set(conn)
                raise ConflictError("A replication set already exists in this account",
                                    resource_type="REPLICATION_SET",
                                    resource_id=existing.arn if existing else None)
            await TagStore.put(conn, rs.arn, cmd.tags or {})
            await self._wrap_under(conn, rs)
            await emit(conn, c.ReplicationSetCreated(**rs.state(), principal=self._by(req),
                                                     resource_version=1, tags=cmd.tags or {}),
                       region=self._region, now=now)
            return {"arn": rs.arn}

        return await self._once(req, cmd.client_token, body)

    async def _wrap_under(self, conn: asyncpg.Connection, rs: domain.ReplicationSet) -> None:
        """Re-wrap the data key under the key-encryption key this region's ``SseKmsKeyId``
        names, in the set's own transaction: a key that cannot wrap (Vault unreachable,
        say) is ``DataEncryptionException`` and no set is created."""
        info = rs.region_map.get(self._region)
        if self._keks is None or info is None or info.sse_kms_key_id == DEFAULT_KEY:
            return
        await rewrap(conn, self._keks, self._keks.for_kms_key_id(info.sse_kms_key_id),
                     region=self._region)

    async def _the_set(self, conn: asyncpg.Connection, arn: str, *,
                       lock: bool = False) -> domain.ReplicationSet:
        rs = await self._store.replication_set(conn, lock=lock)
        if rs is None or rs.arn != arn:
            raise NotFoundError(f"Replication set {arn} does not exist",
                                resource_type="REPLICATION_SET", resource_id=arn)
        return rs

    async def get_replication_set(self, req: RpcRequest) -> JSON:
        cmd: c.GetArn = req.decode(c.GetArn)
        async with self._pool.acquire() as conn:
            rs = await self._the_set(conn, cmd.arn)
        return {"replicationSet": rs.output()}

    async def list_replication_sets(self, req: RpcRequest) -> JSON:
        req.decode(c.ListPage)
        async with self._pool.acquire() as conn:
            rs = await self._store.replication_set(conn)
        return {"replicationSetArns": [rs.arn] if rs else []}

    async def update_replication_set(self, req: RpcRequest) -> JSON:
        cmd: c.UpdateReplicationSet = req.decode(c.UpdateReplicationSet)
        if len(cmd.actions) != 1:
            raise ValidationError("actions must contain exactly one action")
        action = cmd.actions[0]

        async def body(conn: asyncpg.Connection) -> JSON:
            now = self._clock.now()
            rs = await self._the_set(conn, cmd.arn, lock=True)
            if action.add_region_action is not None:
                add = action.add_region_action
                if add.region_name in rs.region_map:
                    raise ConflictError(
                        f"Region {add.region_name} is already in the replication set",
                        resource_type="REPLICATION_SET", resource_id=rs.arn)
                added = domain.add_region(rs, add.region_name, add.sse_kms_key_id,
                                          by=self._by(req), now=now)
                version = await self._store.save_replication_set(conn, added)
                await emit(conn, c.ReplicationSetUpdated(**added.state(),
                                                         principal=self._by(req),
                                                         resource_version=version),
                           region=self._region, now=now)
            if action.delete_region_action is not None:
                updated = domain.remove_region(rs, action.delete_region_action.region_name,
                                               by=self._by(req), now=now)
                if updated is None:
                    await self._delete_set(conn, rs, by=self._by(req), now=now)
                    return {}
                version = await self._store.save_replication_set(conn, updated)
                await emit(conn, c.ReplicationSetUpdated(**updated.state(),
                                                         principal=self._by(req),
                                                         resource_version=version),
                           region=self._region, now=now)
            return {}

        return await self._once(req, cmd.client_token, body)

    async def update_deletion_protection(self, req: RpcRequest) -> JSON:
        cmd: c.UpdateDeletionProtection = req.decode(c.UpdateDeletionProtection)

        async def body(conn: asyncpg.Connection) -> JSON:
            now = self._clock.now()
            rs = await self._the_set(conn, cmd.arn, lock=True)
            if rs.deletion_protected != cmd.deletion_protected:
                rs = msgspec.structs.replace(rs, deletion_protected=cmd.deletion_protected,
                                             last_modified_by=self._by(req),
                                             last_modified_time=now.timestamp())
                version = await self._store.save_replication_set(conn, rs)
                await emit(conn, c.ReplicationSetUpdated(**rs.state(), principal=self._by(req),
                                                         resource_version=version),
                           region=self._region, now=now)
            return {}

        return await self._once(req, cmd.client_token, body)

    async def delete_replication_set(self, req: RpcRequest) -> JSON:
        cmd: c.DeleteReplicationSet = req.decode(c.DeleteReplicationSet)
        async with transaction(self._pool) as conn:
            rs = await self._the_set(conn, cmd.arn, lock=True)
            domain.check_deletable(rs)
            await self._delete_set(conn, rs, by=self._by(req), now=self._clock.now())
        return {}

    async def _delete_set(self, conn: asyncpg.Connection, rs: domain.ReplicationSet, *,
                          by: str, now: datetime) -> None:
        version = await self._store.delete_everything(conn)
        await emit(conn, c.ReplicationSetDeleted(arn=rs.arn, principal=by,
                                                 resource_version=version),
                   region=self._region, now=now)

    # --- response plans -----------------------------------------------------------------

    async def create_response_plan(self, req: RpcRequest) -> JSON:
        cmd: c.CreateResponsePlan = req.decode(c.CreateResponsePlan)

        async def body(conn: asyncpg.Connection) -> JSON:
            await self._replication_set(conn)
            plan = domain.new_response_plan(cmd, arn=self._arns.response_plan(cmd.name))
            await check_quota(conn, PLAN_QUOTA, limit=self._quotas.response_plans,
                              count_sql="SELECT count(*) FROM response_plan")
            await check_engagements(conn, self._bus, plan.arn, cmd.engagements or [])
            if not await self._store.insert_plan(conn, plan):
                raise ConflictError(f"A response plan named {cmd.name} already exists",
                                    resource_type="RESPONSE_PLAN", resource_id=plan.arn)
            await TagStore.put(conn, plan.arn, cmd.tags or {})
            await emit(conn, c.ResponsePlanCreated(**msgspec.structs.asdict(plan),
                                                   principal=self._by(req),
                                                   resource_version=1, tags=cmd.tags or {}),
                       region=self._region, now=self._clock.now())
            return {"arn": plan.arn}

        return await self._once(req, cmd.client_token, body)

    async def get_response_plan(self, req: RpcRequest) -> JSON:
        cmd: c.GetArn = req.decode(c.GetArn)
        async with self._pool.acquire() as conn:
            plan = await self._plan(conn, cmd.arn)
        out: JSON = msgspec.to_builtins(plan)
        return out

    async def list_response_plans(self, req: RpcRequest) -> JSON:
        cmd: c.ListPage = req.decode(c.ListPage)
        limit = page_size(cmd.max_results)
        after = read_token(cmd.next_token, str) if cmd.next_token else None
        async with self._pool.acquire() as conn:
            await self._replication_set(conn)
            plans = await self._store.plans(conn, after=after, limit=limit + 1)
        out: JSON = {"responsePlanSummaries": [p.summary() for p in plans[:limit]]}
        if len(plans) > limit:
            out["nextToken"] = make_token(plans[limit - 1].name)
        return out

    async def update_response_plan(self, req: RpcRequest) -> JSON:
        cmd: c.UpdateResponsePlan = req.decode(c.UpdateResponsePlan)

        async def body(conn: asyncpg.Connection) -> JSON:
            plan = await self._plan(conn, cmd.arn, lock=True)
            if cmd.engagements is not None:
                await check_engagements(conn, self._bus, plan.arn, cmd.engagements)
            updated = domain.apply_plan_update(plan, cmd)
            if updated != plan:
                version = await self._store.save_plan(conn, updated)
                await emit(conn, c.ResponsePlanUpdated(**msgspec.structs.asdict(updated),
                                                       principal=self._by(req),
                                                       resource_version=version),
                           region=self._region, now=self._clock.now())
            return {}

        return await self._once(req, cmd.client_token, body)

    async def delete_response_plan(self, req: RpcRequest) -> JSON:
        cmd: c.DeleteArn = req.decode(c.DeleteArn)
        name = self._arns.plan_name(cmd.arn)
        async with transaction(self._pool) as conn:
            await self._replication_set(conn)
            # Deleting a plan that is not there is a quiet success: the call is idempotent.
            version = await self._store.delete_plan(conn, name) if name else None
            if version is not None:
                await TagStore.untag_all(conn, cmd.arn)
                await emit(conn, c.ResponsePlanDeleted(arn=cmd.arn, principal=self._by(req),
                                                       resource_version=version),
                           region=self._region, now=self._clock.now())
        return {}

    # --- incident records ---------------------------------------------------------------

    async def start_incident(self, req: RpcRequest, *, from_alarm: bool = False) -> JSON:
        """``StartIncident``; ``from_alarm`` when an alarm or event starts it (ingestion),
        whose runbook is withheld while failing over (:mod:`.failing_over`)."""
        cmd: c.StartIncident = req.decode(c.StartIncident)

        async def body(conn: asyncpg.Connection) -> JSON:
            plan = await self._plan(conn, cmd.response_plan_arn)
            now = self._clock.now()
            record = domain.new_incident(plan, cmd, arn=self._arns.incident_record(plan.name),
                                         by=self._by(req), now=now)
            existing = await self._store.insert_incident(conn, record, here=self._region)
            if existing is not None:
                bind(incident_arn=existing)
                # A duplicate start joins the open incident: one more trigger on its timeline.
                trigger = starting.trigger_entry(existing, cmd, created=False,
                                                 now=now.timestamp())
                await TimelineStore.add(conn, [trigger], is_automatic=True)
                await emit(conn, c.TimelineEventCreated(**msgspec.structs.asdict(trigger),
                                                        principal=self._by(req),
                                                        resource_version=1),
                           region=self._region, now=now, incident_arn=existing)
                return {"incidentRecordArn": existing}
            bind(incident_arn=record.arn)
            rs = await self._store.replication_set(conn) if from_alarm else None
            o = starting.opening(plan, cmd, record, rs=rs, here=self._region,
                                 from_alarm=from_alarm, now=now.timestamp())
            await TimelineStore.add(conn, o.entries, is_automatic=True)
            items = await RelatedItemStore.add(conn, record.arn, o.seeds)
            await TagStore.put(conn, record.arn, o.tags)
            await emit(conn, starting.created_event(o, items, by=self._by(req)),
                       region=self._region, now=now, incident_arn=record.arn)
            return {"incidentRecordArn": record.arn}

        # Starts come in storms (alarms, automation, many callers): grouped, they share
        # a transaction's BEGIN, COMMIT and token INSERT.
        return await self._once_grouped(req, cmd.client_token, body)

    async def get_incident_record(self, req: RpcRequest) -> JSON:
        cmd: c.GetArn = req.decode(c.GetArn)
        async with self._pool.acquire() as conn:
            record = await self._incident(conn, cmd.arn)
        return {"incidentRecord": msgspec.to_builtins(record)}

    async def list_incident_records(self, req: RpcRequest) -> JSON:
        cmd: c.ListIncidentRecords = req.decode(c.ListIncidentRecords)
        limit = page_size(cmd.max_results)
        query = domain.incident_query(cmd.filters or [], limit=limit + 1)
        if cmd.next_token:
            when, arn = read_token(cmd.next_token, tuple[Epoch, str])
            query = msgspec.structs.replace(query, after=(when, arn))
        async with self._pool.acquire() as conn:
            await self._replication_set(conn)
            records = await self._store.incidents(conn, query)
        out: JSON = {"incidentRecordSummaries": [r.summary_output() for r in records[:limit]]}
        if len(records) > limit:
            last = records[limit - 1]
            out["nextToken"] = make_token((last.creation_time, last.arn))
        return out

    async def update_incident_record(self, req: RpcRequest) -> JSON:
        cmd: c.UpdateIncidentRecord = req.decode(c.UpdateIncidentRecord)

        async def body(conn: asyncpg.Connection) -> JSON:
            record = await self._incident(conn, cmd.arn, lock=True)
            await self.change_record(conn, record, cmd, by=self._by(req))
            return {}

        return await self._once(req, cmd.client_token, body)

    async def change_record(self, conn: asyncpg.Connection, record: domain.IncidentRecord,
                            cmd: c.UpdateIncidentRecord, *, by: str,
                            notes: tuple[timeline.TimelineEvent, ...] = ()) -> bool:
        """``UpdateIncidentRecord`` of the (locked) record in the caller's transaction:
        the change, its automatic timeline event (and ``notes``, which travel in the same
        event), the event; a resolution stops the incident's engagements. False when
        nothing changed."""
        now = self._clock.now()
        updated, modified = domain.apply_record_update(record, cmd, by=by, now=now)
        if not modified:
            return False
        version = await self._store.save_incident(conn, updated)
        resolved = record.status != "RESOLVED" and updated.status == "RESOLVED"
        reopened = record.status == "RESOLVED" and updated.status == "OPEN"
        if reopened:
            # Another region's open incident for its alarm counts as this region's would
            # (the unique index sees this region's own only).
            await self._store.dedupe_lock(conn, updated.plan_name, updated.dedupe_string,
                                          exclusive=True)
            if len(await self._store.open_incidents(conn, updated.plan_name,
                                                    updated.dedupe_string,
                                                    here=self._region)) > 1:
                raise domain.conflict_open_duplicate(updated)
        change = timeline.automatic(record.arn, timeline.RECORD_UPDATE, {
            "modifiedBy": by, "incidentTitle": updated.title,
            "modifiedAttributes": modified}, at=now.timestamp())
        await TimelineStore.add(conn, [change, *notes], is_automatic=True)
        engagements = None
        if reopened:
            # The plan's engagements start again, as new ones (records.engaging).
            plan = await self._store.plan(conn, updated.plan_name)
            engagements = plan.engagements or [] if plan else []
        kind = c.IncidentRecordResolved if resolved else c.IncidentRecordUpdated
        # Every attribute's stamp, for a region this update reaches before the incident.
        stamps = attributes.carried(await self._store.attribute_stamps(conn, record.arn),
                                    here=self._region)
        await emit(conn, kind(
            incident_record=updated, modified_attributes=modified, modified_by=by,
            timeline_events=[change, *notes], reopened=reopened, engagements=engagements,
            principal=by, resource_version=version, attribute_stamps=stamps),
            region=self._region, now=now, incident_arn=record.arn)
        if resolved:
            await self._stop_engagements(updated)
        return True

    async def _stop_engagements(self, record: domain.IncidentRecord) -> None:
        """Stop the resolved incident's engagements before its resolution commits, so no
        page goes out once it is resolved. When the contacts service cannot be reached, it
        does so itself from ``IncidentRecordResolved`` when it is back (and pages nobody
        meanwhile)."""
        if self._bus is None:
            return
        request = cc.StopIncidentEngagements(
            incident_id=record.arn, reason=cc.INCIDENT_RESOLVED,
            changed_time=record.resolved_time or self._clock.now().timestamp())
        try:
            reply = await self._bus.request(rpc_subject("contacts", "StopIncidentEngagements"),
                                            codec.encode(request), timeout=5)
        except TocsinError as exc:
            log.warning("resolve.engagements_stop_deferred", error=exc.message)
            return
        stopped = codec.decode(reply, dict[str, Any]).get("StoppedEngagementArns") or []
        log.info("resolve.engagements_stopped", count=len(stopped))

    async def delete_incident_record(self, req: RpcRequest) -> JSON:
        cmd: c.DeleteArn = req.decode(c.DeleteArn)
        bind(incident_arn=cmd.arn)
        async with transaction(self._pool) as conn:
            await self._replication_set(conn)
            version = await self._store.delete_incident(conn, cmd.arn)
            if version is not None:
                await TagStore.untag_all(conn, cmd.arn)
                await emit(conn, c.IncidentRecordDeleted(arn=cmd.arn, principal=self._by(req),
                                                         resource_version=version),
                           region=self._region, now=self._clock.now(), incident_arn=cmd.arn)
        return {}

