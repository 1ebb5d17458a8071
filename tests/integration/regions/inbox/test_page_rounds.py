"""Pages of an escalation plan's later rounds are read in the other region as they are in
their own: each with its round, none dropped for paging the same contact at the same stage
as an earlier round."""

from __future__ import annotations

from tests.integration.regions.inbox.conftest import Region, all_applied
from tocsin.local.digest import region_digests
from tocsin.shared.testing import wait_for

TIMEOUT = 30.0


async def _pages(region: Region, engagement: str) -> list[str]:
    found = await region.call("contacts", "ListPagesByEngagement",
                              {"EngagementId": engagement})
    return sorted(p["PageArn"] for p in found["Pages"])


async def test_a_later_rounds_page_is_read_in_the_other_region_with_its_round(
        regions: tuple[Region, Region], database_url: str) -> None:
    a, b = regions
    alice = (await a.call("contacts", "CreateContact", {
        "Alias": "alice", "Type": "PERSONAL", "Plan": {"Stages": []}}))["ContactArn"]
    plan = (await a.call("contacts", "CreateContact", {
        "Alias": "db-escalation", "Type": "ESCALATION", "Plan": {"Stages": [
            {"DurationInMinutes": 5,
             "Targets": [{"ContactTargetInfo": {"ContactId": alice, "IsEssential": False}}]}
        ]}}))["ContactArn"]
    engagement = str((await a.call("contacts", "StartEngagement", {
        "ContactId": plan, "Sender": "tocsin", "Subject": "Database down",
        "Content": "details"}))["EngagementArn"])
    # The plan repeated: its stage again, paging alice anew (as the escalation service's
    # repeats do).
    again = await a.call("contacts", "StartEngagementStage", {
        "EngagementArn": engagement, "StageIndex": 0, "Round": 1})
    assert again["Started"] and len(again["PageArns"]) == 1
    ours = await _pages(a, engagement)
    assert len(ours) == 2
    await all_applied(a, b, "contacts")

    assert await wait_for(lambda: _pages(b, engagement), timeout=TIMEOUT) == ours
    in_a, in_b = [await region_digests(database_url, region=r.name,
                                       schema_prefix=f"{r.name}_") for r in (a, b)]
    for kind in ("pages", "engagement_stages", "engagements"):
        assert in_a["contacts"][kind] == in_b["contacts"][kind], kind
    assert in_b["contacts"]["pages"].rows == 2
