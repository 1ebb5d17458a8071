"""The chaos suite's reduced run (``make chaos`` is the full one; ``chaos/__main__.py`` says
how it works): the whole of Tocsin as ``make run`` starts it, two instances of each service,
40 alarm → incident → engagement → page flows over 30 seconds while a random service
process is SIGKILLed every 1-3 s and NATS and PostgreSQL restart once each; then no alarm,
incident, page, runbook step or timer is lost or repeated (a resend keeps the first send's
``Message-ID``). ``TOCSIN_CHAOS_SEED`` reproduces a run's choices.

It runs ``python -m chaos`` as ``make chaos`` does, with smaller counts, and reads the
figures it prints (``chaos_<name>: <value>``)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tocsin.shared.services import BACKEND_SERVICES

pytestmark = pytest.mark.timeout(420)

REPO = Path(__file__).resolve().parents[2]
REDUCED = {"TOCSIN_CHAOS_FLOWS": "40", "TOCSIN_CHAOS_LOAD_SECONDS": "30",
           "TOCSIN_CHAOS_SETTLE_SECONDS": "120"}
KINDS = (*BACKEND_SERVICES, "gateway")


async def test_nothing_is_lost_or_repeated_under_kills_and_restarts() -> None:
    # The suite starts its own servers and ports: none of the test session's settings.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TOCSIN_") or k == "TOCSIN_CHAOS_SEED"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chaos", cwd=REPO, env={**env, **REDUCED},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    text = out.decode(errors="replace")
    print(text)
    assert proc.returncode == 0, text[-4000:]
    figures = dict(line.removeprefix("chaos_").split(": ", 1) for line in text.splitlines()
                   if line.startswith("chaos_") and ": " in line)
    assert figures["alarms_published"] == figures["incidents"] == "40"
    assert figures["acknowledged"] == "20"
    assert all(int(figures[f"kills_{kind}"]) >= 1 for kind in KINDS)
    assert float(figures["nats_restart_down_seconds"]) >= 0
    assert float(figures["postgres_restart_down_seconds"]) >= 0
