"""Contact channels and their activation: over NATS request/reply against real JetStream and
PostgreSQL, and (where plan time must move) through the handlers with a clock the test
turns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import nats.errors
import pytest
import pytest_asyncio
from structlog.testing import capture_logs

from tocsin.contacts.channels.handlers import ChannelHandlers
from tocsin.contacts.directory.handlers import ContactHandlers
from tocsin.contacts.settings import Settings
from tocsin.contacts.usecases import Deps
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, RpcRequest
from tocsin.shared.contracts import deliveries as deliveries_contract
from tocsin.shared.contracts.deliveries import ActivationCodeDelivery
from tocsin.shared.db import apply_migrations, create_pool
from tocsin.shared.testing import open_delivery, own_key_ring, wait_for

ACCOUNT = "000000000000"
PRINCIPAL = {"Tocsin-Principal": "arn:tocsin:iam::000000000000:user/alice"}


async def call(bus: Bus, operation: str, params: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.contacts.{operation}", params or {},
                              headers=PRINCIPAL)
    return codec.decode(reply, dict[str, Any])


async def personal(bus: Bus, alias: str = "alice") -> str:
    created = await call(bus, "CreateContact", {"Alias": alias, "Type": "PERSONAL",
                                                "Plan": {"Stages": []}})
    return str(created["ContactArn"])


async def email(bus: Bus, contact_arn: str, name: str = "work", address: str =
                "alice@example.com", **extra: Any) -> str:
    created = await call(bus, "CreateContactChannel", {
        "ContactId": contact_arn, "Name": name, "Type": "EMAIL",
        "DeliveryAddress": {"SimpleAddress": address}, **extra})
    return str(created["ContactChannelArn"])


async def deliveries(bus: Bus, settings: Settings, channel: str, count: int = 1
                     ) -> list[ActivationCodeDelivery]:
    """The activation-code requests for ``channel`` on DELIVERIES, once ``count`` are
    there."""

    async def arrived() -> list[ActivationCodeDelivery] | None:
        sub = await bus.js.subscribe(f"deliveries.{settings.region}.activation-code",
                                     ordered_consumer=True)
        found = []
        try:
            while True:
                try:
                    msg = await sub.next_msg(timeout=0.3)
                except nats.errors.TimeoutError:
                    break
                delivery = await open_delivery(msg)
                if delivery.channel_arn == channel:
                    assert msg.headers and msg.headers["Nats-Msg-Id"] == delivery.id
                    found.append(delivery)
        finally:
            await sub.unsubscribe()
        return found if len(found) >= count else None

    found: list[ActivationCodeDelivery] = await wait_for(arrived)
    return found


async def status(bus: Bus, channel: str) -> str:
    got = await call(bus, "GetContactChannel", {"ContactChannelId": channel})
    return str(got["ActivationStatus"])


def other(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


class TestChannels:
    async def test_create_get_list(self, contacts: Settings, bus: Bus) -> None:
        """A new channel is NOT_ACTIVATED, its ARN names its contact, and it is listed."""
        alice = await personal(bus)
        work = await email(bus, alice)
        assert work.startswith(
            f"arn:tocsin:ssm-contacts:{contacts.region}:{ACCOUNT}:contact-channel/alice/")
        expected = {"ContactArn": alice, "ContactChannelArn": work, "Name": "work",
                    "Type": "EMAIL", "DeliveryAddress": {"SimpleAddress": "alice@example.com"},
                    "ActivationStatus": "NOT_ACTIVATED"}
        assert await call(bus, "GetContactChannel", {"ContactChannelId": work}) == expected
        assert await call(bus, "ListContactChannels", {"ContactId": alice}) == {
            "ContactChannels": [expected]}

    async def test_code_is_delivered_on_creation(self, contacts: Settings, bus: Bus) -> None:
        """Creating a channel asks for a six-digit code to be sent to its address, valid 15
        minutes."""
        alice = await personal(bus)
        sms = str((await call(bus, "CreateContactChannel", {
            "ContactId": alice, "Name": "phone", "Type": "SMS",
            "DeliveryAddress": {"SimpleAddress": "+14155550123"}}))["ContactChannelArn"])
        [d] = await deliveries(bus, contacts, sms)
        assert (d.contact_arn, d.type, d.address, d.channel_name, d.contact_alias) == (
            alice, "SMS", "+14155550123", "phone", "alice")
        assert len(d.code) == 6 and d.code.isdigit()
        assert d.expires_at - d.sent_at == timedelta(minutes=15)

    @pytest.mark.parametrize(("kind", "address"), [
        ("EMAIL", "alice"), ("EMAIL", "alice@localhost"), ("EMAIL", "a b@example.com"),
        ("SMS", "4155550123"), ("SMS", "+1415"), ("VOICE", "+1415555012345678"),
        ("VOICE", "alice@example.com"),
    ])
    async def test_addresses_must_fit_the_type(self, contacts: Settings, bus: Bus,
                                               kind: str, address: str) -> None:
        """EMAIL takes an email address, SMS and VOICE an E.164 number; the refusal does not
        repeat the address."""
        alice = await personal(bus)
        with pytest.raises(errors.ValidationError, match="SimpleAddress") as caught:
            await call(bus, "CreateContactChannel", {
                "ContactId": alice, "Name": "x", "Type": kind,
                "DeliveryAddress": {"SimpleAddress": address}})
        assert address not in caught.value.message

    async def test_only_personal_contacts_have_channels(self, contacts: Settings,
                                                        bus: Bus) -> None:
        """A channel of an escalation plan is refused; of a missing contact, not found."""
        team = str((await call(bus, "CreateContact", {
            "Alias": "team", "Type": "ESCALATION", "Plan": {"Stages": []}}))["ContactArn"])
        with pytest.raises(errors.ValidationError, match="only PERSONAL contacts"):
            await email(bus, team)
        with pytest.raises(errors.NotFoundError):
            await email(bus, team.replace("/team", "/nobody"))

    async def test_names_are_unique_per_contact(self, contacts: Settings, bus: Bus) -> None:
        """Two channels of one contact can't share a name, by creation or by rename."""
        alice = await personal(bus)
        await email(bus, alice, "work", DeferActivation=True)
        home = await email(bus, alice, "home", DeferActivation=True)
        with pytest.raises(errors.ConflictError, match="'work'"):
            await email(bus, alice, "work")
        with pytest.raises(errors.ConflictError, match="'work'"):
            await call(bus, "UpdateContactChannel", {"ContactChannelId": home, "Name": "work"})
        await email(bus, await personal(bus, "bob"), "work", DeferActivation=True)

    async def test_delete(self, contacts: Settings, bus: Bus) -> None:
        """A deleted channel is gone, stays named in its contact's plan, and a second delete
        is not found."""
        alice = await personal(bus)
        work = await email(bus, alice, DeferActivation=True)
        plan = {"Stages": [{"DurationInMinutes": 0, "Targets": [
            {"ChannelTargetInfo": {"ContactChannelId": work}}]}]}
        await call(bus, "UpdateContact", {"ContactId": alice, "Plan": plan})
        await call(bus, "DeleteContactChannel", {"ContactChannelId": work})
        with pytest.raises(errors.NotFoundError) as caught:
            await call(bus, "DeleteContactChannel", {"ContactChannelId": work})
        assert caught.value.fields["resourceType"] == "CONTACT_CHANNEL"
        assert (await call(bus, "GetContact", {"ContactId": alice}))["Plan"] == plan
        assert await call(bus, "ListContactChannels", {"ContactId": alice}) == {
            "ContactChannels": []}

    async def test_list_pagination(self, contacts: Settings, bus: Bus) -> None:
        """Channels are listed in creation order, MaxResults at a time."""
        alice = await personal(bus)
        made = [await email(bus, alice, f"c{i}", f"c{i}@example.com", DeferActivation=True)
                for i in range(5)]
        seen, token = [], None
        while True:
            page = await call(bus, "ListContactChannels", {
                "ContactId": alice, "MaxResults": 2, **({"NextToken": token} if token else {})})
            seen += [c["ContactChannelArn"] for c in page["ContactChannels"]]
            token = page.get("NextToken")
            if not token:
                break
        assert seen == made
        with pytest.raises(errors.NotFoundError):
            await call(bus, "ListContactChannels",
                       {"ContactId": alice.replace("/alice", "/nobody")})

    async def test_idempotent_create(self, contacts: Settings, bus: Bus) -> None:
        """A replayed IdempotencyToken returns the first channel and sends no second code."""
        alice = await personal(bus)
        first = await email(bus, alice, IdempotencyToken="tok-1")
        assert await email(bus, alice, IdempotencyToken="tok-1") == first
        assert len((await call(bus, "ListContactChannels", {"ContactId": alice}))
                   ["ContactChannels"]) == 1
        await deliveries(bus, contacts, first)
        info = await bus.js.stream_info(f"DELIVERIES_{contacts.region.upper()}")
        assert info.state.messages == 1


