"""The embedded servers of ``make run`` keep their doors shut: NATS admits only the generated
identities, each within the permissions its row of ``tocsin.shared.bus.identities`` gives;
a principal is trusted only when an identity that acts for callers signed it; PostgreSQL
demands its password; the data folders stay private."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import nats
import nats.errors
import pytest

from tocsin.local import identities, servers
from tocsin.shared import codec
from tocsin.shared.bus import RpcServer, ensure_stream, events_stream, rpc_subject
from tocsin.shared.bus.connection import PRINCIPAL_HEADER, Bus, connect_as
from tocsin.shared.bus.identities import IDENTITIES, inbox_prefix
from tocsin.shared.bus.principals import SIGNATURE_HEADER, parse_signers
from tocsin.shared.config import BaseSettings
from tocsin.shared.errors import AccessDeniedError

REGION = "local-1"


class Embedded:
    def __init__(self, server: servers.EmbeddedServer, ids: identities.Identities) -> None:
        self.server, self.ids, self.url = server, ids, server.url

    def settings(self) -> BaseSettings:
        return BaseSettings(nats_url=self.url, principal_signers=self.ids.signers)

    def env(self, name: str) -> dict[str, str]:
        return self.ids.env(name)

    async def client(self, name: str, errors: list[str] | None = None) -> Any:
        async def on_error(exc: Exception) -> None:
            if errors is not None:
                errors.append(str(exc))
        # A service's replies come to its own inbox prefix, which alone it may read.
        prefix = inbox_prefix(name) if name in IDENTITIES else "_INBOX"
        return await nats.connect(self.ids.url(name, self.url), allow_reconnect=False,
                                  error_cb=on_error, inbox_prefix=prefix)


@pytest.fixture(scope="module")
async def embedded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Embedded]:
    data = identities.private_folder(tmp_path_factory.mktemp("protection") / "data")
    ids = identities.prepare(data)
    conf = ids.folder / "nats.conf"
    identities.write_private(conf, identities.nats_config(ids, region=REGION))
    server = await asyncio.to_thread(servers.nats_server, data / "nats", config=conf,
                                     log=data / "nats.log")
    try:
        yield Embedded(server, ids)
    finally:
        await asyncio.to_thread(server.stop, 15.0)


async def test_an_anonymous_client_cannot_connect(embedded: Embedded) -> None:
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(embedded.url, allow_reconnect=False, max_reconnect_attempts=0,
                           connect_timeout=3, error_cb=on_error)
    nc = await embedded.client("dashboard")  # while a known identity can
    await nc.close()


async def test_the_secrets_are_for_their_owner_only(embedded: Embedded) -> None:
    folder = embedded.ids.folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((folder.parent / "nats").stat().st_mode) == 0o700


async def _stream_subjects(bus: Bus, stream: str) -> list[str]:
    info = await bus.js.stream_info(stream, subjects_filter=">")
    return sorted((info.state.subjects or {}).keys())


async def test_notifications_cannot_publish_the_incidents_events(embedded: Embedded) -> None:
    """A forged ``events.<region>.incidents.*`` is refused; the notifications service's own
    event, published after it, is stored: the barrier that the forged one would be too."""
    stream = events_stream(REGION)
    async with connect_as(embedded.settings(), "incidents",
                          environ=embedded.env("incidents")) as incidents:
        await ensure_stream(incidents.js, stream)
        errors: list[str] = []
        nc = await embedded.client("notifications", errors)
        try:
            forged = "events.local-1.incidents.IncidentRecordCreated"
            await nc.publish(forged, b"{}", headers={"Nats-Msg-Id": "forged-1"})
            own = "events.local-1.notifications.DeliveryDeadLettered"
            ack = await nc.jetstream().publish(own, b"{}", headers={"Nats-Msg-Id": "own-1"})
            assert ack.stream == stream.name
            for _ in range(50):  # the server's -ERR came before the ack; its callback after
                if errors:
                    break
                await asyncio.sleep(0.05)
        finally:
            await nc.close()
        subjects = await _stream_subjects(incidents, str(stream.name))
        assert own in subjects and forged not in subjects
        assert any("permissions violation" in e.lower() for e in errors), errors


async def test_only_contacts_may_request_a_delivery(embedded: Embedded) -> None:
    errors: list[str] = []
    nc = await embedded.client("incidents", errors)
    try:
        await nc.publish("deliveries.local-1.page", b"{}")
        await nc.flush()
        for _ in range(50):
            if errors:
                break
            await asyncio.sleep(0.05)
    finally:
        await nc.close()
    assert any("deliveries.local-1.page" in e for e in errors)


async def test_the_dashboard_reads_events_and_publishes_nothing(embedded: Embedded) -> None:
    errors: list[str] = []
    dashboard = await embedded.client("dashboard", errors)
    try:
        sub = await dashboard.subscribe("events.local-1.>")
        await dashboard.flush()
        async with connect_as(embedded.settings(), "escalation",
                              environ=embedded.env("escalation")) as escalation:
            await ensure_stream(escalation.js, events_stream(REGION))
            await escalation.publish("events.local-1.escalation.StageDue", b'{"n": 1}',
                                     msg_id="dash-1")
        msg = await sub.next_msg(timeout=5)
        assert msg.subject == "events.local-1.escalation.StageDue"
        await dashboard.publish("alarms.cloudwatch", b"{}")
        await dashboard.publish("events.local-1.incidents.IncidentRecordCreated", b"{}")
        await dashboard.flush()
        for _ in range(50):
            if len(errors) >= 2:
                break
            await asyncio.sleep(0.05)
        with pytest.raises(nats.errors.Error):  # nor may it request an operation
            await dashboard.request(rpc_subject("contacts", "AcceptPage"), b"{}", timeout=1)
    finally:
        await dashboard.close()
    assert sum("permissions violation" in e.lower() for e in errors) >= 2


async def test_the_alarm_publisher_publishes_alarms_with_acks(embedded: Embedded) -> None:
    async with connect_as(embedded.settings(), "incidents",
                          environ=embedded.env("incidents")) as incidents:
        from tocsin.shared.bus import alarms_stream
        await ensure_stream(incidents.js, alarms_stream())
    nc = await embedded.client("alarm-publisher")
    try:
        ack = await nc.jetstream().publish("alarms.custom.test", b"{}",
                                           headers={"Nats-Msg-Id": "alarm-1"})
        assert ack.stream == "ALARMS"
        with pytest.raises(nats.errors.Error):  # the dead-letter queue is the service's
            await nc.jetstream().publish("alarms.dlq", b"{}", timeout=1)
    finally:
        await nc.close()


@pytest.mark.expected_error_logs("rpc.principal_refused")
async def test_a_principal_is_trusted_only_when_a_signer_signed_it(
        embedded: Embedded) -> None:
    """contacts answers ``AcceptPage`` with the principal it was given: the gateway's signed
    one comes through; the same header from analysis (no signer), unsigned from
    notifications, or a gateway signature replayed onto another operation is refused."""
    settings = embedded.settings()
    verifier = parse_signers(embedded.ids.signers)

    async def accept(req: Any) -> dict[str, str]:
        return {"principal": req.principal}

    stop = asyncio.Event()
    async with connect_as(settings, "contacts", environ=embedded.env("contacts")) as contacts:
        server = RpcServer(contacts, service="contacts", version="0.1.0",
                           handlers={"AcceptPage": accept, "StartEngagement": accept},
                           verifier=verifier)
        serving = asyncio.create_task(server.serve(stop))
        started = asyncio.create_task(server.started.wait())
        await asyncio.wait({serving, started}, return_when=asyncio.FIRST_COMPLETED)
        if serving.done():
            serving.result()
        try:
            user = "arn:tocsin:iam::000000000000:user/alice"
            gateway_settings = BaseSettings(
                nats_url=embedded.url,
                principal_signing_key=embedded.ids.signing_keys["gateway"].read_text().strip())
            async with connect_as(gateway_settings, "gateway",
                                  environ=embedded.env("gateway")) as gateway:
                reply = await gateway.request(rpc_subject("contacts", "AcceptPage"), {},
                                              headers={PRINCIPAL_HEADER: user})
                assert codec.decode(reply, dict[str, str]) == {"principal": user}

            async with connect_as(settings, "analysis",
                                  environ=embedded.env("analysis")) as analysis:
                with pytest.raises(AccessDeniedError):
                    await analysis.request(rpc_subject("contacts", "StartEngagement"), {},
                                           headers={PRINCIPAL_HEADER: user})
                # Without a principal, analysis calls as itself, as its row allows.
                reply = await analysis.request(rpc_subject("contacts", "StartEngagement"), {})
                assert codec.decode(reply, dict[str, str]) == {"principal": ""}

            # aws:executeAwsApi: the runbooks service calls through the gateway's client
            # as the execution's principal, which its own key signs.
            from tocsin.gateway.clients import ServiceClient
            runbooks_settings = BaseSettings(
                nats_url=embedded.url,
                principal_signing_key=str(embedded.ids.signing_keys["runbooks"]))
            async with connect_as(runbooks_settings, "runbooks",
                                  environ=embedded.env("runbooks")) as runbooks:
                out = await ServiceClient(runbooks).call(
                    "ssm-contacts", "StartEngagement", {}, principal=user, request_id="r1")
                assert out == {"principal": user}

            nc = await embedded.client("notifications")
            try:
                refused = await nc.request(rpc_subject("contacts", "AcceptPage"), b"{}",
                                           headers={PRINCIPAL_HEADER: user}, timeout=5)
                assert refused.headers["Nats-Service-Error-Code"] == "AccessDeniedException"
                assert verifier is not None
                from tocsin.shared.bus.principals import Signer
                signed = Signer("gateway", str(embedded.ids.signing_keys["gateway"]))
                replayed = signed.sign(rpc_subject("contacts", "StartEngagement"), user)
                refused = await nc.request(rpc_subject("contacts", "AcceptPage"), b"{}",
                                           headers={PRINCIPAL_HEADER: user,
                                                    SIGNATURE_HEADER: replayed}, timeout=5)
                assert refused.headers["Nats-Service-Error-Code"] == "AccessDeniedException"
            finally:
                await nc.close()
        finally:
            stop.set()
            await serving


def test_the_permissions_follow_the_table(embedded: Embedded) -> None:
    """The config the server runs with is the table's: each service may publish its own
    events and no other's; only contacts publishes deliveries; only notifications reads
    them; no one purges a stream or deletes one of the region's own."""
    conf = json.loads((embedded.ids.folder / "nats.conf").read_text())
    users = {u["user"]: u["permissions"] for u in conf["authorization"]["users"]}
    for name, perms in users.items():
        allowed = perms["publish"].get("allow", [])
        for other in ("incidents", "contacts", "notifications", "escalation"):
            assert (f"events.local-1.{other}.>" in allowed) == (other == name)
        assert ("deliveries.local-1.>" in allowed) == (name == "contacts")
        reads_deliveries = any(s.startswith("$JS.API.CONSUMER.MSG.NEXT.DELIVERIES_")
                               for s in allowed)
        assert reads_deliveries == (name == "notifications")
        assert not any(".PURGE." in s for s in allowed)
        # Only the keeper of the replication set's mirrors deletes streams: the other
        # regions' mirrors, never one of this region's own.
        deletes = any(".STREAM.DELETE." in s for s in allowed)
        assert deletes == (name == "incidents")
        if deletes:
            denied = perms["publish"]["deny"]
            for own in ("EVENTS_LOCAL-1", "DELIVERIES_LOCAL-1", "AUDIT_LOCAL-1", "ALARMS",
                        "CHANGES"):
                assert f"$JS.API.STREAM.DELETE.{own}" in denied
            assert "$JS.local-1.API.>" in denied
    assert conf["http"].startswith("127.0.0.1:")


