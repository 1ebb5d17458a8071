"""The README's first hour, end to end, as a new user walks it: ``make run``'s module with
its embedded servers and a real SMTP server, the aws CLI for every call, the sample alarm
published to the NATS URL the ready block printed, the page mail, its acknowledgement and
the incident resolved."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiosmtpd.controller import Controller

REPO = Path(__file__).resolve().parents[2]
AWS = Path(sys.executable).parent / "aws"
START_TIMEOUT = 90.0
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Inbox:
    """What the SMTP server (aiosmtpd) accepted."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"

    def with_header(self, header: str) -> list[Any]:
        return [m for m in self.messages if m[header]]


def eventually(what: Callable[[], T | None], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = what()
        if found:
            return found
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.2)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def make_run(tmp_path: Path, smtp: tuple[Inbox, int]) -> Iterator[dict[str, str]]:
    """``python -m tocsin.local`` (what ``make run`` runs) with its embedded servers and
    the SMTP server; its output, its data folder and its HTTP URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOCSIN_", "AWS_"))}
    http = f"127.0.0.1:{free_port()}"
    env.update(TOCSIN_DATA_DIR=str(tmp_path / "data"), TOCSIN_HTTP_ADDR=http,
               TOCSIN_GRPC_ADDR=f"127.0.0.1:{free_port()}",
               TOCSIN_NATS_PORT=str(free_port()), TOCSIN_SMTP_HOST="127.0.0.1",
               TOCSIN_SMTP_PORT=str(smtp[1]),
               TOCSIN_METRICS_ADDR="127.0.0.1:0")  # 9400 on may be taken here
    output = tmp_path / "output.log"
    with output.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "tocsin.local"], env=env,
                                   cwd=REPO, stdin=subprocess.DEVNULL, stdout=sink,
                                   stderr=subprocess.STDOUT)
    try:
        def ready() -> str | None:
            assert process.poll() is None, output.read_text()[-5000:]
            text = output.read_text(errors="replace")
            return text if "Tocsin is ready" in text else None

        text = eventually(ready, START_TIMEOUT)
        yield {"output": text, "data": str(tmp_path / "data"), "http": f"http://{http}"}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_first_hour(make_run: dict[str, str], smtp: tuple[Inbox, int],
                        tmp_path: Path) -> None:
    inbox, _ = smtp
    ready = make_run["output"][make_run["output"].index("Tocsin is ready"):]
    assert "Warning: no SMTP" not in ready
    # Alarms go in as the alarm-publisher identity the ready block prints: the embedded
    # NATS refuses anonymous clients.
    nats_url = re.search(r"alarm publishers \(alarms\.> and changes\.> only\): (nats://\S+)",
                         ready)
    assert nats_url, ready
    # The README's exports, with this run's endpoint.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_SHARED_CREDENTIALS_FILE=f"{make_run['data']}/credentials",
               AWS_PROFILE="tocsin", AWS_ENDPOINT_URL=make_run["http"],
               AWS_DEFAULT_REGION="local-1", AWS_CONFIG_FILE=str(tmp_path / "no-config"))

    def aws(*args: str) -> dict[str, Any]:
        done = subprocess.run([str(AWS), *args, "--output", "json"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"aws {' '.join(args)}:\n{done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip() else {}

    aws("ssm-incidents", "create-replication-set", "--regions", '{"local-1": {}}')
    contact = aws("ssm-contacts", "create-contact", "--alias", "dana",
                  "--display-name", "Dana Reyes", "--type", "PERSONAL",
                  "--plan", '{"Stages": []}')["ContactArn"]
    channel = aws("ssm-contacts", "create-contact-channel", "--contact-id", contact,
                  "--name", "work email", "--type", "EMAIL",
                  "--delivery-address", "SimpleAddress=dana@example.com")["ContactChannelArn"]

    activation = eventually(lambda: inbox.with_header("X-Tocsin-Activation-Code"))[0]
    assert activation["To"] == "dana@example.com"
    code = re.search(r"activation code is (\d{6})", activation.get_content())
    assert code and code.group(1) == activation["X-Tocsin-Activation-Code"]
    aws("ssm-contacts", "activate-contact-channel", "--contact-channel-id", channel,
        "--activation-code", code.group(1))
    aws("ssm-contacts", "update-contact", "--contact-id", contact, "--plan", json.dumps(
        {"Stages": [{"DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
            "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]}))
    aws("ssm-incidents", "create-response-plan", "--name", "api-outage",
        "--incident-template", json.dumps({"title": "API outage", "impact": 2,
                                           "summary": "The public API answers 5xx."}),
        "--engagements", contact)

    published = subprocess.run(
        [sys.executable, str(REPO / "docs/examples/publish_alarm.py"), "--nats",
         nats_url.group(1), "--plan", "api-outage",
         str(REPO / "docs/examples/cloudwatch-alarm.json")],
        capture_output=True, text=True, timeout=60)
    assert published.returncode == 0, published.stderr
    assert "stream ALARMS" in published.stdout

    page = eventually(lambda: inbox.with_header("X-Tocsin-Page-Arn"))[0]
    assert page["To"] == "dana@example.com"
    body = page.get_content()
    assert 'you are paged for the incident "API outage"' in body
    assert "The public API answers 5xx." in body
    accept_code = str(page["X-Tocsin-Accept-Code"])
    assert f"Your accept code is {accept_code}" in body
    aws("ssm-contacts", "accept-page", "--page-id", str(page["X-Tocsin-Page-Arn"]),
        "--accept-type", "READ", "--accept-code", accept_code)

    [incident] = aws("ssm-incidents", "list-incident-records")["incidentRecordSummaries"]
    assert incident["arn"] == page["X-Tocsin-Incident-Arn"]
    assert incident["incidentRecordSource"]["source"] == "aws.cloudwatch"
    aws("ssm-incidents", "update-incident-record", "--arn", incident["arn"],
        "--status", "RESOLVED")
    record = aws("ssm-incidents", "get-incident-record", "--arn", incident["arn"])
    assert record["incidentRecord"]["status"] == "RESOLVED"

    def acknowledged() -> bool:
        events = aws("ssm-incidents", "list-timeline-events", "--incident-record-arn",
                     incident["arn"])["eventSummaries"]
        return any(e["eventType"] == "SSM Contacts Page Acknowledgement for Incident"
                   for e in events)

    eventually(acknowledged)
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            make_run["http"] + "/healthz", timeout=5) as health:
        assert health.status == 200
