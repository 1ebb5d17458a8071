"""Engagements, pages, receipts and acknowledgement: ``StartEngagement``,
``StopEngagement``, ``DescribeEngagement``, ``ListEngagements``, ``DescribePage``,
``ListPagesByContact``, ``ListPagesByEngagement``, ``ListPageReceipts``,
``ListPageResolutions`` and ``AcceptPage``, and two Tocsin-internal operations,
``StartEngagementStage`` (what the escalation service's ``StageDue`` does, also callable
directly) and ``RecordPageReceipt`` (for the notifications service); their shapes are in
:mod:`tocsin.shared.contracts.contacts`.

**Resolution.** ``StartEngagement`` resolves the engaged contact into a plan of stages and
records it on the engagement:

- an ``ESCALATION`` contact: its stages, each target a ``PERSONAL`` contact or an
  ``ONCALL_SCHEDULE`` (targets that no longer exist, or that are escalation plans, are
  skipped, and reported as ``EngagementFailed``: :mod:`tocsin.contacts.engagements.failures`);
- an ``ONCALL_SCHEDULE``: one stage of whoever is on call now in each of its rotations
  (overrides included), each person once;
- a ``PERSONAL`` contact: one stage per stage of its own engagement plan (at least one),
  each targeting the contact itself.

Stage 0 starts at once; later stages are the escalation service's to time (it reads the
stages' durations from ``EngagementStarted``) and to start with its ``StageDue`` events
(:mod:`tocsin.contacts.engagements.due`), which do nothing once the engagement is stopped or its
progression was stopped. The on-call schedules of a later stage are resolved again when it
starts. Every stage start is an ``EngagementStageStarted`` event. An escalation plan
repeated by the escalation service (``TOCSIN_ESCALATION_REPEATS``) runs its stages again
in rounds, each paging the stage's targets anew.

**Channel retries.** An ``ERROR`` receipt on a channel carries the channel's
``RetryIntervalInMinutes`` in its event; the escalation service answers with a
``ChannelRetryDue`` while the stage is live, and the page is sent again on that channel
with a fresh accept code, unless it was read or the engagement stopped meanwhile.

**Pages.** Each personal contact a stage resolves to gets one page (each person once per
stage, essential if any route to it is): ARN ``page/<alias>/<uuid>``, its own random
6-digit accept code (``secrets``; only a salted SHA-256 of it is stored), and one delivery
request (:class:`~tocsin.shared.contracts.deliveries.PageDelivery` on
``deliveries.<region>.page``, through the outbox) per **ACTIVATED** channel that stage 0 of
the contact's engagement plan targets; a channel that is not activated is never engaged,
and a contact whose plan's first stage targets no activated channel gets a page without
deliveries. The rest of the contact's own plan follows: its ``PageCreated`` carries the
plan's stage durations, and the escalation service's ``PageStageDue`` sends the page on
stage *k*'s channels when the durations before it have passed, until the page is read or
the engagement stops. A PERSONAL contact engaged directly has one page for the whole engagement:
its stage *k* sends to the channels of stage *k* of its plan, with a fresh accept code
(every code sent with a page accepts it). A page's ``SENT`` receipts come from the
notifications service, one per delivery request once a provider accepted it (naming the
channel and the provider). The plaintext accept code goes only into the delivery request:
never into an event, a log line or a table.

**Receipts.** ``RecordPageReceipt`` adds a receipt once per (page, type, channel, info,
time) and sets ``DeliveryTime`` / ``ReadTime`` for the first ``DELIVERED`` / ``READ``; it is
a delivery report, not an acknowledgement (only ``AcceptPage``, with its code, stops a
plan). An ``ERROR`` marked ``Waiting`` says why a delivery waits (no provider, a rate limit,
a retry): it is listed with the page's receipts but starts no channel retry.

**Acceptance.** ``AcceptPage`` records a ``DELIVERED`` or ``READ`` receipt (``Note`` as its
``ReceiptInfo``) and sets the page's ``DeliveryTime`` / ``ReadTime`` the first time. A
``READ`` by a contact that is ``IsEssential`` in the escalation plan stops the plan's
progression; every page of a PERSONAL or ON-CALL engagement is essential, so a ``READ``
there stops the contact's further stages. ``PageAccepted`` is published the first time a
page is confirmed delivered and the first time it is read (later accepts of the same
type add receipts only, so a retried call does not acknowledge twice on the incident's
timeline). Accepting a page of a stopped engagement still records.

``AcceptCodeValidation`` defaults to ``ENFORCE`` (:data:`DEFAULT_ACCEPT_CODE_VALIDATION`):
the model leaves the default undocumented, and the reference's suggestion of ``IGNORE``
would let anyone who can name a page acknowledge it; a wrong code under ``ENFORCE`` is a
``ValidationException`` (the model lists no other fitting error for ``AcceptPage``;
``AccessDenied`` is reserved for authorization). ``IGNORE`` accepts any 6..10-digit code.
"""


from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import asyncpg
import msgspec

