"""``python -m bench.soak`` (``make soak``): a steady mixed load for ``TOCSIN_SOAK_SECONDS``
(default 1200, twenty minutes) against the whole system as ``make run`` starts it
(``python -m tocsin.local``: every service its own process, on throwaway NATS and
PostgreSQL, or those ``TOCSIN_NATS_URL`` / ``TOCSIN_DATABASE_URL`` name), with a real SMTP
server (aiosmtpd) taking the pages.

The load, each second: an alarm published on NATS (a new one: an incident, an engagement
of a two-stage escalation plan at ``TOCSIN_CLOCK_SCALE=60``, a page to alice, and to bob
when alice does not acknowledge: every other page is acknowledged with its mailed code),
API reads (incident records, one record, its timeline, contacts, pages) and writes (a
timeline note, incidents resolved a few seconds after they open), and every fifth second
a runbook started, then resumed past its pause.

It prints, at the start, every ``TOCSIN_SOAK_SAMPLE`` seconds (default a tenth of the run)
and at the end: each process's resident memory, open file descriptors and asyncio tasks
(its ``/metrics``), the database's size and the rows of the tables that could grow
without bound (outboxes, inboxes, client tokens, timers, deliveries, dedupe tables), and
each JetStream stream's messages and bytes.

**The rule** (growth that does not level off): over the last third of the run (the
samples from two thirds of the way between the first and the last on, three at least), the
least-squares slope of each process's memory, descriptors and tasks, times the last
third's length, must stay under a floor (16 MB, 10 descriptors, 50 tasks) or under 10 % of
the value where the last third starts. The first sample is taken after a minute (or a
tenth of a short run) of load, so warm-up (imports, caches, pools filling) is not counted.
Tables and streams are reported with the same slope (rows per minute), and not failed on:
incidents, pages and deliveries are history a deployment keeps; the tables with
retention (timers, inboxes, client tokens, inbound dedupe) show it only after their
retention period, which a soak does not reach.

Exit status 0 when the rule holds, every process still runs and the load saw no server
error; 1 otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import boto3
import botocore.config
import botocore.exceptions
import msgspec
import nats
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families

from tocsin.local.servers import EmbeddedServer, free_port, nats_server, postgres_server
from tocsin.shared.keys import new_master_key_line, write_master_key_file

KEY_ID, SECRET = "TOCSINSOAKKEY", "tocsin-soak-secret"
REGION = "local-1"
CLOCK_SCALE = 60.0
"""A plan minute is a real second: escalation stages end while the soak watches."""
FLOORS = {"rss_mb": 16.0, "fds": 10.0, "tasks": 50.0}
"""Growth over the last third below these never fails, whatever the relative change."""
RELATIVE = 0.10
TABLES = ("outbox", "inbox", "client_token", "timer", "runbook_timer", "reminder_timer",
          "canary_timer", "delivery", "ack_link", "inbound_seen", "phone_route",
          "receipt_outbox", "client_start", "trigger_recovery", "page", "engagement",
          "incident_record", "timeline_event", "execution")
"""Tables reported (in whichever schemas have them)."""


# --- the system ---------------------------------------------------------------------------


class Mailbox:
    """What the SMTP server accepted: activation codes, and pages not yet acted on."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self.pages: list[tuple[str, str, str]] = []
        """(page ARN, accept code, recipient) of each page mail, in order."""
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers = BytesHeaderParser().parsebytes(envelope.content)
        if code := headers["X-Tocsin-Activation-Code"]:
            self.codes[str(headers["X-Tocsin-Contact-Channel-Arn"])] = str(code)
        if page := headers["X-Tocsin-Page-Arn"]:
            self.count += 1
            self.pages.append((str(page), str(headers["X-Tocsin-Accept-Code"]),
                               str(headers["To"])))
        return "250 OK"


