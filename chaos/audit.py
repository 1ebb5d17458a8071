"""What a chaos run did, read back once the faults stopped and the flows settled: the
incidents and pages through the API, the timers and stages off the event stream, and
what the SMTP server and the SMS provider received; each promise as a figure, and a
failure for each figure that breaks one.

A *resend* is the one repetition an at-least-once hand-off to a provider cannot rule out
(a crash between the provider's acceptance and its record): it carries the first send's
``Message-ID`` (email) or ``Idempotency-Key`` (SMS, webhooks), so the receiving end
collapses it. A *duplicate delivery* is a second message about a page under another id:
that reaches the person twice, and is a defect.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
import nats
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from yarl import URL

from chaos.flows import RUNBOOK_STEPS, Load
from chaos.system import KEY_ID, SECRET, System

__all__ = ["Report", "audit", "events", "timers_settled"]

FIRED = frozenset({"StageDue", "PageStageDue", "ChannelRetryDue", "AcknowledgementTimedOut"})
"""The escalation events that say a timer fell due."""


@dataclass
class Report:
    """The figures of one run, in print order, and the promises broken."""

    figures: dict[str, float | int | str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def figure(self, name: str, value: float | int | str, *, must_be: int | None = None) -> None:
        self.figures[name] = value
        if must_be is not None and value != must_be:
            self.failures.append(f"{name} is {value}, not {must_be}")

    def lines(self) -> list[str]:
        return [f"chaos_{name}: {value}" for name, value in self.figures.items()]


async def events(system: System, subject: str) -> list[dict[str, Any]]:
    """Every event envelope on ``subject`` (a filter) in the region's event stream."""
    nc = await nats.connect(servers=[system.nats_url], name="chaos-audit", connect_timeout=5)
    try:
        js = nc.jetstream(timeout=10)
        sub = await js.pull_subscribe(subject, stream=f"EVENTS_{system.region.upper()}",
                                      config=ConsumerConfig(
                                          deliver_policy=DeliverPolicy.ALL,
                                          ack_policy=AckPolicy.NONE,
                                          inactive_threshold=60))
        found: list[dict[str, Any]] = []
        while True:
            pending = (await sub.consumer_info()).num_pending
            if not pending:
                break
            try:
                batch = await sub.fetch(min(pending, 1000), timeout=5)
            except TimeoutError:
                continue
            found += [json.loads(m.data) for m in batch]
        await sub.unsubscribe()
        return found
    finally:
        await nc.close()


def _timers(escalation: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]],
                                                        Counter[str], Counter[str]]:
    scheduled: dict[str, dict[str, Any]] = {}
    fired: Counter[str] = Counter()
    cancelled: Counter[str] = Counter()
    for e in escalation:
        timer = e["data"].get("timerId", "")
        if e["type"] == "TimerScheduled":
            scheduled[timer] = e["data"]
        elif e["type"] in FIRED:
            fired[timer] += 1
        elif e["type"] == "TimerCancelled":
            cancelled[timer] += 1
    return scheduled, fired, cancelled


async def timers_settled(system: System) -> bool:
    """Whether every timer scheduled so far has fallen due or been cancelled (after which
    no timer can page anyone again)."""
    scheduled, fired, cancelled = _timers(
        await events(system, f"events.{system.region}.escalation.>"))
    return all(fired[t] or cancelled[t] for t in scheduled)


