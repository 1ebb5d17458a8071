"""Regions: applying the other regions' events to this region's store.

:mod:`.inbox` finds the mirrors of the other regions' ``EVENTS_<REGION>`` streams and hands
their events to a service's apply function; :mod:`.stamps` is how an apply function makes
concurrent writes converge (last writer wins by a hybrid logical clock, the region
breaking ties; deletions win; additions are never lost).
"""

from tocsin.shared.replication.inbox import Inbox, Replicated, run_inbox
from tocsin.shared.replication.stamps import Stamp, applying, stamp_of

__all__ = ["Inbox", "Replicated", "Stamp", "applying", "run_inbox", "stamp_of"]
