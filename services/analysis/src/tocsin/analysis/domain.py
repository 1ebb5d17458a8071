"""An analysis as the API shows it, built from what is stored (pure: no I/O, no clock)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from tocsin.analysis import templates
from tocsin.analysis.durations import Duration
from tocsin.analysis.store import AnalysisRow, TimelinePoint
from tocsin.shared.contracts import analysis as ca

__all__ = ["ACCEPTED", "DISMISSED", "epoch", "open_checklist_items", "point_view",
           "recommendation_state", "summary_view", "view"]

JSON = dict[str, Any]

ACCEPTED = "ACCEPTED"
DISMISSED = "DISMISSED"


def epoch(at: datetime | None) -> float | None:
    return at.timestamp() if at is not None else None


def template_of(row: AnalysisRow) -> templates.Template:
    """The template snapshot the analysis pinned."""
    return msgspec.convert(row.template, templates.Template)


def answer_values(row: AnalysisRow) -> dict[str, Any]:
    return {qid: a["value"] for qid, a in row.answers.items()}


def recommendation_state(row: AnalysisRow) -> tuple[list[JSON], list[JSON], list[JSON]]:
    """(proposed, dismissed, accepted) recommendations of the analysis.

    Proposed and dismissed ones are what the template's rules derive from the answers now;
    an accepted one stays listed (it is an action item) even if the answer changed since.
    """
    drafts = templates.recommendations(template_of(row), answer_values(row))
    proposed, dismissed = [], []
    for draft in drafts:
        out: JSON = msgspec.to_builtins(draft)
        decision = row.decisions.get(draft.id)
        if decision is None:
            proposed.append(out)
        elif decision["state"] == DISMISSED:
            dismissed.append({**out, "dismissedBy": decision["by"],
                              "dismissedTime": decision["at"]})
    accepted = [{"recommendationId": rid, "opsItemId": d["opsItemId"], "title": d["title"],
                 "acceptedBy": d["by"], "acceptedTime": d["at"]}
                for rid, d in row.decisions.items() if d["state"] == ACCEPTED]
    return proposed, dismissed, accepted


def open_checklist_items(row: AnalysisRow) -> list[str]:
    return [item.id for item in template_of(row).checklist if not row.checklist.get(item.id)]


def summary_view(row: AnalysisRow) -> JSON:
    """The analysis as ``ListAnalyses`` lists it."""
    out: JSON = {"analysisArn": row.arn, "name": row.name, "incidentRecordArn": row.incident_arn,
                 "responsePlanArn": row.response_plan_arn, "status": row.status,
                 "templateName": row.template_name, "templateVersion": row.template_version,
                 "createdBy": row.created_by, "createdTime": epoch(row.created_at)}
    if row.completed_at is not None:
        out["completedTime"] = epoch(row.completed_at)
    return out


def view(row: AnalysisRow, metrics: list[Duration], key_times: JSON) -> JSON:
    """The whole analysis as ``GetAnalysis`` returns it."""
    template = template_of(row)
    proposed, dismissed, accepted = recommendation_state(row)
    sections = []
    for section in template.sections:
        questions = []
        for q in section.questions:
            item: JSON = {"questionId": q.id, "text": q.text, "answerType": q.answer_type,
                          "required": q.required}
            if q.choices:
                item["choices"] = q.choices
            if q.id in row.answers:
                a = row.answers[q.id]
                item.update(answer=ca.AnswerValue.of(a["value"]), answeredBy=a["by"],
                            answeredTime=a["at"])
                if a.get("comment"):
                    item["comment"] = a["comment"]
            questions.append(item)
        sections.append({"sectionId": section.id, "title": section.title,
                         "questions": questions})
    out: JSON = {
        **summary_view(row),
        "templateOwner": "Amazon" if row.template_name == templates.BUILTIN_NAME else "Self",
        "overview": [{"fieldId": f.id, "title": f.title, "required": f.required,
                      **({"text": row.overview[f.id]} if f.id in row.overview else {})}
                     for f in template.overview],
        "keyTimes": key_times,
        "metrics": [msgspec.to_builtins(m) for m in metrics],
        "metricQueries": row.metric_queries,
        "questions": sections,
        "recommendations": proposed,
        "dismissedRecommendations": dismissed,
        "actionItems": accepted,
        "checklist": [{"itemId": c.id, "text": c.text, "done": bool(row.checklist.get(c.id))}
                      for c in template.checklist],
        "lastModifiedBy": row.last_modified_by,
        "lastModifiedTime": epoch(row.last_modified_at),
    }
    if row.completed_by is not None:
        out.update(completedBy=row.completed_by,
                   completedWithOpenItems=bool(row.completed_with_open_items))
    return out


def point_view(point: TimelinePoint) -> JSON:
    out: JSON = {"pointId": point.point_id, "eventTime": point.event_time.timestamp(),
                 "eventType": point.event_type, "eventData": point.event_data,
                 "edited": point.edited}
    if point.source_event_id is not None:
        out["sourceEventId"] = point.source_event_id
    return out
