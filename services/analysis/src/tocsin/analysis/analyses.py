"""Analyses: created from a resolved incident, filled in from what Tocsin knows, answered,
turned into action items, completed.

Operations (Tocsin's own API): ``CreateAnalysis``, ``GetAnalysis``, ``ListAnalyses``,
``UpdateAnalysis``, ``DeleteAnalysis``, ``AnswerQuestion``, ``AcceptRecommendation``,
``DismissRecommendation``, ``RestoreRecommendation``, ``UpdateChecklistItem``,
``CompleteAnalysis``. The timeline's are in :mod:`tocsin.analysis.timeline`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from tocsin.analysis import domain, templates
from tocsin.analysis.deps import Deps
from tocsin.analysis.durations import KeyTimes, durations
from tocsin.analysis.facts import FactsStore
from tocsin.analysis.incidents import IncidentsClient
from tocsin.analysis.opsitems import SOURCE, CreateOpsItem, DataValue, RelatedOpsItem
from tocsin.analysis.opsitems_api import DOCUMENT_RESOURCE, INCIDENT_RESOURCE, OpsItems
from tocsin.analysis.opsitems_store import OpsItemStore
from tocsin.analysis.parents import parent_id
from tocsin.analysis.reminders import OWNER_KEY
from tocsin.analysis.store import (
    AnalysisRow,
    AnalysisStore,
    TimelinePoint,
    point_state,
    state_of,
)
from tocsin.analysis.template_source import TemplateSource
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.contracts import analysis as ca
from tocsin.shared.db import transaction
from tocsin.shared.db.idempotency import once
from tocsin.shared.errors import ConflictError, NotFoundError, ValidationError
from tocsin.shared.logging import bind
from tocsin.shared.paging import make_token, page_size, read_token
from tocsin.shared.timestamps import to_datetime

__all__ = ["Analyses", "operations"]

JSON = dict[str, Any]

TRIGGER = "SSM Incident Trigger"


def _at(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def key_times_view(t: KeyTimes) -> JSON:
    """The key times as the API shows them (epoch seconds; unknown ones left out)."""
    names = {"impact_started": "impactStartTime", "detected": "detectedTime",
             "declared": "declaredTime", "first_engaged": "firstEngagedTime",
             "first_ack": "firstAcknowledgedTime", "mitigated": "mitigatedTime",
             "resolved": "resolvedTime"}
    return {api: value.timestamp() for field, api in names.items()
            if (value := getattr(t, field)) is not None}


class Analyses:
    """The analysis operations over the service's schema."""

    def __init__(self, deps: Deps, templates_: TemplateSource) -> None:
        self._deps = deps
        self._incidents = IncidentsClient(deps.bus)
        self._templates = templates_
        self._ops = OpsItems(deps)

    def _plan_of(self, incident_arn: str) -> str:
        rest = self._deps.arns.resource_of(incident_arn, "ssm-incidents", "incident-record")
        if rest is None or "/" not in rest:
            raise ValidationError(f"{incident_arn} is not an incident record ARN of this "
                                  "deployment")
        return rest.split("/", 1)[0]

    async def row(self, conn: asyncpg.Connection, arn: str, *, lock: bool = False
                  ) -> AnalysisRow:
        row = await AnalysisStore.get(conn, arn, lock=lock)
        if row is None:
            raise NotFoundError(f"Analysis {arn} does not exist", resource_type="ANALYSIS",
                                resource_id=arn)
        return row

    async def key_times(self, conn: asyncpg.Connection, incident_arn: str) -> KeyTimes:
        return await FactsStore.key_times(conn, incident_arn) or KeyTimes()

    # --- create --------------------------------------------------------------------

    async def create_analysis(self, req: RpcRequest) -> JSON:
        cmd: ca.CreateAnalysis = req.decode(ca.CreateAnalysis)
        bind(incident_arn=cmd.incident_record_arn)
        plan_name = self._plan_of(cmd.incident_record_arn)
        record = await self._incidents.incident(cmd.incident_record_arn)
        if record.status != "RESOLVED":
            raise ValidationError(f"Incident {record.arn} is {record.status}: an analysis is "
                                  "created from a resolved incident")
        async with self._deps.pool.acquire() as conn:
            existing = await AnalysisStore.of_incident(conn, record.arn)
        if existing is not None and not cmd.client_token:
            raise ConflictError(f"Incident {record.arn} already has an analysis: {existing}",
                                resource_type="ANALYSIS", resource_id=existing)
        name, version, template = await self._templates.resolve(cmd.template_name)
        events = await self._incidents.timeline(record.arn)
        by, now = self._deps.by(req), self._deps.clock.now()
        analysis_id = str(uuid.uuid4())
        arn = self._deps.arns.analysis(plan_name, analysis_id)
        plan_arn = self._deps.arns.incidents(f"response-plan/{plan_name}")
        row = AnalysisRow(
            id=analysis_id, arn=arn, incident_arn=record.arn, response_plan_arn=plan_arn,
            name=cmd.name or f"Analysis of {record.title}"[:256], status="IN_PROGRESS",
            template_name=name, template_version=version,
            template=msgspec.to_builtins(template), overview={}, answers={}, decisions={},
            checklist={}, metric_queries=[], impact_started=None, detected=None,
            mitigated=None, created_by=by, created_at=now, last_modified_by=by,
            last_modified_at=now, completed_by=None, completed_at=None,
            completed_with_open_items=None)
        # A copied point keeps its event's id, so points at the same time keep the
        # incident timeline's order (time, then id).
        points = [TimelinePoint(point_id=e.event_id, source_event_id=e.event_id,
                                event_time=datetime.fromtimestamp(e.event_time, UTC),
                                event_type=e.event_type, event_data=e.event_data)
                  for e in events]
        triggers = [p.event_time for p in points if p.event_type == TRIGGER]

        async def body(conn: asyncpg.Connection) -> JSON:
            await AnalysisStore.insert(conn, row)
            await AnalysisStore.add_points(conn, analysis_id, points)
            # The incident's own times, so its metrics are there even before this service
            # has read the incident's events.
            await FactsStore.started(conn, record, plan_arn=plan_arn,
                                     detected=min(triggers) if triggers else None)
            await FactsStore.changed(conn, record)
            await self._deps.emit(conn, ca.AnalysisCreated(
                analysis_arn=arn, incident_record_arn=record.arn, response_plan_arn=plan_arn,
                name=row.name, template_name=name, template_version=version,
                timeline_points=len(points), principal=by,
                analysis=state_of(row, {}, region=self._deps.settings.region),
                points=[point_state(p) for p in points]), now=now, incident_arn=record.arn)
            return {"analysisArn": arn}

        return await once(self._deps.pool, operation=req.operation, principal=by,
                          token=cmd.client_token, params=req.data, token_member="clientToken",
                          body=body)

    # --- read ----------------------------------------------------------------------

    async def get_analysis(self, req: RpcRequest) -> JSON:
        cmd: ca.AnalysisArn = req.decode(ca.AnalysisArn)
        async with self._deps.pool.acquire() as conn:
            row = await self.row(conn, cmd.analysis_arn)
            times = await self.key_times(conn, row.incident_arn)
        return {"analysis": domain.view(row, durations(times), key_times_view(times))}

    async def list_analyses(self, req: RpcRequest) -> JSON:
        cmd: ca.ListAnalyses = req.decode(ca.ListAnalyses)
        if cmd.status not in (None, "IN_PROGRESS", "COMPLETED"):
            raise ValidationError("status must be IN_PROGRESS or COMPLETED")
        limit = page_size(cmd.max_results)
        after = None
        if cmd.next_token:
            when, last = read_token(cmd.next_token, tuple[float, str])
            after = (datetime.fromtimestamp(when, UTC), last)
        async with self._deps.pool.acquire() as conn:
            rows = await AnalysisStore.page(
                conn, incident_arn=cmd.incident_record_arn, status=cmd.status,
                plan_arn=cmd.response_plan_arn, after=after, limit=limit + 1)
        out: JSON = {"analysisSummaries": [domain.summary_view(r) for r in rows[:limit]]}
        if len(rows) > limit:
            last_row = rows[limit - 1]
            out["nextToken"] = make_token((last_row.created_at.timestamp(), last_row.id))
        return out

    # --- change --------------------------------------------------------------------

    async def _change(self, req: RpcRequest, arn: str, changed: list[str],
                      change: Any) -> JSON:
        """Run ``change(conn, row) -> row | None`` on the locked analysis and store what it
        returns, with an ``AnalysisUpdated`` naming ``changed``."""
        by, now = self._deps.by(req), self._deps.clock.now()
        async with transaction(self._deps.pool) as conn:
            row = await self.row(conn, arn, lock=True)
            updated = await change(conn, row)
            if updated is not None:
                updated = msgspec.structs.replace(updated, last_modified_by=by,
                                                  last_modified_at=now)
                stamps = await AnalysisStore.update(conn, updated)
                await self._deps.emit(conn, ca.AnalysisUpdated(
                    analysis_arn=row.arn, changed=changed, principal=by,
                    analysis=state_of(updated, stamps, region=self._deps.settings.region)),
                    now=now, incident_arn=row.incident_arn)
        return {}

    async def update_analysis(self, req: RpcRequest) -> JSON:
        cmd: ca.UpdateAnalysis = req.decode(ca.UpdateAnalysis)
        changed = [n for n in ("name", "overview", "impact_start_time", "detected_time",
                               "mitigated_time", "metric_queries")
                   if getattr(cmd, n) is not None]
        times = {k: to_datetime(v, k) if v is not None else None for k, v in (
            ("impactStartTime", cmd.impact_start_time), ("detectedTime", cmd.detected_time),
            ("mitigatedTime", cmd.mitigated_time))}
        for query in cmd.metric_queries or []:
            if not isinstance(query.get("query"), str) or not query["query"].strip():
                raise ValidationError("each of metricQueries needs a query (PromQL)")

        async def change(conn: asyncpg.Connection, row: AnalysisRow) -> AnalysisRow:
            fields: JSON = {}
            if cmd.name is not None:
                if not 1 <= len(cmd.name) <= 256:
                    raise ValidationError("name must be 1 to 256 characters")
                fields["name"] = cmd.name
            if cmd.overview is not None:
                known = {f.id for f in domain.template_of(row).overview}
                unknown = set(cmd.overview) - known
                if unknown:
                    raise ValidationError(f"The template has no overview fields "
                                          f"{sorted(unknown)}; it has {sorted(known)}")
                overview = {**row.overview, **cmd.overview}
                fields["overview"] = {k: v for k, v in overview.items() if v}
            if cmd.metric_queries is not None:
                fields["metric_queries"] = cmd.metric_queries
            for api, column in (("impactStartTime", "impact_started"),
                                ("detectedTime", "detected"), ("mitigatedTime", "mitigated")):
                if times[api] is not None:
                    fields[column] = times[api]
            updated = msgspec.structs.replace(row, **fields)
            if {"impact_started", "detected", "mitigated"} & set(fields):
                await FactsStore.edited(conn, row.incident_arn,
                                        impact_started=updated.impact_started,
                                        detected=updated.detected, mitigated=updated.mitigated)
            return updated

        return await self._change(req, cmd.analysis_arn, changed, change)

    async def delete_analysis(self, req: RpcRequest) -> JSON:
        cmd: ca.AnalysisArn = req.decode(ca.AnalysisArn)
        by, now = self._deps.by(req), self._deps.clock.now()
        async with transaction(self._deps.pool) as conn:
            row = await AnalysisStore.delete(conn, cmd.analysis_arn)
            if row is not None:
                await self._deps.emit(conn, ca.AnalysisDeleted(
                    analysis_arn=row.arn, incident_record_arn=row.incident_arn, principal=by),
                    now=now, incident_arn=row.incident_arn)
        return {}

    async def answer_question(self, req: RpcRequest) -> JSON:
        cmd: ca.AnswerQuestion = req.decode(ca.AnswerQuestion)
        by, now = self._deps.by(req), self._deps.clock.now()
        if cmd.comment is not None and len(cmd.comment) > 8192:
            raise ValidationError("comment must be at most 8192 characters")

        async def change(conn: asyncpg.Connection, row: AnalysisRow) -> AnalysisRow:
            questions = domain.template_of(row).questions()
            question = questions.get(cmd.question_id)
            if question is None:
                raise NotFoundError(f"The analysis's template has no question "
                                    f"{cmd.question_id}", resource_type="QUESTION",
                                    resource_id=cmd.question_id)
            if cmd.comment and not question.allow_comment:
                raise ValidationError(f"Question {question.id} takes no comment")
            try:
                value = cmd.answer.value()
            except ValueError as exc:
                raise ValidationError(str(exc)) from None
            templates.check_answer(question, value)
            answer = {"value": value, "by": by, "at": now.timestamp()}
            if cmd.comment:
                answer["comment"] = cmd.comment
            await self._deps.emit(conn, ca.QuestionAnswered(
                analysis_arn=row.arn, question_id=question.id, principal=by), now=now)
            return msgspec.structs.replace(row, answers={**row.answers, question.id: answer})

        return await self._change(req, cmd.analysis_arn, ["answers"], change)

    # --- recommendations -----------------------------------------------------------

    async def accept_recommendation(self, req: RpcRequest) -> JSON:
        cmd: ca.AcceptRecommendation = req.decode(ca.AcceptRecommendation)
        by, now = self._deps.by(req), self._deps.clock.now()
        if cmd.owner_contact_arn is not None and \
                self._deps.arns.resource_of(cmd.owner_contact_arn, "ssm-contacts",
                                            "contact") is None:
            raise ValidationError("ownerContactArn must be a contact ARN of this deployment")
        async with transaction(self._deps.pool) as conn:
            row = await self.row(conn, cmd.analysis_arn, lock=True)
            proposed, dismissed, accepted = domain.recommendation_state(row)
            done = next((a for a in accepted if a["recommendationId"] == cmd.recommendation_id),
                        None)
            if done is not None:
                return {"opsItemId": done["opsItemId"]}
            draft = next((r for r in proposed if r["id"] == cmd.recommendation_id), None)
            if draft is None:
                if any(r["id"] == cmd.recommendation_id for r in dismissed):
                    raise ConflictError(f"Recommendation {cmd.recommendation_id} is "
                                        "dismissed; restore it first",
                                        resource_type="RECOMMENDATION",
                                        resource_id=cmd.recommendation_id)
                raise NotFoundError(f"The analysis has no recommendation "
                                    f"{cmd.recommendation_id}", resource_type="RECOMMENDATION",
                                    resource_id=cmd.recommendation_id)
            impact = await FactsStore.impact(conn, row.incident_arn)
            data = {"/tocsin/analysis": DataValue(value=row.arn, type="SearchableString"),
                    "/tocsin/incident": DataValue(value=row.incident_arn,
                                                  type="SearchableString"),
                    "/tocsin/recommendation": DataValue(value=draft["id"],
                                                        type="SearchableString")}
            if cmd.owner_contact_arn:
                data[OWNER_KEY] = DataValue(value=cmd.owner_contact_arn,
                                            type="SearchableString")
            parent = parent_id(row.incident_arn)
            related = [RelatedOpsItem(ops_item_id=parent)] \
                if await OpsItemStore.get(conn, parent) is not None else []
            item = await self._ops.create(conn, CreateOpsItem(
                title=draft["title"], description=draft["description"], source=SOURCE,
                category=draft.get("category"), priority=cmd.priority or draft.get("priority"),
                severity=str(impact) if impact is not None else None,
                operational_data=data, related_ops_items=related,
                planned_end_time=cmd.due_time), by=by, now=now,
                ops_item_id=_derived_id(row.arn, draft["id"]),
                response_plan_arn=row.response_plan_arn)
            for resource_type, uri in ((INCIDENT_RESOURCE, row.incident_arn),
                                       (DOCUMENT_RESOURCE, row.arn)):
                await self._ops.associate(conn, item.id, association_type="RelatesTo",
                                          resource_type=resource_type, resource_uri=uri,
                                          by=by, now=now)
            decision = {"state": domain.ACCEPTED, "opsItemId": item.id, "title": item.title,
                        "by": by, "at": now.timestamp()}
            decided = msgspec.structs.replace(
                row, decisions={**row.decisions, draft["id"]: decision},
                last_modified_by=by, last_modified_at=now)
            stamps = await AnalysisStore.update(conn, decided)
            await self._deps.emit(conn, ca.RecommendationAccepted(
                analysis_arn=row.arn, recommendation_id=draft["id"], ops_item_id=item.id,
                principal=by,
                analysis=state_of(decided, stamps, region=self._deps.settings.region)), now=now,
                incident_arn=row.incident_arn)
        return {"opsItemId": item.id}

    async def dismiss_recommendation(self, req: RpcRequest) -> JSON:
        cmd: ca.RecommendationRef = req.decode(ca.RecommendationRef)
        by, now = self._deps.by(req), self._deps.clock.now()

        async def change(conn: asyncpg.Connection, row: AnalysisRow) -> AnalysisRow | None:
            proposed, dismissed, _ = domain.recommendation_state(row)
            if any(r["id"] == cmd.recommendation_id for r in dismissed):
                return None
            if not any(r["id"] == cmd.recommendation_id for r in proposed):
                raise _no_recommendation(row, cmd.recommendation_id)
            await self._deps.emit(conn, ca.RecommendationDismissed(
                analysis_arn=row.arn, recommendation_id=cmd.recommendation_id, principal=by),
                now=now)
            return msgspec.structs.replace(row, decisions={
                **row.decisions, cmd.recommendation_id: {
                    "state": domain.DISMISSED, "by": by, "at": now.timestamp()}})

        return await self._change(req, cmd.analysis_arn, ["recommendations"], change)

    async def restore_recommendation(self, req: RpcRequest) -> JSON:
        cmd: ca.RecommendationRef = req.decode(ca.RecommendationRef)
        by, now = self._deps.by(req), self._deps.clock.now()

        async def change(conn: asyncpg.Connection, row: AnalysisRow) -> AnalysisRow | None:
            decision = row.decisions.get(cmd.recommendation_id)
            if decision is None or decision["state"] != domain.DISMISSED:
                raise _no_recommendation(row, cmd.recommendation_id, dismissed=True)
            await self._deps.emit(conn, ca.RecommendationRestored(
                analysis_arn=row.arn, recommendation_id=cmd.recommendation_id, principal=by),
                now=now)
            return msgspec.structs.replace(row, decisions={
                k: v for k, v in row.decisions.items() if k != cmd.recommendation_id})

        return await self._change(req, cmd.analysis_arn, ["recommendations"], change)

    # --- checklist and completion --------------------------------------------------

    async def update_checklist_item(self, req: RpcRequest) -> JSON:
        cmd: ca.UpdateChecklistItem = req.decode(ca.UpdateChecklistItem)

        async def change(conn: asyncpg.Connection, row: AnalysisRow) -> AnalysisRow:
            del conn
            ids = [c.id for c in domain.template_of(row).checklist]
            if cmd.item_id not in ids:
                raise NotFoundError(f"The analysis's checklist has no item {cmd.item_id}; it "
                                    f"has {ids}", resource_type="CHECKLIST_ITEM",
                                    resource_id=cmd.item_id)
            return msgspec.structs.replace(row, checklist={**row.checklist,
                                                           cmd.item_id: cmd.done})

        return await self._change(req, cmd.analysis_arn, ["checklist"], change)

    async def complete_analysis(self, req: RpcRequest) -> JSON:
        cmd: ca.CompleteAnalysis = req.decode(ca.CompleteAnalysis)
        by, now = self._deps.by(req), self._deps.clock.now()
        async with transaction(self._deps.pool) as conn:
            row = await self.row(conn, cmd.analysis_arn, lock=True)
            if row.status == "COMPLETED":
                return {}
            open_items = domain.open_checklist_items(row)
            if open_items and not cmd.acknowledge_incomplete:
                raise ValidationError(
                    f"The checklist has open items ({', '.join(open_items)}); complete them, "
                    "or complete the analysis with acknowledgeIncomplete true")
            completed = msgspec.structs.replace(
                row, status="COMPLETED", completed_by=by, completed_at=now,
                completed_with_open_items=bool(open_items), last_modified_by=by,
                last_modified_at=now)
            stamps = await AnalysisStore.update(conn, completed)
            await self._deps.emit(conn, ca.AnalysisCompleted(
                analysis_arn=row.arn, completed_by=by, completed_at=now,
                open_checklist_items=open_items,
                analysis=state_of(completed, stamps, region=self._deps.settings.region)),
                now=now,
                incident_arn=row.incident_arn)
        return {}


