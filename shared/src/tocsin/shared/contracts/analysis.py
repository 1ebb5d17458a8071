"""Requests the analysis service answers on ``tocsin.rpc.analysis.<Operation>``, and the
events it publishes on ``events.<region>.analysis.<Type>`` (:data:`AnalysisEvent`).

Analysis operations belong to Tocsin's own API (``models/tocsin``: camelCase members);
OpsItem operations to the ``ssm`` API (PascalCase members, as botocore's model names them).
Times in requests and replies are epoch seconds; in events ISO-8601 strings.

Events let a tracker integration (Jira, GitHub issues) follow action items:
:class:`OpsItemCreated` / :class:`OpsItemUpdated` carry the whole OpsItem after the change,
and :class:`ActionItemOverdue` says an action item is past its due date (once a day of plan
time until it is resolved, with the reminder's number).

The events that change an analysis carry it whole after the change (:class:`AnalysisState`)
and the timeline points they changed, and the OpsItem events what Tocsin keeps beside the
OpsItem, so that the other regions of a replication set serve the same analyses and action
items (``tocsin.analysis.replicas``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Final, Literal

import msgspec

from tocsin.shared.contracts.base import Event, Part, types_of
from tocsin.shared.timestamps import Epoch

__all__ = [
    "EVENT_TYPES",
    "ActionItemOverdue",
    "AnalysisCompleted",
    "AnalysisCreated",
    "AnalysisDeleted",
    "AnalysisEvent",
    "AnalysisState",
    "AnalysisTimelinePoint",
    "AnalysisUpdated",
    "AnswerType",
    "OpsItemCreated",
    "OpsItemRelatedItemAssociated",
    "OpsItemUpdated",
    "Question",
    "QuestionAnswered",
    "RecommendationAccepted",
    "RecommendationDismissed",
    "RecommendationRestored",
    "Template",
    "parse_template",
]

JSON = dict[str, Any]


# --- requests (Tocsin's own API: camelCase) ------------------------------------------

class _In(msgspec.Struct, rename="camel", kw_only=True):
    """An operation's input: camelCase, unknown members ignored."""


class CreateAnalysis(_In):
    incident_record_arn: str
    template_name: str | None = None
    name: str | None = None
    client_token: str | None = None


class AnalysisArn(_In):
    analysis_arn: str


class ListAnalyses(_In):
    incident_record_arn: str | None = None
    status: str | None = None
    response_plan_arn: str | None = None
    max_results: int | None = None
    next_token: str | None = None


class UpdateAnalysis(_In):
    analysis_arn: str
    name: str | None = None
    overview: dict[str, str] | None = None
    """Overview field id → text; an empty text clears the field."""
    impact_start_time: Epoch | None = None
    detected_time: Epoch | None = None
    mitigated_time: Epoch | None = None
    metric_queries: list[JSON] | None = None
    """PromQL graphs of the analysis: ``[{"title": ..., "query": ...}]`` (replaces)."""


class AnswerValue(_In):
    """An answer: exactly one member, as the question's answer type asks."""

    text: str | None = None
    """Text, an ARN, a metric query, a timeline event id or one choice."""
    flag: bool | None = None
    """Yes or no."""
    items: list[str] | None = None
    """The five whys, or several choices."""

    def value(self) -> Any:
        """The one member given (its JSON value).

        Raises:
            ValueError: none, or more than one, is given.
        """
        given = [v for v in (self.text, self.flag, self.items) if v is not None]
        if len(given) != 1:
            raise ValueError("answer takes exactly one of text, flag and items")
        return given[0]

    @staticmethod
    def of(value: Any) -> dict[str, Any]:
        """A stored answer value as the API shows it."""
        if isinstance(value, bool):
            return {"flag": value}
        if isinstance(value, list):
            return {"items": value}
        return {"text": value}


class AnswerQuestion(_In):
    analysis_arn: str
    question_id: str
    answer: AnswerValue
    comment: str | None = None


class RecommendationRef(_In):
    analysis_arn: str
    recommendation_id: str


class AcceptRecommendation(RecommendationRef):
    owner_contact_arn: str | None = None
    """The contact reminded when the action item is overdue."""
    due_time: Epoch | None = None
    priority: int | None = None


class AddTimelinePoint(_In):
    analysis_arn: str
    event_time: Epoch
    event_type: str
    event_data: str


class UpdateTimelinePoint(_In):
    analysis_arn: str
    point_id: str
    event_time: Epoch | None = None
    event_type: str | None = None
    event_data: str | None = None


class TimelinePointRef(_In):
    analysis_arn: str
    point_id: str


class ListAnalysisTimeline(_In):
    analysis_arn: str
    max_results: int | None = None
    next_token: str | None = None


class UpdateChecklistItem(_In):
    analysis_arn: str
    item_id: str
    done: bool


class CompleteAnalysis(_In):
    analysis_arn: str
    acknowledge_incomplete: bool = False


