"""Rotations, overrides and shifts over NATS request/reply, against real JetStream and
PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from tocsin.contacts.rotations.store import who_is_on_call
from tocsin.contacts.settings import Settings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

ACCOUNT = "000000000000"
NY = ZoneInfo("America/New_York")
DAILY_9 = {"NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
           "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]}


async def call(bus: Bus, operation: str, params: dict[str, Any] | None = None,
               principal: str = "arn:tocsin:iam::000000000000:user/alice") -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.contacts.{operation}", params or {},
                              headers={"Tocsin-Principal": principal})
    return codec.decode(reply, dict[str, Any])


def prefix(settings: Settings) -> str:
    return f"arn:tocsin:ssm-contacts:{settings.region}:{ACCOUNT}:"


def ny(*args: int) -> float:
    return datetime(*args, tzinfo=NY).timestamp()  # type: ignore[misc]


async def people(bus: Bus, *aliases: str) -> list[str]:
    """PERSONAL contacts, created through CreateContact."""
    arns = []
    for alias in aliases:
        created = await call(bus, "CreateContact", {"Alias": alias, "Type": "PERSONAL",
                                                    "Plan": {"Stages": []}})
        arns.append(str(created["ContactArn"]))
    return arns


async def rotation(bus: Bus, members: list[str], **params: Any) -> str:
    doc = {"Name": "primary", "ContactIds": members, "TimeZoneId": "America/New_York",
           "Recurrence": DAILY_9, "StartTime": ny(2026, 3, 1, 9), **params}
    return str((await call(bus, "CreateRotation", doc))["RotationArn"])


async def all_shifts(bus: Bus, arn: str, start: float, end: float,
                     **params: Any) -> list[dict[str, Any]]:
    """Every shift in the window, following NextToken."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = await call(bus, "ListRotationShifts", {
            "RotationId": arn, "StartTime": start, "EndTime": end, **params,
            **({"NextToken": token} if token else {})})
        found += page["RotationShifts"]
        token = page.get("NextToken")
        if not token:
            return found


def future(days: float) -> float:
    return time.time() + days * 86400


def tomorrow_noon_utc() -> float:
    """Noon UTC tomorrow: a two-hour override from then holds no 09:00 UTC handoff of a
    daily rotation, whatever the time the test runs."""
    return future(1) // 86400 * 86400 + 12 * 3600