from tocsin.contacts.channels.store import open_address
from tocsin.contacts.directory.domain import CONTACT
from tocsin.contacts.engagements.domain import (
    DEFAULT_ACCEPT_CODE_VALIDATION,
    ENGAGEMENT,
    MAX_WRONG_CODES,
    PAGE,
    RESOLUTIONS_PAGE,
    ContactRow,
    EngagementRow,
    NewPage,
    NewReceipt,
    PageRow,
    Stage,
    StageTarget,
    code_hash,
    code_matches,
    engagement_output,
    incident_arn_of,
    instant,
    micros,
    new_code,
    page_output,
    plan_stages,
    position,
    resolution_tree,
)
from tocsin.contacts.engagements.failures import stage_failures
from tocsin.contacts.engagements.requests import (
    AcceptPage,
    EngagementId,
    ListEngagements,
    ListPageReceipts,
    ListPageResolutions,
    ListPagesByContact,
    ListPagesByEngagement,
    PageId,
    StopEngagement,
    TimeRange,
)
from tocsin.contacts.engagements.resolver import Person, Resolver
from tocsin.contacts.engagements.store import EngagementStore
from tocsin.contacts.usecases import JSON, Deps, UseCases, read_token
from tocsin.shared.bus import RpcRequest
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import deliveries as dc
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.db.outbox import write_message
from tocsin.shared.errors import ConflictError, NotFoundError, ValidationError
from tocsin.shared.events import emit
from tocsin.shared.logging import bind, context_headers, get_logger
from tocsin.shared.paging import make_token, page_size

__all__ = ["EngagementHandlers"]

log = get_logger(__name__)


@dataclass(slots=True)
class _Written:
    """What one stage start wrote, for the reply and the events."""

    by: str
    """The principal who caused it (the events' ``principal``)."""
    page_arns: list[str] = field(default_factory=list)
    events: list[cc.ContactsEvent] = field(default_factory=list)



