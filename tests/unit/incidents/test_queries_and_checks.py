"""The incidents service's pure rules that handlers apply before touching the database:
the List operations' filters as queries, and a plan's engagements checked against what
the contacts service reports (against an in-memory contacts service)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tocsin.incidents.records import domain
from tocsin.incidents.records.plan_engagements import check_engagements
from tocsin.incidents.timeline import domain as timeline
from tocsin.shared import codec
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import incidents as c
from tocsin.shared.errors import ServiceUnavailable, ValidationError
from tocsin.shared.paging import make_token

INCIDENT = "arn:aws:ssm-incidents::000000000000:incident-record/db/1"
CONTACT = "arn:aws:ssm-contacts:local-1:000000000000:contact/alice"
ROTATION = "arn:aws:ssm-contacts:local-1:000000000000:rotation/week"
PLAN = "arn:aws:ssm-incidents::000000000000:response-plan/db"


def filters(*items: dict[str, Any]) -> list[c.Filter]:
    return msgspec.convert(list(items), list[c.Filter])


class TestIncidentQuery:
    def test_filters_are_anded_and_values_ored(self) -> None:
        q = domain.incident_query(filters(
            {"key": "creationTime", "condition": {"after": 10, "before": 20}},
            {"key": "impact", "condition": {"equals": {"integerValues": [1, 2]}}},
            {"key": "status", "condition": {"equals": {"stringValues": ["OPEN"]}}},
            {"key": "createdBy", "condition": {"equals": {"stringValues": ["arn:me"]}}}),
            limit=5)
        assert (q.created_after, q.created_before, q.impacts, q.statuses, q.created_by,
                q.limit) == (10, 20, [1, 2], ["OPEN"], ["arn:me"], 5)

    @pytest.mark.parametrize(("item", "message"), [
        ({"key": "creationTime", "condition": {}}, "takes a before or after"),
        ({"key": "impact", "condition": {"equals": {"stringValues": ["1"]}}},
         "impact takes equals.integerValues"),
        ({"key": "status", "condition": {"equals": {}}}, "status takes equals.stringValues"),
        ({"key": "title", "condition": {}}, "'title' is not one of creationTime, impact"),
    ])
    def test_bad_filters_say_what_is_wrong(self, item: dict[str, Any], message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            domain.incident_query(filters(item), limit=5)


class TestTimelineQuery:
    def test_filters_order_and_position(self) -> None:
        cmd = msgspec.convert({
            "incidentRecordArn": INCIDENT, "sortOrder": "ASCENDING",
            "nextToken": make_token((1.5, "e1")),
            "filters": [{"key": "eventType", "condition": {"equals": {"stringValues": ["Note"]}}},
                        {"key": "eventReference",
                         "condition": {"equals": {"stringValues": ["arn:r"]}}},
                        {"key": "eventTime", "condition": {"before": 30}}]},
            c.ListTimelineEvents)
        q = timeline.timeline_query(cmd, limit=3)
        assert (q.incident_arn, q.types, q.references, q.before, q.after, q.descending,
                q.position, q.limit) == (INCIDENT, ["Note"], ["arn:r"], 30, None, False,
                                         (1.5, "e1"), 3)

    def test_newest_first_unless_asked(self) -> None:
        cmd = msgspec.convert({"incidentRecordArn": INCIDENT}, c.ListTimelineEvents)
        assert timeline.timeline_query(cmd, limit=3).descending

    def test_only_custom_types_are_written_by_callers(self) -> None:
        timeline.check_custom_type("Note")
        with pytest.raises(ValidationError, match="written by Tocsin itself"):
            timeline.check_custom_type(timeline.START)


class FakeConnection:
    """Records the statements a check runs (the lock plan writes leave)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    async def execute(self, statement: str, *args: Any) -> str:
        self.statements.append(statement)
        return "LOCK TABLE"


class FakeContacts:
    """The contacts service's ``ReserveEngagementContacts``, in memory."""

    def __init__(self, kinds: dict[str, str]) -> None:
        self.kinds = kinds
        self.asked: list[tuple[str, cc.ReserveEngagementContacts]] = []

    async def request(self, subject: str, payload: bytes, *, timeout: float) -> bytes:
        self.asked.append((subject, codec.decode(payload, cc.ReserveEngagementContacts)))
        return codec.encode({"Kinds": self.kinds})


class TestCheckEngagements:
    async def test_contacts_pass_and_are_reserved_once_each(self) -> None:
        conn, contacts = FakeConnection(), FakeContacts({CONTACT: "PERSONAL"})
        await check_engagements(conn, contacts, PLAN, [CONTACT, CONTACT])  # type: ignore[arg-type]
        assert conn.statements == ["LOCK TABLE response_plan IN ROW EXCLUSIVE MODE"]
        [(subject, asked)] = contacts.asked
        assert subject == "tocsin.rpc.contacts.ReserveEngagementContacts"
        assert (asked.response_plan_arn, asked.contact_arns) == (PLAN, [CONTACT])

    async def test_a_rotation_or_an_unknown_arn_is_refused_by_position(self) -> None:
        contacts = FakeContacts({CONTACT: "PERSONAL", ROTATION: "ROTATION"})
        with pytest.raises(ValidationError, match=r"engagements\[1\]: .* is a rotation"):
            await check_engagements(FakeConnection(), contacts,  # type: ignore[arg-type]
                                    PLAN, [CONTACT, ROTATION])
        with pytest.raises(ValidationError,
                           match=r"engagements\[0\]: contact arn:gone does not exist"):
            await check_engagements(FakeConnection(), contacts,  # type: ignore[arg-type]
                                    PLAN, ["arn:gone"])

    async def test_without_contacts_a_plan_that_engages_someone_is_not_written(self) -> None:
        conn = FakeConnection()
        with pytest.raises(ServiceUnavailable):
            await check_engagements(conn, None, PLAN, [CONTACT])  # type: ignore[arg-type]
        await check_engagements(conn, None, PLAN, [])  # type: ignore[arg-type]
        assert len(conn.statements) == 1  # engaging nobody needs no check at all