class TestRotations:
    async def test_create_and_get(self, contacts: Settings, bus: Bus) -> None:
        """GetRotation returns what CreateRotation was given, under a rotation ARN."""
        alice, bob = await people(bus, "alice", "bob")
        rec = {**DAILY_9, "ShiftCoverages": {"MON": [
            {"Start": {"HourOfDay": 9, "MinuteOfHour": 0},
             "End": {"HourOfDay": 17, "MinuteOfHour": 0}}]}}
        arn = await rotation(bus, [alice, bob], Recurrence=rec,
                             Tags=[{"Key": "team", "Value": "db"}])
        assert arn.startswith(f"{prefix(contacts)}rotation/")
        assert await call(bus, "GetRotation", {"RotationId": arn}) == {
            "RotationArn": arn, "Name": "primary", "ContactIds": [alice, bob],
            "StartTime": ny(2026, 3, 1, 9), "TimeZoneId": "America/New_York",
            "Recurrence": rec}
        tags = await call(bus, "ListTagsForResource", {"ResourceARN": arn})
        assert tags["Tags"] == [{"Key": "team", "Value": "db"}]

    async def test_start_time_defaults_to_now(self, contacts: Settings, bus: Bus) -> None:
        """Without StartTime the rotation takes effect when it is created."""
        (alice,) = await people(bus, "alice")
        before = time.time()
        arn = await rotation(bus, [alice], StartTime=None)
        got = await call(bus, "GetRotation", {"RotationId": arn})
        assert before - 1 <= got["StartTime"] <= time.time() + 1

    async def test_list_by_prefix_in_pages(self, contacts: Settings, bus: Bus) -> None:
        """ListRotations filters by name prefix and pages in name order."""
        (alice,) = await people(bus, "alice")
        for name in ("db secondary", "db primary", "web"):
            await rotation(bus, [alice], Name=name)
        names: list[str] = []
        token: str | None = None
        while True:
            page = await call(bus, "ListRotations", {
                "RotationNamePrefix": "db", "MaxResults": 1,
                **({"NextToken": token} if token else {})})
            names += [r["Name"] for r in page["Rotations"]]
            token = page.get("NextToken")
            if not token:
                break
        assert names == ["db primary", "db secondary"]
        everything = await call(bus, "ListRotations")
        assert [r["Name"] for r in everything["Rotations"]] == [
            "db primary", "db secondary", "web"]
        assert everything["Rotations"][2]["ContactIds"] == [alice]

    async def test_update_rewrites_members(self, contacts: Settings, bus: Bus) -> None:
        """UpdateRotation replaces the recurrence and members; a removed member is free."""
        alice, bob, carol = await people(bus, "alice", "bob", "carol")
        arn = await rotation(bus, [alice, bob])
        weekly = {"NumberOfOnCalls": 1, "RecurrenceMultiplier": 2, "WeeklySettings": [
            {"DayOfWeek": "MON", "HandOffTime": {"HourOfDay": 8, "MinuteOfHour": 30}}]}
        await call(bus, "UpdateRotation", {"RotationId": arn, "Recurrence": weekly,
                                           "ContactIds": [carol, bob],
                                           "TimeZoneId": "Europe/London"})
        got = await call(bus, "GetRotation", {"RotationId": arn})
        assert (got["ContactIds"], got["Recurrence"], got["TimeZoneId"]) == (
            [carol, bob], weekly, "Europe/London")
        await call(bus, "DeleteContact", {"ContactId": alice})
        with pytest.raises(errors.ConflictError):
            await call(bus, "DeleteContact", {"ContactId": carol})

    async def test_delete_refused_while_a_schedule_names_it(self, contacts: Settings,
                                                            bus: Bus) -> None:
        """DeleteRotation of a rotation an on-call schedule names is a ConflictException
        listing the schedule (the schedule would page nobody), and changes nothing; once
        the schedule no longer names it, it goes."""
        (alice,) = await people(bus, "alice")
        keep, used = await rotation(bus, [alice]), await rotation(bus, [alice])
        schedule = (await call(bus, "CreateContact", {
            "Alias": "oncall", "Type": "ONCALL_SCHEDULE",
            "Plan": {"Stages": [], "RotationIds": [used, keep]}}))["ContactArn"]
        with pytest.raises(errors.ConflictError) as caught:
            await call(bus, "DeleteRotation", {"RotationId": used})
        assert caught.value.fields["DependentEntities"] == [
            {"RelationType": "ONCALL_SCHEDULE_ROTATION", "DependentResourceIds": [schedule]}]
        assert used in caught.value.message and "on-call schedule" in caught.value.message
        got = await call(bus, "GetContact", {"ContactId": schedule})
        assert got["Plan"]["RotationIds"] == [used, keep]
        await call(bus, "GetRotation", {"RotationId": used})

        await call(bus, "UpdateContact", {"ContactId": schedule,
                                          "Plan": {"Stages": [], "RotationIds": [keep]}})
        await call(bus, "DeleteRotation", {"RotationId": used})
        with pytest.raises(errors.NotFoundError) as gone:
            await call(bus, "GetRotation", {"RotationId": used})
        assert gone.value.fields["resourceType"] == "ROTATION"
        await call(bus, "DeleteContact", {"ContactId": schedule})

    async def test_delete_and_a_new_schedule_race(self, contacts: Settings, bus: Bus) -> None:
        """A schedule created while its rotation is being deleted either names a rotation
        that still exists, or is refused: never a schedule naming a deleted rotation."""
        (alice,) = await people(bus, "alice")
        rotations = [await rotation(bus, [alice]) for _ in range(8)]

        async def create(i: int, arn: str) -> str | None:
            try:
                return str((await call(bus, "CreateContact", {
                    "Alias": f"oncall-{i}", "Type": "ONCALL_SCHEDULE",
                    "Plan": {"Stages": [], "RotationIds": [arn]}}))["ContactArn"])
            except errors.ValidationError:
                return None

        async def delete(arn: str) -> bool:
            try:
                await call(bus, "DeleteRotation", {"RotationId": arn})
                return True
            except errors.ConflictError:
                return False

        results = await asyncio.gather(*(
            aw for i, arn in enumerate(rotations) for aw in (create(i, arn), delete(arn))))
        for i, arn in enumerate(rotations):
            schedule, deleted = results[2 * i], results[2 * i + 1]
            assert (schedule is None) == deleted, (schedule, deleted)
            if schedule is not None:
                got = await call(bus, "GetContact", {"ContactId": schedule})
                assert got["Plan"]["RotationIds"] == [arn]
                await call(bus, "GetRotation", {"RotationId": arn})

    async def test_events(self, contacts: Settings, bus: Bus) -> None:
        """Each change publishes an event: created, updated, override, deleted."""
        (alice,) = await people(bus, "alice")
        arn = await rotation(bus, [alice], StartTime=time.time())
        await call(bus, "UpdateRotation", {"RotationId": arn, "Recurrence": DAILY_9,
                                           "TimeZoneId": "UTC"})
        oid = (await call(bus, "CreateRotationOverride", {
            "RotationId": arn, "NewContactIds": [alice], "StartTime": future(1),
            "EndTime": future(2)}))["RotationOverrideId"]
        await call(bus, "DeleteRotationOverride", {"RotationId": arn,
                                                   "RotationOverrideId": oid})
        await call(bus, "DeleteRotation", {"RotationId": arn})
        stream = f"EVENTS_{contacts.region.upper()}"

        async def arrived() -> bool:
            return (await bus.js.stream_info(stream)).state.messages >= 6

        await wait_for(arrived)
        sub = await bus.js.subscribe(f"events.{contacts.region}.contacts.>",
                                     ordered_consumer=True)
        try:
            events = [codec.decode((await sub.next_msg(timeout=2)).data, codec.Envelope)
                      for _ in range(6)]
        finally:
            await sub.unsubscribe()
        assert [e.type for e in events] == [
            "ContactCreated", "RotationCreated", "RotationUpdated", "RotationOverrideCreated",
            "RotationOverrideDeleted", "RotationDeleted"]
        assert events[1].data["rotationArn"] == arn
        assert events[2].data["timeZoneId"] == "UTC"
        assert events[2].data["recurrence"]["dailySettings"] == [
            {"hourOfDay": 9, "minuteOfHour": 0}]
        assert events[3].data["rotationOverrideId"] == oid


