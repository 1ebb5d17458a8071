"""Channel addresses at rest: sealed under the replication set's data key, readable only
with the right key-encryption key, converted from plaintext at start-up, and still readable
after the key-encryption key is rotated."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tocsin.contacts.app import lifespan
from tocsin.contacts.settings import Settings
from tocsin.incidents import app as incidents_app
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.keys.__main__ import retire, rotate
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.contracts.contacts import CHANNEL_ADDRESS_INDEX
from tocsin.shared.db import create_pool
from tocsin.shared.keys import Keks, new_master_key_line, remote_key_ring, write_master_key_file
from tocsin.shared.testing import running, wait_for

PRINCIPAL = {"Tocsin-Principal": "arn:tocsin:iam::000000000000:user/alice"}
ADDRESS = "alice.at.rest@example.com"


async def call(bus: Bus, operation: str, **params: Any) -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.contacts.{operation}", params, headers=PRINCIPAL)
    return codec.decode(reply, dict[str, Any])


def settings_for(nats_url: str, database_url: str, isolation: dict[str, str],
                 **over: Any) -> tuple[IncidentsSettings, Settings]:
    common: dict[str, Any] = {"nats_url": nats_url, "database_url": database_url,
                              "shutdown_grace": 5, "outbox_poll_interval": 0.2,
                              **isolation, **over}
    return (IncidentsSettings(changes_filter=f"changes.{isolation['region']}.>",
                              alarms_filter=f"alarms.{isolation['region']}.>", **common),
            Settings(**common))


async def new_channel(bus: Bus, alias: str = "alice") -> str:
    contact = (await call(bus, "CreateContact", Alias=alias, Type="PERSONAL",
                          Plan={"Stages": []}))["ContactArn"]
    return str((await call(bus, "CreateContactChannel", ContactId=contact, Name="work",
                           Type="EMAIL", DeliveryAddress={"SimpleAddress": ADDRESS},
                           DeferActivation=True))["ContactChannelArn"])


async def a_channel_is_refused_whole(bus: Bus) -> str:
    """A new contact (its ARN) whose channel, asked for while the data key is out of
    reach, is refused with DataEncryptionException and not stored at all."""
    contact = str((await call(bus, "CreateContact", Alias="bob", Type="PERSONAL",
                              Plan={"Stages": []}))["ContactArn"])
    with pytest.raises(errors.DataEncryptionError):
        await call(bus, "CreateContactChannel", ContactId=contact, Name="work",
                   Type="EMAIL", DeliveryAddress={"SimpleAddress": ADDRESS})
    assert (await call(bus, "ListContactChannels", ContactId=contact))["ContactChannels"] == []
    return contact


async def stored(database_url: str, isolation: dict[str, str], arn: str) -> Any:
    async with create_pool(database_url, schema=f"{isolation['schema_prefix']}contacts",
                           min_size=1, max_size=1) as pool:
        return await pool.fetchrow(
            "SELECT address, address_sealed FROM contact_channel WHERE arn = $1", arn)


async def test_a_wrong_master_key_gives_data_encryption_exception_and_loses_nothing(
        nats_url: str, database_url: str, isolation: dict[str, str], bus: Bus,
        tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.key"
    write_master_key_file(wrong, [new_master_key_line()])
    incidents, contacts = settings_for(nats_url, database_url, isolation)
    _, misconfigured = settings_for(nats_url, database_url, isolation,
                                    master_key_file=str(wrong))
    async with running(incidents_app.lifespan, incidents):
        async with running(lifespan, contacts):
            channel = await new_channel(bus)
        row = await stored(database_url, isolation, channel)
        assert row["address"] is None and ADDRESS.encode() not in row["address_sealed"]
        async with running(lifespan, misconfigured):
            with pytest.raises(errors.DataEncryptionError, match="does not hold"):
                await call(bus, "GetContactChannel", ContactChannelId=channel)
            await a_channel_is_refused_whole(bus)
        async with running(lifespan, contacts):  # the right key again: nothing was lost
            got = await call(bus, "GetContactChannel", ContactChannelId=channel)
            assert got["DeliveryAddress"] == {"SimpleAddress": ADDRESS}


async def test_plaintext_addresses_from_before_are_sealed_at_start_up(
        nats_url: str, database_url: str, isolation: dict[str, str], bus: Bus) -> None:
    incidents, contacts = settings_for(nats_url, database_url, isolation)
    async with running(incidents_app.lifespan, incidents):
        async with running(lifespan, contacts):
            channel = await new_channel(bus)
        async with create_pool(database_url, schema=f"{isolation['schema_prefix']}contacts",
                               min_size=1, max_size=1) as pool:
            # A row as the service wrote it before encryption at rest.
            await pool.execute("UPDATE contact_channel SET address = $2,"
                               " address_sealed = NULL WHERE arn = $1", channel, ADDRESS)
            async with running(lifespan, contacts):
                async def sealed() -> bool:
                    row = await pool.fetchrow("SELECT address, address_sealed FROM"
                                              " contact_channel WHERE arn = $1", channel)
                    return row["address"] is None and row["address_sealed"] is not None

                await wait_for(sealed)
                got = await call(bus, "GetContactChannel", ContactChannelId=channel)
                assert got["DeliveryAddress"] == {"SimpleAddress": ADDRESS}


async def test_addresses_sealed_before_blind_indexes_are_indexed_at_start_up(
        nats_url: str, database_url: str, isolation: dict[str, str], bus: Bus) -> None:
    """A number finds a channel sealed before channels had a blind index, once the service
    has started again (FindContactChannels, as the notifications service asks it)."""
    incidents, contacts = settings_for(nats_url, database_url, isolation)
    number = "+15551237777"
    keys = remote_key_ring(bus, Keks(master_key_file=isolation["master_key_file"]))
    async with running(incidents_app.lifespan, incidents):
        async with running(lifespan, contacts):
            contact = (await call(bus, "CreateContact", Alias="ivy", Type="PERSONAL",
                                  Plan={"Stages": []}))["ContactArn"]
            channel = (await call(bus, "CreateContactChannel", ContactId=contact,
                                  Name="phone", Type="SMS",
                                  DeliveryAddress={"SimpleAddress": number},
                                  DeferActivation=True))["ContactChannelArn"]
        indexes = [i.hex() for i in await keys.indexes(number, purpose=CHANNEL_ADDRESS_INDEX)]
        async with create_pool(database_url, schema=f"{isolation['schema_prefix']}contacts",
                               min_size=1, max_size=1) as pool:
            await pool.execute("UPDATE contact_channel SET address_index = NULL"
                               " WHERE arn = $1", channel)
            async with running(lifespan, contacts):
                async def found() -> list[str]:
                    reply = await call(bus, "FindContactChannels", AddressIndexes=indexes)
                    return list(reply["ContactChannelArns"])
                assert await wait_for(found) == [channel]
                assert (await call(bus, "FindContactChannels", AddressIndexes=indexes,
                                   Type="VOICE"))["ContactChannelArns"] == []


async def test_rotating_the_master_key_keeps_everything_readable(
        nats_url: str, database_url: str, isolation: dict[str, str], bus: Bus,
        tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    shutil.copy(isolation["master_key_file"], key_file)
    old_only = tmp_path / "old.key"
    shutil.copy(isolation["master_key_file"], old_only)
    incidents, contacts = settings_for(nats_url, database_url, isolation,
                                       master_key_file=str(key_file))
    keks = Keks(master_key_file=str(key_file))
    async with running(incidents_app.lifespan, incidents), running(lifespan, contacts):
        channel = await new_channel(bus)
        sealed = (await stored(database_url, isolation, channel))["address_sealed"]
        async with create_pool(database_url,
                               schema=f"{isolation['schema_prefix']}incidents",
                               min_size=1, max_size=2) as pool:
            before = await pool.fetchval("SELECT wrapped FROM data_key")
            said = await rotate(pool, keks, region=isolation["region"])
            assert "1 data key(s) re-wrapped" in said
            after = await pool.fetchval("SELECT wrapped FROM data_key")
            assert after != before
            # The running service noticed nothing; a service starting now unwraps the
            # re-wrapped key with the file's new first line.
            got = await call(bus, "GetContactChannel", ContactChannelId=channel)
            assert got["DeliveryAddress"] == {"SimpleAddress": ADDRESS}
            fresh = remote_key_ring(bus, keks)
            assert (await fresh.open(sealed, context=f"contact_channel.address|{channel}")
                    ) == ADDRESS.encode()
            await retire(pool, keks)
            assert len([line for line in key_file.read_text().splitlines()
                        if not line.startswith("#")]) == 1
            fresh = remote_key_ring(bus, Keks(master_key_file=str(key_file)))
            assert (await fresh.open(sealed, context=f"contact_channel.address|{channel}")
                    ) == ADDRESS.encode()
            with pytest.raises(errors.DataEncryptionError):  # the old key is out of use
                await remote_key_ring(bus, Keks(master_key_file=str(old_only))).current()


async def test_a_replication_set_naming_an_unreachable_key_is_not_created(
        nats_url: str, database_url: str, isolation: dict[str, str], bus: Bus) -> None:
    """``SseKmsKeyId`` names the key-encryption key: a Vault Transit key when it is not
    ``DefaultKey``. With no Vault configured, the data key cannot be wrapped under it, so
    the set is refused with the model's error and the data key stays as it was."""
    incidents, _ = settings_for(nats_url, database_url, isolation)
    region = isolation["region"]
    async with running(incidents_app.lifespan, incidents):
        with pytest.raises(errors.DataEncryptionError, match="TOCSIN_VAULT_ADDR"):
            await bus.request("tocsin.rpc.incidents.CreateReplicationSet", {
                "regions": {region: {"sseKmsKeyId": "alias/tocsin-personal-data"}}},
                headers=PRINCIPAL)
        sets = codec.decode(await bus.request("tocsin.rpc.incidents.ListReplicationSets",
                                              {}, headers=PRINCIPAL), dict[str, Any])
        assert sets["replicationSetArns"] == []
        await bus.request("tocsin.rpc.incidents.CreateReplicationSet",
                          {"regions": {region: {}}}, headers=PRINCIPAL)
        ring = remote_key_ring(bus, Keks(master_key_file=isolation["master_key_file"]))
        assert (await ring.current()).id
