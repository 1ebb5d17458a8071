"""End to end, a region lost whole: two ``make run``s (``python -m tocsin.local``), east and
west, joined by a leaf link and sharing the key-encryption key, are the two regions of a
replication set; every process of east (its NATS, its PostgreSQL, its services and their
supervisor) is frozen and SIGKILLed at once.

While east is gone, west keeps serving reads (what east made before it died) and writes,
and an alarm published to west's NATS opens an incident there and pages (the mail reaches
a real SMTP server, aiosmtpd, shared by both regions). The engagement east started before
it died keeps escalating from west once ``TOCSIN_REGION_TAKEOVER_SECONDS`` have passed.
East started again on the same data catches up on everything west did, west gets what
east had committed before it died, both stores converge (``python -m tocsin.local.digest``
compared type by type), and no page was mailed twice.

One scenario (the module's fixture) is played once; each test asserts one of its outcomes.
"""

from __future__ import annotations

import asyncio
import configparser
import email
import email.policy
import json
import os
import random
import re
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
from aiosmtpd.controller import Controller

from tocsin.local.digest import database_url_of, region_digests
from tocsin.local.servers import address_in_use
from tocsin.shared.keys import new_master_key_line, write_master_key_file
from tocsin.shared.replication.digest import Digest
from tocsin.shared.testing import error_lines

from .test_make_run import Run, descendants, free_port, launch, start_time, stop, wait_gone

pytestmark = pytest.mark.timeout(1200)

EAST, WEST = "east", "west"
TAKEOVER_SECONDS = 10
STAGE_MINUTES = 1
"""Each stage of the on-call contacts' plans: stage 1 is due this long after the page."""
CLOCK_SCALE = 4
"""Plan time runs this much faster in both regions (one epoch for both, restarts
included): a stage passes in 15 s."""
STAGE_SECONDS = STAGE_MINUTES * 60 / CLOCK_SCALE
CONVERGE_TIMEOUT = 180.0
T = TypeVar("T")


# --- what the SMTP server saw ---------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    message_id: str
    to: tuple[str, ...]
    subject: str
    page_arn: str
    incident_arn: str
    activation_code: str
    channel_arn: str
    at: float


class Mailbox:
    """aiosmtpd's handler: every message accepted, in order."""

    def __init__(self) -> None:
        self.messages: list[Mail] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        m = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(Mail(
            message_id=str(m["Message-ID"] or ""), to=tuple(envelope.rcpt_tos),
            subject=str(m["Subject"] or ""), page_arn=str(m["X-Tocsin-Page-Arn"] or ""),
            incident_arn=str(m["X-Tocsin-Incident-Arn"] or ""),
            activation_code=str(m["X-Tocsin-Activation-Code"] or ""),
            channel_arn=str(m["X-Tocsin-Contact-Channel-Arn"] or ""), at=time.monotonic()))
        return "250 OK"

    def pages(self) -> list[Mail]:
        return [m for m in list(self.messages) if m.page_arn]


# --- helpers --------------------------------------------------------------------------------


def within(timeout: float, probe: Callable[[], T | None], every: float = 0.5) -> T | None:
    """``probe()``'s first truthy answer within ``timeout`` seconds, else None. A call that
    fails (a service not up yet) counts as no answer."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = probe()
        except Exception:
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            return None
        time.sleep(every)


def clients(run: Run, region: str) -> tuple[Any, Any]:
    """ssm-incidents and ssm-contacts clients of the region's gateway."""
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config

    creds = configparser.ConfigParser()
    creds.read(run.data_dir / "credentials")
    profile = creds["tocsin"]
    config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=3,
                    read_timeout=20)
    made = [boto3.client(
        api, endpoint_url=f"http://{run.http}", region_name=region,
        aws_access_key_id=profile["aws_access_key_id"],
        aws_secret_access_key=profile["aws_secret_access_key"], config=config)
        for api in ("ssm-incidents", "ssm-contacts")]
    return made[0], made[1]


