"""The ARNs of the contacts API: the deployment's partition, regional, the alias in the name."""

from __future__ import annotations

import uuid

from tocsin.shared import arns

__all__ = ["Arns"]


class Arns(arns.Arns):
    """Builds and reads ``arn:<partition>:ssm-contacts:<region>:<account>:<kind>/...`` ARNs."""

    def __init__(self, region: str, account: str, *,
                 partition: str = arns.DEFAULT_PARTITION) -> None:
        super().__init__(partition=partition, region=region, account=account)
        self.prefix = self.contacts("")

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
