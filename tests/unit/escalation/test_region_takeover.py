"""Which region takes a lost one over: the same choice in every region."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from nats.js.api import StreamSourceInfo

from tocsin.escalation import regions
from tocsin.escalation.regions import successor


def test_the_next_region_in_sorted_order_takes_over() -> None:
    regions = ["eu-west-1", "us-east-1", "ap-south-1"]
    alive = ["ap-south-1", "us-east-1"]
    assert successor("eu-west-1", regions, alive) == "us-east-1"
    # the ring wraps around
    assert successor("us-east-1", regions, ["ap-south-1", "eu-west-1"]) == "ap-south-1"


def test_a_lost_successor_is_skipped() -> None:
    regions = ["a", "b", "c"]
    assert successor("a", regions, ["c"]) == "c"
    assert successor("a", regions, []) is None


def test_every_region_chooses_alike_whatever_order_it_lists_them_in() -> None:
    choices = {successor("b", order, ["a", "c"]) for order in
               (["a", "b", "c"], ["c", "b", "a"], ["b", "a", "c"])}
    assert choices == {"c"}


def _mirror(active_seconds: float | None) -> Any:
    """A mirror's stream info as the watch sees it (nats-py keeps ``active`` in ns)."""
    active = None if active_seconds is None else int(active_seconds * 1e9)
    return SimpleNamespace(mirror=StreamSourceInfo(name="EVENTS_A", lag=0, active=active))


def test_a_region_counts_as_silent_only_as_long_as_this_process_saw_it_silent(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Just started, a mirror that has not re-attached yet reports a long silence: the
    watch counts no more than it has watched (plus a heartbeat's quiet), so a region that
    restarts does not take over a live region at once."""
    now = [1000.0]
    monkeypatch.setattr(regions.time, "monotonic", lambda: now[0])
    watch = regions.RegionWatch(None, None, None, None, region="b",  # type: ignore[arg-type]
                                schema="escalation", takeover_seconds=60.0)
    assert watch._silent_for("a", _mirror(0.5)) == 0.0  # heard within the quiet
    assert watch._silent_for("a", _mirror(3600.0)) == pytest.approx(10.0)
    now[0] += 55.0
    assert watch._silent_for("a", _mirror(3655.0)) == pytest.approx(65.0)
    assert watch._silent_for("a", _mirror(None)) == pytest.approx(65.0)  # never heard
    assert watch._silent_for("a", _mirror(0.2)) == 0.0  # back: the count starts again
    assert watch._silent_for("a", _mirror(3700.0)) == pytest.approx(10.0)
