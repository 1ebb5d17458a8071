"""Which region reminds an action item's owner, from the takeovers known: the same answer in
every region, whatever order it learnt them in."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from tocsin.analysis.runners import Takeover, runner_of

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_an_item_is_reminded_by_its_own_region_until_it_is_taken_over() -> None:
    assert runner_of("a", at(0), []) == ("a", 0)
    assert runner_of("a", at(0), [Takeover("a", 1, "b", at(10))]) == ("b", 1)


def test_an_item_made_after_the_takeover_stays_with_its_region() -> None:
    """A, back (or cut off but alive), makes an item after B took it over: A's own."""
    assert runner_of("a", at(20), [Takeover("a", 1, "b", at(10))]) == ("a", 0)


def test_a_takeover_of_another_region_moves_nothing_of_this_one() -> None:
    assert runner_of("a", at(0), [Takeover("c", 1, "b", at(10))]) == ("a", 0)


def test_a_chain_of_takeovers_moves_the_item_on_in_any_order_learnt() -> None:
    """A lost, B takes over; B lost later, C takes B over (with A's items)."""
    takeovers = [Takeover("a", 1, "b", at(10)), Takeover("b", 2, "c", at(30))]
    for order in itertools.permutations(takeovers):
        assert runner_of("a", at(0), order) == ("c", 2)
    # An item A made after B's takeover of it stays A's; one of B's own moves to C.
    assert runner_of("a", at(15), takeovers) == ("a", 0)
    assert runner_of("b", at(0), takeovers) == ("c", 2)


def test_after_a_partition_of_two_every_region_names_the_same_runner() -> None:
    """Cut off, each of two regions took the other over under epoch 1: the later takeover
    wins for the items both moved, alike in both."""
    takeovers = [Takeover("a", 1, "b", at(10)), Takeover("b", 1, "a", at(11))]
    for order in itertools.permutations(takeovers):
        assert runner_of("a", at(0), order) == ("a", 1)
        assert runner_of("b", at(0), order) == ("a", 1)
        assert runner_of("a", at(10.5), order) == ("a", 0)
