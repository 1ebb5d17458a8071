"""The range of times Tocsin accepts and stores.

A time from outside (a timeline event's ``eventTime``, a trigger's ``timestamp``, a query's
time range) must be between the Unix epoch and the last second of year 9999: every
PostgreSQL ``timestamptz`` in that range reads back as a Python ``datetime`` and as epoch
seconds, so no accepted value can make a stored row unreadable. Earlier times have no use
in an incident manager, and later ones overflow Python's ``datetime``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated

import msgspec

from tocsin.shared.errors import ValidationError

__all__ = ["EARLIEST", "LATEST", "RANGE_TEXT", "Epoch", "in_range", "to_datetime"]

EARLIEST = 0.0
"""1970-01-01T00:00:00Z."""
LATEST = 253402300799.0
"""9999-12-31T23:59:59Z."""
RANGE_TEXT = "between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z"

Epoch = Annotated[float, msgspec.Meta(ge=EARLIEST, le=LATEST)]
"""Epoch seconds in a request a service decodes: out of range is the caller's
``ValidationError`` (:meth:`RpcRequest.decode`), whoever sent it."""


def in_range(epoch: float) -> bool:
    """Whether ``epoch`` seconds is a time Tocsin accepts."""
    return math.isfinite(epoch) and EARLIEST <= epoch <= LATEST


def to_datetime(epoch: float, member: str) -> datetime:
    """``epoch`` seconds as an aware UTC ``datetime``, for storing.

    Raises:
        ValidationError: the time is out of range; the message names ``member``.
    """
    if isinstance(epoch, bool) or not isinstance(epoch, int | float) or not in_range(epoch):
        raise ValidationError(
            f"1 validation error detected: Value '{epoch}' at '{member}' failed to satisfy "
            f"constraint: Member must be a timestamp {RANGE_TEXT}",
            reason="FIELD_VALIDATION_FAILED",
            fields=[{"name": member, "message": f"Member must be a timestamp {RANGE_TEXT}"}])
    return datetime.fromtimestamp(epoch, UTC)