@dataclass
class System:
    process: asyncio.subprocess.Process
    http: str
    nats_url: str
    db_url: str
    log: Path
    metrics: dict[str, str] = field(default_factory=dict)
    """``service[instance]`` → its metrics address."""

    def clients(self) -> tuple[Any, Any, Any]:
        kw = {"endpoint_url": self.http, "region_name": REGION,
              "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET,
              "config": botocore.config.Config(retries={"total_max_attempts": 1})}
        return (boto3.client("ssm-incidents", **kw), boto3.client("ssm-contacts", **kw),
                boto3.client("ssm", **kw))


async def start(work: Path, nats_url: str, db_url: str, smtp_port: int) -> System:
    http, grpc_addr = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
    env.update(TOCSIN_NATS_URL=nats_url, TOCSIN_DATABASE_URL=db_url, TOCSIN_REGION=REGION,
               TOCSIN_ACCESS_KEYS=f"{KEY_ID}:{SECRET}", TOCSIN_HTTP_ADDR=http,
               TOCSIN_GRPC_ADDR=grpc_addr, TOCSIN_SMTP_HOST="127.0.0.1",
               TOCSIN_SMTP_PORT=str(smtp_port), TOCSIN_METRICS_ADDR="127.0.0.1:0",
               TOCSIN_DATA_DIR=str(work / "data"), TOCSIN_CLOCK_SCALE=str(CLOCK_SCALE),
               TOCSIN_MASTER_KEY_FILE=str(work / "master.key"), TOCSIN_LOG_JSON="true")
    log = work / "tocsin.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tocsin.local", env=env, cwd=work,
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True)
    system = System(process, f"http://{http}", nats_url, db_url, log)
    deadline = time.monotonic() + 120
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise SystemExit(f"tocsin.local exited with {process.returncode}; see {log}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
                async with session.get(f"{system.http}/healthz",
                                       timeout=aiohttp.ClientTimeout(total=3)) as answer:
                    health = await answer.json()
                    if answer.status == 200:
                        system.metrics = {
                            f"{name}[{i}]": instance["metrics"]
                            for name, service in sorted(health["services"].items())
                            for i, instance in enumerate(service["instances"])}
                        return system
            await asyncio.sleep(0.5)
    raise SystemExit(f"/healthz not 200 within 120 s; see {log}")


async def stop(system: System) -> int | None:
    if system.process.returncode is None:
        system.process.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(system.process.wait(), 60)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(system.process.pid, signal.SIGKILL)
        return await system.process.wait()


# --- the load -----------------------------------------------------------------------------

RUNBOOK = json.dumps({"schemaVersion": "0.3", "mainSteps": [
    {"name": "Wait", "action": "aws:pause", "inputs": {}},
    {"name": "Done", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]})


def setup(system: System, mailbox: Mailbox) -> None:
    """alice and bob with activated email channels behind a two-stage escalation plan,
    engaged by the response plan ``soak``; the runbook ``SoakRunbook``."""
    incidents, contacts, ssm = system.clients()
    incidents.create_replication_set(regions={REGION: {}})
    people = {}
    for alias in ("alice", "bob"):
        arn = contacts.create_contact(Alias=alias, Type="PERSONAL",
                                      Plan={"Stages": []})["ContactArn"]
        channel = contacts.create_contact_channel(
            ContactId=arn, Name="mail", Type="EMAIL",
            DeliveryAddress={"SimpleAddress": f"{alias}@example.com"})["ContactChannelArn"]
        people[alias] = (arn, channel)
    deadline = time.monotonic() + 60
    while not all(c in mailbox.codes for _, c in people.values()):
        if time.monotonic() > deadline:
            raise SystemExit("the activation codes never arrived")
        time.sleep(0.2)
    for arn, channel in people.values():
        contacts.activate_contact_channel(ContactChannelId=channel,
                                          ActivationCode=mailbox.codes[channel])
        contacts.update_contact(ContactId=arn, Plan={"Stages": [{
            "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
    escalation = contacts.create_contact(Alias="oncall", Type="ESCALATION", Plan={"Stages": [
        {"DurationInMinutes": 2, "Targets": [{"ContactTargetInfo": {
            "ContactId": people[alias][0], "IsEssential": True}}]}
        for alias in ("alice", "bob")]})["ContactArn"]
    incidents.create_response_plan(name="soak", incidentTemplate={"title": "Soak", "impact": 3},
                                   engagements=[escalation])
    ssm.create_document(Name="SoakRunbook", Content=RUNBOOK, DocumentType="Automation")


def alarm(name: str) -> bytes:
    return msgspec.json.encode({
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": "111122223333",
        "time": "2026-01-01T00:00:00Z", "region": "eu-west-1",
        "resources": [f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"],
        "detail": {"alarmName": name, "state": {"value": "ALARM", "reason": "soak",
                                                "timestamp": "2026-01-01T00:00:00.000+0000"}}})


@dataclass
class Load:
    system: System
    mailbox: Mailbox
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    to_resolve: list[tuple[float, str]] = field(default_factory=list)
    executions: list[tuple[float, str]] = field(default_factory=list)
    acted: int = 0

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def call(self, what: str, fn: Callable[..., Any], **kw: Any) -> Any:
        """One API call; a server error is recorded (a client error is the load's own
        doing: a page acknowledged after its engagement stopped, say)."""
        try:
            out = fn(**kw)
        except botocore.exceptions.ClientError as exc:
            status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
            if status >= 500:
                self.errors.append(f"{what}: {status} {exc}")
            self.count(f"{what} refused")
            return None
        except botocore.exceptions.BotoCoreError as exc:
            self.errors.append(f"{what}: {exc}")
            return None
        self.count(what)
        return out

    def tick(self, i: int, now: float, clients: tuple[Any, Any, Any]) -> None:
        incidents, contacts, ssm = clients
        records = self.call("ListIncidentRecords", incidents.list_incident_records,
                            maxResults=20, filters=[{"key": "status", "condition": {
                                "equals": {"stringValues": ["OPEN"]}}}])
        for summary in (records or {}).get("incidentRecordSummaries", []):
            arn = summary["arn"]
            if arn not in {a for _, a in self.to_resolve} and "resolved" not in summary:
                self.to_resolve.append((now + 5, arn))
                self.call("CreateTimelineEvent", incidents.create_timeline_event,
                          incidentRecordArn=arn, eventTime=now, eventType="Custom Event",
                          eventData=json.dumps({"note": f"soak {i}"}))
                self.call("GetIncidentRecord", incidents.get_incident_record, arn=arn)
                self.call("ListTimelineEvents", incidents.list_timeline_events,
                          incidentRecordArn=arn, maxResults=10)
        while self.to_resolve and self.to_resolve[0][0] <= now:
            _, arn = self.to_resolve.pop(0)
            self.call("UpdateIncidentRecord", incidents.update_incident_record, arn=arn,
                      status="RESOLVED")
        for page, code, to in self.mailbox.pages[self.acted:]:
            self.acted += 1
            if to.startswith("alice") and self.acted % 2:
                self.call("AcceptPage", contacts.accept_page, PageId=page, AcceptType="READ",
                          AcceptCode=code)
        self.call("ListContacts", contacts.list_contacts, MaxResults=10)
        if i % 5 == 0:
            started = self.call("StartAutomationExecution", ssm.start_automation_execution,
                                DocumentName="SoakRunbook")
            if started:
                self.executions.append((now + 2, started["AutomationExecutionId"]))
        while self.executions and self.executions[0][0] <= now:
            _, eid = self.executions.pop(0)
            self.call("SendAutomationSignal", ssm.send_automation_signal,
                      AutomationExecutionId=eid, SignalType="Resume",
                      Payload={"StepName": ["Wait"]})
            self.call("GetAutomationExecution", ssm.get_automation_execution,
                      AutomationExecutionId=eid)


async def run_load(load: Load, until: float, stop_event: asyncio.Event) -> None:
    clients = load.system.clients()
    connection = await nats.connect(load.system.nats_url)
    try:
        i = 0
        while time.monotonic() < until and not stop_event.is_set():
            began = time.monotonic()
            await connection.jetstream().publish(
                "alarms.soak", alarm(f"soak-{i}"), headers={"Tocsin-Response-Plan": "soak"})
            load.count("alarms")
            await asyncio.to_thread(load.tick, i, time.time(), clients)
            i += 1
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - began)))
    finally:
        await connection.close()


# --- what is measured ---------------------------------------------------------------------


@dataclass
class Sample:
    at: float
    processes: dict[str, dict[str, float]]
    database_mb: float
    tables: dict[str, int]
    streams: dict[str, tuple[int, int]]


async def sample(system: System, started: float) -> Sample:
    processes: dict[str, dict[str, float]] = {}
    async with aiohttp.ClientSession() as session:
        for who, addr in system.metrics.items():
            values: dict[str, float] = {}
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(f"http://{addr}/metrics",
                                       timeout=aiohttp.ClientTimeout(total=5)) as answer:
                    text = await answer.text()
                for family in text_string_to_metric_families(text):
                    for s in family.samples:
                        if s.name == "process_resident_memory_bytes":
                            values["rss_mb"] = s.value / 2**20
                        elif s.name == "process_open_fds":
                            values["fds"] = s.value
                        elif s.name == "tocsin_event_loop_tasks":
                            values["tasks"] = s.value
            processes[who] = values
    db = await asyncpg.connect(system.db_url)
    try:
        size = await db.fetchval("SELECT pg_database_size(current_database())")
        rows = await db.fetch(
            "SELECT schemaname, relname, n_live_tup FROM pg_stat_user_tables"
            " WHERE relname = ANY($1::text[])", list(TABLES))
        tables = {f"{r['schemaname']}.{r['relname']}": int(r["n_live_tup"]) for r in rows}
    finally:
        await db.close()
    streams: dict[str, tuple[int, int]] = {}
    connection = await nats.connect(system.nats_url)
    try:
        for info in await connection.jetstream().streams_info():
            streams[str(info.config.name)] = (info.state.messages, info.state.bytes)
    finally:
        await connection.close()
    return Sample(time.monotonic() - started, processes, size / 2**20, tables, streams)


def show(s: Sample, title: str) -> None:
    print(f"--- {title} at {s.at:.0f} s", flush=True)
    for who, values in s.processes.items():
        print(f"  {who:<18} rss {values.get('rss_mb', float('nan')):7.1f} MB   "
              f"fds {values.get('fds', float('nan')):5.0f}   "
              f"tasks {values.get('tasks', float('nan')):5.0f}")
    print(f"  database {s.database_mb:.1f} MB; rows: " + ", ".join(
        f"{t} {n}" for t, n in sorted(s.tables.items()) if n), flush=True)
    print("  streams: " + ", ".join(f"{name} {m} msgs/{b / 1024:.0f} KB"
                                    for name, (m, b) in sorted(s.streams.items())), flush=True)


def slope(points: list[tuple[float, float]]) -> float:
    """The least-squares slope of ``points`` (per second)."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def judge(samples: list[Sample]) -> list[str]:
    """What grows without levelling off, by the rule in the module's docstring."""
    third = samples[0].at + 2 / 3 * (samples[-1].at - samples[0].at)
    last = [s for s in samples if s.at >= third]
    if len(last) < 3:
        last = samples[-3:]
    span = last[-1].at - last[0].at
    failures = []
    print(f"--- growth over the last third ({len(last)} samples, {span:.0f} s)")
    for who in samples[0].processes:
        for metric, floor in FLOORS.items():
            points = [(s.at, s.processes[who][metric]) for s in last
                      if metric in s.processes.get(who, {})]
            if len(points) < 2:
                continue
            growth = slope(points) * span
            limit = max(floor, RELATIVE * points[0][1])
            verdict = "ok" if growth <= limit else "GROWS"
            print(f"  {who:<18} {metric:<6} {points[0][1]:9.1f} -> {points[-1][1]:9.1f}   "
                  f"fitted growth {growth:+8.1f} (limit {limit:.1f})  {verdict}")
            if growth > limit:
                failures.append(f"{who} {metric} grew {growth:+.1f} over the last third")
    for table in sorted(samples[-1].tables):
        points = [(s.at, float(s.tables.get(table, 0))) for s in last]
        per_min = slope(points) * 60
        if per_min > 0.5 and points[-1][1] > points[0][1]:
            print(f"  table {table:<34} {points[0][1]:8.0f} -> {points[-1][1]:8.0f} rows "
                  f"({per_min:+.0f}/min)")
    for stream in sorted(samples[-1].streams):
        points = [(s.at, float(s.streams.get(stream, (0, 0))[0])) for s in last]
        per_min = slope(points) * 60
        if per_min > 0.5 and points[-1][1] > points[0][1]:
            print(f"  stream {stream:<33} {points[0][1]:8.0f} -> {points[-1][1]:8.0f} msgs "
                  f"({per_min:+.0f}/min)")
    return failures


async def main(seconds: float, every: float, warmup: float) -> int:
    work = Path(tempfile.mkdtemp(prefix="tocsin-soak-"))
    write_master_key_file(work / "master.key", [new_master_key_line()])
    servers: list[EmbeddedServer] = []
    nats_url = os.environ.get("TOCSIN_NATS_URL", "")
    db_url = os.environ.get("TOCSIN_DATABASE_URL", "")
    if not nats_url:
        servers.append(nats_server(work / "nats", log=work / "nats.log"))
        nats_url = servers[-1].url
    if not db_url:
        servers.append(postgres_server(work / "pg", log=work / "pg.log"))
        db_url = servers[-1].url
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    system: System | None = None
    try:
        system = await start(work, nats_url, db_url, smtp.port)
        print(f"soak: {seconds:.0f} s of load, a sample every {every:.0f} s after "
              f"{warmup:.0f} s of warm-up; output in {work}", flush=True)
        await asyncio.to_thread(setup, system, mailbox)
        load = Load(system, mailbox)
        stop_event = asyncio.Event()
        began = time.monotonic()
        loader = asyncio.create_task(run_load(load, began + seconds, stop_event))
        await asyncio.sleep(warmup)
        samples = [await sample(system, began)]
        show(samples[0], "start")
        while not loader.done():
            await asyncio.wait([loader], timeout=every)
            if system.process.returncode is not None:
                stop_event.set()
                break
            samples.append(await sample(system, began))
            show(samples[-1], "end" if loader.done() else "sample")
        await loader
        failures = judge(samples)
        print("--- load: " + ", ".join(f"{k} {v}" for k, v in sorted(load.counts.items())) +
              f", page mails {mailbox.count}", flush=True)
        missing = [who for who, values in samples[-1].processes.items() if not values]
        failures += [f"{who} no longer answers on its metrics address" for who in missing]
        failures += load.errors[:20]
        if system.process.returncode is not None:
            failures.append(f"tocsin.local exited with {system.process.returncode}")
        errors = sum(1 for line in system.log.read_text(errors="replace").splitlines()
                     if '"level": "error"' in line or '"level":"error"' in line)
        print(f"--- ERROR lines in the services' output: {errors}")
        for failure in failures:
            print(f"FAIL: {failure}")
        print("soak: " + ("FAILED" if failures else "passed"), flush=True)
        return 1 if failures else 0
    finally:
        if system is not None:
            await stop(system)
        smtp.stop()
        for server in reversed(servers):
            server.stop()


def cli() -> None:
    seconds = float(os.environ.get("TOCSIN_SOAK_SECONDS", "1200"))
    every = float(os.environ.get("TOCSIN_SOAK_SAMPLE", "0") or 0) or max(10.0, seconds / 10)
    warmup = min(60.0, seconds / 10)
    raise SystemExit(asyncio.run(main(seconds, every, warmup)))


if __name__ == "__main__":
    cli()
