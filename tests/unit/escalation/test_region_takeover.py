"""Which region takes a lost one over: the same choice in every region."""

from __future__ import annotations

from tocsin.escalation.regions import successor


def test_the_next_region_in_sorted_order_takes_over() -> None:
    regions = ["eu-west-1", "us-east-1", "ap-south-1"]
    alive = ["ap-south-1", "us-east-1"]
    assert successor("eu-west-1", regions, alive) == "us-east-1"
    # the ring wraps around
    assert successor("us-east-1", regions, ["ap-south-1", "eu-west-1"]) == "ap-south-1"


def test_a_lost_successor_is_skipped() -> None:
    regions = ["a", "b", "c"]
    assert successor("a", regions, ["c"]) == "c"
    assert successor("a", regions, []) is None


def test_every_region_chooses_alike_whatever_order_it_lists_them_in() -> None:
    choices = {successor("b", order, ["a", "c"]) for order in
               (["a", "b", "c"], ["c", "b", "a"], ["b", "a", "c"])}
    assert choices == {"c"}
