"""The parts of engagement storage that need no database: accept codes and the
resolution tree."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from tocsin.contacts.engagements.domain import (
    EngagementRow,
    PageRow,
    Stage,
    StageTarget,
    code_hash,
    code_matches,
    resolution_tree,
)
from tocsin.shared.crypto import new_data_key

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PLAN, SCHEDULE, ALICE, BOB = "c/plan", "c/schedule", "c/alice", "c/bob"


def engagement(contact_type: str, stages: list[Stage], contact: str = PLAN) -> EngagementRow:
    return EngagementRow(arn="e", contact_arn=contact, contact_type=contact_type, sender="s",
                         subject="s", content="c", public_subject=None, public_content=None,
                         incident_id=None, start_time=NOW, stop_time=None, stop_reason=None,
                         progression_stopped_time=None, stages=stages)


KEY = new_data_key()


def page(*codes: str, hashes: list[bytes] | None = None) -> PageRow:
    return PageRow(arn="p", engagement_arn="e", contact_arn=ALICE, stage_index=0,
                   is_essential=True, via=[],
                   accept_code_hashes=hashes or [code_hash(KEY, "p", c) for c in codes],
                   sent_time=NOW, delivery_time=None, read_time=None)


class TestAcceptCodes:
    def test_any_code_sent_with_the_page_matches(self) -> None:
        """Every code a page was sent with accepts it; another does not."""
        p = page("123456", "654321")
        assert code_matches(KEY, p, "123456") and code_matches(KEY, p, "654321")
        assert not code_matches(KEY, p, "000000")

    def test_hash_is_salted_by_page(self) -> None:
        """The same code hashes differently for two pages."""
        assert code_hash(KEY, "p1", "123456") != code_hash(KEY, "p2", "123456")

    def test_the_hash_is_keyed(self) -> None:
        """Without the data key the stored value cannot be recomputed, so it cannot be
        searched for the code: not a plain SHA-256, and another key gives another value
        that does not accept."""
        other = new_data_key()
        assert code_hash(KEY, "p", "123456") != hashlib.sha256(b"p:123456").digest()
        assert code_hash(KEY, "p", "123456") != code_hash(other, "p", "123456")
        assert not code_matches(other, page("123456"), "123456")

    def test_a_page_from_before_keyed_codes_still_accepts_its_code(self) -> None:
        legacy = page(hashes=[hashlib.sha256(b"p:123456").digest()])
        assert code_matches(KEY, legacy, "123456")
        assert not code_matches(KEY, legacy, "654321")


class TestResolutionTree:
    def test_escalation_plan_schedule_and_people(self) -> None:
        """Plan first, then per stage each schedule followed by whom it resolved to, each
        person once per stage."""
        stages = [
            Stage(stage_index=0, duration_in_minutes=5, targets=[
                StageTarget(contact_arn=SCHEDULE, type="ONCALL_SCHEDULE", is_essential=True,
                            resolved_to=[BOB]),
                StageTarget(contact_arn=BOB, type="PERSONAL", is_essential=False,
                            resolved_to=[BOB])]),
            Stage(stage_index=1, duration_in_minutes=0, targets=[
                StageTarget(contact_arn=ALICE, type="PERSONAL", is_essential=True,
                            resolved_to=[ALICE])]),
        ]
        tree = [(n.contact_arn, n.type, n.stage_index)
                for n in resolution_tree(engagement("ESCALATION", stages))]
        assert tree == [(PLAN, "ESCALATION", None), (SCHEDULE, "ONCALL_SCHEDULE", 0),
                        (BOB, "PERSONAL", 0), (ALICE, "PERSONAL", 1)]

    def test_personal_contact_is_its_own_tree(self) -> None:
        """A PERSONAL engagement resolves to the contact alone."""
        stages = [Stage(stage_index=0, duration_in_minutes=0, targets=[
            StageTarget(contact_arn=ALICE, type="PERSONAL", is_essential=True,
                        resolved_to=[ALICE])])]
        tree = resolution_tree(engagement("PERSONAL", stages, contact=ALICE))
        assert [(n.contact_arn, n.type, n.stage_index) for n in tree] == [
            (ALICE, "PERSONAL", None)]

    def test_schedule_engaged_directly_is_not_repeated(self) -> None:
        """An on-call schedule engaged directly appears once, then who was on call."""
        stages = [Stage(stage_index=0, duration_in_minutes=0, targets=[
            StageTarget(contact_arn=SCHEDULE, type="ONCALL_SCHEDULE", is_essential=True,
                        resolved_to=[ALICE])])]
        tree = resolution_tree(engagement("ONCALL_SCHEDULE", stages, contact=SCHEDULE))
        assert [(n.contact_arn, n.type, n.stage_index) for n in tree] == [
            (SCHEDULE, "ONCALL_SCHEDULE", None), (ALICE, "PERSONAL", 0)]