class TestRotationErrors:
    async def test_members_must_be_existing_personal_contacts(self, contacts: Settings,
                                                              bus: Bus) -> None:
        """An unknown member is ResourceNotFound; an escalation plan is a validation error."""
        (alice,) = await people(bus, "alice")
        with pytest.raises(errors.NotFoundError, match="does not exist") as caught:
            await rotation(bus, [alice, f"{prefix(contacts)}contact/nobody"])
        assert caught.value.fields["resourceType"] == "CONTACT"
        plan = (await call(bus, "CreateContact", {"Alias": "esc", "Type": "ESCALATION",
                                                  "Plan": {"Stages": []}}))["ContactArn"]
        with pytest.raises(errors.ValidationError, match="PERSONAL"):
            await rotation(bus, [plan])

    @pytest.mark.parametrize(("params", "message"), [
        ({"TimeZoneId": "PST"}, "IANA"),
        ({"TimeZoneId": "Mars/Olympus_Mons"}, "IANA"),
        ({"Recurrence": {**DAILY_9, "WeeklySettings": [
            {"DayOfWeek": "MON", "HandOffTime": {"HourOfDay": 9, "MinuteOfHour": 0}}]}},
         "exactly one"),
        ({"Recurrence": {**DAILY_9, "NumberOfOnCalls": 2}}, "NumberOfOnCalls"),
        ({"Recurrence": {**DAILY_9, "RecurrenceMultiplier": 101}}, "RecurrenceMultiplier"),
        ({"Recurrence": {**DAILY_9, "DailySettings": [{"HourOfDay": 24, "MinuteOfHour": 0}]}},
         "HourOfDay"),
    ])
    async def test_invalid_rotation(self, contacts: Settings, bus: Bus,
                                    params: dict[str, Any], message: str) -> None:
        """Unknown zones and broken recurrences are validation errors naming the member."""
        (alice,) = await people(bus, "alice")
        with pytest.raises(errors.ValidationError, match=message):
            await rotation(bus, [alice], **params)

    async def test_duplicate_member(self, contacts: Settings, bus: Bus) -> None:
        """A member listed twice is a validation error."""
        (alice,) = await people(bus, "alice")
        with pytest.raises(errors.ValidationError, match="twice"):
            await rotation(bus, [alice, alice])

    async def test_missing_rotation(self, contacts: Settings, bus: Bus) -> None:
        """Every operation on an unknown rotation is ResourceNotFound with type ROTATION."""
        arn = f"{prefix(contacts)}rotation/00000000-0000-0000-0000-000000000000"
        for op, params in (
                ("GetRotation", {}), ("DeleteRotation", {}),
                ("UpdateRotation", {"Recurrence": DAILY_9}),
                ("ListRotationShifts", {"EndTime": future(1)}),
                ("ListRotationOverrides", {"StartTime": future(0), "EndTime": future(1)}),
                ("CreateRotationOverride", {"NewContactIds": [], "StartTime": future(1),
                                            "EndTime": future(2)})):
            with pytest.raises(errors.NotFoundError) as caught:
                await call(bus, op, {"RotationId": arn, **params})
            assert caught.value.fields["resourceType"] == "ROTATION", op


