"""A replication set whose ``SseKmsKeyId`` names a Vault Transit key: its data key is
wrapped by Vault (here the stand-in of ``tests/support/vault_transit.py``, through hvac as in
production), channels are sealed under it and readable by services that reach only Vault,
``python -m tocsin.keys rotate`` re-wraps under the key's new version, and a Vault that is
down or refuses the token is a ``DataEncryptionException`` that loses nothing."""

from __future__ import annotations

import asyncio
import base64
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.integration.contacts.test_data_at_rest import (
    ADDRESS,
    a_channel_is_refused_whole,
    call,
    new_channel,
    settings_for,
    stored,
)
from tests.support.vault_transit import VaultTransitStandIn
from tocsin.contacts.app import lifespan
from tocsin.contacts.settings import Settings
from tocsin.incidents import app as incidents_app
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.db import create_pool
from tocsin.shared.keys import Keks, remote_key_ring
from tocsin.shared.testing import running, wait_for

PRINCIPAL = {"Tocsin-Principal": "arn:tocsin:iam::000000000000:user/alice"}
KEY = "tocsin-personal-data"


@pytest_asyncio.fixture
async def vault(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[VaultTransitStandIn]:
    """Vault's Transit engine, and its token where hvac reads it (``VAULT_TOKEN``)."""
    stand_in = VaultTransitStandIn()
    monkeypatch.setenv("VAULT_TOKEN", stand_in.token)
    async with stand_in:
        yield stand_in


async def create_set(bus: Bus, region: str) -> None:
    await bus.request("tocsin.rpc.incidents.CreateReplicationSet", {
        "regions": {region: {"sseKmsKeyId": f"alias/{KEY}"}}}, headers=PRINCIPAL)


async def wrapped_keys(database_url: str, isolation: dict[str, str]) -> list[str]:
    async with create_pool(database_url, schema=f"{isolation['schema_prefix']}incidents",
                           min_size=1, max_size=1) as pool:
        return [r["wrapped"] for r in await pool.fetch(
            "SELECT wrapped FROM data_key ORDER BY created_at")]


async def keys_cli(command: str, database_url: str, isolation: dict[str, str],
                   vault: VaultTransitStandIn) -> tuple[int, str]:
    """``python -m tocsin.keys <command>`` as an operator runs it; its exit code and output."""
    env = {**os.environ, "TOCSIN_DATABASE_URL": database_url,
           "TOCSIN_SCHEMA_PREFIX": isolation["schema_prefix"],
           "TOCSIN_REGION": isolation["region"], "TOCSIN_VAULT_ADDR": vault.url,
           "TOCSIN_MASTER_KEY_FILE": isolation["master_key_file"]}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tocsin.keys", command, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    return await proc.wait(), out.decode()


def vault_only(vault: VaultTransitStandIn) -> dict[str, Any]:
    """A service's settings that reach Vault and no master key file."""
    return {"vault_addr": vault.url, "master_key_file": ""}


def reaching_vault(nats_url: str, database_url: str, isolation: dict[str, str],
                   vault: VaultTransitStandIn) -> tuple[IncidentsSettings, Settings]:
    """The incidents service with the session's master key (``DefaultKey``, what wraps
    the data key until a set names the Vault key) and Vault; contacts with Vault alone."""
    incidents, _ = settings_for(nats_url, database_url, isolation, vault_addr=vault.url)
    _, contacts = settings_for(nats_url, database_url, isolation, **vault_only(vault))
    return incidents, contacts


async def test_a_set_naming_a_vault_key_has_its_data_key_wrapped_by_vault(
        nats_url: str, database_url: str, isolation: dict[str, str], bus: Bus,
        vault: VaultTransitStandIn) -> None:
    incidents, contacts = reaching_vault(nats_url, database_url, isolation, vault)
    async with running(incidents_app.lifespan, incidents):
        await create_set(bus, isolation["region"])
        [wrapped] = await wrapped_keys(database_url, isolation)
        assert wrapped.startswith(f"transit:{KEY}:vault:v1:")
        assert vault.keys[KEY].latest == 1
        data_key = await remote_key_ring(bus, Keks(vault_addr=vault.url)).current()
        sealed = base64.b64decode(wrapped.rpartition(":")[2])
        assert data_key.secret not in sealed
        assert base64.b64encode(data_key.secret).decode() not in wrapped
        with pytest.raises(errors.DataEncryptionError):  # the master key no longer opens it
            await remote_key_ring(
                bus, Keks(master_key_file=isolation["master_key_file"])).current()

        async with running(lifespan, contacts):
            channel = await new_channel(bus)
            row = await stored(database_url, isolation, channel)
            assert row["address"] is None and ADDRESS.encode() not in row["address_sealed"]
            got = await call(bus, "GetContactChannel", ContactChannelId=channel)
            assert got["DeliveryAddress"] == {"SimpleAddress": ADDRESS}


async def test_rotating_the_vault_key_rewraps_and_keeps_everything_readable(
        nats_url: str, database_url: str, isolation: dict[str, str], bus: Bus,
        vault: VaultTransitStandIn) -> None:
    incidents, contacts = reaching_vault(nats_url, database_url, isolation, vault)
    async with running(incidents_app.lifespan, incidents):
        await create_set(bus, isolation["region"])
        async with running(lifespan, contacts):
            channel = await new_channel(bus)
            sealed = (await stored(database_url, isolation, channel))["address_sealed"]
            [before] = await wrapped_keys(database_url, isolation)

            code, said = await keys_cli("rotate", database_url, isolation, vault)
            assert code == 0, said
            assert f"Vault key {KEY} has a new version; 1 data key(s) re-wrapped" in said
            [after] = await wrapped_keys(database_url, isolation)
            assert vault.keys[KEY].latest == 2
            assert after.startswith(f"transit:{KEY}:vault:v2:") and after != before
            code, said = await keys_cli("status", database_url, isolation, vault)
            assert code == 0 and f"wrapped by transit:{KEY}:vault:v2: unwraps" in said, said

            # The running service noticed nothing; one starting now unwraps the new wrapping.
            got = await call(bus, "GetContactChannel", ContactChannelId=channel)
            assert got["DeliveryAddress"] == {"SimpleAddress": ADDRESS}
            fresh = remote_key_ring(bus, Keks(vault_addr=vault.url))
            assert (await fresh.open(sealed, context=f"contact_channel.address|{channel}")
                    ) == ADDRESS.encode()
        async with running(lifespan, contacts):
            got = await call(bus, "GetContactChannel", ContactChannelId=channel)
            assert got["DeliveryAddress"] == {"SimpleAddress": ADDRESS}
            await new_channel(bus, alias="bob")


async def test_vault_down_or_refusing_is_data_encryption_exception_and_loses_nothing(
        nats_url: str, database_url: str, isolation: dict[str, str], bus: Bus,
        vault: VaultTransitStandIn) -> None:
    incidents, contacts = reaching_vault(nats_url, database_url, isolation, vault)
    region = isolation["region"]
    async with running(incidents_app.lifespan, incidents):
        [by_master_key] = await wrapped_keys(database_url, isolation)

        # No set is created under a key Vault cannot be reached for; the retry is.
        await vault.stop()
        with pytest.raises(errors.DataEncryptionError, match="did not wrap"):
            await create_set(bus, region)
        sets = codec.decode(await bus.request("tocsin.rpc.incidents.ListReplicationSets",
                                              {}, headers=PRINCIPAL), dict[str, Any])
        assert sets["replicationSetArns"] == []
        assert await wrapped_keys(database_url, isolation) == [by_master_key]
        await vault.start()
        await create_set(bus, region)

        async with running(lifespan, contacts):
            channel = await new_channel(bus)

        # A service starting while Vault is down answers DataEncryptionException, stores
        # nothing half-sealed, and works once Vault is back.
        await vault.stop()
        async with running(lifespan, contacts):
            with pytest.raises(errors.DataEncryptionError, match="unwrap"):
                await call(bus, "GetContactChannel", ContactChannelId=channel)
            contact = await a_channel_is_refused_whole(bus)
            code, said = await keys_cli("rotate", database_url, isolation, vault)
            assert code == 1 and "DataEncryptionException" in said, said
            [wrapped] = await wrapped_keys(database_url, isolation)

            await vault.start()
            got = await call(bus, "GetContactChannel", ContactChannelId=channel)
            assert got["DeliveryAddress"] == {"SimpleAddress": ADDRESS}
            await call(bus, "CreateContactChannel", ContactId=contact, Name="work",
                       Type="EMAIL", DeliveryAddress={"SimpleAddress": ADDRESS})
        assert vault.keys[KEY].latest == 1 and await wrapped_keys(
            database_url, isolation) == [wrapped]

        # Vault refusing the token (revoked, expired) is the same: nothing is lost.
        token, vault.token = vault.token, "hvs.another"
        async with running(lifespan, contacts):
            with pytest.raises(errors.DataEncryptionError, match="permission denied"):
                await call(bus, "GetContactChannel", ContactChannelId=channel)
            vault.token = token
            got = await call(bus, "GetContactChannel", ContactChannelId=channel)
            assert got["DeliveryAddress"] == {"SimpleAddress": ADDRESS}


async def test_a_deployment_keyed_by_vault_alone_starts_while_vault_is_down(
        nats_url: str, database_url: str, isolation: dict[str, str], bus: Bus,
        vault: VaultTransitStandIn) -> None:
    """``TOCSIN_VAULT_TRANSIT_KEY`` and no master key file: ``DefaultKey`` is that Vault
    key. Started while Vault is away, the incidents service serves what needs no personal
    data and makes the data key once Vault is back."""
    keyed_by_vault = {**vault_only(vault), "vault_transit_key": "tocsin-default"}
    incidents, contacts = settings_for(nats_url, database_url, isolation, **keyed_by_vault)
    await vault.stop()
    async with running(incidents_app.lifespan, incidents):
        sets = codec.decode(await bus.request("tocsin.rpc.incidents.ListReplicationSets",
                                              {}, headers=PRINCIPAL), dict[str, Any])
        assert sets["replicationSetArns"] == []
        assert await wrapped_keys(database_url, isolation) == []
        await vault.start()

        async def made() -> list[str]:
            return await wrapped_keys(database_url, isolation)

        [wrapped] = await wait_for(made)
        assert wrapped.startswith("transit:tocsin-default:vault:v1:")
        async with running(lifespan, contacts):
            channel = await new_channel(bus)
            got = await call(bus, "GetContactChannel", ContactChannelId=channel)
            assert got["DeliveryAddress"] == {"SimpleAddress": ADDRESS}
