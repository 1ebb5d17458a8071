"""The directory's rules: what a contact and its plan are, and the rules of tags and
contact policies. Pure: no I/O, no clock.

A contact's ``Type`` says what its ``Plan`` is:

- ``PERSONAL`` — an *engagement plan*: stages whose targets are ``ChannelTargetInfo``
  naming channels of that same contact (so a new personal contact starts with stages
  without targets, and gets channel targets from ``UpdateContact`` once its channels exist);
- ``ESCALATION`` — an *escalation plan*: stages whose targets are ``ContactTargetInfo``
  naming existing ``PERSONAL`` or ``ONCALL_SCHEDULE`` contacts (no nested escalation plans);
- ``ONCALL_SCHEDULE`` — ``RotationIds`` naming existing rotations, and no stages.

Each target sets exactly one of ``ChannelTargetInfo`` and ``ContactTargetInfo``; a stage
without targets must last at least a minute. A plan that breaks a rule is a
``ValidationException`` naming the member.

The ``contact`` table's ``plan`` column holds the plan exactly as ``GetContact`` returns it
(PascalCase, ``Stages`` always present, ``RotationIds`` for on-call schedules only), so the
engagement code reads it as the API describes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from tocsin.shared import policies
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.errors import ValidationError

if TYPE_CHECKING:
    from tocsin.contacts.directory.requests import Plan, Tag

__all__ = [
    "CHANNEL",
    "CONTACT",
    "MAX_ROTATIONS",
    "MAX_TAGS",
    "ROTATION",
    "ROTATION_MEMBER",
    "TAG_QUOTA_CODE",
    "Contact",
    "ContactType",
    "PlanReferences",
    "camel",
    "check_plan",
    "check_policy",
    "plan_output",
    "resource_type_of",
    "tag_dict",
    "tag_list",
]

JSON = dict[str, Any]

CONTACT = "CONTACT"
"""``ResourceType`` of a contact (any type) in error replies."""
CHANNEL = "CONTACT_CHANNEL"
"""``ResourceType`` of a contact channel in error replies."""
ROTATION = "ROTATION"
"""``ResourceType`` of a rotation in error replies."""
ROTATION_MEMBER = "ROTATION_MEMBER"
"""``DependentEntity.RelationType`` when rotations keep a contact from being deleted: the
contact is a member of each rotation in ``DependentResourceIds``."""

MAX_ROTATIONS = 25
"""Most rotations an on-call schedule names (``Plan.RotationIds``)."""

ContactType = Literal["PERSONAL", "ESCALATION", "ONCALL_SCHEDULE"]

MAX_TAGS = 50
"""Most tags one resource carries."""

TAG_QUOTA_CODE = "TagsPerResource"
"""``QuotaCode`` of the 50-tag quota; AWS publishes none, so this one is Tocsin's."""


# --- the rules of plans -----------------------------------------------------------------


class PlanReferences(msgspec.Struct, frozen=True, kw_only=True):
    """What a plan names, each with the member that names it first (for messages)."""

    channels: dict[str, str]
    contacts: dict[str, str]
    rotations: dict[str, str]


def check_plan(contact_type: str, plan: Plan) -> PlanReferences:
    """Check the shape of ``plan`` for a contact of ``contact_type``; return what it names.

    Raises:
        ValidationError: naming the member that breaks a rule.
    """
    channels: dict[str, str] = {}
    contacts: dict[str, str] = {}
    rotations: dict[str, str] = {}
    stages = plan.stages or []
    if contact_type == "ONCALL_SCHEDULE":
        if stages:
            raise ValidationError(
                "Plan.Stages must be empty for an ONCALL_SCHEDULE contact: an on-call "
                "schedule engages whoever is on call in its Plan.RotationIds")
        ids = plan.rotation_ids or []
        if len(ids) > MAX_ROTATIONS:
            raise ValidationError(
                f"Plan.RotationIds names {len(ids)} rotations; an on-call schedule has at "
                f"most {MAX_ROTATIONS}")
        for i, rotation in enumerate(ids):
            if rotation in rotations:
                raise ValidationError(
                    f"Plan.RotationIds[{i}]: rotation {rotation} is listed twice")
            rotations[rotation] = f"Plan.RotationIds[{i}]"
        return PlanReferences(channels=channels, contacts=contacts, rotations=rotations)
    if plan.rotation_ids:
        raise ValidationError(
            f"Plan.RotationIds is only for ONCALL_SCHEDULE contacts, not {contact_type}")
    for s, stage in enumerate(stages):
        where = f"Plan.Stages[{s}]"
        if not stage.targets and stage.duration_in_minutes == 0:
            raise ValidationError(
                f"{where}.DurationInMinutes can be 0 only if the stage has targets")
        for t, target in enumerate(stage.targets):
            at = f"{where}.Targets[{t}]"
            channel, contact = target.channel_target_info, target.contact_target_info
            if (channel is None) == (contact is None):
                raise ValidationError(
                    f"{at}: exactly one of ChannelTargetInfo and ContactTargetInfo must be set")
            if contact_type == "PERSONAL":
                if channel is None:
                    raise ValidationError(
                        f"{at}: a PERSONAL contact's engagement plan targets its own contact "
                        "channels (ChannelTargetInfo), not other contacts")
                channels.setdefault(channel.contact_channel_id,
                                    f"{at}.ChannelTargetInfo.ContactChannelId")
            else:
                if contact is None:
                    raise ValidationError(
                        f"{at}: an escalation plan targets contacts (ContactTargetInfo), not "
                        "contact channels")
                if not contact.contact_id:
                    raise ValidationError(f"{at}.ContactTargetInfo.ContactId is required")
                contacts.setdefault(contact.contact_id, f"{at}.ContactTargetInfo.ContactId")
    return PlanReferences(channels=channels, contacts=contacts, rotations=rotations)


