"""Who a stage pages: its targets resolved to personal contacts (on-call schedules to
whoever is on call) and their activated channels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from tocsin.contacts.engagements.domain import (
    ChannelRow,
    ContactRow,
    EngagementRow,
    Stage,
    plan_stages,
)
from tocsin.contacts.engagements.store import EngagementStore
from tocsin.contacts.rotations.store import who_is_on_call
from tocsin.shared.contracts import contacts as cc

__all__ = ["Person", "Resolver"]


@dataclass(slots=True)
class Person:
    """A personal contact a stage pages, and how it was reached."""

    contact_arn: str
    is_essential: bool
    via: list[str]
    channel_stage: int
    alias: str = ""
    channels: list[ChannelRow] = field(default_factory=list)
    plan_minutes: list[int] = field(default_factory=list)
    """The durations of the person's own engagement plan's stages, when the page reaches
    them through an escalation plan or schedule (the later stages are timed by the
    escalation service); empty for a PERSONAL contact engaged directly."""



class Resolver:
    """Resolves stage targets to people and their channels, reading each contact, each
    rotation's on-call list and each channel once per call."""

    def __init__(self, conn: asyncpg.Connection, at: datetime) -> None:
        self._conn = conn
        self._at = at
        self._contacts: dict[str, ContactRow] = {}
        self._on_call: dict[str, list[str]] = {}
        self._channels: dict[str, ChannelRow] = {}
        self._channels_read: set[str] = set()
        self.skipped: list[cc.EngagementFailure] = []
        """Targets of an escalation plan that its engagement's start skipped."""

    async def contacts(self, arns: Sequence[str]) -> dict[str, ContactRow]:
        missing = [a for a in arns if a not in self._contacts]
        if missing:
            self._contacts.update(await EngagementStore.contacts(self._conn, missing))
        return {a: self._contacts[a] for a in arns if a in self._contacts}

    async def on_call(self, schedule: ContactRow) -> list[str]:
        people: list[str] = []
        for rotation in (schedule.plan or {}).get("RotationIds") or []:
            if rotation not in self._on_call:
                self._on_call[rotation] = list(
                    await who_is_on_call(self._conn, rotation, self._at))
            people.extend(self._on_call[rotation])
        return list(dict.fromkeys(people))

    async def resolve(self, stages: Sequence[Stage]) -> None:
        """Fill in each target's ``resolved_to`` as of now."""
        targets = [t for s in stages for t in s.targets]
        found = await self.contacts([t.contact_arn for t in targets])
        stamp = self._at.timestamp()
        for t in targets:
            contact = found.get(t.contact_arn)
            if contact is None:
                t.resolved_to = []
            elif t.type == "ONCALL_SCHEDULE":
                t.resolved_to = await self.on_call(contact)
            else:
                t.resolved_to = [t.contact_arn]
            t.resolved_time = stamp

    async def people(self, engagement: EngagementRow, stage: Stage) -> list[Person]:
        """The personal contacts ``stage`` pages, each once, with their activated channels."""
        people: dict[str, Person] = {}
        for t in stage.targets:
            route = [engagement.contact_arn] if engagement.contact_type != "PERSONAL" else []
            if t.type == "ONCALL_SCHEDULE" and t.contact_arn != engagement.contact_arn:
                route.append(t.contact_arn)
            for arn in t.resolved_to:
                if arn in people:
                    people[arn].is_essential |= t.is_essential
                else:
                    people[arn] = Person(arn, t.is_essential, list(route), t.channel_stage)
        found = await self.contacts(list(people))
        wanted: dict[str, list[str]] = {}
        for person in list(people.values()):
            contact = found.get(person.contact_arn)
            if contact is None or contact.type != "PERSONAL":
                del people[person.contact_arn]  # deleted since, or not a person
                continue
            person.alias = contact.alias
            stages = plan_stages(contact.plan)
            if engagement.contact_type != "PERSONAL":
                person.plan_minutes = [int(st.get("DurationInMinutes", 0)) for st in stages]
            targets = (stages[person.channel_stage].get("Targets") or []
                       if person.channel_stage < len(stages) else [])
            wanted[person.contact_arn] = [
                str(info["ContactChannelId"]) for target in targets
                if isinstance(info := target.get("ChannelTargetInfo"), dict)
                and info.get("ContactChannelId")]
        unread = [c for arns in wanted.values() for c in arns if c not in self._channels_read]
        if unread:
            self._channels.update(await EngagementStore.activated_channels(self._conn, unread))
            self._channels_read.update(unread)
        for arn, person in people.items():
            seen: set[str] = set()
            for channel_arn in wanted.get(arn, []):
                channel = self._channels.get(channel_arn)
                # Only the contact's own ACTIVATED channels, each once.
                if channel and channel.contact_arn == arn and channel_arn not in seen:
                    seen.add(channel_arn)
                    person.channels.append(channel)
        return list(people.values())