async def test_postgresql_refuses_a_connection_without_its_password(tmp_path: Path) -> None:
    """A cluster made with the password, and one an earlier start made with trust, both
    refuse a connection that gives none; the data folder is 0700 and its private parent
    is not opened to others."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    os.chmod(private, 0o700)
    old = await asyncio.to_thread(servers.postgres_server, private / "trusting")
    await asyncio.to_thread(old.stop, 30.0)
    for folder in (private / "fresh", private / "trusting"):
        server = await asyncio.to_thread(servers.postgres_server, folder,
                                         password="s3cret-pass_word")
        try:
            assert server.url.startswith("postgresql://postgres:s3cret-pass_word@")
            bare = server.url.replace("postgres:s3cret-pass_word@", "postgres@")
            with pytest.raises((asyncpg.InvalidPasswordError,
                                asyncpg.InvalidAuthorizationSpecificationError)):
                await asyncpg.connect(bare)
            with pytest.raises(asyncpg.InvalidPasswordError):
                await asyncpg.connect(bare.replace("postgres@", "postgres:wrong@"))
            conn = await asyncpg.connect(server.url)
            assert await conn.fetchval("SELECT 1") == 1
            await conn.close()
        finally:
            await asyncio.to_thread(server.stop, 30.0)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(private.stat().st_mode) & 0o007 == 0


async def test_an_open_bus_is_named_in_healthz(nats_url: str, embedded: Embedded) -> None:
    """The gateway reaching NATS without credentials (an operator's NATS, as it allows)
    says the bus is open in /healthz; with its identity it does not."""
    from tocsin.gateway.health import check
    from tocsin.shared.bus.connection import OPEN_BUS

    async with connect_as(BaseSettings(nats_url=nats_url), "gateway", environ={}) as bus:
        report = await check(bus, instance="t", wait=0.05)
    assert report["warnings"] == [OPEN_BUS]
    async with connect_as(embedded.settings(), "gateway",
                          environ=embedded.env("gateway")) as bus:
        report = await check(bus, instance="t", wait=0.05)
    assert "warnings" not in report


async def test_services_reach_nats_over_tls(tmp_path: Path) -> None:
    """A ``tls://`` URL is reached over TLS, its server verified against the given CA."""
    from tocsin.local import tls as local_tls

    files = local_tls.ensure(tmp_path, ["127.0.0.1"])
    conf = tmp_path / "nats-tls.conf"
    conf.write_text(json.dumps({"tls": {"cert_file": str(files.cert),
                                        "key_file": str(files.key)}}))
    server = await asyncio.to_thread(servers.nats_server, tmp_path / "nats", config=conf,
                                     log=tmp_path / "nats.log")
    try:
        url = server.url.replace("nats://", "tls://")
        settings = BaseSettings(nats_url=url, nats_ca_file=str(files.ca))
        async with connect_as(settings, "escalation", environ={}) as bus:
            assert bus.nc.connected_url is not None and bus.nc.connected_url.scheme == "tls"
            await ensure_stream(bus.js, events_stream(REGION))  # a round trip through it
        with pytest.raises((nats.errors.Error, OSError)):  # an unknown CA is refused
            async def quiet(exc: Exception) -> None:
                pass
            await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0,
                               connect_timeout=3, error_cb=quiet)
    finally:
        await asyncio.to_thread(server.stop, 15.0)