class ExportAnalysis(_In):
    analysis_arn: str
    format: str
    sections: list[str] | None = None


class IncidentArn(_In):
    incident_record_arn: str


class GetResponseMetrics(_In):
    group_by: str
    start_time: Epoch
    end_time: Epoch


# --- the ProblemAnalysisTemplate schema -------------------------------------------------
# A custom template is an SSM document of type ProblemAnalysisTemplate: the runbooks
# service stores it (and checks it with parse_template at CreateDocument/UpdateDocument),
# the analysis service asks its questions. Documented in docs/analysis-templates.md.

AnswerType = Literal["text", "boolean", "choice", "multiChoice", "metric", "timelineEvent",
                     "runbook", "responsePlan", "escalationPlan", "whys"]


class _T(msgspec.Struct, rename="camel", kw_only=True, frozen=True, forbid_unknown_fields=True,
         omit_defaults=True):
    """A part of a template: camelCase, nothing unknown (a typo is an error, not ignored)."""


class OverviewField(_T, frozen=True):
    id: str
    title: str
    required: bool = False


class ActionItemDraft(_T, frozen=True):
    title: str
    description: str | None = None
    category: str | None = None
    priority: int | None = None


class When(_T, frozen=True):
    answered: bool | None = None
    equals: Any = None
    includes: str | None = None


class Rule(_T, frozen=True):
    when: When
    action_item: ActionItemDraft


class Question(_T, frozen=True):
    id: str
    text: str
    answer_type: AnswerType = "text"
    choices: list[str] = []
    required: bool = False
    allow_comment: bool = True
    recommendations: list[Rule] = []


class Section(_T, frozen=True):
    id: str
    title: str
    questions: list[Question]


class ChecklistItem(_T, frozen=True):
    id: str
    text: str


class Template(_T, frozen=True):
    schema_version: Literal["1.0"]
    sections: list[Section]
    description: str = ""
    overview: list[OverviewField] = []
    checklist: list[ChecklistItem] = []

    def questions(self) -> dict[str, Question]:
        """Every question by id, in template order."""
        return {q.id: q for s in self.sections for q in s.questions}


def parse_template(body: str | bytes | dict[str, Any]) -> Template:
    """A template from its JSON (or already decoded JSON).

    Raises:
        ValueError: it does not follow the schema (the message says where).
    """
    try:
        if isinstance(body, dict):
            template = msgspec.convert(body, Template)
        else:
            template = msgspec.json.decode(body, type=Template)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ValueError(f"The template does not follow the ProblemAnalysisTemplate "
                         f"schema: {exc}") from None
    _check(template)
    return template


