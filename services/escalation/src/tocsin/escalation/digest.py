"""What of the escalation service's store must be the same in every region of the set, for
:mod:`tocsin.shared.replication.digest`: the takeovers (``RegionTakenOver``, recorded in
every region: which region was lost, under which epoch, and who took its engagements
over), and, for each engagement a takeover moved, the region that runs it and under which
epoch (the fencing every region must agree on).

Left out: the timers (each region keeps its own, standby copies of the others'), whether
this region fires an engagement's timers (``fires_here``: true in one region only, by
design), and the engagements no takeover touched (a region keeps another's engagement only
while it is open).
"""

from __future__ import annotations

from tocsin.shared.replication.digest import Resource

__all__ = ["RESOURCES"]

RESOURCES: tuple[Resource, ...] = (
    Resource("takeovers",
             "SELECT region, epoch, by_region, taken_at, engagements FROM takeover"),
    Resource("engagement_owners",
             "SELECT arn, owner_region, owner_epoch FROM engagement WHERE owner_epoch > 0"),
)
"""The escalation service's replicated resource types."""
