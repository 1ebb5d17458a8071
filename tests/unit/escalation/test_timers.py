"""The escalation service's pure timer rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tocsin.escalation.timers import retry_delay, stage_due_times, timer_id
from tocsin.shared.contracts import contacts as cc

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _stages(*minutes: int) -> list[cc.EngagementStage]:
    return [cc.EngagementStage(stage_index=i, duration_in_minutes=m)
            for i, m in enumerate(minutes)]


class TestStageDueTimes:
    def test_stage_k_starts_after_the_durations_before_it(self) -> None:
        """Stage k (k ≥ 1) is due at the start plus the durations of stages 0..k-1."""
        assert stage_due_times(START, _stages(5, 10, 3)) == [
            (1, START + timedelta(minutes=5)), (2, START + timedelta(minutes=15))]

    def test_a_single_stage_needs_no_timer(self) -> None:
        """A one-stage plan (stage 0 is paged at once) schedules nothing."""
        assert stage_due_times(START, _stages(5)) == []
        assert stage_due_times(START, []) == []

    def test_order_comes_from_the_stage_index(self) -> None:
        """Stages given out of order are summed in stage order."""
        stages = list(reversed(_stages(1, 2, 4)))
        assert stage_due_times(START, stages) == [
            (1, START + timedelta(minutes=1)), (2, START + timedelta(minutes=3))]


class TestTimerIdentity:
    def test_the_id_is_deterministic(self) -> None:
        """The timer id is the engagement ARN and the stage index, so scheduling twice
        writes one row."""
        assert timer_id("arn:e", 2) == "arn:e#2" == timer_id("arn:e", 2)

    def test_retry_backs_off_to_a_cap(self) -> None:
        """Failed firings are retried after 0.5 s doubling, never more than 30 s."""
        assert [retry_delay(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
        assert retry_delay(50) == 30.0
