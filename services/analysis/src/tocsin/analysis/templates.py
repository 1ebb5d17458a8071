"""Analysis templates: the built-in template, answers checked against their questions,
and the recommendation rules (pure: no I/O). The schema itself is a contract shared with
the runbooks service, which stores custom templates
(:func:`tocsin.shared.contracts.analysis.parse_template`; ``docs/analysis-templates.md``).

A template is JSON (the body of an SSM document of type ``ProblemAnalysisTemplate``)::

    {"schemaVersion": "1.0", "description": "...",
     "overview":  [{"id": "summary", "title": "Summary", "required": true}],
     "sections":  [{"id": "detection", "title": "Detection", "questions": [
         {"id": "ID2", "text": "What adjustments could be made to the metrics ...?",
          "answerType": "metric", "required": false,
          "recommendations": [{"when": {"answered": true},
                               "actionItem": {"title": "Add detection metric",
                                              "category": "Availability", "priority": 3}}]}]}],
     "checklist": [{"id": "questions-answered", "text": "Answer the incident questions"}]}

Answer types: ``text``, ``boolean``, ``choice`` (one of ``choices``), ``multiChoice``,
``metric`` (a PromQL query or CloudWatch metric source), ``timelineEvent``, ``runbook``,
``responsePlan``, ``escalationPlan`` (an ARN) and ``whys`` (a list of strings, the five
whys). A rule's ``when`` holds at most one of ``answered`` (true: any non-empty answer),
``equals`` (the answer is that value) and ``includes`` (a multiChoice answer holds it).
Every id is unique in its list; question ids are unique across sections.
"""

from __future__ import annotations

from typing import Any

import msgspec

from tocsin.shared.contracts.analysis import AnswerType, Question, Template, parse_template
from tocsin.shared.errors import ValidationError

__all__ = ["BUILTIN", "BUILTIN_NAME", "BUILTIN_VERSION", "AnswerType", "Recommendation",
           "Template", "check_answer", "parse", "recommendations"]


