"""The console in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``,
driven by Selenium): a responder signs in with an access key, sees an incident started
through boto3 appear on the list without reloading, and runs it from the incident page;
pages pass axe-core's accessibility rules; forged requests are refused.

Every page the tests look at is saved as a screenshot under the test's output folder
(``<basetemp>/<test>/screenshots``).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import boto3
import pytest
import pytest_asyncio
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tocsin.analysis.app import lifespan as analysis_lifespan
from tocsin.analysis.settings import Settings as AnalysisSettings
from tocsin.gateway import app as gateway_app
from tocsin.gateway.http import HttpGateway
from tocsin.gateway.settings import Settings as GatewaySettings
from tocsin.shared.testing import running, wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
RUNBOOK = """\
schemaVersion: '0.3'
description: Checkout failing
mainSteps:
- name: Triage
  action: aws:pause
  description: Check the payment gateway's error rate, then choose Next step.
  inputs: {}
- name: Recover
  action: aws:sleep
  inputs: {Duration: PT0S}
"""
RESPONDER = ("AKIDCONSOLERESPONDER", "console-responder-secret")
RESPONDER_POLICY = {"principals": [{
    "arn": "arn:tocsin:iam::000000000000:user/night-responder",
    "accessKeys": [{"id": RESPONDER[0], "secret": RESPONDER[1]}],
    "policies": [{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["ssm-incidents:*", "ssm-contacts:*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "ssm-incidents:StartIncident", "Resource": "*"}]}]}]}
"""A responder who may do everything but start an incident."""
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
AXE = Path(__file__).parent / "console_assets" / "axe-4.14.1.min.js"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")


class Browser:
    """A Chromium window the test drives; every call runs in a thread, so the services in
    the test's event loop go on answering."""

    def __init__(self, driver: webdriver.Chrome, base: str, shots: Path) -> None:
        self.driver = driver
        self.base = base
        self.shots = shots

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def get(self, path: str) -> None:
        await self.run(self.driver.get, self.base + path)

    async def find(self, css: str, timeout: float = 10) -> WebElement:
        def find() -> WebElement:
            return WebDriverWait(self.driver, timeout).until(
                lambda d: d.find_element(By.CSS_SELECTOR, css))
        element: WebElement = await self.run(find)
        return element

    async def fill(self, css: str, text: str) -> None:
        element = await self.find(css)
        await self.run(element.clear)
        await self.run(element.send_keys, text)

    async def press(self, css: str) -> None:
        """Click and wait for the page the click leads to."""
        element = await self.find(css)
        await self.run(self.driver.execute_script,
                       "document.querySelector('main').dataset.old = '1'")
        await self.run(element.click)

        def replaced() -> None:
            WebDriverWait(self.driver, 10).until(_replaced)
        await self.run(replaced)

    async def text(self, css: str = "body") -> str:
        element = await self.find(css)
        text: str = await self.run(lambda: element.text)
        return text

    async def shot(self, name: str) -> Path:
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        await self.run(self.driver.save_screenshot, str(path))
        return path

    async def axe(self) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations on the current page."""
        source = AXE.read_text()

        def run() -> dict[str, Any]:
            self.driver.execute_script(source)
            result: dict[str, Any] = self.driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document).then(r => done({violations: r.violations}),"
                " e => done({error: String(e)}));")
            return result
        result = await self.run(run)
        assert "error" not in result, result
        return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _replaced(driver: webdriver.Chrome) -> bool:
    # A full load or hx-boost's swap of the body: either way a new <main>, and no htmx
    # request still under way.
    return bool(driver.execute_script(
        "const main = document.querySelector('main');"
        "return document.readyState === 'complete' && main !== null && !main.dataset.old"
        " && !document.querySelector('.htmx-request');"))


@pytest.fixture
def tocsin_options(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(RESPONDER_POLICY))
    return {"gateway": {"policy_file": str(path)}}


@pytest_asyncio.fixture(autouse=True)
async def analysis_service(tocsin: dict[str, Any], nats_url: str, database_url: str,
                           isolation: dict[str, str]) -> AsyncIterator[None]:
    """The analysis service beside the rest of Tocsin, as ``make run`` starts it: the
    console lists analyses on every incident list."""
    settings = AnalysisSettings(nats_url=nats_url, database_url=database_url,
                                shutdown_grace=5, outbox_poll_interval=0.2, **isolation)
    async with running(analysis_lifespan, settings):
        yield


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(str(DRIVER)))
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium: webdriver.Chrome, tocsin: dict[str, Any],
            tmp_path: Path) -> Iterator[Browser]:
    shots = tmp_path / "screenshots"
    yield Browser(chromium, tocsin["http"], shots)
    # Where the test ended (the page a failure left), for whoever reads the output folder.
    shots.mkdir(parents=True, exist_ok=True)
    chromium.save_screenshot(str(shots / "last.png"))
    (shots / "last.html").write_text(chromium.page_source)


def aws(tocsin: dict[str, Any], service: str) -> Any:
    return boto3.client(service, endpoint_url=tocsin["http"], region_name=tocsin["region"],
                        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)


async def sign_in(browser: Browser, key_id: str = KEY_ID, secret: str = SECRET) -> None:
    await browser.get("/console/")
    await browser.fill("#access_key_id", key_id)
    await browser.fill("#secret", secret)
    await browser.press("form[action$='/sign-in'] button[type=submit]")


async def forge(browser: Browser, action: str, fields: dict[str, str]) -> str:
    """Post a form the page did not offer, with the session's own CSRF token, from the
    signed-in page; the text of the refusal it leads to."""
    csrf = await browser.run(
        browser.driver.execute_script,
        "return document.querySelector('input[name=csrf_token]').value")
    await browser.run(browser.driver.execute_script, """
        const form = document.createElement('form');
        form.method = 'post'; form.action = arguments[0];
        for (const [k, v] of Object.entries(arguments[1])) {
            const input = document.createElement('input');
            input.type = 'hidden'; input.name = k; input.value = v; form.append(input);
        }
        document.body.append(form); form.submit();""", action, {"csrf_token": csrf, **fields})
    alert = await browser.find("[role=alert]")
    text: str = await browser.run(lambda: alert.text)
    return text


def mail_code(tocsin: dict[str, Any], address: str, pattern: str) -> str | None:
    """The last code ``pattern`` finds in a mail to ``address`` at the test's SMTP server."""
    for message in reversed(tocsin["mailbox"].messages):
        if message["To"] == address:
            found = re.search(pattern, message.get_content())
            if found:
                return found.group(1)
    return None