LISTEN_PORTS = range(20000, 32000)
"""Where the regions listen: below Linux's ephemeral range (32768 on), so that while east
is down no outgoing connection takes a port east binds again when it restarts."""
_ports = random.SystemRandom()


def listen_port() -> int:
    while True:
        port = _ports.randrange(LISTEN_PORTS.start, LISTEN_PORTS.stop)
        if not address_in_use("127.0.0.1", port):
            return port


def ports(folder: Path) -> Run:
    """What :func:`launch` takes the ports of (``like``): HTTP, gRPC and NATS ports of
    :data:`LISTEN_PORTS`."""
    return Run(process=cast(Any, None), data_dir=folder / "data",
               http=f"127.0.0.1:{listen_port()}", grpc=f"127.0.0.1:{listen_port()}",
               nats=f"nats://127.0.0.1:{listen_port()}", output=folder / "output.log",
               health={}, tree={})


def kill_whole_region(run: Run) -> None:
    """Freeze every process of the run (supervisor first, so it starts no other), then
    SIGKILL them all: the region stops at one instant, nothing shut down in order."""
    tree = {run.process.pid: start_time(run.process.pid) or ""}
    os.kill(run.process.pid, signal.SIGSTOP)
    while True:
        found = {pid: started for pid, started in descendants(run.process.pid).items()
                 if pid not in tree}
        if not found:
            break
        for pid in found:
            os.kill(pid, signal.SIGSTOP)
        tree.update(found)
    for pid, started in tree.items():
        if start_time(pid) == started:
            os.kill(pid, signal.SIGKILL)
    run.process.wait()
    left = wait_gone(tree)
    assert left == [], f"processes of the region outlived SIGKILL: {left}"
    run.tree = {}


def digests(run: Run, region: str) -> dict[str, dict[str, Digest]]:
    return asyncio.run(region_digests(database_url_of(run.data_dir), region=region))


def differing(one: dict[str, dict[str, Digest]],
              other: dict[str, dict[str, Digest]]) -> list[str]:
    """The ``service.type`` whose digests differ."""
    return sorted(f"{s}.{k}" for s in one.keys() | other.keys()
                  for k in one.get(s, {}).keys() | other.get(s, {}).keys()
                  if one.get(s, {}).get(k) != other.get(s, {}).get(k))