async def test_the_gateway_watches_events_within_its_permissions(embedded: Embedded) -> None:
    """``WatchEvents``' ephemeral ordered consumer is created, fed (flow control answered)
    and deleted by the gateway's identity."""
    from tocsin.gateway.watch import OrderedConsumer, Watch
    from tocsin.proto.events.v1 import events_pb2

    async with connect_as(embedded.settings(), "escalation",
                          environ=embedded.env("escalation")) as escalation:
        await ensure_stream(escalation.js, events_stream(REGION))
        await escalation.publish("events.local-1.escalation.StageDue", b'{"n": 2}',
                                 msg_id="watch-1")
    stream = str(events_stream(REGION).name)
    async with connect_as(embedded.settings(), "gateway",
                          environ=embedded.env("gateway")) as gateway:
        for services in ([], ["escalation", "incidents"]):  # one filter subject, and several
            watch = Watch.from_request(events_pb2.WatchEventsRequest(
                from_beginning=True, services=services), REGION)
            consumer = OrderedConsumer(gateway, stream, watch.subjects, description="test")
            stop = asyncio.Event()
            await consumer.open(watch, stop)
            try:
                got = await asyncio.wait_for(consumer.next(), 10)
                assert got is not None and got[0].subject.startswith("events.local-1.")
            finally:
                stop.set()
                await consumer.close()
        info = await gateway.js.stream_info(stream)
    assert info.state.consumer_count == 0  # each deleted again