class TestSignIn:
    async def test_a_wrong_key_cannot_sign_in(self, tocsin: dict[str, Any],
                                              browser: Browser) -> None:
        """A wrong secret (or an unknown key) leaves the responder on the sign-in page with
        a message, and the list still sends them back to it."""
        await sign_in(browser, KEY_ID, "not-the-secret")
        assert "do not match a key" in await browser.text("[role=alert]")
        await browser.shot("sign-in-refused")
        await sign_in(browser, "NOSUCHKEY", SECRET)
        assert "do not match a key" in await browser.text("[role=alert]")
        await browser.get("/console/")
        assert await browser.find("#access_key_id")

    async def test_the_session_cookie_is_httponly_and_strict(
            self, tocsin: dict[str, Any], browser: Browser) -> None:
        """Signing in sets an HttpOnly, SameSite=Strict session cookie that scripts cannot
        read; signing out ends the session."""
        await sign_in(browser, KEY_ID, SECRET)
        assert await browser.find("#open-list")
        cookies = await browser.run(browser.driver.get_cookies)
        session = next(c for c in cookies if c["name"] == "tocsin_console")
        assert session["httpOnly"] is True
        assert session["sameSite"] == "Strict"
        assert "tocsin_console" not in await browser.run(
            browser.driver.execute_script, "return document.cookie")
        await browser.press(".sign-out button")
        assert await browser.find("#access_key_id")
        await browser.get("/console/")
        assert await browser.find("#access_key_id")

    async def test_a_form_without_its_csrf_token_is_refused(
            self, tocsin: dict[str, Any]) -> None:
        """A signed-in browser's POST without the form's CSRF token (what another site's
        form would send) is refused with 403 and changes nothing."""
        incidents = aws(tocsin, "ssm-incidents")

        def prepare() -> str:
            incidents.create_replication_set(regions={tocsin["region"]: {}})
            return str(incidents.create_response_plan(
                name="api", incidentTemplate={"title": "API down", "impact": 1})["arn"])

        plan = await asyncio.to_thread(prepare)
        # unsafe: keep cookies of an IP address host (127.0.0.1), as a browser does.
        async with aiohttp.ClientSession(base_url=tocsin["http"],
                                         cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get("/console/sign-in") as page:
                token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
            assert token is not None
            async with http.post("/console/sign-in", allow_redirects=False, data={
                    "access_key_id": KEY_ID, "secret": SECRET}) as refused:
                assert refused.status == 403
                # The refusal's form carries a fresh token (and cookie): the old one is spent.
                token = re.search(r'name="csrf_token" value="([^"]+)"', await refused.text())
                assert token is not None
            async with http.post("/console/sign-in", allow_redirects=False, data={
                    "access_key_id": KEY_ID, "secret": SECRET,
                    "csrf_token": token.group(1)}) as signed_in:
                assert signed_in.status == 303
            async with http.post("/console/incidents/start", allow_redirects=False,
                                 data={"plan": plan}) as forged:
                assert forged.status == 403
                assert "CSRF" in await forged.text()
            async with http.get("/console/") as listed:
                html = await listed.text()
            token = re.search(r'name="csrf_token" value="([^"]+)"', html)
            assert token is not None
            async with http.post("/console/sign-out", allow_redirects=False,
                                 data={"csrf_token": "forged"}) as forged:
                assert forged.status == 403
            async with http.post("/console/sign-out", allow_redirects=False,
                                 data={"csrf_token": token.group(1)}) as signed_out:
                assert signed_out.status == 303
            async with http.get("/console/", allow_redirects=False) as after:
                assert after.status == 303
        records = await asyncio.to_thread(incidents.list_incident_records)
        assert records["incidentRecordSummaries"] == []


    async def test_sign_ins_are_audited_and_a_sign_out_ends_the_session_everywhere(
            self, tocsin: dict[str, Any], nats_url: str, database_url: str,
            isolation: dict[str, str], tocsin_options: dict[str, Any]) -> None:
        """A refused and an accepted sign-in are ConsoleLogin records in the audit trail
        (Failure and Success, as the key's user), and signing out on one gateway ends the
        session on another one already running and on one started afterwards."""
        settings: dict[str, Any] = {
            "nats_url": nats_url, "database_url": database_url, "shutdown_grace": 5,
            "grpc_addr": "127.0.0.1:0", "http_addr": "127.0.0.1:0",
            "access_keys": f"{KEY_ID}:{SECRET}", **isolation, **tocsin_options["gateway"]}

        async def other_gateway_says(base: str, cookie: str) -> int:
            async with aiohttp.ClientSession(base_url=base) as http, http.get(
                    "/console/", allow_redirects=False,
                    headers={"Cookie": f"tocsin_console={cookie}"}) as page:
                return page.status

        async with aiohttp.ClientSession(base_url=tocsin["http"],
                                         cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async def sign_in_form(secret: str) -> int:
                async with http.get("/console/sign-in") as page:
                    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
                assert token is not None
                async with http.post("/console/sign-in", allow_redirects=False, data={
                        "access_key_id": RESPONDER[0], "secret": secret,
                        "csrf_token": token.group(1)}) as answer:
                    return answer.status

            assert await sign_in_form("not-the-secret") == 401
            assert await sign_in_form(RESPONDER[1]) == 303
            cookie = next(c.value for c in http.cookie_jar if c.key == "tocsin_console")
            async with running(gateway_app.lifespan, GatewaySettings(**settings)) as workers:
                other = next(w for w in workers if isinstance(w, HttpGateway))
                base = f"http://127.0.0.1:{other.port}"
                assert await other_gateway_says(base, cookie) == 200
                async with http.get("/console/") as listed:
                    token = re.search(r'name="csrf_token" value="([^"]+)"', await listed.text())
                assert token is not None
                async with http.post("/console/sign-out", allow_redirects=False,
                                     data={"csrf_token": token.group(1)}) as signed_out:
                    assert signed_out.status == 303
                async def refused() -> bool:
                    return await other_gateway_says(base, cookie) == 303

                await wait_for(refused, timeout=10)
            async with running(gateway_app.lifespan, GatewaySettings(**settings)) as workers:
                late = next(w for w in workers if isinstance(w, HttpGateway))
                assert await other_gateway_says(f"http://127.0.0.1:{late.port}", cookie) == 303

        trail = aws(tocsin, "cloudtrail")

        def sign_ins() -> list[dict[str, Any]]:
            found = trail.lookup_events(LookupAttributes=[
                {"AttributeKey": "EventSource", "AttributeValue": "signin.amazonaws.com"}])
            return [json.loads(e["CloudTrailEvent"]) for e in found["Events"]]

        records = list(reversed(await asyncio.to_thread(sign_ins)))  # newest first
        assert [(r["eventName"], (r.get("responseElements") or {}).get(r["eventName"]))
                for r in records] == [("ConsoleLogin", "Failure"), ("ConsoleLogin", "Success"),
                                      ("ConsoleLogout", "Success")]
        failed, accepted, _ = records
        assert failed["errorMessage"] == "Failed authentication"
        assert failed["eventType"] == accepted["eventType"] == "AwsConsoleSignIn"
        assert {r["userIdentity"].get("userName") for r in records} == {"night-responder"}
        assert "not-the-secret" not in json.dumps(records)
        assert RESPONDER[1] not in json.dumps(records)


class TestAuthorization:
    async def test_a_responder_denied_start_incident_neither_sees_nor_forges_it(
            self, tocsin: dict[str, Any], browser: Browser) -> None:
        """A responder whose policy denies StartIncident signs in and reads the list, is
        not offered "Start incident" (the administrator is), and a start she forges with
        a valid session and CSRF token is refused by the gateway's authorization as
        AccessDeniedException; no incident starts."""
        incidents = aws(tocsin, "ssm-incidents")

        def prepare() -> str:
            incidents.create_replication_set(regions={tocsin["region"]: {}})
            return str(incidents.create_response_plan(
                name="search", incidentTemplate={"title": "Search slow", "impact": 3})["arn"])

        plan = await asyncio.to_thread(prepare)
        await sign_in(browser)
        assert await browser.find("details.start")
        await browser.press(".sign-out button")

        await sign_in(browser, *RESPONDER)
        await browser.find("#open-list")
        assert "night-responder" not in await browser.text("main")
        starts = await browser.run(browser.driver.find_elements, By.CSS_SELECTOR,
                                   "details.start, form[action$='/incidents/start']")
        assert starts == []
        await browser.shot("list-responder")

        # The forged form: the responder's own session and CSRF token, a start she was
        # not offered, posted from her signed-in page.
        csrf = await browser.run(
            browser.driver.execute_script,
            "return document.querySelector('input[name=csrf_token]').value")
        await browser.run(browser.driver.execute_script, """
            const form = document.createElement('form');
            form.method = 'post'; form.action = '/console/incidents/start';
            for (const [k, v] of Object.entries(arguments[0])) {
                const input = document.createElement('input');
                input.type = 'hidden'; input.name = k; input.value = v; form.append(input);
            }
            document.body.append(form); form.submit();""", {"csrf_token": csrf, "plan": plan})
        alert = await browser.find("[role=alert]")
        text = await browser.run(lambda: alert.text)
        assert "AccessDeniedException" in text
        assert "ssm-incidents:StartIncident" in text
        await browser.shot("start-refused")
        records = await asyncio.to_thread(incidents.list_incident_records)
        assert records["incidentRecordSummaries"] == []


class TestIncidentLoop:
    async def test_a_responder_runs_an_incident_from_the_console(
            self, tocsin: dict[str, Any], browser: Browser) -> None:
        """Signed in with the access key, a responder sees an incident started through
        boto3 appear on the open list without reloading (within 2 s), opens it, adds a
        note to its timeline, acknowledges her page with the code that came by mail, presses
        Next step on its runbook's manual step, resolves it, creates its analysis and
        answers a question; the list, incident, runbook, analysis and response plan pages
        pass axe-core."""
        incidents, contacts = aws(tocsin, "ssm-incidents"), aws(tocsin, "ssm-contacts")
        ssm = aws(tocsin, "ssm")
        address = f"ana-{uuid.uuid4().hex[:6]}@example.com"

        def prepare() -> tuple[str, str]:
            incidents.create_replication_set(regions={tocsin["region"]: {}})
            contact = contacts.create_contact(Alias="ana", Type="PERSONAL",
                                              Plan={"Stages": []})["ContactArn"]
            channel = contacts.create_contact_channel(
                ContactId=contact, Name="mail", Type="EMAIL",
                DeliveryAddress={"SimpleAddress": address})["ContactChannelArn"]
            return contact, channel

        contact, channel = await asyncio.to_thread(prepare)
        await wait_for(lambda: mail_code(tocsin, address, r"activation code is (\S+)"),
                       timeout=15)

        def plan() -> str:
            contacts.activate_contact_channel(
                ContactChannelId=channel,
                ActivationCode=mail_code(tocsin, address, r"activation code is (\S+)"))
            contacts.update_contact(ContactId=contact, Plan={"Stages": [{
                "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                    "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
            ssm.create_document(Name="CheckoutRunbook", Content=RUNBOOK,
                                DocumentType="Automation", DocumentFormat="YAML")
            return str(incidents.create_response_plan(
                name="checkout", displayName="Checkout",
                incidentTemplate={"title": "Checkout failing", "impact": 2,
                                  "summary": "Payments time out"},
                engagements=[contact], actions=[{"ssmAutomation": {
                    "roleArn": "arn:aws:iam::111122223333:role/IncidentAutomation",
                    "documentName": "CheckoutRunbook", "documentVersion": "$DEFAULT"}}])["arn"])

        plan_arn = await asyncio.to_thread(plan)

        await sign_in(browser)
        await browser.find("body[data-live=ready]")
        await browser.shot("list-empty")

        started = time.monotonic()
        arn = await asyncio.to_thread(
            lambda: incidents.start_incident(responsePlanArn=plan_arn)["incidentRecordArn"])
        tile_id = "incident-" + arn.rsplit("/", 1)[-1]
        tile = await browser.find(f"#{tile_id}", timeout=2 - (time.monotonic() - started))
        assert time.monotonic() - started <= 2
        assert "Checkout failing" in await browser.run(lambda: tile.text)
        assert "2 High" in await browser.run(lambda: tile.text)
        await browser.shot("list-live")
        assert await browser.axe() == []

        await browser.press(f"#{tile_id} a")
        assert "Checkout failing" in await browser.text("#incident-title")
        assert "Payments time out" in await browser.text(".pane")
        await browser.shot("incident-overview")
        assert await browser.axe() == []

        # Another responder renames it: the banner follows without a reload.
        await browser.find("body[data-live-url*='/incident/live']")
        await browser.run(browser.driver.execute_script, "window.__samePage = true")
        changed = time.monotonic()
        await asyncio.to_thread(lambda: incidents.update_incident_record(
            arn=arn, title="Checkout failing in eu-west"))

        def renamed() -> None:
            WebDriverWait(browser.driver, 2).until(lambda d: "eu-west" in d.find_element(
                By.ID, "incident-title").text)
        await browser.run(renamed)
        assert time.monotonic() - changed <= 2
        assert await browser.run(browser.driver.execute_script, "return window.__samePage")

        await browser.press("a[href$='tab=timeline']")
        await browser.fill("#t-text", "Rolled back the payment gateway deploy")
        await browser.press("form[action$='/incident/timeline'] button")
        assert "Rolled back the payment gateway deploy" in await browser.text(".timeline")
        # A note another responder adds is offered, not pushed under the reader's hands.
        await browser.find("body[data-live-url*='/incident/live']")
        await asyncio.to_thread(lambda: incidents.create_timeline_event(
            incidentRecordArn=arn, eventTime=time.time(), eventType="Custom Event",
            eventData=json.dumps("Error rate back under 1%")))
        await browser.run(lambda: WebDriverWait(browser.driver, 5).until(
            lambda d: d.find_element(By.ID, "show-latest").is_displayed()))
        assert "Error rate back under 1%" not in await browser.text(".timeline")
        await browser.run(lambda: browser.driver.find_element(By.ID, "show-latest").click())
        assert "Error rate back under 1%" in await browser.text(".timeline")
        await browser.shot("incident-timeline")
        assert await browser.axe() == []

        await wait_for(lambda: mail_code(tocsin, address, r"accept code is (\d+)"),
                       timeout=15)
        code = mail_code(tocsin, address, r"accept code is (\d+)")
        assert code is not None
        await browser.press("a[href$='tab=engagements']")
        await browser.fill("form[action$='/incident/acknowledge'] input[name=code]", code)
        await browser.press("form[action$='/incident/acknowledge'] button")
        assert "Yes," in await browser.text("table")
        await browser.shot("incident-engagements")
        assert await browser.axe() == []
        pages = await asyncio.to_thread(
            lambda: contacts.list_pages_by_contact(ContactId=contact)["Pages"])
        assert [p.get("ReadTime") is not None for p in pages] == [True]

        # The Metrics tab draws the engagement's progress with uPlot, key times marked,
        # and gives the same numbers as a table.
        await browser.press("a[href$='tab=metrics']")
        chart = await browser.find(".chart-area[data-ready] canvas", timeout=15)
        assert await browser.run(lambda: chart.size["width"]) > 200
        legend = await browser.text(".chart .u-legend")
        assert "Pages sent" in legend and "Acknowledged" in legend
        last_row = await browser.run(lambda: browser.driver.execute_script(
            "const rows = document.querySelectorAll('.chart-table tbody tr');"
            "return [...rows[rows.length - 1].cells].slice(1).map(c => c.textContent);"))
        assert last_row == ["1", "1"]
        assert "Declared" in await browser.text("main")
        await browser.shot("incident-metrics")
        assert await browser.axe() == []

        def execution(status: str) -> dict[str, Any] | None:
            record = incidents.get_incident_record(arn=arn)["incidentRecord"]
            for run in record.get("automationExecutions") or []:
                found: dict[str, Any] = ssm.get_automation_execution(
                    AutomationExecutionId=run["ssmExecutionArn"].rsplit("/", 1)[1],
                )["AutomationExecution"]
                if found["AutomationExecutionStatus"] == status:
                    return found
            return None

        await wait_for(lambda: asyncio.to_thread(execution, "Waiting"), timeout=15)
        await browser.press("a[href$='tab=overview']")
        assert "Triage" in await browser.text(".step.current")
        await browser.press("a[href$='tab=runbook']")
        await browser.shot("incident-runbook-waiting")
        assert await browser.axe() == []
        await browser.press("form[action$='/incident/runbook/next'] button")
        done = await wait_for(lambda: asyncio.to_thread(execution, "Success"), timeout=15)
        assert [s["StepStatus"] for s in done["StepExecutions"]] == ["Success", "Success"]

        def step_completions() -> bool:
            found = incidents.list_timeline_events(incidentRecordArn=arn, filters=[{
                "key": "eventType", "condition": {"equals": {
                    "stringValues": ["Tocsin Runbook Step Completed"]}}}])["eventSummaries"]
            return len(found) == 2

        await wait_for(lambda: asyncio.to_thread(step_completions), timeout=15)
        await browser.press("a[href$='tab=runbook']")
        assert "CheckoutRunbook · Success" in await browser.text(".runbook h3")
        # The timeline gained the runbook's events since the responder last opened it.
        badge = await browser.find("a[href$='tab=timeline'] .badge")
        assert int(await browser.run(lambda: badge.text)) >= 2
        assert await browser.run(browser.driver.find_elements, By.CSS_SELECTOR,
                                 "form[action$='/incident/runbook/next']") == []
        await browser.shot("incident-runbook-done")

        await browser.press("form[action$='/incident/resolve'] button")
        assert await browser.text("#status") == "RESOLVED"
        await browser.shot("incident-resolved")
        record = await asyncio.to_thread(
            lambda: incidents.get_incident_record(arn=arn)["incidentRecord"])
        assert record["status"] == "RESOLVED"

        await browser.press("form[action$='/incident/analyse'] button")
        assert "Questions" in await browser.text("main")
        answer = await browser.find("form[action$='/analysis/answer'] textarea")
        question = await browser.run(answer.get_attribute, "id")
        await browser.fill(f"#{question}", "The payment gateway's deploy had no canary")
        await browser.press(f"form:has(#{question}) button")
        assert "Answer: The payment gateway's deploy had no canary" in await browser.text(
            "main")
        await browser.shot("analysis")
        assert await browser.axe() == []
        figure = await browser.find("img.figure")
        assert await browser.run(browser.driver.execute_script,
                                 "return arguments[0].naturalWidth", figure) > 0

        await browser.get("/console/")
        assert await browser.find(f"#resolved-list #{tile_id}")
        assert "checkout" in await browser.text("section[aria-labelledby=analyses-h]")
        await browser.get("/console/plans")
        await browser.press("table a")
        assert "Checkout failing" in await browser.text("main")
        await browser.shot("plan")
        assert await browser.axe() == []

    async def test_the_list_reads_on_a_phone(self, tocsin: dict[str, Any],
                                             browser: Browser) -> None:
        """At a phone's width neither the incident list nor an incident's tabs need
        sideways scrolling."""
        incidents = aws(tocsin, "ssm-incidents")

        def start() -> str:
            incidents.create_replication_set(regions={tocsin["region"]: {}})
            plan = incidents.create_response_plan(
                name="mobile-checkout-with-a-long-plan-name",
                incidentTemplate={"title": "Checkout failing on the mobile app", "impact": 1})
            return str(incidents.start_incident(responsePlanArn=plan["arn"])[
                "incidentRecordArn"])

        arn = await asyncio.to_thread(start)
        await browser.run(browser.driver.set_window_size, 390, 844)
        await sign_in(browser)
        await browser.find("#open-list")
        await browser.shot("list-phone")

        async def fits() -> bool:
            scroll = await browser.run(browser.driver.execute_script,
                                       "return document.documentElement.scrollWidth")
            width = await browser.run(browser.driver.execute_script,
                                      "return document.documentElement.clientWidth")
            return bool(scroll <= width)

        assert await fits()
        for tab in ("overview", "metrics", "engagements", "properties"):
            await browser.get(f"/console/incident?arn={quote(arn, safe='')}&tab={tab}")
            await browser.find("#incident-title")
            await browser.shot(f"incident-{tab}-phone")
            assert await fits(), tab



class TestTimeline:
    async def test_a_responder_edits_her_own_notes_only(
            self, tocsin: dict[str, Any], browser: Browser) -> None:
        """On the Timeline tab a responder edits the text and time of a note she wrote;
        another principal's note is shown read-only with its author, and an edit of it
        she forges is refused (AccessDeniedException) and changes nothing."""
        incidents = aws(tocsin, "ssm-incidents")

        def start() -> tuple[str, str]:
            incidents.create_replication_set(regions={tocsin["region"]: {}})
            plan = incidents.create_response_plan(
                name="queue", incidentTemplate={"title": "Queue backlog", "impact": 3})
            arn = incidents.start_incident(responsePlanArn=plan["arn"])["incidentRecordArn"]
            note = incidents.create_timeline_event(
                incidentRecordArn=arn, eventTime=time.time() - 60, eventType="Custom Event",
                eventData=json.dumps("Paused the consumers"))["eventId"]
            return str(arn), str(note)

        arn, theirs = await asyncio.to_thread(start)
        await sign_in(browser, *RESPONDER)
        await browser.get(f"/console/incident?arn={quote(arn, safe='')}&tab=timeline")
        await browser.run(browser.driver.execute_script,
                          "document.getElementById('t-type').value = 'Note'")
        await browser.fill("#t-text", "Scaled the workers to 12")
        await browser.press("form[action$='/incident/timeline'] button")
        mine = await browser.find("li:has(details.edit-event)")
        assert "Note Scaled the workers to 12" in await browser.run(lambda: mine.text)
        other = await browser.find("li:has(time):not(:has(details)) .who")
        assert "read-only" in await browser.run(lambda: other.text)
        assert len(await browser.run(browser.driver.find_elements, By.CSS_SELECTOR,
                                     "details.edit-event")) == 1
        await browser.shot("incident-timeline-own")
        assert await browser.axe() == []

        await browser.run(lambda: browser.driver.find_element(
            By.CSS_SELECTOR, "details.edit-event summary").click())
        await browser.fill("details.edit-event textarea", "Scaled the workers to 16")
        await browser.press("details.edit-event button")
        assert "Scaled the workers to 16" in await browser.text(".timeline")

        refusal = await forge(browser, "/console/incident/timeline/edit", {
            "arn": arn, "event_id": theirs, "text": "Nothing happened"})
        assert "AccessDeniedException" in refusal
        await browser.shot("timeline-edit-refused")
        event = await asyncio.to_thread(lambda: incidents.get_timeline_event(
            incidentRecordArn=arn, eventId=theirs)["event"])
        assert json.loads(event["eventData"]) == "Paused the consumers"


class TestEngagements:
    async def test_an_escalation_plan_shows_whom_it_engaged_and_whom_it_will(
            self, tocsin: dict[str, Any], browser: Browser) -> None:
        """Engaging an escalation plan from the Engagements tab lists its first stage's
        contact as engaged through the plan, and the second stage's as scheduled for when
        that stage begins; a contact engaged directly says so."""
        incidents, contacts = aws(tocsin, "ssm-incidents"), aws(tocsin, "ssm-contacts")

        def prepare() -> tuple[str, str]:
            incidents.create_replication_set(regions={tocsin["region"]: {}})
            ana = contacts.create_contact(Alias="ana", DisplayName="Ana", Type="PERSONAL",
                                          Plan={"Stages": []})["ContactArn"]
            bo = contacts.create_contact(Alias="bo", DisplayName="Bo", Type="PERSONAL",
                                         Plan={"Stages": []})["ContactArn"]
            plan = contacts.create_contact(Alias="payments-oncall", Type="ESCALATION", Plan={
                "Stages": [{"DurationInMinutes": 10, "Targets": [
                               {"ContactTargetInfo": {"ContactId": ana, "IsEssential": True}}]},
                           {"DurationInMinutes": 10, "Targets": [
                               {"ContactTargetInfo": {"ContactId": bo, "IsEssential": True}}]}]},
            )["ContactArn"]
            response_plan = incidents.create_response_plan(
                name="payments", incidentTemplate={"title": "Payments failing", "impact": 2})
            arn = incidents.start_incident(responsePlanArn=response_plan["arn"])
            return str(arn["incidentRecordArn"]), str(plan)

        arn, plan = await asyncio.to_thread(prepare)
        await sign_in(browser)
        await browser.get(f"/console/incident?arn={quote(arn, safe='')}&tab=engagements")
        await browser.fill("#g-contact", plan)
        await browser.press("form[action$='/incident/engage'] button")

        def started() -> float | None:
            found = contacts.list_engagements(IncidentId=arn)["Engagements"]
            pages = contacts.list_pages_by_engagement(
                EngagementId=found[0]["EngagementArn"])["Pages"] if found else []
            return found[0]["StartTime"].timestamp() if pages else None

        start = await wait_for(lambda: asyncio.to_thread(started), timeout=15)
        await browser.get(f"/console/incident?arn={quote(arn, safe='')}&tab=engagements")
        rows = [await browser.run(lambda r=r: r.text) for r in await browser.run(
            browser.driver.find_elements, By.CSS_SELECTOR, "table.engagements tbody tr")]
        assert len(rows) == 2, rows
        assert rows[0].startswith("Ana payments-oncall") and "Acknowledge" in rows[0]
        later = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(int(start) + 600))
        assert rows[1].startswith("Bo payments-oncall Scheduled for")
        assert later[:16] in rows[1] and "Not yet engaged" in rows[1]
        await browser.shot("incident-engagements-plan")
        assert await browser.axe() == []
        # A name leads to the contact on the On call page, with its channels.
        await browser.press("table.engagements a[href$='#contact-ana']")
        assert await browser.text("#contact-ana") == "Ana"


class TestAnalysis:
    async def test_an_analysis_is_curated_and_its_action_items_followed(
            self, tocsin: dict[str, Any], browser: Browser) -> None:
        """On an analysis page a responder writes the overview and the mitigated time,
        adds, edits and removes points of the analysis's own timeline (the incident's is
        untouched), accepts a recommendation with a due date and then changes its action
        item's status and due date, dismisses another and restores it, ticks the
        checklist and exports; axe-core finds nothing serious."""
        incidents = aws(tocsin, "ssm-incidents")

        def resolved() -> str:
            incidents.create_replication_set(regions={tocsin["region"]: {}})
            plan = incidents.create_response_plan(
                name="ledger", incidentTemplate={"title": "Ledger lagging", "impact": 2})
            arn = str(incidents.start_incident(responsePlanArn=plan["arn"])[
                "incidentRecordArn"])
            incidents.create_timeline_event(
                incidentRecordArn=arn, eventTime=time.time(), eventType="Custom Event",
                eventData=json.dumps("Replica fell behind"))
            incidents.update_incident_record(arn=arn, status="RESOLVED")
            return arn

        arn = await asyncio.to_thread(resolved)
        await sign_in(browser)
        await browser.get(f"/console/incident?arn={quote(arn, safe='')}")
        await browser.press("form[action$='/incident/analyse'] button")
        assert "Questions" in await browser.text("main")

        await browser.run(lambda: browser.driver.find_element(
            By.CSS_SELECTOR, "details.edit-overview summary").click())
        await browser.fill("#ov-summary", "The ledger replica lagged behind the primary")
        mitigated = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 30))
        await browser.run(browser.driver.execute_script,
                          "document.getElementById('kt-mitigatedTime').value = arguments[0]",
                          mitigated)
        await browser.press("form[action$='/analysis/overview'] button")
        overview = await browser.text("section[aria-labelledby=ov-h]")
        assert "The ledger replica lagged behind the primary" in overview
        assert mitigated.replace("T", " ") + " UTC" in overview

        assert await browser.find(".chart-area[data-ready] canvas", timeout=15)
        await browser.fill("#mq-title", "Replica lag")
        await browser.fill("#mq-query", "max(pg_replication_lag_seconds)")
        await browser.press("form:has(#mq-query) button")
        assert "max(pg_replication_lag_seconds)" in await browser.text("ul.metric-queries")
        await browser.fill("#mq-title", "Ledger writes")
        await browser.fill("#mq-query", "sum(rate(ledger_writes_total[5m]))")
        await browser.press("form:has(#mq-query) button")
        await browser.press("button[aria-label='Remove the graph Replica lag']")
        graphs = await browser.text("ul.metric-queries")
        assert "Ledger writes" in graphs and "Replica lag" not in graphs

        points = "ol.analysis-timeline > li"
        count = len(await browser.run(browser.driver.find_elements, By.CSS_SELECTOR, points))
        await browser.fill("#np-text", "Customers saw stale balances")
        await browser.press("form:has(#np-text) button")
        assert "Customers saw stale balances" in await browser.text("ol.analysis-timeline")
        copied = await browser.find("ol.analysis-timeline li:has(.edata) details.edit-point")
        await browser.run(lambda: copied.find_element(By.CSS_SELECTOR, "summary").click())
        await browser.run(lambda: copied.find_element(By.CSS_SELECTOR, "textarea").clear())
        await browser.run(lambda: copied.find_element(By.CSS_SELECTOR, "textarea").send_keys(
            "The first alarm"))
        await browser.press("ol.analysis-timeline details[open] form.stack button")
        assert "The first alarm" in await browser.text("ol.analysis-timeline")
        assert "(edited)" in await browser.text("ol.analysis-timeline")
        stale = await browser.find("ol.analysis-timeline li:has(.edata) details.edit-point")
        await browser.run(lambda: stale.find_element(By.CSS_SELECTOR, "summary").click())
        await browser.press("ol.analysis-timeline details[open] form.inline button")
        assert "The first alarm" not in await browser.text("ol.analysis-timeline")
        assert len(await browser.run(browser.driver.find_elements, By.CSS_SELECTOR,
                                     points)) == count

        def incident_timeline() -> list[str]:
            summaries = incidents.list_timeline_events(incidentRecordArn=arn)["eventSummaries"]
            return [incidents.get_timeline_event(incidentRecordArn=arn, eventId=e["eventId"])[
                "event"]["eventData"] for e in summaries]

        texts = json.dumps(await asyncio.to_thread(incident_timeline))
        assert "Replica fell behind" in texts
        assert "stale balances" not in texts and "The first alarm" not in texts

        await browser.fill("#q-IP1", "The replica's disk was slow\nIts volume type was old")
        await browser.press("form:has(#q-IP1) button")
        await browser.run(lambda: browser.driver.find_element(
            By.CSS_SELECTOR, "form:has(input[value=ID4]) input[value=true]").click())
        await browser.press("form:has(input[value=ID4]) button")
        titles = await browser.text("section[aria-labelledby=r-h]")
        assert "Prevent recurrence" in titles and "Add or update alarm" in titles
        due = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 7 * 86400))
        prevent = "article.recommendation:has(h3)"
        await browser.run(browser.driver.execute_script, """
            const card = [...document.querySelectorAll(arguments[0])].find(
                a => a.querySelector('h3').textContent === 'Prevent recurrence');
            card.querySelector('input[name=due]').value = arguments[1];
            card.querySelector('input[value=accept]').form.dataset.pick = '1';""",
            prevent, due)
        await browser.press("form[data-pick] button")
        item = await browser.text("table.action-items tbody tr")
        assert "Prevent recurrence" in item and "Open" in item
        assert due.replace("T", " ") in item
        later = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 14 * 86400))
        await browser.run(browser.driver.execute_script, """
            const row = document.querySelector('table.action-items tbody tr');
            row.querySelector('select[name=status]').value = 'InProgress';
            row.querySelector('input[name=due]').value = arguments[0];""", later)
        await browser.press("table.action-items form button")
        assert await browser.text("table.action-items .status") == "InProgress"
        assert later.replace("T", " ") in await browser.text("table.action-items .due")

        await browser.press("button[aria-label='Dismiss Add or update alarm']")
        assert "Add or update alarm" not in await browser.text("section[aria-labelledby=r-h]")
        await browser.run(lambda: browser.driver.find_element(
            By.CSS_SELECTOR, "details.dismissed summary").click())
        await browser.press("button[aria-label='Restore Add or update alarm']")
        assert "Add or update alarm" in await browser.text("section[aria-labelledby=r-h]")

        await browser.press(".checklist li:first-child button")
        assert (await browser.text(".checklist li:first-child")).startswith("Done")
        await browser.shot("analysis-curated")
        assert await browser.axe() == []
        figure = await browser.find("img.figure")
        assert await browser.run(browser.driver.execute_script,
                                 "return arguments[0].naturalWidth", figure) > 0
        cookies = {c["name"]: c["value"] for c in await browser.run(browser.driver.get_cookies)}
        href = await browser.run(lambda: browser.driver.find_element(
            By.CSS_SELECTOR, "a[href*='format=MARKDOWN']").get_attribute("href"))
        async with aiohttp.ClientSession(cookies=cookies) as http, http.get(href) as exported:
            text = await exported.text()
        assert exported.status == 200
        assert "The ledger replica lagged behind the primary" in text
        assert "Customers saw stale balances" in text

        # Completing with checklist items open asks for a confirmation first.
        assert "not done" in await browser.text("form[action$='/analysis/complete']")
        await browser.run(lambda: browser.driver.find_element(
            By.CSS_SELECTOR, "input[name=incomplete]").click())
        await browser.press("form[action$='/analysis/complete'] button")
        assert "with checklist items open" in await browser.text(
            "section[aria-labelledby=cl-h]")


