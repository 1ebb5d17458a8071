"""What the contacts service tells other services about engagements and pages, and the
Tocsin-internal requests it answers for them.

**Events.** The contacts service publishes each change on
``events.<region>.contacts.<Type>`` (an :class:`tocsin.shared.codec.Envelope`); for the
engagement types below the envelope's ``data`` is the matching Struct, encoded camelCase,
times as ISO-8601 strings (``msgspec.to_builtins`` of a ``datetime``). The envelope's
correlation carries ``engagement_arn`` always and ``incident_arn`` when the engagement's
``IncidentId`` is an incident-record ARN. Read one with
:func:`tocsin.shared.contracts.base.decode`::

    page = decode("PageCreated", envelope.data, ContactsEvent)   # -> PageCreated

``EngagementStageStarted`` is each stage's start (stage 0 with the engagement, later stages
when the escalation service's ``StageDue`` arrives). ``PageCreated`` is the moment a
responder is paged (the incidents timeline's
"SSM Contacts Page for Incident"); ``PageAccepted`` with ``acceptType == "READ"`` is an
acknowledgement ("SSM Contacts Page Acknowledgement for Incident"), ``"DELIVERED"`` only a
delivery confirmation. No payload ever carries an accept code (a page's events carry its
codes' keyed HMACs, so that another region of the set can check a code) nor an address in
plaintext (a channel's events carry it sealed, as it is stored).

``EngagementFailed`` is paging that reached nobody for some target (who, and why).

**Requests.** Besides the 39 ``ssm-contacts`` operations, the service answers four
Tocsin-internal ones on ``tocsin.rpc.contacts.<Operation>`` (PascalCase members, like the
AWS ones): :class:`StartEngagementStage` for the escalation service, which drives stage
timing from the plan in :class:`EngagementStarted`, :class:`RecordPageReceipt` and
:class:`ReactivateContactChannel` for the notifications service, and
:class:`ReserveEngagementContacts` for the incidents service. All are idempotent, so a
caller may retry after a timeout.

Schema evolution follows msgspec's rules: members added later always get defaults,
unknown members are ignored, existing members never change type.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Final, Literal

import msgspec

from tocsin.shared.contracts import tagging
from tocsin.shared.contracts.base import Change, Event, Part, types_of
from tocsin.shared.timestamps import Epoch

__all__ = [
    "CHANNEL_ADDRESS_INDEX",
    "EVENT_TYPES",
    "INCIDENT_DELETED",
    "INCIDENT_RESOLVED",
    "AcceptType",
    "ContactsEvent",
    "EngagementFailed",
    "EngagementFailure",
    "EngagementStage",
    "EngagementStageStarted",
    "EngagementStarted",
    "EngagementStopped",
    "EngagementTarget",
    "FailureReason",
    "FindContactChannels",
    "FoundContactChannels",
    "FoundPage",
    "PageAccepted",
    "PageCodeAdded",
    "PageCodeRefused",
    "PageCreated",
    "PageReceiptRecorded",
    "ReactivateContactChannel",
    "ReceiptType",
    "RecordPageReceipt",
    "ReserveEngagementContacts",
    "StartEngagement",
    "StartEngagementStage",
    "StartEngagementStageResult",
    "StopIncidentEngagements",
]

AcceptType = Literal["DELIVERED", "READ"]
"""``AcceptPage``'s ``AcceptType``: a delivery confirmation, or an acknowledgement."""

ReceiptType = Literal["DELIVERED", "ERROR", "READ", "SENT", "STOP"]
"""The model's ``ReceiptType``."""

ContactType = Literal["PERSONAL", "ESCALATION", "ONCALL_SCHEDULE"]

INCIDENT_RESOLVED = "Incident resolved"
INCIDENT_DELETED = "Incident deleted"
"""The ``reason`` of an engagement stopped because its incident was resolved / deleted."""


class _Event(Event, frozen=True):
    """An event of the contacts service (tagged by its class name)."""

    service: ClassVar[str] = "contacts"