def alarm(name: str) -> dict[str, Any]:
    """A CloudWatch "Alarm State Change" into ALARM."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": "111122223333", "time": "2026-12-07T01:00:00Z",
        "region": "eu-west-1",
        "resources": [f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"],
        "detail": {"alarmName": name, "state": {
            "value": "ALARM", "reason": "Threshold Crossed",
            "timestamp": "2026-12-07T01:00:00.000+0000"}},
    }


async def publish_alarm(nats_url: str, plan: str, event: dict[str, Any]) -> None:
    import nats

    nc = await nats.connect(nats_url, connect_timeout=5, max_reconnect_attempts=2)
    try:
        await nc.publish("alarms.cloudwatch", json.dumps(event).encode(),
                         headers={"Tocsin-Response-Plan": plan, "Nats-Msg-Id": event["id"]})
        await nc.flush()
    finally:
        await nc.close()


# --- the scenario ---------------------------------------------------------------------------


@dataclass
class Scenario:
    """What was made, and what was seen, in the order it happened."""

    plan_arn: str = ""
    oncall: dict[str, str] = field(default_factory=dict)
    """Alias → contact ARN: oncall-east made in east, oncall-west in west, each with an
    email channel of its region."""
    east_incident: str = ""
    """Started in east before it died, engaging both contacts."""
    east_last_note: str = ""
    """A timeline event east committed just before it died (not waited for in west)."""
    killed_at: float = 0.0
    pages_before_kill: list[Mail] = field(default_factory=list)
    reads_in_west: dict[str, bool] = field(default_factory=dict)
    writes_in_west: dict[str, str] = field(default_factory=dict)
    alarm_incident: str = ""
    """Opened in west by the alarm published while east was down."""
    alarm_page: Mail | None = None
    takeover_pages: list[Mail] = field(default_factory=list)
    """Mails for east's incident that arrived while east was down (only west sent them)."""
    restarted: bool = False
    caught_up_in_east: dict[str, bool] = field(default_factory=dict)
    committed_in_west: bool = False
    converged: list[str] | None = None
    """The types still differing at the deadline ([]: every type converged)."""
    digests: dict[str, dict[str, dict[str, Digest]]] = field(default_factory=dict)
    all_pages: list[Mail] = field(default_factory=list)
    """Every page mail, once the stores converged."""
    errors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _contact(contacts: Any, mailbox: Mailbox, alias: str) -> str:
    """A PERSONAL contact with an activated email channel: stage 0 mails it, stage 1
    mails it again ``STAGE_MINUTES`` of plan time later."""
    arn = str(contacts.create_contact(Alias=alias, Type="PERSONAL",
                                      Plan={"Stages": []})["ContactArn"])
    channel = str(contacts.create_contact_channel(
        ContactId=arn, Name="mail", Type="EMAIL",
        DeliveryAddress={"SimpleAddress": f"{alias}@example.com"})["ContactChannelArn"])
    code = within(60, lambda: next((m.activation_code for m in mailbox.messages
                                    if m.channel_arn == channel and m.activation_code), None))
    assert code, f"no activation mail for {alias}"
    contacts.activate_contact_channel(ContactChannelId=channel, ActivationCode=code)
    target = [{"ChannelTargetInfo": {"ContactChannelId": channel}}]
    contacts.update_contact(ContactId=arn, Plan={"Stages": [
        {"DurationInMinutes": STAGE_MINUTES, "Targets": target},
        {"DurationInMinutes": STAGE_MINUTES, "Targets": target}]})
    return arn


def _mailed_to_both(mailbox: Mailbox, incident: str) -> list[Mail] | None:
    """The page mails of ``incident``'s stage 0, once both on-call contacts have theirs."""
    found = [m for m in mailbox.pages() if m.incident_arn == incident]
    return found if len({m.to for m in found}) == 2 else None


def _sent(contacts: Any, page_arn: str) -> bool:
    receipts = contacts.list_page_receipts(PageId=page_arn)["Receipts"]
    return any(r["ReceiptType"] == "SENT" for r in receipts)


def _incident_for_alarm(incidents: Any, alarm_arn: str) -> str | None:
    for summary in incidents.list_incident_records()["incidentRecordSummaries"]:
        if summary["incidentRecordSource"].get("resourceArn") == alarm_arn:
            return str(summary["arn"])
    return None


def _notes(incidents: Any, incident: str) -> set[str]:
    events = incidents.list_timeline_events(incidentRecordArn=incident)["eventSummaries"]
    found = set()
    for summary in events:
        if summary["eventType"] == "Custom Event":
            got = incidents.get_timeline_event(incidentRecordArn=incident,
                                               eventId=summary["eventId"])
            found.add(json.loads(got["event"]["eventData"]))
    return found


