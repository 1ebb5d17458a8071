"""What of the contacts service's store must be the same in every region of the set:
per replicated resource type, the columns the inbox (:mod:`tocsin.contacts.replicas`)
applies, for :mod:`tocsin.shared.replication.digest`.

A contact channel's address is compared as it is stored, sealed, with its blind index: the
other regions store both as the channel's events carry them (the bytes the origin region
sealed, under its data key, never sealed again), so they are the same bytes in every
region; the plaintext ``address`` is left from before encryption at rest and NULL once
sealed, everywhere alike.

Left out: the stamps of the last write (``hlc``, ``origin``), the change counters
(``version``), when a row was written here (``created_at``, ``updated_at``, a channel's
``position``), what the region that runs an engagement keeps for its own paging (an
engagement's resolved plan and content, a page's accept-code hashes, channels and wrong
codes, receipt sequence numbers), and what stays in its region (activation codes). An
engagement's home region, NULL for "this region", is compared as the name.
"""

from __future__ import annotations

from tocsin.shared.replication.digest import Resource

__all__ = ["RESOURCES"]

RESOURCES: tuple[Resource, ...] = (
    Resource("contacts",
             "SELECT arn, alias, type, display_name, plan::text AS plan FROM contact"),
    Resource("contact_policies", "SELECT contact_arn, policy FROM contact_policy"),
    Resource("contact_channels",
             "SELECT arn, contact_arn, name, type, address, address_sealed, address_index,"
             " activation_status FROM contact_channel"),
    Resource("rotations",
             "SELECT r.arn, r.name, r.start_time, r.time_zone_id,"
             " r.recurrence::text AS recurrence, array(SELECT m.contact_arn"
             "   FROM rotation_contact m WHERE m.rotation_arn = r.arn ORDER BY m.position)"
             "   AS members FROM rotation r"),
    Resource("rotation_overrides",
             "SELECT id, rotation_arn, new_contact_ids, start_time, end_time, create_time"
             " FROM rotation_override"),
    Resource("engagements",
             "SELECT arn, contact_arn, contact_type, sender, subject, incident_id,"
             " start_time, stop_time, stop_reason, progression_stopped_time,"
             " progression_stopped_by, coalesce(home_region, $1) AS home_region"
             " FROM engagement"),
    Resource("engagement_stages",
             "SELECT engagement_arn, round, stage_index, start_time FROM engagement_stage"),
    Resource("pages",
             "SELECT arn, engagement_arn, contact_arn, stage_index, round, sent_time,"
             " delivery_time, read_time FROM page"),
    Resource("page_receipts",
             "SELECT page_arn, receipt_type, contact_channel_arn, receipt_info, receipt_time"
             " FROM page_receipt"),
    Resource("tags", "SELECT resource_arn, key, value FROM tag"),
)
"""The contacts service's replicated resource types."""