class _Change(Change, _Event, frozen=True):
    """An event of the contacts service that changes one resource: a contact (its plan,
    tags and policy included), a channel, a rotation (its overrides and tags included),
    an engagement or a page; it carries that resource's version after the change and the
    principal who made it."""


class EngagementTarget(Part, frozen=True):
    """One personal contact a stage of an engagement pages."""

    contact_arn: str
    """The PERSONAL contact paged."""
    is_essential: bool = False
    """Its READ stops the plan's progression (``ContactTargetInfo.IsEssential``; a
    PERSONAL contact engaged directly is always essential to its own engagement)."""
    via: list[str] = []
    """The ESCALATION / ONCALL_SCHEDULE contacts it was resolved through, outermost first."""
    channel_arns: list[str] = []
    """The ACTIVATED channels the stage engages: those of stage 0 of the contact's engagement
    plan when it was reached through an escalation plan or on-call schedule; those of stage
    *k* of its own plan when the contact was engaged directly."""


class EngagementStage(Part, frozen=True):
    """One stage of an engagement's resolved plan."""

    stage_index: int
    duration_in_minutes: int
    """Minutes from this stage's start until the next stage starts."""
    targets: list[EngagementTarget] = []
    """The personal contacts it pages, on-call schedules resolved at the engagement's start."""


class EngagementStarted(_Change, frozen=True):
    """An engagement began; stage 0's pages are created in the same transaction.

    ``stages`` is the resolved plan: for an ESCALATION contact its stages; for an
    ONCALL_SCHEDULE one stage of whoever was on call; for a PERSONAL contact one stage per
    stage of its engagement plan, each targeting the contact (at least one stage). The
    escalation service starts stage *k* (k ≥ 1) with :class:`StartEngagementStage` when
    the durations of stages 0..k-1 have passed.
    """

    engagement_arn: str
    contact_arn: str
    """The contact engaged (any type)."""
    contact_type: ContactType
    sender: str
    subject: str
    start_time: datetime
    incident_id: str | None = None
    stages: list[EngagementStage] = []


class EngagementStageStarted(_Change, frozen=True):
    """A stage of an engagement started: its targets were paged (``page_arns``, possibly
    none when nobody had an activated channel)."""

    engagement_arn: str
    contact_arn: str
    """The contact engaged (any type)."""
    stage_index: int
    start_time: datetime
    round: int = 0
    """The repetition of an escalation plan (0 the first run)."""
    incident_id: str | None = None
    page_arns: list[str] = []
    contact_arns: list[str] = []
    """The PERSONAL contacts the stage paged."""


class EngagementStopped(_Change, frozen=True):
    """``StopEngagement``: no further stage starts and no further page is created."""

    engagement_arn: str
    contact_arn: str
    stop_time: datetime
    incident_id: str | None = None
    reason: str | None = None
    pages_sent: list[str] = []
    """Pages of the engagement that were unread at the stop: their messages had gone out
    for delivery (one already handed to a provider is not recalled; one still waiting in
    the notifications service is not sent)."""


class PageCreated(_Change, frozen=True):
    """One personal contact was paged: delivery requests went to its activated channels."""

    page_arn: str
    engagement_arn: str
    contact_arn: str
    """The PERSONAL contact paged."""
    sent_time: datetime
    incident_id: str | None = None
    stage_index: int = 0
    """The engagement stage that created the page."""
    round: int = 0
    """The repetition of the escalation plan that created it (0 the first run), as its
    ``EngagementStageStarted`` has it."""
    sender: str = ""
    subject: str = ""
    channel_arns: list[str] = []
    """The channels a delivery was requested on (ACTIVATED ones only; may be empty)."""
    is_essential: bool = False
    """Whether reading it stops the engagement's progression."""
    accept_code_hashes: list[str] = []
    """The keyed HMACs (hex) of the accept code sent with it, under the data key of the
    region that created it: another region of the set checks a code with them
    (``AcceptPage``); never the code itself."""
    plan_minutes: list[int] = []
    """For a page reached through an escalation plan or on-call schedule: the
    ``DurationInMinutes`` of each stage of the paged contact's own engagement plan. Stage 0's
    channels were sent to with the page; the escalation service starts each later one
    (``PageStageDue``) after the durations before it, until the page is read. Empty for a
    PERSONAL contact engaged directly, whose plan is the engagement's own stages."""