def plan_output(contact_type: str, plan: Plan) -> JSON:
    """``plan`` as ``GetContact`` returns it (and as the ``contact`` table keeps it)."""
    out: JSON = {"Stages": msgspec.to_builtins(plan.stages or [])}
    if contact_type == "ONCALL_SCHEDULE":
        out["RotationIds"] = list(plan.rotation_ids or [])
    return out


# --- contacts ---------------------------------------------------------------------------


class Contact(msgspec.Struct, frozen=True, kw_only=True):
    """A row of ``contact``."""

    arn: str
    alias: str
    type: ContactType
    display_name: str | None
    plan: JSON
    version: int = 1
    """Counts the contact's changes (its plan, tags and policy included)."""

    def summary(self) -> JSON:
        """The ``Contact`` shape of ``ListContacts``."""
        out: JSON = {"ContactArn": self.arn, "Alias": self.alias, "Type": self.type}
        if self.display_name is not None:
            out["DisplayName"] = self.display_name
        return out

    def output(self) -> JSON:
        """The ``GetContact`` output."""
        return {**self.summary(), "Plan": self.plan}

    def created(self, tags: dict[str, str], *, by: str) -> cc.ContactCreated:
        return cc.ContactCreated(contact_arn=self.arn, alias=self.alias, type=self.type,
                                 plan=camel(self.plan), tags=dict(sorted(tags.items())),
                                 display_name=self.display_name,
                                 resource_version=self.version, principal=by)

    def updated(self, *, by: str) -> cc.ContactUpdated:
        return cc.ContactUpdated(contact_arn=self.arn, alias=self.alias, type=self.type,
                                 plan=camel(self.plan), display_name=self.display_name,
                                 resource_version=self.version, principal=by)

    def deleted(self, channels: list[str], *, by: str) -> cc.ContactDeleted:
        """Its deletion, the contact's last change (the row, locked by the caller, is
        gone with it)."""
        return cc.ContactDeleted(contact_arn=self.arn, alias=self.alias, type=self.type,
                                 contact_channel_arns=channels,
                                 resource_version=self.version + 1, principal=by)


# --- tags and policies ------------------------------------------------------------------


def tag_dict(tags: Iterable[Tag]) -> dict[str, str]:
    """``Tags`` as key → value (a later tag of a key wins).

    Raises:
        ValidationError: a tag has no key or no value.
    """
    out: dict[str, str] = {}
    for i, tag in enumerate(tags):
        if tag.key is None or tag.value is None:
            raise ValidationError(f"Tags[{i}] must have a Key and a Value")
        out[tag.key] = tag.value
    return out



def tag_list(tags: dict[str, str]) -> list[JSON]:
    """Key → value as the ``Tags`` list of ``ListTagsForResource``, by key."""
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


_KIND = re.compile(r"^arn:[^:]+:ssm-contacts:[^:]*:[^:]*:(?P<kind>contact|rotation)/[^/]+$")


def resource_type_of(arn: str) -> str | None:
    """``CONTACT`` or ``ROTATION`` by the ARN's shape, or None for an ARN that names
    nothing taggable (whether the resource exists is not looked at)."""
    m = _KIND.match(arn)
    if m is None:
        return None
    return CONTACT if m["kind"] == "contact" else ROTATION


def check_policy(document: str) -> None:
    """Check a policy sharing a contact (see :func:`tocsin.shared.policies.check_policy`)."""
    policies.check_policy(document, shares="a contact", required=("Principal", "Action"))


# --- event data -------------------------------------------------------------------------


_FIRST = re.compile(r"^[A-Z]+(?=[A-Z][a-z]|$)|^[A-Z]")


def camel(value: Any) -> Any:
    """``value`` with every object key in camelCase (``ContactArn`` → ``contactArn``), for
    event data."""
    if isinstance(value, dict):
        return {_FIRST.sub(lambda m: m.group().lower(), k): camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value