def play(tmp: Path, mailbox: Mailbox, smtp_port: int, scenario: Scenario,
         runs: dict[str, Run]) -> None:
    key = tmp / "master.key"
    write_master_key_file(key, [new_master_key_line()])
    common: dict[str, Any] = dict(TOCSIN_MASTER_KEY_FILE=str(key), TOCSIN_SMTP_HOST="127.0.0.1",
                  TOCSIN_SMTP_PORT=str(smtp_port), TOCSIN_OUTBOX_POLL_INTERVAL="0.5",
                  TOCSIN_REGION_TAKEOVER_SECONDS=str(TAKEOVER_SECONDS),
                  TOCSIN_INBOX_RESCAN="2", TOCSIN_CLOCK_SCALE=str(CLOCK_SCALE),
                  TOCSIN_CLOCK_EPOCH=str(time.time()))
    east_env: dict[str, Any] = dict(common, TOCSIN_REGION=EAST,
                    TOCSIN_NATS_LEAF_LISTEN=f"127.0.0.1:{listen_port()}")
    for name in (EAST, WEST):
        (tmp / name).mkdir()
    runs[EAST] = east = launch(tmp / EAST, like=ports(tmp / EAST), **east_env)
    found = within(30, lambda: re.search(r"TOCSIN_NATS_LEAF_REMOTES=(\S+)", east.text()))
    assert found, "east printed no leaf URL"
    runs[WEST] = west = launch(tmp / WEST, like=ports(tmp / WEST), **common,
                               TOCSIN_REGION=WEST,
                               TOCSIN_NATS_LEAF_REMOTES=found.group(1))
    e_incidents, e_contacts = clients(east, EAST)
    w_incidents, w_contacts = clients(west, WEST)

    # The set of both regions, ACTIVE as west sees it.
    arn = e_incidents.create_replication_set(regions={EAST: {}, WEST: {}})["arn"]

    def active() -> bool:
        rs = w_incidents.get_replication_set(arn=arn)["replicationSet"]
        return rs["status"] == "ACTIVE" and {
            r["status"] for r in rs["regionMap"].values()} == {"ACTIVE"}
    assert within(120, active), "the replication set was not ACTIVE in west"

    # An on-call contact made in each region; a plan made in east engaging both.
    scenario.oncall["oncall-west"] = _contact(w_contacts, mailbox, "oncall-west")
    scenario.oncall["oncall-east"] = _contact(e_contacts, mailbox, "oncall-east")
    assert within(60, lambda: e_contacts.get_contact(
        ContactId=scenario.oncall["oncall-west"])), "west's contact not read in east"
    scenario.plan_arn = str(e_incidents.create_response_plan(
        name="api-outage", incidentTemplate={"title": "API outage", "impact": 2},
        engagements=list(scenario.oncall.values()))["arn"])
    assert within(60, lambda: w_incidents.get_response_plan(arn=scenario.plan_arn)), \
        "east's plan not read in west"
    assert within(60, lambda: w_contacts.get_contact(
        ContactId=scenario.oncall["oncall-east"])), "east's contact not read in west"

    # An incident started in east: its engagements page (stage 0 from east), and west
    # reads the incident.
    scenario.east_incident = str(e_incidents.start_incident(
        responsePlanArn=scenario.plan_arn, title="API outage (east)")["incidentRecordArn"])
    stage_0 = within(60, lambda: _mailed_to_both(mailbox, scenario.east_incident))
    assert stage_0, "east's stage-0 pages were not mailed to both contacts"
    # A mail the SMTP server took but east had not yet recorded as sent is mailed again
    # (same Message-ID) by whichever region goes on with it: east dies only once west
    # reads both SENT receipts.
    assert within(60, lambda: all(_sent(w_contacts, m.page_arn) for m in stage_0)), \
        "west never read the SENT receipts of east's stage-0 pages"
    assert within(60, lambda: w_incidents.get_incident_record(arn=scenario.east_incident)), \
        "east's incident not read in west"
    # Committed in east, and east dies before west is asked.
    scenario.east_last_note = "written in east just before it died"
    e_incidents.create_timeline_event(
        incidentRecordArn=scenario.east_incident, eventTime=time.time(),
        eventType="Custom Event", eventData=json.dumps(scenario.east_last_note))

    kill_whole_region(east)
    scenario.killed_at = time.monotonic()
    scenario.pages_before_kill = mailbox.pages()

    # West serves reads of what east made, and writes.
    scenario.reads_in_west = {
        "GetResponsePlan": bool(within(30, lambda: w_incidents.get_response_plan(
            arn=scenario.plan_arn))),
        "GetContact": bool(within(30, lambda: w_contacts.get_contact(
            ContactId=scenario.oncall["oncall-east"]))),
        "GetIncidentRecord": bool(within(30, lambda: w_incidents.get_incident_record(
            arn=scenario.east_incident))),
        "ListIncidentRecords": bool(within(30, lambda: scenario.east_incident in {
            s["arn"] for s in w_incidents.list_incident_records()[
                "incidentRecordSummaries"]})),
    }
    note = "written in west while east was down"
    w_incidents.create_timeline_event(
        incidentRecordArn=scenario.east_incident, eventTime=time.time(),
        eventType="Custom Event", eventData=json.dumps(note))
    scenario.writes_in_west["note"] = note
    scenario.writes_in_west["plan"] = str(w_incidents.create_response_plan(
        name="made-in-west", incidentTemplate={"title": "West", "impact": 3})["arn"])
    w_contacts.update_contact(ContactId=scenario.oncall["oncall-east"],
                              DisplayName="On call renamed in west")
    scenario.writes_in_west["display_name"] = "On call renamed in west"

    # An alarm published in west opens an incident there, and pages.
    ready = west.text()
    publisher = re.search(r"alarm publishers \(alarms\.> and changes\.> only\): (\S+)", ready)
    assert publisher, "west printed no alarm-publisher URL"
    event = alarm(f"api-latency-{uuid.uuid4().hex[:8]}")
    asyncio.run(publish_alarm(publisher.group(1), "api-outage", event))
    scenario.alarm_incident = within(
        60, lambda: _incident_for_alarm(w_incidents, event["resources"][0])) or ""
    if scenario.alarm_incident:
        scenario.alarm_page = within(60, lambda: next(
            (m for m in mailbox.pages() if m.incident_arn == scenario.alarm_incident), None))

    # East's engagements had stage 1 pending: after the takeover delay, west pages it.
    due = scenario.killed_at + STAGE_SECONDS + TAKEOVER_SECONDS + 45
    within(max(0.0, due - time.monotonic()), lambda: [
        m for m in mailbox.pages()
        if m.incident_arn == scenario.east_incident and m not in scenario.pages_before_kill])
    scenario.takeover_pages = [m for m in mailbox.pages()
                               if m.incident_arn == scenario.east_incident
                               and m not in scenario.pages_before_kill]

    # East again, on the same data and ports.
    runs[EAST] = east = launch(tmp / EAST, like=east, **east_env)
    scenario.restarted = True
    e_incidents, e_contacts = clients(east, EAST)
    scenario.caught_up_in_east = {
        "the alarm's incident": bool(scenario.alarm_incident) and bool(within(
            120, lambda: e_incidents.get_incident_record(arn=scenario.alarm_incident)))
        if scenario.alarm_incident else False,
        "west's note": bool(within(120, lambda: note in _notes(
            e_incidents, scenario.east_incident))),
        "west's plan": bool(within(120, lambda: e_incidents.get_response_plan(
            arn=scenario.writes_in_west["plan"]))),
        "west's rename": bool(within(120, lambda: e_contacts.get_contact(
            ContactId=scenario.oncall["oncall-east"]).get("DisplayName")
            == scenario.writes_in_west["display_name"])),
    }
    scenario.committed_in_west = bool(within(120, lambda: scenario.east_last_note in _notes(
        w_incidents, scenario.east_incident)))

    # Both stores converge, type by type.
    def same() -> bool:
        scenario.digests = {EAST: digests(east, EAST), WEST: digests(west, WEST)}
        scenario.converged = differing(scenario.digests[EAST], scenario.digests[WEST])
        return not scenario.converged
    within(CONVERGE_TIMEOUT, same, every=2.0)
    scenario.all_pages = mailbox.pages()
    for m in scenario.all_pages:  # shown with the outcome of a failed test
        print(f"page mail {m.at - scenario.killed_at:+7.1f}s from the kill to {m.to}: "
              f"{m.page_arn} for {m.incident_arn}")
    print("digests:", json.dumps({r: {s: {k: d.to_json() for k, d in kinds.items()}
                                      for s, kinds in found.items()}
                                  for r, found in scenario.digests.items()}, indent=1))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    tmp = tmp_path_factory.mktemp("region-loss")
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    played = Scenario()
    runs: dict[str, Run] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_CONFIG_FILE", str(tmp / "no-aws-config"))
        try:
            play(tmp, mailbox, smtp.port, played, runs)
            yield played
        finally:
            for run in runs.values():
                stop(run, signal.SIGTERM)
            smtp.stop()
    for name, run in runs.items():
        played.errors[name] = error_lines(run.text())
    assert played.errors == {EAST: [], WEST: []}, "a region logged ERROR lines"


