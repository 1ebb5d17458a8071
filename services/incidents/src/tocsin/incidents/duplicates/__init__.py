"""Duplicate incidents across regions: alarms deduplicate per region and converge across
the replication set.

Each region keeps one open incident per response plan and dedupe string, and a start
joins the open incident of its plan and dedupe string whichever region opened it. Two
regions that had not heard of each other's (a partition of their link, or the same alarm
published in both at nearly the same time) each open one; once each has applied the
other's, they merge:

- **The survivor** is the same in every region: of the open incidents of one plan and
  dedupe string, the one created first (its ``creationTime``), the home region's name and
  then the ARN breaking ties (:meth:`tocsin.incidents.records.store.Store.open_incidents`).
  Every region holds the same records with the same creation times, so every region picks
  it alike, whatever order the events arrive in, and with a third region too.
- **The duplicate's own home region resolves it**, as an ordinary write of its own
  resource: the inbox, applying another region's open incident that out-ranks one opened
  here, schedules a merge (:mod:`.store`, a durable timer due at once, so a crash loses
  none and a redelivered event schedules one). Firing it resolves the duplicate
  (``IncidentRecordResolved``, which stops its engagements as any resolution does) with
  the timeline event :data:`~.domain.MERGED_INTO` naming the survivor and the related item
  ``INCIDENT`` pointing at it; the survivor is the one chosen when both were open,
  whatever became of it since (resolved by a responder or by its alarm's recovery, the
  duplicate is over too). The survivor's own region, applying that resolution, writes
  :data:`~.domain.DUPLICATE_MERGED` on the survivor's timeline the same way (a timer
  ``note``): published after the survivor's creation in that region's stream, it reaches
  every region that holds the survivor, a third one too. These events replicate as
  usual; the inbox itself emits nothing. A region holding neither incident as its own
  does nothing but apply. Three regions apart may
  merge in steps (one duplicate into another, that one into the first): every region
  still ends with the same single open incident.
- Later alarms of that plan and dedupe string join the survivor in every region.

The inbox and the starts of one plan and dedupe string take one lock
(:meth:`~tocsin.incidents.records.store.Store.dedupe_lock`), so an incident opened here
while another region's is being applied is either joined to it or seen by it.

- :mod:`.domain`: the timeline events and related item of a merge (pure);
- :mod:`.store`: the ``duplicate_merge`` timers (merges and notes);
- :mod:`.handlers`: the inbox's look for duplicates, and the worker that merges them and
  notes the merges on the survivors.
"""
