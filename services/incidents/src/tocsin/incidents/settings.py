"""The incidents service's settings."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from tocsin.shared.config import ServiceSettings

__all__ = ["Settings"]


class Settings(ServiceSettings, frozen=True, kw_only=True):
    """How one incidents instance runs."""

    service = "incidents"

    quota_response_plans: Annotated[int, Meta(ge=1)] = 500
    """Response plans one deployment keeps (``TOCSIN_QUOTA_RESPONSE_PLANS``)."""
    quota_rules: Annotated[int, Meta(ge=1)] = 1000
    """Event rules one deployment keeps (``TOCSIN_QUOTA_RULES``)."""

    findings_window: Annotated[float, Meta(ge=0)] = 3600.0
    """Seconds before an incident's creation that a change may have ended and still be one
    of its findings (``TOCSIN_FINDINGS_WINDOW``)."""
    changes_filter: str = "changes.>"
    """The subjects of the ``CHANGES`` stream this deployment keeps as findings."""
    alarms_filter: str = "alarms.>"
    """The subjects of the ``ALARMS`` stream this deployment ingests."""
    alarms_dlq: str = "alarms.dlq"
    """Where alarm messages that can't be ingested go, with the reason."""
    alarm_max_bytes: Annotated[int, Meta(ge=1024)] = 256 * 1024
    """Largest alarm message ingested; a larger one is dead-lettered as ``oversized``."""
    alarm_max_deliver: Annotated[int, Meta(ge=1)] = 5
    """Tries of an alarm message that keeps failing before it is dead-lettered."""
    alarm_timeout: Annotated[float, Meta(gt=0)] = 20.0
    """Seconds one alarm message may take before it counts as a failed try."""
    fallback_contact: Annotated[str, Meta(
        pattern=r"^(arn:[^:]+:ssm-contacts:[^:]*:[0-9]*:contact/[a-z0-9_\-]+)?$")] = ""
    """The contact ARN engaged when paging for an incident reached nobody
    (``TOCSIN_FALLBACK_CONTACT``; empty: nobody, the timeline and the event only)."""
    canary_contact: Annotated[str, Meta(
        pattern=r"^(arn:[^:]+:ssm-contacts:[^:]*:[0-9]*:contact/[a-z0-9_\-]+)?$")] = ""
    """The contact ARN the canary's test pages go to (``TOCSIN_CANARY_CONTACT``; empty: no
    canary). See :mod:`tocsin.incidents.canary`."""
    canary_response_plan: Annotated[str, Meta(
        pattern=r"^(arn:[^:]+:ssm-incidents::[0-9]*:response-plan/[a-zA-Z0-9_\-]+)?$")] = ""
    """The response plan ARN of the incident the canary raises when a test page is not
    confirmed delivered (``TOCSIN_CANARY_RESPONSE_PLAN``)."""
    canary_interval: Annotated[float, Meta(ge=1)] = 3600.0
    """Plan seconds between two test pages (``TOCSIN_CANARY_INTERVAL``)."""
    canary_window: Annotated[float, Meta(gt=0)] = 300.0
    """Plan seconds a test page has to be confirmed delivered (``TOCSIN_CANARY_WINDOW``)."""

    region_check_interval: Annotated[float, Meta(gt=0)] = 1.0
    """Seconds between two rounds of the replication set's mirrors and region statuses
    (:mod:`tocsin.incidents.administration.regions`), and between two looks at the other
    regions' takeovers."""
    region_takeover_seconds: Annotated[float, Meta(gt=0)] = 60.0
    """Seconds after a start the consumer of acknowledgement timeouts waits, at most, for
    another region of the replication set that does not answer before acting on one
    (:mod:`tocsin.shared.replication.takeovers`); the escalation service's takeover
    delay."""
    region_unreachable_after: Annotated[float, Meta(gt=0)] = 30.0
    """Seconds another region of the replication set may stay unreachable (being added,
    or its mirror here silent) before it is ``FAILED`` (``TOCSIN_REGION_UNREACHABLE_AFTER``)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.canary_contact and not self.canary_response_plan:
            raise ValueError("TOCSIN_CANARY_RESPONSE_PLAN must name the response plan of the "
                             "incident a failed canary raises")
