"""After the whole paging loop, no channel address, activation code or accept code is in
plaintext anywhere Tocsin keeps or sends data: not in any column of any Tocsin schema, not
in any message of any stream."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import boto3

from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
EMAIL = "carol.secret-inbox@example.com"
PHONE = "+447700912345"


def clients(tocsin: dict[str, Any]) -> tuple[Any, Any]:
    kw = {"endpoint_url": tocsin["http"], "region_name": tocsin["region"],
          "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    return boto3.client("ssm-incidents", **kw), boto3.client("ssm-contacts", **kw)


async def plaintext_in_tables(database_url: str, schema_prefix: str,
                              needles: list[str]) -> list[str]:
    """``schema.table.column: needle`` for every needle found in any text, varchar, bytea,
    jsonb or array column of the test's Tocsin schemas (bytea: the needle's bytes)."""
    found = []
    conn = await asyncpg.connect(database_url)
    try:
        columns = await conn.fetch(
            "SELECT table_schema, table_name, column_name, data_type, udt_name"
            " FROM information_schema.columns WHERE table_schema LIKE $1 || '%'"
            " AND (data_type IN ('text', 'character varying', 'bytea', 'jsonb', 'json')"
            "      OR data_type = 'ARRAY')", schema_prefix)
        assert {c["table_name"] for c in columns} >= {"contact_channel", "page", "outbox",
                                                      "phone_route", "data_key"}
        for c in columns:
            where = f'"{c["table_schema"]}"."{c["table_name"]}"'
            col = f'"{c["column_name"]}"'
            for needle in needles:
                if c["data_type"] == "bytea":
                    sql = f"SELECT count(*) FROM {where} WHERE position($1::bytea in {col}) > 0"
                    arg: Any = needle.encode()
                elif c["udt_name"] == "_bytea":
                    sql = (f"SELECT count(*) FROM {where}, unnest({col}) AS v"
                           " WHERE position($1::bytea in v) > 0")
                    arg = needle.encode()
                else:
                    sql = f"SELECT count(*) FROM {where} WHERE {col}::text LIKE '%' || $1 || '%'"
                    arg = needle
                if await conn.fetchval(sql, arg):
                    found.append(f"{where}.{col}: {needle}")
    finally:
        await conn.close()
    return found


async def plaintext_in_streams(bus: Bus, region: str, needles: list[str]) -> list[str]:
    """``stream#seq: needle`` for every needle in any message (body or headers) of the
    region's DELIVERIES and EVENTS streams and of ALARMS."""
    found = []
    for stream in (f"DELIVERIES_{region.upper()}", f"EVENTS_{region.upper()}", "ALARMS"):
        info = await bus.js.stream_info(stream)
        assert stream == "ALARMS" or info.state.messages > 0
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                msg = await bus.js.get_msg(stream, seq)
            except Exception:  # deleted or purged in between
                continue
            if stream == "ALARMS" and not (msg.subject or "").startswith(f"alarms.{region}"):
                continue
            blob = (msg.data or b"") + repr(msg.headers or {}).encode()
            found += [f"{stream}#{seq}: {n}" for n in needles if n.encode() in blob]
    return found


class TestNothingInPlaintext:
    async def test_after_the_paging_loop_no_address_or_code_is_in_plaintext(
            self, tocsin: dict[str, Any], deliveries: Any, bus: Bus,
            database_url: str) -> None:
        incidents, contacts = clients(tocsin)

        def setup() -> tuple[str, str, str]:
            incidents.create_replication_set(regions={tocsin["region"]: {}})
            carol = contacts.create_contact(Alias="carol", Type="PERSONAL",
                                            Plan={"Stages": []})["ContactArn"]
            mail = contacts.create_contact_channel(
                ContactId=carol, Name="work email", Type="EMAIL",
                DeliveryAddress={"SimpleAddress": EMAIL})["ContactChannelArn"]
            sms = contacts.create_contact_channel(
                ContactId=carol, Name="mobile", Type="SMS",
                DeliveryAddress={"SimpleAddress": PHONE},
                DeferActivation=True)["ContactChannelArn"]
            return carol, mail, sms

        carol, mail, sms = await asyncio.to_thread(setup)
        await wait_for(lambda: mail in deliveries.codes)

        def page_carol() -> str:
            contacts.activate_contact_channel(ContactChannelId=mail,
                                              ActivationCode=deliveries.codes[mail])
            contacts.send_activation_code(ContactChannelId=sms)
            contacts.update_contact(ContactId=carol, Plan={"Stages": [{
                "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                    "ContactChannelId": mail, "RetryIntervalInMinutes": 1}}]}]})
            plan = incidents.create_response_plan(
                name="payments", incidentTemplate={"title": "Payments down", "impact": 1},
                engagements=[carol])["arn"]
            return str(incidents.start_incident(responsePlanArn=plan)["incidentRecordArn"])

        incident = await asyncio.to_thread(page_carol)
        await wait_for(lambda: any(p.incident_id == incident for p in deliveries.pages),
                       timeout=15)
        await wait_for(lambda: sms in deliveries.codes)
        page = next(p for p in deliveries.pages if p.incident_id == incident)
        assert page.address == EMAIL  # the request itself carried it, sealed
        # The email went out, so the notifications service opened and sent it.
        await wait_for(lambda: any(EMAIL in str(m["To"]) for m in tocsin["mailbox"].messages
                                   if m["X-Tocsin-Accept-Code"]), timeout=15)

        def acknowledge() -> str:
            contacts.accept_page(PageId=page.page_arn, AcceptType="READ",
                                 AcceptCode=page.accept_code)
            got = contacts.get_contact_channel(ContactChannelId=sms)
            return str(got["DeliveryAddress"]["SimpleAddress"])

        assert await asyncio.to_thread(acknowledge) == PHONE  # readable through the API

        def acknowledged() -> bool:
            return any(p.get("ReadTime") for p in contacts.list_pages_by_contact(
                ContactId=carol)["Pages"])

        await wait_for(lambda: asyncio.to_thread(acknowledged), timeout=15)
        codes = [c for cs in deliveries.all_codes.values() for c in cs]
        needles = [EMAIL, PHONE, PHONE.lstrip("+"), *codes,
                   *{p.accept_code for p in deliveries.pages}]
        assert len(needles) >= 5
        assert await plaintext_in_tables(database_url, tocsin["schema_prefix"], needles) == []
        assert await plaintext_in_streams(bus, tocsin["region"], needles) == []
        # The scans do find what is meant to be in plaintext: the incident's title.
        assert await plaintext_in_tables(database_url, tocsin["schema_prefix"],
                                         ["Payments down"])
        assert await plaintext_in_streams(bus, tocsin["region"], ["Payments down"])
