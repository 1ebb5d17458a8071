"""The contacts service's settings."""

from __future__ import annotations

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