def _check(template: Template) -> None:
    def unique(kind: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for i in ids:
            if not i:
                raise ValueError(f"The template has a {kind} with an empty id")
            if i in seen:
                raise ValueError(f"The template has two {kind}s with the id {i!r}")
            seen.add(i)

    if not template.sections:
        raise ValueError("The template has no sections")
    unique("section", [s.id for s in template.sections])
    unique("question", [q.id for s in template.sections for q in s.questions])
    unique("overview field", [f.id for f in template.overview])
    unique("checklist item", [c.id for c in template.checklist])
    for question in template.questions().values():
        if question.answer_type in ("choice", "multiChoice") and not question.choices:
            raise ValueError(f"Question {question.id} is a {question.answer_type} "
                                  "question without choices")
        for rule in question.recommendations:
            given = [k for k in ("answered", "equals", "includes")
                     if getattr(rule.when, k) is not None]
            if len(given) != 1:
                raise ValueError(f"A recommendation of question {question.id} needs "
                                      "exactly one of answered, equals and includes in when")
            if rule.action_item.priority is not None and not 1 <= rule.action_item.priority <= 5:
                raise ValueError(f"A recommendation of question {question.id} has a "
                                      "priority outside 1..5")


# --- events ----------------------------------------------------------------------------

class _Event(Event, frozen=True):
    """An event of the analysis service (tagged by its class name)."""

    service: ClassVar[str] = "analysis"


class AnalysisState(Part, frozen=True):
    """An analysis as stored, after a change: its template snapshot, overview, answers,
    recommendation decisions, checklist, metric queries, key times and status."""

    id: str
    arn: str
    incident_arn: str
    response_plan_arn: str
    name: str
    status: str
    template_name: str
    template_version: str
    template: JSON
    overview: dict[str, str]
    answers: dict[str, JSON]
    decisions: dict[str, JSON]
    checklist: dict[str, bool]
    metric_queries: list[JSON]
    created_by: str
    created_at: datetime
    last_modified_by: str
    last_modified_at: datetime
    impact_started: datetime | None = None
    detected: datetime | None = None
    mitigated: datetime | None = None
    completed_by: str | None = None
    completed_at: datetime | None = None
    completed_with_open_items: bool | None = None
    field_stamps: dict[str, tuple[int, str]] = {}
    """When and where each attribute, and each entry of ``overview``, ``answers``,
    ``decisions`` and ``checklist`` (``"answers.<questionId>"``), last changed (a hybrid
    logical clock and a region); ``last_modified`` for the last change of any. Another
    region keeps, member by member, the later change."""


class AnalysisTimelinePoint(Part, frozen=True):
    """A point of an analysis's own timeline."""

    point_id: str
    event_time: datetime
    event_type: str
    event_data: str
    source_event_id: str | None = None
    edited: bool = False


class AnalysisCreated(_Event, frozen=True):
    """An analysis was created from a resolved incident."""

    analysis_arn: str
    incident_record_arn: str
    response_plan_arn: str
    name: str
    template_name: str
    template_version: str
    timeline_points: int
    """How many timeline events were copied from the incident."""
    principal: str | None = None
    analysis: AnalysisState | None = None
    """The analysis as created."""
    points: list[AnalysisTimelinePoint] = []
    """The timeline points copied from the incident."""


class AnalysisUpdated(_Event, frozen=True):
    """The analysis's name, overview, key times, metric queries, timeline or checklist
    changed; ``changed`` names what."""

    analysis_arn: str
    changed: list[str]
    principal: str | None = None
    analysis: AnalysisState | None = None
    """The analysis after the change."""
    points_added: list[AnalysisTimelinePoint] = []
    """Timeline points added."""
    points_changed: list[AnalysisTimelinePoint] = []
    """Timeline points edited (as they are after the change)."""
    points_removed: list[str] = []
    """Ids of timeline points deleted."""


class AnalysisDeleted(_Event, frozen=True):
    """An analysis was deleted (its action items stay: they are OpsItems)."""

    analysis_arn: str
    incident_record_arn: str
    principal: str | None = None


class AnalysisCompleted(_Event, frozen=True):
    """An analysis was completed; ``open_checklist_items`` were left open (acknowledged)."""

    analysis_arn: str
    completed_by: str
    completed_at: datetime
    open_checklist_items: list[str] = []
    analysis: AnalysisState | None = None
    """The analysis as completed."""


class QuestionAnswered(_Event, frozen=True):
    """A template question was answered (or its answer changed)."""

    analysis_arn: str
    question_id: str
    principal: str | None = None


class RecommendationAccepted(_Event, frozen=True):
    """A recommendation became an action item (an OpsItem)."""

    analysis_arn: str
    recommendation_id: str
    ops_item_id: str
    principal: str | None = None
    analysis: AnalysisState | None = None
    """The analysis with the decision recorded."""


class RecommendationDismissed(_Event, frozen=True):
    """A recommendation moved to the dismissed list."""

    analysis_arn: str
    recommendation_id: str
    principal: str | None = None


class RecommendationRestored(_Event, frozen=True):
    """A dismissed recommendation is proposed again."""

    analysis_arn: str
    recommendation_id: str
    principal: str | None = None


class _OpsItemChange(_Event, frozen=True):
    ops_item: JSON
    principal: str | None = None
    owner_contact_arn: str | None = None
    """Who is reminded when the action item is overdue."""
    response_plan_arn: str | None = None
    """The response plan of the action item's incident (for the metrics)."""
    resolved_at: datetime | None = None
    """When it was last resolved."""


class OpsItemCreated(_OpsItemChange, frozen=True):
    """An OpsItem was created (as ``GetOpsItem`` returns it, times in epoch seconds)."""


class OpsItemUpdated(_OpsItemChange, frozen=True):
    """An OpsItem changed (the whole OpsItem after the change)."""


class OpsItemRelatedItemAssociated(_Event, frozen=True):
    """A resource (an incident, an analysis) was associated with an OpsItem."""

    ops_item_id: str
    association_id: str
    association_type: str
    resource_type: str
    resource_uri: str
    principal: str | None = None
    created_time: datetime | None = None
    """When it was associated."""


class ActionItemOverdue(_Event, frozen=True):
    """An open action item is past its due date (``PlannedEndTime``): its owner is paged
    again each day of plan time until it is resolved."""

    ops_item_id: str
    title: str
    due_time: datetime
    reminder: int
    """1 for the first reminder, 2 a day later, ..."""
    owner_contact_arn: str | None = None
    analysis_arn: str | None = None
    incident_record_arn: str | None = None


AnalysisEvent = (AnalysisCreated | AnalysisUpdated | AnalysisDeleted | AnalysisCompleted
                 | QuestionAnswered | RecommendationAccepted | RecommendationDismissed
                 | RecommendationRestored | OpsItemCreated | OpsItemUpdated
                 | OpsItemRelatedItemAssociated | ActionItemOverdue)
"""Every event the analysis service publishes, tagged by ``type``: decode one with
``decode(envelope.type, envelope.data, AnalysisEvent)`` (:mod:`tocsin.shared.contracts.base`)."""

EVENT_TYPES: Final[dict[str, type[Event]]] = types_of(AnalysisEvent)
"""Envelope ``type`` → the Struct of its ``data``."""