class PageReceiptRecorded(_Change, frozen=True):
    """A receipt was added to a page (SENT, DELIVERED, READ, ERROR or STOP)."""

    page_arn: str
    engagement_arn: str
    contact_arn: str
    receipt_type: ReceiptType
    receipt_time: datetime
    incident_id: str | None = None
    contact_channel_arn: str | None = None
    receipt_info: str | None = None
    retry_interval_in_minutes: int | None = None
    """For an ERROR on a channel: the channel's ``RetryIntervalInMinutes`` in the paged
    contact's engagement plan, when it has one; the escalation service retries the channel
    that often while the stage is live."""
    waiting: bool = False
    """An ERROR saying why a delivery waits (no provider, a rate limit, a retry), not that it
    failed; its ``ReceiptInfo`` starts with ``Waiting (``."""


class PageAccepted(_Change, frozen=True):
    """``AcceptPage`` succeeded: a delivery confirmation or an acknowledgement (READ)."""

    page_arn: str
    engagement_arn: str
    contact_arn: str
    accept_type: AcceptType
    accept_time: datetime
    incident_id: str | None = None
    contact_channel_arn: str | None = None
    note: str | None = None
    progression_stopped: bool = False
    """This acceptance stopped the engagement's progression (an essential READ)."""


class PageCodeAdded(_Change, frozen=True):
    """An existing page was sent again with a fresh accept code (a later stage of a
    PERSONAL contact's plan, a channel retry): that code accepts it too."""

    page_arn: str
    engagement_arn: str
    contact_arn: str
    accept_code_hash: str
    """The new code's keyed HMAC (hex), as in :attr:`PageCreated.accept_code_hashes`."""
    incident_id: str | None = None
    timer_id: str | None = None
    """The escalation timer whose demand sent it (a plan stage's ``PageStageDue``, a
    ``ChannelRetryDue``): done, so no other region of the set fires that timer again;
    None for a stage's start."""


class PageCodeRefused(_Change, frozen=True):
    """A wrong accept code was tried on a page here: how many this region has refused so
    far. Each region counts its own; a page's codes are void once the regions' counts
    together reach the limit (5)."""

    page_arn: str
    engagement_arn: str
    contact_arn: str
    wrong_codes: int
    incident_id: str | None = None


FailureReason = Literal["CONTACT_NOT_FOUND", "NESTED_ESCALATION", "NOBODY_ON_CALL",
                        "NO_ACTIVATED_CHANNEL", "DELIVERY_FAILED"]
"""Why someone could not be paged: the contact (or a target of its plan) no longer exists;
a target is an escalation plan inside an escalation plan; an on-call schedule had nobody
on call at that moment; a person has no activated channel in their engagement plan; every
provider refused every channel the page went to (dead letters)."""


class EngagementFailure(Part, frozen=True):
    """One contact that could not be paged, and why."""

    contact_arn: str
    reason: FailureReason
    detail: str
    """A sentence for people (no address, no code)."""
    via: list[str] = []
    """The ESCALATION / ONCALL_SCHEDULE contacts it was reached through, outermost first."""


class EngagementFailed(_Event, frozen=True):
    """Paging reached nobody for some target: a stage (or the start of an engagement)
    paged fewer people than it named, or every delivery of a page was refused.

    The incidents service writes it on the incident's timeline (``Tocsin Engagement
    Failed``) and engages the fallback contact (``TOCSIN_FALLBACK_CONTACT``) once per
    incident, unless the failure is the fallback's own.
    """

    contact_arn: str
    """The contact engaged (any type): the engagement's, or the one that does not exist."""
    failed_at: datetime
    failures: list[EngagementFailure]
    engagement_arn: str | None = None
    """None when the engaged contact itself did not exist (no engagement was made)."""
    incident_id: str | None = None
    stage_index: int | None = None
    page_arn: str | None = None
    """For ``DELIVERY_FAILED``: the page every delivery of which failed."""
    principal: str | None = None
    """The IAM principal whose request made the failed paging (the account's root when
    Tocsin paged by itself: a later stage, a dead letter)."""


