"""End to end, as the README shows it: two ``make run``s with different regions, data
folders and ports, the second joining the first by a leaf connection, are two regions of
one replication set."""

from __future__ import annotations

import configparser
import json
import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tocsin.shared.testing import error_lines

from .test_make_run import Run, free_port, get, launch, stop


def client(run: Run, region: str) -> Any:
    boto3 = pytest.importorskip("boto3")
    creds = configparser.ConfigParser()
    creds.read(run.data_dir / "credentials")
    profile = creds["tocsin"]
    return boto3.client("ssm-incidents", endpoint_url=f"http://{run.http}",
                        region_name=region, aws_access_key_id=profile["aws_access_key_id"],
                        aws_secret_access_key=profile["aws_secret_access_key"])


def wait(predicate: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"not within {timeout:.0f}s")


@pytest.mark.timeout(600)
def test_two_make_runs_are_two_regions_of_one_set(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    for name in ("east", "west"):
        (tmp_path / name).mkdir()
    east = launch(tmp_path / "east", TOCSIN_REGION="east",
                  TOCSIN_NATS_LEAF_LISTEN=f"127.0.0.1:{free_port()}")
    west: Run | None = None
    try:
        # The ready block tells how another region joins this one.
        found = wait(lambda: re.search(r"TOCSIN_NATS_LEAF_REMOTES=(\S+)", east.text()), 30)
        west = launch(tmp_path / "west", TOCSIN_REGION="west",
                      TOCSIN_NATS_LEAF_REMOTES=found.group(1))
        arn = client(east, "east").create_replication_set(
            regions={"east": {}, "west": {}})["arn"]
        in_west = client(west, "west")

        def active() -> bool:
            try:
                rs = in_west.get_replication_set(arn=arn)["replicationSet"]
            except in_west.exceptions.ResourceNotFoundException:
                return False
            return rs["status"] == "ACTIVE" and {
                r["status"] for r in rs["regionMap"].values()} == {"ACTIVE"}
        wait(active, 120)
        status, body = get(f"http://{west.http}/healthz")
        report = json.loads(body)
        assert status == 200 and report["regions"]["east"]["status"] == "ok"
    finally:
        if west is not None:
            stop(west, signal.SIGTERM)
        stop(east, signal.SIGTERM)
    for run in (east, west):
        assert run is not None and error_lines(run.text()) == [], run.text()[-3000:]