class TestOnCall:
    async def test_who_is_on_call_overrides_and_channel_activation(
            self, tocsin: dict[str, Any], browser: Browser) -> None:
        """The On call page names who is on call now in each rotation; the rotation's
        calendar shows the coming shifts, and an override created from it shows there; a
        contact's channel not yet activated is activated with the code from its mail."""
        contacts = aws(tocsin, "ssm-contacts")
        address = f"bo-{uuid.uuid4().hex[:6]}@example.com"

        def prepare() -> tuple[str, str, str]:
            ana = contacts.create_contact(Alias="ana", DisplayName="Ana", Type="PERSONAL",
                                          Plan={"Stages": []})["ContactArn"]
            bo = contacts.create_contact(Alias="bo", DisplayName="Bo", Type="PERSONAL",
                                         Plan={"Stages": []})["ContactArn"]
            contacts.create_contact_channel(ContactId=bo, Name="bo mail", Type="EMAIL",
                                            DeliveryAddress={"SimpleAddress": address})
            rotation = contacts.create_rotation(
                Name="primary", ContactIds=[ana, bo], TimeZoneId="UTC",
                StartTime=time.time() - 3600,
                Recurrence={"NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
                            "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]})
            return ana, bo, str(rotation["RotationArn"])

        _, bo, rotation = await asyncio.to_thread(prepare)
        await sign_in(browser)
        await browser.get("/console/oncall")
        table = await browser.text("table")
        assert "primary" in table
        assert "Ana" in table or "Bo" in table
        assert "Not activated" in await browser.text("main")
        await browser.shot("oncall")
        assert await browser.axe() == []

        await wait_for(lambda: mail_code(tocsin, address, r"activation code is (\d+)"),
                       timeout=15)
        code = mail_code(tocsin, address, r"activation code is (\d+)")
        assert code is not None
        await browser.fill("form[action$='/contacts/activate'] input[name=code]", code)
        await browser.press("form[action$='/contacts/activate'] button")
        assert "Not activated" not in await browser.text("main")
        channels = await asyncio.to_thread(
            lambda: contacts.list_contact_channels(ContactId=bo)["ContactChannels"])
        assert [c["ActivationStatus"] for c in channels] == ["ACTIVATED"]

        await browser.press("table a")
        assert "Rotation primary" in await browser.text("h1")
        # The calendar: this week and the next three, a day each cell, who is on call in it.
        cells = await browser.run(browser.driver.find_elements, By.CSS_SELECTOR,
                                  "table.calendar td.day")
        assert len(cells) == 28
        today = time.strftime("%Y-%m-%d", time.gmtime())
        cell = await browser.text(f"td.day[data-day='{today}']")
        assert "today" in cell and ("Ana" in cell or "Bo" in cell)
        await browser.shot("rotation")
        assert await browser.axe() == []

        # Override a day from its cell: the form comes filled with that day.
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 2 * 86400))
        await browser.press(f"td.day[data-day='{day}'] a.override-day")
        assert await browser.run(lambda: browser.driver.find_element(
            By.ID, "o-start").get_attribute("value")) == f"{day}T00:00"
        await browser.run(browser.driver.execute_script, """
            const select = document.getElementById('o-contact');
            select.value = arguments[0];""", bo)
        await browser.press("form[action$='/rotation/override'] button")
        overridden = await browser.find(f"td.day.overridden[data-day='{day}']")
        entries = [await browser.run(lambda e=e: e.text) for e in await browser.run(
            overridden.find_elements, By.CSS_SELECTOR, "li")]
        assert entries and all(e.startswith("Bo ") and e.endswith("· override")
                               for e in entries), entries
        assert entries[0].startswith("Bo 00:00") and "24:00" in entries[-1]
        assert f"{day} 00:00" in await browser.text("ul.overrides")
        await browser.shot("rotation-override")
        assert await browser.axe() == []
        overrides = await asyncio.to_thread(lambda: contacts.list_rotation_overrides(
            RotationId=rotation, StartTime=time.time(), EndTime=time.time() + 7 * 86400))
        assert [o["NewContactIds"] for o in overrides["RotationOverrides"]] == [[bo]]


