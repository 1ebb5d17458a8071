"""``ExportAnalysis``: the analysis as a document a team commits to its repository
(Markdown) or prints (HTML), with the incident timeline drawn as an SVG figure and the
metric graphs when a Prometheus is configured.

Sections (``sections`` picks and orders them, as AWS's print dialog does): ``overview``,
``metrics``, ``timeline``, ``questions``, ``actionItems``, ``checklist``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape
from typing import Any

from tocsin.analysis import domain, svg
from tocsin.analysis.analyses import Analyses, key_times_view
from tocsin.analysis.deps import Deps
from tocsin.analysis.durations import durations
from tocsin.analysis.graphs import Graphs
from tocsin.analysis.opsitems_store import OpsItemStore
from tocsin.analysis.store import AnalysisStore
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.contracts import analysis as ca
from tocsin.shared.errors import ValidationError

__all__ = ["SECTIONS", "operations"]

JSON = dict[str, Any]

SECTIONS = ("overview", "metrics", "timeline", "questions", "actionItems", "checklist")
_TITLES = {"overview": "Overview", "metrics": "Metrics", "timeline": "Timeline",
           "questions": "Questions", "actionItems": "Action items", "checklist": "Checklist"}


def _time(epoch: float | None) -> str:
    if epoch is None:
        return "—"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    minutes, seconds = divmod(round(value), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {seconds:02d}s" if hours else f"{minutes}m {seconds:02d}s"


def _answer(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(f"{i}. {v}" for i, v in enumerate(value, 1))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


class Document:
    """An analysis rendered section by section, as a list of (kind, payload) blocks that
    the Markdown and HTML writers turn into text."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, Any]] = []

    def heading(self, level: int, text: str) -> None:
        self.blocks.append(("heading", (level, text)))

    def paragraph(self, text: str) -> None:
        self.blocks.append(("paragraph", text))

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.blocks.append(("table", (header, rows)))

    def bullets(self, items: list[str]) -> None:
        self.blocks.append(("bullets", items))

    def figure(self, svg_text: str) -> None:
        self.blocks.append(("figure", svg_text))

    def markdown(self) -> str:
        out: list[str] = []
        for kind, payload in self.blocks:
            if kind == "heading":
                out.append(f"{'#' * payload[0]} {payload[1]}")
            elif kind == "paragraph":
                out.append(payload)
            elif kind == "table":
                header, rows = payload

                def cell(text: str) -> str:
                    return text.replace("|", "\\|").replace("\n", "<br>")

                out.append("\n".join(
                    ["| " + " | ".join(cell(h) for h in header) + " |",
                     "|" + "---|" * len(header)]
                    + ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]))
            elif kind == "bullets":
                out.append("\n".join(f"- {item}" for item in payload))
            else:
                out.append(payload)
        return "\n\n".join(out) + "\n"

    def html(self, title: str) -> str:
        out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
               f"<title>{escape(title)}</title>",
               "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
               "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;"
               "vertical-align:top}@media print{svg{max-width:100%}}</style></head><body>"]
        for kind, payload in self.blocks:
            if kind == "heading":
                out.append(f"<h{payload[0]}>{escape(payload[1])}</h{payload[0]}>")
            elif kind == "paragraph":
                out.append(f"<p>{escape(payload)}</p>")
            elif kind == "table":
                header, rows = payload
                out.append("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in header)
                           + "</tr>" + "".join("<tr>" + "".join(f"<td>{escape(c)}</td>"
                                                                for c in r) + "</tr>"
                                               for r in rows) + "</table>")
            elif kind == "bullets":
                out.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in payload) + "</ul>")
            else:
                out.append(f"<figure>{payload}</figure>")
        out.append("</body></html>")
        return "\n".join(out) + "\n"