class EngagementHandlers(UseCases):
    """Engagements, pages, receipts and acceptance."""

    def __init__(self, deps: Deps, *,
                 accept_code_validation: Literal["ENFORCE", "IGNORE"] =
                 DEFAULT_ACCEPT_CODE_VALIDATION) -> None:
        super().__init__(deps)
        self._accept_default = accept_code_validation
        self._deliveries = dc.subject(deps.region, dc.PAGE)

    # --- StartEngagement ----------------------------------------------------------------

    async def start_engagement(self, req: RpcRequest) -> JSON:
        cmd: cc.StartEngagement = req.decode(cc.StartEngagement)
        contact_arn = self._contact_arn(cmd.contact_id)
        by = self._by(req)

        async def body(conn: asyncpg.Connection) -> JSON:
            now = self._clock.now()
            resolver = Resolver(conn, now)
            contact = (await resolver.contacts([contact_arn])).get(contact_arn)
            if contact is None:
                raise NotFoundError(f"Contact {cmd.contact_id} does not exist",
                                    resource_type=CONTACT, resource_id=cmd.contact_id)
            incident = incident_arn_of(cmd.incident_id)
            if incident:
                await EngagementStore.lock_incident(conn, incident, shared=True)
                if await EngagementStore.incident_resolved(conn, incident):
                    raise ConflictError(
                        f"Incident {incident} is resolved: its engagements are stopped "
                        "until it is re-opened", resource_type="INCIDENT",
                        resource_id=incident)
            stages = await self._plan(resolver, contact)
            await resolver.resolve(stages)
            engagement = EngagementRow(
                arn=self._arns.engagement(contact.alias), contact_arn=contact.arn,
                contact_type=contact.type, sender=cmd.sender, subject=cmd.subject,
                content=cmd.content, public_subject=cmd.public_subject,
                public_content=cmd.public_content, incident_id=cmd.incident_id,
                start_time=now, stop_time=None, stop_reason=None,
                progression_stopped_time=None, stages=stages)
            bind(engagement_arn=engagement.arn, incident_arn=incident_arn_of(cmd.incident_id))
            await EngagementStore.insert_engagement(conn, engagement)
            previews = [await resolver.people(engagement, s) for s in stages]
            started = cc.EngagementStarted(
                engagement_arn=engagement.arn, contact_arn=contact.arn,
                contact_type=contact.type,  # type: ignore[arg-type]
                sender=cmd.sender, subject=cmd.subject, start_time=now,
                incident_id=cmd.incident_id,
                stages=[cc.EngagementStage(
                    stage_index=s.stage_index, duration_in_minutes=s.duration_in_minutes,
                    targets=[cc.EngagementTarget(
                        contact_arn=p.contact_arn, is_essential=p.is_essential, via=p.via,
                        channel_arns=[c.arn for c in p.channels]) for p in people])
                    for s, people in zip(stages, previews, strict=True)],
                resource_version=engagement.version, principal=by)
            written = _Written(by=by, events=[started])
            if stages:
                await EngagementStore.claim_stage(conn, engagement.arn, 0, at=now)
                await self._page(conn, engagement, stages[0], previews[0], now=now,
                                 written=written)
                written.events.append(self._stage_started(
                    engagement, stages[0], previews[0], written, now=now))
            await self._report(conn, resolver, engagement, stages[0] if stages else None,
                               previews[0] if stages else [], written, now=now)
            await self._emit(conn, engagement, written.events, now=now)
            log.info("engagement.started", contact_type=contact.type, stages=len(stages),
                     pages=len(written.page_arns))
            return {"EngagementArn": engagement.arn}

        try:
            # A storm's incidents engage their contacts at once: grouped, the engagements
            # share a transaction's BEGIN, COMMIT and token INSERT.
            return await self._once_grouped(req, cmd.idempotency_token, body)
        except NotFoundError:
            if incident_arn_of(cmd.incident_id):
                await self._report_missing(cmd, contact_arn, by=by)
            raise

    async def _report_missing(self, cmd: cc.StartEngagement, contact_arn: str, *,
                              by: str) -> None:
        """An incident engages a contact that does not exist: ``EngagementFailed`` (once
        per idempotency token), so the incident's timeline says so and the fallback
        contact is engaged."""
        async with transaction(self._pool) as conn:
            if cmd.idempotency_token and await already_processed(
                    conn, consumer="contacts-missing-contact", event_id=cmd.idempotency_token):
                return
            now = self._clock.now()
            failed = cc.EngagementFailed(
                contact_arn=contact_arn, failed_at=now, incident_id=cmd.incident_id,
                failures=[cc.EngagementFailure(
                    contact_arn=contact_arn, reason="CONTACT_NOT_FOUND",
                    detail=f"Contact {cmd.contact_id} does not exist")], principal=by)
            await emit(conn, failed, region=self._region, now=now,
                       incident_arn=incident_arn_of(cmd.incident_id))
        log.warning("engagement.contact_missing", contact=contact_arn)

    def _contact_arn(self, contact_id: str) -> str:
        """A contact ARN, or an alias of this region's contact, as an ARN."""
        return contact_id if contact_id.startswith("arn:") else self._arns.contact(contact_id)

    async def _plan(self, resolver: Resolver, contact: ContactRow) -> list[Stage]:
        """The engagement's stages as configured, before resolution."""
        stages = plan_stages(contact.plan)
        if contact.type == "PERSONAL":
            return [Stage(stage_index=k, duration_in_minutes=int(s.get("DurationInMinutes", 0)),
                          targets=[StageTarget(contact_arn=contact.arn, type="PERSONAL",
                                               is_essential=True, channel_stage=k)])
                    for k, s in enumerate(stages)] or [
                Stage(stage_index=0, duration_in_minutes=0,
                      targets=[StageTarget(contact_arn=contact.arn, type="PERSONAL",
                                           is_essential=True)])]
        if contact.type == "ONCALL_SCHEDULE":
            return [Stage(stage_index=0, duration_in_minutes=0,
                          targets=[StageTarget(contact_arn=contact.arn, type="ONCALL_SCHEDULE",
                                               is_essential=True)])]
        configured = [
            [(self._contact_arn(str(info["ContactId"])), bool(info.get("IsEssential", False)))
             for target in s.get("Targets") or []
             if isinstance(info := target.get("ContactTargetInfo"), dict)
             and info.get("ContactId")]
            for s in stages]
        found = await resolver.contacts([arn for targets in configured for arn, _ in targets])
        plan = []
        for k, (s, targets) in enumerate(zip(stages, configured, strict=True)):
            kept = []
            for arn, essential in targets:
                target = found.get(arn)
                if target is None or target.type == "ESCALATION":
                    log.warning("engagement.target_skipped", target=arn,
                                reason="missing" if target is None else "nested escalation")
                    resolver.skipped.append(cc.EngagementFailure(
                        contact_arn=arn, via=[contact.arn],
                        reason="CONTACT_NOT_FOUND" if target is None else "NESTED_ESCALATION",
                        detail=f"Stage {k}: contact {arn} does not exist any more"
                        if target is None else f"Stage {k}: contact {arn} is an escalation "
                        "plan, which an escalation plan cannot engage"))
                    continue
                kept.append(StageTarget(contact_arn=arn, type=target.type,
                                        is_essential=essential))
            plan.append(Stage(stage_index=k,
                              duration_in_minutes=int(s.get("DurationInMinutes", 0)),
                              targets=kept))
        return plan

    async def _page(self, conn: asyncpg.Connection, e: EngagementRow, stage: Stage,
                    people: list[Person], *, now: datetime, written: _Written,
                    page: PageRow | None = None, round_: int = 0,
                    retry: str = "") -> None:
        """Create the pages of ``stage`` (or send on ``page``, for a PERSONAL contact's
        later stage or a channel retry, named by ``retry``), request their deliveries and
        leave the SENT receipts to the notifications service, for when a provider accepts
        each."""
        new_pages: list[NewPage] = []
        deliveries: list[dc.PageDelivery] = []
        key = await self._keys.current() if people else None
        for person in people:
            assert key is not None
            alias = person.alias
            code = new_code()
            if page is None:
                page_arn = self._arns.page(alias)
                hashed = code_hash(key, page_arn, code)
                new_pages.append(NewPage(
                    arn=page_arn, engagement_arn=e.arn, contact_arn=person.contact_arn,
                    stage_index=stage.stage_index, is_essential=person.is_essential,
                    via=person.via, accept_code_hash=hashed, sent_time=now, round=round_))
                written.events.append(cc.PageCreated(
                    page_arn=page_arn, engagement_arn=e.arn, contact_arn=person.contact_arn,
                    sent_time=now, incident_id=e.incident_id, stage_index=stage.stage_index,
                    round=round_, sender=e.sender, subject=e.subject,
                    channel_arns=[c.arn for c in person.channels],
                    is_essential=person.is_essential, accept_code_hashes=[hashed.hex()],
                    plan_minutes=person.plan_minutes, resource_version=1,
                    principal=written.by))
            else:
                page_arn = page.arn
                if person.channels:
                    hashed = code_hash(key, page_arn, code)
                    version = await EngagementStore.add_code(conn, page_arn, hashed)
                    written.events.append(cc.PageCodeAdded(
                        page_arn=page_arn, engagement_arn=e.arn, contact_arn=page.contact_arn,
                        accept_code_hash=hashed.hex(), incident_id=e.incident_id,
                        timer_id=retry or None, resource_version=version,
                        principal=written.by))
            written.page_arns.append(page_arn)
            for channel in person.channels:
                public = channel.type == "SMS"
                deliveries.append(dc.PageDelivery(
                    id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{page_arn}#{stage.stage_index}"
                                      f"#{round_}#{channel.arn}#{retry}")),
                    page_arn=page_arn, engagement_arn=e.arn, contact_arn=person.contact_arn,
                    channel_arn=channel.arn, channel_type=channel.type,  # type: ignore[arg-type]
                    address=await open_address(self._keys, channel.arn, channel.address_sealed,
                                               channel.address),
                    subject=(e.public_subject or e.subject) if public else e.subject,
                    # An engagement this region took over from another has no content
                    # (its events never carry it): its pages say the subject.
                    content=((e.public_content or e.content) if public else e.content)
                    or e.subject,
                    accept_code=code, sender=e.sender, sent_at=now,
                    incident_id=e.incident_id, stage_index=stage.stage_index,
                    channel_name=channel.name, contact_alias=alias))
        await EngagementStore.insert_pages(conn, new_pages)
        await EngagementStore.record_channels(
            conn, [(d.page_arn, d.channel_arn) for d in deliveries])
        headers = context_headers()
        for delivery in deliveries:
            await write_message(conn, self._deliveries, await dc.seal(self._keys, delivery),
                                msg_id=delivery.id, headers=headers)

    @staticmethod
    def _receipt_event(e: EngagementRow, r: NewReceipt, *,
                       contact_arn: str, version: int, by: str) -> cc.PageReceiptRecorded:
        return cc.PageReceiptRecorded(
            page_arn=r.page_arn, engagement_arn=e.arn, contact_arn=contact_arn,
            receipt_type=r.receipt_type,  # type: ignore[arg-type]
            receipt_time=r.receipt_time, incident_id=e.incident_id,
            contact_channel_arn=r.contact_channel_arn, receipt_info=r.receipt_info,
            resource_version=version, principal=by)

    async def _emit(self, conn: asyncpg.Connection, e: EngagementRow,
                    events: list[cc.ContactsEvent], *, now: datetime) -> None:
        """Write the events of one change in one statement, correlated to the engagement
        and, when it has one, its incident."""
        await emit(conn, events, region=self._region, now=now,
                   incident_arn=incident_arn_of(e.incident_id), engagement_arn=e.arn)

    # --- StartEngagementStage (internal) ------------------------------------------------

    async def start_engagement_stage(self, req: RpcRequest) -> JSON:
        cmd: cc.StartEngagementStage = req.decode(cc.StartEngagementStage)
        async with transaction(self._pool) as conn:
            return await self.start_stage(conn, cmd.engagement_arn, cmd.stage_index,
                                          round_=cmd.round, by=self._by(req))

    async def start_stage(self, conn: asyncpg.Connection, engagement_arn: str,
                          stage_index: int, *, round_: int = 0, by: str | None = None) -> JSON:
        """Page one stage (of one round) of an engagement, in the caller's transaction,
        unless the engagement stopped, its progression stopped or the stage started
        already; the ``StartEngagementStage`` reply. ``by`` is who asks (Tocsin itself
        when the escalation service's timer is due)."""
        bind(engagement_arn=engagement_arn)
        now = self._clock.now()
        e = await self._engagement(conn, engagement_arn, lock=True)
        bind(incident_arn=incident_arn_of(e.incident_id))
        if not 0 <= stage_index < len(e.stages) or round_ < 0:
            raise ValidationError(
                f"StageIndex {stage_index} is not a stage of {e.arn}, which has "
                f"{len(e.stages)}")
        if e.stop_time is not None:
            return _stage_result(False, reason="STOPPED")
        if e.progression_stopped_time is not None:
            return _stage_result(False, reason="PROGRESSION_STOPPED")
        if not await EngagementStore.claim_stage(conn, e.arn, stage_index, at=now,
                                                 round_=round_):
            personal = e.contact_type == "PERSONAL"
            pages = await EngagementStore.stage_pages(
                conn, e.arn, 0 if personal else stage_index, 0 if personal else round_)
            return _stage_result(False, reason="ALREADY_STARTED",
                                 page_arns=[p.arn for p in pages])
        stage = e.stages[stage_index]
        resolver = Resolver(conn, now)
        await resolver.resolve([stage])
        e = dataclasses.replace(e, version=await EngagementStore.save_plan(conn, e.arn,
                                                                            e.stages))
        people = await resolver.people(e, stage)
        page = None
        if e.contact_type == "PERSONAL":
            first = await EngagementStore.stage_pages(conn, e.arn, 0)
            page = first[0] if first else None
        written = _Written(by=by or self._by())
        await self._page(conn, e, stage, people, now=now, written=written, page=page,
                         round_=round_)
        written.events.append(self._stage_started(
            e, stage, people, written, now=now, round_=round_))
        await self._report(conn, resolver, e, stage, people, written, now=now)
        await self._emit(conn, e, written.events, now=now)
        log.info("engagement.stage_started", stage=stage_index, round=round_,
                 pages=len(written.page_arns))
        return _stage_result(True, page_arns=written.page_arns)

    async def _report(self, conn: asyncpg.Connection, resolver: Resolver, e: EngagementRow,
                      stage: Stage | None, people: list[Person], written: _Written, *,
                      now: datetime) -> None:
        """Add ``EngagementFailed`` to ``written`` when the stage (and, at the engagement's
        start, its plan) left someone unpaged (:mod:`tocsin.contacts.engagements.failures`)."""
        failures = list(resolver.skipped)
        resolver.skipped.clear()
        if stage is not None:
            failures += await stage_failures(
                conn, resolver.contacts, e, stage,
                {p.contact_arn: (p.via, bool(p.channels)) for p in people}, at=now)
        if failures:
            written.events.append(cc.EngagementFailed(
                contact_arn=e.contact_arn, failed_at=now, failures=failures,
                engagement_arn=e.arn, incident_id=e.incident_id,
                stage_index=stage.stage_index if stage else None, principal=written.by))
            log.warning("engagement.failed", stage=stage.stage_index if stage else None,
                        unpaged=len(failures))

    @staticmethod
    def _stage_started(e: EngagementRow, stage: Stage, people: list[Person],
                       written: _Written, *, now: datetime,
                       round_: int = 0) -> cc.EngagementStageStarted:
        return cc.EngagementStageStarted(
            engagement_arn=e.arn, contact_arn=e.contact_arn, stage_index=stage.stage_index,
            start_time=now, round=round_, incident_id=e.incident_id,
            page_arns=list(dict.fromkeys(written.page_arns)),
            contact_arns=[p.contact_arn for p in people], resource_version=e.version,
            principal=written.by)

    async def retry_channel(self, conn: asyncpg.Connection, page_arn: str, channel_arn: str,
                            *, retry: str) -> bool:
        """Send a page again on one of its channels, in the caller's transaction, unless
        the page was read, the engagement stopped or its progression stopped, or the
        channel is no longer activated; ``retry`` (the timer id) names the attempt."""
        async def on_channel(conn: asyncpg.Connection, e: EngagementRow,
                             page: PageRow) -> Person | None:
            channel = (await EngagementStore.activated_channels(conn, [channel_arn])).get(
                channel_arn)
            contact = (await EngagementStore.contacts(conn, [page.contact_arn])).get(
                page.contact_arn)
            if channel is None or channel.contact_arn != page.contact_arn or contact is None:
                return None
            return Person(page.contact_arn, page.is_essential, page.via, 0,
                           alias=contact.alias, channels=[channel])

        return await self._send_again(conn, page_arn, on_channel, retry=retry)

    async def page_stage(self, conn: asyncpg.Connection, page_arn: str, plan_stage: int, *,
                         timer: str) -> bool:
        """Send a page on the channels of stage ``plan_stage`` of the paged contact's own
        engagement plan (a page reached through an escalation plan or schedule), in the
        caller's transaction, unless the page was read or the engagement stopped."""
        async def plan_channels(conn: asyncpg.Connection, e: EngagementRow,
                                page: PageRow) -> Person | None:
            target = StageTarget(contact_arn=page.contact_arn, type="PERSONAL",
                                 is_essential=page.is_essential, channel_stage=plan_stage,
                                 resolved_to=[page.contact_arn])
            people = await Resolver(conn, self._clock.now()).people(
                e, Stage(stage_index=page.stage_index, duration_in_minutes=0,
                         targets=[target]))
            return people[0] if people and people[0].channels else None

        return await self._send_again(conn, page_arn, plan_channels, retry=timer)

    async def _send_again(self, conn: asyncpg.Connection, page_arn: str,
                          person_of: Callable[[asyncpg.Connection, EngagementRow, PageRow],
                                              Awaitable[Person | None]],
                          *, retry: str) -> bool:
        """Send an existing page to ``person_of``'s channels with a fresh accept code,
        unless it was read or its engagement stopped; False when nothing was sent."""
        found = await self._page_row(conn, page_arn)
        e = await self._engagement(conn, found.engagement_arn, lock=True)
        page = await self._page_row(conn, page_arn, lock=True)
        bind(engagement_arn=e.arn, incident_arn=incident_arn_of(e.incident_id))
        if page.read_time or e.stop_time or e.progression_stopped_time:
            log.info("page.resend_skipped", page_arn=page.arn, reason="read or stopped")
            return False
        person = await person_of(conn, e, page)
        if person is None:
            log.info("page.resend_skipped", page_arn=page.arn, reason="no activated channel")
            return False
        stage = e.stages[min(page.stage_index, len(e.stages) - 1)]
        written = _Written(by=self._by())
        now = self._clock.now()
        await self._page(conn, e, stage, [person], now=now, written=written, page=page,
                         retry=retry)
        await self._emit(conn, e, written.events, now=now)
        log.info("page.sent_again", page_arn=page.arn)
        return True

    async def _retry_interval(self, conn: asyncpg.Connection, e: EngagementRow,
                              page: PageRow, channel_arn: str) -> int | None:
        """The channel's ``RetryIntervalInMinutes`` in the paged contact's engagement plan:
        in the live stage for a PERSONAL contact engaged directly, else in the first stage
        that targets the channel."""
        contact = (await EngagementStore.contacts(conn, [page.contact_arn])).get(
            page.contact_arn)
        if contact is None:
            return None
        stages = plan_stages(contact.plan)
        if e.contact_type == "PERSONAL":
            live = await EngagementStore.live_stage(conn, e.arn)
            stages = stages[live:live + 1]
        for stage in stages:
            for target in stage.get("Targets") or []:
                info = target.get("ChannelTargetInfo")
                if isinstance(info, dict) and info.get("ContactChannelId") == channel_arn:
                    minutes = info.get("RetryIntervalInMinutes")
                    return int(minutes) if minutes else None
        return None

    # --- StopEngagement, DescribeEngagement, ListEngagements ----------------------------

    async def stop_engagement(self, req: RpcRequest) -> JSON:
        cmd: StopEngagement = req.decode(StopEngagement)
        bind(engagement_arn=cmd.engagement_id)
        async with transaction(self._pool) as conn:
            await self.stop(conn, cmd.engagement_id, reason=cmd.reason, by=self._by(req))
        return {}

    @property
    def pool(self) -> asyncpg.Pool:
        return self._pool

    async def stop(self, conn: asyncpg.Connection, engagement_arn: str, *,
                   reason: str | None, by: str | None = None) -> bool:
        """Stop a running engagement in the caller's transaction (its row locked first, as
        a stage start locks it); False when it was stopped already. Its ``EngagementStopped``
        names the unread pages that went out before it. ``by`` is who stops it (Tocsin
        itself when it acts on an incident's resolution)."""
        now = self._clock.now()
        e = await self._engagement(conn, engagement_arn, lock=True)
        version = await EngagementStore.stop(conn, e.arn, at=now, reason=reason)
        if version is None:
            return False
        sent = await EngagementStore.unread_pages(conn, e.arn)
        await self._emit(conn, e, [cc.EngagementStopped(
            engagement_arn=e.arn, contact_arn=e.contact_arn, stop_time=now,
            incident_id=e.incident_id, reason=reason, pages_sent=sent,
            resource_version=version, principal=by or self._by())], now=now)
        log.info("engagement.stopped", engagement_arn=e.arn, reason=reason)
        return True

    async def describe_engagement(self, req: RpcRequest) -> JSON:
        cmd: EngagementId = req.decode(EngagementId)
        async with self._pool.acquire() as conn:
            e = await self._engagement(conn, cmd.engagement_id)
        return engagement_output(e, full=True)

    async def list_engagements(self, req: RpcRequest) -> JSON:
        cmd: ListEngagements = req.decode(ListEngagements)
        limit = page_size(cmd.max_results)
        span = cmd.time_range_value or TimeRange()
        start = (instant(span.start_time, "TimeRangeValue.StartTime")
                 if span.start_time is not None else None)
        end = (instant(span.end_time, "TimeRangeValue.EndTime")
               if span.end_time is not None else None)
        if start and end and end < start:
            raise ValidationError("TimeRangeValue.EndTime is before TimeRangeValue.StartTime")
        async with self._pool.acquire() as conn:
            rows = await EngagementStore.list_engagements(
                conn, incident_id=cmd.incident_id, start=start, end=end,
                after=position(cmd.next_token), limit=limit + 1)
        out: JSON = {"Engagements": [engagement_output(e) for e in rows[:limit]]}
        if len(rows) > limit:
            out["NextToken"] = make_token([micros(rows[limit - 1].start_time),
                                           rows[limit - 1].arn])
        return out

    # --- pages ---------------------------------------------------------------------------

    async def describe_page(self, req: RpcRequest) -> JSON:
        cmd: PageId = req.decode(PageId)
        async with self._pool.acquire() as conn:
            page = await self._page_row(conn, cmd.page_id)
            e = await self._engagement(conn, page.engagement_arn)
        return page_output(page, e, full=True)

    async def list_pages_by_engagement(self, req: RpcRequest) -> JSON:
        cmd: ListPagesByEngagement = req.decode(ListPagesByEngagement)
        limit = page_size(cmd.max_results)
        async with self._pool.acquire() as conn:
            e = await self._engagement(conn, cmd.engagement_id)
            rows = await EngagementStore.pages_by_engagement(
                conn, e.arn, after=position(cmd.next_token), limit=limit + 1)
        out: JSON = {"Pages": [page_output(p, e) for p in rows[:limit]]}
        if len(rows) > limit:
            out["NextToken"] = make_token([micros(rows[limit - 1].sent_time),
                                           rows[limit - 1].arn])
        return out

    async def list_pages_by_contact(self, req: RpcRequest) -> JSON:
        cmd: ListPagesByContact = req.decode(ListPagesByContact)
        limit = page_size(cmd.max_results)
        arn = self._contact_arn(cmd.contact_id)
        async with self._pool.acquire() as conn:
            if not await EngagementStore.contacts(conn, [arn]):
                raise NotFoundError(f"Contact {cmd.contact_id} does not exist",
                                    resource_type=CONTACT, resource_id=cmd.contact_id)
            rows = await EngagementStore.pages_by_contact(
                conn, arn, after=position(cmd.next_token), limit=limit + 1)
            engagements = await EngagementStore.engagements(
                conn, [p.engagement_arn for p in rows[:limit]])
        out: JSON = {"Pages": [page_output(p, engagements[p.engagement_arn])
                               for p in rows[:limit]]}
        if len(rows) > limit:
            out["NextToken"] = make_token([micros(rows[limit - 1].sent_time),
                                           rows[limit - 1].arn])
        return out

    async def list_page_receipts(self, req: RpcRequest) -> JSON:
        cmd: ListPageReceipts = req.decode(ListPageReceipts)
        limit = page_size(cmd.max_results)
        after = int(read_token(cmd.next_token, int)) if cmd.next_token else None
        async with self._pool.acquire() as conn:
            page = await self._page_row(conn, cmd.page_id)
            rows = await EngagementStore.receipts(conn, page.arn, after=after,
                                                  limit=limit + 1)
        out: JSON = {"Receipts": [
            {k: v for k, v in {"ContactChannelArn": r.contact_channel_arn,
                               "ReceiptType": r.receipt_type, "ReceiptInfo": r.receipt_info,
                               "ReceiptTime": r.receipt_time.timestamp()}.items()
             if v is not None}
            for _, r in rows[:limit]]}
        if len(rows) > limit:
            out["NextToken"] = make_token(rows[limit - 1][0])
        return out

    async def list_page_resolutions(self, req: RpcRequest) -> JSON:
        """The engagement's resolution tree; ``PageId`` may name a page or its engagement."""
        cmd: ListPageResolutions = req.decode(ListPageResolutions)
        offset = int(read_token(cmd.next_token, int)) if cmd.next_token else 0
        async with self._pool.acquire() as conn:
            e = await EngagementStore.engagement(conn, cmd.page_id)
            if e is None:
                page = await self._page_row(conn, cmd.page_id)
                e = await self._engagement(conn, page.engagement_arn)
        tree = resolution_tree(e)
        chunk = tree[offset:offset + RESOLUTIONS_PAGE]
        out: JSON = {"PageResolutions": [
            {"ContactArn": n.contact_arn, "Type": n.type}
            | ({"StageIndex": n.stage_index} if n.stage_index is not None else {})
            for n in chunk]}
        if offset + RESOLUTIONS_PAGE < len(tree):
            out["NextToken"] = make_token(offset + RESOLUTIONS_PAGE)
        return out

    # --- AcceptPage, RecordPageReceipt --------------------------------------------------

    async def accept_page(self, req: RpcRequest) -> JSON:
        cmd: AcceptPage = req.decode(AcceptPage)
        validation = cmd.accept_code_validation or self._accept_default
        refused: ValidationError | None = None
        stopped = False
        async with transaction(self._pool) as conn:
            now = self._clock.now()
            # The engagement first, then the page: the order StartEngagementStage locks
            # them in, and what makes an essential READ and a stage start one-or-the-other.
            found = await self._page_row(conn, cmd.page_id)
            e = await self._engagement(conn, found.engagement_arn, lock=True)
            page = await self._page_row(conn, cmd.page_id, lock=True)
            bind(engagement_arn=e.arn, incident_arn=incident_arn_of(e.incident_id))
            if validation == "ENFORCE":
                refused = await self._refuse_code(conn, e, page, cmd.accept_code, now=now)
            if refused is None:
                stopped = await self._accept(req, cmd, conn, e, page, now)
        # Raised after the commit, so the count of wrong codes stays.
        if refused is not None:
            raise refused
        log.info("page.accepted", page_arn=page.arn, accept_type=cmd.accept_type,
                 progression_stopped=stopped)
        return {}

    async def _refuse_code(self, conn: asyncpg.Connection, e: EngagementRow, page: PageRow,
                           code: str, *, now: datetime) -> ValidationError | None:
        """Why ``code`` does not accept ``page`` (counting it when wrong), or None; after
        :data:`MAX_WRONG_CODES` wrong codes every code of the page is refused.

        The wrong codes of every region of the set count together: this region's own, and
        those the others reported (``PageCodeRefused``) by the time it checks. Regions cut
        off from each other can each refuse up to the limit before they hear of the
        others' refusals; once they hear, the page's codes are void everywhere."""
        elsewhere = await EngagementStore.wrong_codes_elsewhere(conn, page.arn)
        if page.wrong_codes + elsewhere >= MAX_WRONG_CODES:
            log.info("page.accept_refused", page_arn=page.arn, reason="void")
            return ValidationError(
                f"The accept codes of page {page.arn} are void after {MAX_WRONG_CODES} "
                "wrong codes")
        if code_matches(await self._keys.all(), page, code):
            return None
        # The page may come from a region whose data key this ring has not loaded yet.
        await self._keys.refresh()
        if code_matches(await self._keys.all(), page, code):
            return None
        mine = await EngagementStore.count_wrong_code(conn, page.arn)
        await self._emit(conn, e, [cc.PageCodeRefused(
            page_arn=page.arn, engagement_arn=e.arn, contact_arn=page.contact_arn,
            wrong_codes=mine, incident_id=e.incident_id, principal=self._by())], now=now)
        wrong = mine + elsewhere
        log.info("page.accept_refused", page_arn=page.arn, reason="wrong", wrong=wrong)
        left = MAX_WRONG_CODES - wrong
        void = (f"{left} more wrong code{'s' if left != 1 else ''} void it" if left > 0
                else "its codes are now void")
        return ValidationError(f"AcceptCode is not the code sent with page {page.arn}; "
                               f"{void}")

    async def _accept(self, req: RpcRequest, cmd: AcceptPage, conn: asyncpg.Connection,
                      e: EngagementRow, page: PageRow, now: datetime) -> bool:
        """Record the acceptance of ``page``; whether it stopped the engagement."""
        if cmd.contact_channel_id is not None:
            await self._check_channel(conn, page, cmd.contact_channel_id)
        receipt = NewReceipt(page_arn=page.arn, receipt_type=cmd.accept_type,
                             contact_channel_arn=cmd.contact_channel_id,
                             receipt_info=cmd.note, receipt_time=now)
        recorded = (await EngagementStore.insert_receipts(conn, [receipt]))[0]
        first = await EngagementStore.mark_page(conn, page.arn, cmd.accept_type, now)
        stopped = (cmd.accept_type == "READ" and page.is_essential
                   and await EngagementStore.stop_progression(conn, e.arn, at=now,
                                                              by=page.arn))
        events: list[cc.ContactsEvent] = []
        if recorded or first:
            version, by = await EngagementStore.bump_page(conn, page.arn), self._by(req)
            if recorded:
                events.append(self._receipt_event(
                    e, receipt, contact_arn=page.contact_arn, version=version, by=by))
            if first:
                events.append(cc.PageAccepted(
                    page_arn=page.arn, engagement_arn=e.arn, contact_arn=page.contact_arn,
                    accept_type=cmd.accept_type, accept_time=now,
                    incident_id=e.incident_id, contact_channel_arn=cmd.contact_channel_id,
                    note=cmd.note, progression_stopped=bool(stopped),
                    resource_version=version, principal=by))
        await self._emit(conn, e, events, now=now)
        return bool(stopped)

    async def record_page_receipt(self, req: RpcRequest) -> JSON:
        cmd: cc.RecordPageReceipt = req.decode(cc.RecordPageReceipt)
        if cmd.waiting and cmd.receipt_type != "ERROR":
            raise ValidationError("Waiting applies to ERROR receipts only")

        async def body(conn: asyncpg.Connection) -> JSON:
            now = self._clock.now()
            at = instant(cmd.receipt_time, "ReceiptTime") if cmd.receipt_time is not None else now
            page = await self._page_row(conn, cmd.page_id)
            e = await self._engagement(conn, page.engagement_arn)
            bind(engagement_arn=e.arn, incident_arn=incident_arn_of(e.incident_id))
            if cmd.contact_channel_id is not None:
                await self._check_channel(conn, page, cmd.contact_channel_id)
            receipt = NewReceipt(page_arn=page.arn, receipt_type=cmd.receipt_type,
                                 contact_channel_arn=cmd.contact_channel_id,
                                 receipt_info=cmd.receipt_info, receipt_time=at)
            recorded = (await EngagementStore.insert_receipts(conn, [receipt]))[0]
            if recorded:
                await EngagementStore.mark_page(conn, page.arn, cmd.receipt_type, at)
                event = self._receipt_event(
                    e, receipt, contact_arn=page.contact_arn,
                    version=await EngagementStore.bump_page(conn, page.arn), by=self._by(req))
                if cmd.waiting:
                    event = msgspec.structs.replace(event, waiting=True)
                elif cmd.receipt_type == "ERROR" and cmd.contact_channel_id:
                    event = msgspec.structs.replace(
                        event, retry_interval_in_minutes=await self._retry_interval(
                            conn, e, page, cmd.contact_channel_id))
                await self._emit(conn, e, [event], now=now)
            return {"Recorded": recorded}

        # The notifications service reports a storm's receipts many at once: grouped,
        # they share a transaction (a receipt is idempotent by its time, no token needed).
        return await self._once_grouped(req, None, body)

    # --- lookups --------------------------------------------------------------------------

    async def _engagement(self, conn: asyncpg.Connection, arn: str, *,
                          lock: bool = False) -> EngagementRow:
        e = await EngagementStore.engagement(conn, arn, lock=lock)
        if e is None:
            raise NotFoundError(f"Engagement {arn} does not exist", resource_type=ENGAGEMENT,
                                resource_id=arn)
        return e

    async def _page_row(self, conn: asyncpg.Connection, arn: str, *,
                        lock: bool = False) -> PageRow:
        page = await EngagementStore.page(conn, arn, lock=lock)
        if page is None:
            raise NotFoundError(f"Page {arn} does not exist", resource_type=PAGE,
                                resource_id=arn)
        return page

    async def _check_channel(self, conn: asyncpg.Connection, page: PageRow,
                             channel_arn: str) -> None:
        owner = await EngagementStore.channel_owner(conn, channel_arn)
        if owner != page.contact_arn:
            raise ValidationError(f"ContactChannelId {channel_arn} is not a channel of "
                                  f"{page.contact_arn}, the contact of page {page.arn}")


def _stage_result(started: bool, *, reason: str | None = None,
                  page_arns: list[str] | None = None) -> JSON:
    out: JSON = {"Started": started, "PageArns": page_arns or []}
    if reason:
        out["Reason"] = reason
    return out

