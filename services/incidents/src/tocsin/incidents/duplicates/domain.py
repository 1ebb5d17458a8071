"""What a merge of duplicate incidents writes: the timeline events on both incidents and
the related item that points the duplicate at the survivor
(see :mod:`tocsin.incidents.duplicates`)."""

from __future__ import annotations

from typing import Any

from tocsin.incidents.records.domain import IncidentRecord
from tocsin.incidents.related.domain import new_item
from tocsin.incidents.timeline import domain as timeline

__all__ = ["DUPLICATE_MERGED", "MERGED_BY", "MERGED_INTO", "Merge", "duplicate_note",
           "survivor_item", "survivor_note"]

JSON = dict[str, Any]

MERGED_INTO = "Tocsin Incident Merged"
"""Timeline event of the duplicate: resolved into the survivor (``eventData``
``{survivorArn, survivorRegion, dedupeString, reason}``, the survivor referenced)."""
DUPLICATE_MERGED = "Tocsin Duplicate Merged"
"""Timeline event of the survivor: a duplicate opened in another region was resolved into
it (``eventData`` ``{duplicateArn, duplicateRegion, dedupeString, reason}``, the duplicate
referenced)."""
MERGED_BY = "tocsin:dedupe"
"""Who resolves a duplicate (``lastModifiedBy`` of the duplicate, ``modifiedBy`` of its
timeline event)."""


class Merge:
    """One duplicate, opened in ``region`` (this one), and the survivor it merges into."""

    def __init__(self, duplicate: IncidentRecord, survivor: IncidentRecord, *,
                 region: str, survivor_region: str) -> None:
        self.duplicate = duplicate
        self.survivor = survivor
        self.region = region
        self.survivor_region = survivor_region

    def reason(self) -> str:
        return (f"Region {self.region} opened {self.duplicate.arn} and region "
                f"{self.survivor_region} opened {self.survivor.arn} for the same alarm "
                f"(response plan {self.duplicate.plan_name}, dedupe string "
                f"{self.duplicate.dedupe_string!r}) before either had heard of the other's. "
                f"The one opened first stays open; the other is resolved as its duplicate, "
                f"and later alarms join the open one.")


def duplicate_note(merge: Merge, *, at: float) -> timeline.TimelineEvent:
    """The duplicate's timeline event: resolved into the survivor."""
    return timeline.automatic(merge.duplicate.arn, MERGED_INTO, {
        "survivorArn": merge.survivor.arn, "survivorRegion": merge.survivor_region,
        "dedupeString": merge.duplicate.dedupe_string, "reason": merge.reason()},
        at=at, references=[{"resource": merge.survivor.arn}])


def survivor_note(merge: Merge, *, at: float) -> timeline.TimelineEvent:
    """The survivor's timeline event: a duplicate was resolved into it."""
    return timeline.automatic(merge.survivor.arn, DUPLICATE_MERGED, {
        "duplicateArn": merge.duplicate.arn, "duplicateRegion": merge.region,
        "dedupeString": merge.duplicate.dedupe_string, "reason": merge.reason()},
        at=at, references=[{"resource": merge.duplicate.arn}])


def survivor_item(merge: Merge) -> JSON:
    """The duplicate's related item: the survivor, an ``INCIDENT``."""
    return new_item({"identifier": {"type": "INCIDENT", "value": {"arn": merge.survivor.arn}},
                     "title": f"Duplicate of {merge.survivor.title}"[:200]})
