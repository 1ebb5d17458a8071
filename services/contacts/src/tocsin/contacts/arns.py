"""The ARNs of the contacts API: partition ``tocsin``, regional, the alias in the name."""

from __future__ import annotations

import uuid

__all__ = ["Arns"]


class Arns:
    """Builds and reads ``arn:tocsin:ssm-contacts:<region>:<account>:<kind>/...`` ARNs."""

    def __init__(self, region: str, account: str) -> None:
        self.prefix = f"arn:tocsin:ssm-contacts:{region}:{account}:"

    def contact(self, alias: str) -> str:
        return f"{self.prefix}contact/{alias}"

    def channel(self, alias: str) -> str:
        return f"{self.prefix}contact-channel/{alias}/{uuid.uuid4()}"

    def engagement(self, alias: str) -> str:
        return f"{self.prefix}engagement/{alias}/{uuid.uuid4()}"

    def page(self, alias: str) -> str:
        return f"{self.prefix}page/{alias}/{uuid.uuid4()}"

    def rotation(self) -> str:
        return f"{self.prefix}rotation/{uuid.uuid4()}"

    def alias_of(self, contact_arn: str) -> str | None:
        """The alias in a contact ARN of this region and account, or None."""
        head = f"{self.prefix}contact/"
        alias = contact_arn[len(head):] if contact_arn.startswith(head) else ""
        return alias or None