# --- contacts, channels, rotations, tags and policies ----------------------------------
#
# Resource events carry the resource as ``Get*`` returns it, camelCase, without what is
# personal (a channel's address) or secret (a code); times as the API carries them (epoch
# seconds) except where noted.


class ContactCreated(_Change, frozen=True):
    """``CreateContact``: the contact as ``GetContact`` returns it, with its tags."""

    contact_arn: str
    alias: str
    type: ContactType
    plan: dict[str, Any]
    """The engagement plan (``stages``, ``rotationIds``), camelCase."""
    tags: dict[str, str]
    """The contact's tags (key → value)."""
    display_name: str | None = None


class ContactUpdated(_Change, frozen=True):
    """``UpdateContact``: the whole contact after the change."""

    contact_arn: str
    alias: str
    type: ContactType
    plan: dict[str, Any]
    display_name: str | None = None


class ContactDeleted(_Change, frozen=True):
    """``DeleteContact``: the contact, with the channels deleted with it."""

    contact_arn: str
    alias: str
    type: ContactType
    contact_channel_arns: list[str]


ChannelType = Literal["EMAIL", "SMS", "VOICE"]
ActivationStatus = Literal["ACTIVATED", "NOT_ACTIVATED"]


class _Channel(_Change, frozen=True):
    contact_channel_arn: str
    contact_arn: str
    name: str
    type: ChannelType
    activation_status: ActivationStatus
    address_sealed: str | None = None
    """The delivery address sealed under the data key of the region that wrote it
    (``tse1.`` text, :mod:`tocsin.shared.crypto`, bound to the channel's ARN): every region
    of the set opens it, nothing else does. Never the address itself."""
    address_index: str | None = None
    """The address's keyed blind index (hex) under the same key: how a number that texts
    Tocsin finds the channel in any region."""


class ContactChannelCreated(_Channel, frozen=True):
    """``CreateContactChannel``: the channel, its address sealed."""


class ContactChannelUpdated(_Channel, frozen=True, kw_only=True):
    """``UpdateContactChannel``: the whole channel after the change, its address sealed."""

    address_changed: bool
    """The address changed: the channel must be activated again."""


class ContactChannelActivated(_Channel, frozen=True):
    """A channel was activated (``ActivateContactChannel``)."""

    reason: str | None = None
    """``RESUBSCRIBED`` when an SMS owner who had texted STOP texted START."""


class ContactChannelDeactivated(_Channel, frozen=True, kw_only=True):
    """A channel was deactivated."""

    reason: str
    """``DEACTIVATED`` (``DeactivateContactChannel``) or ``ADDRESS_CHANGED``."""


class ContactChannelDeleted(_Change, frozen=True):
    """``DeleteContactChannel``."""

    contact_channel_arn: str
    contact_arn: str


class ContactChannelActivationCodeSent(_Event, frozen=True):
    """An activation code went out for delivery (never the code itself)."""

    contact_channel_arn: str
    contact_arn: str
    type: ChannelType
    expires_at: datetime
    """When the code stops activating the channel (RFC 3339, plan time)."""
    principal: str | None = None
    """The IAM principal whose request sent the code."""


class _Rotation(_Change, frozen=True):
    rotation_arn: str
    name: str
    contact_ids: list[str]
    start_time: float
    time_zone_id: str
    recurrence: dict[str, Any]
    """``RecurrenceSettings``, camelCase, ``shiftCoverages`` keyed by day."""


class RotationCreated(_Rotation, frozen=True):
    """``CreateRotation``: the rotation as ``GetRotation`` returns it, with its tags."""

    tags: dict[str, str]
    """The rotation's tags (key → value)."""


class RotationUpdated(_Rotation, frozen=True):
    """``UpdateRotation``: the whole rotation after the change."""