class TestShifts:
    async def test_a_month_of_daily_shifts(self, contacts: Settings, bus: Bus) -> None:
        """March 2026 in New York: 31 shifts in list order, the DST one 23 hours long."""
        members = await people(bus, "alice", "bob", "carol")
        arn = await rotation(bus, members)
        found = await all_shifts(bus, arn, ny(2026, 3, 1, 9), ny(2026, 4, 1, 9))
        assert len(found) == 31
        assert [s["ContactIds"] for s in found[:4]] == [[m] for m in (*members, members[0])]
        lengths = {s["StartTime"]: s["EndTime"] - s["StartTime"] for s in found}
        assert lengths.pop(ny(2026, 3, 7, 9)) == 23 * 3600
        assert set(lengths.values()) == {24 * 3600}
        assert {s["Type"] for s in found} == {"REGULAR"}
        assert all("ShiftDetails" not in s for s in found)
        assert all(datetime.fromtimestamp(s["StartTime"], NY).hour == 9 for s in found)

    async def test_pages_join_up(self, contacts: Settings, bus: Bus) -> None:
        """Paging with MaxResults 7 gives the same shifts as one big page."""
        members = await people(bus, "alice", "bob")
        arn = await rotation(bus, members)
        whole = await call(bus, "ListRotationShifts", {
            "RotationId": arn, "StartTime": ny(2026, 3, 1, 12), "EndTime": ny(2026, 4, 1),
            "MaxResults": 1024})
        assert "NextToken" not in whole
        paged = await all_shifts(bus, arn, ny(2026, 3, 1, 12), ny(2026, 4, 1), MaxResults=7)
        assert paged == whole["RotationShifts"]
        assert paged[0]["StartTime"] == ny(2026, 3, 1, 12)

    async def test_start_defaults_to_now(self, contacts: Settings, bus: Bus) -> None:
        """Without StartTime the first shift is the one on call now, clipped to now."""
        (alice,) = await people(bus, "alice")
        arn = await rotation(bus, [alice], StartTime=time.time() - 86400 * 3)
        before = time.time()
        page = await call(bus, "ListRotationShifts", {"RotationId": arn,
                                                      "EndTime": future(2)})
        first = page["RotationShifts"][0]
        assert before - 1 <= first["StartTime"] <= time.time() + 1

    async def test_window_errors(self, contacts: Settings, bus: Bus) -> None:
        """An EndTime not after StartTime, or a foreign NextToken, is a validation error."""
        (alice,) = await people(bus, "alice")
        arn = await rotation(bus, [alice])
        with pytest.raises(errors.ValidationError, match="after StartTime"):
            await call(bus, "ListRotationShifts", {"RotationId": arn, "StartTime": future(2),
                                                   "EndTime": future(1)})
        with pytest.raises(errors.ValidationError, match="NextToken"):
            await call(bus, "ListRotationShifts", {"RotationId": arn, "EndTime": future(1),
                                                   "NextToken": "bm90LWEtdG9rZW4"})

    async def test_who_is_on_call(self, contacts: Settings, bus: Bus) -> None:
        """The store's who_is_on_call agrees with the shifts, overrides included."""
        members = await people(bus, "alice", "bob", "carol")
        arn = await rotation(bus, members, StartTime=time.time() - 3600,
                             Recurrence={**DAILY_9, "NumberOfOnCalls": 2})
        page = await call(bus, "ListRotationShifts", {"RotationId": arn, "EndTime": future(1)})
        now_on = page["RotationShifts"][0]["ContactIds"]
        at = datetime.now(UTC) + timedelta(minutes=1)
        conn = await asyncpg.connect(contacts.database_url,
                                     server_settings={"search_path": contacts.schema})
        try:
            assert await who_is_on_call(conn, arn, at) == now_on
            await call(bus, "CreateRotationOverride", {
                "RotationId": arn, "NewContactIds": [members[2]],
                "StartTime": time.time(), "EndTime": future(1 / 24)})
            assert await who_is_on_call(conn, arn, at) == [members[2]]
            assert await who_is_on_call(conn, f"{prefix(contacts)}rotation/gone", at) == []
        finally:
            await conn.close()


