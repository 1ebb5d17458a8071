"""The chaos suite's reduced run (``make chaos`` is the full one; :mod:`chaos` says how it
works): the whole of Tocsin as ``make run`` starts it, two instances of each service, 40
alarm → incident → engagement → page flows over 30 seconds while a random service process
is SIGKILLed every 1-3 s and NATS and PostgreSQL restart once each; then no alarm,
incident, page, runbook step or timer is lost or repeated (a resend keeps the first send's
``Message-ID``). ``TOCSIN_CHAOS_SEED`` reproduces a run's choices."""

from __future__ import annotations

import os
import shutil

import pytest

from chaos.__main__ import Settings, run
from chaos.system import KINDS

pytestmark = pytest.mark.timeout(420)

REDUCED = {"TOCSIN_CHAOS_FLOWS": "40", "TOCSIN_CHAOS_LOAD_SECONDS": "30",
           "TOCSIN_CHAOS_SETTLE_SECONDS": "120"}


async def test_nothing_is_lost_or_repeated_under_kills_and_restarts() -> None:
    settings = Settings.from_env({**REDUCED, **{k: v for k, v in os.environ.items()
                                                if k == "TOCSIN_CHAOS_SEED"}})
    report, work = await run(settings)
    print("\n".join(report.lines()))
    assert report.failures == [], f"seed {settings.seed}, logs in {work}"
    figures = report.figures
    assert figures["alarms_published"] == figures["incidents"] == 40
    assert figures["acknowledged"] == 20
    assert all(figures[f"kills_{kind}"] >= 1 for kind in KINDS)
    assert figures["nats_restart_down_seconds"] >= 0
    assert figures["postgres_restart_down_seconds"] >= 0
    shutil.rmtree(work, ignore_errors=True)