class TestActivation:
    async def test_right_code_activates(self, contacts: Settings, bus: Bus) -> None:
        """The delivered code activates the channel; repeating the call changes nothing."""
        alice = await personal(bus)
        work = await email(bus, alice)
        [d] = await deliveries(bus, contacts, work)
        await call(bus, "ActivateContactChannel",
                   {"ContactChannelId": work, "ActivationCode": d.code})
        assert await status(bus, work) == "ACTIVATED"
        await call(bus, "ActivateContactChannel",
                   {"ContactChannelId": work, "ActivationCode": d.code})
        assert await status(bus, work) == "ACTIVATED"

    async def test_wrong_codes_void_the_code(self, contacts: Settings, bus: Bus) -> None:
        """Each wrong code says how many attempts are left; the fifth voids the code, so the
        right one no longer works and a new one must be sent."""
        work = await email(bus, await personal(bus))
        [d] = await deliveries(bus, contacts, work)
        for left in (4, 3, 2, 1):
            with pytest.raises(errors.ValidationError, match=f"{left} more wrong"):
                await call(bus, "ActivateContactChannel",
                           {"ContactChannelId": work, "ActivationCode": other(d.code)})
        with pytest.raises(errors.ValidationError, match="void"):
            await call(bus, "ActivateContactChannel",
                       {"ContactChannelId": work, "ActivationCode": other(d.code)})
        with pytest.raises(errors.ValidationError, match="no activation code pending"):
            await call(bus, "ActivateContactChannel",
                       {"ContactChannelId": work, "ActivationCode": d.code})
        assert await status(bus, work) == "NOT_ACTIVATED"
        await call(bus, "SendActivationCode", {"ContactChannelId": work})
        fresh = (await deliveries(bus, contacts, work, 2))[1]
        await call(bus, "ActivateContactChannel",
                   {"ContactChannelId": work, "ActivationCode": fresh.code})
        assert await status(bus, work) == "ACTIVATED"

    async def test_deferred_activation(self, contacts: Settings, bus: Bus) -> None:
        """With DeferActivation no code is sent until SendActivationCode; a new code
        replaces the previous one."""
        work = await email(bus, await personal(bus), DeferActivation=True)
        with pytest.raises(errors.ValidationError, match="no activation code pending"):
            await call(bus, "ActivateContactChannel",
                       {"ContactChannelId": work, "ActivationCode": "123456"})
        await call(bus, "SendActivationCode", {"ContactChannelId": work})
        await call(bus, "SendActivationCode", {"ContactChannelId": work})
        old, new = await deliveries(bus, contacts, work, 2)
        if old.code != new.code:
            with pytest.raises(errors.ValidationError, match="wrong"):
                await call(bus, "ActivateContactChannel",
                           {"ContactChannelId": work, "ActivationCode": old.code})
        await call(bus, "ActivateContactChannel",
                   {"ContactChannelId": work, "ActivationCode": new.code})
        assert await status(bus, work) == "ACTIVATED"

    async def test_deactivate(self, contacts: Settings, bus: Bus) -> None:
        """DeactivateContactChannel makes an active channel NOT_ACTIVATED."""
        work = await email(bus, await personal(bus))
        [d] = await deliveries(bus, contacts, work)
        await call(bus, "ActivateContactChannel",
                   {"ContactChannelId": work, "ActivationCode": d.code})
        await call(bus, "DeactivateContactChannel", {"ContactChannelId": work})
        assert await status(bus, work) == "NOT_ACTIVATED"
        with pytest.raises(errors.NotFoundError):
            await call(bus, "DeactivateContactChannel",
                       {"ContactChannelId": work.replace("/alice/", "/bob/")})

    async def test_reactivate_after_stop(self, contacts: Settings, bus: Bus) -> None:
        """The internal ReactivateContactChannel (an SMS START) activates without a code;
        repeating it changes nothing; an unknown channel is a ResourceNotFoundException."""
        work = await email(bus, await personal(bus))
        await call(bus, "ReactivateContactChannel", {"ContactChannelId": work})
        assert await status(bus, work) == "ACTIVATED"
        await call(bus, "ReactivateContactChannel", {"ContactChannelId": work})
        assert await status(bus, work) == "ACTIVATED"
        with pytest.raises(errors.NotFoundError):
            await call(bus, "ReactivateContactChannel",
                       {"ContactChannelId": work.replace("/alice/", "/bob/")})

    async def test_address_change_needs_activation(self, contacts: Settings,
                                                   bus: Bus) -> None:
        """A new address makes the channel NOT_ACTIVATED and gets its own code; a rename
        keeps it active."""
        work = await email(bus, await personal(bus))
        [d] = await deliveries(bus, contacts, work)
        await call(bus, "ActivateContactChannel",
                   {"ContactChannelId": work, "ActivationCode": d.code})
        await call(bus, "UpdateContactChannel", {"ContactChannelId": work, "Name": "office"})
        await call(bus, "UpdateContactChannel", {
            "ContactChannelId": work,
            "DeliveryAddress": {"SimpleAddress": "alice@example.com"}})
        assert await status(bus, work) == "ACTIVATED"
        await call(bus, "UpdateContactChannel", {
            "ContactChannelId": work, "DeliveryAddress": {"SimpleAddress": "a2@example.com"}})
        got = await call(bus, "GetContactChannel", {"ContactChannelId": work})
        assert (got["Name"], got["DeliveryAddress"], got["ActivationStatus"]) == (
            "office", {"SimpleAddress": "a2@example.com"}, "NOT_ACTIVATED")
        new = (await deliveries(bus, contacts, work, 2))[1]
        assert new.address == "a2@example.com"
        await call(bus, "ActivateContactChannel",
                   {"ContactChannelId": work, "ActivationCode": new.code})
        assert await status(bus, work) == "ACTIVATED"
        with pytest.raises(errors.ValidationError, match="not an email address"):
            await call(bus, "UpdateContactChannel", {
                "ContactChannelId": work, "DeliveryAddress": {"SimpleAddress": "+1"}})

    async def test_send_rate_limit(self, contacts: Settings, bus: Bus) -> None:
        """Five codes an hour per channel, the creation's included; more is a
        ServiceQuotaExceededException, and an address change over the limit changes
        nothing."""
        work = await email(bus, await personal(bus))
        for _ in range(4):
            await call(bus, "SendActivationCode", {"ContactChannelId": work})
        with pytest.raises(errors.QuotaExceededError, match="60 minutes") as caught:
            await call(bus, "SendActivationCode", {"ContactChannelId": work})
        assert caught.value.fields == {
            "QuotaCode": "ActivationCodesPerChannelPerHour", "ServiceCode": "ssm-contacts",
            "ResourceId": work, "ResourceType": "CONTACT_CHANNEL"}
        with pytest.raises(errors.QuotaExceededError):
            await call(bus, "UpdateContactChannel", {
                "ContactChannelId": work, "DeliveryAddress": {"SimpleAddress": "b@example.com"}})
        got = await call(bus, "GetContactChannel", {"ContactChannelId": work})
        assert got["DeliveryAddress"] == {"SimpleAddress": "alice@example.com"}

    async def test_events_carry_no_code_or_address(self, contacts: Settings,
                                                   bus: Bus) -> None:
        """Channel events on EVENTS name the channel and its status, never its address or
        code."""
        work = await email(bus, await personal(bus))
        [d] = await deliveries(bus, contacts, work)
        await call(bus, "ActivateContactChannel",
                   {"ContactChannelId": work, "ActivationCode": d.code})
        await call(bus, "DeactivateContactChannel", {"ContactChannelId": work})
        expected = ["ContactCreated", "ContactChannelCreated",
                    "ContactChannelActivationCodeSent", "ContactChannelActivated",
                    "ContactChannelDeactivated"]
        stream = f"EVENTS_{contacts.region.upper()}"

        async def arrived() -> bool:
            return (await bus.js.stream_info(stream)).state.messages >= len(expected)

        await wait_for(arrived)
        sub = await bus.js.subscribe(f"events.{contacts.region}.>", ordered_consumer=True)
        try:
            raw = [(await sub.next_msg(timeout=2)).data for _ in expected]
        finally:
            await sub.unsubscribe()
        events = [codec.decode(r, codec.Envelope) for r in raw]
        assert [e.type for e in events] == expected
        assert all(b"alice@example.com" not in r and d.code.encode() not in r for r in raw)
        assert events[2].data["contactChannelArn"] == work
        assert events[3].data["activationStatus"] == "ACTIVATED"
        assert events[4].data["reason"] == "DEACTIVATED"