class TestOverrides:
    async def test_override_lifecycle(self, contacts: Settings, bus: Bus) -> None:
        """An override shows as an OVERRIDDEN shift until it is deleted."""
        alice, bob = await people(bus, "alice", "bob")
        arn = await rotation(bus, [alice, bob], StartTime=time.time() - 86400,
                             TimeZoneId="UTC")
        start, end = tomorrow_noon_utc(), tomorrow_noon_utc() + 7200
        oid = (await call(bus, "CreateRotationOverride", {
            "RotationId": arn, "NewContactIds": [bob, alice], "StartTime": start,
            "EndTime": end}))["RotationOverrideId"]
        got = await call(bus, "GetRotationOverride", {"RotationId": arn,
                                                      "RotationOverrideId": oid})
        assert {k: v for k, v in got.items() if k != "CreateTime"} == {
            "RotationOverrideId": oid, "RotationArn": arn, "NewContactIds": [bob, alice],
            "StartTime": start, "EndTime": end}
        listed = await call(bus, "ListRotationOverrides", {
            "RotationId": arn, "StartTime": start - 60, "EndTime": start + 60})
        assert [o["RotationOverrideId"] for o in listed["RotationOverrides"]] == [oid]
        found = await all_shifts(bus, arn, start - 3600, end + 3600)
        overridden = [s for s in found if s["Type"] == "OVERRIDDEN"]
        assert len(overridden) == 1
        assert overridden[0]["ContactIds"] == [bob, alice]
        assert (overridden[0]["StartTime"], overridden[0]["EndTime"]) == (start, end)
        regular = [s for s in found if s["StartTime"] <= start < s["EndTime"]
                   and s["Type"] == "REGULAR"]
        assert regular == []
        assert overridden[0]["ShiftDetails"]["OverriddenContactIds"] in ([alice], [bob])
        await call(bus, "DeleteRotationOverride", {"RotationId": arn,
                                                   "RotationOverrideId": oid})
        after = await all_shifts(bus, arn, start - 3600, end + 3600)
        assert {s["Type"] for s in after} == {"REGULAR"}
        with pytest.raises(errors.NotFoundError):
            await call(bus, "GetRotationOverride", {"RotationId": arn,
                                                    "RotationOverrideId": oid})

    async def test_list_overrides_in_pages(self, contacts: Settings, bus: Bus) -> None:
        """ListRotationOverrides lists the window's overrides by start time, in pages."""
        (alice,) = await people(bus, "alice")
        arn = await rotation(bus, [alice], StartTime=time.time())
        ids = [(await call(bus, "CreateRotationOverride", {
            "RotationId": arn, "NewContactIds": [alice], "StartTime": future(day),
            "EndTime": future(day + 0.5)}))["RotationOverrideId"] for day in (3, 1, 2)]
        seen: list[str] = []
        token: str | None = None
        while True:
            page = await call(bus, "ListRotationOverrides", {
                "RotationId": arn, "StartTime": future(0), "EndTime": future(10),
                "MaxResults": 2, **({"NextToken": token} if token else {})})
            seen += [o["RotationOverrideId"] for o in page["RotationOverrides"]]
            token = page.get("NextToken")
            if not token:
                break
        assert seen == [ids[1], ids[2], ids[0]]

    @pytest.mark.parametrize(("start", "end", "message"), [
        (1, 1 + 20 / 1440, "30 minutes"),
        (-2, -1, "in the future"),
        (200, 201, "6 months"),
    ])
    async def test_override_rules(self, contacts: Settings, bus: Bus, start: float,
                                  end: float, message: str) -> None:
        """Overrides last at least 30 minutes, end in the future, start within 6 months."""
        (alice,) = await people(bus, "alice")
        arn = await rotation(bus, [alice])
        with pytest.raises(errors.ValidationError, match=message):
            await call(bus, "CreateRotationOverride", {
                "RotationId": arn, "NewContactIds": [alice], "StartTime": future(start),
                "EndTime": future(end)})

    async def test_a_standby_outside_the_rotation_may_cover(self, contacts: Settings,
                                                            bus: Bus) -> None:
        """An override may put any PERSONAL contact on call, a member of the rotation or
        not; while it is not over that contact cannot be deleted."""
        alice, bob = await people(bus, "alice", "bob")
        arn = await rotation(bus, [alice], StartTime=time.time() - 86400, TimeZoneId="UTC")
        start, end = tomorrow_noon_utc(), tomorrow_noon_utc() + 7200
        oid = (await call(bus, "CreateRotationOverride", {
            "RotationId": arn, "NewContactIds": [bob], "StartTime": start,
            "EndTime": end}))["RotationOverrideId"]
        got = await call(bus, "GetRotationOverride", {"RotationId": arn,
                                                      "RotationOverrideId": oid})
        assert got["NewContactIds"] == [bob]
        [covered] = [s for s in await all_shifts(bus, arn, start, end)
                     if s["Type"] == "OVERRIDDEN"]
        assert covered["ContactIds"] == [bob]
        assert covered["ShiftDetails"]["OverriddenContactIds"] == [alice]
        with pytest.raises(errors.ConflictError, match="overrides") as caught:
            await call(bus, "DeleteContact", {"ContactId": bob})
        assert caught.value.fields["DependentEntities"] == [
            {"RelationType": "ROTATION_MEMBER", "DependentResourceIds": [arn]}]
        await call(bus, "DeleteRotationOverride", {"RotationId": arn,
                                                   "RotationOverrideId": oid})
        assert await call(bus, "DeleteContact", {"ContactId": bob}) == {}
        with pytest.raises(errors.NotFoundError):
            await call(bus, "GetContact", {"ContactId": bob})

    async def test_override_contacts_must_be_existing_personal_contacts(
            self, contacts: Settings, bus: Bus) -> None:
        """An unknown override contact is ResourceNotFound; an escalation plan or an
        on-call schedule is a validation error."""
        (alice,) = await people(bus, "alice")
        arn = await rotation(bus, [alice])
        plan = (await call(bus, "CreateContact", {"Alias": "esc", "Type": "ESCALATION",
                                                  "Plan": {"Stages": []}}))["ContactArn"]
        schedule = (await call(bus, "CreateContact", {
            "Alias": "oncall", "Type": "ONCALL_SCHEDULE",
            "Plan": {"Stages": [], "RotationIds": [arn]}}))["ContactArn"]
        window = {"RotationId": arn, "StartTime": future(1), "EndTime": future(2)}
        for other, kind in ((plan, "ESCALATION"), (schedule, "ONCALL_SCHEDULE")):
            with pytest.raises(errors.ValidationError,
                               match=rf"NewContactIds\[1\]: .* is {kind}; only PERSONAL"):
                await call(bus, "CreateRotationOverride", {
                    **window, "NewContactIds": [alice, other]})
        with pytest.raises(errors.NotFoundError, match="does not exist") as caught:
            await call(bus, "CreateRotationOverride", {
                **window, "NewContactIds": [f"{prefix(contacts)}contact/nobody"]})
        assert caught.value.fields["resourceType"] == "CONTACT"

    async def test_unknown_override(self, contacts: Settings, bus: Bus) -> None:
        """Get and Delete of an unknown override id are ResourceNotFound."""
        (alice,) = await people(bus, "alice")
        arn = await rotation(bus, [alice])
        for op in ("GetRotationOverride", "DeleteRotationOverride"):
            for oid in ("11111111-2222-3333-4444-555555555555", "not-a-uuid"):
                with pytest.raises(errors.NotFoundError):
                    await call(bus, op, {"RotationId": arn, "RotationOverrideId": oid})