class RotationDeleted(_Change, frozen=True):
    """``DeleteRotation``."""

    rotation_arn: str
    name: str


class RotationOverrideCreated(_Change, frozen=True):
    """``CreateRotationOverride``."""

    rotation_arn: str
    rotation_override_id: str
    new_contact_ids: list[str]
    start_time: float
    end_time: float
    create_time: float


class RotationOverrideDeleted(_Change, frozen=True):
    """``DeleteRotationOverride``."""

    rotation_arn: str
    rotation_override_id: str


class ResourceTagged(tagging.ResourceTagged, _Event, frozen=True):
    """``TagResource`` on a contact or rotation."""


class ResourceUntagged(tagging.ResourceUntagged, _Event, frozen=True):
    """``UntagResource`` on a contact or rotation."""


class ContactPolicyPut(_Change, frozen=True):
    """``PutContactPolicy``."""

    contact_arn: str
    policy: str
    replaced: bool
    """The contact had a policy, which this one replaced."""


ContactsEvent = (EngagementStarted
    | EngagementFailed
    | EngagementStageStarted
    | EngagementStopped
    | PageCreated
    | PageReceiptRecorded
    | PageAccepted
    | PageCodeAdded | PageCodeRefused
    | ContactCreated | ContactUpdated | ContactDeleted
    | ContactChannelCreated | ContactChannelUpdated | ContactChannelDeleted
    | ContactChannelActivationCodeSent | ContactChannelActivated | ContactChannelDeactivated
    | RotationCreated | RotationUpdated | RotationDeleted
    | RotationOverrideCreated | RotationOverrideDeleted
    | ResourceTagged | ResourceUntagged | ContactPolicyPut)
"""Every event this service publishes, tagged by ``type``: decode one with
``decode(envelope.type, envelope.data, ContactsEvent)`` (:mod:`tocsin.shared.contracts.base`)."""

EVENT_TYPES: Final[dict[str, type[Event]]] = types_of(ContactsEvent)
"""Envelope ``type`` → the Struct of its ``data``."""


# --- Tocsin-internal requests ----------------------------------------------------------


CHANNEL_ADDRESS_INDEX: Final = "contact-channel.address"
"""The blind-index purpose of contact channel addresses (:class:`FindContactChannels`)."""


class _In(msgspec.Struct, rename="pascal", kw_only=True):
    """A request: PascalCase like ``ssm-contacts``, unknown members ignored."""


_TEXT = r"^[\\a-zA-Z0-9_@#%*+=:?.\/!\s-]*$"
Sender = Annotated[str, msgspec.Meta(max_length=255, pattern=_TEXT)]
IncidentId = Annotated[str, msgspec.Meta(max_length=1024, pattern=_TEXT)]
Subject = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
Content = Annotated[str, msgspec.Meta(min_length=1, max_length=8192)]
IdempotencyToken = Annotated[str, msgspec.Meta(max_length=2048,
                                               pattern=r"^[\\\/a-zA-Z0-9_+=\-]*$")]


class StartEngagement(_In):
    """``StartEngagement`` as the incidents service sends it (the AWS input shape).

    ``IncidentId`` is the incident-record ARN when an incident engages the contact; the
    engagement's events then carry it as their ``incident_arn`` correlation.
    """

    contact_id: str
    sender: Sender
    subject: Subject
    content: Content
    public_subject: Subject | None = None
    public_content: Content | None = None
    incident_id: IncidentId | None = None
    idempotency_token: IdempotencyToken | None = None


class StartEngagementStage(_In):
    """``tocsin.rpc.contacts.StartEngagementStage``: create the pages of one stage.

    Does nothing (``Started: false``) when the engagement is stopped, its progression was
    stopped by an essential acknowledgement, or the stage was already started. On-call
    schedules of the stage are resolved to whoever is on call when it starts. For a PERSONAL
    contact engaged directly, stage *k* sends to the channels of stage *k* of its engagement
    plan on the engagement's one page; otherwise each personal contact gets a new page.
    """

    engagement_arn: str
    stage_index: int
    round: int = 0
    """The repetition of an escalation plan: each round pages the stage's targets anew."""


