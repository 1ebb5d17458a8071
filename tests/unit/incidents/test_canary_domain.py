"""The canary's rounds and what confirms a delivery."""

from __future__ import annotations

from datetime import UTC, datetime

from tocsin.incidents.canary.domain import confirmed, next_round, round_time


class TestRounds:
    def test_the_next_round_is_the_next_multiple_of_the_interval(self) -> None:
        """Every instance, and a restart, names the same next round: no round twice, no
        catching up on rounds missed while nothing ran."""
        at = datetime(2026, 12, 6, 18, 59, 59, tzinfo=UTC)
        assert round_time(next_round(at, 3600)) == datetime(2026, 12, 6, 19, tzinfo=UTC)
        on_the_hour = datetime(2026, 12, 6, 19, tzinfo=UTC)
        assert round_time(next_round(on_the_hour, 3600)) == datetime(2026, 12, 6, 20,
                                                                      tzinfo=UTC)
        assert next_round(at, 4.0) % 4 == 0 and next_round(at, 4.0) > at.timestamp()


class TestConfirmed:
    def test_a_receipt_of_acceptance_or_reading_confirms(self) -> None:
        assert confirmed(["ERROR", "SENT"])
        assert confirmed(["DELIVERED"]) and confirmed(["READ"])

    def test_errors_or_nothing_do_not(self) -> None:
        assert not confirmed([])
        assert not confirmed(["ERROR", "ERROR", "STOP"])