class TestPreview:
    async def test_preview_from_the_request_alone(self, contacts: Settings, bus: Bus) -> None:
        """Preview shifts echo free-form members and apply the given overrides."""
        page = await call(bus, "ListPreviewRotationShifts", {
            "Members": ["Ana", "Ben"], "TimeZoneId": "Europe/London",
            "RotationStartTime": datetime(2026, 3, 27, 9, tzinfo=UTC).timestamp(),
            "EndTime": datetime(2026, 3, 31, 8, tzinfo=UTC).timestamp(),
            "Recurrence": DAILY_9,
            "Overrides": [{"NewMembers": ["Ben"],
                           "StartTime": datetime(2026, 3, 27, 12, tzinfo=UTC).timestamp(),
                           "EndTime": datetime(2026, 3, 27, 13, tzinfo=UTC).timestamp()}]})
        found = [(s["ContactIds"], s["Type"],
                  datetime.fromtimestamp(s["StartTime"], UTC).strftime("%d %H:%M"))
                 for s in page["RotationShifts"]]
        assert found == [
            (["Ana"], "REGULAR", "27 09:00"), (["Ben"], "OVERRIDDEN", "27 12:00"),
            (["Ana"], "REGULAR", "27 13:00"), (["Ben"], "REGULAR", "28 09:00"),
            # Europe/London moves to BST on 29 March: 09:00 local is 08:00 UTC.
            (["Ana"], "REGULAR", "29 08:00"), (["Ben"], "REGULAR", "30 08:00")]
        assert page["RotationShifts"][1]["ShiftDetails"] == {"OverriddenContactIds": ["Ana"]}

    async def test_preview_errors(self, contacts: Settings, bus: Bus) -> None:
        """A preview checks its zone, recurrence and overrides like a rotation."""
        base = {"Members": ["Ana"], "TimeZoneId": "UTC", "Recurrence": DAILY_9,
                "EndTime": future(1)}
        for params, message in (({"TimeZoneId": "EST5EDT"}, "IANA"),
                                ({"Overrides": [{"NewMembers": []}]}, "StartTime"),
                                ({"StartTime": future(2)}, "after StartTime")):
            with pytest.raises(errors.ValidationError, match=message):
                await call(bus, "ListPreviewRotationShifts", {**base, **params})