def _paginate(client: Any, operation: str, key: str,
              **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(operation).paginate(**params):
        items += page[key]
    return items


async def audit(system: System, load: Load, report: Report) -> None:
    """Fill ``report`` with the figures of the run (after the flows settled)."""
    def read() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        incidents = _paginate(load.incidents, "list_incident_records",
                              "incidentRecordSummaries")
        pages = _paginate(load.contacts, "list_pages_by_contact", "Pages",
                          ContactId=load.contact)
        return incidents, pages

    incidents, pages = await asyncio.to_thread(read)
    escalation = await events(system, f"events.{system.region}.escalation.>")
    stages = await events(system, f"events.{system.region}.contacts.EngagementStageStarted")

    published = [f for f in load.flows if f.published]
    report.figure("alarms_published", len(published))
    report.figure("alarm_publish_retries", load.publish_retries)
    report.figure("api_call_retries", load.api_retries)
    report.figure("incident_lookups_failed", len(load.lookup_errors), must_be=0)
    report.failures += load.lookup_errors[:5]

    by_alarm: defaultdict[str, list[str]] = defaultdict(list)
    for record in incidents:
        by_alarm[record["incidentRecordSource"].get("resourceArn", "")].append(record["arn"])
    report.figure("incidents", len(incidents))
    report.figure("alarms_lost", sum(1 for f in published if not by_alarm.get(f.alarm_arn)),
                  must_be=0)
    report.figure("incidents_duplicated",
                  sum(len(by_alarm[f.alarm_arn]) - 1 for f in published
                      if len(by_alarm.get(f.alarm_arn, [])) > 1), must_be=0)
    report.figure("incidents_unexpected",
                  sum(len(arns) for alarm, arns in by_alarm.items()
                      if alarm not in load.by_alarm), must_be=0)

    pages_of: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for page in pages:
        pages_of[page.get("IncidentId", "")].append(page)
    deliveries = await _deliveries(system, [p["PageArn"] for p in pages])
    # What the providers received, by delivery request id (a mail's Message-ID is
    # "<delivery id@domain>"; an SMS's id is the request's).
    received: Counter[str] = Counter(m.message_id.strip("<>").partition("@")[0]
                                     for m in system.mailbox.messages if m.page_arn)
    received.update(s.id for s in system.receiver.sms if "activation code" not in s.text)
    stage_start: dict[str, datetime] = {
        e["data"]["engagementArn"]: datetime.fromisoformat(e["data"]["startTime"])
        for e in stages if e["data"]["stageIndex"] == 1}

    lost = after_ack = late_acks = unread = engagements_duplicated = escalations_lost = 0
    duplicates = resends = tocsin_resends = uncounted = 0
    known: set[str] = set()
    for flow in published:
        arns = by_alarm.get(flow.alarm_arn, [])
        if not arns:
            continue
        mine = pages_of.get(arns[0], [])
        engagements = {p["EngagementArn"] for p in mine}
        engagements_duplicated += max(0, len(engagements) - 1)
        if not mine:
            lost += 1
            continue
        read_at: datetime | None = min((p["ReadTime"] for p in mine if p.get("ReadTime")),
                                       default=None)
        escalated = [stage_start[e] for e in engagements if e in stage_start]
        if flow.acked and read_at is None:
            unread += 1
        if not flow.acknowledge and not escalated:
            escalations_lost += 1
        if flow.acknowledge and read_at is not None and escalated:
            if min(escalated) > read_at:
                after_ack += 1
            else:
                late_acks += 1  # stage 1 began before the acknowledgement
        requests = [d for p in mine for d in deliveries.get(p["PageArn"], [])]
        for channel, expected in (("EMAIL", 1), ("SMS", 1 if escalated else 0)):
            sent = [d for d in requests if d["channelType"] == channel]
            lost += max(0, expected - len(sent))
            duplicates += max(0, len(sent) - expected)
        for d in requests:
            known.add(d["deliveryId"])
            tocsin_resends += d.get("resends", 0)
            count = received[d["deliveryId"]]
            if not count and d["state"] != "expired":
                lost += 1
            resends += max(0, count - 1)
            # Each resend that reached the provider should be one Tocsin counted.
            uncounted += max(0, count - 1 - d.get("resends", 0))
    # A message about a page under an id no delivery request of the page has.
    duplicates += sum(n for i, n in received.items() if i not in known)
    report.figure("pages", len(pages))
    report.figure("page_deliveries", sum(len(v) for v in deliveries.values()))
    report.figure("page_mails_received", sum(1 for m in system.mailbox.messages if m.page_arn))
    report.figure("page_sms_received", sum(1 for s in system.receiver.sms
                                           if "activation code" not in s.text))
    report.figure("pages_lost", lost, must_be=0)
    report.figure("escalations_lost", escalations_lost, must_be=0)
    report.figure("engagements_duplicated", engagements_duplicated, must_be=0)
    report.figure("pages_after_acknowledgement", after_ack, must_be=0)
    report.figure("duplicate_deliveries", duplicates, must_be=0)
    report.figure("resends_same_message_id", resends)
    report.figure("resends_counted_by_tocsin", tocsin_resends)
    report.figure("resends_tocsin_did_not_count", uncounted)
    report.figure("acknowledged", sum(f.acked for f in published))
    report.figure("acknowledged_after_stage_1_began", late_acks)
    report.figure("acknowledgements_refused", sum(bool(f.ack_error) for f in published),
                  must_be=0)
    report.failures += [f"AcceptPage of {f.incident}: {f.ack_error}"
                        for f in published if f.ack_error][:5]
    report.figure("acknowledgements_unrecorded", unread, must_be=0)
    report.figure("provider_bad_signatures", system.receiver.bad_signatures, must_be=0)

    scheduled, fired, cancelled = _timers(escalation)
    report.figure("timers_scheduled", len(scheduled))
    report.figure("timers_due", sum(1 for t in scheduled if fired[t]))
    report.figure("timers_cancelled", sum(1 for t in scheduled if cancelled[t]))
    report.figure("timers_due_twice", sum(1 for n in fired.values() if n > 1), must_be=0)
    report.figure("timers_due_and_cancelled", sum(1 for t in fired if cancelled[t]),
                  must_be=0)
    report.figure("timers_unsettled", sum(1 for t in scheduled
                                          if not fired[t] and not cancelled[t]), must_be=0)
    started = Counter((e["data"]["engagementArn"], e["data"]["stageIndex"],
                       e["data"].get("round", 0)) for e in stages)
    report.figure("stages_started", len(started))
    report.figure("stages_started_twice", sum(1 for n in started.values() if n > 1),
                  must_be=0)

    await _runbooks(system, load, report, by_alarm)


async def _deliveries(system: System, pages: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each page's delivery requests, as Tocsin's ``GET /v1/deliveries`` tells them."""
    credentials = Credentials(KEY_ID, SECRET)
    slots = asyncio.Semaphore(8)

    async def one(http: aiohttp.ClientSession, arn: str) -> tuple[str, list[dict[str, Any]]]:
        url = f"{system.endpoint}/v1/deliveries?{urlencode({'pageArn': arn})}"
        request = AWSRequest(method="GET", url=url)
        SigV4Auth(credentials, "tocsin", system.region).add_auth(request)
        async with slots, http.get(URL(url, encoded=True), headers=dict(request.headers)) as r:
            r.raise_for_status()
            return arn, (await r.json())["deliveries"]

    async with aiohttp.ClientSession() as http:
        return dict(await asyncio.gather(*(one(http, arn) for arn in pages)))


async def _runbooks(system: System, load: Load, report: Report,
                    by_alarm: dict[str, list[str]]) -> None:
    flows = [f for f in load.flows if f.published and f.runbook and by_alarm.get(f.alarm_arn)]

    def executions(incident: str) -> list[str]:
        record = load.incidents.get_incident_record(arn=incident)["incidentRecord"]
        return [e["ssmExecutionArn"].rsplit("/", 1)[1]
                for e in record.get("automationExecutions") or []]

    def status(execution: str) -> tuple[str, list[str]]:
        ex = load.ssm.get_automation_execution(AutomationExecutionId=execution)
        ex = ex["AutomationExecution"]
        return ex["AutomationExecutionStatus"], [s["StepName"] for s in ex["StepExecutions"]
                                                 if s["StepStatus"] == "Success"]

    ids: list[str] = []
    missing = duplicated = 0
    for flow in flows:
        found = await asyncio.to_thread(executions, by_alarm[flow.alarm_arn][0])
        missing += not found
        duplicated += max(0, len(found) - 1)
        ids += found
    hits = Counter(system.receiver.hooks)
    unfinished = steps_lost = 0
    for execution in ids:
        state, done = await asyncio.to_thread(status, execution)
        if state != "Success":
            unfinished += 1
            report.failures.append(f"runbook execution {execution} ended {state} after "
                                   f"{', '.join(done) or 'no step'}")
        steps_lost += sum(1 for step in RUNBOOK_STEPS
                          if done.count(step) != 1 or not hits[f"{execution}/{step}"])
    known = {f"{e}/{s}" for e in ids for s in RUNBOOK_STEPS}
    report.figure("runbook_executions", len(ids))
    report.figure("runbook_executions_missing", missing, must_be=0)
    # An execution the webhook heard of that no incident names was started twice.
    report.figure("runbook_executions_duplicated", duplicated + len(
        {k.rpartition("/")[0] for k in hits if k not in known}), must_be=0)
    report.figure("runbook_executions_unfinished", unfinished, must_be=0)
    report.figure("runbook_steps_lost", steps_lost, must_be=0)
    report.figure("runbook_step_resends_same_idempotency_key",
                  sum(n - 1 for n in hits.values() if n > 1))

