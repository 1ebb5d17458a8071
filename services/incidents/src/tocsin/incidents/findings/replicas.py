"""Findings applied from the other regions of the replication set (part of the incidents
inbox, :mod:`tocsin.incidents.replicas`): a change reported to one region is a finding of
incidents in every region. A finding follows its last writer by stamp (it is never
deleted)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from tocsin.shared.contracts import incidents as c
from tocsin.shared.replication.stamps import Applying

__all__ = ["APPLY"]


def _ts(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


async def _finding(to: Applying, e: c.FindingRecorded) -> None:
    if e.start_time is None or e.creation_time is None or e.last_modified_time is None:
        return  # published before events carried the finding's times
    if not await to.wins("finding", "id", e.id, creates=True):
        return
    # reported_at orders this region's own reports of one change; an applied one counts
    # as reported when it was written there.
    await to.conn.execute(
        "INSERT INTO finding (id, start_time, end_time, details, creation_time,"
        " last_modified_time, reported_at) VALUES ($1, $2, $3, $4, $5, $6, $6)"
        " ON CONFLICT (id) DO UPDATE SET start_time = excluded.start_time,"
        " end_time = excluded.end_time, details = excluded.details,"
        " creation_time = excluded.creation_time,"
        " last_modified_time = excluded.last_modified_time,"
        " reported_at = greatest(finding.reported_at, excluded.reported_at)",
        e.id, _ts(e.start_time), _ts(e.end_time), e.details, _ts(e.creation_time),
        _ts(e.last_modified_time))


APPLY: dict[type[Any], Callable[[Applying, Any], Awaitable[None]]] = {
    c.FindingRecorded: _finding,
}
"""What the incidents inbox applies of findings, by event type."""