# --- the outcomes ---------------------------------------------------------------------------


def test_west_serves_reads_and_writes_while_east_is_down(scenario: Scenario) -> None:
    assert scenario.reads_in_west == dict.fromkeys(
        ("GetResponsePlan", "GetContact", "GetIncidentRecord", "ListIncidentRecords"), True)
    assert set(scenario.writes_in_west) == {"note", "plan", "display_name"}


def test_an_alarm_in_west_opens_an_incident_and_pages_while_east_is_down(
        scenario: Scenario) -> None:
    assert scenario.alarm_incident, "the alarm published in west opened no incident"
    assert scenario.alarm_page is not None, "the alarm's incident paged nobody"


def test_east_catches_up_and_west_has_what_east_committed_before_it_died(
        scenario: Scenario) -> None:
    assert scenario.restarted
    assert scenario.caught_up_in_east == dict.fromkeys(
        ("the alarm's incident", "west's note", "west's plan", "west's rename"), True)
    assert scenario.committed_in_west, "east's last committed note never reached west"


def test_both_stores_converge_type_by_type(scenario: Scenario) -> None:
    assert scenario.converged == [], (
        f"still differing after {CONVERGE_TIMEOUT:.0f}s: {scenario.converged}")
    rows = {f"{s}.{k}": d.rows for s, kinds in scenario.digests[EAST].items()
            for k, d in kinds.items()}
    for kind in ("incidents.replication_set", "incidents.response_plans",
                 "incidents.incident_records", "incidents.timeline_events",
                 "contacts.contacts", "contacts.engagements", "contacts.pages"):
        assert rows[kind] > 0, kind  # each compared something