# --- plan time turned by the test -------------------------------------------------------


class TurnedClock:
    """Plan time that moves only when the test says so."""

    def __init__(self) -> None:
        self.time = datetime.now(UTC)

    def now(self) -> datetime:
        return self.time

    def monotonic(self) -> float:
        return self.time.timestamp()

    async def sleep(self, seconds: float) -> None:
        self.time += timedelta(seconds=seconds)

    def advance(self, **delta: float) -> None:
        self.time += timedelta(**delta)


class Direct:
    """The contact and channel handlers on the test's schema, called without NATS; the
    outbox is left unpublished, so the test reads deliveries from it."""

    def __init__(self, deps: Deps, clock: TurnedClock) -> None:
        self.deps, self.clock = deps, clock
        contacts, channels = ContactHandlers(deps), ChannelHandlers(deps)
        self._ops = {
            "CreateContact": contacts.create_contact,
            "CreateContactChannel": channels.create_contact_channel,
            "UpdateContactChannel": channels.update_contact_channel,
            "ActivateContactChannel": channels.activate_contact_channel,
            "SendActivationCode": channels.send_activation_code,
            "GetContactChannel": channels.get_contact_channel,
        }

    async def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._ops[operation](
            RpcRequest(operation, codec.encode(params), PRINCIPAL))
        return result

    async def channel(self) -> str:
        alice = await self.call("CreateContact", {"Alias": "alice", "Type": "PERSONAL",
                                                  "Plan": {"Stages": []}})
        created = await self.call("CreateContactChannel", {
            "ContactId": alice["ContactArn"], "Name": "phone", "Type": "VOICE",
            "DeliveryAddress": {"SimpleAddress": "+442071234567"}})
        return str(created["ContactChannelArn"])

    async def codes(self) -> list[str]:
        async with self.deps.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT payload FROM outbox WHERE subject = $1 ORDER BY seq",
                f"deliveries.{self.deps.region}.activation-code")
        return [(await deliveries_contract.open_request(
            self.deps.keys, deliveries_contract.ACTIVATION_CODE, r["payload"])).code  # type: ignore[union-attr]
                for r in rows]

    async def activate(self, channel: str, code: str) -> None:
        await self.call("ActivateContactChannel",
                        {"ContactChannelId": channel, "ActivationCode": code})


