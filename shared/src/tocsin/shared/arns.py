"""Tocsin's ARNs, built and read in one place, in the deployment's partition.

An ARN is ``arn:<partition>:<service>:<region>:<account>:<resource>``. The partition is
``TOCSIN_ARN_PARTITION`` (:attr:`~tocsin.shared.config.BaseSettings.arn_partition`):
``tocsin`` by default, so a Tocsin ARN is never mistaken for an AWS one; ``aws`` for teams
whose tooling builds ``arn:aws:`` ARNs. Every ARN a service issues (its resources, the
principals it acts as) is built here with the partition it was configured with, and an
ARN a caller names is read here, so a wrong partition can be told apart from a resource
that does not exist (:meth:`Arns.partition_hint`).

ARNs already stored (incident records, pages, timeline entries) are kept as they were
written: changing the partition of a deployment that holds data changes only what it
issues from then on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

__all__ = ["AWS_PARTITIONS", "DEFAULT_PARTITION", "HELD_SERVICES", "Arn", "Arns", "build",
           "check_partition", "find_foreign", "parse"]

DEFAULT_PARTITION = "tocsin"
AWS_PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
"""The partitions AWS's own models allow in their ARN patterns."""

HELD_SERVICES = ("ssm-incidents", "ssm-contacts")
"""The services whose resources a Tocsin deployment holds (and names by ARN)."""

_PARTITION = re.compile(r"[a-z][a-z0-9-]{0,31}")


class Arn(NamedTuple):
    """The six fields of an ARN."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return build(self.partition, self.service, self.region, self.account, self.resource)


def build(partition: str, service: str, region: str, account: str, resource: str) -> str:
    """``arn:<partition>:<service>:<region>:<account>:<resource>``."""
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def parse(text: str) -> Arn | None:
    """The fields of ``text``, or None when it is not ``arn:`` followed by five fields."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1]:
        return None
    return Arn(*parts[1:])


def check_partition(partition: str) -> str:
    """``partition`` when it can be an ARN partition (lower-case letters, digits, ``-``).

    Raises:
        ValueError: it cannot.
    """
    if not _PARTITION.fullmatch(partition):
        raise ValueError("TOCSIN_ARN_PARTITION must be lower-case letters, digits and '-', "
                         f"starting with a letter (e.g. tocsin or aws), got {partition!r}")
    return partition


class Arns:
    """The ARNs one deployment issues: its partition, region and account."""

    def __init__(self, *, partition: str = DEFAULT_PARTITION, region: str,
                 account: str) -> None:
        self.partition = partition
        self.region = region
        self.account = account

    def incidents(self, resource: str) -> str:
        """An ssm-incidents ARN (global: the region field is empty, as in AWS)."""
        return build(self.partition, "ssm-incidents", "", self.account, resource)

    def contacts(self, resource: str) -> str:
        """An ssm-contacts ARN (regional)."""
        return build(self.partition, "ssm-contacts", self.region, self.account, resource)

    def analysis(self, plan_name: str, analysis_id: str) -> str:
        """A post-incident analysis: ``analysis/<plan>/<id>`` (ssm-incidents, global)."""
        return self.incidents(f"analysis/{plan_name}/{analysis_id}")

    def ops_item(self, ops_item_id: str) -> str:
        """An OpsItem: ``arn:<partition>:ssm:<region>:<account>:opsitem/<id>``."""
        return build(self.partition, "ssm", self.region, self.account, f"opsitem/{ops_item_id}")

    def iam(self, resource: str) -> str:
        """A principal: ``root``, ``user/<name>``, ``role/<name>``."""
        return build(self.partition, "iam", "", self.account, resource)

    def events(self, resource: str) -> str:
        """An event rule's ARN, ``rule/<name>``."""
        return build(self.partition, "events", self.region, self.account, resource)

    def resource_of(self, arn: str, service: str, kind: str) -> str | None:
        """What follows ``<kind>/`` in an ARN this deployment issues for ``service``, or None
        (another partition, account, region, service or kind, or nothing after it)."""
        prefix = (self.incidents if service == "ssm-incidents" else self.contacts)(f"{kind}/")
        rest = arn[len(prefix):] if arn.startswith(prefix) else ""
        return rest or None

    def partition_hint(self, arn: str) -> str | None:
        """Why ``arn`` cannot name a resource here when its partition is the reason, else None.

        An ARN of a service Tocsin holds, in a partition other than this deployment's, is
        what a caller writes when its tooling assumes AWS's partition (or Tocsin's, when the
        deployment uses ``aws``); without this hint it answers only "does not exist".
        """
        found = parse(arn)
        if found is None or found.service not in HELD_SERVICES \
                or found.partition == self.partition:
            return None
        example = str(found._replace(partition=self.partition))
        return (f"this deployment's ARNs use the partition '{self.partition}', not "
                f"'{found.partition}' (e.g. {example}); TOCSIN_ARN_PARTITION sets it")


def find_foreign(arns: Arns, value: Any) -> str | None:
    """The partition hint of the first ARN in ``value`` (nested lists and mappings) that
    names a held service in another partition, or None."""
    for text in _strings(value):
        hint = arns.partition_hint(text)
        if hint is not None:
            return hint
    return None


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if value.startswith("arn:"):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
