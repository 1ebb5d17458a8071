"""The ``ssm-contacts`` inputs of the engagement and page operations (the gateway has
checked them against the model already); the Tocsin-internal ones are in
:mod:`tocsin.shared.contracts.contacts`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from tocsin.shared.timestamps import Epoch

__all__ = [
    "AcceptPage",
    "EngagementId",
    "ListEngagements",
    "ListPageReceipts",
    "ListPageResolutions",
    "ListPagesByContact",
    "ListPagesByEngagement",
    "PageId",
    "StopEngagement",
    "Time",
    "TimeRange",
]

Arn = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
MaxResults = Annotated[int, msgspec.Meta(ge=0, le=1024)]
Token = Annotated[str, msgspec.Meta(max_length=2048)]
Time = datetime | Epoch


class _In(msgspec.Struct, rename="pascal", kw_only=True):
    """An operation's input: PascalCase, unknown members ignored."""


class EngagementId(_In):
    engagement_id: Arn


class StopEngagement(_In):
    engagement_id: Arn
    reason: Annotated[str, msgspec.Meta(max_length=255)] | None = None


class TimeRange(_In):
    start_time: Time | None = None
    end_time: Time | None = None


class ListEngagements(_In):
    incident_id: Annotated[str, msgspec.Meta(max_length=1024)] | None = None
    time_range_value: TimeRange | None = None
    max_results: MaxResults | None = None
    next_token: Token | None = None


class PageId(_In):
    page_id: Arn


class ListPageReceipts(_In):
    page_id: Arn
    max_results: MaxResults | None = None
    next_token: Token | None = None


class ListPageResolutions(_In):
    page_id: Arn
    next_token: Token | None = None


class ListPagesByContact(_In):
    contact_id: Arn
    max_results: MaxResults | None = None
    next_token: Token | None = None


class ListPagesByEngagement(_In):
    engagement_id: Arn
    max_results: MaxResults | None = None
    next_token: Token | None = None


class AcceptPage(_In):
    page_id: Arn
    accept_type: Literal["DELIVERED", "READ"]
    accept_code: Annotated[str, msgspec.Meta(min_length=6, max_length=10, pattern=r"^[0-9]*$")]
    contact_channel_id: Arn | None = None
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)] | None = None
    accept_code_validation: Literal["IGNORE", "ENFORCE"] | None = None