@pytest_asyncio.fixture
async def direct(database_url: str, isolation: dict[str, str]) -> AsyncIterator[Direct]:
    async with create_pool(database_url, schema=f"{isolation['schema_prefix']}contacts",
                           min_size=1, max_size=4) as pool:
        await apply_migrations(pool, package="tocsin.contacts.migrations")
        clock = TurnedClock()
        keys = await own_key_ring(isolation["master_key_file"])
        yield Direct(Deps(pool=pool, clock=clock, region=isolation["region"],
                          account=ACCOUNT, keys=keys), clock)


class TestPlanTime:
    async def test_codes_expire_after_15_minutes(self, direct: Direct) -> None:
        """A code works until 15 minutes of plan time have passed, and not after; a new code
        replaces the old one."""
        channel = await direct.channel()
        direct.clock.advance(minutes=15, seconds=-1)
        await direct.call("SendActivationCode", {"ContactChannelId": channel})
        first, second = await direct.codes()
        if first != second:
            with pytest.raises(errors.ValidationError, match="wrong"):
                await direct.activate(channel, first)
        direct.clock.advance(minutes=14, seconds=59)
        await direct.activate(channel, second)
        await direct.call("SendActivationCode", {"ContactChannelId": channel})
        direct.clock.advance(minutes=15)
        with pytest.raises(errors.ValidationError, match="expired"):
            await direct.activate(channel, (await direct.codes())[2])

    async def test_rate_limit_window_moves(self, direct: Direct) -> None:
        """The sixth code within an hour is refused; once the first send is an hour old,
        one more may go."""
        channel = await direct.channel()
        for _ in range(4):
            direct.clock.advance(minutes=10)
            await direct.call("SendActivationCode", {"ContactChannelId": channel})
        with pytest.raises(errors.QuotaExceededError, match="in 20 minutes"):
            await direct.call("SendActivationCode", {"ContactChannelId": channel})
        direct.clock.advance(minutes=20)
        await direct.call("SendActivationCode", {"ContactChannelId": channel})
        with pytest.raises(errors.QuotaExceededError, match="in 10 minutes"):
            await direct.call("SendActivationCode", {"ContactChannelId": channel})
        assert len(await direct.codes()) == 6

    async def test_codes_are_stored_hashed(self, direct: Direct) -> None:
        """The database holds a salted digest, never the code."""
        channel = await direct.channel()
        [code] = await direct.codes()
        async with direct.deps.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM activation_code WHERE channel_arn = $1",
                                      channel)
        assert row is not None and len(row["salt"]) == 16 and len(row["digest"]) == 32
        assert code.encode() not in bytes(row["digest"]) + bytes(row["salt"])
        assert all(code not in str(v) for v in row.values())

    async def test_no_address_or_code_in_logs(self, direct: Direct) -> None:
        """Nothing the channel operations log names the address or the code."""
        with capture_logs() as logs:
            channel = await direct.channel()
            [code] = await direct.codes()
            with pytest.raises(errors.ValidationError):
                await direct.activate(channel, other(code))
            await direct.activate(channel, code)
            await direct.call("UpdateContactChannel", {
                "ContactChannelId": channel,
                "DeliveryAddress": {"SimpleAddress": "+442071234568"}})
        text = repr(logs)
        assert "+44207123456" not in text and code not in text
        got = await direct.call("GetContactChannel", {"ContactChannelId": channel})
        assert got["ActivationStatus"] == "NOT_ACTIVATED"
