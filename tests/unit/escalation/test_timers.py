"""The escalation service's pure timer rules, and the shared plan clock."""

from __future__ import annotations

import time

from tocsin.escalation.domain import stage_offsets, stage_timer_id
from tocsin.shared.clock import ScaledClock
from tocsin.shared.contracts import contacts as cc


def _stages(*minutes: int) -> list[cc.EngagementStage]:
    return [cc.EngagementStage(stage_index=i, duration_in_minutes=m)
            for i, m in enumerate(minutes)]


class TestStageOffsets:
    def test_stage_k_starts_after_the_durations_before_it(self) -> None:
        """Stage k (k ≥ 1) starts after the durations of stages 0..k-1; the plan ends after
        all of them."""
        assert stage_offsets(_stages(5, 10, 3)) == ([(0, 1, 5), (0, 2, 15)], 18)

    def test_a_single_stage_needs_no_timer(self) -> None:
        """A one-stage plan (stage 0 is paged at once) schedules nothing."""
        assert stage_offsets(_stages(5)) == ([], 5)
        assert stage_offsets([]) == ([], 0)

    def test_order_comes_from_the_stage_index(self) -> None:
        """Stages given out of order are summed in stage order."""
        assert stage_offsets(list(reversed(_stages(1, 2, 4)))) == ([(0, 1, 1), (0, 2, 3)], 7)

    def test_a_repeated_plan_starts_each_round_when_the_last_one_ends(self) -> None:
        """Round r's stage 0 starts when round r-1's last stage has lasted its duration."""
        offsets, total = stage_offsets(_stages(1, 2), rounds=3)
        assert offsets == [(0, 1, 1), (1, 0, 3), (1, 1, 4), (2, 0, 6), (2, 1, 7)]
        assert total == 9


class TestTimerIdentity:
    def test_the_id_is_deterministic(self) -> None:
        """The id is the engagement ARN, the stage and the round, so scheduling twice
        writes one row, and a repeated round gets rows of its own."""
        assert stage_timer_id("arn:e", 2) == "arn:e#2" == stage_timer_id("arn:e", 2, 0)
        assert stage_timer_id("arn:e", 2, 1) == "arn:e#r1#2"


class TestSharedEpoch:
    def test_clocks_with_one_epoch_agree_whenever_they_were_made(self) -> None:
        """Two processes' plan clocks share an epoch, so one made later does not lag the
        other by its late start times the scale."""
        epoch = time.time() - 100
        first = ScaledClock(60, epoch)
        time.sleep(0.05)
        second = ScaledClock(60, epoch)
        assert abs((second.now() - first.now()).total_seconds()) < 0.5

    def test_plan_time_runs_scale_times_faster_from_the_epoch(self) -> None:
        """Ten real seconds after the epoch, plan time is ten minutes after it."""
        epoch = time.time() - 10
        clock = ScaledClock(60, epoch)
        assert abs(clock.now().timestamp() - (epoch + 600)) < 1.0
