"""The digest of a region's replicated rows: the same rows give the same digest in any
order and however the values were read; any difference of content gives another."""

from __future__ import annotations

import datetime
import uuid
from datetime import UTC, timedelta, timezone

from tocsin.shared.replication.digest import canonical_row, digest_of

ROWS = [
    {"arn": "arn:tocsin:ssm-incidents::000000000000:incident-record/p/1", "impact": 2,
     "created": datetime.datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=UTC),
     "event_id": uuid.UUID("6f1b3c4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"), "doc": '{"a": 1}',
     "ids": ["x", "y"], "hashes": b"\x00\x01"},
    {"arn": "arn:tocsin:ssm-incidents::000000000000:incident-record/p/2", "impact": 3,
     "created": None, "event_id": None, "doc": "{}", "ids": [], "hashes": b""},
]


def test_the_order_of_rows_and_of_columns_does_not_matter() -> None:
    reordered = [dict(reversed(list(row.items()))) for row in reversed(ROWS)]
    assert digest_of(ROWS) == digest_of(reordered)
    assert digest_of(ROWS).rows == 2


def test_a_time_is_compared_as_the_instant_it_is() -> None:
    paris = timezone(timedelta(hours=1))
    moved = {**ROWS[0], "created": ROWS[0]["created"].astimezone(paris)}
    assert canonical_row(moved) == canonical_row(ROWS[0])


def test_any_difference_gives_another_digest() -> None:
    base = digest_of(ROWS)
    for change in ({"impact": 1}, {"doc": '{"a": 2}'}, {"ids": ["y", "x"]},
                   {"created": ROWS[0]["created"] + timedelta(microseconds=1)},
                   {"hashes": b"\x00\x02"}, {"extra": None}):
        assert digest_of([{**ROWS[0], **change}, ROWS[1]]) != base, change
    assert digest_of(ROWS[:1]) != base
    assert digest_of([ROWS[0], ROWS[0], ROWS[1]]).rows == 3
    assert digest_of([ROWS[0], ROWS[0], ROWS[1]]) != base


def test_no_rows_is_a_digest_too() -> None:
    empty = digest_of([])
    assert empty.rows == 0 and empty.sha256 == "0" * 64