async def test_only_a_streams_owner_may_change_it(embedded: Embedded) -> None:
    """Escalation declares EVENTS but cannot shorten its retention (nor purge it); the
    incidents service, its owner, may bring it to a new configuration."""
    from dataclasses import replace

    stream = events_stream(REGION)
    shorter = replace(stream, max_age=7200.0)
    async with connect_as(embedded.settings(), "escalation",
                          environ=embedded.env("escalation")) as escalation:
        await ensure_stream(escalation.js, stream)
        await ensure_stream(escalation.js, shorter, update=False)  # left to its owner
        for verb, body in (("UPDATE", json.dumps(shorter.as_dict()).encode()), ("PURGE", b"")):
            with pytest.raises(nats.errors.TimeoutError):  # refused: no answer comes
                await escalation.nc.request(f"$JS.API.STREAM.{verb}.{stream.name}", body,
                                            timeout=1)
        info = await escalation.js.stream_info(str(stream.name))
        assert info.config.max_age == stream.max_age
    async with connect_as(embedded.settings(), "incidents",
                          environ=embedded.env("incidents")) as incidents:
        await ensure_stream(incidents.js, shorter)
        assert (await incidents.js.stream_info(str(stream.name))).config.max_age == 7200.0
        await ensure_stream(incidents.js, stream)
