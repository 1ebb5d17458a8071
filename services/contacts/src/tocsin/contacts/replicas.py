"""The contacts service's inbox: the other regions' contacts events applied to this
region's store (:mod:`tocsin.shared.replication.inbox`), so that their contacts, rotations
and overrides, tags and policies, and their engagements and pages as they stand are read
here too.

Contacts, rotations and overrides follow the last writer by their stamps, a deletion
winning over an update that did not see it (two regions that gave one alias to two
contacts keep the later). Their tags converge key by key, each key's latest addition or
removal winning whatever order they arrive in, those given at creation too
(:mod:`tocsin.shared.replication.tags`). An engagement and its pages only move forward
(started, stages, receipts, acceptance, stopped), so each step is applied once, whichever
arrives first. Their stages, retries and timeouts stay with the region that started them:
nothing here sends a page or arms a timer, and no event is emitted.

Contact channels follow the last writer like contacts, a deletion winning. Their events
carry the address sealed, as the origin region stores it, with its blind index: both are
stored as they are (the data key that sealed them reached this region wrapped, through the
incidents service's inbox), so the address opens here for whoever may read it, and a
number that texts this region finds the channel. Activation codes stay in their region.

A page's accept codes travel as their keyed HMACs (never the codes), so ``AcceptPage`` here
checks a code sent from the page's region; the wrong codes each region refused travel as
counts, and a page's codes are void once the regions' counts together reach the limit.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from tocsin.contacts.engagements.domain import Stage, StageTarget
from tocsin.shared import crypto
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.db.tags import TagStore
from tocsin.shared.replication import Inbox, Replicated
from tocsin.shared.replication.stamps import Applying
from tocsin.shared.replication.tags import put_tags, remove_tags

__all__ = ["INBOX", "apply"]

_FIRST = re.compile(r"^[a-z]")


def pascal(value: Any) -> Any:
    """``value`` with every object key in PascalCase, as the store keeps the API's shapes
    (the inverse of the events' camelCase)."""
    if isinstance(value, dict):
        return {_FIRST.sub(lambda m: m.group().upper(), k): pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


# --- contacts ----------------------------------------------------------------------------


async def _contact(to: Applying, e: cc.ContactCreated | cc.ContactUpdated) -> None:
    creates = isinstance(e, cc.ContactCreated)
    other = await to.conn.fetchval(
        "SELECT arn FROM contact WHERE alias = $1 AND arn <> $2", e.alias, e.contact_arn)
    if other is not None:
        # One alias given to two contacts in two regions: the later keeps it.
        if not await to.wins("contact", "arn", other):
            return
        await to.conn.execute("DELETE FROM tag WHERE resource_arn = $1", other)
        await to.conn.execute("DELETE FROM contact WHERE arn = $1", other)
    if await to.wins("contact", "arn", e.contact_arn, creates=creates):
        await to.conn.execute(
            "INSERT INTO contact (arn, alias, type, display_name, plan, created_at, version)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (arn) DO UPDATE SET display_name = excluded.display_name,"
            " plan = excluded.plan, version = greatest(contact.version, excluded.version)",
            e.contact_arn, e.alias, e.type, e.display_name, pascal(e.plan),
            datetime.now(UTC), e.resource_version or 1)
    if isinstance(e, cc.ContactCreated):
        await _creation_tags(to, "contact", e.contact_arn, e.tags)


async def _contact_deleted(to: Applying, e: cc.ContactDeleted) -> None:
    await TagStore.untag_all(to.conn, e.contact_arn)
    if await to.conn.execute("DELETE FROM contact WHERE arn = $1",
                             e.contact_arn) == "DELETE 0":
        await to.bury("contact", e.contact_arn)


async def _policy(to: Applying, e: cc.ContactPolicyPut) -> None:
    if not await to.holds("contact", "arn", e.contact_arn):
        return
    await to.conn.execute(
        "INSERT INTO contact_policy (contact_arn, policy) VALUES ($1, $2)"
        " ON CONFLICT (contact_arn) DO UPDATE SET policy = excluded.policy",
        e.contact_arn, e.policy)


async def _creation_tags(to: Applying, table: str, arn: str, tags: dict[str, str]) -> None:
    """The tags a contact or rotation was created with, each key unless changed later,
    when it is held here: its update, and a change of its tags, may have come first (from
    a third region) and made it, so the creation applies its tags even where it does not
    win the rest of the resource."""
    if tags and await to.conn.fetchval(f"SELECT true FROM {table} WHERE arn = $1", arn):
        await put_tags(to, arn, tags)


async def _tags_apply(to: Applying, arn: str) -> bool:
    """Whether the tagged contact or rotation is here (it waits for it, so that the tags
    it was created with do not overwrite a later change of them)."""
    for kind in ("contact", "rotation"):
        if f":{kind}/" in arn:
            return await to.holds(kind, "arn", arn)
    return True


async def _tagged(to: Applying, e: cc.ResourceTagged) -> None:
    if await _tags_apply(to, e.resource_arn):
        await put_tags(to, e.resource_arn, e.tags)


async def _untagged(to: Applying, e: cc.ResourceUntagged) -> None:
    if await _tags_apply(to, e.resource_arn):
        await remove_tags(to, e.resource_arn, e.tag_keys)


# --- contact channels --------------------------------------------------------------------


_ChannelChange = (cc.ContactChannelCreated | cc.ContactChannelUpdated
                  | cc.ContactChannelActivated | cc.ContactChannelDeactivated)


async def _channel(to: Applying, e: _ChannelChange) -> None:
    if e.address_sealed is None:
        return  # from a version of Tocsin that kept channels in their region
    creates = isinstance(e, cc.ContactChannelCreated)
    if not await to.holds("contact", "arn", e.contact_arn):
        return  # its contact is gone here (a deletion wins)
    other = await to.conn.fetchval(
        "SELECT arn FROM contact_channel WHERE contact_arn = $1 AND name = $2 AND arn <> $3",
        e.contact_arn, e.name, e.contact_channel_arn)
    if other is not None:
        # One name given to two channels of a contact in two regions: the later keeps it.
        if not await to.wins("contact_channel", "arn", other):
            return
        await to.conn.execute("DELETE FROM contact_channel WHERE arn = $1", other)
    if not await to.wins("contact_channel", "arn", e.contact_channel_arn, creates=creates):
        return
    await to.conn.execute(
        "INSERT INTO contact_channel (arn, contact_arn, name, type, address_sealed,"
        " address_index, activation_status, created_at, version)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (arn) DO UPDATE SET name = excluded.name, address = NULL,"
        " address_sealed = excluded.address_sealed, address_index = excluded.address_index,"
        " activation_status = excluded.activation_status,"
        " version = greatest(contact_channel.version, excluded.version)",
        e.contact_channel_arn, e.contact_arn, e.name, e.type,
        crypto.sealed_bytes(e.address_sealed),
        bytes.fromhex(e.address_index) if e.address_index else None,
        e.activation_status, datetime.now(UTC), e.resource_version or 1)
    if isinstance(e, cc.ContactChannelUpdated) and e.address_changed:
        # A code this region sent to the old address proves nothing of the new one.
        await to.conn.execute("DELETE FROM activation_code WHERE channel_arn = $1",
                              e.contact_channel_arn)


async def _channel_deleted(to: Applying, e: cc.ContactChannelDeleted) -> None:
    if await to.conn.execute("DELETE FROM contact_channel WHERE arn = $1",
                             e.contact_channel_arn) == "DELETE 0":
        await to.bury("contact_channel", e.contact_channel_arn)


# --- rotations ---------------------------------------------------------------------------


async def _rotation(to: Applying, e: cc.RotationCreated | cc.RotationUpdated) -> None:
    creates = isinstance(e, cc.RotationCreated)
    if await to.wins("rotation", "arn", e.rotation_arn, creates=creates):
        await _put_rotation(to, e)
    if isinstance(e, cc.RotationCreated):
        await _creation_tags(to, "rotation", e.rotation_arn, e.tags)


async def _put_rotation(to: Applying, e: cc.RotationCreated | cc.RotationUpdated) -> None:
    recurrence = pascal({k: v for k, v in e.recurrence.items() if k != "shiftCoverages"})
    if "shiftCoverages" in e.recurrence:
        recurrence["ShiftCoverages"] = {day: pascal(w)
                                        for day, w in e.recurrence["shiftCoverages"].items()}
    now = datetime.now(UTC)
    await to.conn.execute(
        "INSERT INTO rotation (arn, name, start_time, time_zone_id, recurrence, created_at,"
        " updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)"
        " ON CONFLICT (arn) DO UPDATE SET name = excluded.name,"
        " start_time = excluded.start_time, time_zone_id = excluded.time_zone_id,"
        " recurrence = excluded.recurrence, updated_at = excluded.updated_at,"
        " version = greatest(rotation.version, excluded.version)",
        e.rotation_arn, e.name, _at(e.start_time), e.time_zone_id, recurrence, now,
        e.resource_version or 1)
    await to.conn.execute("DELETE FROM rotation_contact WHERE rotation_arn = $1",
                          e.rotation_arn)
    await to.conn.execute(
        "INSERT INTO rotation_contact (rotation_arn, contact_arn, position)"
        " SELECT $1, c, p - 1 FROM unnest($2::text[]) WITH ORDINALITY AS m(c, p)",
        e.rotation_arn, e.contact_ids)


async def _rotation_deleted(to: Applying, e: cc.RotationDeleted) -> None:
    await TagStore.untag_all(to.conn, e.rotation_arn)
    if await to.conn.execute("DELETE FROM rotation WHERE arn = $1",
                             e.rotation_arn) == "DELETE 0":
        await to.bury("rotation", e.rotation_arn)


async def _override(to: Applying, e: cc.RotationOverrideCreated) -> None:
    if not await to.holds("rotation", "arn", e.rotation_arn) or not await to.wins(
            "rotation_override", "id", e.rotation_override_id, creates=True):
        return
    await to.conn.execute(
        "INSERT INTO rotation_override (id, rotation_arn, new_contact_ids, start_time,"
        " end_time, create_time) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        uuid.UUID(e.rotation_override_id), e.rotation_arn, e.new_contact_ids,
        _at(e.start_time), _at(e.end_time), _at(e.create_time))


async def _override_deleted(to: Applying, e: cc.RotationOverrideDeleted) -> None:
    if await to.conn.execute("DELETE FROM rotation_override WHERE id = $1",
                             uuid.UUID(e.rotation_override_id)) == "DELETE 0":
        await to.bury("rotation_override", e.rotation_override_id)


# --- engagements and pages, as they stand --------------------------------------------------
# A region that took another's engagement over, or where its page was accepted, changes it
# too: a third region may receive that before the engagement or page itself, and the
# change waits for it (Applying.holds).


async def _engaged(to: Applying, engagement_arn: str) -> bool:
    return await to.holds("engagement", "arn", engagement_arn)


async def _paged(to: Applying, page_arn: str) -> bool:
    return await to.holds("page", "arn", page_arn)



async def _engagement(to: Applying, e: cc.EngagementStarted) -> None:
    stages = [Stage(stage_index=s.stage_index, duration_in_minutes=s.duration_in_minutes,
                    targets=[StageTarget(contact_arn=t.contact_arn, type="PERSONAL",
                                         is_essential=t.is_essential,
                                         resolved_to=[t.contact_arn]) for t in s.targets])
              for s in e.stages]
    await to.conn.execute(
        "INSERT INTO engagement (arn, contact_arn, contact_type, sender, subject, content,"
        " incident_id, start_time, plan, version, home_region)"
        " VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $9, $10) ON CONFLICT (arn) DO NOTHING",
        e.engagement_arn, e.contact_arn, e.contact_type, e.sender, e.subject, e.incident_id,
        e.start_time, {"Stages": msgspec.to_builtins(stages)}, e.resource_version or 1,
        to.stamp.region)


async def _stage(to: Applying, e: cc.EngagementStageStarted) -> None:
    if not await _engaged(to, e.engagement_arn):
        return
    await to.conn.execute(
        "INSERT INTO engagement_stage (engagement_arn, stage_index, start_time, round)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        e.engagement_arn, e.stage_index, e.start_time, e.round)


async def _stopped(to: Applying, e: cc.EngagementStopped) -> None:
    if not await _engaged(to, e.engagement_arn):
        return
    await to.conn.execute(
        "UPDATE engagement SET stop_time = $2, stop_reason = $3,"
        " version = greatest(version, $4) WHERE arn = $1 AND stop_time IS NULL",
        e.engagement_arn, e.stop_time, e.reason, e.resource_version or 1)


async def _page(to: Applying, e: cc.PageCreated) -> None:
    if not await _engaged(to, e.engagement_arn):
        return
    created = await to.conn.fetchval(
        "INSERT INTO page (arn, engagement_arn, contact_arn, stage_index, round,"
        " is_essential, accept_code_hashes, sent_time, version)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT DO NOTHING RETURNING true",
        e.page_arn, e.engagement_arn, e.contact_arn, e.stage_index, e.round, e.is_essential,
        [bytes.fromhex(h) for h in e.accept_code_hashes], e.sent_time,
        e.resource_version or 1)
    if created and e.channel_arns:
        await to.conn.execute(
            "INSERT INTO page_channel (page_arn, channel_arn)"
            " SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
            e.page_arn, e.channel_arns)


async def _code_added(to: Applying, e: cc.PageCodeAdded) -> None:
    if not await _paged(to, e.page_arn):
        return
    await to.conn.execute(
        "UPDATE page SET accept_code_hashes = accept_code_hashes || $2::bytea"
        " WHERE arn = $1 AND NOT $2::bytea = ANY(accept_code_hashes)",
        e.page_arn, bytes.fromhex(e.accept_code_hash))


async def _code_refused(to: Applying, e: cc.PageCodeRefused) -> None:
    if not await _paged(to, e.page_arn):
        return
    await to.conn.execute(
        "INSERT INTO page_wrong_code (page_arn, region, count) VALUES ($1, $2, $3)"
        " ON CONFLICT (page_arn, region) DO UPDATE"
        " SET count = greatest(page_wrong_code.count, excluded.count)",
        e.page_arn, to.stamp.region, e.wrong_codes)


async def _receipt(to: Applying, e: cc.PageReceiptRecorded) -> None:
    if not await _paged(to, e.page_arn):
        return
    await to.conn.execute(
        "INSERT INTO page_receipt (page_arn, receipt_type, contact_channel_arn, receipt_info,"
        " receipt_time) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        e.page_arn, e.receipt_type, e.contact_channel_arn, e.receipt_info, e.receipt_time)
    column = {"DELIVERED": "delivery_time", "READ": "read_time"}.get(e.receipt_type)
    if column is not None:
        await to.conn.execute(
            f"UPDATE page SET {column} = $2 WHERE arn = $1 AND {column} IS NULL",
            e.page_arn, e.receipt_time)


async def _accepted(to: Applying, e: cc.PageAccepted) -> None:
    if not await _paged(to, e.page_arn):
        return
    await to.conn.execute(
        "UPDATE page SET read_time = $2 WHERE arn = $1 AND read_time IS NULL",
        e.page_arn, e.accept_time)
    if e.progression_stopped:
        await to.conn.execute(
            "UPDATE engagement SET progression_stopped_time = $2,"
            " progression_stopped_by = $3 WHERE arn = $1 AND progression_stopped_time IS NULL",
            e.engagement_arn, e.accept_time, e.contact_arn)


_APPLY: dict[type[Any], Callable[[Applying, Any], Awaitable[None]]] = {
    cc.ContactCreated: _contact,
    cc.ContactUpdated: _contact,
    cc.ContactDeleted: _contact_deleted,
    cc.ContactPolicyPut: _policy,
    cc.ContactChannelCreated: _channel,
    cc.ContactChannelUpdated: _channel,
    cc.ContactChannelActivated: _channel,
    cc.ContactChannelDeactivated: _channel,
    cc.ContactChannelDeleted: _channel_deleted,
    cc.ResourceTagged: _tagged,
    cc.ResourceUntagged: _untagged,
    cc.RotationCreated: _rotation,
    cc.RotationUpdated: _rotation,
    cc.RotationDeleted: _rotation_deleted,
    cc.RotationOverrideCreated: _override,
    cc.RotationOverrideDeleted: _override_deleted,
    cc.EngagementStarted: _engagement,
    cc.EngagementStageStarted: _stage,
    cc.EngagementStopped: _stopped,
    cc.PageCreated: _page,
    cc.PageReceiptRecorded: _receipt,
    cc.PageAccepted: _accepted,
    cc.PageCodeAdded: _code_added,
    cc.PageCodeRefused: _code_refused,
}


async def apply(replicated: Replicated) -> None:
    """Apply one contacts event of another region; the types kept per region (activation
    codes, engagement failures) are skipped."""
    step = _APPLY.get(type(replicated.event.event))
    if step is not None:
        await step(replicated.to, replicated.event.event)


INBOX = Inbox(union=cc.ContactsEvent, apply=apply)
"""The contacts service's inbox, for its kernel table."""