def _derived_id(analysis_arn: str, recommendation_id: str) -> str:
    """The OpsItem id of an accepted recommendation: one per recommendation, so accepting
    twice (a retried request) makes one action item."""
    return "oi-" + hashlib.sha256(f"{analysis_arn}#{recommendation_id}".encode()
                                  ).hexdigest()[:12]


def _no_recommendation(row: AnalysisRow, rid: str, *, dismissed: bool = False
                       ) -> NotFoundError:
    kind = "dismissed recommendation" if dismissed else "recommendation"
    return NotFoundError(f"The analysis {row.arn} has no {kind} {rid}",
                         resource_type="RECOMMENDATION", resource_id=rid)


def operations(h: Analyses) -> Mapping[str, Handler]:
    """The analysis operations, by name."""
    return {"CreateAnalysis": h.create_analysis, "GetAnalysis": h.get_analysis,
            "ListAnalyses": h.list_analyses, "UpdateAnalysis": h.update_analysis,
            "DeleteAnalysis": h.delete_analysis, "AnswerQuestion": h.answer_question,
            "AcceptRecommendation": h.accept_recommendation,
            "DismissRecommendation": h.dismiss_recommendation,
            "RestoreRecommendation": h.restore_recommendation,
            "UpdateChecklistItem": h.update_checklist_item,
            "CompleteAnalysis": h.complete_analysis}
