"""The contacts service's settings."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from tocsin.contacts.usecases import Quotas
from tocsin.shared.config import ServiceSettings

__all__ = ["Settings"]


class Settings(ServiceSettings, frozen=True, kw_only=True):
    """How one contacts instance runs."""

    service = "contacts"

    quota_contacts: int = 1000
    """Contacts (personal, escalation plans, on-call schedules) one deployment keeps
    (``TOCSIN_QUOTA_CONTACTS``)."""
    quota_channels_per_contact: int = 10
    """Contact channels one contact has (``TOCSIN_QUOTA_CHANNELS_PER_CONTACT``)."""
    quota_rotations: int = 1000
    """Rotations one deployment keeps (``TOCSIN_QUOTA_ROTATIONS``)."""
    region_takeover_seconds: Annotated[float, Meta(gt=0)] = 60.0
    """Seconds after a start the escalation events' consumer waits, at most, for another
    region of the replication set that does not answer before acting on stage work
    (:mod:`tocsin.shared.replication.takeovers`); the escalation service's takeover
    delay."""
    region_check_interval: Annotated[float, Meta(gt=0)] = 1.0
    """Seconds between two looks at the other regions' mirrors."""

    def __post_init__(self) -> None:
        super().__post_init__()
        for name, value in (("TOCSIN_QUOTA_CONTACTS", self.quota_contacts),
                            ("TOCSIN_QUOTA_CHANNELS_PER_CONTACT",
                             self.quota_channels_per_contact),
                            ("TOCSIN_QUOTA_ROTATIONS", self.quota_rotations)):
            if value < 1:
                raise ValueError(f"{name} must be 1 or more")

    @property
    def quotas(self) -> Quotas:
        """The quotas the use cases enforce."""
        return Quotas(contacts=self.quota_contacts,
                      channels_per_contact=self.quota_channels_per_contact,
                      rotations=self.quota_rotations)
