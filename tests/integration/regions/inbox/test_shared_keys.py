"""The regions of a replication set share their data keys, wrapped: a contact channel made
in one region is read in the other with its address, a number that texts one region finds
the channel and the page the other sent it, a page is accepted in either region with the
code its own region sent, and the wrong codes of both count together. A region whose
key-encryption key differs cannot open the other's data and says so, losing nothing; a
rotation of the key-encryption key keeps the shared keys usable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import pytest

from tests.integration.regions.inbox.conftest import Region, all_applied, start_regions
from tocsin.gateway import health
from tocsin.keys.__main__ import rotate, status
from tocsin.local.digest import region_digests
from tocsin.notifications import app as notifications_app
from tocsin.notifications.delivery.providers import twilio_signature
from tocsin.notifications.settings import Settings as NotificationsSettings
from tocsin.shared import errors
from tocsin.shared.contracts import deliveries
from tocsin.shared.db import create_pool
from tocsin.shared.keys import (
    Keks,
    MasterKeyFile,
    new_master_key_line,
    remote_key_ring,
    write_master_key_file,
)
from tocsin.shared.replication.digest import Digest
from tocsin.shared.testing import running, wait_for

TIMEOUT = 30.0
NUMBER = "+15551239876"
TWILIO_TOKEN = "regions-twilio-token"
PUBLIC = "http://tocsin.test"


def _key_file(folder: Path, name: str) -> str:
    path = folder / name
    write_master_key_file(path, [new_master_key_line()])
    return str(path)


def _lines(key_file: str) -> list[str]:
    """The keys of a master key file, as lines."""
    return [line for line in Path(key_file).read_text().splitlines()
            if line and not line.startswith("#")]


async def _get(region: Region, operation: str, **params: Any) -> dict[str, Any] | None:
    """None while it is not there, or not readable yet (a channel of another region may
    arrive before that region's data key: the two services apply them independently)."""
    try:
        return await region.call("contacts", operation, params)
    except (errors.NotFoundError, errors.DataEncryptionError):
        return None


async def _one_set(a: Region, b: Region) -> None:
    """A replication set of A and B, made in A; once each region holds the other's data
    key (each region's keeper shares its keys as the other joins)."""
    await a.call("incidents", "CreateReplicationSet", {"regions": {a.name: {}, b.name: {}}})

    async def holds(into: Region, origin: Region) -> bool:
        keys = (await into.call("incidents", "GetDataKeys"))["keys"]
        return any(k.get("region") == origin.name for k in keys)
    await wait_for(lambda: holds(b, a), timeout=TIMEOUT)
    await wait_for(lambda: holds(a, b), timeout=TIMEOUT)


async def _person_with(region: Region, alias: str, kind: str,
                       address: str) -> tuple[str, str]:
    """A contact with one activated channel, engaged on it by its plan."""
    contact = str((await region.call("contacts", "CreateContact", {
        "Alias": alias, "Type": "PERSONAL", "Plan": {"Stages": []}}))["ContactArn"])
    channel = str((await region.call("contacts", "CreateContactChannel", {
        "ContactId": contact, "Name": f"{kind.lower()}-main", "Type": kind,
        "DeliveryAddress": {"SimpleAddress": address},
        "DeferActivation": True}))["ContactChannelArn"])
    # As the notifications service does for an owner who texted START: no code needed.
    await region.call("contacts", "ReactivateContactChannel", {"ContactChannelId": channel})
    await region.call("contacts", "UpdateContact", {"ContactId": contact, "Plan": {"Stages": [
        {"DurationInMinutes": 5, "Targets": [
            {"ChannelTargetInfo": {"ContactChannelId": channel}}]}]}})
    return contact, channel


async def _engage(region: Region, contact: str) -> tuple[str, str]:
    """An engagement of ``contact`` started in ``region``, and its page."""
    engagement = str((await region.call("contacts", "StartEngagement", {
        "ContactId": contact, "Sender": "tocsin", "Subject": "Database down",
        "Content": "The primary database is down."}))["EngagementArn"])

    async def page() -> str | None:
        pages = (await region.call("contacts", "ListPagesByEngagement",
                                   {"EngagementId": engagement}))["Pages"]
        return str(pages[0]["PageArn"]) if pages else None
    return engagement, await wait_for(page, timeout=TIMEOUT)


async def _sent_code(region: Region, key_file: str) -> str:
    """The accept code of the last page delivery ``region`` requested, as the
    notifications service would open it."""
    assert region.incidents is not None
    keys = remote_key_ring(region.bus, Keks(master_key_file=key_file))

    async def last() -> Any:
        try:
            return await region.bus.js.get_last_msg(
                f"DELIVERIES_{region.name.upper()}", deliveries.subject(region.name,
                                                                        deliveries.PAGE))
        except Exception:
            return None
    msg = await wait_for(last, timeout=TIMEOUT)
    request = await deliveries.open_request(keys, deliveries.PAGE, msg.data)
    assert isinstance(request, deliveries.PageDelivery)
    return request.accept_code


async def _channel_digest(region: Region, database_url: str) -> Digest:
    """The digest of ``region``'s contact channels (``python -m tocsin.local.digest``)."""
    found = await region_digests(database_url, region=region.name,
                                 schema_prefix=f"{region.name}_")
    return found["contacts"]["contact_channels"]


async def _read_time(region: Region, page: str) -> Any:
    found = await _get(region, "DescribePage", PageId=page)
    return found is not None and found.get("ReadTime")


async def test_a_channel_made_in_a_is_read_in_b_with_its_address(
        regions: tuple[Region, Region], database_url: str) -> None:
    """Created, changed and deleted in A: B follows, the address opening in B, and B's
    database holds it sealed only."""
    a, b = regions
    await _one_set(a, b)
    contact, channel = await _person_with(a, "alice", "SMS", NUMBER)
    in_a = await a.call("contacts", "GetContactChannel", {"ContactChannelId": channel})

    async def as_in_a() -> Any:
        got = await _get(b, "GetContactChannel", ContactChannelId=channel)
        return got if got == in_a else None
    # Its creation and its activation are two events: B may show the first alone a moment.
    got = await wait_for(as_in_a, timeout=TIMEOUT)
    assert got["DeliveryAddress"] == {"SimpleAddress": NUMBER}
    assert got["ActivationStatus"] == "ACTIVATED"
    listed = await b.call("contacts", "ListContactChannels", {"ContactId": contact})
    assert [c["ContactChannelArn"] for c in listed["ContactChannels"]] == [channel]

    await a.call("contacts", "UpdateContactChannel", {
        "ContactChannelId": channel, "DeliveryAddress": {"SimpleAddress": "+15551230002"}})

    async def moved() -> bool:
        found = await _get(b, "GetContactChannel", ContactChannelId=channel)
        return found is not None and found["DeliveryAddress"]["SimpleAddress"] == \
            "+15551230002" and found["ActivationStatus"] == "NOT_ACTIVATED"
    await wait_for(moved, timeout=TIMEOUT)
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(f'SELECT address, address_sealed, address_index'
                                  f' FROM "{b.name}_contacts".contact_channel WHERE arn = $1',
                                  channel)
    finally:
        await conn.close()
    assert row["address"] is None and row["address_index"] is not None
    assert b"15551230002" not in bytes(row["address_sealed"])
    await all_applied(a, b, "contacts")
    assert await _channel_digest(a, database_url) == await _channel_digest(b, database_url)

    await a.call("contacts", "DeleteContactChannel", {"ContactChannelId": channel})

    async def gone() -> bool:
        return await _get(b, "GetContactChannel", ContactChannelId=channel) is None
    await wait_for(gone, timeout=TIMEOUT)


async def test_a_page_of_b_is_accepted_in_a_with_its_code(
        regions: tuple[Region, Region], master_key_file: str) -> None:
    """A checks the code B sent (its HMAC is keyed by B's data key), refuses a wrong one,
    accepts the right one and tells B, whose page shows it read."""
    a, b = regions
    await _one_set(a, b)
    contact, channel = await _person_with(b, "bob", "EMAIL", "bob@example.com")
    engagement, page = await _engage(b, contact)
    code = await _sent_code(b, master_key_file)
    await wait_for(lambda: _get(a, "DescribePage", PageId=page), timeout=TIMEOUT)

    with pytest.raises(errors.ValidationError, match="not the code sent"):
        await a.call("contacts", "AcceptPage", {
            "PageId": page, "AcceptType": "READ", "AcceptCode": "000000",
            "AcceptCodeValidation": "ENFORCE"})
    assert not await _read_time(a, page)
    await a.call("contacts", "AcceptPage", {
        "PageId": page, "AcceptType": "READ", "AcceptCode": code,
        "ContactChannelId": channel, "AcceptCodeValidation": "ENFORCE"})
    assert await _read_time(a, page)
    await wait_for(lambda: _read_time(b, page), timeout=TIMEOUT)
    receipts = (await b.call("contacts", "ListPageReceipts", {"PageId": page}))["Receipts"]
    assert any(r["ReceiptType"] == "READ" and r.get("ContactChannelArn") == channel
               for r in receipts)
    described = await b.call("contacts", "DescribePage", {"PageId": page})
    assert described["ReadTime"] == (await a.call("contacts", "DescribePage",
                                                  {"PageId": page}))["ReadTime"]
    assert engagement


async def test_wrong_codes_count_in_every_region(
        regions: tuple[Region, Region], master_key_file: str) -> None:
    """Two wrong codes in A and three in B void the page's codes: the right one is
    refused in both regions after that."""
    a, b = regions
    await _one_set(a, b)
    contact, _ = await _person_with(b, "carol", "EMAIL", "carol@example.com")
    _, page = await _engage(b, contact)
    code = await _sent_code(b, master_key_file)
    await wait_for(lambda: _get(a, "DescribePage", PageId=page), timeout=TIMEOUT)

    async def wrong(region: Region) -> None:
        with pytest.raises(errors.ValidationError):
            await region.call("contacts", "AcceptPage", {
                "PageId": page, "AcceptType": "READ", "AcceptCode": "000000",
                "AcceptCodeValidation": "ENFORCE"})
    for _ in range(2):
        await wrong(a)
    await all_applied(a, b, "contacts")
    for _ in range(3):
        await wrong(b)
    await all_applied(a, b, "contacts")
    for region in (b, a):
        with pytest.raises(errors.ValidationError, match="void"):
            await region.call("contacts", "AcceptPage", {
                "PageId": page, "AcceptType": "READ", "AcceptCode": code,
                "AcceptCodeValidation": "ENFORCE"})
        assert not await _read_time(region, page)


async def test_an_sms_reply_in_b_finds_the_channel_and_page_of_a(
        regions: tuple[Region, Region], master_key_file: str, database_url: str) -> None:
    """A pages a number; the reply with the code reaches region B's webhook: B finds the
    channel by the number's blind index under A's data key, accepts A's page, and A's page
    shows it read. STOP texted to B then deactivates A's channel in both regions."""
    a, b = regions
    await _one_set(a, b)
    contact, channel = await _person_with(a, "dave", "SMS", NUMBER)
    _, page = await _engage(a, contact)
    code = await _sent_code(a, master_key_file)
    await wait_for(lambda: _get(b, "DescribePage", PageId=page), timeout=TIMEOUT)
    provider = {"name": "tw", "kind": "twilio", "channels": ["SMS"],
                "baseUrl": "http://127.0.0.1:9", "accountSid": "AC0", "authToken": TWILIO_TOKEN,
                "from": "+15550001111"}
    settings = NotificationsSettings(
        nats_url=b.nats_url, database_url=database_url, region=b.name,
        schema_prefix=f"{b.name}_", master_key_file=master_key_file, shutdown_grace=3,
        outbox_poll_interval=0.2, public_url=PUBLIC,
        providers=json.dumps([provider]))  # type: ignore[arg-type]

    async def text(body: str) -> str:
        form = {"From": NUMBER, "Body": body}
        path = "/v1/inbound/tw/sms"
        reply = await b.call("notifications", "Inbound", {
            "Provider": "tw", "Action": "sms", "Path": path,
            "Headers": {"X-Twilio-Signature": twilio_signature(
                TWILIO_TOKEN, PUBLIC + path, list(form.items())),
                "Content-Type": "application/x-www-form-urlencoded"},
            "Body": urlencode(form).encode()})
        return str(reply.get("Body", ""))

    async with running(notifications_app.lifespan, settings):
        async def answering() -> bool:
            try:
                await b.call("notifications", "DescribeDelivery", {"DeliveryId": "x"})
            except errors.NotFoundError:
                return True
            except errors.ServiceUnavailable:
                return False
            return True
        await wait_for(answering, timeout=TIMEOUT)
        assert "Acknowledged" in await text(code)
        assert await _read_time(b, page)
        await wait_for(lambda: _read_time(a, page), timeout=TIMEOUT)

        assert "no more Tocsin messages" in await text("STOP")

        async def deactivated(region: Region) -> bool:
            found = await _get(region, "GetContactChannel", ContactChannelId=channel)
            return found is not None and found["ActivationStatus"] == "NOT_ACTIVATED"
        assert await deactivated(b)
        await wait_for(lambda: deactivated(a), timeout=TIMEOUT)


@pytest.mark.expected_error_logs("data_key.unusable")
async def test_a_region_with_another_kek_says_so_and_loses_nothing(
        region_servers: tuple[str, str, str, str], database_url: str,
        tmp_path: Path) -> None:
    """B's master key file is not A's: A's channel is DataEncryptionException in B (B's own
    work goes on), ``keys status`` and ``/healthz`` name A's key as not unwrapping, and once B
    is given A's key line the channel opens in B as it was."""
    key_a, key_b = _key_file(tmp_path, "a.key"), _key_file(tmp_path, "b.key")
    async with start_regions(region_servers, database_url, (key_a, key_b)) as (a, b):
        await _one_set(a, b)
        _, channel = await _person_with(a, "erin", "SMS", NUMBER)

        async def refused() -> bool:
            try:
                await b.call("contacts", "GetContactChannel", {"ContactChannelId": channel})
            except errors.NotFoundError:
                return False
            except errors.DataEncryptionError as exc:
                return "does not unwrap here" in exc.message  # not merely "not arrived yet"
            raise AssertionError("B opened a channel sealed under a key it cannot unwrap")
        await wait_for(refused, timeout=TIMEOUT)
        _, own = await _person_with(b, "frank", "EMAIL", "frank@example.com")
        got = await b.call("contacts", "GetContactChannel", {"ContactChannelId": own})
        assert got["DeliveryAddress"] == {"SimpleAddress": "frank@example.com"}
        # Each region holds the other's channel as it was sealed, opened or not.
        await all_applied(a, b, "contacts")
        in_a = await _channel_digest(a, database_url)
        assert in_a == await _channel_digest(b, database_url) and in_a.rows == 2

        async with create_pool(database_url, schema=f"{b.name}_incidents", min_size=1,
                               max_size=1) as pool:
            lines = await status(pool, Keks(master_key_file=key_b))
        assert any(f"region {a.name}'s" in line and "DOES NOT UNWRAP" in line
                   for line in lines)
        warned = [w for w in (await health.check(b.bus, instance="test")).get("warnings", [])
                  if w.startswith("contacts: data key")]
        assert warned and f"of region {a.name} does not unwrap here" in warned[0]

        # The operator gives B the key-encryption key A wraps with: nothing was lost.
        write_master_key_file(Path(key_b), [*_lines(key_b), _lines(key_a)[0]])
        got = await b.call("contacts", "GetContactChannel", {"ContactChannelId": channel})
        assert got["DeliveryAddress"] == {"SimpleAddress": NUMBER}
        report = await health.check(b.bus, instance="test")
        assert not [w for w in report.get("warnings", []) if "data key" in w]


async def test_rotating_the_kek_keeps_the_shared_keys_usable(
        region_servers: tuple[str, str, str, str], database_url: str, master_key_file: str,
        tmp_path: Path) -> None:
    """``python -m tocsin.keys rotate`` in A re-wraps A's key and shares it again: B holds
    it wrapped by the new master key, every key unwraps there, and a process started after
    the rotation opens in B what A sealed before and after it."""
    shared = tmp_path / "shared.key"
    shutil.copy(master_key_file, shared)
    async with start_regions(region_servers, database_url, (str(shared), str(shared))) as (a, b):
        await _one_set(a, b)
        _, before = await _person_with(a, "gina", "SMS", NUMBER)
        await wait_for(lambda: _get(b, "GetContactChannel", ContactChannelId=before),
                       timeout=TIMEOUT)
        keks = Keks(master_key_file=str(shared))
        async with create_pool(database_url, schema=f"{a.name}_incidents", min_size=1,
                               max_size=1) as pool:
            said = await rotate(pool, keks, region=a.name)
            a_key = await pool.fetchval("SELECT key_id FROM data_key WHERE current")
        assert "re-wrapped" in said
        new = MasterKeyFile(shared).name

        async with create_pool(database_url, schema=f"{b.name}_incidents", min_size=1,
                               max_size=1) as pool:
            async def rewrapped() -> bool:
                wrapped = await pool.fetchval("SELECT wrapped FROM data_key WHERE key_id = $1",
                                              a_key)
                return bool(wrapped and wrapped.startswith(new + ":"))
            await wait_for(rewrapped, timeout=TIMEOUT)
            lines = await status(pool, keks)
        assert lines and all(line.endswith(": unwraps") for line in lines), lines

        fresh = remote_key_ring(b.bus, keks)
        assert (await fresh.key(a_key)).id == a_key
        _, after = await _person_with(a, "hank", "SMS", "+15551230003")
        for channel, number in ((before, NUMBER), (after, "+15551230003")):
            got = await wait_for(lambda c=channel: _get(b, "GetContactChannel",  # type: ignore[misc]
                                                        ContactChannelId=c), timeout=TIMEOUT)
            assert got["DeliveryAddress"] == {"SimpleAddress": number}


async def test_a_rotation_b_cannot_unwrap_yet_leaves_b_the_earlier_wrapping(
        region_servers: tuple[str, str, str, str], database_url: str, master_key_file: str,
        tmp_path: Path) -> None:
    """A and B each have a copy of one master key file; A rotates its copy alone. B keeps
    A's key as it was wrapped before (its copy has no line for the new wrapping), so B
    still opens what A sealed, also in a process started after the rotation."""
    file_a, file_b = tmp_path / "a.key", tmp_path / "b.key"
    shutil.copy(master_key_file, file_a)
    shutil.copy(master_key_file, file_b)
    async with start_regions(region_servers, database_url, (str(file_a), str(file_b))) \
            as (a, b):
        await _one_set(a, b)
        _, channel = await _person_with(a, "iris", "SMS", NUMBER)
        await wait_for(lambda: _get(b, "GetContactChannel", ContactChannelId=channel),
                       timeout=TIMEOUT)
        async with create_pool(database_url, schema=f"{a.name}_incidents", min_size=1,
                               max_size=1) as pool:
            await rotate(pool, Keks(master_key_file=str(file_a)), region=a.name)
            a_key = await pool.fetchval("SELECT key_id FROM data_key WHERE current")
        await all_applied(a, b, "incidents")
        async with create_pool(database_url, schema=f"{b.name}_incidents", min_size=1,
                               max_size=1) as pool:
            held = await pool.fetchval("SELECT wrapped FROM data_key WHERE key_id = $1",
                                       a_key)
        assert held.startswith(MasterKeyFile(file_b).name + ":")
        fresh = remote_key_ring(b.bus, Keks(master_key_file=str(file_b)))
        assert (await fresh.key(a_key)).id == a_key
        got = await b.call("contacts", "GetContactChannel", {"ContactChannelId": channel})
        assert got["DeliveryAddress"] == {"SimpleAddress": NUMBER}
