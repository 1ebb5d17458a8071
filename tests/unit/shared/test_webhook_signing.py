"""The age of a signed request's timestamp."""

from __future__ import annotations

import pytest

from tocsin.shared.webhook_signing import stamp_age


def test_the_age_is_seconds_either_side_of_now() -> None:
    assert stamp_age("1000", now=1030.5) == 30.5
    assert stamp_age("1060", now=1030.0) == 30.0


@pytest.mark.parametrize("stamp", ["", "x", "1.5", "9" * 400, "-" + "9" * 400])
def test_a_timestamp_no_clock_holds_is_refused_as_unreadable(stamp: str) -> None:
    with pytest.raises(ValueError):
        stamp_age(stamp, now=1000.0)
