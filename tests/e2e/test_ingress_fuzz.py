"""Malformed alarms, webhook bodies and provider callbacks against a running Tocsin.

Generated (hypothesis, seeded: the same inputs on every run) and sent where Tocsin takes
input without the AWS models in front of it:

- alarms published on NATS ``alarms.<region>.<source>``: bytes, JSON of any shape, and a
  valid CloudWatch alarm with one member replaced by something else, with or without a
  ``Tocsin-Response-Plan`` header. None may crash or stall the consumer: an alarm published
  after them all still opens its incident, and the durable ends with nothing pending and
  nothing unacknowledged (each one handled, or dead-lettered with a log line);
- the HTTP ingestion endpoints (``/v1/events``, Alertmanager, PagerDuty Events v2) with the
  plan's integration key, the inbound provider callbacks (Twilio, the generic webhook
  provider, both signed correctly, and Slack) with bodies and headers of any kind, and the
  acknowledgement links with any token. No answer is a 5xx (every dependency is up, so not
  even a 503), no ERROR line is logged (the ``error_logs`` fixture), and every incident an
  answer names reads.

``TOCSIN_FUZZ_EXAMPLES`` is the number of inputs per endpoint (default 4 here, as in
``test_model_fuzz``); ``make fuzz`` raises it.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.parse
import uuid
from typing import Any

import aiohttp
import boto3
import msgspec
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tocsin.notifications.chat.slack import slack_signature
from tocsin.notifications.delivery.providers import twilio_signature
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for
from tocsin.shared.webhook_signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    webhook_headers,
    webhook_signature,
)

from .test_alertmanager import integration_key

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
EXAMPLES = max(4, int(os.environ.get("TOCSIN_FUZZ_EXAMPLES", "4")))
TWILIO_TOKEN, HOOK_SECRET, SLACK_SECRET = "twilio-token", "hook-secret", "slack-secret"
SLACK_USER = "U0FUZZ"
PLAN = "fuzz"


@pytest.fixture
def tocsin_options() -> dict[str, dict[str, Any]]:
    providers = [
        {"name": "twilio", "kind": "twilio", "channels": ["SMS", "VOICE"],
         "baseUrl": "http://127.0.0.1:9", "accountSid": "AC0", "authToken": TWILIO_TOKEN,
         "from": "+15555550000"},
        {"name": "hook", "kind": "webhook", "channels": ["SMS"],
         "url": "http://127.0.0.1:9/send", "secret": HOOK_SECRET}]
    return {"notifications": {"providers": json.dumps(providers),
                              "slack_signing_secret": SLACK_SECRET},
            "gateway": {"slack_users": json.dumps(
                {SLACK_USER: "arn:tocsin:iam::000000000000:user/TOCSINTESTKEY"})}}


def run(test: Any, examples: int = EXAMPLES) -> None:
    settings(max_examples=examples, derandomize=True, database=None, deadline=None,
             phases=[Phase.generate], suppress_health_check=list(HealthCheck))(test)()


# --- what gets sent --------------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                    st.floats(allow_nan=False), st.text(max_size=30),
                    st.sampled_from(["", "\x00", "ALARM", "OK", "firing", "resolved",
                                     "trigger", "acknowledge", "9" * 400, "-1", "1e999",
                                     "2024-03-05T09:20:41Z", "\u2603" * 3]))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=20)


def alarm(name: str) -> dict[str, Any]:
    return {"version": "0", "id": str(uuid.uuid4()),
            "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
            "account": "111122223333", "time": "2024-03-05T09:20:41Z",
            "region": "eu-west-1",
            "resources": [f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"],
            "detail": {"alarmName": name, "state": {
                "value": "ALARM", "reason": "Threshold Crossed",
                "timestamp": "2024-03-05T09:20:41.515+0000"}}}


ALERT = {"version": "4", "groupKey": "{}:{}", "status": "firing", "receiver": "tocsin",
         "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
         "externalURL": "http://alertmanager", "alerts": [{
             "status": "firing", "labels": {"alertname": "Fuzz"},
             "annotations": {"summary": "fuzz"}, "startsAt": "2024-03-05T09:20:41Z",
             "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "f1"}]}
PAGERDUTY = {"routing_key": "", "event_action": "trigger", "dedup_key": "fuzz-1",
             "payload": {"summary": "fuzz", "source": "fuzz", "severity": "critical"}}


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*path, i))
    return found


def mutated(document: Any) -> Any:
    """``document`` with one member (at any depth) replaced by any JSON value, or dropped."""
    @st.composite
    def one(draw: Any) -> Any:
        doc = json.loads(json.dumps(document))
        path = draw(st.sampled_from(_paths(doc)))
        target = doc
        for key in path[:-1]:
            target = target[key]
        if isinstance(target, dict) and draw(st.booleans()):
            del target[path[-1]]
        else:
            target[path[-1]] = draw(json_values)
        return doc

    return one()


def bodies(document: Any) -> Any:
    """Bytes of a request body: raw bytes, any JSON, or ``document`` with a member broken."""
    return st.one_of(st.binary(max_size=64), json_values.map(lambda v: json.dumps(v).encode()),
                     mutated(document).map(lambda v: json.dumps(v).encode()),
                     st.just(b"[" * 5000 + b"]" * 5000))


forms = st.lists(st.tuples(st.sampled_from(["From", "To", "Body", "MessageSid", "CallSid",
                                             "Digits", "MessageStatus", "CallStatus",
                                             "text", "user_id", "command", "x"]),
                           st.text(max_size=20)), max_size=6)
stamps = st.one_of(st.just("now"), st.sampled_from(["", "x", "9" * 400, "-9" * 200, "1e9",
                                                    "0", " 1", "\u0661\u0662"]))


# --- the test --------------------------------------------------------------------------


class Http:
    """A blocking HTTP client for the fuzzing thread; records what should not happen."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.failures: list[str] = []
        self.incidents: set[str] = set()
        self.sent: dict[str, int] = {}

    def post(self, what: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        asyncio.run(self._send(what, "POST", path, body, headers))

    def get(self, what: str, path: str) -> None:
        asyncio.run(self._send(what, "GET", path, b"", {}))

    async def _send(self, what: str, method: str, path: str, body: bytes,
                    headers: dict[str, str]) -> None:
        self.sent[what] = self.sent.get(what, 0) + 1
        async with aiohttp.ClientSession() as session, session.request(
                method, self.base + path, data=body, headers=headers,
                timeout=aiohttp.ClientTimeout(total=60)) as response:
            text = await response.text(errors="replace")
        if response.status >= 500:
            self.failures.append(f"{what}: {method} {path[:60]} answered {response.status}: "
                                 f"{text[:200]} (body {body[:80]!r}, headers {headers})")
        if response.status < 300 and text.startswith("{"):
            for entry in json.loads(text).get("entries") or []:
                self.incidents.update(entry.get("incidentRecordArns") or [])


def fuzz_http(url: str, key: str) -> Http:
    http = Http(url)
    bearer = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def events(body: bytes) -> None:
        http.post("events", "/v1/events", body, {**bearer, "Tocsin-Response-Plan": PLAN})

    run(given(bodies([alarm("fuzz-events")]))(events))

    def alertmanager(body: bytes) -> None:
        http.post("alertmanager", f"/v1/alerts/alertmanager/{PLAN}", body, bearer)

    run(given(bodies(ALERT))(alertmanager))

    def pagerduty(body: bytes, keyed: bool) -> None:
        if keyed and body.startswith(b"{"):
            try:
                data = json.loads(body)
                data["routing_key"] = key
                body = json.dumps(data).encode()
            except (ValueError, TypeError):
                pass
        http.post("pagerduty", "/v2/enqueue", body, {"Content-Type": "application/json"})

    run(given(bodies(PAGERDUTY), st.booleans())(pagerduty))

    def twilio(action: str, token: str, form: list[tuple[str, str]], signed: bool) -> None:
        path = f"/v1/inbound/twilio/{action}" + (f"/{token}" if token else "")
        body = urllib.parse.urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signed:
            headers["X-Twilio-Signature"] = twilio_signature(TWILIO_TOKEN, url + path, form)
        http.post("twilio", path, body, headers)

    run(given(st.sampled_from(["sms", "voice", "status", "other"]),
              st.sampled_from(["", "x", "a" * 300, "%00"]), forms, st.booleans())(twilio))

    def hook(action: str, body: bytes, stamp: str) -> None:
        path = f"/v1/inbound/hook/{action}"
        signed = webhook_headers(HOOK_SECRET, body, url=url + path)
        if stamp != "now":  # a timestamp of any kind, signed all the same
            signed = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: webhook_signature(
                HOOK_SECRET, body, url=url + path, timestamp=stamp)}
        http.post("hook", path, body, {"Content-Type": "application/json", **signed})

    hook_body = {"type": "sms", "from": "+15555550100", "text": "ACK 123456"}
    run(given(st.sampled_from(["sms", "voice", "status"]), bodies(hook_body), stamps)(hook))

    def slack(form: list[tuple[str, str]], verb: str, stamp: str) -> None:
        form = [("user_id", SLACK_USER), ("text", verb), *form]
        body = urllib.parse.urlencode(form).encode()
        timestamp = str(int(time.time())) if stamp == "now" else stamp
        http.post("slack", "/v1/chat/slack/commands", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": slack_signature(SLACK_SECRET, timestamp, body)})

    run(given(forms, st.sampled_from(["", "help", "list", "get", "get x", "timeline \x00",
                                      "note arn:x '", "update x impact=9", "\"unclosed"]),
              stamps)(slack))

    def ack_link(token: str, post: bool) -> None:
        path = "/v1/ack/" + urllib.parse.quote(token, safe="")
        if post:
            http.post("ack link", path, b"", {})
        else:
            http.get("ack link", path)

    run(given(st.text(min_size=1, max_size=300), st.booleans())(ack_link))
    return http


@pytest.mark.timeout(300 + 5 * EXAMPLES)
async def test_no_webhook_or_callback_body_is_a_server_error(
        tocsin: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    def setup() -> tuple[Any, str]:
        incidents = boto3.client("ssm-incidents", endpoint_url=tocsin["http"],
                                 region_name=tocsin["region"], aws_access_key_id=KEY_ID,
                                 aws_secret_access_key=SECRET)
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        plan = incidents.create_response_plan(
            name=PLAN, incidentTemplate={"title": "Fuzz", "impact": 3})["arn"]
        return incidents, integration_key(tocsin, plan)

    incidents, key = await asyncio.to_thread(setup)
    began = time.monotonic()
    http = await asyncio.to_thread(fuzz_http, tocsin["http"], key)
    with capsys.disabled():
        print("\ningress fuzz: " + ", ".join(f"{k} {n}" for k, n in http.sent.items()) +
              f" requests (TOCSIN_FUZZ_EXAMPLES={EXAMPLES}), {time.monotonic() - began:.0f} s")
    assert not http.failures, f"{len(http.failures)} server errors:\n" + "\n".join(
        http.failures[:40])
    for arn in sorted(http.incidents):  # what was accepted reads
        record = await asyncio.to_thread(incidents.get_incident_record, arn=arn)
        assert record["incidentRecord"]["arn"] == arn


@pytest.mark.timeout(300 + 2 * EXAMPLES)
async def test_no_malformed_alarm_stalls_the_consumer(tocsin: dict[str, Any], bus: Bus) -> None:
    def setup() -> None:
        incidents = boto3.client("ssm-incidents", endpoint_url=tocsin["http"],
                                 region_name=tocsin["region"], aws_access_key_id=KEY_ID,
                                 aws_secret_access_key=SECRET)
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        incidents.create_response_plan(name=PLAN, incidentTemplate={"title": "F", "impact": 3})

    await asyncio.to_thread(setup)
    sent: list[tuple[bytes, dict[str, str]]] = []

    def collect(body: bytes, plan: str | None, source: str) -> None:
        headers = {"Tocsin-Response-Plan": plan} if plan is not None else {}
        sent.append((body, headers | {"source": source}))

    run(given(bodies(alarm("fuzz-alarm")), st.sampled_from([PLAN, None, "", "no-such", "\x00"]),
              st.sampled_from(["cloudwatch", "custom", "x"]))(collect), max(EXAMPLES, 20))
    region = tocsin["region"]
    for body, headers in sent:
        source = headers.pop("source")
        await bus.js.publish(f"alarms.{region}.{source}", body, headers=headers or None)
    await bus.js.publish(f"alarms.{region}.cloudwatch", msgspec.json.encode(alarm("after")),
                         headers={"Tocsin-Response-Plan": PLAN})

    def opened_after() -> bool:
        incidents = boto3.client("ssm-incidents", endpoint_url=tocsin["http"],
                                 region_name=region, aws_access_key_id=KEY_ID,
                                 aws_secret_access_key=SECRET)
        for summary in incidents.list_incident_records()["incidentRecordSummaries"]:
            source = incidents.get_incident_record(arn=summary["arn"])["incidentRecord"]
            if "after" in json.dumps(source, default=str):
                return True
        return False

    await wait_for(lambda: asyncio.to_thread(opened_after), timeout=60, interval=0.5)

    async def settled() -> bool:
        info = await bus.js.consumer_info("ALARMS", f"{tocsin['schema_prefix']}incidents-alarms")
        return info.num_pending == 0 and info.num_ack_pending == 0

    await wait_for(settled, timeout=60, interval=0.2)


async def test_a_pagerduty_event_resent_after_its_incident_resolved_is_accepted_once(
        tocsin: dict[str, Any]) -> None:
    """The same trigger sent again after a resolve (a sender's retry; with no timestamp,
    its receipt time differs) is answered 202 like the first, and opens no second
    incident."""
    def run_it() -> list[int]:
        incidents = boto3.client("ssm-incidents", endpoint_url=tocsin["http"],
                                 region_name=tocsin["region"], aws_access_key_id=KEY_ID,
                                 aws_secret_access_key=SECRET)
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        plan = incidents.create_response_plan(
            name=PLAN, incidentTemplate={"title": "Fuzz", "impact": 3})["arn"]
        key = integration_key(tocsin, plan)
        trigger = json.dumps({**PAGERDUTY, "routing_key": key}).encode()
        resolve = json.dumps({"routing_key": key, "event_action": "resolve",
                              "dedup_key": PAGERDUTY["dedup_key"]}).encode()
        statuses = []
        for body in (trigger, resolve, trigger):
            answer = asyncio.run(_post(tocsin["http"] + "/v2/enqueue", body))
            statuses.append(answer)
        records = incidents.list_incident_records()["incidentRecordSummaries"]
        return [*statuses, len(records)]

    assert await asyncio.to_thread(run_it) == [202, 202, 202, 1]


async def _post(url: str, body: bytes) -> int:
    async with aiohttp.ClientSession() as session, session.post(
            url, data=body, headers={"Content-Type": "application/json"}) as response:
        return response.status
