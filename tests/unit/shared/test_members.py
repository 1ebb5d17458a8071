"""The rule by which related items and tags converge member by member: a change takes effect
only when later than both the member's last write and its last removal, so that every
order of arrival of the same changes ends in the state of the latest
(tocsin.shared.replication.members)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from tocsin.shared.replication import Stamp
from tocsin.shared.replication.members import takes_effect


@dataclass(frozen=True)
class Change:
    stamp: Stamp
    value: str | None
    """The member's value it writes; None for its removal."""


@dataclass
class Member:
    """One member as a region stores it: its row (value and stamp) or its tombstone."""

    value: str | None = None
    held: Stamp | None = None
    removed: Stamp | None = None

    def apply(self, change: Change) -> None:
        """As a service applies another region's change of a member (a related item, a
        tag: tocsin.shared.replication.tags): a winning addition replaces the row and
        lifts the tombstone, a winning removal deletes the row and leaves a tombstone."""
        if not takes_effect(change.stamp, held=self.held, removed=self.removed):
            return
        if change.value is None:
            self.value, self.held, self.removed = None, None, change.stamp
        else:
            self.value, self.held, self.removed = change.value, change.stamp, None


def test_a_change_later_than_both_the_write_and_the_removal_takes_effect() -> None:
    assert takes_effect(Stamp(5, "a"), held=None, removed=None)
    assert takes_effect(Stamp(5, "a"), held=Stamp(4, "b"), removed=None)
    assert takes_effect(Stamp(5, "a"), held=None, removed=Stamp(4, "z"))


def test_a_change_not_later_than_what_is_held_changes_nothing() -> None:
    assert not takes_effect(Stamp(5, "a"), held=Stamp(6, "a"), removed=None)
    assert not takes_effect(Stamp(5, "a"), held=None, removed=Stamp(6, "a"))
    # The same change again (a redelivery) is no later than itself.
    assert not takes_effect(Stamp(5, "a"), held=Stamp(5, "a"), removed=None)
    assert not takes_effect(Stamp(5, "a"), held=None, removed=Stamp(5, "a"))


def test_the_region_breaks_a_tie_of_clocks() -> None:
    assert takes_effect(Stamp(5, "b"), held=Stamp(5, "a"), removed=None)
    assert not takes_effect(Stamp(5, "a"), held=None, removed=Stamp(5, "b"))


@pytest.mark.parametrize("changes", [
    # Added in A, removed in B: the removal may arrive first.
    [Change(Stamp(1, "a"), "runbook"), Change(Stamp(2, "b"), None)],
    # ...and added again in A later.
    [Change(Stamp(1, "a"), "runbook"), Change(Stamp(2, "b"), None),
     Change(Stamp(3, "a"), "runbook again")],
    # Set in both regions apart, one removal between them, a tie broken by the region.
    [Change(Stamp(1, "a"), "db"), Change(Stamp(3, "b"), "storage"),
     Change(Stamp(2, "c"), None), Change(Stamp(3, "a"), "network")],
])
def test_every_order_of_arrival_ends_in_the_latest_change(changes: list[Change]) -> None:
    latest = max(changes, key=lambda c: c.stamp)
    for order in itertools.permutations(changes):
        member = Member()
        for change in order:
            member.apply(change)
        member_again = Member(member.value, member.held, member.removed)
        for change in order:  # all of them delivered again
            member_again.apply(change)
        assert member.value == latest.value, order
        assert member_again == member, order