class Recommendation(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """An action-item draft a rule derived from an answer."""

    id: str
    """``<questionId>#<rule index>``: stable while the template is pinned."""
    question_id: str
    title: str
    description: str
    category: str | None = None
    priority: int | None = None


def parse(body: str | bytes | dict[str, Any]) -> Template:
    """A template from its JSON (or already decoded JSON).

    Raises:
        ValidationError: it does not follow the schema (the message says where).
    """
    try:
        return parse_template(body)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def check_answer(question: Question, answer: Any) -> None:
    """Raise ValidationError when ``answer`` does not fit the question's answer type."""
    kind = question.answer_type
    ok: bool
    if kind == "boolean":
        ok = isinstance(answer, bool)
    elif kind == "choice":
        ok = answer in question.choices
    elif kind == "multiChoice":
        ok = isinstance(answer, list) and all(a in question.choices for a in answer)
    elif kind == "whys":
        ok = isinstance(answer, list) and all(isinstance(a, str) for a in answer)
    else:
        ok = isinstance(answer, str)
    if not ok:
        expected = {"boolean": "a flag (true or false)",
                    "choice": f"a text, one of {question.choices}",
                    "multiChoice": f"items from {question.choices}",
                    "whys": "items (a list of strings)"}.get(kind, "a text")
        raise ValidationError(f"The answer to question {question.id} ({kind}) must be "
                              f"{expected}")


def _answered(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value is not False


def recommendations(template: Template, answers: dict[str, Any]) -> list[Recommendation]:
    """The action-item drafts the template's rules derive from ``answers`` (question id →
    answer value), in template order."""
    out = []
    for question in template.questions().values():
        if question.id not in answers:
            continue
        value = answers[question.id]
        for index, rule in enumerate(question.recommendations):
            when = rule.when
            if when.answered is not None:
                fires = _answered(value) == when.answered
            elif when.includes is not None:
                fires = isinstance(value, list) and when.includes in value
            else:
                fires = value == when.equals
            if fires:
                draft = rule.action_item
                out.append(Recommendation(
                    id=f"{question.id}#{index}", question_id=question.id, title=draft.title,
                    description=draft.description or f"{draft.title} (from the answer to: "
                                                      f"{question.text})",
                    category=draft.category, priority=draft.priority))
    return out


BUILTIN_NAME = "AWSIncidents-PostIncidentAnalysisTemplate"
BUILTIN_VERSION = "1"


def _q(qid: str, text: str, kind: AnswerType = "text", *, rule: tuple[str, str, int] | None = None,
       when: dict[str, Any] | None = None, choices: list[str] | None = None,
       required: bool = False) -> dict[str, Any]:
    q: dict[str, Any] = {"id": qid, "text": text, "answerType": kind, "required": required}
    if choices:
        q["choices"] = choices
    if rule:
        title, category, priority = rule
        q["recommendations"] = [{"when": when or {"answered": True}, "actionItem": {
            "title": title, "category": category, "priority": priority}}]
    return q


BUILTIN = parse({
    "schemaVersion": "1.0",
    "description": "Tocsin's post-incident analysis: a blameless look at detection, "
                   "diagnosis, mitigation and prevention, after AWS's Correction of Errors.",
    "overview": [
        {"id": "summary", "title": "Summary", "required": True},
        {"id": "customerImpact", "title": "Customer impact"},
        {"id": "businessImpact", "title": "Business impact"},
        {"id": "lessonsLearned", "title": "Lessons learned"},
    ],
    "sections": [
        {"id": "detection", "title": "Detection", "questions": [
            _q("ID1", "How was the event detected (alarm, customer ticket, ...)? Was it "
                      "detected within the expected time?", required=True),
            _q("ID2", "What adjustments could be made to the metrics used for detection?",
               "metric", rule=("Add detection metric", "Availability", 3)),
            _q("ID3", "How could time to detection be improved?"),
            _q("ID4", "Are there alarms that should be added or tuned (thresholds, missing "
                      "data)?", "boolean", when={"equals": True},
               rule=("Add or update alarm", "Availability", 3)),
        ]},
        {"id": "diagnosis", "title": "Diagnosis", "questions": [
            _q("IG1", "How were the contributing factors diagnosed?", required=True),
            _q("IG2", "How could time to diagnosis be improved?"),
            _q("IG3", "Did the escalation work appropriately? Would earlier escalation have "
                      "reduced or prevented the event?"),
            _q("IG4", "Are there updates to the response plan or escalation plan that would "
                      "engage the correct responders sooner?", "responsePlan",
               rule=("Update response plan", "Recovery", 3)),
        ]},
        {"id": "mitigation", "title": "Mitigation", "questions": [
            _q("IM1", "How did you know how to mitigate the event?", required=True),
            _q("IM2", "How could time to mitigation be improved?"),
            _q("IM3", "How did you confirm the event was entirely mitigated?"),
            _q("IM4", "Are there runbook steps that you could add, improve or automate?",
               "runbook", rule=("Update runbook", "Recovery", 3)),
        ]},
        {"id": "prevention", "title": "Prevention", "questions": [
            _q("IP1", "Five whys: why did the event happen? Keep asking why; never stop at "
                      "human error.", "whys", required=True,
               rule=("Prevent recurrence", "Availability", 2)),
            _q("IP2", "Did a change trigger this event?", "choice",
               choices=["No", "Yes, deployed automatically", "Yes, deployed manually"],
               when={"equals": "Yes, deployed manually"},
               rule=("Automate the deployment with safeguards and rollback", "Availability", 2)),
            _q("IP3", "Was there a backlog item that would have prevented or reduced the "
                      "impact? If so, why was it not done?", "boolean", when={"equals": True},
               rule=("Schedule the backlog item that would have prevented this", "Availability",
                     2)),
            _q("IP4", "Could a programmatic verification rule have prevented it?", "boolean",
               when={"equals": True}, rule=("Add a verification rule", "Security", 3)),
        ]},
    ],
    "checklist": [
        {"id": "questions-answered", "text": "Answer the incident questions"},
        {"id": "timeline-reviewed", "text": "Review the timeline (add or remove events)"},
        {"id": "metrics-annotated", "text": "Add and annotate the metrics"},
        {"id": "recommendations-decided", "text": "Accept or dismiss every recommendation"},
        {"id": "action-items-owned", "text": "Give every action item an owner and a due date"},
        {"id": "overview-written", "text": "Write the overview"},
    ],
})
"""The built-in template: read-only, owner ``Amazon`` (as AWS's standard one)."""
