"""An incident record converges attribute by attribute, and its attributes carry the right
stamps from the first event that brings it to a region, whichever it is
(tocsin.incidents.records.attributes).

The story of every test: region A opens an incident, resolves it and re-opens it; region
B, having seen all three, retitles it. Region C reads A's stream and B's apart: it gets
A's events in A's order and B's retitle anywhere among them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import msgspec
import pytest

from tocsin.incidents.records.attributes import (
    Stamps,
    brought,
    carried,
    changed_members,
    first_stamps,
    merge,
)
from tocsin.shared.contracts import incidents as c
from tocsin.shared.replication import Stamp

ARN = "arn:tocsin:ssm-incidents::000000000000:incident-record/db/1"
OPENED = c.IncidentRecord(
    arn=ARN, title="Database down", status="OPEN", impact=2, creation_time=100.0,
    last_modified_by="alice", last_modified_time=100.0, dedupe_string="1",
    incident_record_source=c.IncidentRecordSource(created_by="alice", source="tocsin"))


def _update(record: c.IncidentRecord, by: str, at: float, stamps: dict[str, Any],
            **changes: Any) -> tuple[c.IncidentRecord, c.IncidentRecordUpdated]:
    """``record`` changed as ``UpdateIncidentRecord`` changes it, and its event carrying
    ``stamps``."""
    after = msgspec.structs.replace(record, **changes, last_modified_by=by,
                                    last_modified_time=at)
    # Single-word attributes: their names are the same in camelCase.
    modified = [{"attributeName": k, "newValue": str(v)} for k, v in changes.items()
                if k != "resolved_time"]
    return after, c.IncidentRecordUpdated(
        incident_record=after, modified_attributes=modified, modified_by=by,
        timeline_events=[], attribute_stamps=stamps)


@dataclass(frozen=True)
class Arrival:
    """One event as region C receives it."""

    name: str
    stamp: Stamp
    created: c.IncidentRecord | None = None
    updated: c.IncidentRecordUpdated | None = None


@dataclass
class Held:
    """The record as region C holds it: its document and attribute stamps."""

    doc: dict[str, Any] | None = None
    stamps: Stamps = field(default_factory=dict)

    def apply(self, arrival: Arrival) -> None:
        """As tocsin.incidents.replicas applies it: a creation makes the record when it
        is not here (else a later update made it, and it changes nothing); an update
        makes it, with the stamps of its first event, or merges its changes."""
        if arrival.created is not None:
            if self.doc is None:
                self.doc, self.stamps = msgspec.to_builtins(arrival.created), {}
            return
        assert arrival.updated is not None
        incoming = msgspec.to_builtins(arrival.updated.incident_record)
        if self.doc is None:
            self.doc, self.stamps = incoming, first_stamps(arrival.updated, arrival.stamp)
        else:
            merge(self.doc, self.stamps, incoming, brought(arrival.updated, arrival.stamp),
                  home="c")


def _story(*, carrying: bool) -> tuple[list[Arrival], list[Arrival], dict[str, Any]]:
    """A's events and B's, as C receives them, and the record as B holds it at the end;
    B's retitle carries B's attribute stamps when ``carrying`` (as a version of Tocsin
    before them did not)."""
    created, resolved_at, reopened_at = Stamp(1, "a"), Stamp(2, "a"), Stamp(3, "a")
    retitled_at = Stamp(4, "b")
    resolved, resolve = _update(OPENED, "alice", 200.0, {}, status="RESOLVED",
                                resolved_time=200.0)
    reopened, reopen = _update(resolved, "alice", 300.0, {}, status="OPEN",
                               resolved_time=None)
    # B's stamps after applying A's three events: those of A's re-opening.
    at_b = {m: [reopened_at.hlc, reopened_at.region] for m in changed_members(reopen)}
    retitled, retitle = _update(reopened, "bob", 400.0, {}, title="by B")
    at_b.update({m: [retitled_at.hlc, None] for m in changed_members(retitle)})
    if carrying:
        retitle = msgspec.structs.replace(retitle, attribute_stamps=carried(at_b, here="b"))
    a = [Arrival("created", created, created=OPENED),
         Arrival("resolved", resolved_at, updated=resolve),
         Arrival("reopened", reopened_at, updated=reopen)]
    return a, [Arrival("retitled", retitled_at, updated=retitle)], msgspec.to_builtins(retitled)


def _interleavings(first: list[Arrival], second: list[Arrival]) -> list[list[Arrival]]:
    """Every order of both lists' events that keeps each list's own order."""
    n = len(first) + len(second)
    orders = []
    for places in itertools.combinations(range(n), len(second)):
        a, b = iter(first), iter(second)
        orders.append([next(b) if i in places else next(a) for i in range(n)])
    return orders


def test_the_stamps_an_update_carries_name_every_origin() -> None:
    assert carried({"title": [5, None], "status": [3, "a"]}, here="b") == {
        "title": (5, "b"), "status": (3, "a")}


def test_a_record_made_from_an_update_stamps_every_attribute_it_carries() -> None:
    _, [retitle], _ = _story(carrying=True)
    assert retitle.updated is not None
    stamps = first_stamps(retitle.updated, retitle.stamp)
    assert stamps["title"] == [4, "b"]
    assert stamps["status"] == stamps["resolvedTime"] == [3, "a"]


def test_an_update_from_a_version_that_carried_no_stamps_stamps_what_it_changed() -> None:
    _, [retitle], _ = _story(carrying=False)
    assert retitle.updated is not None
    assert first_stamps(retitle.updated, retitle.stamp) == {
        m: [4, "b"] for m in ("title", "lastModifiedBy", "lastModifiedTime")}


@pytest.mark.parametrize("order", _interleavings(*_story(carrying=True)[:2]),
                         ids=lambda o: "-".join(a.name for a in o))
def test_every_order_ends_as_b_holds_it_and_never_goes_back_behind_what_came(
        order: list[Arrival]) -> None:
    """After B's retitle, C never shows a status older than the one B's retitle shows
    (A's resolution arriving later changes nothing); in the end C holds what B holds."""
    *_, at_b = _story(carrying=True)
    held = Held()
    seen_retitle = False
    for arrival in order:
        held.apply(arrival)
        seen_retitle = seen_retitle or arrival.name == "retitled"
        if seen_retitle:
            assert held.doc is not None
            assert held.doc["status"] == "OPEN", [a.name for a in order]
            assert "resolvedTime" not in held.doc
    assert held.doc == at_b


def test_without_the_carried_stamps_an_older_resolution_reopens_the_gap() -> None:
    """What the stamps fix: C, holding the incident by B's retitle, took A's older
    resolution for the latest state of its status until A's re-opening came."""
    a, b, _ = _story(carrying=False)
    held = Held()
    for arrival in [b[0], a[0], a[1]]:
        held.apply(arrival)
    assert held.doc is not None and held.doc["status"] == "RESOLVED"
