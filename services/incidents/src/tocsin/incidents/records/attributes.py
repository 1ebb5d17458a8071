"""An incident record converges attribute by attribute across the regions of the set.

Each top-level member of the record's document (``title``, ``status``...) keeps the stamp
of its last change (``field_hlc``, migration ``0014_replicas``: ``{"title": [hlc,
origin]}``, a NULL origin for this region), and another region's update changes a member
only when it is later (:func:`merge`): one region resolving an incident while another
retitles it keeps both.

The stamps are right from the first event that brings the incident to a region, whichever
it is, and every update brings what it knows. Its creation: every member is as created,
so none has a stamp (older than any change, all made after the creation was seen). An
update carries, beside the whole record, the stamp of each member's last change as its
region held them when it was made (``attributeStamps``: :func:`carried`), the members it
did not change too, and a region applies every member it brings that is later than the
one held there (:func:`brought`, :func:`merge`), and makes the record with all of them
when the update comes before the creation (from a third region whose stream came first).
So an older change of a member arriving after it (the opening region's own, say) changes
nothing there, as it changed nothing in the update's region.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tocsin.shared.contracts import incidents as c
from tocsin.shared.replication.stamps import Stamp

__all__ = ["Stamps", "brought", "carried", "changed_members", "first_stamps", "merge"]

JSON = dict[str, Any]
Stamps = dict[str, list[Any]]
"""A record's ``field_hlc``: member → ``[hlc, origin]`` (origin None: this region)."""


def changed_members(e: c.IncidentRecordUpdated) -> set[str]:
    """The members of the record's document the update changed: those it names, the
    resolution time with the status, and who changed it when."""
    members = {str(m["attributeName"]) for m in e.modified_attributes}
    if "status" in members:
        members.add("resolvedTime")
    return members | {"lastModifiedBy", "lastModifiedTime"}


def carried(stamps: Mapping[str, list[Any]], *, here: str) -> dict[str, tuple[int, str]]:
    """The stamps an update of the record carries (``attributeStamps``): this region's
    ``field_hlc`` with every origin named (``here`` for this region's own changes)."""
    return {member: (int(hlc), origin or here) for member, (hlc, origin) in stamps.items()}


def brought(e: c.IncidentRecordUpdated, stamp: Stamp) -> dict[str, Stamp]:
    """The members the update ``e`` (stamped ``stamp``) brings, each with the stamp of its
    value in ``e.incident_record``: those it changed, its own; the others as it carries
    them (none, from a version of Tocsin that carried no stamps)."""
    members = {member: Stamp(hlc, origin)
               for member, (hlc, origin) in e.attribute_stamps.items()}
    members.update(dict.fromkeys(changed_members(e), stamp))
    return members


def first_stamps(e: c.IncidentRecordUpdated, stamp: Stamp) -> Stamps:
    """The stamps of a record made from the update ``e`` (stamped ``stamp``) before its
    creation arrived: every member's it brings."""
    return {member: [s.hlc, s.region] for member, s in brought(e, stamp).items()}


def merge(doc: JSON, stamps: Stamps, incoming: Mapping[str, Any],
          members: Mapping[str, Stamp], *, home: str) -> bool:
    """Another region's update applied to the record's ``doc`` and ``stamps`` (both in
    place): each of its ``members`` (:func:`brought`) takes its value in ``incoming`` (or
    goes back to its default when absent there: a re-opened incident's ``resolvedTime``)
    unless this region holds a change of it as late. Whether any did."""
    took = False
    for member, stamp in members.items():
        hlc, origin = stamps.get(member) or (0, None)
        if Stamp(hlc, origin or home) < stamp:
            if member in incoming:
                doc[member] = incoming[member]
            else:
                doc.pop(member, None)
            stamps[member] = [stamp.hlc, stamp.region]
            took = True
    return took
