"""The incidents service's settings."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from tocsin.shared.config import ServiceSettings

__all__ = ["Settings"]


class Settings(ServiceSettings, frozen=True, kw_only=True):
    """How one incidents instance runs."""

    service = "incidents"

    findings_window: Annotated[float, Meta(ge=0)] = 3600.0
    """Seconds before an incident's creation that a change may have ended and still be one
    of its findings (``TOCSIN_FINDINGS_WINDOW``)."""
    changes_filter: str = "changes.>"
    """The subjects of the ``CHANGES`` stream this deployment keeps as findings."""
