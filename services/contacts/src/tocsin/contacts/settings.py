"""The contacts service's settings."""

from __future__ import annotations

from tocsin.shared.config import ServiceSettings

__all__ = ["Settings"]


class Settings(ServiceSettings, frozen=True, kw_only=True):
    """How one contacts instance runs."""

    service = "contacts"