class Export:
    def __init__(self, deps: Deps, analyses: Analyses, graphs: Graphs) -> None:
        self._deps = deps
        self._analyses = analyses
        self._graphs = graphs

    async def export_analysis(self, req: RpcRequest) -> JSON:
        cmd: ca.ExportAnalysis = req.decode(ca.ExportAnalysis)
        if cmd.format not in ("MARKDOWN", "HTML"):
            raise ValidationError("format must be MARKDOWN or HTML")
        sections = cmd.sections or list(SECTIONS)
        unknown = [s for s in sections if s not in SECTIONS]
        if unknown:
            raise ValidationError(f"sections {unknown} are not among {list(SECTIONS)}")
        async with self._deps.pool.acquire() as conn:
            row = await self._analyses.row(conn, cmd.analysis_arn)
            times = await self._analyses.key_times(conn, row.incident_arn)
            points = await AnalysisStore.points(conn, row.id)
            items = {}
            for rid, decision in row.decisions.items():
                if decision["state"] == domain.ACCEPTED:
                    items[rid] = await OpsItemStore.get(conn, decision["opsItemId"])
        key_times = key_times_view(times)
        view = domain.view(row, durations(times), key_times)
        doc = Document()
        doc.heading(1, row.name)
        doc.paragraph(f"Incident {row.incident_arn} · analysis {row.arn} · "
                      f"{'completed' if row.status == 'COMPLETED' else 'in progress'} · "
                      f"template {row.template_name} v{row.template_version}")
        for section in sections:
            doc.heading(2, _TITLES[section])
            if section == "overview":
                for f in view["overview"]:
                    doc.heading(3, f["title"])
                    doc.paragraph(f.get("text", "_(not written yet)_"))
            elif section == "metrics":
                doc.table(["Key time", "When"], [[k, _time(v)] for k, v in key_times.items()])
                doc.table(["Duration", "Value", "From → to", "Why missing"], [
                    [m["name"], _seconds(m.get("seconds")), f"{m['start']} → {m['end']}",
                     m.get("reason") or ""] for m in view["metrics"]])
                for figure in await self._graphs.figures(row, key_times):
                    doc.figure(figure)
            elif section == "timeline":
                doc.figure(svg.timeline(key_times, [(p.event_time.timestamp(), p.event_type)
                                                    for p in points],
                                        title=f"Timeline of {row.name}"))
                doc.table(["Time", "Event", "Details"], [
                    [_time(p.event_time.timestamp()), p.event_type, _summary(p.event_data)]
                    for p in points])
            elif section == "questions":
                for group in view["questions"]:
                    doc.heading(3, group["title"])
                    for q in group["questions"]:
                        doc.paragraph(f"**{q['questionId']}. {q['text']}**")
                        doc.paragraph(_answer(ca.AnswerValue(**q["answer"]).value())
                                      if "answer" in q
                                      else "_(not answered)_")
                        if q.get("comment"):
                            doc.paragraph(f"Comment: {q['comment']}")
            elif section == "actionItems":
                rows = []
                for rid, item in items.items():
                    if item is None:
                        continue
                    due = item.planned_end_time.timestamp() if item.planned_end_time else None
                    rows.append([item.id, item.title, item.status,
                                 str(item.priority or ""), _time(due),
                                 item.owner_contact_arn or "", rid])
                doc.table(["OpsItem", "Title", "Status", "Priority", "Due", "Owner",
                           "From"], rows)
                if view["dismissedRecommendations"]:
                    doc.paragraph("Dismissed recommendations:")
                    doc.bullets([r["title"] for r in view["dismissedRecommendations"]])
            else:
                doc.bullets([f"[{'x' if c['done'] else ' '}] {c['text']}"
                             for c in view["checklist"]])
        text = doc.markdown() if cmd.format == "MARKDOWN" else doc.html(row.name)
        stem = re.sub(r"[^a-zA-Z0-9]+", "-", row.name).strip("-").lower() or "analysis"
        return {"format": cmd.format, "content": text,
                "fileName": f"{stem}.{'md' if cmd.format == 'MARKDOWN' else 'html'}"}


def _summary(event_data: str) -> str:
    return event_data if len(event_data) <= 300 else event_data[:297] + "..."


def operations(deps: Deps, analyses: Analyses, graphs: Graphs) -> Mapping[str, Handler]:
    return {"ExportAnalysis": Export(deps, analyses, graphs).export_analysis}