def test_no_page_was_mailed_twice(scenario: Scenario) -> None:
    """Each delivery's mail is sent once (a resend keeps its ``Message-ID``), and no page is
    mailed to a recipient more often than the paged contact's plan has stages."""
    assert scenario.all_pages, "no page mail at all"
    sent = Counter(m.message_id for m in scenario.all_pages)
    twice = [f"{m.at - scenario.killed_at:+.1f}s from the kill to {m.to}: {m.page_arn}"
             for m in scenario.all_pages if sent[m.message_id] > 1]
    assert not twice, f"a page mail was sent twice (same Message-ID): {twice}"
    per_page: dict[tuple[str, tuple[str, ...]], int] = {}
    for m in scenario.all_pages:
        per_page[(m.page_arn, m.to)] = per_page.get((m.page_arn, m.to), 0) + 1
    assert max(per_page.values()) <= 2, per_page


def test_an_engagement_east_started_keeps_escalating_from_west_after_the_takeover_delay(
        scenario: Scenario) -> None:
    """Stage 1 of east's engagements was due ``STAGE_SECONDS`` after the incident, while
    east was down: west, once east had been unreachable ``TOCSIN_REGION_TAKEOVER_SECONDS``,
    pages it (a mail for east's incident arriving while east is down can only come from
    west)."""
    before = [m.page_arn for m in scenario.pages_before_kill
              if m.incident_arn == scenario.east_incident]
    assert before and len(before) == len(set(before)), \
        "east had mailed more than stage 0 before it died: no stage was pending"
    assert scenario.takeover_pages, (
        "no page for east's incident while east was down: its engagement stopped "
        "escalating with it")
