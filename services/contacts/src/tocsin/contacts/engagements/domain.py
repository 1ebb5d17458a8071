"""Engagements and pages as this service keeps them: the resolved plan, the rows, the
accept codes and the resolution tree, and how they read in the API. Pure: no I/O, no
clock."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec

from tocsin.contacts.engagements.requests import Time
from tocsin.shared.crypto import DataKey
from tocsin.shared.paging import read_token
from tocsin.shared.timestamps import to_datetime

__all__ = [
    "DEFAULT_ACCEPT_CODE_VALIDATION",
    "ENGAGEMENT",
    "PAGE",
    "RESOLUTIONS_PAGE",
    "ChannelRow",
    "ContactRow",
    "EngagementRow",
    "NewPage",
    "NewReceipt",
    "PageRow",
    "Resolution",
    "Stage",
    "StageTarget",
    "code_hash",
    "code_matches",
    "engagement_output",
    "incident_arn_of",
    "instant",
    "micros",
    "new_code",
    "page_output",
    "plan_stages",
    "position",
    "resolution_tree",
]

JSON = dict[str, Any]

ENGAGEMENT = "ENGAGEMENT"
"""``ResourceType`` of an engagement in error replies."""
ENGAGEMENT = "ENGAGEMENT"
"""``ResourceType`` of an engagement in error replies."""
PAGE = "PAGE"
"""``ResourceType`` of a page in error replies."""

DEFAULT_ACCEPT_CODE_VALIDATION: Literal["ENFORCE", "IGNORE"] = "ENFORCE"

MAX_WRONG_CODES = 5
"""Wrong accept codes a page takes before its codes are void, the right one too (as a
channel's activation code is): a six-digit code cannot be found by trying them all."""
"""What ``AcceptPage`` does without ``AcceptCodeValidation`` (see the module docstring)."""

RESOLUTIONS_PAGE = 1024
"""``ListPageResolutions`` has no ``MaxResults``; it pages by this many nodes."""

_INCIDENT_ARN = re.compile(r"^arn:[^:]+:ssm-incidents:[^:]*:[^:]*:incident-record/")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- the resolved plan, stored as engagement.plan ---------------------------------------


class StageTarget(msgspec.Struct, rename="pascal", kw_only=True):
    """One target of a stage as configured, and whom it resolved to."""

    contact_arn: str
    type: str
    """``PERSONAL`` or ``ONCALL_SCHEDULE``."""
    is_essential: bool
    channel_stage: int = 0
    """Which stage of a personal contact's engagement plan its page sends to: 0 when it
    is reached through an escalation plan or schedule, *k* for stage *k* of a PERSONAL
    contact engaged directly."""
    resolved_to: list[str] = []
    """The personal contacts it resolved to: itself, or who was on call."""
    resolved_time: float | None = None
    """When ``resolved_to`` was computed (epoch seconds): at the engagement's start as a
    preview, again when the stage starts."""


class Stage(msgspec.Struct, rename="pascal", kw_only=True):
    """One stage of an engagement."""

    stage_index: int
    duration_in_minutes: int
    targets: list[StageTarget] = []


# --- rows ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContactRow:
    arn: str
    alias: str
    type: str
    plan: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChannelRow:
    arn: str
    contact_arn: str
    name: str
    type: str
    address_sealed: bytes | None
    """The address, sealed (``tocsin.contacts.channels.store.open_address`` opens it)."""
    address: str | None = None
    """The address of a row from before encryption at rest, not sealed yet."""


@dataclass(frozen=True, slots=True)
class EngagementRow:
    arn: str
    contact_arn: str
    contact_type: str
    sender: str
    subject: str
    content: str
    public_subject: str | None
    public_content: str | None
    incident_id: str | None
    start_time: datetime
    stop_time: datetime | None
    stop_reason: str | None
    progression_stopped_time: datetime | None
    stages: list[Stage]
    version: int = 1
    """Counts the engagement's changes (a stage started, its progression or itself
    stopped)."""


@dataclass(frozen=True, slots=True)
class PageRow:
    arn: str
    engagement_arn: str
    contact_arn: str
    stage_index: int
    is_essential: bool
    via: list[str]
    accept_code_hashes: list[bytes]
    sent_time: datetime
    delivery_time: datetime | None
    read_time: datetime | None
    version: int = 1
    """Counts the page's changes (receipts, acceptance, a new accept code)."""
    wrong_codes: int = 0
    """Wrong accept codes tried so far; at :data:`MAX_WRONG_CODES` the page's codes are
    void."""


@dataclass(frozen=True, slots=True)
class NewPage:
    arn: str
    engagement_arn: str
    contact_arn: str
    stage_index: int
    is_essential: bool
    via: list[str]
    accept_code_hash: bytes
    sent_time: datetime
    round: int = 0


@dataclass(frozen=True, slots=True)
class NewReceipt:
    page_arn: str
    receipt_type: str
    contact_channel_arn: str | None
    receipt_info: str | None
    receipt_time: datetime


@dataclass(frozen=True, slots=True)
class Resolution:
    """One node of an engagement's resolution tree (``ResolutionContact``)."""

    contact_arn: str
    type: str
    stage_index: int | None


ACCEPT_CODE_INDEX = "page.accept-code"
"""The blind-index purpose of accept codes."""


def code_hash(key: DataKey, page_arn: str, code: str) -> bytes:
    """What is stored of a page's accept code: its keyed blind index (HMAC-SHA256 under the
    replication set's data key) of ``<page arn>:<code>``.

    A 6-digit code has far too little entropy for any plain hash to resist an offline
    search; keyed, the stored value gives nothing to someone who reads the database (a
    dump, a backup, a replica) without the key-encryption key. The page ARN keeps equal
    codes of different pages apart.
    """
    return key.index(f"{page_arn}:{code}", purpose=ACCEPT_CODE_INDEX)


def _legacy_hash(page_arn: str, code: str) -> bytes:
    """The plain SHA-256 that pages from before the keyed index stored."""
    return hashlib.sha256(f"{page_arn}:{code}".encode()).digest()


def code_matches(keys: DataKey | Sequence[DataKey], page: PageRow, code: str) -> bool:
    """Whether ``code`` is one of the page's accept codes, each compared in constant time,
    under any of ``keys`` (a page replicated from another region of the set was keyed by
    that region's data key; a page sent before codes were keyed still accepts its
    plain-hashed code)."""
    keys = [keys] if isinstance(keys, DataKey) else keys
    wanted = [*(code_hash(k, page.arn, code) for k in keys), _legacy_hash(page.arn, code)]
    return any([hmac.compare_digest(h, w) for h in page.accept_code_hashes for w in wanted])


def plan_stages(plan: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The ``Stages`` of a stored contact plan (the AWS ``Plan`` shape)."""
    stages = (plan or {}).get("Stages") or []
    return [s for s in stages if isinstance(s, dict)]


def resolution_tree(e: EngagementRow) -> list[Resolution]:
    """The engagement's resolution path: the engaged contact, then per stage each target
    (a schedule followed by whom it resolved to), each personal contact once per stage."""
    tree = [Resolution(contact_arn=e.contact_arn, type=e.contact_type, stage_index=None)]
    if e.contact_type == "PERSONAL":
        return tree
    for stage in e.stages:
        seen: set[str] = set()
        for t in stage.targets:
            if t.type == "ONCALL_SCHEDULE" and t.contact_arn != e.contact_arn:
                tree.append(Resolution(contact_arn=t.contact_arn, type=t.type,
                                       stage_index=stage.stage_index))
            for person in t.resolved_to:
                if person not in seen:
                    seen.add(person)
                    tree.append(Resolution(contact_arn=person, type="PERSONAL",
                                           stage_index=stage.stage_index))
    return tree



# --- how they read in the API -----------------------------------------------------------


def _ts(at: datetime | None) -> float | None:
    return at.timestamp() if at is not None else None


def instant(value: Time, member: str) -> datetime:
    if isinstance(value, datetime):
        at = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        # An ISO-8601 time before 1970 (year 0001 reads): refused as an epoch would be.
        return to_datetime(at.timestamp(), member) if at < _EPOCH else at
    return to_datetime(value, member)


def micros(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


def _from_micros(n: int) -> datetime:
    return _EPOCH + timedelta(microseconds=n)


def position(token: str | None) -> tuple[datetime, str] | None:
    if not token:
        return None
    n, arn = read_token(token, tuple[int, str], member="NextToken")
    return _from_micros(n), arn


def incident_arn_of(incident_id: str | None) -> str | None:
    """The engagement's incident for the events' correlation: its ``IncidentId`` when that
    is an incident-record ARN."""
    return incident_id if incident_id and _INCIDENT_ARN.match(incident_id) else None



def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def page_output(p: PageRow, e: EngagementRow, *, full: bool = False) -> JSON:
    out: JSON = {"PageArn": p.arn, "EngagementArn": p.engagement_arn,
                 "ContactArn": p.contact_arn, "Sender": e.sender}
    if full:
        out.update(Subject=e.subject, Content=e.content, PublicSubject=e.public_subject,
                   PublicContent=e.public_content)
    out.update(IncidentId=e.incident_id, SentTime=_ts(p.sent_time),
               DeliveryTime=_ts(p.delivery_time), ReadTime=_ts(p.read_time))
    return {k: v for k, v in out.items() if v is not None}


def engagement_output(e: EngagementRow, *, full: bool = False) -> JSON:
    out: JSON = {"EngagementArn": e.arn, "ContactArn": e.contact_arn, "Sender": e.sender}
    if full:
        out.update(Subject=e.subject, Content=e.content, PublicSubject=e.public_subject,
                   PublicContent=e.public_content)
    out.update(IncidentId=e.incident_id, StartTime=_ts(e.start_time),
               StopTime=_ts(e.stop_time))
    return {k: v for k, v in out.items() if v is not None}
