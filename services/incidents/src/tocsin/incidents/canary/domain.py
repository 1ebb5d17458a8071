"""The canary's rounds and what confirms a delivery; pure."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime

import msgspec

__all__ = ["CONFIRMING", "CanaryTimer", "confirmed", "next_round", "round_time"]

CONFIRMING = frozenset({"SENT", "DELIVERED", "READ"})
"""Page receipts that confirm a delivery: the provider took the page (an SMTP server's
250, an SMS provider's acceptance), or the device or person reports it."""


class CanaryTimer(msgspec.Struct, frozen=True, kw_only=True):
    """A ``canary_timer`` row."""

    id: str
    kind: str
    """``send`` (the round's test page) or ``check`` (whether it was delivered)."""
    round: int
    """The Unix second (plan time) the round's page is due: the round's name."""
    due_at: datetime
    engagement_arn: str | None = None
    detail: str | None = None


def next_round(now: datetime, interval: float) -> int:
    """The first round due strictly after ``now``: the next multiple of ``interval``
    seconds since the epoch, so every instance (and a restart) agrees on it."""
    step = max(1, round(interval))
    return (math.floor(now.timestamp() / step) + 1) * step


def round_time(round_: int) -> datetime:
    return datetime.fromtimestamp(round_, UTC)


def confirmed(receipt_types: Iterable[str]) -> bool:
    """Whether a page's receipts confirm its delivery."""
    return any(t in CONFIRMING for t in receipt_types)
