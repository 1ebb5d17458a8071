"""Sets that converge member by member across the regions of the replication set (an
incident's related items, a resource's tags: :mod:`.tags`).

Either region adds and removes members, and their changes reach a third region by two
regions' streams, in no order between them: a removal can arrive before the addition it
removes. So each member's latest change wins, whatever the order: its addition (or new
value) or its removal, compared by their stamps (:class:`~.stamps.Stamp`, the region
breaking ties). The store keeps the stamp of each member's last write and, for a removed
member, a tombstone with the removal's stamp (the service's migration makes the table of
tombstones and the triggers that write them when a member is deleted and lift them when
it is added again). An addition older than the member's tombstone is ignored; a later one
wins and brings the member back.
"""

from __future__ import annotations

from tocsin.shared.replication.stamps import Stamp

__all__ = ["takes_effect"]


def takes_effect(change: Stamp, *, held: Stamp | None, removed: Stamp | None) -> bool:
    """Whether a change of a member stamped ``change`` (its addition, new value or
    removal) takes effect where the member's last write is ``held`` (None: not held) and
    its last removal ``removed`` (None: no tombstone): only when it is later than both."""
    return all(known is None or known < change for known in (held, removed))
