"""Tests for the built-in message texts: written for the person who reads them."""

from __future__ import annotations

import os
from typing import Any

from tocsin.notifications.templates import Templates

INCIDENT = "arn:tocsin:ssm-incidents::000000000000:incident-record/api-outage/6c8b"
PAGE = "arn:tocsin:ssm-contacts:local-1:000000000000:page/dana/0f5e"
CHANNEL = "arn:tocsin:ssm-contacts:local-1:000000000000:contact-channel/dana/9a1d"


def page_context(**changes: Any) -> dict[str, Any]:
    """A page of a response plan's engagement, as the incidents service starts it."""
    context: dict[str, Any] = {
        "subject": "Incident: API 5xx rate", "sender": "Tocsin",
        "content": f"Incident: API 5xx rate\nImpact: 2\nHalf the requests fail.\n"
                   f"Incident ARN: {INCIDENT}",
        "accept_code": "482913", "page_arn": PAGE, "contact_alias": "dana",
        "channel_name": "work email", "ack_url": "http://127.0.0.1:8080/v1/ack/tok3n",
        "ack_expires": "2026-12-06 16:00 UTC", "endpoint": "http://127.0.0.1:8080",
        "region": "local-1", "impact_label": "high", "own_words": False,
        "incident": {"arn": INCIDENT, "title": "API 5xx rate", "impact": 2,
                     "summary": "Half the requests fail."}}
    context.update(changes)
    return context


class TestPageEmail:
    def test_says_each_thing_once(self) -> None:
        """Who is paged, for what, impact, summary, the code, the link: the title and the
        ARN once each, no "Incident:" lines repeated from the engagement."""
        text = Templates().render("page", "email", page_context())
        assert text.startswith('dana: you are paged for the incident "API 5xx rate".')
        assert text.count("API 5xx rate") == 1
        assert text.count(INCIDENT) == 1
        assert "Incident:" not in text
        assert "Impact:  2 (high)" in text
        assert text.count("Half the requests fail.") == 1
        assert "http://127.0.0.1:8080/v1/ack/tok3n" in text
        assert ("aws ssm-contacts accept-page --page-id " + PAGE + " --accept-type READ "
                "--accept-code 482913 "
                "--endpoint-url http://127.0.0.1:8080 --region local-1") in text

    def test_a_persons_own_words_are_kept(self) -> None:
        """An engagement a person started for the incident keeps its subject and content."""
        text = Templates().render("page", "email", page_context(
            sender="ops-bot", subject="Check the EU load balancer", content="Runbook 7.",
            own_words=True))
        assert "Check the EU load balancer" in text and "Runbook 7." in text

    def test_a_page_without_an_incident(self) -> None:
        text = Templates().render("page", "email", page_context(
            incident=None, sender="cron", subject="Disk 91% full", content="On db-2.",
            own_words=True, impact_label=""))
        assert text.startswith("dana: cron pages you.")
        assert "Disk 91% full" in text and "On db-2." in text
        assert "482913" in text and "Incident record" not in text


class TestActivationEmail:
    def test_the_code_and_how_to_enter_it(self) -> None:
        """The code, and the aws CLI command that enters it; no API operation names, no
        greeting of the alias as if it were a name."""
        text = Templates().render("activation-code", "email", {
            "code": "120934", "expires": "2026-12-06 15:45 UTC", "channel_arn": CHANNEL,
            "channel_name": "work email", "contact_alias": "dana",
            "endpoint": "http://127.0.0.1:8080", "region": "local-1"})
        assert text.startswith("Your Tocsin activation code is 120934")
        assert "ActivateContactChannel" not in text
        assert not text.startswith("dana")
        command = " ".join(text[text.index("aws ssm-contacts"):].replace("\\", " ").split())
        assert command.startswith(
            f"aws ssm-contacts activate-contact-channel --contact-channel-id {CHANNEL} "
            "--activation-code 120934 --endpoint-url http://127.0.0.1:8080 --region local-1")


class TestOverrides:
    def test_an_operators_override_replaces_the_built_in_text_and_its_edits_apply(
            self, tmp_path: Any) -> None:
        override = tmp_path / "page.sms.txt"
        override.write_text("PAGE {{ accept_code }}\n")
        templates = Templates(str(tmp_path))
        assert templates.render("page", "sms", page_context()) == "PAGE 482913"
        # Edited while the service runs: the next message uses the new text.
        override.write_text("Incident page, code {{ accept_code }}\n")
        stat = override.stat()
        os.utime(override, (stat.st_atime, stat.st_mtime + 5))
        assert templates.render("page", "sms", page_context()) == "Incident page, code 482913"
        # Templates not overridden stay the built-in ones.
        assert "482913" in templates.render("page", "email", page_context())
