"""The console's pure parts: session cookies and their CSRF tokens, and the list's filters."""

from __future__ import annotations

import time

from tocsin.gateway.console import listing
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
