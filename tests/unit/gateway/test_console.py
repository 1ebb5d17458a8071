"""The console's pure parts: session cookies and their CSRF tokens, the list's filters,
the Engagements tab's rows, a rotation's calendar and the engagement chart's series."""

from __future__ import annotations

import time
from datetime import date

from tocsin.gateway.console import calendar, charts, engagements, listing
from tocsin.gateway.console.sessions import Sessions

KEYS = {"AKIDONE": "secret-one", "AKIDTWO": "secret-two"}
ARN = "arn:tocsin:ssm-incidents::000000000000:incident-record/checkout/1b2c-3d"


def sessions(lifetime: float = 3600, keys: dict[str, str] | None = None) -> Sessions:
    found = KEYS if keys is None else keys
    return Sessions(lambda: found, lifetime=lifetime)


class TestSessions:
    def test_a_key_pair_signs_in_and_its_cookie_reads_back(self) -> None:
        """The right secret gives a session whose cookie any gateway with the key reads
        back, CSRF token included."""
        issued = sessions().sign_in("AKIDONE", "secret-one")
        assert issued is not None
        again = sessions().check(sessions().cookie(issued))
        assert again == issued

    def test_a_wrong_secret_or_unknown_key_gives_no_session(self) -> None:
        """Neither a wrong secret, another key's secret nor an unknown key signs in."""
        assert sessions().sign_in("AKIDONE", "secret-two") is None
        assert sessions().sign_in("AKIDNONE", "secret-one") is None
        assert sessions().sign_in("AKIDONE", "") is None

    def test_a_tampered_cookie_is_refused(self) -> None:
        """Changing the key, expiry or signature of a cookie makes it worthless."""
        store = sessions()
        issued = store.sign_in("AKIDONE", "secret-one")
        assert issued is not None
        cookie = store.cookie(issued)
        payload, _, mac = cookie.partition(".")
        assert store.check(payload + "." + mac[:-2] + "AA") is None
        assert store.check("garbage") is None
        assert store.check("") is None
        forged = store.cookie(type(issued)(key_id="AKIDTWO", expires=issued.expires,
                                           nonce=issued.nonce, csrf=""))
        assert store.check(forged.partition(".")[0] + "." + mac) is None

    def test_an_expired_session_is_refused(self) -> None:
        """A session past its lifetime no longer reads back."""
        store = sessions(lifetime=-1)
        issued = store.sign_in("AKIDONE", "secret-one")
        assert issued is not None
        assert store.check(store.cookie(issued)) is None

    def test_signing_out_or_rotating_the_secret_ends_the_session(self) -> None:
        """A signed-out session is refused, and so is every session of a key whose secret
        changed."""
        keys = dict(KEYS)
        store = sessions(keys=keys)
        first = store.sign_in("AKIDONE", "secret-one")
        second = store.sign_in("AKIDONE", "secret-one")
        assert first is not None and second is not None
        assert first.csrf != second.csrf
        store.sign_out(first)
        assert store.check(store.cookie(first)) is None
        cookie = store.cookie(second)
        assert store.check(cookie) == second
        keys["AKIDONE"] = "rotated"
        assert store.check(cookie) is None

    def test_a_session_revoked_by_its_id_is_refused_on_another_gateway(self) -> None:
        """Another gateway's sign-out (read from the audit trail) names the session by its
        id, a digest of its nonce, never the cookie; the session is refused here too."""
        here, there = sessions(), sessions()
        session = here.sign_in("AKIDONE", "secret-one")
        assert session is not None
        cookie = here.cookie(session)
        assert there.check(cookie) == session
        assert session.nonce not in session.id
        there.revoke(session.id, session.expires)
        assert there.check(cookie) is None
        assert here.check(cookie) == session


class TestFilters:
    def test_filters_admit_by_plan_impact_and_time(self) -> None:
        """Each filter set must hold; the empty filters admit everything."""
        now = time.time()
        record = {"arn": ARN, "impact": 2, "creationTime": now - 7200}
        assert listing.Filters().admit(record)
        assert listing.Filters(plan="checkout", impact=2, period="24h").admit(record, now=now)
        assert not listing.Filters(plan="search").admit(record)
        assert not listing.Filters(impact=1).admit(record)
        assert not listing.Filters(period="1h").admit(record, now=now)

    def test_nonsense_in_the_query_is_ignored(self) -> None:
        """An impact out of range or an unknown period filters nothing."""
        filters = listing.Filters.from_query({"impact": "9", "period": "1y", "plan": "x"})
        assert filters == listing.Filters(plan="x")
        assert filters.query() == {"plan": "x"}

    def test_the_arn_gives_plan_name_and_a_safe_id(self) -> None:
        """The plan's name and the record's id come out of its ARN."""
        assert listing.plan_name(ARN) == "checkout"
        assert listing.incident_id(ARN) == "1b2c-3d"
        assert listing.duration(3725) == "1h 02m"
        assert listing.duration(65) == "1m 05s"


