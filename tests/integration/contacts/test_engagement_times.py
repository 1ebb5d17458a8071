"""ListEngagements' time range out of range is the caller's error at the service too (its
OverflowError was a 500), whoever calls it over NATS."""

from __future__ import annotations

from typing import Any

import pytest

from tocsin.contacts.settings import Settings
from tocsin.shared import errors
from tocsin.shared.bus import Bus

from .test_engagements import Api
from .test_engagements import api as api  # the fixture


@pytest.mark.parametrize(("span", "member"), [
    ({"StartTime": 1e20}, "TimeRangeValue.StartTime"),
    ({"StartTime": -62135596800}, "TimeRangeValue.StartTime"),
    ({"EndTime": 253402300800}, "TimeRangeValue.EndTime"),
    ({"StartTime": "0001-01-01T00:00:00Z"}, "TimeRangeValue.StartTime"),
])
async def test_time_range_out_of_range(api: Api, contacts: Settings, bus: Bus,
                                       span: dict[str, Any], member: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        await api("ListEngagements", TimeRangeValue=span)
    assert f"'{member}'" in caught.value.message
    assert (await api("ListEngagements", TimeRangeValue={"StartTime": 0}))["Engagements"] == []