class TestIncidentEdits:
    async def test_filters_edits_related_items_and_engaging(
            self, tocsin: dict[str, Any], browser: Browser) -> None:
        """The list filters by plan and impact (open incidents present when it loads); on
        an incident, Edit changes the title and impact, the summary is rewritten (last
        writer wins), a related link is added then removed, and another contact is
        engaged."""
        incidents = aws(tocsin, "ssm-incidents")

        def start() -> tuple[str, str]:
            incidents.create_replication_set(regions={tocsin["region"]: {}})
            arns = []
            for name, impact in (("search", 3), ("payments", 1)):
                plan = incidents.create_response_plan(
                    name=name, incidentTemplate={"title": f"{name} degraded",
                                                 "impact": impact})
                arns.append(str(incidents.start_incident(responsePlanArn=plan["arn"])[
                    "incidentRecordArn"]))
            return arns[0], arns[1]

        search, _ = await asyncio.to_thread(start)
        await sign_in(browser)
        listed = await browser.text("#open-list")
        assert "search degraded" in listed and "payments degraded" in listed
        await browser.get("/console/?plan=payments")
        listed = await browser.text("#open-list")
        assert "payments degraded" in listed and "search degraded" not in listed
        await browser.get("/console/?impact=3")
        listed = await browser.text("#open-list")
        assert "search degraded" in listed and "payments degraded" not in listed
        await browser.shot("list-filtered")

        await browser.get(f"/console/incident?arn={quote(search, safe='')}")
        await browser.press(".banner a.button")
        await browser.fill("#e-title", "Search slow in eu-west")
        await browser.run(browser.driver.execute_script,
                          "document.getElementById('e-impact').value = '2'")
        await browser.press("form[action$='/incident/update'] button")
        assert await browser.text("#incident-title") == "Search slow in eu-west"
        assert "2 High" in await browser.text(".banner")

        await browser.press("a[href*='edit=summary']")
        await browser.fill("#summary", "Index shards rebalancing")
        await browser.press("form[action$='/incident/update'] button")
        assert "Index shards rebalancing" in await browser.text(".summary")

        await browser.press("a[href$='tab=related']")
        await browser.fill("#r-title", "Search dashboard")
        await browser.fill("#r-detail", "https://dashboards.example/search")
        await browser.press(
            "form[action$='/incident/related'] button[type=submit]:not([aria-label])")
        assert "https://dashboards.example/search" in await browser.text("table")
        await browser.shot("incident-related")
        assert await browser.axe() == []
        await browser.press("button[aria-label='Remove Search dashboard']")
        assert "https://dashboards.example/search" not in await browser.text("table")

        dana = await asyncio.to_thread(lambda: aws(tocsin, "ssm-contacts").create_contact(
            Alias="dana", Type="PERSONAL", Plan={"Stages": []})["ContactArn"])
        await browser.press("a[href$='tab=engagements']")
        await browser.fill("#g-contact", dana)
        await browser.press("form[action$='/incident/engage'] button")
        assert "dana" in await browser.text("table")

        record = await asyncio.to_thread(
            lambda: incidents.get_incident_record(arn=search)["incidentRecord"])
        assert (record["title"], record["impact"], record["summary"]) == (
            "Search slow in eu-west", 2, "Index shards rebalancing")