class TestSeenCookie:
    def test_a_mangled_tab_counter_cookie_is_ignored(self) -> None:
        """The tab counters' cookie comes from the browser: entries of the wrong shape are
        dropped instead of failing the page."""
        from aiohttp.test_utils import make_mocked_request

        from tocsin.gateway.console.incidents import SEEN_COOKIE, _seen

        def seen(value: str) -> object:
            request = make_mocked_request("GET", "/console/incident",
                                          headers={"Cookie": f"{SEEN_COOKIE}={value}"})
            return _seen(request)

        assert seen("not-json") == {}
        assert seen("[1,2]") == {}
        assert seen('{"a":3,"b":{"timeline":5,"x":"y","t":true}}') == {"b": {"timeline": 5.0}}


PLAN = "arn:tocsin:ssm-contacts::000000000000:contact/payments-oncall"
ANA = "arn:tocsin:ssm-contacts::000000000000:contact/ana"
BO = "arn:tocsin:ssm-contacts::000000000000:contact/bo"
CY = "arn:tocsin:ssm-contacts::000000000000:contact/cy"
CONTACTS = {
    ANA: {"Alias": "ana", "DisplayName": "Ana", "Type": "PERSONAL"},
    BO: {"Alias": "bo", "Type": "PERSONAL"},
    CY: {"Alias": "cy", "Type": "PERSONAL"},
    PLAN: {"Alias": "payments-oncall", "Type": "ESCALATION", "Plan": {"Stages": [
        {"DurationInMinutes": 5, "Targets": [{"ContactTargetInfo": {"ContactId": ANA}}]},
        {"DurationInMinutes": 5, "Targets": [{"ContactTargetInfo": {"ContactId": BO}}]},
        {"DurationInMinutes": 5, "Targets": [{"ContactTargetInfo": {"ContactId": CY}}]}]}},
}


class TestEngagementRows:
    def test_a_plan_shows_its_pages_then_its_stages_to_come(self) -> None:
        """Stage 0's page is engaged at its sent time through the plan; the stages not yet
        begun are scheduled at the engagement's start plus the earlier stages' durations;
        a contact engaged directly has no plan."""
        plan = {"EngagementArn": "e1", "ContactArn": PLAN, "StartTime": 1000.0, "Pages": [
            {"PageArn": "p1", "ContactArn": ANA, "SentTime": 1001.0}]}
        direct = {"EngagementArn": "e2", "ContactArn": CY, "StartTime": 1100.0, "Pages": []}
        rows = engagements.rows([plan, direct], CONTACTS, now=1200.0)
        assert [(r.name, r.plan_name, r.time, r.scheduled) for r in rows] == [
            ("Ana", "payments-oncall", 1001.0, False), ("cy", "", 1100.0, False),
            ("bo", "payments-oncall", 1300.0, True), ("cy", "payments-oncall", 1600.0, True)]

    def test_an_acknowledged_or_stopped_plan_schedules_nobody(self) -> None:
        read = {"EngagementArn": "e1", "ContactArn": PLAN, "StartTime": 1000.0, "Pages": [
            {"PageArn": "p1", "ContactArn": ANA, "SentTime": 1001.0, "ReadTime": 1010.0}]}
        stopped = {"EngagementArn": "e2", "ContactArn": PLAN, "StartTime": 1000.0,
                   "StopTime": 1005.0, "Pages": []}
        assert [r.scheduled for r in engagements.rows([read, stopped], CONTACTS, 1020.0)] == [
            False]


class TestCalendar:
    def test_shifts_fall_into_the_days_they_cover(self) -> None:
        """A shift across midnight shows in both days, cut at midnight; an override is
        marked; the grid starts on Monday and marks the past and today."""
        monday = date(2026, 12, 7)
        day = 86400.0
        start = 1796601600.0  # 2026-12-07 00:00 UTC
        shifts = [{"ContactIds": [ANA], "StartTime": start + 9 * 3600,
                   "EndTime": start + day + 9 * 3600, "Type": "REGULAR"},
                  {"ContactIds": [BO], "StartTime": start + day + 9 * 3600,
                   "EndTime": start + 2 * day, "Type": "OVERRIDDEN"}]
        grid = calendar.weeks(shifts, {ANA: "Ana", BO: "Bo"}, start=monday, count=2,
                              now=start + day + 60)
        assert len(grid) == 2 and [len(w) for w in grid] == [7, 7]
        first, second = grid[0][0], grid[0][1]
        assert (first.past, second.today) == (True, True)
        assert [(e.names, e.to_midnight, e.override) for e in first.entries] == [
            ("Ana", True, False)]
        assert [(e.names, e.override) for e in second.entries] == [("Ana", False), ("Bo", True)]
        assert second.overridden and not first.overridden
        assert calendar.first_monday(start + 3 * day) == monday


class TestCharts:
    def test_engagement_progress_counts_pages_sent_and_acknowledged(self) -> None:
        progress = charts.engagement_progress([{"Pages": [
            {"SentTime": 110.0, "ReadTime": 150.0}, {"SentTime": 120.0}]}], 100.0, 200.0)
        assert progress["x"] == [100.0, 110.0, 120.0, 150.0, 200.0]
        assert [s["values"] for s in progress["series"]] == [[0, 1, 2, 2, 2], [0, 0, 0, 1, 1]]
        marks = charts.key_time_marks({"resolvedTime": 200.0, "declaredTime": 100.0},
                                      {"declaredTime": "Declared", "resolvedTime": "Resolved",
                                       "mitigatedTime": "Mitigated"})
        assert marks == [{"label": "Declared", "time": 100.0},
                         {"label": "Resolved", "time": 200.0}]
