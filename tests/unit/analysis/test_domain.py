"""The analysis service's pure parts: durations and their reasons, the template schema and
its recommendation rules, the SVG timeline, the event lane."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from tocsin.analysis import svg, templates
from tocsin.analysis.app import incident_lane
from tocsin.analysis.durations import KeyTimes, durations
from tocsin.shared import codec
from tocsin.shared.errors import ValidationError

T0 = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


def by_name(times: KeyTimes) -> dict[str, Any]:
    return {d.name: d for d in durations(times)}


class TestDurations:
    def test_measured_from_the_impact_start_when_recorded(self) -> None:
        m = by_name(KeyTimes(impact_started=T0, detected=T0 + timedelta(minutes=4),
                             declared=T0 + timedelta(minutes=5),
                             first_engaged=T0 + timedelta(minutes=6),
                             first_ack=T0 + timedelta(minutes=9),
                             mitigated=T0 + timedelta(minutes=30),
                             resolved=T0 + timedelta(hours=1)))
        assert {k: v.seconds for k, v in m.items()} == {
            "timeToDetect": 240, "timeToEngage": 360, "timeToAcknowledge": 540,
            "timeToMitigate": 1800, "timeToResolve": 3600}
        assert {v.start for v in m.values()} == {"impactStarted"}

    def test_missing_and_out_of_order_times_are_null_with_why(self) -> None:
        m = by_name(KeyTimes(detected=T0, declared=T0, resolved=T0 - timedelta(seconds=1)))
        assert m["timeToDetect"].status == "TIMESTAMPS_MISSING"
        assert m["timeToDetect"].seconds is None and "impact start" in str(m["timeToDetect"].reason)
        assert m["timeToEngage"].start == "declared"
        assert m["timeToResolve"].status == "INVALID_TIMESTAMPS"
        assert m["timeToResolve"].seconds is None
        assert "seconds" not in msgspec.to_builtins(m["timeToResolve"])


class TestTemplates:
    def test_the_builtin_asks_four_sections(self) -> None:
        assert [s.id for s in templates.BUILTIN.sections] == [
            "detection", "diagnosis", "mitigation", "prevention"]

    def test_rules_fire_on_answers(self) -> None:
        drafts = templates.recommendations(templates.BUILTIN, {
            "ID2": "rate(errors[5m])", "ID4": False, "IP2": "Yes, deployed manually",
            "IP3": True})
        assert [(d.id, d.title) for d in drafts] == [
            ("ID2#0", "Add detection metric"),
            ("IP2#0", "Automate the deployment with safeguards and rollback"),
            ("IP3#0", "Schedule the backlog item that would have prevented this")]
        assert templates.recommendations(templates.BUILTIN, {"ID2": ""}) == []

    @pytest.mark.parametrize(("change", "why"), [
        ({"sections": []}, "no sections"),
        ({"sectionz": []}, "schema"),
        ({"sections": [{"id": "a", "title": "A", "questions": [
            {"id": "q", "text": "?"}, {"id": "q", "text": "?"}]}]}, "two questions"),
        ({"sections": [{"id": "a", "title": "A", "questions": [
            {"id": "q", "text": "?", "recommendations": [
                {"when": {}, "actionItem": {"title": "t"}}]}]}]}, "exactly one"),
    ])
    def test_bad_templates_say_why(self, change: dict[str, Any], why: str) -> None:
        with pytest.raises(ValidationError, match=why):
            templates.parse({"schemaVersion": "1.0", **change})

    def test_answers_fit_their_type(self) -> None:
        question = templates.BUILTIN.questions()["IP2"]
        templates.check_answer(question, "No")
        with pytest.raises(ValidationError, match="one of"):
            templates.check_answer(question, "Maybe")


def test_the_svg_timeline_marks_each_key_time() -> None:
    text = svg.timeline({"detectedTime": T0.timestamp(),
                         "resolvedTime": (T0 + timedelta(hours=1)).timestamp()},
                        [(T0.timestamp(), "SSM Incident Trigger")], title="A <b> & c")
    assert text.startswith("<svg") and text.endswith("</svg>")
    assert "Alarm 09:00:00" in text and "Resolved 10:00:00" in text
    assert "A &lt;b&gt; &amp; c" in text


class _Msg:
    def __init__(self, data: bytes, subject: str = "events.r.incidents.X") -> None:
        self.data, self.subject = data, subject


def test_events_of_one_incident_share_a_lane() -> None:
    envelope = codec.Envelope(id="1", type="X", service="incidents", region="r", time=T0,
                              data={}, correlation=codec.Correlation(incident_arn="arn:i/1"))
    assert incident_lane(_Msg(codec.encode(envelope))) == "arn:i/1"  # type: ignore[arg-type]
    assert incident_lane(_Msg(b"{}", "s")) == "s"  # type: ignore[arg-type]
