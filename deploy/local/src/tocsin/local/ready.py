"""What ``make run`` prints once Tocsin answers: where each face listens, the credentials,
commands ready to paste (the first API call, an alarm), and what is not configured yet."""

from __future__ import annotations

import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from tocsin.local.credentials import PROFILE, Credentials
from tocsin.local.identities import Identities
from tocsin.shared.bus import identities as bus

__all__ = ["ALARM_EXAMPLE", "ALARM_PUBLISHER", "Endpoints", "aws_command", "ready_block"]

ALARM_EXAMPLE = Path("docs/examples/cloudwatch-alarm.json")
"""The sample alarm (a CloudWatch state change into ALARM), relative to the repository."""
ALARM_PUBLISHER = Path("docs/examples/publish_alarm.py")
"""The script that publishes an alarm file to NATS with a fresh id and time."""
EXAMPLE_PLAN = "api-outage"
"""The response plan the pasted alarm names (the README creates it)."""


@dataclass(frozen=True)
class Endpoints:
    """Where one running Tocsin answers."""

    http: str
    """The gateway's HTTP base URL (AWS API, webhooks, /healthz)."""
    grpc: str
    """The gateway's gRPC address."""
    nats: str
    """The NATS URL alarm publishers use."""
    region: str
    ca_bundle: Path | None = None
    """The local CA that signed the gateway's certificate (``TOCSIN_TLS=auto``)."""
    leaf: str | None = None
    """The URL another region's ``TOCSIN_NATS_LEAF_REMOTES`` names to join this one."""


def aws_command() -> str:
    """``aws``, or the path of the one installed beside this Python when none is on PATH."""
    if shutil.which("aws"):
        return "aws"
    beside = Path(sys.executable).parent / "aws"
    return str(beside) if beside.exists() else "aws"


def ready_block(*, took: float, running: str, at: Endpoints, creds: Credentials,
                smtp_configured: bool, repo: Path | None = None,
                identities: Identities | None = None) -> str:
    """The lines printed when ``/healthz`` first answers 200. ``repo`` is the checkout
    whose ``docs/examples`` the alarm commands use (None: not shown as files).
    ``identities``: the embedded NATS's, whose alarm-publisher and dashboard identities
    are shown ready to paste (None: an operator's NATS, used as it is)."""
    alarm_url = identities.url(bus.ALARM_PUBLISHER, at.nats) if identities else at.nats
    target = f"--endpoint-url {at.http} --region {at.region}"
    lines = [
        f"Tocsin is ready after {took:.1f}s (running {running}). Ctrl-C stops.",
        f"  HTTP   {at.http}  (AWS API ssm-incidents / ssm-contacts, webhooks, /healthz)",
        f"  Console {at.http}/console/  (sign in with the API key pair below)",
        f"  gRPC   {at.grpc}",
        f"  NATS   {at.nats}  (publish alarms to alarms.<source>)",
    ]
    if identities is not None:
        dashboard = identities.url(bus.DASHBOARD, at.nats)
        lines += [
            f"  NATS identities (in {identities.folder}; anonymous clients are refused):",
            f"    alarm publishers (alarms.> and changes.> only): {alarm_url}",
            f"    dashboards (read events.{at.region}.> only):    {dashboard}",
            f"    nats sub --server {dashboard} 'events.{at.region}.>'",
        ]
    if at.leaf is not None:
        lines += [f"  Regions: another region joins this one ({at.region}) with",
                  f"    TOCSIN_NATS_LEAF_REMOTES={at.leaf}"]
    aws = aws_command()
    if creds.path is None:
        lines += ["  API credentials: the key pairs in TOCSIN_ACCESS_KEYS; sign with one.",
                  "  First call (once per deployment):"]
    else:
        env = f"AWS_SHARED_CREDENTIALS_FILE={creds.path} AWS_PROFILE={PROFILE}"
        how = "generated" if creds.generated else "reused"
        lines += [f"  API credentials ({how}): profile [{PROFILE}] in {creds.path}",
                  "  First call (once per deployment):",
                  f"    export {env}"]
    if at.ca_bundle is not None:
        lines += [f"  TLS: the gateway's certificate is signed by the local CA {at.ca_bundle};"
                  " trust it with",
                  f"    export AWS_CA_BUNDLE={at.ca_bundle}"]
    lines += [
        f"    {aws} ssm-incidents create-replication-set "
        f"--regions '{{\"{at.region}\": {{}}}}' {target}",
        f"    {aws} ssm-incidents list-response-plans {target}",
    ]
    if creds.path is not None:
        lines += [
            "  boto3:",
            "    import os, boto3",
            f'    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "{creds.path}"',
            f'    client = boto3.Session(profile_name="{PROFILE}").client(',
            f'        "ssm-incidents", endpoint_url="{at.http}", region_name="{at.region}"'
            + (f', verify="{at.ca_bundle}")' if at.ca_bundle else ")"),
        ]
    if repo is not None and (repo / ALARM_EXAMPLE).exists():
        example, publisher = repo / ALARM_EXAMPLE, repo / ALARM_PUBLISHER
        lines += [
            f"  Send an alarm to the response plan {EXAMPLE_PLAN!r} (see README, "
            "'The first hour'):",
            f"    {shlex.quote(sys.executable)} {shlex.quote(str(publisher))} "
            f"--nats {alarm_url} --plan {EXAMPLE_PLAN} {shlex.quote(str(example))}",
            "  or, with the nats CLI (the file's id must be new each time):",
            f"    nats pub --server {alarm_url} alarms.cloudwatch "
            f"-H 'Tocsin-Response-Plan: {EXAMPLE_PLAN}' \"$(cat {shlex.quote(str(example))})\"",
        ]
    if not smtp_configured:
        lines.append("  Warning: no SMTP server configured (TOCSIN_SMTP_HOST): activation codes "
                     "and email pages wait until one is.")
    return "\n".join(lines)