class StartEngagementStageResult(_In):
    """The reply: whether pages were created, and which."""

    started: bool
    page_arns: list[str] = []
    reason: str | None = None
    """Why nothing was started: ``STOPPED``, ``PROGRESSION_STOPPED`` or ``ALREADY_STARTED``
    (then ``PageArns`` names the stage's pages). A stage index the plan does not have is a
    ``ValidationException``."""


class RecordPageReceipt(_In):
    """``tocsin.rpc.contacts.RecordPageReceipt``: a delivery outcome for one page.

    Idempotent per (page, type, info, time): a repeat returns without a second receipt.
    ``ReceiptTime`` (epoch seconds) defaults to now, so a retrying caller should send it.
    """

    page_id: str
    receipt_type: ReceiptType
    receipt_info: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)] | None = None
    receipt_time: Epoch | None = None
    contact_channel_id: str | None = None
    waiting: bool = False
    """An ``ERROR`` that says why a delivery waits (no provider, a rate limit, a retry), not
    that it failed: recorded, but no channel retry follows."""


class ReserveEngagementContacts(_In):
    """``tocsin.rpc.contacts.ReserveEngagementContacts``: the incidents service, inside the
    transaction that writes a response plan, asks what each of the plan's engagements is
    and records that the plan uses those that are contacts (``DeleteContact`` then checks
    with the incidents service before deleting one of them).

    The reply is ``{"Kinds": {arn: kind}}``: ``PERSONAL``, ``ESCALATION`` or
    ``ONCALL_SCHEDULE`` for a contact, ``CONTACT_CHANNEL`` or ``ROTATION`` for an ARN of
    another kind of contacts resource; an ARN that names nothing is absent. A contact being
    changed or deleted at that moment makes it a ``ConflictException`` (try again).
    """

    response_plan_arn: str
    contact_arns: Annotated[list[str], msgspec.Meta(max_length=5)]


class ReactivateContactChannel(_In):
    """``tocsin.rpc.contacts.ReactivateContactChannel``: activate a channel without a code.

    For the notifications service only, when the owner of an SMS channel that was
    deactivated because they texted STOP texts START from the same number (the provider's
    signed webhook vouches for the number). An active channel stays as it is;
    ``ContactChannelActivated`` carries ``reason: RESUBSCRIBED``.
    """

    contact_channel_id: str


class FindContactChannels(_In):
    """``tocsin.rpc.contacts.FindContactChannels``: the channels of a number that texted
    Tocsin, and their unread pages, for the notifications service.

    The number is never sent: ``AddressIndexes`` are its blind indexes (hex, purpose
    :data:`CHANNEL_ADDRESS_INDEX`) under each data key of the replication set, so a channel
    made in any region of the set is found. The reply is :class:`FoundContactChannels`.
    """

    address_indexes: list[str]
    type: ChannelType = "SMS"
    pages_since: float | None = None
    """Epoch seconds: unread pages sent to those channels since then are listed too."""


class FoundPage(_In):
    page_arn: str
    contact_channel_arn: str


class FoundContactChannels(_In):
    contact_channel_arns: list[str] = []
    pages: list[FoundPage] = []
    """Unread pages sent to the channels since ``PagesSince``, the newest first."""


class StopIncidentEngagements(_In):
    """``tocsin.rpc.contacts.StopIncidentEngagements``: the incident was resolved (or
    deleted), so every running engagement of it stops and none may start until it is
    re-opened (the incidents service calls this before its resolve commits; the contacts
    service also acts on ``IncidentRecordResolved`` itself, for when it was unreachable).

    ``ChangedTime`` (epoch seconds) is when the incident changed: of two changes of one
    incident, the later wins, however late the earlier one arrives. Idempotent; answers
    ``StoppedEngagementArns``.
    """

    incident_id: str
    reason: Annotated[str, msgspec.Meta(max_length=255)]
    changed_time: float
