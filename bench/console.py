"""The console's benchmarks, run by ``python -m bench`` against its gateway process in a
real headless Chromium (Debian's ``chromium`` and ``chromium-driver``; skipped with a note
when they are not installed). Bounded: 50 incidents, about 20 seconds.

- ``console_start_to_tile``: from the ``StartIncident`` call (gRPC) to the incident's tile
  on a signed-in browser's open list, with no reload: the browser notes when each tile is
  added (a ``MutationObserver``, ``Date.now()``), on the same clock as the caller here.
- ``console_incident_page_weight``: the bytes an incident page costs a browser with no
  cache (the document, its stylesheet and scripts: Resource Timing's ``transferSize``);
  ``console_metrics_tab_weight`` the same for its Metrics tab, which loads uPlot too.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc

Line = Callable[[str, float, str, dict[str, Any]], None]

INCIDENTS = 50
GOAL_P99_MS = 1000
GOAL_PAGE_KB = 150

_WATCH_TILES = """
window.__tiles = {};
new MutationObserver(records => {
  for (const r of records) for (const n of r.addedNodes)
    if (n.id && n.id.startsWith('incident-') && !(n.id in window.__tiles))
      window.__tiles[n.id] = Date.now();
}).observe(document.getElementById('open-list'), {childList: true});
"""

_PAGE_BYTES = """
const entries = [...performance.getEntriesByType('navigation'),
                 ...performance.getEntriesByType('resource')];
return entries.reduce((sum, e) => sum + e.transferSize, 0);
"""


async def console_bench(stub: pb_grpc.IncidentsStub, *, http: str, key: tuple[str, str],
                        plan_arn: str, results: dict[str, Any], line: Line) -> None:
    """Time ``StartIncident`` → tile over :data:`INCIDENTS` incidents, and weigh the
    incident page."""
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        print("console: skipped (needs Debian's chromium and chromium-driver)", flush=True)
        return
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with tempfile.TemporaryDirectory(prefix="tocsin-bench-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    "--disable-gpu", "--window-size=1280,1000", f"--user-data-dir={profile}"):
            options.add_argument(arg)
        driver = await asyncio.to_thread(webdriver.Chrome, options=options,
                                         service=Service(driver_path))
        try:
            def sign_in() -> None:
                driver.get(f"{http}/console/sign-in")
                driver.find_element(By.ID, "access_key_id").send_keys(key[0])
                driver.find_element(By.ID, "secret").send_keys(key[1])
                driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
                WebDriverWait(driver, 30).until(
                    lambda d: d.find_elements(By.CSS_SELECTOR, "body[data-live=ready]"))
                driver.execute_script(_WATCH_TILES)

            await asyncio.to_thread(sign_in)
            started: dict[str, float] = {}
            record_arn = ""
            for _ in range(INCIDENTS):
                before = time.time() * 1000
                reply = await stub.StartIncident(pb.StartIncidentRequest(
                    response_plan_arn=plan_arn, title="console bench",
                    client_token=str(uuid.uuid4())))
                record_arn = reply.incident_record_arn
                started["incident-" + record_arn.rsplit("/", 1)[-1]] = before
                await asyncio.sleep(0.05)  # one at a time, as incidents come

            def seen() -> dict[str, float]:
                WebDriverWait(driver, 30).until(lambda d: all(
                    k in d.execute_script("return window.__tiles") for k in started))
                tiles: dict[str, float] = driver.execute_script("return window.__tiles")
                return tiles

            tiles = await asyncio.to_thread(seen)
            latencies = sorted(tiles[k] - t for k, t in started.items())
            n = len(latencies)
            line("console_start_to_tile_p50", latencies[n // 2], "ms", results)
            line("console_start_to_tile_p99", latencies[min(n - 1, int(n * 0.99))], "ms",
                 results)
            line("console_start_to_tile_goal_p99", GOAL_P99_MS, "ms", results)


            def weigh(tab: str) -> float:
                driver.execute_cdp_cmd("Network.enable", {})
                driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
                driver.get(f"{http}/console/incident?arn={quote(record_arn, safe='')}"
                           f"&tab={tab}")
                WebDriverWait(driver, 30).until(
                    lambda d: d.execute_script("return document.readyState") == "complete")
                return float(driver.execute_script(_PAGE_BYTES))

            weight = await asyncio.to_thread(weigh, "overview")
            line("console_incident_page_weight", weight / 1024, "KB", results)
            # The Metrics tab also loads uPlot (only pages with a chart do).
            weight = await asyncio.to_thread(weigh, "metrics")
            line("console_metrics_tab_weight", weight / 1024, "KB", results)
            line("console_incident_page_weight_goal", GOAL_PAGE_KB, "KB", results)
        finally:
            await asyncio.to_thread(driver.quit)