class TestIdempotency:
    async def test_create_rotation_once_per_token(self, contacts: Settings, bus: Bus) -> None:
        """A repeated IdempotencyToken returns the first rotation; other params conflict."""
        (alice,) = await people(bus, "alice")
        first = await rotation(bus, [alice], IdempotencyToken="tok-1")
        assert await rotation(bus, [alice], IdempotencyToken="tok-1") == first
        assert len((await call(bus, "ListRotations"))["Rotations"]) == 1
        with pytest.raises(errors.ConflictError, match="IdempotencyToken"):
            await rotation(bus, [alice], Name="other", IdempotencyToken="tok-1")
        assert await rotation(bus, [alice]) != await rotation(bus, [alice])

    async def test_create_override_once_per_token(self, contacts: Settings, bus: Bus) -> None:
        """A repeated override token returns the first override and creates no second."""
        (alice,) = await people(bus, "alice")
        arn = await rotation(bus, [alice])
        params = {"RotationId": arn, "NewContactIds": [alice], "StartTime": future(1),
                  "EndTime": future(2), "IdempotencyToken": "ov-1"}
        first = await call(bus, "CreateRotationOverride", params)
        assert await call(bus, "CreateRotationOverride", params) == first
        listed = await call(bus, "ListRotationOverrides", {
            "RotationId": arn, "StartTime": future(0), "EndTime": future(3)})
        assert len(listed["RotationOverrides"]) == 1
