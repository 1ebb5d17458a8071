"""Figures as SVG text: an incident's timeline with its key times, and a metric graph
annotated with them (pure: no I/O). Self-contained SVG, so a Markdown file in a git
repository or a printed HTML page shows it as it is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

__all__ = ["KEY_TIMES", "graph", "timeline"]

KEY_TIMES = (("detectedTime", "Alarm", "#d62728"), ("firstEngagedTime", "Engaged", "#ff7f0e"),
             ("firstAcknowledgedTime", "Acknowledged", "#9467bd"),
             ("mitigatedTime", "Mitigated", "#1f77b4"), ("resolvedTime", "Resolved", "#2ca02c"))
"""Key time (as ``keyTimes`` names it) → its label and colour."""

WIDTH, LEFT, RIGHT = 800, 40, 40


def _x(t: float, lo: float, hi: float) -> float:
    return LEFT + (t - lo) / (hi - lo or 1.0) * (WIDTH - LEFT - RIGHT)


def _clock(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S") if t else ""


def timeline(key_times: dict[str, float], points: Sequence[tuple[float, str]], *,
             title: str) -> str:
    """The timeline: a tick per event, a labelled marker per key time."""
    times = [t for t, _ in points] + [key_times[k] for k, _, _ in KEY_TIMES if k in key_times]
    lo, hi = (min(times), max(times)) if times else (0.0, 1.0)
    height, axis = 170, 110
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title>",
           f'<line x1="{LEFT}" y1="{axis}" x2="{WIDTH - RIGHT}" y2="{axis}" stroke="#444"/>']
    for t, label in points:
        x = _x(t, lo, hi)
        out.append(f'<line x1="{x:.1f}" y1="{axis - 6}" x2="{x:.1f}" y2="{axis + 6}" '
                   f'stroke="#999"><title>{escape(_clock(t))} {escape(label)}</title></line>')
    row = 0
    for key, label, colour in KEY_TIMES:
        if key not in key_times:
            continue
        x = _x(key_times[key], lo, hi)
        y = 20 + 18 * (row % 4)
        row += 1
        out += [f'<line x1="{x:.1f}" y1="{y + 4}" x2="{x:.1f}" y2="{axis}" stroke="{colour}" '
                'stroke-dasharray="3,2"/>',
                f'<circle cx="{x:.1f}" cy="{axis}" r="5" fill="{colour}"/>',
                f'<text x="{x + 4:.1f}" y="{y}" font-family="sans-serif" font-size="12" '
                f'fill="{colour}">{escape(label)} {escape(_clock(key_times[key]))}</text>']
    out += [f'<text x="{LEFT}" y="{height - 20}" font-family="sans-serif" font-size="11" '
            f'fill="#444">{escape(_clock(lo))} UTC</text>',
            f'<text x="{WIDTH - RIGHT}" y="{height - 20}" font-family="sans-serif" '
            f'font-size="11" fill="#444" text-anchor="end">{escape(_clock(hi))} UTC</text>',
            "</svg>"]
    return "\n".join(out)


def graph(series: Sequence[tuple[str, Sequence[tuple[float, float]]]],
          key_times: dict[str, float], *, title: str, start: float, end: float) -> str:
    """A line per series over [start, end], with the key times as vertical annotations."""
    height, top, bottom = 260, 30, 40
    values = [v for _, pts in series for _, v in pts]
    vlo, vhi = (min(values), max(values)) if values else (0.0, 1.0)
    if vhi == vlo:
        vhi = vlo + 1.0

    def y(v: float) -> float:
        return height - bottom - (v - vlo) / (vhi - vlo) * (height - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title>",
           f'<text x="{LEFT}" y="18" font-family="sans-serif" font-size="13">{escape(title)}'
           "</text>",
           f'<line x1="{LEFT}" y1="{height - bottom}" x2="{WIDTH - RIGHT}" '
           f'y2="{height - bottom}" stroke="#444"/>',
           f'<text x="{LEFT - 4}" y="{y(vhi) + 4:.1f}" font-family="sans-serif" font-size="10" '
           f'text-anchor="end">{vhi:g}</text>',
           f'<text x="{LEFT - 4}" y="{y(vlo) + 4:.1f}" font-family="sans-serif" font-size="10" '
           f'text-anchor="end">{vlo:g}</text>']
    palette = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
    for i, (name, pts) in enumerate(series):
        path = " ".join(f"{_x(t, start, end):.1f},{y(v):.1f}" for t, v in pts)
        out.append(f'<polyline fill="none" stroke="{palette[i % len(palette)]}" '
                   f'stroke-width="1.5" points="{path}"><title>{escape(name)}</title>'
                   "</polyline>")
    for key, label, colour in KEY_TIMES:
        if key in key_times and start <= key_times[key] <= end:
            x = _x(key_times[key], start, end)
            out += [f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom}" '
                    f'stroke="{colour}" stroke-dasharray="4,3"/>',
                    f'<text x="{x + 3:.1f}" y="{height - bottom + 14}" font-family="sans-serif"'
                    f' font-size="10" fill="{colour}">{escape(label)}</text>']
    out.append("</svg>")
    return "\n".join(out)
